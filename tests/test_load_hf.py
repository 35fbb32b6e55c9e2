"""Hugging Face Trainer / TRL logs: trainer_state.json and console dict logs."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

import entropy_law as el
from entropy_law.errors import DataWarning, LoadError
from entropy_law.loaders import discover
from entropy_law.table.metrics import choose


def _trl_history(rng, n_steps=40, logging_steps=2, eval_every=10):
    """log_history entries as Trainer.log appends them: {**logs, "epoch": e, "step": s}."""
    hist = []
    tokens = 0.0
    for s in range(logging_steps, n_steps + 1, logging_steps):
        tokens += float(rng.integers(900, 1100))
        h = float(0.9 * np.exp(-s / 15) + 0.1 + rng.normal(0, 0.01))
        hist.append(
            {
                "loss": float(rng.normal(0, 0.01)),
                "grad_norm": float(rng.uniform(0, 1)),
                "learning_rate": 3e-4,
                "num_tokens": tokens,
                "reward": float(1.7 - 0.7 * np.exp(h) + rng.normal(0, 0.02)),
                "reward_std": 0.3,
                "rewards/correct/mean": float(rng.uniform(0, 1)),
                "entropy": h,
                "epoch": s / n_steps,
                "step": s,
            }
        )
        if s % eval_every == 0:
            hist.append(
                {
                    "eval_reward": float(rng.uniform(0.3, 0.9)),
                    "eval_loss": 0.1,
                    "epoch": s / n_steps,
                    "step": s,
                }
            )
    hist.append(
        {
            "train_runtime": 12.5,
            "train_samples_per_second": 3.0,
            "train_loss": 0.01,
            "epoch": 1.0,
            "step": n_steps,
        }
    )
    return hist


def _save_state(path, history, global_step, **kw):
    from transformers.trainer_callback import TrainerState

    state = TrainerState(global_step=global_step, max_steps=40, logging_steps=2, log_history=history, **kw)
    path.parent.mkdir(parents=True, exist_ok=True)
    state.save_to_json(str(path))


def test_trainer_state_written_by_transformers_loads_exactly(tmp_path):
    pytest.importorskip("transformers")  # in the test extra; the writer is transformers' own
    rng = np.random.default_rng(10)
    hist = _trl_history(rng)
    out = tmp_path / "grpo-out"
    _save_state(out / "checkpoint-20" / "trainer_state.json", [h for h in hist if h["step"] <= 20], 20)
    _save_state(out / "checkpoint-40" / "trainer_state.json", hist, 40, best_metric=0.8)
    units, _ = discover(tmp_path)
    assert [(u.reader.name, u.run) for u in units] == [("hf-trainer-state", "grpo-out")]
    table = el.load(tmp_path)
    assert table["run"].unique().tolist() == ["grpo-out"]
    for key in ("entropy", "reward", "rewards/correct/mean", "num_tokens", "eval_reward"):
        want = [(h["step"], h[key]) for h in hist if key in h]
        got = table[table.metric == key][["step", "value"]]
        assert list(map(tuple, got.itertuples(index=False))) == want, key  # exact floats
    meta = table.attrs["run_meta"]["grpo-out"]
    assert meta["best_metric"] == 0.8 and meta["global_step"] == 40  # the latest checkpoint won
    assert meta["train_runtime"] == 12.5 and "train_runtime" not in set(table.metric)
    counts = table.metric.value_counts().to_dict()
    d = choose(list(counts), counts=counts)
    assert (d.entropy, d.reward) == ("entropy", "eval_reward")


def test_trainer_state_sniffed_by_content_and_bad_json_named(tmp_path):
    p = tmp_path / "state_copy.json"
    p.write_text(json.dumps({"log_history": [{"entropy": 0.5, "reward": 0.2, "step": 3}], "global_step": 3}))
    assert discover(p)[0][0].reader.name == "hf-trainer-state"
    assert el.load(p).query("metric == 'entropy'")["step"].tolist() == [3]
    bad = tmp_path / "trainer_state.json"
    bad.write_text('{"log_history": [{"loss": 0.1, "st')
    with pytest.raises(LoadError, match="trainer_state.json.*not valid JSON"):
        el.load(bad)


def _console(dicts, bars=True, total=None):
    """A console capture as HF's ProgressCallback writes it: bar to stderr with \\r, dicts
    with tqdm.write (clear, message, redraw at the same count), stdout buffered apart."""
    total = total or dicts[-1][0]
    err, out = [], []
    for step in range(1, total + 1):
        err.append(f"\r {100 * step // total}%|##        | {step}/{total} [00:0{step % 10}<00:10,  1.00s/it]")
        for s, d in dicts:
            if s == step:
                err.append("\r" + " " * 40 + "\r")
                err.append(
                    f"\r {100 * step // total}%|##        | {step}/{total} [00:0{step % 10}<00:10,  1.00s/it]"
                )
                out.append(repr(d))
    text = f"***** Running training *****\n  Total optimization steps = {total}\n"
    text += ("".join(err) + "\n" if bars else "") + "\n".join(out) + "\n"
    return text


def test_console_steps_from_tqdm_and_values_exact(tmp_path):
    rng = np.random.default_rng(3)
    dicts = [
        (
            s,
            {
                "loss": float(rng.normal()),
                "entropy": float(rng.uniform()),
                "reward": float(rng.uniform()),
                "epoch": 0.01,
            },
        )
        for s in range(3, 31, 3)
    ]
    p = tmp_path / "train.log"
    p.write_text(_console(dicts, total=30))
    assert discover(p)[0][0].reader.name == "hf-console"
    t = el.load(p)
    got = t[t.metric == "entropy"]
    assert got["step"].tolist() == [s for s, _ in dicts]
    assert got["value"].tolist() == [d["entropy"] for _, d in dicts]
    assert t.attrs["run_meta"]["train"]["step_rule"].startswith("tqdm counters")


def test_console_falls_back_to_logging_steps_then_index(tmp_path):
    dicts = [
        (s, {"loss": 0.1 * s, "entropy": 1.0 / s, "reward": 0.01 * s, "epoch": 0.0}) for s in range(5, 26, 5)
    ]
    p = tmp_path / "no_bars.txt"
    p.write_text(_console(dicts, bars=False))
    with pytest.warns(DataWarning, match="numbered the dicts 1..5"):
        t = el.load(p)
    assert t[t.metric == "entropy"]["step"].tolist() == [1, 2, 3, 4, 5]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = el.load(p, logging_steps=5)
    assert t[t.metric == "entropy"]["step"].tolist() == [5, 10, 15, 20, 25]
    p2 = tmp_path / "with_args.md"
    p2.write_text("TrainingArguments(logging_steps=5, ...)\n" + _console(dicts, bars=False))
    t2 = el.load(p2)
    assert t2[t2.metric == "entropy"]["step"].tolist() == [5, 10, 15, 20, 25]
    assert "found in the log" in t2.attrs["run_meta"]["with_args"]["step_rule"]


def test_console_numpy_reprs_nan_and_eval_dicts(tmp_path):
    text = (
        "{'loss': np.float64(0.25), 'entropy': np.float32(0.5), 'reward': nan, 'epoch': 0.1}\n"
        "{'eval_reward': 0.75, 'eval_loss': 0.2, 'epoch': 0.1}\n"
        "{'loss': 0.2, 'entropy': 0.4, 'reward': 0.3, 'epoch': 0.2}\n"
    )
    p = tmp_path / "run.log"
    p.write_text(text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = el.load(p, logging_steps=10)
    wide = t.pivot_table(index="step", columns="metric", values="value")
    assert wide.loc[10, "loss"] == 0.25 and wide.loc[10, "entropy"] == 0.5
    assert np.isnan(wide.loc[10, "reward"])  # NaN dropped by tidy
    assert wide.loc[10, "eval_reward"] == 0.75  # the eval dict takes the step before it
    assert wide.loc[20, "reward"] == 0.3


def test_console_steps_from_redraws_after_a_clear_when_the_bar_skips_steps(tmp_path):
    # a fast run: tqdm (mininterval) draws the bar at some steps only, so a printed dict is
    # followed by one draw after tqdm.write's clear, not by the same count twice; long TRL
    # dicts (60 keys) printed unbuffered between the clear and the redraw
    def bar(n):
        return f"\r {100 * n // 40}%|##        | {n}/40 [00:01<00:03,  9.5it/s]"

    text, want = "", []
    for step in range(1, 41):
        if step % 3 == 0:
            text += bar(step)  # an ordinary draw, at some steps only
        if step % 4 == 0:
            d = {"loss": 0.01 * step, "entropy": 1.0 / step, **{f"k{i}": float(i) for i in range(60)}}
            text += "\r" + " " * 46 + "\r" + repr({k: f"{v:.4g}" for k, v in d.items()}) + "\n" + bar(step)
            want.append(step)
    p = tmp_path / "fast.log"
    p.write_text(text + "\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the steps are found, no fallback warning
        t = el.load(p)
    assert t[t.metric == "entropy"]["step"].tolist() == want
    assert t.attrs["run_meta"]["fast"]["step_rule"].startswith("tqdm counters")


def test_console_dicts_of_recent_transformers_quote_their_floats(tmp_path):
    # transformers 5 (ProgressCallback, PrinterCallback) prints every float as f"{v:.4g}": a
    # string; ints and text stay as they are
    text = (
        "{'loss': '-0.0451', 'num_tokens': '621', 'entropy': '2.287', 'reward': '0.2188', "
        "'note': 'abc', 'step_time': '1.5e-05', 'epoch': '0.01562'}\n"
        "{'loss': '-0.002324', 'entropy': '2.318', 'reward': 'nan', 'epoch': '0.03125'}\n"
    )
    p = tmp_path / "run.log"
    p.write_text(text)
    assert discover(p)[0][0].reader.name == "hf-console"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = el.load(p, logging_steps=1)
    wide = t.pivot_table(index="step", columns="metric", values="value")
    assert wide["entropy"].tolist() == [2.287, 2.318]
    assert wide.loc[1, "num_tokens"] == 621 and wide.loc[1, "step_time"] == 1.5e-05
    assert "note" not in wide and np.isnan(wide.loc[2, "reward"])


def test_verl_initial_validation_dict_is_not_a_trainer_log(tmp_path):
    p = tmp_path / "verl.txt"
    p.write_text(
        "Initial validation metrics: {'val-core/openai/gsm8k/reward/mean@1': 0.2, 'val-aux/x': 0.1}\n"
    )
    assert discover(p)[0] == []


def test_wandb_folder_without_history_reads_trl_output_log(tmp_path):
    run = tmp_path / "wandb" / "run-20250101_000000-abc123"
    files = run / "files"
    files.mkdir(parents=True)
    dicts = [
        (s, {"loss": 0.1, "entropy": 1.0 / s, "reward": 0.02 * s, "epoch": 0.0}) for s in range(2, 21, 2)
    ]
    (files / "output.log").write_text(_console(dicts, total=20))
    (files / "wandb-metadata.json").write_text(json.dumps({"python": "CPython 3.11", "gpu_count": 1}))
    (files / "config.yaml").write_text("learning_rate:\n  value: 0.0003\n")
    units, skipped = discover(tmp_path)
    assert [u.reader.name for u in units] == ["wandb-console"] and skipped == []
    with pytest.warns(DataWarning, match="no run-\\*.wandb file"):
        t = el.load(tmp_path)
    name = "wandb/run-20250101_000000-abc123"
    assert t[t.metric == "entropy"]["step"].tolist() == list(range(2, 21, 2))
    meta = t.attrs["run_meta"][name]
    assert meta["wandb_metadata"]["gpu_count"] == 1
    assert meta["wandb_config"] == {"learning_rate": {"value": 0.0003}}  # PyYAML is in the test env


def test_progress_bar_path_reads_every_unit(tmp_path):
    from entropy_law.loaders import scan

    for i in range(3):
        (tmp_path / f"r{i}.csv").write_text(f"step,entropy,reward\n1,0.5,{i}\n2,0.4,{i}\n")
    rep = scan(tmp_path, progress=True)
    assert sorted(rep.table["run"].unique()) == ["r0", "r1", "r2"]
    assert rep.summary() == "loaded 3 run(s) from 3 log(s)."


@pytest.mark.parametrize(
    ("name", "frac", "category", "says"),
    [
        ("exp1a__rho0.10_seed42.log", 0.37, "TruncatedLogWarning", "ends inside a logged dict"),
        ("exp1a__rho0.10_seed42.log", 0.81, "TruncatedLogWarning", "ends inside a logged dict"),
        # cut at a line end, in the config dump printed after training: nothing says "cut"
        # but the bar, which shows 40 logging events for 37 dicts
        ("exp1a__rho0.30_seed42.log", 0.93, "DataWarning", "first 37 of the 40 logging events"),
    ],
)
def test_console_cut_while_written_keeps_the_trainer_steps(tmp_path, corpus_dir, name, frac, category, says):
    """A TRL console capture cut while the job ran (a real log of the corpus, cut at a
    fraction of its bytes): stderr's bars are flushed ahead of stdout's dicts, so the bar
    shows more logging events than the file has dicts. Every complete dict keeps its
    trainer step and values, with a warning. The steps were the dict index 1..n (a
    DataWarning said so): step 33 for trainer step 165."""
    full_path = corpus_dir / "raw" / "sun_trl_grpo_rho_sweep_gsm8k" / name
    raw = full_path.read_bytes()
    cut = tmp_path / "cut.log"
    cut.write_bytes(raw[: int(frac * len(raw))])
    full = el.load(full_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        part = el.load(cut)
    assert [w.category.__name__ for w in caught] == [category], [str(w.message) for w in caught]
    assert says in str(caught[0].message)
    merged = part.merge(full, on=["step", "metric"], how="left", suffixes=("", "_full"))
    assert merged["value_full"].notna().all()  # every kept step exists in the full log
    assert (merged["value"] == merged["value_full"]).all()
    kept = sorted(part["step"].unique())
    assert kept == sorted(full["step"].unique())[: len(kept)] and len(kept) >= 10


def test_console_capture_before_its_first_dict_says_so(tmp_path):
    # a TRL job's capture before its first logging step holds only progress bars: loading
    # it said "format not recognised" and listed every format; it now says what the file
    # is and that `watch` follows it (which picks it up at the first dict)
    from entropy_law.loaders import scan

    bars = "".join(f"\r  {k}%|#         | {k}/200 [00:{k:02d}<12:21,  3.88s/it]" for k in range(1, 5))
    p = tmp_path / "job.log"
    p.write_text("Total optimization steps = 200\n" + bars)
    with pytest.raises(LoadError, match=r"progress bars but no logged metrics yet.*entropy-law watch"):
        el.load(p)
    (tmp_path / "ok.log").write_text(
        "{'loss': 0.1, 'entropy': 0.5, 'reward': 0.2, 'epoch': 0.01}\n"
        "{'loss': 0.1, 'entropy': 0.4, 'reward': 0.3, 'epoch': 0.02}\n"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the dict-index note
        rep = scan(tmp_path)
    assert "job.log (progress bars only, no logged metrics yet)" in rep.summary()
