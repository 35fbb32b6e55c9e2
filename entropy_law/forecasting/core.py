"""The arithmetic behind :func:`entropy_law.forecasting.forecaster` (see that module for the method)."""

from __future__ import annotations

import math

import numpy as np

from ..fitting.diagnostics import clip_to_bounds, is_range_note, resolve_bounds
from ..fitting.engine import fit_arrays
from ..fitting.intervals import percentile_interval
from ..fitting.laws import get_law
from ..fitting.results import Estimate
from ..trajectory.fit import fit_trajectory
from .budget import entropy_budget
from .fallback import fallback_result, level_estimate, level_with_sigmoid, with_verdict
from .gates import sigmoid_gate
from .grid import future_grid as _grid
from .inrun import inrun_backtest, law_shift
from .level import draw_spread, level_forecast, noise_scale, safe_std
from .result import ForecastResult, ForecastSettings, SigmoidOpinion, est

TOO_EARLY_WIDTH = 0.5  # ceiling interval wider than half the range -> too_early
MIN_LAW_ONLY_POINTS = 6  # a law-only forecast (no sigmoid second opinion) from fewer
# aligned points is too_early: a block bootstrap of 3-5 points
# cannot see its own error (backtests at 10% covered 4%)
TAIL = 0.10  # "last 10%" windows (baseline, level, realised final)
_Z = 1.6448536269514722  # standard normal 95% quantile (90% two-sided)


def tail_mask(steps: np.ndarray, first: int, last: int, frac: float = TAIL) -> np.ndarray:
    """Points in the last *frac* of ``[first, last]``; at least the last point."""
    m = steps >= last - frac * (last - first)
    if not m.any() and len(steps):
        m[-1] = True
    return m


def smooth(v: np.ndarray) -> np.ndarray:
    w = max(3, len(v) // 10) | 1
    if len(v) < w:
        return v.astype(float)
    pad = np.pad(v, w // 2, mode="edge")
    return np.convolve(pad, np.ones(w) / w, mode="valid")


def saturation_steps(obs_step, obs_smooth, grid, paths, start, ceilings, fraction):
    """First step at which ``[observed, path_i]`` reaches *fraction* of start -> ceiling_i.

    Returns one step per row of *paths* (``inf`` if never reached on the grid).
    """
    paths = np.atleast_2d(paths)
    ceilings = np.broadcast_to(np.asarray(ceilings, float), (paths.shape[0],))
    target = start + fraction * (ceilings - start)
    sign = np.where(ceilings >= start, 1.0, -1.0)
    out = np.full(paths.shape[0], np.inf)
    if len(obs_step):
        hit_obs = (obs_smooth[None, :] - target[:, None]) * sign[:, None] >= 0
        any_obs = hit_obs.any(axis=1)
        out[any_obs] = obs_step[np.argmax(hit_obs[any_obs], axis=1)]
    else:
        any_obs = np.zeros(paths.shape[0], bool)
    hit = (paths - target[:, None]) * sign[:, None] >= 0
    todo = ~any_obs & hit.any(axis=1)
    out[todo] = grid[np.argmax(hit[todo], axis=1)]
    return out


def _level_words(lvl, sig_ok: bool) -> str:
    """What a fallback's value at the horizon is, in words (the trend only when it is used)."""
    out = "the current level"
    if lvl is not None and lvl.trend:
        out += " with its recent trend, damped" + ("," if sig_ok else "")
    return out + (" combined with the sigmoid's" if sig_ok else "")


def run_forecast(s, st: ForecastSettings, *, bounded, use_sigmoid: bool) -> ForecastResult:
    level, B = st.level, int(st.n_boot)
    seed = 0 if st.seed is None else int(st.seed)
    rng = np.random.default_rng([seed, 7])
    first, upto, horizon = s.first_step, st.upto_step, st.horizon
    bounds = resolve_bounds(bounded, s.p_val, name=s.reward)
    notes: list[str] = []
    p_step, p_val = s.p_step, s.p_val
    # the level's window: the last 10% of the performance points' own span (the "last
    # value" baseline's window), so a forecast on the level ties that baseline exactly
    tail = tail_mask(p_step, p_step[0], p_step[-1]) if len(p_step) else np.zeros(0, bool)
    last_value = float(np.mean(p_val[tail])) if len(p_val) else np.nan
    head = p_step <= first + TAIL * (upto - first)
    start = float(np.mean(p_val[head])) if head.any() else (float(p_val[0]) if len(p_val) else np.nan)
    lvl = level_forecast(p_step, p_val, first, upto, horizon, bounds=bounds) if len(p_val) else None
    common = dict(
        run=s.run,
        settings=st,
        last_value=last_value,
        start_level=start,
        observed=(s.e_step, s.e_val, p_step, p_val),
        bounds=bounds,
    )
    al = s.aligned()
    if len(al) < 3 or len(s.e_step) < 5:
        return fallback_result(
            status="insufficient_data",
            message=f"the slice up to step {upto} holds {len(al)} aligned performance "
            f"point(s) and {len(s.e_step)} entropy point(s); at least 3 and 5 are "
            "needed. Forecast = the current level.",
            lvl=lvl,
            series=s,
            **common,
        )

    lf = fit_arrays(
        al["entropy"].to_numpy(),
        al["reward"].to_numpy(),
        al["step"].to_numpy(),
        n_boot=B,
        level=level,
        seed=seed,
        bounded=bounds,
        entropy_name=s.entropy,
        reward_name=s.reward,
        run=s.run,
    )
    tr = fit_trajectory(s.e_step.astype(float), s.e_val, n_boot=B, level=level, seed=seed + 1)
    phi = lf.lag1_autocorr if np.isfinite(lf.lag1_autocorr) else 0.0
    rmse = lf.rmse if np.isfinite(lf.rmse) else safe_std(p_val[tail])
    sig_level = noise_scale(rmse, phi, int(tail.sum()))
    sig_final = lvl.s_final if lvl is not None else 0.0
    grid = _grid(upto, horizon)
    obs_smooth = smooth(p_val)
    sig = _sigmoid(s, st, grid, obs_smooth, start, bounds, sig_final, rng) if use_sigmoid else None
    sig_ok, sig_why = sigmoid_gate(sig, bounds, p_val, lvl, level)
    if sig is not None and sig.ok and not sig_ok:
        notes.append(f"the sigmoid second opinion is not used: {sig_why}")
    common.update(law_fit=lf, trajectory=tr, sigmoid=sig)
    fb = dict(lvl=lvl, series=s, sig_ok=sig_ok, notes=notes, **common)

    if tr.status == "insufficient_data":
        return fallback_result(status="insufficient_data", message=tr.message, **fb)
    if tr.regime != "decaying":
        return fallback_result(
            status="entropy_controlled",
            message=f"entropy is not collapsing ({tr.regime_reason}); the entropy law is "
            "claimed only for runs without entropy intervention, so the forecast "
            f"is {_level_words(lvl, sig_ok)}.",
            **fb,
        )
    a_hat = lf.params["a"].value if "a" in lf.params else np.nan
    if lf.status != "ok" or not a_hat > 0:
        return fallback_result(
            status="law_not_holding",
            message=f"the entropy law does not hold on this slice ({lf.message or lf.verdict})"
            f"; the forecast is {_level_words(lvl, sig_ok)}.",
            **fb,
        )

    law = _law_draws(s, st, lf, tr, grid, tail, last_value, sig_level, rng)
    R, R_pt = law["R"], law["R_pt"]
    ceil = np.minimum(law["ceil"], law["hard"])  # a draw with a < 0 cannot exceed b' - a
    ceil_pt = min(law["ceil_pt"], law["hard_pt"])
    n = R.shape[0]
    method = "law"
    model_sd_h = 0.0
    R_law = np.clip(R, *bounds) if bounds is not None else R
    R_law_pt = np.clip(R_pt, *bounds) if bounds is not None else R_pt
    if st.combine and sig_ok and sig is not None and sig.curves is not None and sig.curve_pt is not None:
        # forecast combination of the horizon value: the mean of two independent forecasts,
        # paired draw by draw; their disagreement is model uncertainty and widens the
        # interval. The ceiling stays the law's (shared with `check`, never above b' - a).
        j = np.arange(n) % sig.curves.shape[0]
        ih0 = int(np.searchsorted(grid, horizon))
        model_sd_h = 0.5 * abs(R_pt[ih0] - sig.curve_pt[ih0])
        R, R_pt = 0.5 * (R + sig.curves[j]), 0.5 * (R_pt + sig.curve_pt)
        method = "combined"
    if bounds is not None:
        R, R_pt = np.clip(R, *bounds), np.clip(R_pt, *bounds)
    ih = int(np.searchsorted(grid, horizon))
    if method == "law":
        # a single model has no second opinion to measure its model uncertainty: the
        # current level stands in for one, half the gap to it as in the combination
        model_sd_h = 0.5 * abs(float(R_pt[ih]) - last_value)
    # in-run backtest from the middle of the slice (forecasting.inrun): what the law would
    # have missed joins the predictive spread; where the law beat the level there and the
    # change is beyond the level's noise, the change is kept in full, else it is shrunk
    window = (float(p_step[tail].min()), float(p_step[tail].max()))
    inrun = inrun_backtest(s, first, window, lvl.rmse, lvl.phi) if lvl is not None else None
    sd_in = inrun.sd if inrun is not None else 0.0
    delta = float(R_pt[ih]) - last_value
    sd_delta = draw_spread(R[:, ih])
    shift = law_shift(delta, sd_delta, inrun, lvl.s_now if lvl is not None else 0.0)
    at_h = R[:, ih] + shift + math.hypot(sig_final, model_sd_h, sd_in) * rng.standard_normal(n)
    sat = saturation_steps(p_step, obs_smooth, grid, R_law, start, ceil, st.saturation_fraction)
    sat_pt = saturation_steps(
        p_step, obs_smooth, grid, R_law_pt[None, :], start, [ceil_pt], st.saturation_fraction
    )[0]
    ceiling = est(ceil, level, ceil_pt, bounds)
    lo_rng, hi_rng = bounds if bounds is not None else (float(np.min(p_val)), float(np.max(p_val)))
    width = ceiling.ci[1] - ceiling.ci[0]
    status, message = "ok", lf.verdict
    if not np.isfinite(width) or width > TOO_EARLY_WIDTH * max(hi_rng - lo_rng, 1e-12):
        status = "too_early"
        message = (
            f"the ceiling interval [{ceiling.ci[0]:.3g}, {ceiling.ci[1]:.3g}] is wider "
            f"than {TOO_EARLY_WIDTH:.0%} of the metric's range; wait for more steps."
        )
    if status == "ok" and len(al) < MIN_LAW_ONLY_POINTS:
        status = "too_early"
        message = (
            f"only {len(al)} aligned performance points; at least {MIN_LAW_ONLY_POINTS} are "
            "needed before acting on a law-based forecast."
        )
    at_horizon = est(at_h, level, float(R_pt[ih]) + shift, bounds)
    horizon_method = method
    if status == "too_early" and lvl is not None:
        # the law's numbers are reported but not acted on: the horizon value is the
        # current level with its in-run calibrated interval (forecasting.level), combined
        # with the sigmoid when it passes its gates, as in every fallback (forecasting.fallback)
        if sig_ok and sig is not None:
            at_horizon = level_with_sigmoid(lvl, sig, level, bounds, len(p_val))
            horizon_method = "sigmoid"
            message += f" The value at the horizon is {_level_words(lvl, True)}."
        else:
            at_horizon = level_estimate(lvl, level, bounds, len(p_val))
            horizon_method = "last_value"
            message += f" The value at the horizon is {_level_words(lvl, False)}."
    # the law fit's own range note speaks of the fitted b - a, not of the re-anchored
    # ceilings reported here: name the reported estimates that were clipped instead
    range_notes = _range_notes(
        bounds, ceiling=(ceil, ceil_pt), hard_ceiling=(law["hard"], law["hard_pt"]), level=level
    )
    band = np.column_stack([np.r_[R_pt], *percentile_interval(R, level)])
    res = ForecastResult(
        status=status,
        message=message,
        method=method,
        horizon_method=horizon_method,
        ceiling=ceiling,
        law_ceiling=est(law["ceil"], level, law["ceil_pt"], bounds),
        hard_ceiling=est(law["hard"], level, law["hard_pt"], bounds),
        entropy_floor=Estimate(tr.floor.value, (tr.floor.low, tr.floor.high), level),
        saturation_step=est(sat, level, sat_pt),
        at_horizon=at_horizon,
        path=(grid, band),
        warnings=tuple(notes + range_notes + [w for w in lf.warnings if not is_range_note(w)]),
        draws=_frozen(
            {
                "ceiling": _clip(ceil, bounds),
                "law_ceiling": _clip(law["ceil"], bounds),
                "saturation_step": sat,
                "at_horizon": _clip(at_h, bounds),
                "entropy_floor": np.asarray(tr.floor_draws[:n], float),
            }
        ),
        budget=entropy_budget(
            s.e_step, s.e_val, tr, lf.draws.get("a"), float(lf.params["a"].value), level, search_to=grid[-1]
        ),
        **common,
    )
    return with_verdict(res, lvl, s)


def _range_notes(bounds, *, level: float, **estimates) -> list[str]:
    """One note per reported estimate (name -> (draws, point)) that leaves the metric's
    range and is reported clipped, with the numbers the result reports."""
    if bounds is None:
        return []
    out = []
    for name, (draws, point) in estimates.items():
        _, msg = clip_to_bounds(est(draws, level, point), bounds, what=name.replace("_", " "))
        if msg:
            out.append(msg)
    return out


def _clip(x, bounds):
    return np.clip(x, *bounds) if bounds is not None else np.asarray(x, float)


def _frozen(d: dict) -> dict:
    for v in d.values():
        v.flags.writeable = False
    return d


def _law_draws(s, st, lf, tr, grid, tail, last_value, sig_level, rng) -> dict:
    """Draws of the law's forecast path, ceiling and hard ceiling (module docstring)."""
    a_hat = lf.params["a"].value
    a = np.asarray(lf.draws["a"][: st.n_boot], float)
    b = np.asarray(lf.draws["b"][: st.n_boot], float)
    n = min(len(a), tr.n_boot)
    a, b = a[:n], b[:n]
    paths = np.exp(tr.sample_paths(grid, n))  # (n, G) of exp(H)
    floor = np.asarray(tr.floor_draws[:n], float)
    if st.anchor == "level":
        w_lo, w_hi = s.p_step[tail].min(), s.p_step[tail].max()
        e_now = (s.e_step >= w_lo) & (s.e_step <= w_hi)
        if not e_now.any():
            e_now[-1] = True
        t_now = s.e_step[e_now].astype(float)
        x_now = np.exp(tr.sample_paths(t_now, n)).mean(axis=1)
        x_now_pt = float(np.exp(tr.predict(t_now)).mean())
        b_eff = last_value + sig_level * rng.standard_normal(n) + a * x_now
        b_pt = last_value + a_hat * x_now_pt
    else:
        b_eff, b_pt = b, lf.params["b"].value
    with np.errstate(over="ignore"):  # a floor draw beyond ~709 nats: exp is +inf, its limit
        x_floor = np.exp(floor)
    return {
        "R": b_eff[:, None] - a[:, None] * paths,
        "R_pt": b_pt - a_hat * np.exp(tr.predict(grid)),
        "ceil": b_eff - a * x_floor,
        "ceil_pt": b_pt - a_hat * math.exp(tr.floor.value),
        "hard": b_eff - a,
        "hard_pt": b_pt - a_hat,
    }


def _sigmoid(s, st, grid, obs_smooth, start, bounds, sig_final, rng) -> SigmoidOpinion:
    """The ScaleRL sigmoid on performance vs step: asymptote, saturation, horizon value."""
    level = st.level
    # as many refits as the law's draws: the batched LM refits cost 26 ms for 100 and 54 ms
    # for 1000 (a 10-point slice), and with 100 the gates' reading of A's interval (finite,
    # narrow) flipped between bootstrap seeds on 3 of 55 runs at 25% and 50%
    n_boot = int(st.n_boot)
    if len(s.p_step) < 5:
        return SigmoidOpinion.failed(
            f"{len(s.p_step)} performance points; the 4-parameter sigmoid needs at least 5."
        )
    sf = fit_arrays(
        s.p_step.astype(float),
        s.p_val,
        s.p_step,
        law="sigmoid",
        n_boot=n_boot,
        level=level,
        seed=(0 if st.seed is None else st.seed) + 2,
        bounded=bounds,
        run=s.run,
    )
    if sf.status not in ("ok",) or not sf.draws:
        return SigmoidOpinion.failed(sf.message or sf.status, fit=sf)
    law = get_law("sigmoid")
    d = {p: np.asarray(sf.draws[p], float)[:, None] for p in law.param_names}
    best = {p: e.value for p, e in sf.params.items()}
    with np.errstate(all="ignore"):
        R = np.asarray(law(grid[None, :].astype(float), **d), float)
        R_pt = np.asarray(law(grid.astype(float), **best), float)
    if bounds is not None:
        R, R_pt = np.clip(R, *bounds), np.clip(R_pt, *bounds)
    A = np.asarray(sf.draws["A"], float)
    sat = saturation_steps(s.p_step, obs_smooth, grid, R, start, A, st.saturation_fraction)
    sat_pt = saturation_steps(
        s.p_step, obs_smooth, grid, R_pt[None, :], start, [best["A"]], st.saturation_fraction
    )[0]
    ih = int(np.searchsorted(grid, st.horizon))
    at_h = R[:, ih] + sig_final * rng.standard_normal(R.shape[0])
    band = np.column_stack([R_pt, *percentile_interval(R, level)])
    keep = np.isfinite(A) & np.all(np.isfinite(R), axis=1)
    if keep.sum() < 10:
        return SigmoidOpinion.failed(
            f"only {int(keep.sum())} bootstrap refits of the sigmoid succeeded.", fit=sf
        )
    return SigmoidOpinion(
        ok=True,
        message="",
        fit=sf,
        A=est(A, level, best["A"], bounds),
        saturation_step=est(sat, level, sat_pt),
        at_horizon=est(at_h, level, float(R_pt[ih]), bounds),
        path=(grid, band),
        curves=R[keep],
        curve_pt=R_pt,
        A_draws=A[keep],
    )
