"""Verdicts on simulated runs with a planted outcome (docs/method.md 11.2): `plateaued`,
`improving`, `degrading` and `unforecastable`, each with the evidence it names."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
from _planted import planted_run as _run

import entropy_law as el
from entropy_law.fitting.results import Estimate
from entropy_law.forecasting.forecaster import forecast
from entropy_law.forecasting.level import level_forecast
from entropy_law.forecasting.result import VERDICTS


def _decay(n, h0=1.5, hinf=0.05, tau=None):
    tau = tau or n / 6
    return hinf + (h0 - hinf) * np.exp(-np.arange(n) / tau)


def _verdict(table, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return forecast(table, n_boot=60, seed=0, sigmoid=False, **kw)


def test_verdict_plateaued_on_a_collapsed_flat_run():
    """Planted white noise 0.01 after a steep decay: the slope's bound over another
    half-slice is ~0.010 (its own residuals' autocorrelation), inside the 2% margin. With
    the slice's autocorrelation (0.78, inflated by the decay the running mean cannot
    follow) the bound read 0.0205, a hair inside."""
    rng = np.random.default_rng(3)
    n = 200
    H = _decay(n, tau=15) + rng.normal(0, 0.005, n)
    R = -0.3 * np.exp(_decay(n, tau=15)) + 1.0 + rng.normal(0, 0.01, n)
    res = _verdict(_run(np.arange(1, n + 1), H, R))
    assert res.verdict == "plateaued", res.verdict_reason
    assert res.expected_gain.ci[0] <= 0.02  # no material gain is promised
    lvl = level_forecast(np.arange(1.0, n + 1), R, 1, n, 2 * n, bounds=(0, 1))
    assert lvl.trend_change_bound < 0.013  # planted: 0.0046 + 1.645 x ~0.0035


def test_plateaued_needs_the_slope_shown_flat_not_merely_not_significant():
    """Planted: the same spent entropy, two performance series. A long quiet flat run (200
    points, noise 0.005): the slope's 95% bound over another half-slice is far inside the
    threshold, so `plateaued`. Six noisy evaluations of a run rising 0.08 over the slice
    (noise 0.04): its slope is not significant (|t| <= 2, which the old rule read as flat),
    but its bound is wide, so `unforecastable`, saying the slope is not shown flat, unless a
    law-based forecast's gain interval is itself within the margin."""
    from entropy_law.forecasting.verdict import judge_run

    gain = Estimate(0.0, (-0.01, 0.01), 0.9)
    rng = np.random.default_rng(5)
    t = np.arange(1.0, 201)
    y = 0.7 + rng.normal(0, 0.005, t.size)
    e = np.linspace(1.0, 0.2, t.size)
    lvl = level_forecast(t, y, 1, 200, 400, bounds=(0, 1))
    assert lvl.trend_change_bound < 0.01  # the planted flatness is resolved
    verdict, why = judge_run("ok", lvl, gain, y, e, (0, 1))
    assert verdict == "plateaued" and "at most" in why, why

    t = np.arange(0.0, 51, 10)
    y = 0.5 + 0.0016 * t + np.random.default_rng(1).normal(0, 0.04, t.size)
    lvl = level_forecast(t, y, 0, 50, 200, bounds=(0, 1))
    assert abs(lvl.slope_t) <= 2  # the old rule's "indistinguishable from zero"
    e = np.r_[np.ones(10), np.full(41, 0.1)]  # entropy logged every step, spent
    wide = Estimate(0.0, (-0.08, 0.09), 0.9)  # a law-based gain that could still be material
    verdict, why = judge_run("ok", lvl, wide, y, e, (0, 1))
    assert verdict == "unforecastable" and "not shown flat" in why, why
    # the same slope with a law-based gain shown flat (its whole interval within 2%): the
    # law's evidence of the plateau stands in for the slope's; without a law, it cannot
    verdict, why = judge_run("ok", lvl, gain, y, e, (0, 1))
    assert verdict == "plateaued" and "the law's gain" in why, why
    verdict, why = judge_run("entropy_controlled", lvl, gain, y, e, (0, 1))
    assert verdict == "unforecastable" and "not shown flat" in why, why


def test_verdict_improving_on_a_rising_run():
    rng = np.random.default_rng(4)
    n = 200
    h = _decay(n, tau=150)
    R = -0.3 * np.exp(h) + 1.0 + rng.normal(0, 0.005, n)
    res = _verdict(_run(np.arange(1, n + 1), h + rng.normal(0, 0.005, n), R))
    assert res.verdict == "improving", res.verdict_reason
    assert res.expected_gain.value > 0 and res.expected_gain.ci[0] <= res.expected_gain.value


def test_a_significant_but_immaterial_slope_is_not_a_rise():
    """A run on its plateau creeping up by 1e-5 a step under tiny noise: the recent slope is
    significant (t ~ 6) but implies +0.001 over another half-slice, far below the
    materiality threshold (2% of the scale / 2 = 0.01): the verdict is not `improving`
    (a real verl run read "improving" beside "gain +0.000; 95% of the plateau already reached")."""
    rng = np.random.default_rng(6)
    n = 200
    t = np.arange(1, n + 1)
    R = 0.9 + 1e-5 * t + rng.normal(0, 0.0005, n)
    res = _verdict(_run(t, _decay(n, tau=15) + rng.normal(0, 0.005, n), R))
    lvl = level_forecast(t, R, 1, n, n)
    assert lvl.slope_t > 3  # the old rule's "still rising beyond noise"
    assert res.verdict == "plateaued", res.verdict_reason
    assert "recent slope flat" in res.verdict_reason and "at most" in res.verdict_reason


def test_a_material_slope_is_a_rise_whatever_the_status():
    """Entropy held up (no law-based gain) but accuracy rising 0.002 a step: improving, by the
    slope, with the change it implies over another half-slice in the reason."""
    rng = np.random.default_rng(7)
    n = 200
    t = np.arange(1, n + 1)
    res = _verdict(_run(t, 0.8 + rng.normal(0, 0.01, n), 0.3 + 0.002 * t + rng.normal(0, 0.01, n)))
    assert res.status == "entropy_controlled"
    assert res.verdict == "improving" and "over another half-slice" in res.verdict_reason


def test_verdict_degrading_on_a_collapse_and_on_exploding_entropy():
    rng = np.random.default_rng(5)
    n = 120
    t = np.arange(1, n + 1)
    R = np.where(t < 60, 0.8, 0.8 - 0.012 * (t - 60)).clip(0, 1) + rng.normal(0, 0.01, n)
    res = _verdict(_run(t, _decay(n) + rng.normal(0, 0.005, n), R))
    assert res.verdict == "degrading" and "falling" in res.verdict_reason
    H = 0.5 + 0.02 * t + rng.normal(0, 0.01, n)  # entropy from 0.5 to 2.9
    res = _verdict(_run(t, H, 0.5 + rng.normal(0, 0.01, n)))
    assert res.verdict == "degrading" and "exploding" in res.verdict_reason


def test_a_run_that_fell_and_stayed_down_is_degrading_not_plateaued():
    """Planted after an OPD run of the corpus: performance 0.8 until step 60, down to 0.2
    by step 80, then flat (white noise 0.01) to step 200 while the entropy decays: the
    slope is shown flat and the entropy spent, which read `plateaued`, "already at its
    ceiling", of a run 0.6 below the best it had reached. The same run without the fall is
    `plateaued`."""
    rng = np.random.default_rng(11)
    n = 200
    t = np.arange(1, n + 1)
    H = _decay(n, tau=15) + rng.normal(0, 0.005, n)
    fell = np.interp(t, [1, 60, 80, n], [0.8, 0.8, 0.2, 0.2]) + rng.normal(0, 0.01, n)
    res = _verdict(_run(t, H, fell))
    assert res.verdict == "degrading", res.verdict_reason
    assert "fell and stayed down" in res.verdict_reason and "below the best 0.8" in res.verdict_reason
    held = np.full(n, 0.8) + rng.normal(0, 0.01, n)
    res = _verdict(_run(t, H, held))
    assert res.verdict == "plateaued", res.verdict_reason


def test_an_entropy_spike_with_performance_lost_is_degrading():
    """Planted after rasbt 7_6 at half its steps: entropy 0.35 -> ~6 -> back to 0.2 by the cut,
    six sparse evaluations that fell 0.56 -> 0.35 and then held (no falling slope over the
    last four). The spike came down, so 'entropy exploding' (start vs end) does not see it,
    nor does 'performance falling' (it needs a falling slope); the performance lost on the
    way makes it `degrading`. The same spike with the performance held is not."""
    rng = np.random.default_rng(11)
    n = 250
    t = np.arange(1, n + 1)
    H = np.where((t > 150) & (t < 230), 6.0, 0.35) + rng.normal(0, 0.03, n)
    H[t >= 230] = 0.2 + rng.normal(0, 0.02, (t >= 230).sum())
    ev = np.array([1, 50, 100, 150, 200, 250])
    fell = np.array([0.52, 0.56, 0.36, 0.33, 0.36, 0.35])
    for perf, want in ((fell, "degrading"), (np.array([0.52, 0.55, 0.56, 0.55, 0.56, 0.555]), None)):
        table = pd.concat(
            [el.make_long("r", t, "actor/entropy", H), el.make_long("r", ev, "val-core/x/acc/mean@1", perf)]
        )
        res = _verdict(table)
        if want:
            assert res.verdict == want and "spiked" in res.verdict_reason, res.verdict_reason
        else:
            assert res.verdict != "degrading", res.verdict_reason


def test_verdict_unforecastable_names_its_reason_and_is_in_json():
    t = np.arange(1, 5)
    res = _verdict(_run(t, [1.0, 0.9, 0.8, 0.7], [0.1, 0.2, 0.3, 0.4]))
    assert res.verdict == "unforecastable" and "too few points" in res.verdict_reason
    d = json.loads(json.dumps(res.to_dict()))
    assert d["verdict"] in VERDICTS and d["verdict_reason"] and "expected_gain" in d
    assert "verdict" in res.report().lower()
