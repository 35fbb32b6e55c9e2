"""The entropy budget recovers a planted floor and decay (forecasting.budget)."""

import math

import numpy as np

from entropy_law.forecasting.budget import HEAD, entropy_budget
from entropy_law.trajectory.fit import fit_trajectory

H_INF, H_START, TAU = 0.2, 1.0, 100.0  # planted H(t) = H_inf + H_start e^{-t/tau}


def _planted(rng, noise=0.01):
    t = np.arange(0, 302, 2, dtype=float)
    clean = H_INF + H_START * np.exp(-t / TAU)
    return t, clean, clean + noise * rng.standard_normal(t.size)


def test_budget_recovers_planted_fraction_and_step():
    rng = np.random.default_rng(15)
    t, clean, H = _planted(rng)
    tr = fit_trajectory(t, H, n_boot=100, level=0.9, seed=1)
    a_draws = 0.5 + 0.01 * rng.standard_normal(100)
    b = entropy_budget(t, H, tr, a_draws, 0.5, 0.9)
    h0, hn = clean[:HEAD].mean(), clean[-HEAD:].mean()
    frac_true = (h0 - hn) / (h0 - H_INF)
    step_true = -TAU * math.log((1 - 0.95) * (hn - H_INF) / H_START)
    # 0.03: floor error of ~0.01 on a 0.96 drop, plus noise 0.01/sqrt(5) in H_now
    assert abs(b.fraction_spent - frac_true) < 0.03, (b.fraction_spent, frac_true)
    # 15%: the 95% point sits where the curve is 0.0026 above its floor, so a floor
    # error of 0.001 moves it by ~tau*0.4 = 40 of ~600 steps
    assert abs(b.step_95 - step_true) < 0.15 * step_true, (b.step_95, step_true)
    up_true = 0.5 * (math.exp(hn) - math.exp(H_INF))
    assert b.upside.ci[0] <= b.upside.value <= b.upside.ci[1]
    assert abs(b.upside.value - up_true) < 0.01  # 0.5 * e^0.25 * (noise + floor error)
    d = b.to_dict()
    assert d["reason"] is None and d["step_95_spent"] == b.step_95
    assert b.phrase().startswith(f"entropy {b.fraction_spent:.0%} spent")


def test_held_up_entropy_gives_reason():
    rng = np.random.default_rng(3)
    t = np.arange(0, 300, 2, dtype=float)
    H = 1.0 + 0.02 * rng.standard_normal(t.size)
    tr = fit_trajectory(t, H, n_boot=50, level=0.9, seed=1)
    b = entropy_budget(t, H, tr, None, 0.5, 0.9)
    assert math.isnan(b.fraction_spent)
    assert "held up" in b.reason or "floor" in b.reason
    assert "undefined" in b.phrase()
