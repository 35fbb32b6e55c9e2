"""Regime of an entropy series: decaying, flat, rising or rebounding.

A floor is only a forecast when the entropy decays; :func:`classify_regime` labels the
raw series so that :func:`entropy_law.trajectory.fit.fit_trajectory` can say when it is not.

Regime rule (:func:`classify_regime`), on the raw series with ``n`` points:
``head`` = median of the first ``max(3, n//10)`` points, ``tail`` = median of the last
``max(3, n//5)``, ``low`` = minimum of a running median of width ``max(3, n//10)`` (odd),
``noise`` = 1.4826·MAD(first differences)/√2. Thresholds: ``REBOUND_FRAC`` = 0.25,
``MIN_REL_CHANGE`` = 0.05, ``COLLAPSE_FRAC`` = 0.2, ``INITIAL_FRAC`` = 0.2.

1. ``rise = tail - low`` counts only if ``rise > REBOUND_FRAC·max(head - low, 0)``,
   ``rise > MIN_REL_CHANGE·head`` and ``rise > 3·noise/√(tail points)``, and the minimum
   lies before the tail: then ``"rebounding"`` if the fall ``head - low`` exceeds
   ``MIN_REL_CHANGE·head`` (fell, then rose: clip-higher / DAPO) else ``"rising"``.
2. Otherwise ``"decaying"`` if ``head - tail > COLLAPSE_FRAC·head`` or the part after
   the first ``INITIAL_FRAC`` of the time span still trends down by more than
   ``MIN_REL_CHANGE`` of its level (least-squares slope × its duration).
3. Otherwise ``"rising"`` if ``tail - head`` exceeds ``MIN_REL_CHANGE·head`` and
   ``3·noise/√(tail points)`` (well above the start, though the minimum lies in the tail:
   a spike that crashed at the very end), else ``"flat"`` (held near a level, e.g. an
   adaptive entropy controller).

From entropy alone a controller that first pulls entropy down to a lower target and then
holds it looks like a collapse to a floor; it is labelled ``"decaying"``.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "classify_regime",
    "running_median",
    "REBOUND_FRAC",
    "MIN_REL_CHANGE",
    "COLLAPSE_FRAC",
    "INITIAL_FRAC",
]

REBOUND_FRAC, MIN_REL_CHANGE, COLLAPSE_FRAC, INITIAL_FRAC = 0.25, 0.05, 0.2, 0.2


def running_median(x: np.ndarray, width: int) -> np.ndarray:
    """Centred running median of odd *width* (edges padded with the end values)."""
    w = width | 1  # odd, centred; edges padded with the end values
    return np.median(np.lib.stride_tricks.sliding_window_view(np.pad(x, w // 2, mode="edge"), w), axis=1)


def classify_regime(t, H) -> tuple[str, str]:
    """Classify an entropy series as decaying, flat, rising or rebounding.

    The rule and its thresholds are in the module docstring. Returns
    ``(regime, reason)``; the reason quotes the numbers the rule used.
    """
    t, H = np.asarray(t, dtype=float), np.asarray(H, dtype=float)
    n = len(H)
    if n < 3:
        return "flat", f"only {n} point(s): too few to see a trend"
    k_head, k_tail = max(3, n // 10), max(3, n // 5)
    head, tail = float(np.median(H[:k_head])), float(np.median(H[-k_tail:]))
    smooth = running_median(H, max(3, n // 10))
    i_low = int(np.argmin(smooth))
    low = float(smooth[i_low])
    noise = 1.4826 * float(np.median(np.abs(np.diff(H) - np.median(np.diff(H))))) / math.sqrt(2)
    fall, rise, scale = head - low, tail - low, max(abs(head), 1e-12)
    if (
        rise > REBOUND_FRAC * max(fall, 0.0)
        and rise > MIN_REL_CHANGE * scale
        and rise > 3 * noise / math.sqrt(k_tail)
        and i_low < n - k_tail
    ):
        what = "rebounding" if fall > MIN_REL_CHANGE * scale else "rising"
        return what, (
            f"{what}: falls {head:.3g} -> {low:.3g} (min at t={t[i_low]:g}) then "
            f"rises to {tail:.3g} ({rise / scale:+.0%} of the start)"
        )
    after = t >= t[0] + INITIAL_FRAC * (t[-1] - t[0])
    ta, ha = t[after], H[after]
    trend = 0.0
    if len(ta) >= 3 and ta[-1] > ta[0]:
        trend = float(np.polyfit(ta, ha, 1)[0] * (ta[-1] - ta[0]))
    level = max(abs(float(np.median(ha))), 1e-12)
    if head - tail > COLLAPSE_FRAC * scale or -trend > MIN_REL_CHANGE * level:
        return "decaying", (
            f"decaying: {head:.3g} -> {tail:.3g} ({(tail - head) / scale:+.0%});"
            f" trend after the first {INITIAL_FRAC:.0%} {trend / level:+.0%}"
            " of level"
        )
    up = tail - head
    if up > MIN_REL_CHANGE * scale and up > 3 * noise / math.sqrt(k_tail):
        # well above its start but with the minimum inside the tail (a spike that crashed
        # at the very end: rasbt 7_6, 0.36 -> 8 -> 0.1) read "flat: 0.358 -> 3.64 (+916%)"
        return "rising", (
            f"rising: {head:.3g} -> {tail:.3g} ({up / scale:+.0%}), though down to {low:.3g} "
            f"at t={t[i_low]:g}"
        )
    return "flat", (
        f"flat: {head:.3g} -> {tail:.3g} ({(tail - head) / scale:+.0%}), trend after "
        f"the first {INITIAL_FRAC:.0%} {trend / level:+.0%} of level {level:.3g}"
    )
