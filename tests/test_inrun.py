"""The in-run calibration of the law-based forecast (forecasting/inrun.py) and the level's
window (the last-value baseline's), on runs with a planted outcome."""

import math
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from entropy_law.forecasting.forecaster import RunSeries, forecast
from entropy_law.forecasting.inrun import HALF_DATA, inrun_backtest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import _baselines

A, B, H0, HINF, TAU = 0.3, 1.0, 1.5, 0.1, 40.0


def _series(offset=0.0, n=100, every=1):
    """Entropy decaying exponentially and performance exactly on the law, both logged
    every step (so the window alignment pairs each point with its own step's entropy),
    performance shifted by *offset* after the middle of the slice."""
    t = np.arange(1, n + 1)
    h = HINF + (H0 - HINF) * np.exp(-t / TAU)
    ev = np.arange(every, n + 1, every)
    r = -A * np.exp(h[ev - 1]) + B + np.where(ev > n / 2, offset, 0.0)
    return RunSeries("r", t, h, ev, r, "actor/entropy", "val/acc")


def _window(s):
    p = s.p_step
    tail = p[p >= p[-1] - 0.1 * (p[-1] - p[0])]
    return float(tail.min()), float(tail.max())


def test_inrun_error_is_zero_when_the_law_forecast_its_own_second_half():
    s = _series()
    bt = inrun_backtest(s, 1, _window(s), 0.0, 0.0)
    # noiseless law and exponential decay: the half-slice refit recovers both, so the
    # forecast of the current level from the middle is exact; 1e-6 allows the trajectory
    # fit's convergence tolerance
    assert abs(bt.law_error) < 1e-6 and bt.sd < 1e-6
    # the level, meanwhile, missed the whole rise since the middle: its window at the
    # origin (step 50.5) holds steps 46-50, the current one steps 91-100
    lvl_err = float(np.mean(s.p_val[45:50])) - float(np.mean(s.p_val[90:]))
    assert bt.level_error == pytest.approx(lvl_err, abs=1e-12) and bt.law_beats_level


def test_inrun_error_recovers_a_planted_miss():
    d = 0.05
    s = _series(offset=d)
    bt = inrun_backtest(s, 1, _window(s), 0.0, 0.0)
    # the second half sits d above the law the first half implies: the backtest misses by
    # -d, and the calibrated spread is d / sqrt(2) (the half-data factor); 1e-6 as above
    assert bt.law_error == pytest.approx(-d, abs=1e-6)
    assert bt.sd == pytest.approx(HALF_DATA * d, abs=1e-6)
    # the noise of the two levels is removed: noise that explains the miss leaves nothing
    assert inrun_backtest(s, 1, _window(s), 1.0, 0.0).sd == 0.0


def test_level_beats_a_law_that_misses_the_direction():
    # performance flat after the middle while the law (fitted on a first half that rose)
    # forecasts a further rise: the level's in-run error is smaller than the law's
    s = _series()
    mid = s.p_step > 50
    s.p_val[mid] = s.p_val[~mid][-1]
    bt = inrun_backtest(s, 1, _window(s), 0.0, 0.0)
    lvl_err = float(np.mean(s.p_val[45:50])) - float(s.p_val[49])  # steps 46-50 vs flat
    assert bt.level_error == pytest.approx(lvl_err, abs=1e-12)
    assert bt.law_error > 2 * abs(bt.level_error) and not bt.law_beats_level


def test_inrun_backtest_needs_enough_points():
    s = _series(n=20, every=5)  # 4 performance points: fewer than 2 x 3
    assert inrun_backtest(s, 1, _window(s), 0.0, 0.0) is None


def test_level_window_is_the_last_value_baseline_window():
    # evaluations every 10 steps from step 0; the cut at 95 falls between two of them, so
    # "the last 10% of the slice" and "the last 10% of the evaluations' span" differ: the
    # forecaster uses the latter, the baseline's, and a fallback ties the baseline exactly
    rng = np.random.default_rng(0)
    t = np.arange(0, 201)
    ev = np.arange(0, 201, 10)
    y = 0.5 + rng.normal(0, 0.02, ev.size)
    s = RunSeries("r", t, 1.0 + 0 * t, ev, y, "actor/entropy", "val/acc")  # flat entropy
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fc = forecast(s, upto_step=95, horizon=200, n_boot=50, seed=0, sigmoid=False)
    sl = ev <= 95
    base = _baselines.last_value((ev[sl] + 1).astype(float), y[sl], 201.0, (0, 1))
    assert fc.status == "entropy_controlled"
    assert fc.last_value == pytest.approx(base, abs=1e-12)
    assert fc.at_horizon.value == pytest.approx(base, abs=1e-12)
    assert math.isfinite(fc.at_horizon.ci[0])
