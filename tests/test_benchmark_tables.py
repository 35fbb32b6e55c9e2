"""The forecast benchmark's verdict-precision table counts what it says it counts."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from forecast_accuracy import verdict_precision


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
