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


# ---------------------------------------------------------------- on the simulator's planted floor
def test_budget_recovers_the_simulators_planted_floor():
    """A learner whose rollout policy cannot go below a planted floor H_inf = 0.4 nats
    (simulate(entropy_floor=...): exact infimum of its entropy), forecast from its first
    400 of 800 steps: the budget's floor, fraction spent and upside match the planted truth."""
    import entropy_law as el
    from entropy_law.simulate import simulate

    planted = 0.4
    for seed in (0, 1, 2):
        df = simulate(seed=seed, entropy_floor=planted, n_steps=800, lr=0.5)
        fc = el.forecast(df, upto_step=400, n_boot=200)
        b = fc.budget
        assert b is not None, fc.status
        # 0.03 nats: the learner's own entropy (0.05 at step 600 without a floor, still
        # falling) sits on top of the floor, so the fitted floor lies a little off it
        # (observed 0.38-0.39)
        assert abs(b.H_inf.value - planted) < 0.03, (seed, b.H_inf)
        f_true = (b.H0 - b.H_now) / (b.H0 - planted)
        # 0.04: the floor error of up to 0.02 over H0 - H_inf of ~0.75 (observed <= 0.03)
        assert abs(b.fraction_spent - f_true) < 0.04, (seed, b.fraction_spent, f_true)
        a_full = el.fit(df, n_boot=50).params["a"].value  # the law of the whole run
        u_true = a_full * (math.exp(b.H_now) - math.exp(planted))
        # 0.015 = a e^H x (floor error 0.02 + a's error) with a ~ 0.3-0.4, e^H ~ 1.5
        assert abs(b.upside.value - u_true) < 0.015, (seed, b.upside, u_true)
        # truth from the continuation: by step 800 the run has spent well under 95% of the
        # entropy left at step 400 (observed 45-57%: its entropy is still ~0.01 above the floor)
        h = df.loc[df["metric"] == "actor/entropy", "value"].to_numpy()
        assert (b.H_now - h[-20:].mean()) / (b.H_now - planted) < 0.95
        assert b.step_95 > 800
    # the same learner without a planted floor: the budget sees the floor at (about) zero
    b0 = el.forecast(simulate(seed=0, n_steps=800, lr=0.5), upto_step=400, n_boot=200).budget
    assert b0 is not None and b0.H_inf.value < 0.1  # observed 0.0 [0, 0.007]
