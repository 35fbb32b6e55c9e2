r"""The entropy budget of a forecast: how much exploration is spent and what it is still worth.

With :math:`H_0` the mean entropy of the first ``HEAD`` points, :math:`H_{now}` the mean
of the last ``HEAD`` points, and :math:`H_\infty` the fitted trajectory floor,

.. math::

    f = \operatorname{clip}\Big(\frac{H_0 - H_{now}}{H_0 - H_\infty}, 0, 1\Big),\qquad
    U = a\,(e^{H_{now}} - e^{H_\infty}),

and :math:`t_{95}` is the first step after the data at which the fitted trajectory
:math:`\hat H(t)` reaches :math:`H_\infty + 0.05\,(H_{now} - H_\infty)` (a search on a
geometric grid of the fitted curve). The interval of :math:`U` pairs the law's bootstrap
draws of ``a`` with the trajectory's floor draws (the draws the forecast already uses).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..fitting.results import Estimate

__all__ = ["EntropyBudget", "entropy_budget"]

HEAD = 5  # points averaged for H0 and H_now (robust to one noisy log line)
SPENT = 0.95  # "95% of the remaining entropy spent"
_NAN = Estimate(math.nan, (math.nan, math.nan), math.nan)


def _n(v):
    v = float(v)
    return v if math.isfinite(v) else None


def _e(e: Estimate) -> dict:
    return {"value": _n(e.value), "ci": [_n(e.ci[0]), _n(e.ci[1])]}


@dataclass(frozen=True)
class EntropyBudget:
    """Entropy spent so far, the upside the law says is left, and when it runs out."""

    H0: float
    H_now: float
    H_inf: Estimate
    fraction_spent: float
    upside: Estimate
    step_95: float
    reason: str = ""

    def to_dict(self) -> dict:
        return {
            "H0": _n(self.H0),
            "H_now": _n(self.H_now),
            "H_inf": _e(self.H_inf),
            "fraction_spent": _n(self.fraction_spent),
            "upside_left": _e(self.upside),
            "step_95_spent": _n(self.step_95),
            "reason": self.reason or None,
        }

    def phrase(self) -> str:
        """One short phrase for the headline."""
        if not math.isfinite(self.fraction_spent):
            return f"entropy budget undefined ({self.reason})"
        out = f"entropy {self.fraction_spent:.0%} spent"
        u = self.upside
        if math.isfinite(u.value):
            small = all(abs(v) < 1 for v in (u.value, *u.ci) if math.isfinite(v))
            lo, hi = (_amount(v, small) for v in u.ci)
            out += f"; {_amount(u.value, small, sign=True)} [{lo}, {hi}] left in the law"
        if math.isfinite(self.step_95):
            out += f"; 95% spent by step {self.step_95:.0f}"
        return out


def _amount(v: float, small: bool, sign: bool = False) -> str:
    """A performance amount for the phrase: 4 decimals when the amounts are all below 1
    (*small*; never '+3.02e-17' or '5.34e-05'), else 4 significant digits; ``unbounded`` /
    ``n/a`` when not finite."""
    if not math.isfinite(v):
        return "unbounded" if math.isinf(v) else "n/a"
    out = f"{v:+.4f}" if small else f"{v:+.4g}"
    if float(out) == 0:
        out = "+0.0000"  # not '-0.0000', which reads as a loss
    return out if sign else out.lstrip("+")


def entropy_budget(e_step, e_val, trajectory, a_draws=None, a_hat=math.nan, level=0.9) -> EntropyBudget:
    """Compute the :class:`EntropyBudget` of one run (see the module docstring).

    Parameters
    ----------
    e_step, e_val : array_like
        Observed entropy steps and values of the fitted slice.
    trajectory : TrajectoryFit or None
        The entropy trajectory fit (``floor``, ``floor_draws``, ``predict``).
    a_draws : array_like, optional
        Bootstrap draws of the law's slope ``a``, paired with the floor draws.
    a_hat : float
        The law's point estimate of ``a``.
    level : float
        Interval level of ``upside``.
    """
    t, H = np.asarray(e_step, float), np.asarray(e_val, float)
    k = max(1, min(HEAD, len(H) // 4))
    H0 = float(np.mean(H[:k])) if len(H) else math.nan
    H_now = float(np.mean(H[-k:])) if len(H) else math.nan
    fl = getattr(trajectory, "floor", None)
    if fl is None or not math.isfinite(getattr(fl, "value", math.nan)):
        return EntropyBudget(H0, H_now, _NAN, math.nan, _NAN, math.nan, "no entropy floor was fitted")
    H_inf = Estimate(float(fl.value), (float(fl.low), float(fl.high)), level)
    if getattr(trajectory, "regime", "decaying") != "decaying" or not H0 - H_inf.value > 1e-9 or H_now >= H0:
        return EntropyBudget(
            H0,
            H_now,
            H_inf,
            math.nan,
            _NAN,
            math.nan,
            "entropy held up: it has not fallen from its start toward a floor",
        )
    frac = float(np.clip((H0 - H_now) / (H0 - H_inf.value), 0.0, 1.0))
    upside = _NAN
    if math.isfinite(a_hat):
        pt = a_hat * (math.exp(H_now) - math.exp(H_inf.value))
        lo = hi = pt
        if a_draws is not None:
            fd = np.asarray(trajectory.floor_draws, float)
            n = min(len(fd), len(a_draws))
            d = np.asarray(a_draws, float)[:n] * (math.exp(H_now) - np.exp(fd[:n]))
            d = d[np.isfinite(d)]
            if d.size:
                lo, hi = (float(q) for q in np.quantile(d, [(1 - level) / 2, (1 + level) / 2]))
        upside = Estimate(pt, (min(lo, pt), max(hi, pt)), level)
    target = H_inf.value + (1 - SPENT) * (H_now - H_inf.value)
    last = float(t[-1]) if len(t) else 0.0
    grid = np.unique(np.geomspace(max(last, 1.0), max(last, 1.0) * 1e4, 4000).round())
    pred = np.asarray(trajectory.predict(grid), float)
    hit = np.nonzero(pred <= target)[0]
    step_95 = float(grid[hit[0]]) if hit.size else math.inf
    return EntropyBudget(H0, H_now, H_inf, frac, upside, step_95)
