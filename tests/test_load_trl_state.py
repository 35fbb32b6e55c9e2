"""A ``trainer_state.json`` written by a real TRL run loads with exact values (issue 10).

A real ``GRPOTrainer`` (tiny Llama, CPU, offline; ``tests/tiny_grpo.py``) trains a few steps
with checkpoints and evaluation; ``el.load`` on the checkpoints tree, on its latest
``checkpoint-*/trainer_state.json`` and on ``trainer.save_state()``'s file must give every
finite numeric entry of the trainer's in-memory ``state.log_history`` at its exact step with
the exact float (``==``: the file stores ``repr`` of each float, which round-trips).
"""

from __future__ import annotations

import math
import warnings

import pytest
from test_trl_callback import tiny  # noqa: F401  (the fixture: skip/fail rule for torch and trl)

import entropy_law as el
from entropy_law.loaders.hf_trainer_state import SUMMARY_KEYS
from entropy_law.table.metrics import choose

MAX_STEPS, SAVE, EVAL = 6, 3, 2


def _expected(log_history) -> dict[tuple[int, str], float]:
    """(step, key) -> value of every finite number in *log_history*, as the reader maps them."""
    out: dict[tuple[int, str], float] = {}
    for entry in log_history:
        for k, v in entry.items():
            if k == "step" or k in SUMMARY_KEYS or isinstance(v, bool) or not isinstance(v, (int, float)):
                continue
            if not math.isfinite(v):
                continue  # dropped by tidy() by contract
            out.setdefault((entry["step"], k), float(v))  # epoch repeats at an eval step
    return out


def _got(table) -> dict[tuple[int, str], float]:
    assert not table.duplicated(["step", "metric"]).any()
    return {(int(s), m): v for s, m, v in table[["step", "metric", "value"]].itertuples(index=False)}


@pytest.mark.slow
def test_real_grpo_trainer_state_loads_exactly(tiny, tmp_path):  # noqa: F811
    out = tmp_path / "run"
    tr = tiny.trainer(
        out,
        max_steps=MAX_STEPS,
        report_to=(),
        eval_prompts=16,
        save_strategy="steps",
        save_steps=SAVE,
        eval_strategy="steps",
        eval_steps=EVAL,
        per_device_eval_batch_size=16,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tr.train()
        tr.save_state()
    hist = tr.state.log_history
    assert {e["step"] for e in hist if "eval_reward" in e} == {2, 4, 6}, "three real evaluations"
    assert sorted(p.name for p in out.glob("checkpoint-*")) == ["checkpoint-3", "checkpoint-6"]
    want = _expected(hist)
    assert {k for _s, k in want} >= {"entropy", "reward", "loss", "eval_reward", "eval_entropy"}

    for path in (out, out / "checkpoint-6" / "trainer_state.json", out / "trainer_state.json"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            table = el.load(path)
        assert table["run"].nunique() == 1
        got = _got(table)
        assert got.keys() == want.keys(), (path, set(got) ^ set(want))
        bad = {k: (got[k], want[k]) for k in want if got[k] != want[k]}  # exact float equality
        assert not bad, (path, bad)

    table = el.load(out)
    meta = table.attrs["run_meta"][table["run"].iloc[0]]
    assert meta["format"] == "hf-trainer-state" and meta["global_step"] == MAX_STEPS
    assert "checkpoints" in meta["note"]
    counts = table["metric"].value_counts().to_dict()
    d = choose(list(counts), counts=counts, meta=meta)
    # three evaluations: logged throughout (more than SPARSE_MAX), so the eval reward wins
    assert (d.entropy, d.reward) == ("entropy", "eval_reward"), d.reason
