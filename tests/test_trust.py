"""Forecasts a user can trust: the level fallback, its in-run calibration, the sigmoid gates,
estimates inside their intervals (D10) and the default horizon (D11). The verdicts are in
test_verdicts.py."""

import math
import sys
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import entropy_law as el
from entropy_law.fitting.results import Estimate
from entropy_law.forecasting.forecaster import forecast, prepare_run
from entropy_law.forecasting.gates import sigmoid_gate
from entropy_law.forecasting.level import level_forecast, recent_slope, residual_noise
from entropy_law.forecasting.result import SigmoidOpinion

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import _baselines
from _planted import planted_run as _run

# -- the level fallback: planted noise, drift and trend -----------------------------------


def test_level_noise_recovered_on_a_flat_run():
    rng = np.random.default_rng(0)
    t = np.arange(1, 401, dtype=float)
    y = 0.6 + rng.normal(0, 0.02, t.size)
    rmse, phi = residual_noise(y)
    # tolerance: the spread of 400 iid residuals is known to ~4%; 15% covers the running-mean
    # correction for a width-39 window
    assert abs(rmse / 0.02 - 1) < 0.15 and abs(phi) < 0.2
    lf = level_forecast(t, y, 1, 400, 1600, bounds=(0, 1))
    assert abs(lf.level - 0.6) < 0.01  # mean of 40 points: sd 0.003
    assert lf.drift_rate < 1e-5  # a flat run has (almost) no drift once noise is removed
    assert not lf.trend and lf.point == lf.level


def test_level_drift_rate_recovered_on_a_random_walk():
    # random walk with increments of sd 0.01 per step: drift variance 1e-4 per step
    rates = []
    for seed in range(40):
        rng = np.random.default_rng(seed)
        y = 0.5 + np.cumsum(rng.normal(0, 0.01, 400))
        lf = level_forecast(np.arange(1.0, 401), y, 1, 400, 800)
        rates.append(lf.drift_rate)
    # tolerance: each run's estimate rests on 3 overlapping origins (very noisy), so only the
    # median over 40 runs is checked, within a factor 2 of the planted 1e-4
    assert 0.5e-4 < np.median(rates) < 2e-4


def test_recent_slope_and_damped_trend_on_a_rising_run():
    rng = np.random.default_rng(1)
    t = np.arange(1, 201, dtype=float)
    y = 0.2 + 0.002 * t + rng.normal(0, 0.01, t.size)
    slope, tstat = recent_slope(t, y, 1, 200, 0.0)
    assert abs(slope / 0.002 - 1) < 0.1 and tstat > 10  # 100 points, slope SE ~3e-5
    lf = level_forecast(t, y, 1, 200, 400, bounds=(0, 1))
    assert lf.trend
    # damped trend: L + slope * tau * (1 - exp(-gap / tau)), tau = half the span (99.5)
    expect = lf.level + lf.slope * 99.5 * (1 - math.exp(-200 / 99.5))
    assert lf.point == pytest.approx(expect, abs=1e-9)
    assert lf.level < lf.point < lf.level + 0.002 * 100  # never more than one more half-span


def test_sparse_evaluations_get_a_slope_of_their_last_four_points():
    """Five evaluations every 5 steps, rising 0.1 per evaluation (the CS336 40-step sweep at
    half its steps): the slice's last half holds three of them, which once gave t = 0 and
    "recent slope indistinguishable from zero". The slope is measured on the last four."""
    rng = np.random.default_rng(12)
    t = np.array([0.0, 5, 10, 15, 20])
    y = 0.04 + 0.02 * t + rng.normal(0, 0.005, t.size)
    slope, tstat = recent_slope(t, y, 0, 20, 0.0)
    # 4 points over 15 steps, noise 0.005: slope SE ~ 0.005 / sqrt(125) ~ 4.5e-4, so the
    # planted 0.02 is recovered to within 10% and its t is far above 3
    assert slope == pytest.approx(0.02, rel=0.1) and tstat > 10
    lf = level_forecast(t, y, 0, 20, 40, bounds=(0, 1))
    assert lf.trend and lf.point > lf.level + 0.1  # half a slice more of a 0.1-per-5-steps rise
    # three points in all: not measurable (NaN), never a flat slope
    s3, t3 = recent_slope(t[:3], y[:3], 0, 10, 0.0)
    assert math.isnan(s3) and math.isnan(t3)
    lf3 = level_forecast(t[:3], y[:3], 0, 10, 20, bounds=(0, 1))
    assert not lf3.trend and lf3.point == lf3.level


def test_falling_run_is_not_extrapolated_down():
    t = np.arange(1, 201, dtype=float)
    y = 0.8 - 0.002 * t + np.random.default_rng(2).normal(0, 0.01, t.size)
    lf = level_forecast(t, y, 1, 200, 400, bounds=(0, 1))
    assert lf.slope_t < -10 and not lf.trend and lf.point == lf.level


# -- the sigmoid's sanity gates -----------------------------------------------------------


def _sig(A, ci, r2=0.9, at_h=0.6):
    fit = type("F", (), {"r2": r2})()
    return SigmoidOpinion(
        ok=True, message="", fit=fit, A=Estimate(A, ci, 0.9), at_horizon=Estimate(at_h, ci, 0.9)
    )


def test_sigmoid_gates_name_the_failed_gate():
    y = np.linspace(0.4, 0.6, 30)
    lvl = level_forecast(np.arange(1.0, 31), y, 1, 30, 60, bounds=(0, 1))
    assert sigmoid_gate(_sig(0.62, (0.58, 0.66)), (0, 1), y, lvl, 0.9)[0]
    ok, why = sigmoid_gate(_sig(-6.57, (0, np.inf)), (0, 1), y, lvl, 0.9)
    assert not ok and "outside the metric's range" in why
    ok, why = sigmoid_gate(_sig(0.7, (0.3, np.inf)), (0, 1), y, lvl, 0.9)
    assert not ok and "not finite" in why
    ok, why = sigmoid_gate(_sig(0.62, (0.58, 0.66), r2=0.1), (0, 1), y, lvl, 0.9)
    assert not ok and "R2" in why


def test_sigmoid_gate_refuses_a_curve_that_is_not_where_the_run_is_now():
    """Gate 5: a sigmoid standing at 0.40 just after the cut of a run at ~0.59 (a real TRL run
    had "sigmoid plateau 0.405, already reached" while at 0.625) describes the past; one that
    starts at the current level passes. Noise-free line: s_now is tiny, so the 1%-of-scale
    floor (tolerance 0.03) decides."""
    y = np.linspace(0.4, 0.6, 30)
    lvl = level_forecast(np.arange(1.0, 31), y, 1, 30, 60, bounds=(0, 1))
    here = replace(_sig(0.62, (0.58, 0.66)), curve_pt=np.full(30, lvl.level + 0.01))
    assert sigmoid_gate(here, (0, 1), y, lvl, 0.9)[0]
    past = replace(_sig(0.62, (0.58, 0.66)), curve_pt=np.full(30, 0.40))
    ok, why = sigmoid_gate(past, (0, 1), y, lvl, 0.9)
    assert not ok and "where the run is at" in why


def test_sigmoid_gate_reads_the_fits_own_asymptote_not_the_clipped_one():
    """Gate 1 on the fit's own A: on a bounded metric the reported A is clipped, so an
    asymptote of 8.3e4 (a CS336 run at 25%, still rising linearly) read ``1 [1, 1]`` and
    passed; it entered the headline on 3 of 5 bootstrap seeds (whether over half of the
    refits failed decided it)."""
    y = np.linspace(0.4, 0.6, 30)
    lvl = level_forecast(np.arange(1.0, 31), y, 1, 30, 60, bounds=(0, 1))
    par = type("P", (), {"value": 8.3e4})()
    fit = type("F", (), {"r2": 0.99, "params": {"A": par}})()
    clipped = replace(_sig(1.0, (0.9, 1.0)), fit=fit)
    ok, why = sigmoid_gate(clipped, (0, 1), y, lvl, 0.9)
    assert not ok and "A = 8.3e+04 outside the metric's range" in why


@pytest.mark.parametrize("seed", [0, 1])
def test_a_sigmoid_running_off_the_range_stays_out_whatever_the_seed(corpus_dir, seed):
    """End to end on the real run that exposed it: CS336 masked_normalize at 25% (steps
    0-50, accuracy still rising, 0.04 -> 0.34). The sigmoid's own asymptote is ~8e4; before
    the fix the forecast combined it at seeds 0, 2, 3 (0.80) and not at 1, 4 (0.58). Now
    it is the law's alone at every seed, and the warning says why."""
    name = "shibukizero_cs336a5_grpo_qwen2.5math1.5b__grpo_length_normalization__masked_normalize.csv"
    s = prepare_run(el.load(corpus_dir / "tidy" / name))
    upto = int(round(s.first_step + 0.25 * (s.last_step - s.first_step)))
    fc = forecast(s, upto_step=upto, horizon=s.last_step, n_boot=200, seed=seed)
    assert fc.sigmoid.ok and fc.sigmoid.fit.params["A"].value > 10  # the planted situation
    assert fc.method == "law"
    assert any("outside the metric's range" in w for w in fc.warnings), fc.warnings
    assert "not used in the forecast" in fc.report()  # the clipped "1 [1, 1]" is marked
    # the gates read as many sigmoid refits as the law has draws (100 before: the share
    # of failed refits, hence the gates, moved with the seed)
    assert len(fc.sigmoid.fit.draws["A"]) == 200


# -- D10, D11 (issue 9) -------------------------------------------------------------------


def test_d10_every_estimate_inside_its_interval():
    n = 60
    t = np.arange(n)
    H = np.maximum(0, 1 - t / 30)
    R = -0.3 * np.exp(H) + 1
    tb = _run(t, H, R, metric="critic/score/mean")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = forecast(tb, upto_fraction=0.25, seed=0, n_boot=100).to_dict()
    sig = d["sigmoid"] or {}
    for name, e in [(k, d[k]) for k in ("ceiling", "law_ceiling", "at_horizon", "expected_gain")] + [
        ("sigmoid.A", sig.get("A", {"value": None}))
    ]:
        v, (lo, hi) = e["value"], e.get("ci", [None, None])
        if v is None or lo is None:
            continue
        assert lo <= v <= (math.inf if hi is None else hi), (name, e)
    assert d["ceiling"]["value"] <= 1.0


def test_a_mostly_censored_saturation_step_has_an_unbounded_lower_end_not_nan():
    """Saturation draws are +inf where a resample never saturates inside the grid. When
    the interval's lower quantile fell between two such draws, linear interpolation gave
    inf - inf: the lower end read NaN ("n/a" in the report) with a numpy warning. It is
    +inf there ("not before the grid's end") and the usual interpolated quantile where it
    falls among finite draws."""
    from entropy_law.forecasting.result import censored_quantile, est

    draws = np.array([10.0, 20.0] + [np.inf] * 98)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        e = est(draws, 0.9)
        assert censored_quantile(draws, 0.05) == math.inf
        assert censored_quantile(np.array([1.0, 2, np.inf, np.inf, np.nan]), 0.05) == pytest.approx(1.2)
    # the point (median of the finite draws when the median is censored) stays inside
    assert e.ci == (e.value, math.inf) and e.value == 15.0
    assert est(draws, 0.9, point=math.inf).ci == (math.inf, math.inf)
    # a censored share below half keeps the finite percentile interval and an open top
    e = est(np.r_[np.linspace(100, 200, 60), [np.inf] * 40], 0.9)
    assert 100 < e.ci[0] < 200 and e.ci[1] == math.inf


def test_entropy_floor_draws_beyond_exp_range_give_no_numpy_warning(corpus_dir):
    """A TRL rho run at half its steps: some of the entropy floor's bootstrap draws are
    hundreds of nats (its interval reads up to 431), whose exp overflows. The ceiling and
    the budget take +inf as the limit; the user saw "warning: overflow encountered in exp"
    from numpy beside the report."""
    s = prepare_run(el.load(corpus_dir / "tidy" / "sun_trl_grpo_rho_sweep_gsm8k__exp1a__rho1.00_seed42.csv"))
    upto = int(round(s.first_step + 0.5 * (s.last_step - s.first_step)))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        fc = forecast(s, upto_step=upto, horizon=s.last_step, n_boot=100, seed=0)
    assert np.max(fc.trajectory.floor_draws) > 709  # the planted situation: exp overflows
    assert 0.0 <= fc.ceiling.ci[0] <= fc.ceiling.value <= fc.ceiling.ci[1] <= 1.0


@pytest.mark.parametrize("offset", [10**6, 59])
def test_d11_default_horizon_after_the_last_step_for_negative_steps(offset):
    n = 60
    H = 1.5 * np.exp(-np.arange(n) / 15) + 0.1
    R = -0.3 * np.exp(H) + 1
    steps = [int(i) - offset for i in range(n)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = forecast(_run(steps, H, R, metric="critic/score/mean"), seed=0, n_boot=50, sigmoid=False)
    assert res.settings.horizon > steps[-1]
    assert res.settings.horizon == steps[-1] + (steps[-1] - steps[0])


# -- baselines of the benchmark recover planted curves ------------------------------------


def test_benchmark_baselines_recover_planted_curves():
    t = np.arange(1.0, 101)
    pow3 = 0.8 - 0.5 * t**-0.6
    assert _baselines.power_law(t, pow3, 400.0, (0, 1)) == pytest.approx(0.8 - 0.5 * 400**-0.6, abs=2e-3)
    assert _baselines.lc_ensemble(t, pow3, 400.0, (0, 1)) == pytest.approx(0.8 - 0.5 * 400**-0.6, abs=5e-3)
    sig = 0.1 + (0.7 - 0.1) / (1 + (60 / t) ** 2.0)
    # grid search: A on a 25-point grid of [max, 1], so within ~0.02 of the planted 0.7 value
    truth = 0.1 + 0.6 / (1 + (60 / 400) ** 2)
    assert _baselines.scalerl(t, sig, 400.0, (0, 1)) == pytest.approx(truth, abs=0.03)
    assert _baselines.last_value(t, sig, 400.0, None) == pytest.approx(np.mean(sig[t >= 90.1]))


# -- slow: interval coverage on simulated runs --------------------------------------------


@pytest.mark.slow
def test_horizon_intervals_cover_on_simulated_runs():
    hits, n_int = 0, 0
    for seed in range(30):
        over = [{}, {"lr": 0.05}, {"entropy_coef": 0.0}][seed % 3]
        sim = el.simulate(seed=200 + seed, run=f"s{seed}", **over)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bt = el.forecasting.backtest(sim, (0.25,), n_boot=60, seed=seed)
        lo, hi, real = bt["low"].iloc[0], bt["high"].iloc[0], bt["realised"].iloc[0]
        if np.isfinite([lo, hi]).all():
            n_int += 1
            hits += lo <= real <= hi
            assert lo <= bt["forecast"].iloc[0] <= hi
    # the issue's target is 80-95% coverage. A true rate of 0.8 gives >= 22 of 30 with
    # probability 0.87 (Binomial(30, 0.8)), so 22/30 is the lower tolerance. Measured here:
    # 24 of 30 (20 before the in-run backtest of forecasting/inrun.py); the misses are
    # law-only forecasts of lr=0.05 runs, biased low (docs/benchmarks.md)
    assert n_int >= 25
    assert hits >= 22 / 30 * n_int, (hits, n_int)


def test_check_and_forecast_report_the_same_ceiling():
    from test_forecast import law_run

    table = law_run(seed=7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fc = forecast(table, n_boot=100, seed=0)
        res = el.check(table, min_ceiling=0.5, n_boot=100, seed=0)
    d = res.runs[0].forecast
    assert fc.method == "combined" and d["method"] == "law"  # check's fast path: no sigmoid
    assert d["ceiling"]["value"] == pytest.approx(fc.ceiling.value, rel=1e-9)
    assert fc.ceiling.value <= fc.hard_ceiling.value


def _five_evaluations():
    # entropy every step, accuracy every 10 steps: 5 aligned points, below the 6 a
    # law-only forecast needs (core.MIN_LAW_ONLY_POINTS), so the result is too_early
    rng = np.random.default_rng(0)
    es, ps = np.arange(0, 41), np.arange(0, 41, 10)
    h = 0.2 + 0.8 * np.exp(-es / 20) + 0.01 * rng.standard_normal(len(es))
    acc = 0.9 - 0.3 * np.exp(0.2 + 0.8 * np.exp(-ps / 20)) + 0.01 * rng.standard_normal(len(ps))
    return pd.concat(
        [el.make_long("r", es, "actor/entropy", h), el.make_long("r", ps, "val-core/x/acc/mean@1", acc)]
    )


@pytest.mark.parametrize("sigmoid", [False, True])
def test_too_early_says_its_horizon_value_is_the_fallbacks(sigmoid):
    """A too_early law-based result keeps method law/combined (its ceiling is the law's,
    reported, not to be acted on) while its value at the horizon is the fallback's; the
    JSON record and the report name that, so a program reading ``method`` alone does not
    take the level for the law's forecast."""
    from entropy_law.forecasting.fallback import level_estimate

    t = _five_evaluations()
    fc = el.forecast(t, horizon=200, n_boot=100, seed=0, sigmoid=sigmoid)
    assert fc.status == "too_early" and fc.method in ("law", "combined")
    doc = fc.to_dict()
    assert doc["method"] == fc.method and doc["horizon_method"] == fc.horizon_method
    assert f"value at the horizon: {fc.horizon_method}" in fc.report().splitlines()[0]
    if not sigmoid:
        assert fc.horizon_method == "last_value"
        s = prepare_run(t)
        lvl = level_forecast(s.p_step, s.p_val, s.first_step, s.last_step, 200, bounds=fc.bounds)
        want = level_estimate(lvl, 0.9, fc.bounds, len(s.p_val))
        assert fc.at_horizon.value == pytest.approx(want.value, abs=1e-12)
        assert fc.at_horizon.ci == pytest.approx(want.ci, abs=1e-12)
    else:
        assert fc.horizon_method in ("sigmoid", "last_value")


def test_horizon_method_is_method_when_the_numbers_share_one_source():
    # a fallback and an ok forecast: one source for every number
    rng = np.random.default_rng(1)
    steps = np.arange(0, 300, 2)
    h = 0.1 + 0.9 * np.exp(-steps / 80) + 0.005 * rng.standard_normal(len(steps))
    acc = np.clip(0.85 - 0.3 * np.exp(h) + 0.01 * rng.standard_normal(len(steps)), 0, 1)
    ok = el.forecast(_run(steps, h, acc), upto_step=150, horizon=299, n_boot=100, seed=0)
    flat = el.forecast(
        _run(steps, np.full(len(steps), 0.5), acc), upto_step=150, horizon=299, n_boot=100, seed=0
    )
    assert ok.status == "ok" and flat.status == "entropy_controlled"
    for fc in (ok, flat):
        assert fc.horizon_method == fc.method == fc.to_dict()["horizon_method"]
