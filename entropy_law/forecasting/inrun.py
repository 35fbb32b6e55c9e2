r"""Rolling-origin backtest of the law-based forecast inside the run's own slice.

The fallback's drift rate (:mod:`entropy_law.forecasting.level`) measures how far the
*current level* would have missed, had it been the forecast from earlier origins of the
same run. This module does the same for the *law-based* forecast, once, from the middle
of the slice :math:`t_o`: the law (point least squares of performance on :math:`e^{H}`)
and the entropy trajectory (a point fit of the exponential family alone, no bootstrap; the
forecast averages it with the power family, 3-4x the cost, which changed 3 of 237
benchmark forecasts by at most 0.015 and covered the same runs) are refitted on the first
half only, and the law-anchored forecast of the current level is

.. math::

    \hat L_{now \mid o} = L_o - a_o\,\big(\overline{e^{\hat H_o}}_{now} - \overline{e^{\hat H_o}}_{o}\big)

(the anchoring of :mod:`entropy_law.forecasting.forecaster`, with everything fitted on the
first half; the bars are means over the steps of each level's window). With its error
:math:`e = \hat L_{now \mid o} - L_{now}` and the noise of the two levels removed as for
the fallback's drift rate, the **in-run error**

.. math::

    \sigma_{in} = \tfrac{1}{\sqrt 2}\,\sqrt{\max(0,\ e^2 - s_{now}^2 - s_o^2)}

joins the forecast's predictive spread at the horizon in quadrature. It is a
split-conformal calibration with one calibration point taken inside the run (nothing is
learned across runs). The factor :math:`1/\sqrt2`: the calibration forecast was fitted on
half the points, so its estimation error is about :math:`\sqrt2` times that of the
forecast it calibrates. The error is **not** scaled up with the longer gap to the horizon
(as the fallback's random-walk drift is): the errors of a saturating curve are mostly a
misplaced level, not a growing drift, and on the simulator the in-run errors over half a
slice were already larger than the errors at the horizon three slices later
(``docs/benchmarks.md``).

The same origin gives the **level's** in-run error, :math:`L_o - L_{now}` (the current
level used as the forecast, the fallback's rule). When the law beat it,
:math:`|e| < |L_o - L_{now}|`, the law has shown skill on this run's own history
(:attr:`InrunBacktest.law_beats_level`); the forecaster then keeps a forecast change
beyond the level's noise in full instead of shrinking it
(:mod:`entropy_law.forecasting.forecaster`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..table.align import align_arrays
from .level import _tail_mean, noise_scale, shrink_shift

__all__ = ["InrunBacktest", "inrun_backtest", "law_shift", "ORIGIN"]

ORIGIN = 0.5  # the backtest's origin, as a fraction of the slice
MIN_POINTS = 3  # aligned points the first half needs for the law's two parameters
MIN_ENTROPY = 5  # entropy points the first half needs for the trajectory
HALF_DATA = 1 / math.sqrt(2)  # estimation error of a half-slice fit relative to the full one
TAIL = 0.10


@dataclass(frozen=True)
class InrunBacktest:
    """The law's and the level's errors forecasting the current level from the middle of
    the slice, and the noise of the two levels (module docstring)."""

    law_error: float
    level_error: float
    noise: float

    @property
    def sd(self) -> float:
        r""":math:`\sigma_{in}`: the law's error, noise removed, times the half-data factor."""
        return HALF_DATA * math.sqrt(max(0.0, self.law_error**2 - self.noise**2))

    @property
    def law_beats_level(self) -> bool:
        """Whether the law forecast the current level better than the level itself did."""
        return abs(self.law_error) < abs(self.level_error)


def inrun_backtest(
    s, first: float, window: tuple[float, float], rmse: float, phi: float
) -> InrunBacktest | None:
    r"""The in-run backtest of the module docstring for the slice *s*; ``None`` when the
    first half cannot carry it (too few points, no law, no trajectory).

    Parameters
    ----------
    s : RunSeries
        The slice the forecast is made from.
    first : float
        The run's first step.
    window : (float, float)
        First and last step of the current level's window (the slice's last 10%).
    rmse, phi : float
        Residual spread and lag-1 autocorrelation of the performance series, for the noise
        of the two levels (:func:`entropy_law.forecasting.level.noise_scale`).
    """
    from ..trajectory.fit import fit_trajectory

    p_step, p_val = np.asarray(s.p_step, float), np.asarray(s.p_val, float)
    e_step, e_val = np.asarray(s.e_step, float), np.asarray(s.e_val, float)
    now = (p_step >= window[0]) & (p_step <= window[1])
    if len(p_step) < 2 * MIN_POINTS or not now.any():
        return None
    o = first + ORIGIN * (window[1] - first)
    ke, kp = e_step <= o, p_step <= o
    _, h, y = align_arrays(e_step[ke], e_val[ke], p_step[kp], p_val[kp])
    h, y = np.asarray(h, float), np.asarray(y, float)
    if len(y) < MIN_POINTS or ke.sum() < MIN_ENTROPY or not np.ptp(h) > 0:
        return None
    a = -float(np.polyfit(np.exp(h), y, 1)[0])
    if not a > 0:  # the law does not hold on the first half: no law forecast to score
        return None
    tr = fit_trajectory(e_step[ke], e_val[ke], n_boot=0, families=("exp",))
    if tr.status == "insufficient_data":
        return None
    L_o, n_o = _tail_mean(p_step, p_val, first, o)
    t_o = p_step[kp & (p_step >= o - TAIL * (o - first))]
    t_o = t_o if len(t_o) else np.array([o])
    with np.errstate(all="ignore"):
        x_now = float(np.mean(np.exp(tr.predict(p_step[now]))))
        x_o = float(np.mean(np.exp(tr.predict(t_o))))
    pred = L_o - a * (x_now - x_o)
    if not (math.isfinite(pred) and math.isfinite(L_o)):
        return None
    L_now, n_now = float(np.mean(p_val[now])), int(now.sum())
    noise = math.hypot(noise_scale(rmse, phi, n_now), noise_scale(rmse, phi, n_o))
    return InrunBacktest(pred - L_now, L_o - L_now, noise)


def law_shift(delta, sd, inrun: InrunBacktest | None, s_now: float):
    r"""The shift the forecaster adds to a law-based change *delta* (scalar or array).

    Kept in full (shift 0) where the law beat the level in the run's own history
    (:attr:`InrunBacktest.law_beats_level`) and :math:`|\Delta|` exceeds the level's noise
    *s_now*; otherwise shrunk toward the current level by its signal-to-noise factor
    (:func:`entropy_law.forecasting.level.shrink_shift`, *sd* the change's bootstrap
    spread). The forecast and the given-entropy protocol share this rule.
    """
    d, s = np.broadcast_arrays(np.asarray(delta, float), np.asarray(sd, float))
    skill = inrun is not None and inrun.law_beats_level
    out = np.array([0.0 if skill and abs(x) > s_now else shrink_shift(x, y) for x, y in zip(d.flat, s.flat)])
    return float(out[0]) if d.ndim == 0 else out.reshape(d.shape)
