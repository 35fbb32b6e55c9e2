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


# ---------------------------------------------------------------- step_95 within the data's reach
class _Planted:
    """A trajectory that *is* the planted curve H(t) = floor + amp e^{-t/tau} (floor draws at
    the planted floor unless given), so the budget's search is checked against exact truth."""

    regime = "decaying"

    def __init__(self, floor, amp, tau, floor_draws=None):
        from types import SimpleNamespace

        self.floor = SimpleNamespace(value=floor, low=floor, high=floor)
        self.amp, self.tau = amp, tau
        self.floor_draws = np.full(100, floor) if floor_draws is None else np.asarray(floor_draws, float)

    def predict(self, t):
        return self.floor.value + self.amp * np.exp(-np.asarray(t, float) / self.tau)


def test_step_95_is_searched_only_as_far_as_the_saturation_grid():
    """A slow planted decay (tau = 2000 steps, slice of 300): its true 95% point is
    300 + tau ln 20 ~ 6300, beyond 20 x the slice (6000): the budget says 'beyond step 6000'
    (JSON null plus the step), where the old 10^4 x geometric grid printed a 4-digit guess from
    an extrapolation; a faster decay (tau = 500, true 95% point ~1800) is still found."""
    from entropy_law.forecasting.grid import GRID_MULTIPLE

    t = np.arange(0, 301, 1, dtype=float)
    slow = _Planted(0.2, 1.0, 2000.0)
    b = entropy_budget(t, slow.predict(t), slow, None, 0.5, 0.9)
    assert math.isinf(b.step_95) and b.step_95_beyond == GRID_MULTIPLE * 300
    d = b.to_dict()
    assert d["step_95_spent"] is None and d["step_95_beyond"] == 6000 and "6000" in d["step_95_note"]
    assert b.phrase().endswith("; 95% spent beyond step 6000"), b.phrase()
    # the forecast passes the end of its own grid (the horizon when later)
    assert entropy_budget(t, slow.predict(t), slow, None, 0.5, 0.9, search_to=9000).step_95 < 9000
    fast = _Planted(0.2, 1.0, 500.0)
    H = fast.predict(t)
    bf = entropy_budget(t, H, fast, None, 0.5, 0.9)
    hn = H[-HEAD:].mean()
    step_true = -500.0 * math.log(0.05 * (hn - 0.2))
    # 0.1%: the geometric grid of 4000 points over 20x has a spacing of 0.075%
    assert abs(bf.step_95 - step_true) < 1e-3 * step_true, (bf.step_95, step_true)
    assert math.isnan(bf.step_95_beyond) and bf.to_dict()["step_95_note"] is None


def test_step_95_is_never_the_last_logged_step():
    """The fitted curve already at its floor at the last step while the recent entropy sits
    above it (rasbt 7_4 and a shibukizero clip-ablation run at 25% printed '95% spent by step
    126' / 'by step 50', their last steps): no step is dated, the note says why."""
    t = np.arange(0, 51, 1, dtype=float)
    tr = _Planted(0.2, 0.3, 3.0)  # at its floor (+1e-8) from step 50 on
    H = tr.predict(t) + np.where(t > 45, 0.01, 0.0)  # the data's last points 0.01 above it
    b = entropy_budget(t, H, tr, None, 0.5, 0.9)
    assert math.isnan(b.step_95) and b.step_95_note.startswith("already"), b
    assert b.to_dict()["step_95_spent"] is None
    assert b.phrase().endswith("; fitted entropy already at its floor"), b.phrase()


def test_step_95_on_the_run_that_printed_a_seven_digit_step(corpus_dir):
    """shibukizero focused_e2_tb128, whole run (200 steps): '95% spent by step 1548825'."""
    import entropy_law as el

    path = (
        corpus_dir
        / "tidy"
        / "shibukizero_cs336a5_grpo_qwen2.5math1.5b__grpo_off_policy_sweep__focused_e2_tb128.csv"
    )
    fc = el.forecast(el.load(path), upto_fraction=1.0)
    b = fc.budget
    end = float(fc.path[0][-1])  # the saturation grid's last step: max(horizon, 20 x slice)
    assert b.step_95 <= end or (math.isinf(b.step_95) and b.step_95_beyond == end), b
    assert "1548825" not in fc.headline() and f"beyond step {end:.0f}" in fc.headline()


# ---------------------------------------------------------------- no negative upside
def test_entropy_below_its_floor_leaves_nothing_to_spend():
    """Planted floor 0.3 while the last points sit at 0.28 (below it: noise or a rebounding
    fit): the old budget said upside a (e^0.28 - e^0.3) < 0 'left in the law'. Now: 100%
    spent, upside 0 with its interval clipped at 0, and a reason, in phrase and JSON alike."""
    rng = np.random.default_rng(7)
    t = np.arange(0, 200, 1, dtype=float)
    H = np.r_[np.linspace(1.0, 0.31, 190), np.full(10, 0.28)]
    # floor draws around the floor, some below H_now (so some upside is possible)
    tr = _Planted(0.3, 0.7, 30.0, 0.3 + 0.02 * rng.standard_normal(100))
    a = 0.5 + 0.05 * rng.standard_normal(100)
    b = entropy_budget(t, H, tr, a, 0.5, 0.9)
    assert b.fraction_spent == 1.0 and b.upside.value == 0.0
    assert 0.0 == b.upside.ci[0] < b.upside.ci[1], b.upside  # draws with a floor below 0.28 give > 0
    assert "below its fitted floor" in b.reason and math.isnan(b.step_95)
    d = b.to_dict()
    assert d["upside_left"]["value"] == 0 and d["upside_left"]["ci"][0] == 0 and d["reason"] == b.reason
    assert b.phrase().startswith("entropy 100% spent, at or below its fitted floor; +0.0000 [0.0000, ")
    assert "-" not in b.phrase()


def test_a_floor_draw_above_the_entropy_gives_no_loss():
    """A floor draw far above H_now (sun TRL rho0.30_seed43 at 25% had floor draws up to 137
    nats, and an upside interval down to -2.3e9): each draw's entropy term is clipped at 0."""
    t = np.arange(0, 200, 1, dtype=float)
    tr = _Planted(0.0, 0.2, 60.0, np.r_[np.zeros(80), np.full(20, 36.0)])
    b = entropy_budget(t, tr.predict(t), tr, np.full(100, 0.5), 0.5, 0.9)
    assert b.upside.ci[0] == 0.0 and b.upside.value > 0  # 20% of draws leave nothing, none below


def test_the_upside_on_a_real_run_below_its_floor(corpus_dir):
    """yssu deepseek7b at 25%: H_now 0.0284 under its fitted floor 0.0295 printed
    '-0.0002 [-0.0028, 0.0015] left in the law'."""
    import entropy_law as el

    fc = el.forecast(el.load(corpus_dir / "tidy" / "yssu_deepseek7b_gsm8k_grpo__grpo_run_deepseek7b_llm.csv"),
                     upto_fraction=0.25)  # fmt: skip
    b = fc.budget
    assert b.H_now <= b.H_inf.value  # the defect's precondition still holds on this log
    assert b.upside.value == 0 and b.upside.ci[0] == 0 and b.fraction_spent == 1
    assert fc.headline().endswith(b.phrase()) and "[-" not in b.phrase() and "left in the law" in b.phrase()


# ---------------------------------------------------------------- one "entropy spent"
def test_the_verdict_reads_the_budgets_fraction():
    """A planted fast decay logged for 400 points: the medians of the first and last 10% (the
    old verdict rule) and the means of the first and last 5 points (the budget) put the
    fraction on either side of 75%; the verdict now says the budget's number."""
    from entropy_law.forecasting.verdict import SPENT_FRACTION, _entropy_spent

    t = np.arange(0, 400, 1, dtype=float)
    tr = _Planted(0.0, 1.0, 30.0)
    H = 0.22 + 0.78 * np.exp(-t / 30.0)  # flattens at 0.22 above the fitted floor 0: 77% vs 65%
    b = entropy_budget(t, H, tr, None, 0.5, 0.9)
    old = (np.median(H[:40]) - np.median(H[-40:])) / np.median(H[:40])  # (h0 - h1) / (h0 - 0)
    assert (old >= SPENT_FRACTION) != (b.fraction_spent >= SPENT_FRACTION), (old, b.fraction_spent)
    spent, why = _entropy_spent(H, tr)
    assert spent == (b.fraction_spent >= SPENT_FRACTION)
    assert f"covered {b.fraction_spent:.0%} of the way" in why, why


def test_the_verdict_and_headline_agree_on_a_real_run(corpus_dir):
    """shibukizero leaderboard run, whole log: the headline said 'entropy 86% spent' and the
    verdict 'covered 74% of the way to its floor' (so not spent, unforecastable)."""
    import entropy_law as el

    name = "shibukizero_cs336a5_grpo_qwen2.5math1.5b__leaderboard__final_on_policy_lr4e-5_400_full_eval.csv"
    fc = el.forecast(el.load(corpus_dir / "tidy" / name), upto_fraction=1.0)
    pct = f"{fc.budget.fraction_spent:.0%}"
    assert f"entropy {pct} spent" in fc.headline() and f"covered {pct} of the way" in fc.verdict_reason
    assert fc.budget.fraction_spent >= 0.75 and fc.verdict == "plateaued", (fc.verdict, fc.verdict_reason)
