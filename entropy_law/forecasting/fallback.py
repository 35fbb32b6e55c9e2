r"""Fallback results (the law not claimed) and the verdict attached to every result.

A fallback's value at the horizon is the current level with its in-run calibrated
predictive interval (:mod:`entropy_law.forecasting.level`). When the ScaleRL sigmoid
passes its sanity gates (:mod:`entropy_law.forecasting.gates`) it is combined with the
level, equal weights, and half their gap is added in quadrature as model uncertainty:

.. math::

    \hat R_h = \tfrac12 (\hat L_h + S_h), \qquad
    \sigma^2 = \sigma_L^2 + \big(\tfrac12 (S_h - \hat L_h)\big)^2

with the ceiling and the saturation step then the sigmoid's (``method="sigmoid"``);
otherwise the ceiling is the level itself (``method="last_value"``: a level already
reached, not a ceiling). With fewer than 3 performance points there is no noise estimate
and no interval.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ..fitting.diagnostics import is_range_note
from ..fitting.results import Estimate
from .level import LevelForecast, shrink_shift
from .result import _NAN, ForecastResult, contain
from .verdict import judge_run

MIN_INTERVAL_POINTS = 3


def level_estimate(
    lvl: LevelForecast, level: float, bounds, n_points: int, shift: float = 0.0, extra_sd: float = 0.0
) -> Estimate:
    """The level forecast (optionally moved by *shift* with *extra_sd* more spread)."""
    point = lvl.point + shift
    if n_points < MIN_INTERVAL_POINTS:
        return contain(point, math.nan, math.nan, level, bounds)
    from scipy.stats import norm

    z = float(norm.ppf((1 + level) / 2))
    sd = math.hypot(lvl.sd, extra_sd)
    lo, hi = point - z * sd, point + z * sd
    if bounds is not None:
        lo, hi = max(lo, bounds[0]), min(hi, bounds[1])
    return contain(point, lo, hi, level, bounds)


def level_with_sigmoid(lvl: LevelForecast, sig, level: float, bounds, n_points: int) -> Estimate:
    """The level forecast combined with a gated sigmoid's horizon value (module docstring)."""
    from scipy.stats import norm

    gap = float(sig.at_horizon.value) - lvl.point
    sd_sig = (float(sig.at_horizon.ci[1]) - float(sig.at_horizon.ci[0])) / (2 * norm.ppf((1 + level) / 2))
    move = gap / 2 + shrink_shift(gap / 2, sd_sig)
    return level_estimate(lvl, level, bounds, n_points, shift=move, extra_sd=abs(gap) / 2)


def fallback_result(
    *,
    status: str,
    message: str,
    lvl: LevelForecast | None,
    series,
    sig_ok: bool = False,
    notes: list[str] | None = None,
    **common,
) -> ForecastResult:
    """A result whose numbers come from the current level (and a gated sigmoid)."""
    sig, tr = common.get("sigmoid"), common.get("trajectory")
    level, bounds = common["settings"].level, common.get("bounds")
    # a floor only for a decaying trajectory: a flat, rising or rebounding one has none (its
    # fitted "floor" can sit far above the data, e.g. 152 on a run whose entropy is 0.07-0.33)
    floor = (
        Estimate(tr.floor.value, (tr.floor.low, tr.floor.high), level)
        if tr is not None
        and tr.status != "insufficient_data"
        and getattr(tr, "regime", "decaying") == "decaying"
        else _NAN
    )
    n = len(series.p_val)
    if lvl is None:
        flat = contain(common["last_value"], math.nan, math.nan, level)
        at_h, ceiling, method, sat, path = flat, flat, "last_value", _NAN, None
    elif sig_ok and sig is not None:
        at_h = level_with_sigmoid(lvl, sig, level, bounds, n)
        ceiling, method, sat, path = sig.A, "sigmoid", sig.saturation_step, sig.path
    else:
        at_h = level_estimate(lvl, level, bounds, n)
        ceiling, method, sat, path = at_h, "last_value", _NAN, None
    res = ForecastResult(
        status=status,
        message=message,
        method=method,
        ceiling=ceiling,
        hard_ceiling=_NAN,
        entropy_floor=floor,
        saturation_step=sat,
        at_horizon=at_h,
        path=path,
        # the law fit's note on its own ceiling leaving the range is dropped: a fallback
        # reports the level's or the sigmoid's numbers, not the law's
        warnings=tuple(notes or ())
        + tuple(w for w in getattr(common.get("law_fit"), "warnings", ()) or () if not is_range_note(w)),
        **common,
    )
    return with_verdict(res, lvl, series)


def with_verdict(res: ForecastResult, lvl: LevelForecast | None, series) -> ForecastResult:
    """*res* with its verdict, the verdict's reason and the expected gain to the horizon."""
    L = lvl.level if lvl is not None else res.last_value
    a = res.at_horizon
    gain = Estimate(float(a.value) - L, (float(a.ci[0]) - L, float(a.ci[1]) - L), a.level)
    verdict, reason = judge_run(
        res.status,
        lvl,
        gain,
        np.asarray(series.p_val),
        np.asarray(series.e_val),
        res.bounds,
        res.trajectory,
        informed=res.method == "reference",
    )
    return replace(res, verdict=verdict, verdict_reason=reason, expected_gain=gain)
