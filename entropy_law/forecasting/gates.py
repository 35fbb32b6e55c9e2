r"""Sanity gates for the ScaleRL sigmoid as a second opinion.

The sigmoid is fitted to performance against step with nothing to stop it from running
off: an asymptote of -6.57 on a reward in [0, 1], or above 1 with an interval to infinity.
It enters a forecast (combined with the law, or instead of the current level in a
fallback) only when every gate passes:

1. **asymptote inside the metric's range**: ``A`` in ``bounds`` (bounded metrics) or
   within one observed spread of the observed values (unbounded); the fit's own ``A``,
   not the reported one, which is clipped to the range;
2. **finite interval**: both ends of ``A``'s interval finite and its width at most
   ``MAX_WIDTH`` (50%, the ``too_early`` width) of the metric's scale;
3. **fit quality**: :math:`R^2 \ge` ``MIN_R2`` (0.5) on the slice;
4. **agreement with the recent trend**: the change it forecasts to the horizon has the
   sign of the recent slope, or lies inside the current level's own predictive interval;
5. **where the run is now**: its value just after the cut lies within ``NOW_SIGMAS`` (3)
   noise units of the current level (``s_now``, at least 1% of the scale). A sigmoid
   that has "already reached" a plateau of 0.405 while the run stands at 0.625 describes
   an earlier part of the run, not its present.

:func:`sigmoid_gate` returns ``(passed, reason)``; the reason names the failed gate.
"""

from __future__ import annotations

import math

import numpy as np

MAX_WIDTH = 0.5
MIN_R2 = 0.5
NOW_SIGMAS = 3.0


def sigmoid_gate(sig, bounds, p_val, lvl, level: float) -> tuple[bool, str]:
    """Whether the sigmoid *sig* may be used (module docstring)."""
    if sig is None or not sig.ok:
        return False, "no sigmoid fit" if sig is None else f"the sigmoid did not fit ({sig.message})"
    p_val = np.asarray(p_val, float)
    A, (lo, hi) = _raw_asymptote(sig), (float(sig.A.ci[0]), float(sig.A.ci[1]))
    if bounds is not None:
        rng, scale = (bounds[0], bounds[1]), bounds[1] - bounds[0]
    else:
        spread = max(float(np.ptp(p_val)), 1e-12)
        rng, scale = (float(p_val.min()) - spread, float(p_val.max()) + spread), spread
    if not (math.isfinite(A) and rng[0] - 1e-9 <= A <= rng[1] + 1e-9):
        return False, f"sigmoid asymptote A = {A:.4g} outside the metric's range [{rng[0]:.4g}, {rng[1]:.4g}]"
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi - lo > MAX_WIDTH * scale:
        return (
            False,
            f"sigmoid asymptote interval [{lo:.4g}, {hi:.4g}] not finite or wider than {MAX_WIDTH:.0%}",
        )
    r2 = float(getattr(sig.fit, "r2", math.nan))
    if not r2 >= MIN_R2:
        return False, f"sigmoid fit R2 = {r2:.2f} below {MIN_R2}"
    if lvl is not None:
        from scipy.stats import norm

        change = float(sig.at_horizon.value) - lvl.level
        half = float(norm.ppf((1 + level) / 2)) * lvl.sd
        same_sign = np.sign(change) == np.sign(lvl.slope) and abs(lvl.slope_t) > 2.0
        if not (same_sign or abs(change) <= half):
            return False, (
                f"sigmoid forecasts a change of {change:+.3g}, against the recent trend "
                f"(slope t = {lvl.slope_t:.1f}) and outside the level's interval (+-{half:.3g})"
            )
        curve = getattr(sig, "curve_pt", None)
        if curve is not None and len(curve) and math.isfinite(lvl.level):
            v_now = float(np.asarray(curve, float)[0])
            tol = NOW_SIGMAS * max(float(lvl.s_now), 0.01 * scale)
            if math.isfinite(v_now) and abs(v_now - lvl.level) > tol:
                return False, (
                    f"sigmoid stands at {v_now:.4g} at the cut where the run is at {lvl.level:.4g} "
                    f"(more than {NOW_SIGMAS:g} noise units, {tol:.3g})"
                )
    return True, ""


def _raw_asymptote(sig) -> float:
    """The sigmoid fit's own asymptote, *before* clipping to the metric's range: the
    reported ``sig.A`` is clipped like every estimate, so on a bounded metric an asymptote
    of 8.3e4 reads 1 and would pass gate 1 unseen. (Gate 2 reads the reported interval:
    its width within the range is what the asymptote's uncertainty means there.)"""
    fit = getattr(sig, "fit", None)
    params = getattr(fit, "params", None) or {}
    return float(params["A"].value) if "A" in params else float(sig.A.value)
