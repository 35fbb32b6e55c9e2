"""The forecast benchmark reads what it says it reads and counts what it says it counts."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from _accuracy_tables import verdict_precision
from _planted import planted_run
from _run_collections import corpus_runs, source_of
from forecast_accuracy import _one


def test_verdict_precision_counts_moves_and_runs_that_did_not_win_back_their_best():
    # four planted `degrading` runs at one cut: best 0.9 in each slice, level 0.5 at the
    # cut; they end at 0.3 (fell on), 0.5 (stayed), 0.75 (rose, still 0.15 below the best)
    # and 0.89 (won it back, within 0.02)
    rows = pd.DataFrame(
        {
            "fraction": 0.5,
            "verdict": "degrading",
            "error": 0.0,
            "last_value": 0.5,
            "slice_best": 0.9,
            "realised": [0.3, 0.5, 0.75, 0.89],
        }
    )
    t = verdict_precision(rows).iloc[0]
    assert t["runs"] == 4
    assert t["share moved up > 0.02"] == pytest.approx(0.5)
    assert t["share moved down > 0.02"] == pytest.approx(0.25)
    assert t["share |move| <= 0.02"] == pytest.approx(0.25)
    assert t["share ended below the slice's best - 0.02"] == pytest.approx(0.75)


def test_corpus_is_read_from_the_raw_logs_every_run_once(corpus_dir):
    # the benchmark reads ../shared/corpus/raw with the loaders (SOURCES.md: 44 runs, one
    # of them, the TRL Markdown console log, without a tidy CSV); every name starts with
    # its source folder, which the per-source table groups by
    runs = corpus_runs(corpus_dir / "raw")
    names = [n for n, _ in runs]
    assert len(names) == len(set(names)) == 44
    assert "juncylu_trl_grpo_qwen2.5vl3b_aokvqa__run_terminal" in names
    folders = {p.name for p in (corpus_dir / "raw").iterdir() if p.is_dir()}
    assert {source_of("corpus", n) for n in names} == folders
    assert all(t["run"].nunique() == 1 for _, t in runs)


def test_a_percent_metric_is_scored_as_a_fraction():
    # the same planted run logged as a fraction and in percent (an accuracy-like name with
    # values above 1 is bounded in [0, 100]): the benchmark's row is the fraction run's,
    # up to the forecast's float rounding under rescaling
    import numpy as np

    from entropy_law.forecasting.forecaster import prepare_run

    rng = np.random.default_rng(3)
    steps = np.arange(0, 200, 5)
    h = 0.1 + 0.9 * np.exp(-steps / 60)
    acc = np.clip(0.8 - 0.35 * np.exp(h) + 0.01 * rng.standard_normal(len(steps)), 0, 1)
    rows = {}
    for unit in (1.0, 100.0):
        t = planted_run(steps, h, acc * unit, metric="eval_acc")
        rows[unit] = _one(prepare_run(t), 0.25, n_boot=50)
    assert rows[1.0]["unit"] == 1.0 and rows[100.0]["unit"] == 100.0
    for k in ("realised", "forecast", "low", "high", "error", "last_value_error"):
        assert rows[100.0][k] == pytest.approx(rows[1.0][k], rel=1e-6, abs=1e-9), k


def test_runs_option_scores_a_given_folder_and_leaves_the_docs_alone():
    # `--runs PATH` is how a held-out set is scored: the same acceptance table for the runs
    # under PATH (here the two bundled sample CSVs), with no public collection, no
    # simulator, and docs/benchmarks.md untouched
    import subprocess

    root = Path(__file__).resolve().parents[1]
    docs = root / "docs" / "benchmarks.md"
    before = docs.read_bytes()
    cmd = [
        sys.executable,
        "benchmarks/forecast_accuracy.py",
        "--runs",
        "sample_runs/csv",
        "--n-boot",
        "50",
        "--jobs",
        "1",
    ]
    done = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    assert "### Acceptance targets, csv" in out
    assert "Every run under `sample_runs/csv` (2 runs, 1 source," in out
    assert "real_runs" not in out and "simulator" not in out
    assert docs.read_bytes() == before
