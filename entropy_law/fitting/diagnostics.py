r"""Diagnostics attached to every fit.

Goodness of fit (weighted residuals :math:`e_t`, :math:`k` parameters, :math:`n` points;
the lmfit conventions):

.. math::

    R^2 = 1 - \frac{\sum w e^2}{\sum w (y - \bar y_w)^2}, \quad
    \mathrm{RMSE} = \sqrt{\tfrac1n \sum e^2}, \quad
    \mathrm{AIC} = n \ln(\chi^2 / n) + 2k, \quad
    \mathrm{BIC} = n \ln(\chi^2 / n) + k \ln n

plus the lag-1 autocorrelation of the residuals (large values mean the
i.i.d. bootstraps understate the uncertainty; the moving-block bootstrap accounts for it).

Verdict on the entropy law: it *holds* when ``a > 0`` with an interval that excludes 0
and no alternative law on the same points has a lower AIC by more than 2; it is *weak*
when ``a > 0`` but the interval reaches 0 or an alternative is clearly better; it does
*not hold* when ``a <= 0`` (performance rising with entropy).

Bounded metrics: accuracy, pass rate and scores live in a range (``[0, 1]``); a ceiling
outside it is impossible. :func:`clip_to_bounds` clips the estimate and its interval and
says so.
"""

from __future__ import annotations

import re

import numpy as np

from ..errors import FitError
from .laws import LAWS, Law
from .results import Estimate

#: Below this many points no verdict is given (a line through 3-5 points says little).
MIN_VERDICT_POINTS = 6

__all__ = [
    "MIN_VERDICT_POINTS",
    "goodness",
    "lag1_autocorr",
    "compare_laws",
    "verdict",
    "resolve_bounds",
    "clip_to_bounds",
]


def goodness(y, fitted, n_params: int, weights=None) -> dict[str, float]:
    """R², RMSE, AIC and BIC of a fit (module docstring)."""
    y = np.asarray(y, dtype=float)
    e = y - np.asarray(fitted, dtype=float)
    w = np.ones_like(y) if weights is None else np.asarray(weights, dtype=float)
    n = y.size
    chi2 = float(w @ (e * e))
    ym = (w @ y) / w.sum()
    sst = float(w @ (y - ym) ** 2)
    r2 = 1.0 - chi2 / sst if sst > 0 else np.nan
    rmse = float(np.sqrt(np.mean(e * e)))
    if chi2 > 0:
        ll = n * np.log(chi2 / n)
    else:
        ll = -np.inf
    return {
        "r2": float(r2),
        "rmse": rmse,
        "aic": float(ll + 2 * n_params),
        "bic": float(ll + n_params * np.log(n)),
    }


def lag1_autocorr(resid) -> float:
    """Lag-1 autocorrelation of the residuals (in step order); NaN for < 3 points."""
    e = np.asarray(resid, dtype=float)
    if e.size < 3:
        return float("nan")
    e = e - e.mean()
    den = float(e @ e)
    return float((e[:-1] @ e[1:]) / den) if den > 0 else float("nan")


def compare_laws(x, y, law: Law, weights=None) -> dict[str, float]:
    """AIC of every registered law with the same variable as *law*, on the same points.

    Laws that need more points than given, or whose fit fails, are left out. Linear laws
    are solved in closed form; ``entropy_scaled`` by variable projection
    (:func:`_fit_entropy_scaled`); other laws by :meth:`Law.solve`.
    """
    out: dict[str, float] = {}
    for name, other in LAWS.items():
        if other.variable != law.variable or len(x) <= len(other.param_names) + 1:
            continue
        try:
            if name == "entropy_scaled":
                fitted = _fit_entropy_scaled(x, y, weights)
            else:
                fit = other.solve(x, y, weights)
                fitted = fit.fitted if fit.success else None
        except FitError:
            continue
        if fitted is not None and np.all(np.isfinite(fitted)):
            out[name] = goodness(y, fitted, len(other.param_names), weights)["aic"]
    return out


def _fit_entropy_scaled(x, y, weights=None) -> np.ndarray | None:
    r"""Fitted values of :math:`R = -a e^{cH} + b` by variable projection.

    For a fixed rate ``c`` the law is linear in ``(a, b)``: weighted least squares on
    :math:`z = e^{cH}` gives them in closed form, so only the profiled residual
    :math:`r(c) = \sqrt{w}\,(y - \hat b(c) + \hat a(c) e^{cH})` is minimised over
    ``c`` within the law's bounds, from ``c = 1`` (the entropy law's own solution) with
    scipy's ``least_squares``. The optimum of ``(a, b, c)`` is the same as a joint fit
    (Golub & Pereyra 1973) and is reached in a few evaluations even where ``c`` runs
    to its lower bound (a nearly linear relation), where a joint fit crawls. None when
    the regressor has no spread.
    """
    from scipy.optimize import least_squares

    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    sw, W = np.sqrt(w), w.sum()
    ym = (w @ y) / W
    lo, hi = LAWS["entropy_scaled"].bounds["c"]

    def fitted(c):
        with np.errstate(all="ignore"):
            z = np.exp(c * x)
            zc = z - (w @ z) / W
            slope = (w @ (zc * (y - ym))) / (w @ (zc * zc))
            return ym + slope * zc

    def resid(p):
        r = (fitted(p[0]) - y) * sw
        return np.where(np.isfinite(r), r, 1e6)

    res = least_squares(resid, [1.0], bounds=([lo], [hi]), method="trf", x_scale="jac", max_nfev=200)
    f = fitted(float(res.x[0]))
    return f if np.all(np.isfinite(f)) else None


def verdict(
    law: Law,
    params: dict[str, Estimate],
    aic: float,
    alternatives: dict[str, float],
    n_points: int | None = None,
) -> tuple[bool | None, str]:
    """Whether the law holds, and a one-line reason (module docstring).

    Returns ``(holds, text)``; *holds* is None for laws without an ``a`` strength and
    when fewer than ``MIN_VERDICT_POINTS`` points were fitted.
    """
    if n_points is not None and n_points < MIN_VERDICT_POINTS:
        return None, (
            f"too few points ({n_points}) to judge whether the law holds; "
            f"at least {MIN_VERDICT_POINTS} are needed"
        )
    from .laws import LAWS

    def fam(name):
        return LAWS[name].family if name in LAWS else name

    lower = {k: v for k, v in alternatives.items() if k != law.name and v < aic - 2.0}
    better = {k: v for k, v in lower.items() if fam(k) != law.family}
    alt = ""
    if better:
        best = min(better, key=lambda k: better[k])
        alt = f"; the {best} law fits better (AIC lower by {aic - better[best]:.1f})"
    elif len(alternatives) > 1:
        alt = "; no law of another form is clearly better by AIC"
    kin = {k: v for k, v in lower.items() if fam(k) == law.family}
    if kin:
        best = min(kin, key=lambda k: kin[k])
        alt += (
            f" (the related {best} law is better by AIC {aic - kin[best]:.1f}: "
            "the same shape with a different rate)"
        )
    if "a" not in params or not law.variable == "H":
        return None, ("fit made" + alt) if alt else "fit made"
    a = params["a"]
    if not np.isfinite(a.value):
        return None, "no estimate"
    if a.value <= 0:
        return False, (
            f"the law does not hold: a = {a.value:.3g} <= 0, performance rises "
            "with entropy instead of falling" + alt
        )
    if not a.ci[0] > 0:
        return False, (
            f"weak: a = {a.value:.3g} > 0 but its {100 * a.level:g}% interval "
            f"[{a.ci[0]:.3g}, {a.ci[1]:.3g}] includes 0" + alt
        )
    if better:
        return False, "weak: a > 0 with an interval excluding 0" + alt
    return True, "the law holds: a > 0 with an interval excluding 0" + alt


_PERCENT_NAME = re.compile(
    r"(^|[/_.\-])(acc|accuracy|answer_accuracy|pass(@|_at_)?\d*|pass_rate|win_rate|success_rate|"
    r"exact_match|em|percent|pct|score)($|[/_.@\-%])|%",
    re.IGNORECASE,
)


def resolve_bounds(bounded, y, name: str | None = None) -> tuple[float, float] | None:
    """The metric's range: None, an explicit ``(lo, hi)``, or ``"auto"``.

    ``"auto"`` is ``(0, 1)`` when every value lies in [0, 1] (accuracy, pass rate...), and
    ``(0, 100)`` when the metric's *name* is accuracy-like (``acc``, ``accuracy``,
    ``pass@k``, ``pass_rate``, ``exact_match``, ``score``, ``percent``/``pct``/``%`` as a
    word of the key) and every value lies in [0, 100] with some above 1 (accuracy logged
    in percent, e.g. ``eval_acc`` 15.6 ... 41.6); otherwise unbounded.
    """
    if bounded is None or bounded is False:
        return None
    if isinstance(bounded, str):
        if bounded != "auto":
            raise FitError(
                f"bounded={bounded!r} must be None, 'auto' or a pair (low, high).", status="bad_argument"
            )
        y = np.asarray(y, dtype=float)
        y = y[np.isfinite(y)]
        if not y.size or y.min() < 0.0:
            return None
        if y.max() <= 1.0:
            return (0.0, 1.0)
        if name and y.max() <= 100.0 and _PERCENT_NAME.search(name):
            return (0.0, 100.0)
        return None
    try:
        lo, hi = (float(v) for v in bounded)
    except (TypeError, ValueError):
        raise FitError(
            f"bounded={bounded!r} must be None, 'auto' or a pair (low, high) of numbers.",
            status="bad_argument",
        ) from None
    if not lo < hi:
        raise FitError(f"bounded=({lo}, {hi}) needs low < high.", status="bad_argument")
    return lo, hi


RANGE_NOTE = "leaves the metric's range"  # the phrase that marks clip_to_bounds' warning


def is_range_note(warning: str) -> bool:
    """Whether *warning* is :func:`clip_to_bounds`' note on an estimate it clipped."""
    return RANGE_NOTE in warning


def clip_to_bounds(
    est: Estimate, bounds: tuple[float, float] | None, what: str = "ceiling"
) -> tuple[Estimate, str | None]:
    """Clip an estimate and its interval to *bounds*; returns it and a warning or None."""
    if bounds is None or not np.isfinite(est.value):
        return est, None
    lo, hi = bounds
    vals = (est.value, *est.ci)
    if all(lo <= v <= hi for v in vals if np.isfinite(v)):
        return est, None
    clipped = Estimate(
        float(np.clip(est.value, lo, hi)),
        (float(np.clip(est.ci[0], lo, hi)), float(np.clip(est.ci[1], lo, hi))),
        est.level,
        clipped=True,
    )
    msg = (
        f"the {what} {est.value:.4g} with interval [{est.ci[0]:.4g}, {est.ci[1]:.4g}] "
        f"{RANGE_NOTE} [{lo:g}, {hi:g}] (a bounded score cannot exceed it); "
        f"reported clipped as {clipped.value:.4g} [{clipped.ci[0]:.4g}, "
        f"{clipped.ci[1]:.4g}]. "
        + (
            f"The law is extrapolated past the data here: read the {what} as 'at the bound', not as a number."
            if not lo <= est.value <= hi
            else "Only the interval reaches past the bound: its clipped end means 'up to the bound'."
        )
    )
    return clipped, msg
