r"""Entropy by group: which groups of a run still explore, and a flag for hidden exploration.

A single global entropy can hide where exploration still lives: planning tokens whose
entropy rises while execution tokens collapse, or one data source held up while the others
are spent. Where a log splits entropy by group (the keys are found by
:mod:`entropy_law.table.entropy_groups`), every group's series in the forecast's slice gets

* its trajectory (:func:`entropy_law.trajectory.fit.fit_trajectory`, the same decay
  families and block bootstrap as the global entropy; at most ``GROUP_BOOT`` draws) and
  its regime (:func:`entropy_law.trajectory.regime.classify_regime`);
* :math:`H_0` and :math:`H_{now}`, the means of its first and last
  :math:`k = \min(5, \lfloor n/4 \rfloor)` points, and, when it decays toward a floor
  :math:`H_\infty < H_0`, the fraction spent
  :math:`f = \operatorname{clip}((H_0 - H_{now})/(H_0 - H_\infty), 0, 1)` (as the entropy
  budget, :mod:`.budget`).

A group **still explores** when its regime is ``flat``, ``rising`` or ``rebounding``, or it
decays but has spent less than ``EXPLORING_SPENT`` (75%, the verdict's "entropy spent"
threshold) of the way to its floor.

**Flag** (``hidden_exploration``): the run's global entropy is collapsing (its regime is
``decaying``) while at least one group with at least ``MIN_GROUP_POINTS`` points is
``flat``, ``rising`` or ``rebounding``. A forecast from the global entropy then reads the
run as spent while part of it is not: the headline says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._defaults import SEED
from ..fitting.results import Estimate
from ..trajectory.fit import MIN_POINTS, fit_trajectory
from ..trajectory.regime import classify_regime

__all__ = ["GroupEntropy", "EntropyGroups", "entropy_by_group", "EXPLORING_SPENT", "MIN_GROUP_POINTS"]

EXPLORING_SPENT = 0.75  # a decaying group that spent less than this still explores
MIN_GROUP_POINTS = 10  # fewer points cannot raise the flag (a regime of noise)
GROUP_BOOT = 100  # bootstrap draws per group trajectory (floor interval only)
HEAD = 5
NOT_COLLAPSING = ("flat", "rising", "rebounding")
_NAN = Estimate(math.nan, (math.nan, math.nan), math.nan)


def _n(v):
    v = float(v)
    return v if math.isfinite(v) else None


@dataclass(frozen=True)
class GroupEntropy:
    """One group's entropy in the slice: levels, regime, floor, fraction spent."""

    name: str
    key: str
    n_points: int
    H0: float
    H_now: float
    regime: str
    regime_reason: str
    floor: Estimate
    fraction_spent: float
    exploring: bool

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "key": self.key,
            "n_points": self.n_points,
            "H0": _n(self.H0),
            "H_now": _n(self.H_now),
            "regime": self.regime,
            "regime_reason": self.regime_reason,
            "floor": {"value": _n(self.floor.value), "ci": [_n(self.floor.ci[0]), _n(self.floor.ci[1])]},
            "fraction_spent": _n(self.fraction_spent),
            "exploring": self.exploring,
        }

    def line(self) -> str:
        spent = f", {self.fraction_spent:.0%} spent" if math.isfinite(self.fraction_spent) else ""
        fl = f", floor {self.floor.value:.3g}" if math.isfinite(self.floor.value) else ""
        state = "still explores" if self.exploring else "spent"
        return (
            f"{self.name}: {self.regime} {self.H0:.3g} -> {self.H_now:.3g}{fl}{spent}; {state} ({self.key})"
        )


@dataclass(frozen=True)
class EntropyGroups:
    """Every group of a run, the global regime and the hidden-exploration flag."""

    groups: tuple[GroupEntropy, ...]
    global_regime: str
    flagged: bool
    reason: str

    @property
    def exploring(self) -> tuple[str, ...]:
        """Names of the groups that still explore."""
        return tuple(g.name for g in self.groups if g.exploring)

    def to_dict(self) -> dict:
        return {
            "global_regime": self.global_regime,
            "hidden_exploration": self.flagged,
            "reason": self.reason,
            "exploring": list(self.exploring),
            "groups": [g.to_dict() for g in self.groups],
        }

    def phrase(self) -> str:
        """A short headline phrase (only meaningful when :attr:`flagged`)."""
        hid = [g for g in self.groups if g.regime in NOT_COLLAPSING and g.n_points >= MIN_GROUP_POINTS]
        names = ", ".join(f"{g.name} ({g.regime})" for g in hid[:3])
        return f"entropy collapsing overall but not in {names}"

    def lines(self) -> list[str]:
        """Detail lines for the text report."""
        head = "entropy by group" + (" - HIDDEN EXPLORATION: " + self.reason if self.flagged else "")
        return [head, *(f"  {g.line()}" for g in self.groups)]


def _group(name, key, t, H, n_boot, level, seed) -> GroupEntropy:
    t, H = np.asarray(t, float), np.asarray(H, float)
    keep = np.isfinite(t) & np.isfinite(H)
    order = np.argsort(t[keep], kind="stable")  # a hand-built RunSeries may be unsorted
    t, H = t[keep][order], H[keep][order]
    n = len(H)
    k = max(1, min(HEAD, n // 4))
    H0 = float(np.mean(H[:k])) if n else math.nan
    H_now = float(np.mean(H[-k:])) if n else math.nan
    if n < MIN_POINTS:
        return GroupEntropy(
            name, key, n, H0, H_now, "insufficient_data", f"only {n} point(s)", _NAN, math.nan, False
        )
    # entropy < 0 (a loss logged with its sign) cannot be fitted: its regime is still read
    tr = fit_trajectory(t, H, n_boot=n_boot, level=level, seed=seed) if np.all(H >= 0) else None
    regime, why = (tr.regime, tr.regime_reason) if tr is not None else classify_regime(t, H)
    floor, frac = _NAN, math.nan
    if tr is not None and tr.status == "ok":  # a floor only where the entropy decays toward one
        fl = tr.floor
        floor = Estimate(float(fl.value), (float(fl.low), float(fl.high)), level)
        if regime == "decaying" and H0 - fl.value > 1e-9:
            frac = float(np.clip((H0 - H_now) / (H0 - fl.value), 0.0, 1.0))
    exploring = regime in NOT_COLLAPSING or (
        regime == "decaying" and math.isfinite(frac) and frac < EXPLORING_SPENT
    )
    return GroupEntropy(name, key, n, H0, H_now, regime, why, floor, frac, bool(exploring))


def entropy_by_group(
    groups, e_step, e_val, *, n_boot=GROUP_BOOT, level=0.9, seed=SEED
) -> EntropyGroups | None:
    """Fit every group of a run's slice and decide the flag (module docstring).

    Parameters
    ----------
    groups : mapping
        Group name -> ``(key, steps, values)`` of the slice (:class:`~.forecaster.RunSeries`
        ``groups``).
    e_step, e_val : array_like
        The global entropy of the same slice.
    n_boot, level, seed
        Bootstrap draws per group (capped at ``GROUP_BOOT``), interval level, seed.

    Returns
    -------
    EntropyGroups or None
        None when the log does not split entropy.
    """
    if not groups:
        return None
    B = int(min(max(n_boot, 0), GROUP_BOOT))
    base = 0 if seed is None else int(seed)
    fitted = tuple(
        _group(name, key, t, H, B, level, base + 11 + i)
        for i, (name, (key, t, H)) in enumerate(groups.items())
    )
    g_regime, g_why = classify_regime(np.asarray(e_step, float), np.asarray(e_val, float))
    hid = [g for g in fitted if g.regime in NOT_COLLAPSING and g.n_points >= MIN_GROUP_POINTS]
    flagged = g_regime == "decaying" and bool(hid)
    if flagged:
        reason = (
            f"the global entropy is collapsing ({g_why}) while "
            + "; ".join(f"group {g.name!r} is {g.regime_reason}" for g in hid)
            + ": the global number hides exploration that is still going on"
        )
    elif hid:
        reason = (
            f"the global entropy is not collapsing ({g_regime}); groups that explore: {[g.name for g in hid]}"
        )
    else:
        reason = f"no group holds its entropy up (global regime {g_regime})"
    return EntropyGroups(fitted, g_regime, flagged, reason)
