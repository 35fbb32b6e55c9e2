r"""The entropy budget of a forecast: how much exploration is spent and what it is still worth.

With :math:`H_0` the mean entropy of the first ``HEAD`` points, :math:`H_{now}` the mean
of the last ``HEAD`` points, and :math:`H_\infty` the fitted trajectory floor,

.. math::

    f = \operatorname{clip}\Big(\frac{H_0 - H_{now}}{H_0 - H_\infty}, 0, 1\Big),\qquad
    U = a\,\max\big(0,\ e^{H_{now}} - e^{H_\infty}\big),

(:func:`spent_fraction` computes :math:`f`; the verdict's "entropy spent" reads the same
helper, so the two never disagree). When :math:`H_{now} \le H_\infty` (entropy at or below
its fitted floor: a rebound of the fit, or noise) nothing is left to spend: :math:`f = 1`,
:math:`U = 0` and ``reason`` says so. The interval of :math:`U` pairs the law's bootstrap
draws of ``a`` with the trajectory's floor draws (the draws the forecast already has), each
draw's entropy term clipped at 0 the same way.

:math:`t_{95}` is the first step after the data at which the fitted trajectory
:math:`\hat H(t)` reaches :math:`H_\infty + 0.05\,(H_{now} - H_\infty)`, searched only as far
as the forecast's own saturation grid (``GRID_MULTIPLE`` x the slice, or the horizon if
later): beyond it the fitted curve is an extrapolation the data do not support, so the
budget says "beyond step N" (``step_95 = inf``, ``step_95_beyond = N``). When
:math:`\hat H` is already at or below that level at the last logged step (the fit sits at
its floor under the recent entropy) there is no step to date: ``step_95`` is NaN and
``step_95_note`` says why.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..fitting.results import Estimate
from .grid import GRID_MULTIPLE

__all__ = ["EntropyBudget", "entropy_budget", "spent_fraction"]

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
    """Entropy spent so far, the upside the law says is left, and when it runs out.

    ``step_95`` is a step after the data, ``inf`` when the fitted trajectory does not get there
    by ``step_95_beyond`` (the last step searched), or NaN with ``step_95_note`` saying why.
    """

    H0: float
    H_now: float
    H_inf: Estimate
    fraction_spent: float
    upside: Estimate
    step_95: float
    reason: str = ""
    step_95_beyond: float = math.nan
    step_95_note: str = ""

    def to_dict(self) -> dict:
        return {
            "H0": _n(self.H0),
            "H_now": _n(self.H_now),
            "H_inf": _e(self.H_inf),
            "fraction_spent": _n(self.fraction_spent),
            "upside_left": _e(self.upside),
            "step_95_spent": _n(self.step_95),
            "step_95_beyond": _n(self.step_95_beyond),
            "step_95_note": self.step_95_note or None,
            "reason": self.reason or None,
        }

    def phrase(self) -> str:
        """One short phrase for the headline."""
        if not math.isfinite(self.fraction_spent):
            return f"entropy budget undefined ({self.reason})"
        out = f"entropy {self.fraction_spent:.0%} spent"
        if self.H_now <= self.H_inf.value:
            out += ", at or below its fitted floor"
        u = self.upside
        if math.isfinite(u.value):
            small = all(abs(v) < 1 for v in (u.value, *u.ci) if math.isfinite(v))
            lo, hi = (_amount(v, small) for v in u.ci)
            out += f"; {_amount(u.value, small, sign=True)} [{lo}, {hi}] left in the law"
        if math.isfinite(self.step_95):
            out += f"; 95% spent by step {self.step_95:.0f}"
        elif math.isinf(self.step_95) and math.isfinite(self.step_95_beyond):
            out += f"; 95% spent beyond step {self.step_95_beyond:.0f}"
        elif self.step_95_note.startswith(_ALREADY):
            out += "; fitted entropy already at its floor"
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


_ALREADY = "already"
_HELD_UP = "entropy held up: it has not fallen from its start toward a floor"


def spent_fraction(e_val, trajectory) -> tuple[float, float, float]:
    """``(H0, H_now, f)``: the start and current entropy and the fraction of the way from the
    start to the fitted floor covered (module docstring), the one definition of "entropy spent".

    ``f`` is NaN without a decaying trajectory with a finite floor below the start, or when
    the entropy has not fallen (``H_now >= H0``).
    """
    H = np.asarray(e_val, float)
    k = max(1, min(HEAD, len(H) // 4))
    H0 = float(np.mean(H[:k])) if len(H) else math.nan
    H_now = float(np.mean(H[-k:])) if len(H) else math.nan
    floor = float(getattr(getattr(trajectory, "floor", None), "value", math.nan))
    decaying = getattr(trajectory, "regime", "decaying") == "decaying"
    if not (decaying and math.isfinite(floor) and H0 - floor > 1e-9 and H_now < H0):
        return H0, H_now, math.nan
    return H0, H_now, float(np.clip((H0 - H_now) / (H0 - floor), 0.0, 1.0))


def entropy_budget(
    e_step, e_val, trajectory, a_draws=None, a_hat=math.nan, level=0.9, search_to=None
) -> EntropyBudget:
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
    search_to : float, optional
        Last step searched for ``step_95`` (the forecast passes the end of its saturation
        grid); default ``GRID_MULTIPLE`` x the last logged step.
    """
    t = np.asarray(e_step, float)
    H0, H_now, frac = spent_fraction(e_val, trajectory)
    fl = getattr(trajectory, "floor", None)
    if fl is None or not math.isfinite(getattr(fl, "value", math.nan)):
        return EntropyBudget(H0, H_now, _NAN, math.nan, _NAN, math.nan, "no entropy floor was fitted")
    H_inf = Estimate(float(fl.value), (float(fl.low), float(fl.high)), level)
    if not math.isfinite(frac):
        return EntropyBudget(H0, H_now, H_inf, math.nan, _NAN, math.nan, _HELD_UP)
    left = math.exp(H_now) - math.exp(H_inf.value)  # e^H still to give up; <= 0: none
    reason = ""
    if left <= 0:
        reason = (
            f"entropy at or below its fitted floor (now {H_now:.3g}, floor {H_inf.value:.3g}): "
            "none left to spend"
        )
    upside = _NAN
    if math.isfinite(a_hat):
        pt = a_hat * max(left, 0.0)
        lo = hi = pt
        if a_draws is not None:
            fd = np.asarray(trajectory.floor_draws, float)
            n = min(len(fd), len(a_draws))
            # a floor draw above H_now leaves nothing in that draw, as for the point estimate
            # (unclipped, a floor draw of 36 nats gave an interval down to -2.3e9)
            with np.errstate(over="ignore"):  # exp of a floor draw beyond ~709 nats: +inf, 0 left
                d = np.asarray(a_draws, float)[:n] * np.maximum(math.exp(H_now) - np.exp(fd[:n]), 0.0)
            d = d[np.isfinite(d)]
            if d.size:
                lo, hi = (float(q) for q in np.quantile(d, [(1 - level) / 2, (1 + level) / 2]))
        upside = Estimate(pt, (min(lo, pt), max(hi, pt)), level)
    if left <= 0:
        if math.isfinite(upside.value):  # nothing left: 0, and no draw's loss (a < 0) below it
            upside = Estimate(0.0, (0.0, max(upside.ci[1], 0.0)), level)
        return EntropyBudget(H0, H_now, H_inf, 1.0, upside, math.nan, reason, step_95_note=reason)
    step_95, beyond, note = _step_95(t, H_now, H_inf.value, trajectory, search_to)
    return EntropyBudget(H0, H_now, H_inf, frac, upside, step_95, reason, beyond, note)


def _step_95(t, H_now, H_inf, trajectory, search_to) -> tuple[float, float, str]:
    """``(step_95, step_95_beyond, step_95_note)`` (module docstring)."""
    target = H_inf + (1 - SPENT) * (H_now - H_inf)
    last = max(float(t[-1]) if len(t) else 0.0, 1.0)
    if search_to is None:
        search_to = GRID_MULTIPLE * last
    end = max(float(search_to), last + 1)
    if float(np.asarray(trajectory.predict(np.array([last])), float)[0]) <= target:
        return (
            math.nan,
            math.nan,
            f"{_ALREADY} reached by the fitted trajectory at the last logged step {last:.0f}: "
            "the fit sits at its floor, below the recent entropy, so it cannot date the rest",
        )
    grid = np.unique(np.geomspace(last + 1, end, 4000).round())
    hit = np.nonzero(np.asarray(trajectory.predict(grid), float) <= target)[0]
    if hit.size:
        return float(grid[hit[0]]), math.nan, ""
    return math.inf, end, f"not reached by the fitted trajectory by step {end:.0f}, the last step searched"
