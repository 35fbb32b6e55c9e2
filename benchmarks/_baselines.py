r"""Baseline forecasters for :mod:`forecast_accuracy`, each fitted to the slice of one run alone.

Every baseline maps ``(steps, values, horizon, bounds)`` of the slice to one number: its
forecast of the metric at ``horizon``. None learns across runs, so none needs
leave-one-run-out scoring.

``last_value``   mean of the last 10% of the slice (the forecaster's own ``last_value``);
``last_few``     mean of the last ``max(3, 10%)`` points (less noisy when 10% is one point);
``scalerl``      ScaleRL sigmoid :math:`R(C) = R_0 + (A - R_0)/(1 + (C_{mid}/C)^B)` fitted as
                 described in Khatri et al. (2025), App. A.5, as we read it: the early noisy
                 regime is excluded (the first 10% of the slice, the analogue of their first
                 1.5k of ~16k GPU-hours), :math:`R_0` is fixed at the level where the fit
                 starts, :math:`A` and :math:`C_{mid}` are grid-searched (``A`` inside the
                 metric's range) and :math:`B` is fitted by least squares at each grid point;
``power_law``    :math:`y = c - a\,t^{-\alpha}` (``pow3``), least squares, ``alpha`` in (0, 3];
``lc_ensemble``  a learning-curve extrapolator after Domhan et al. (2015): the families
                 pow3, log-power, exp3, MMF, Janoschek and Weibull are each fitted by least
                 squares to the slice and combined with Akaike weights
                 :math:`w_k \propto e^{-\Delta AIC_k/2}` (their MCMC with an
                 increasing-curve prior replaced by point fits; families whose forecast
                 leaves the metric's range are dropped).
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.optimize import curve_fit

TAIL = 0.10


def _clip(v: float, bounds) -> float:
    if not np.isfinite(v):
        return np.nan
    return float(np.clip(v, *bounds)) if bounds is not None else float(v)


def last_value(t, y, horizon, bounds) -> float:
    first, last = t[0], t[-1]
    m = t >= last - TAIL * (last - first)
    return float(np.mean(y[m]))


def last_few(t, y, horizon, bounds) -> float:
    k = max(3, int(round(TAIL * len(y))))
    return float(np.mean(y[-k:]))


def scalerl(t, y, horizon, bounds) -> float:
    """ScaleRL App. A.5 fit (module docstring); NaN with fewer than 5 points."""
    t, y = np.asarray(t, float), np.asarray(y, float)
    keep = t >= t[0] + TAIL * (t[-1] - t[0])
    t, y = t[keep], y[keep]
    if len(t) < 5 or t[0] <= 0:
        return np.nan
    r0 = float(np.mean(y[: max(1, len(y) // 10)]))
    hi = bounds[1] if bounds is not None else max(y.max() + 2 * np.ptp(y), y.max() + 1e-9)
    lo = bounds[0] if bounds is not None else min(y.min() - 2 * np.ptp(y), y.min() - 1e-9)
    top = float(np.max(y)) if np.mean(y[-3:]) >= r0 else float(np.min(y))
    A_grid = np.linspace(top, hi if top >= r0 else lo, 25)
    C_grid = np.geomspace(max(t[0], 1.0), 20 * t[-1], 25)
    B_grid = np.geomspace(0.1, 10, 30)
    best = (np.inf, np.nan)
    x = t[None, None, :]
    for A in A_grid:
        with np.errstate(all="ignore"):
            u = (C_grid[:, None, None] / x) ** B_grid[None, :, None]  # (C, B, n)
            pred = r0 + (A - r0) / (1 + u)
            sse = np.nansum((pred - y) ** 2, axis=2)
        i, j = np.unravel_index(np.nanargmin(sse), sse.shape)
        if sse[i, j] < best[0]:
            with np.errstate(all="ignore"):
                val = r0 + (A - r0) / (1 + (C_grid[i] / horizon) ** B_grid[j])
            best = (sse[i, j], val)
    return _clip(best[1], bounds)


def _pow3(t, c, a, alpha):
    return c - a * t ** (-alpha)


def _logpower(t, a, b, c):
    return a / (1 + (t / np.exp(b)) ** (-c))


def _exp3(t, c, a, b):
    return c - a * np.exp(-b * t)


def _mmf(t, alpha, beta, kappa, delta):
    return alpha - (alpha - beta) / (1 + (kappa * t) ** delta)


def _janoschek(t, alpha, beta, kappa, delta):
    return alpha - (alpha - beta) * np.exp(-kappa * t**delta)


def _weibull(t, alpha, beta, kappa, delta):
    return alpha - (alpha - beta) * np.exp(-((kappa * t) ** delta))


def _families(t, y):
    span, lvl, T = float(np.ptp(y)) or 1e-3, float(y[-1]), float(t[-1])
    return {
        "pow3": (_pow3, [lvl, span * T**0.5, 0.5], ([-np.inf, -np.inf, 1e-3], [np.inf, np.inf, 3])),
        "log_power": (_logpower, [lvl, np.log(T / 4), 1.0], ([-np.inf, -20, 1e-3], [np.inf, 30, 10])),
        "exp3": (_exp3, [lvl, span, 3 / T], ([-np.inf, -np.inf, 1e-6 / T], [np.inf, np.inf, 100 / T])),
        "mmf": (
            _mmf,
            [lvl, y[0], 1 / T, 1.0],
            ([-np.inf, -np.inf, 1e-6 / T, 1e-2], [np.inf, np.inf, 1e3 / T, 10]),
        ),
        "janoschek": (
            _janoschek,
            [lvl, y[0], 1 / T, 1.0],
            ([-np.inf, -np.inf, 1e-12, 1e-2], [np.inf, np.inf, 1e3, 5]),
        ),
        "weibull": (
            _weibull,
            [lvl, y[0], 1 / T, 1.0],
            ([-np.inf, -np.inf, 1e-6 / T, 1e-2], [np.inf, np.inf, 1e3 / T, 10]),
        ),
    }


def _fit(func, p0, bnds, t, y):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        p0 = np.clip(p0, np.asarray(bnds[0]) + 1e-12, np.asarray(bnds[1]) - 1e-12)
        p, _ = curve_fit(func, t, y, p0=p0, bounds=bnds, maxfev=2000)
    return p


def power_law(t, y, horizon, bounds) -> float:
    t, y = np.asarray(t, float), np.asarray(y, float)
    if len(t) < 4 or t[0] <= 0:
        return np.nan
    func, p0, bnds = _families(t, y)["pow3"]
    try:
        p = _fit(func, p0, bnds, t, y)
    except (RuntimeError, ValueError):
        return np.nan
    return _clip(float(func(float(horizon), *p)), bounds)


def lc_ensemble(t, y, horizon, bounds) -> float:
    """Akaike-weighted ensemble of six learning-curve families (module docstring)."""
    t, y = np.asarray(t, float), np.asarray(y, float)
    n = len(t)
    if n < 5 or t[0] <= 0:
        return np.nan
    aic, val = [], []
    for func, p0, bnds in _families(t, y).values():
        k = len(p0)
        if n <= k:
            continue
        try:
            p = _fit(func, p0, bnds, t, y)
        except (RuntimeError, ValueError):
            continue
        with np.errstate(all="ignore"):
            v = float(func(float(horizon), *p))
            sse = float(np.sum((func(t, *p) - y) ** 2))
        if not np.isfinite(v) or not np.isfinite(sse):
            continue
        if bounds is not None and not bounds[0] - 1e-9 <= v <= bounds[1] + 1e-9:
            continue
        aic.append(n * np.log(max(sse / n, 1e-300)) + 2 * k)
        val.append(v)
    if not val:
        return np.nan
    aic = np.asarray(aic)
    w = np.exp(-(aic - aic.min()) / 2)
    return _clip(float(np.sum(w * np.asarray(val)) / w.sum()), bounds)


BASELINES = {
    "last_value": last_value,
    "last_few": last_few,
    "scalerl": scalerl,
    "power_law": power_law,
    "lc_ensemble": lc_ensemble,
}
