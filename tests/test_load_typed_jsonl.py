"""Typed JSON lines, the step= / aggregate= load options, restarts inside a table."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

import entropy_law as el
from entropy_law.errors import DataWarning, LoadError
from entropy_law.loaders import discover


def _write(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def _records(rng, n=6, per_step=3):
    recs = [{"type": "eval", "grpo_step": 0, "answer_accuracy": 0.1}]
    for s in range(1, n + 1):
        recs.append({"type": "rollout", "grpo_step": s, "reward": float(rng.uniform()), "done": True})
        for b in range(per_step):
            recs.append(
                {
                    "type": "train",
                    "grpo_step": s,
                    "optimizer_step": per_step * (s - 1) + b + 1,
                    "token_entropy": float(rng.uniform()),
                    "clip_fraction": None,
                    "loss_type": "grpo",
                }
            )
    return recs


def test_typed_records_become_type_prefixed_metrics_with_mean(tmp_path):
    rng = np.random.default_rng(5)
    recs = _records(rng)
    p = _write(tmp_path / "metrics.jsonl", recs)
    assert discover(p)[0][0].reader.name == "typed-jsonl"
    with pytest.warns(DataWarning, match=r"'train': 6 step\(s\) with 3-3 records.*aggregate='mean'"):
        t = el.load(p)
    assert {"train/token_entropy", "rollout/reward", "eval/answer_accuracy", "train/optimizer_step"} <= set(
        t.metric
    )
    assert not any(m.endswith(("loss_type", "done", "clip_fraction")) for m in t.metric)
    got = t[t.metric == "train/token_entropy"].set_index("step")["value"]
    for s in range(1, 7):
        want = np.mean([r["token_entropy"] for r in recs if r["type"] == "train" and r["grpo_step"] == s])
        assert got[s] == pytest.approx(want, rel=1e-15)
    assert t.attrs["run_meta"]["metrics"]["step_key"] == "grpo_step"


def test_a_last_step_cut_short_says_how_few_records_it_holds(tmp_path):
    # the CS336 logs write 2-16 "train" records per step; a log cut while step 6 was
    # written holds one of its three records and half a line. The step's values are the
    # mean of that one record (kept: nothing before the damage is lost), and the warning
    # says so; it said only "skipped 1 damaged line" and "6 step(s) with 3-3 records"
    from entropy_law.errors import TruncatedLogWarning

    rng = np.random.default_rng(5)
    recs = _records(rng)
    keep = len(recs) - 2  # drop the last two train records of step 6
    p = tmp_path / "metrics.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in recs[:keep]) + json.dumps(recs[keep])[:25])
    with pytest.warns(TruncatedLogWarning) as caught:
        t = el.load(p)
    msgs = [str(w.message) for w in caught if w.category is TruncatedLogWarning]
    assert any("the last 'train' step (6) holds 1 record(s) where the others hold 3" in m for m in msgs), msgs
    got = t[t.metric == "train/token_entropy"].set_index("step")["value"]
    assert got[6] == recs[keep - 1]["token_entropy"]
    # a complete log says nothing of the kind
    with warnings.catch_warnings(record=True) as full:
        warnings.simplefilter("always")
        el.load(_write(tmp_path / "full.jsonl", recs))
    assert not any("holds" in str(w.message) for w in full)


def test_aggregate_last_and_given_step_key(tmp_path):
    rng = np.random.default_rng(6)
    recs = _records(rng)
    p = _write(tmp_path / "m.jsonl", recs)
    t = el.load(p, aggregate="last")
    got = t[t.metric == "train/token_entropy"].set_index("step")["value"]
    last = [r for r in recs if r["type"] == "train" and r["grpo_step"] == 4][-1]["token_entropy"]
    assert got[4] == last
    # optimizer_step as the axis: one train record per step, nothing to aggregate
    t2 = el.load(p, step="optimizer_step")
    assert t2[t2.metric == "train/token_entropy"]["step"].tolist() == list(range(1, 19))
    with pytest.raises(LoadError, match="aggregate='median'"):
        el.load(p, aggregate="median")


def test_step_option_relabels_other_formats(tmp_path):
    """W&B-style table where _step is a call counter and train/global_step the real axis."""
    p = tmp_path / "hist.csv"
    p.write_text(
        "_step,train/global_step,train/entropy,eval/reward\n0,10,0.5,\n1,10,,0.4\n2,20,0.4,\n3,20,,0.6\n"
    )
    t = el.load(p)  # detected: train/global_step comes first among step columns
    assert t[t.metric == "eval/reward"]["step"].tolist() == [10, 20]
    t = el.load(p, step="_step")
    assert t[t.metric == "eval/reward"]["step"].tolist() == [1, 3]
    with pytest.raises(LoadError, match="step='nope' is not a column"):
        el.load(p, step="nope")


def test_step_option_reindexes_console_logs(tmp_path):
    p = tmp_path / "verl.log"
    p.write_text(
        "step:1 - actor/entropy:0.5 - training/global_step:101 - critic/score/mean:0.1\n"
        "step:2 - actor/entropy:0.4 - training/global_step:102 - critic/score/mean:0.2\n"
    )
    t = el.load(p, step="training/global_step")
    assert t[t.metric == "actor/entropy"]["step"].tolist() == [101, 102]
    with pytest.raises(LoadError, match="must hold whole numbers"):
        el.load(p, step="actor/entropy")


def test_restart_in_one_csv_drops_the_superseded_rows(tmp_path):
    p = tmp_path / "log.csv"
    p.write_text("step,entropy_avg,eval_acc\n1,1.3,15.6\n2,1.2,\n1,1.4,\n2,1.1,\n3,1.0,20.0\n")
    with pytest.warns(DataWarning, match="step went back 1 time"):
        t = el.load(p)
    assert t[t.metric == "eval_acc"]["step"].tolist() == [3]  # the aborted run's step-1 eval is gone
    assert t[t.metric == "entropy_avg"]["value"].tolist() == [1.4, 1.1, 1.0]


def test_folder_summary_names_skipped_files_and_why(tmp_path):
    _write(tmp_path / "run.jsonl", [{"type": "train", "step": 1, "entropy": 0.5}])
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "notes.txt").write_text("hello")
    rep = el.loaders.scan(tmp_path)
    line = rep.summary()
    assert "loaded 1 run(s)" in line
    assert "config.json (run metadata)" in line and "notes.txt (format not recognised)" in line


def test_check_command_takes_the_step_option(tmp_path):
    from typer.testing import CliRunner

    from entropy_law.cli import app

    p = _write(tmp_path / "m.jsonl", _records(np.random.default_rng(1), n=4))
    res = CliRunner().invoke(
        app, ["check", str(p), "--min-ceiling", "0.1", "--step", "nope", "--jobs", "1", "--no-progress"]
    )
    assert res.exit_code == 1 and "nope" in res.output  # the step key reached the reader in the worker
