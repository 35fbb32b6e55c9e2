r"""A verdict per run that a user can act on, with its evidence.

Rules, applied in this order to the slice a forecast was made from (thresholds named
in capitals; ``t`` is the recent slope's t statistic from
:func:`entropy_law.forecasting.level.recent_slope`, ``s_now`` the noise of the current
level from :func:`entropy_law.forecasting.level.level_forecast`):

``unforecastable`` (too few points)  fewer than ``MIN_POINTS`` (5) performance points or
                   status ``insufficient_data``;
``degrading``      performance falling beyond noise: the current level lies more than
                   ``DROP_SIGMAS`` (3) noise units of the level, and at least
                   ``MIN_DROP`` (2%) of the metric's scale, below the best level of the
                   slice (running mean over 10% of the points) *and* ``t < -2``; or the
                   entropy exploding: the median of the slice's last 10% of entropy is
                   above ``EXPLODE_FACTOR`` (2) x the median of its first 10%; or an
                   entropy spike with performance lost: the peak of the entropy's running
                   median (width 10% of its points) above ``EXPLODE_FACTOR`` x that start
                   *and* the level below the best by the first rule's margin (a spike that
                   came down again is no recovery when the performance did not); or fell
                   and stayed down: the level below the best by the first rule's margin
                   and the recent slope shown flat as for ``plateaued`` (a run flat at the
                   bottom after a collapse is not at its ceiling);
``improving``      the expected gain to the horizon (forecast at the horizon minus the
                   current level, with its interval) is positive beyond the level's noise
                   for a law-based forecast (status ``ok``), or the recent slope is
                   significant (``t > T_SIGNIFICANT``, 3) *and material*: the change it
                   implies over one more half-slice (slope x tau,
                   :attr:`~entropy_law.forecasting.level.LevelForecast.trend_change`) is
                   beyond the same threshold as the gain's, ``max(s_now, MIN_DROP / 2``
                   of the scale); a slope that is significant only because the noise is
                   tiny (+0.001 over another half-slice at accuracy 0.885) is not a rise;
``plateaued``      the recent slope is *shown* flat: the one-sided 95% upper bound of
                   the change it implies over one more half-slice,
                   ``(|slope| + 1.645 se) x tau``
                   (:attr:`~entropy_law.forecasting.level.LevelForecast.trend_change_bound`),
                   is within ``max(s_now, MIN_DROP)`` of the scale (2%: what the
                   benchmark's precision table counts as having stayed), or, for a
                   law-based forecast (status ``ok``), the whole interval of its expected
                   gain to the horizon is within that margin (an equivalence test: a
                   slope merely indistinguishable from zero, ``|t| <= 2`` on four noisy
                   points, is no evidence of a plateau; it was the rule, and 6 of the 25
                   runs it called plateaued on the forecast benchmark then moved by
                   0.03-0.18), and the entropy is spent: the current entropy has covered at least
                   ``SPENT_FRACTION`` (75%) of the way from its start to its fitted floor
                   (or, without a decaying trajectory, fallen below half its start); start,
                   current value and fraction are the entropy budget's
                   (:func:`entropy_law.forecasting.budget.spent_fraction`: means of the first
                   and last 5 points, fraction clipped to [0, 1]), so the verdict and the
                   headline's "entropy N% spent" are one number;
``unforecastable`` otherwise, with the reason: entropy held up (``entropy_controlled``),
                   law not holding, too early (interval too wide), a slope that is
                   neither shown flat nor significant, or one not measurable (fewer than
                   four points: never read as flat).

The scale of the metric is its range when bounded, else the spread of the slice.
"""

from __future__ import annotations

import math

import numpy as np

from ..fitting.results import Estimate
from ..trajectory.regime import running_median
from .budget import spent_fraction
from .level import T_SIGNIFICANT, LevelForecast
from .result import VERDICTS

__all__ = ["judge_run", "VERDICTS"]

MIN_POINTS = 5
DROP_SIGMAS = 3.0
MIN_DROP = 0.02
EXPLODE_FACTOR = 2.0
SPENT_FRACTION = 0.75
T_FLAT = 2.0


def _running_mean(v: np.ndarray) -> np.ndarray:
    w = max(3, len(v) // 10) | 1
    if len(v) < w:
        return v.astype(float)
    pad = np.pad(v, w // 2, mode="edge")
    return np.convolve(pad, np.ones(w) / w, mode="valid")


def judge_run(
    status: str,
    lvl: LevelForecast | None,
    gain: Estimate,
    p_val: np.ndarray,
    e_val: np.ndarray,
    bounds,
    trajectory=None,
    informed: bool = False,
) -> tuple[str, str]:
    """``(verdict, reason)`` for one forecast (module docstring).

    *informed* marks a fleet-informed forecast (``method="reference"``): with fewer than
    ``MIN_POINTS`` points of its own the run is judged on the references' forecast alone
    (:func:`_judge_informed`) instead of being called too short.
    """
    p_val, e_val = np.asarray(p_val, float), np.asarray(e_val, float)
    if informed and status == "ok" and len(p_val) < MIN_POINTS:
        return _judge_informed(gain, p_val, bounds)
    if status == "insufficient_data" or len(p_val) < MIN_POINTS or lvl is None:
        return (
            "unforecastable",
            f"too few points: {len(p_val)} performance point(s), at least {MIN_POINTS} needed",
        )
    scale = (bounds[1] - bounds[0]) if bounds is not None else max(float(np.ptp(p_val)), 1e-12)
    best = float(np.max(_running_mean(p_val)))
    drop = best - lvl.level
    lost = drop > max(DROP_SIGMAS * lvl.s_now, MIN_DROP * scale)  # below the best beyond noise
    if lost and lvl.slope_t < -T_FLAT:
        return "degrading", (
            f"performance falling: level {lvl.level:.4g} is {drop:.3g} below the best "
            f"{best:.4g} of the slice ({drop / max(lvl.s_now, 1e-12):.1f} noise units), "
            f"recent slope t = {lvl.slope_t:.1f}"
        )
    k = max(1, len(e_val) // 10)
    if len(e_val) >= 5:
        h0, h1 = float(np.median(e_val[:k])), float(np.median(e_val[-k:]))
        if h0 > 0 and h1 > EXPLODE_FACTOR * h0:
            return "degrading", (
                f"entropy exploding: {h0:.3g} -> {h1:.3g} (x{h1 / h0:.1f}), a sign of collapse or instability"
            )
        peak = float(np.max(running_median(e_val, max(3, len(e_val) // 10))))
        if h0 > 0 and peak > EXPLODE_FACTOR * h0 and lost:
            # a spike that came down again, with performance lost on the way (rasbt 7_6 at
            # half its steps: entropy 0.36 -> 6 -> 0.2, accuracy 56 -> 35) is no recovery
            return "degrading", (
                f"entropy spiked {h0:.3g} -> {peak:.3g} (x{peak / h0:.1f}) and performance fell: "
                f"level {lvl.level:.4g} is {drop:.3g} below the best {best:.4g} of the slice, "
                "a sign of instability"
            )
    g_lo = gain.ci[0]
    material = max(lvl.s_now, MIN_DROP * scale / 2)
    if status == "ok" and math.isfinite(gain.value) and gain.value > material:
        return "improving", (
            f"expected gain to the horizon {gain.value:+.3g} "
            f"[{gain.ci[0]:+.3g}, {gain.ci[1]:+.3g}] (law-based)"
        )
    rise = lvl.trend_change
    immaterial = math.isfinite(rise) and abs(rise) <= material
    if lvl.slope_t > T_SIGNIFICANT and not immaterial:
        return "improving", (
            f"performance still rising beyond noise (recent slope t = {lvl.slope_t:.1f}, "
            f"{rise:+.3g} over another half-slice); expected gain "
            f"{gain.value:+.3g} [{g_lo:+.3g}, {gain.ci[1]:+.3g}]"
        )
    bound = lvl.trend_change_bound
    margin = max(lvl.s_now, MIN_DROP * scale)  # the flatness margin: what "stayed" means
    g_hi = gain.ci[1]
    gain_flat = status == "ok" and math.isfinite(g_lo) and math.isfinite(g_hi) and max(-g_lo, g_hi) <= margin
    if (math.isfinite(bound) and bound <= margin) or gain_flat:
        # a constant run's 1e-16 is rounding, not a slope
        shown, rise_s = (v if abs(v) > 1e-9 * scale else 0.0 for v in (bound, rise))
        slope_words = (
            f"recent slope flat ({rise_s:+.3g} over another half-slice, at most {shown:.3g} at 95%, "
            f"within {margin:.3g}; t = {lvl.slope_t:.1f})"
            if math.isfinite(bound) and bound <= margin
            else f"the law's gain to the horizon {gain.value:+.3g} [{g_lo:+.3g}, {g_hi:+.3g}] lies "
            f"within +-{margin:.3g} (the recent slope alone could still reach {bound:.3g})"
        )
        if lost:
            # fell and stayed down: flat, but not at a ceiling (an OPD run at -1 after -0.32)
            return "degrading", (
                f"performance fell and stayed down: level {lvl.level:.4g} is {drop:.3g} below "
                f"the best {best:.4g} of the slice ({drop / max(lvl.s_now, 1e-12):.1f} noise "
                f"units); {slope_words}"
            )
        spent, why = _entropy_spent(e_val, trajectory)
        if spent:
            return "plateaued", f"{slope_words} and {why}"
        flat_why = f"{slope_words} but {why}"
    elif abs(lvl.slope_t) <= T_FLAT or immaterial:
        flat_why = (
            f"recent slope not shown flat: {rise:+.3g} over another half-slice (t = "
            f"{lvl.slope_t:.1f}), but up to {bound:.3g} at 95%, beyond {margin:.3g}; more points "
            "will tell"
        )
    elif not math.isfinite(lvl.slope_t):
        flat_why = "recent slope not measurable: fewer than 4 performance points"
    else:
        flat_why = f"recent slope t = {lvl.slope_t:.1f}: neither flat nor significant"
    reason = {
        "entropy_controlled": "entropy held up (not collapsing), so no ceiling is implied",
        "law_not_holding": "the entropy law does not hold on this slice",
        "too_early": "too early: the law's interval is too wide",
    }.get(status, flat_why)
    if status in ("entropy_controlled", "law_not_holding", "too_early"):
        reason += f"; {flat_why}"
    return "unforecastable", reason


def _judge_informed(gain: Estimate, p_val: np.ndarray, bounds) -> tuple[str, str]:
    """Verdict of a fleet-informed forecast made from fewer than ``MIN_POINTS`` own points.

    Too few points to measure the run's own slope or noise, so only the gain predicted by the
    references speaks: ``improving`` when its whole interval is above zero and the gain itself
    above ``MIN_DROP / 2`` of the scale; ``plateaued`` when the whole interval lies within
    ``MIN_DROP`` of zero; otherwise ``unforecastable`` (the references cannot decide yet).
    A fall cannot be called from so few points, so ``degrading`` is never returned here.
    """
    scale = (bounds[1] - bounds[0]) if bounds is not None else max(float(np.ptp(p_val)), 1e-12)
    g, (lo, hi) = float(gain.value), (float(gain.ci[0]), float(gain.ci[1]))
    ev = f"fleet-informed gain to the horizon {g:+.3g} [{lo:+.3g}, {hi:+.3g}] from {len(p_val)} own point(s)"
    if not (math.isfinite(g) and math.isfinite(lo) and math.isfinite(hi)):
        return "unforecastable", f"too few points ({len(p_val)}) and no finite fleet-informed gain"
    if lo > 0 and g > MIN_DROP * scale / 2:
        return "improving", ev
    if max(abs(lo), abs(hi)) <= MIN_DROP * scale:
        return "plateaued", ev
    return "unforecastable", f"too few points of its own and the references cannot decide: {ev}"


def _entropy_spent(e_val: np.ndarray, trajectory) -> tuple[bool, str]:
    """Whether the entropy is spent, and the words: the entropy budget's own fraction
    (:func:`entropy_law.forecasting.budget.spent_fraction`, the number the headline prints),
    else, without a decaying trajectory, its current value against half its start."""
    h0, h1, frac = spent_fraction(e_val, trajectory)
    if trajectory is not None and getattr(trajectory, "regime", None) == "decaying" and math.isfinite(frac):
        floor = float(trajectory.floor.value)
        return (
            frac >= SPENT_FRACTION,
            f"entropy has covered {frac:.0%} of the way to its floor "
            + ("~0" if floor < 1e-6 else f"{floor:.3g}"),  # a fit at its lower bound, not '1e-09'
        )
    if h0 > 0:
        return h1 < 0.5 * h0, f"entropy {h0:.3g} -> {h1:.3g} ({h1 / h0:.0%} of its start)"
    return False, "no entropy scale"
