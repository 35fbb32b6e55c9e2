"""EntropyLawCallback inside a real TRL GRPOTrainer (tiny Llama, CPU, offline; tests/tiny_grpo.py).

Skipped with the reason when torch / transformers / trl are not installed, unless CI is set:
then their absence is a failure (.ci/run installs torch==2.13.0 and the ``trl`` extra).
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import subprocess
import sys
import warnings

import pytest
from conftest import REPO, in_ci

NEEDED = ("torch", "transformers", "trl", "datasets", "tokenizers")
KEYS = (
    "entropy_law/plateau",
    "entropy_law/plateau_low",
    "entropy_law/plateau_high",
    "entropy_law/expected_gain",
    "entropy_law/saturation_step",
    "entropy_law/entropy_spent",
    "entropy_law/verdict",
)


def _need_trl() -> None:
    missing = [m for m in NEEDED if importlib.util.find_spec(m) is None]
    if not missing:
        return
    msg = (
        f"{', '.join(missing)} not installed: pip install torch==2.13.0 && pip install -e '.[trl]' "
        "(the CPU torch build; see .ci/run)"
    )
    if in_ci():
        pytest.fail(msg + "; CI=true, so this is a failure, not a skip")
    pytest.skip(msg)


def test_import_entropy_law_does_not_import_transformers():
    code = "import sys, entropy_law, entropy_law.live.watcher; print('transformers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.fixture(scope="module")
def tiny():
    _need_trl()
    import torch

    torch.set_num_threads(1)
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import tiny_grpo

    return tiny_grpo


def _train(tiny, out, cb, max_steps):
    tr = tiny.trainer(out, max_steps=max_steps, callbacks=[cb])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tr.train()
    return tr


@pytest.mark.slow
def test_callback_logs_forecasts_into_log_history_and_tensorboard(tiny, tmp_path):
    import entropy_law as el
    from entropy_law.integrations.trl import EntropyLawCallback
    from entropy_law.live.verdict import VERDICT_CODES

    status = tmp_path / "status.json"
    cb = EntropyLawCallback(every=10, max_overhead=None, status_file=status)
    tr = _train(tiny, tmp_path / "run", cb, max_steps=30)
    assert cb._trainer is tr, "the trainer is found from on_train_begin's call stack"

    # cadence: one forecast per 10 logged reward points, i.e. at steps 10, 20, 30
    assert cb.forecast_steps == [10, 20, 30]
    # each forecast is cheap (n_boot=40); the first may fit the sigmoid too (entropy not yet
    # falling), which costs a few seconds on a busy 2-core machine, hence the loose bound
    assert max(f.seconds for f in cb.forecasts[1:]) < 10.0

    tr.state.save_to_json(str(tmp_path / "trainer_state.json"))
    hist = json.loads((tmp_path / "trainer_state.json").read_text())["log_history"]
    ours = [r for r in hist if "entropy_law/plateau" in r]
    assert [r["step"] for r in ours] == [10, 20, 30]
    for r, fc in zip(ours, cb.forecasts):
        assert set(KEYS) <= r.keys()
        assert r["entropy_law/verdict"] == VERDICT_CODES[fc.summary.verdict]
        assert r["entropy_law/plateau"] == pytest.approx(fc.summary.plateau)
        assert "reward" not in r, "the forecast record holds the forecast alone (TRL's buffer was empty)"
    # the training records themselves are untouched and complete
    train = [r for r in hist if "reward" in r]
    assert [r["step"] for r in train] == list(range(1, 31))

    # TensorBoard: read the event file back with entropy_law's own loader
    tb = el.load(tmp_path / "run" / "runs")
    got = tb[tb["metric"] == "train/entropy_law/plateau"]
    assert sorted(got["step"].tolist()) == [10, 20, 30]
    assert got.sort_values("step")["value"].tolist() == pytest.approx(
        [f.summary.plateau for f in cb.forecasts], rel=1e-6
    )  # stored as float32
    # every key the trainer logged with a finite value is in the event file; a saturation step
    # beyond the forecast grid is logged as inf, which the tidy table drops by contract
    finite = {k for k in KEYS if any(math.isfinite(r[k]) for r in ours)}
    assert {"entropy_law/plateau", "entropy_law/expected_gain", "entropy_law/verdict"} <= finite
    assert set(f"train/{k}" for k in finite) <= set(tb["metric"])

    doc = json.loads(status.read_text())
    last = cb.forecasts[-1].summary
    assert doc["global_step"] == 30 and doc["verdict"] == last.verdict in VERDICT_CODES
    assert doc["verdict_code"] == VERDICT_CODES[last.verdict]
    assert doc["stop"] is False and doc["forecast"]["reward_metric"] == "reward"


@pytest.mark.slow
def test_stop_rule_ends_training_at_the_first_confident_forecast(tiny, tmp_path):
    from entropy_law.integrations.trl import EntropyLawCallback
    from entropy_law.live.collector import LiveForecaster
    from entropy_law.live.rules import StopRules

    # partial reward lies in [0, 1]: a ceiling of 1.01 is out of reach, so check's flag rule
    # fires at the first forecast whose interval may be acted on
    status = tmp_path / "status.json"
    cb = EntropyLawCallback(every=5, max_overhead=None, min_ceiling=1.01, status_file=status)
    tr = _train(tiny, tmp_path / "run", cb, max_steps=60)

    # the expected stopping point, replayed independently from the logged records
    replay = LiveForecaster("run", n_boot=40, rules=StopRules(min_ceiling=1.01))
    expected = None
    for rec in tr.state.log_history:
        if "reward" not in rec:
            continue
        replay.add(rec["step"], rec)
        if rec["step"] % 5 == 0:
            fc = replay.forecast()
            if fc is not None and fc.stop_reason is not None:
                expected = rec["step"]
                break
    assert expected is not None and expected < 60
    assert tr.state.global_step == expected == cb.forecast_steps[-1]
    assert cb.stop_reason is not None and cb.stop_reason.startswith("check flag")
    stop_rec = [r for r in tr.state.log_history if r.get("entropy_law/stop") == 1.0]
    assert [r["step"] for r in stop_rec] == [expected]
    doc = json.loads(status.read_text())
    assert doc["stop"] is True and "below 1.01" in doc["stop_reason"]


def test_only_the_main_process_forecasts():
    _need_trl()
    from transformers import TrainerControl, TrainerState

    from entropy_law.integrations.trl import EntropyLawCallback

    cb = EntropyLawCallback(every=1, max_overhead=None)
    state = TrainerState()
    state.is_world_process_zero = False
    control = TrainerControl()
    for step in range(1, 40):
        state.global_step = step
        cb.on_log(None, state, control, logs={"entropy": 1.0 / step, "reward": 1 - 1.0 / step})
    assert cb.forecasts == [] and state.log_history == [] and not control.should_training_stop

    state.is_world_process_zero = True  # the main process: forecasts (no trainer: log_history)
    state.global_step = 40
    cb.on_log(None, state, control, logs={"entropy": 1 / 40, "reward": 1 - 1 / 40})
    assert len(cb.forecasts) == 1 and state.log_history[-1]["step"] == 40


def test_callback_tolerates_missing_keys_and_detects_overrides():
    _need_trl()
    from transformers import TrainerControl, TrainerState

    from entropy_law.integrations.trl import EntropyLawCallback

    cb = EntropyLawCallback(every=4, max_overhead=None, reward="rewards/acc/mean")
    state, control = TrainerState(), TrainerControl()
    for step in range(1, 41):
        state.global_step = step
        logs = {"entropy": 1.0 / step, "loss": 0.1}
        if step % 2 == 0:  # steps_per_generation=2: reward only every other step
            logs.update({"reward": 0.3, "rewards/acc/mean": 1 - 1.0 / step})
        cb.on_log(None, state, control, logs=logs)
    # 20 points of the chosen key, one forecast per 4 of them
    assert cb.forecast_steps == [8, 16, 24, 32, 40]
    assert cb.forecasts[-1].result.settings.reward == "rewards/acc/mean"


def test_import_error_names_the_extra(tmp_path):
    # a stub 'transformers' that fails to import, first on the path
    (tmp_path / "transformers").mkdir()
    (tmp_path / "transformers" / "__init__.py").write_text("raise ImportError('no transformers here')\n")
    code = "import entropy_law.integrations.trl"
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{REPO}"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode != 0 and "entropy-law[trl]" in out.stderr


def test_a_due_forecast_waits_while_forecasting_is_over_its_time_budget():
    _need_trl()
    from types import SimpleNamespace

    from transformers import TrainerControl, TrainerState

    from entropy_law.integrations.trl import EntropyLawCallback

    def run(max_overhead):
        cb = EntropyLawCallback(every=5, max_overhead=max_overhead)
        state, control = TrainerState(), TrainerControl()
        cb.on_train_begin(SimpleNamespace(run_name="r", output_dir="out"), state, control)
        for step in range(1, 41):
            state.global_step = step
            cb.on_log(None, state, control, logs={"entropy": 1.0 / step, "reward": 1 - 1.0 / step})
        return cb.forecast_steps

    assert run(None) == [5, 10, 15, 20, 25, 30, 35, 40]
    # a budget of 1e-9 of the wall time: after the first forecast every later one must wait
    # (the loop itself takes far less time than a forecast)
    assert run(1e-9) == [5]
