r"""The fallback forecast: the current level with a predictive interval calibrated in the run.

When the entropy law is not claimed (too few points, entropy held up, law not holding,
interval too wide) the forecast at the horizon is the **current level**
:math:`L_{now}`, the mean of the last 10% of the span of the slice's evaluations (the
"last value" baseline's window, so a fallback ties it exactly). Its predictive interval is

.. math::

    L_{now} \pm z_{(1+\ell)/2}\,\sqrt{s_{now}^2 + s_{final}^2 + q\,(t_h - t_{now})}

* :math:`s_{now}`, :math:`s_{final}`: the noise of the mean of the slice's last 10% and of
  the realised final window (residual spread about a running mean, inflated for lag-1
  autocorrelation; :func:`noise_scale`);
* :math:`q`, the **drift rate**, is estimated by rolling-origin backtests inside the
  run's own history: from origins at 1/4, 1/2 and 3/4 of the slice, the level forecast
  of that origin is scored against the level now, and
  :math:`q = \max\big(0, \overline{(e_j^2 - 2 s_{now}^2)/g_j}\big)` with :math:`e_j` the
  error and :math:`g_j` the gap of origin *j* (the noise of the two levels is removed so
  that a flat noisy run gets no drift). The variance of the level's future change grows
  linearly with the gap, as for a random walk: a run that moved a lot in its own past
  gets a wide interval, a run that has been flat a narrow one.

**Damped trend.** When the recent slope (least squares over the last half of the slice,
or over its last four points when the half holds fewer)
is significant (:math:`t > 3`, ``T_SIGNIFICANT``; standard error inflated for lag-1 autocorrelation) *and*
agrees with the move of the rolling-origin backtests, the forecast adds the trend damped
over the span it was measured on, :math:`\tau = (t_{now} - t_{mid})`:
:math:`\hat R = L_{now} + \beta\,\tau\,(1 - e^{-(t_h - t_{now})/\tau})` (at most
:math:`\beta\tau`, the change of one more such span), clipped to the metric's range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from ..fitting.engine import MAX_ABS_VALUE

TAIL = 0.10
_ORIGINS = (0.25, 0.5, 0.75)
T_SIGNIFICANT = 3.0  # |t| above which a recent slope is beyond noise
Z_ONE_SIDED = 1.6448536269514722  # one-sided 95% normal quantile (the flatness bound)
MIN_OWN_PHI = 20  # residuals of the slope's window from which their own lag-1 autocorrelation is used


def noise_scale(rmse: float, phi: float, n: int) -> float:
    """Standard error of a mean of *n* AR(1)-correlated residuals of spread *rmse*."""
    if not np.isfinite(rmse):
        return 0.0
    phi = min(max(phi if np.isfinite(phi) else 0.0, 0.0), 0.9)
    return rmse * math.sqrt((1 + phi) / (1 - phi)) / math.sqrt(max(n, 1))


def _tail_mean(step: np.ndarray, val: np.ndarray, first: float, upto: float) -> tuple[float, int]:
    m = (step <= upto) & (step >= upto - TAIL * (upto - first))
    if not m.any():
        k = step <= upto
        if not k.any():
            return math.nan, 0
        m = np.zeros_like(k)
        m[np.nonzero(k)[0][-1]] = True
    return float(np.mean(val[m])), int(m.sum())


def safe_std(v) -> float:
    """``np.std(v)`` computed on v / max|v|: the squares of values beyond 1e154 overflow."""
    v = np.asarray(v, float)
    c = float(np.max(np.abs(v))) if v.size else 0.0
    if not (0.0 < c < math.inf):
        return float(np.std(v)) if v.size else math.nan
    return float(np.std(v / c)) * c


def residual_noise(val: np.ndarray) -> tuple[float, float]:
    """Residual spread about a centred running mean (width ~10%, >= 3) and its lag-1
    autocorrelation."""
    v = np.asarray(val, float)
    if len(v) < 3:
        return (float(np.std(v)) if len(v) else math.nan), 0.0
    w = max(3, len(v) // 10) | 1
    pad = np.pad(v, w // 2, mode="edge")
    r = v - np.convolve(pad, np.ones(w) / w, mode="valid")
    rmse = float(np.std(r, ddof=1)) * math.sqrt(w / max(w - 1, 1))  # the mean absorbs 1/w
    phi = float(np.corrcoef(r[:-1], r[1:])[0, 1]) if len(r) > 3 and np.std(r) > 0 else 0.0
    return rmse, (phi if np.isfinite(phi) else 0.0)


def recent_slope(
    step: np.ndarray, val: np.ndarray, first: float, upto: float, phi: float
) -> tuple[float, float]:
    """Least-squares slope over the last half of the slice and its t statistic.

    The standard error is inflated for lag-1 autocorrelation: that of the window's own
    residuals when it holds at least ``MIN_OWN_PHI`` (20) points, else *phi* (the slice's).

    With sparse evaluations the half can hold fewer than four points (a line through three
    has one residual degree of freedom); the slope is then measured on the slice's last
    four points. Both are NaN with fewer than four points in all: not measurable, never
    "indistinguishable from zero" (the rule once returned t = 0 there, and a run rising
    0.04 -> 0.49 over five evaluations read "recent slope indistinguishable from zero").
    """
    m = step >= first + 0.5 * (upto - first)
    if m.sum() < 4:
        m = np.zeros(len(step), bool)
        m[-4:] = True
    t, y = step[m].astype(float), val[m].astype(float)
    if len(t) < 4 or np.ptp(t) <= 0:
        return math.nan, math.nan
    beta, alpha = np.polyfit(t, y, 1)
    res = y - (alpha + beta * t)
    s2 = float(np.sum(res**2)) / (len(t) - 2)
    se = math.sqrt(s2 / float(np.sum((t - t.mean()) ** 2)))
    if len(res) >= MIN_OWN_PHI and np.std(res) > 0:
        # the autocorrelation of the residuals the slope was fitted to: the slice's own
        # (about a running mean over all of it) is inflated where a steep early decay
        # outruns the running mean (0.78 on a planted run with white noise, which put a
        # flat run's slope bound at twice its size)
        own = float(np.corrcoef(res[:-1], res[1:])[0, 1])
        phi = own if np.isfinite(own) else phi
    phi = min(max(phi, 0.0), 0.9)
    se *= math.sqrt((1 + phi) / (1 - phi))
    return float(beta), (float(beta / se) if se > 0 else (math.inf * np.sign(beta) if beta else 0.0))


@dataclass(frozen=True)
class LevelForecast:
    """The current level, its noise, the in-run drift rate and the (damped-trend) forecast."""

    level: float
    point: float
    sd: float
    s_now: float
    s_final: float
    drift_rate: float
    slope: float
    slope_t: float
    trend: bool
    rmse: float
    phi: float
    tau: float = math.nan  # the span the recent slope was measured on (half the slice)

    @property
    def trend_change(self) -> float:
        """The change the recent slope implies over one more such span, slope x tau."""
        return self.slope * self.tau if math.isfinite(self.tau) else math.nan

    @property
    def trend_change_bound(self) -> float:
        r"""One-sided 95% upper bound of that change's size, :math:`(|\beta| + 1.645\,
        \mathrm{se}_\beta)\,\tau` (``se`` the autocorrelation-inflated standard error behind
        :attr:`slope_t`): how large the change over one more span could still be. A flat
        run is one whose bound is small, not one whose slope is merely not significant
        (four noisy points are "indistinguishable from zero" whatever the run does)."""
        if not math.isfinite(self.trend_change) or math.isnan(self.slope_t):
            return math.nan
        if self.slope == 0 or math.isinf(self.slope_t):
            se = 0.0
        elif self.slope_t == 0:  # a slope whose standard error overflowed: no bound
            return math.inf
        else:
            se = abs(self.slope / self.slope_t)
        return (abs(self.slope) + Z_ONE_SIDED * se) * self.tau

    def interval(self, level: float, bounds=None) -> tuple[float, float]:
        from scipy.stats import norm

        z = float(norm.ppf((1 + level) / 2))
        lo, hi = self.point - z * self.sd, self.point + z * self.sd
        if bounds is not None:
            lo, hi = max(lo, bounds[0]), min(hi, bounds[1])
        return min(lo, self.point), max(hi, self.point)

    def scaled(self, c: float) -> LevelForecast:
        """The same forecast for the metric multiplied by *c* (every statistic here is
        equivariant: levels, spreads and slopes scale by c, the drift rate by c**2)."""
        return replace(
            self,
            level=self.level * c,
            point=self.point * c,
            sd=self.sd * c,
            s_now=self.s_now * c,
            s_final=self.s_final * c,
            drift_rate=self.drift_rate * c * c,
            slope=self.slope * c,
            rmse=self.rmse * c,
        )


def level_forecast(p_step, p_val, first: float, upto: float, horizon: float, *, bounds=None) -> LevelForecast:
    """Fallback forecast of the metric at *horizon* from the slice (module docstring).

    Values beyond ``MAX_ABS_VALUE`` (1e100, where the law's fit refuses them) are divided by a power of
    ten first and the result scaled back: their squares overflow, and the interval read
    ``[v, v]`` with numpy overflow warnings.
    """
    p_step, p_val = np.asarray(p_step, float), np.asarray(p_val, float)
    big = float(np.max(np.abs(p_val))) if p_val.size else 0.0
    if MAX_ABS_VALUE < big < math.inf:
        c = 10.0 ** math.floor(math.log10(big))
        b = None if bounds is None else (bounds[0] / c, bounds[1] / c)
        return level_forecast(p_step, p_val / c, first, upto, horizon, bounds=b).scaled(c)
    # the current level: the last 10% of the performance points' own span (the "last
    # value" baseline's window); the origins below use the slice's steps
    L, n_tail = _tail_mean(p_step, p_val, p_step[0], p_step[-1]) if len(p_step) else (math.nan, 0)
    rmse, phi = residual_noise(p_val)
    every = float(np.median(np.diff(p_step))) if len(p_step) > 1 else 1.0
    n_final = max(1, int(round(TAIL * (horizon - first) / max(every, 1e-12))))
    s_now, s_final = noise_scale(rmse, phi, n_tail), noise_scale(rmse, phi, n_final)
    rates, moves = [], []
    for f in _ORIGINS:
        o = first + f * (upto - first)
        lo_, n_o = _tail_mean(p_step, p_val, first, o)
        g = upto - o
        if n_o and g > 0 and np.isfinite(lo_):
            s_o = noise_scale(rmse, phi, n_o)
            with np.errstate(all="ignore"):  # huge values (1e300) give inf, not OverflowError
                d2 = np.float64(L - lo_) ** 2 - np.float64(s_now) ** 2 - np.float64(s_o) ** 2
            rates.append(float(d2 / g))
            moves.append(L - lo_)
    q = max(0.0, float(np.mean(rates))) if rates and np.all(np.isfinite(rates)) else 0.0
    gap = max(horizon - upto, 0.0)
    slope, t = recent_slope(p_step, p_val, first, upto, phi)
    point = L
    trend = bool(t > T_SIGNIFICANT and moves and np.mean(moves) > 0)
    tau = 0.5 * (upto - first)
    if trend:
        point = L + slope * tau * (1 - math.exp(-gap / tau)) if tau > 0 else L
        if bounds is not None:
            point = float(np.clip(point, *bounds))
    sd = math.sqrt(s_now**2 + s_final**2 + q * gap + (point - L) ** 2 / 4)
    return LevelForecast(L, float(point), sd, s_now, s_final, q, slope, t, trend, rmse, phi, tau)


def draw_spread(draws) -> float:
    """A standard deviation of bootstrap *draws* robust to their tails: half the central
    68.3% range (the sd of a normal). With five points a resample can put almost no
    spread in :math:`e^H` and a slope far out; the plain sd then changes with the seed."""
    d = np.asarray(draws, float)
    d = d[np.isfinite(d)]
    if d.size < 2:
        return math.nan
    lo, hi = np.quantile(d, (0.158655, 0.841345))
    return float(hi - lo) / 2


def shrink_shift(delta: float, sd: float) -> float:
    r"""How far to move a model's forecast change *delta* back toward the current level.

    The change is shrunk by its signal-to-noise factor
    :math:`k = \Delta^2 / (\Delta^2 + \sigma_\Delta^2)` (the Wiener / James-Stein factor
    that minimises the expected squared error when the true change is as uncertain as the
    estimate, :math:`\sigma_\Delta` its bootstrap spread): a change well beyond its own
    noise is kept, one within it is mostly dropped. Returns :math:`(k - 1)\,\Delta`.
    """
    if not (math.isfinite(delta) and math.isfinite(sd)) or delta == 0:
        return 0.0
    k = delta**2 / (delta**2 + sd**2)
    return (k - 1.0) * delta
