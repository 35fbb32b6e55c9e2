"""A forest plot: one row per run (sweeps, seeds, interventions), a quantity's estimate
with its interval, the baseline's interval shaded, each row coloured by its comparison
verdict against the baseline and its value printed at the right."""

from __future__ import annotations

import math

import numpy as np

from ..errors import EntropyLawError
from .claims import claims
from .runs import as_results
from .style import COLORS, NOT_CLAIMED, short_names, wrap_label

__all__ = ["plot_forest", "FOREST_QUANTITIES"]

#: quantity -> axis label
FOREST_QUANTITIES = {
    "ceiling": "ceiling (plateau)",
    "law_ceiling": "law ceiling  -a exp(H_inf) + b'",
    "at_horizon": "value at the horizon",
    "expected_gain": "expected gain to the horizon",
    "saturation_step": "saturation step",
    "entropy_floor": "entropy floor H_inf (nats)",
}
_VERDICT_COLORS = {
    "baseline": "#000000",
    "lifted": COLORS["forecast"],
    "lowered": COLORS["fit"],
    "no detectable change": COLORS["ceiling"],
    "undetermined": NOT_CLAIMED,
}


def _claimed(res, quantity: str) -> bool:
    if quantity in ("ceiling", "law_ceiling", "saturation_step"):
        return claims(res).ceiling is None
    if quantity == "entropy_floor":
        return claims(res).trajectory is None
    return True


def plot_forest(results, quantity: str = "ceiling", *, baseline: str | None = None, ax=None):
    """Draw *quantity* with its interval for every run, one row each.

    Parameters
    ----------
    results : Comparison, dict of ForecastResult, or list of them
        With a :class:`~entropy_law.fleet.comparison.Comparison` each row is coloured by
        its verdict against the baseline (lifted / no detectable change / lowered).
    quantity : str
        One of :data:`FOREST_QUANTITIES`.
    baseline : str, optional
        The run whose interval is shaded (default: the comparison's baseline, else none).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
        Rows top to bottom in the order of the runs; a value not claimed by a model (a
        fallback on the current level, an entropy held up) is drawn hollow and grey,
        an interval end at infinity as an arrow at the edge.
    """
    if quantity not in FOREST_QUANTITIES:
        raise EntropyLawError(f"plot_forest: quantity={quantity!r}; choose one of {list(FOREST_QUANTITIES)}.")
    res, base = as_results(results, "plot_forest")
    baseline = baseline or base
    if baseline is not None and baseline not in res:
        raise EntropyLawError(f"plot_forest: baseline={baseline!r} is not one of the runs {list(res)[:10]}.")
    import matplotlib.pyplot as plt

    n = len(res)
    if ax is None:
        _, ax = plt.subplots(figsize=(9.0, 1.5 + 0.46 * n), layout="constrained")
    names = list(res)
    est = [getattr(res[k], quantity) for k in names]
    # the axis spans the claimed values (an unclaimed level far off is drawn at the edge)
    finite = [v for k, e in zip(names, est, strict=True) if _claimed(res[k], quantity)
              for v in (e.value, *e.ci) if math.isfinite(v)]  # fmt: skip
    finite = finite or [v for e in est for v in (e.value, *e.ci) if math.isfinite(v)]
    lo_ax, hi_ax = (min(finite), max(finite)) if finite else (0.0, 1.0)
    pad = 0.06 * (hi_ax - lo_ax or 1.0)
    lo_ax, hi_ax = lo_ax - pad, hi_ax + pad
    y = np.arange(n)[::-1]
    if baseline is not None:
        b = getattr(res[baseline], quantity)
        if math.isfinite(b.ci[0]) and math.isfinite(b.ci[1]):
            ax.axvspan(
                b.ci[0], b.ci[1], color="0.5", alpha=0.12, lw=0, label=f"baseline {b.level:.0%} interval"
            )
    seen = set()
    for yi, name, e in zip(y, names, est, strict=True):
        r = res[name]
        verdict = "baseline" if name == baseline else _verdict(results, name, quantity)
        claimed = _claimed(r, quantity)
        color = _VERDICT_COLORS.get(verdict or "", "#333333") if claimed else NOT_CLAIMED
        key = verdict if _claimed(r, quantity) else "not claimed (greyed)"
        label = None if key in seen or (verdict is None and _claimed(r, quantity)) else key
        seen.add(key)
        _row(ax, yi, e, color, _claimed(r, quantity), lo_ax, hi_ax, label, name)
    ax.set_yticks(y, [wrap_label(s, 36) for s in short_names(names)], fontsize="x-small")
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_xlim(lo_ax, hi_ax)
    right = ax.twinx()  # the values, as right-hand tick labels (the layout makes room)
    right.set_ylim(ax.get_ylim())
    right.set_yticks(y, [_value_text(e) for e in est], fontsize="x-small")
    right.tick_params(length=0)
    for side in ("top", "left", "bottom"):
        right.spines[side].set_visible(False)
    right.set_gid("values")
    level = est[0].level if est and math.isfinite(est[0].level) else None
    lv = f" ({level:.0%} intervals)" if level else ""
    ax.set_xlabel(FOREST_QUANTITIES[quantity] + lv)
    ax.set_title(f"{FOREST_QUANTITIES[quantity].split('  ')[0]} across {n} runs", fontsize="medium")
    ax.grid(True, axis="x", alpha=0.3, lw=0.6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.figure.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 4),
                         fontsize="small", frameon=False)  # fmt: skip
    return ax.figure


def _value_text(e) -> str:
    return f"{_fmt(e.value)} [{_fmt(e.ci[0])}, {_fmt(e.ci[1])}]"


def _verdict(results, name: str, quantity: str) -> str | None:
    if not hasattr(results, "differences"):
        return None
    for d in results.differences:
        if d.run == name and d.quantity == quantity:
            return d.verdict
    return None


def _fmt(v: float) -> str:
    """A forest label number: ``~0`` below 1e-4 (a collapsed ceiling printed '2.922e-05'),
    ``unbounded`` for an infinite end."""
    if math.isnan(v):
        return "n/a"
    if math.isinf(v):
        return "unbounded"
    return "~0" if 0 < abs(v) < 1e-4 else f"{v:.4g}"


def _row(ax, yi, e, color, claimed: bool, lo_ax: float, hi_ax: float, label, name: str) -> None:
    if not math.isfinite(e.value):
        ax.text(0.5 * (lo_ax + hi_ax), yi, "no estimate", ha="center", va="center", fontsize="x-small",
                color=NOT_CLAIMED)  # fmt: skip
        return
    lo = e.ci[0] if math.isfinite(e.ci[0]) else lo_ax
    hi = e.ci[1] if math.isfinite(e.ci[1]) else hi_ax
    if not math.isnan(e.ci[0]) and not math.isnan(e.ci[1]):
        ax.hlines(yi, max(lo, lo_ax), min(hi, hi_ax), color=color, lw=2.0)
        for end, edge, marker in ((e.ci[0], lo_ax, "<"), (e.ci[1], hi_ax, ">")):
            if math.isinf(end):  # an open interval end: an arrow at the edge
                ax.plot([edge], [yi], marker, color=color, ms=6, clip_on=False)
    x, marker = e.value, "o"
    if not lo_ax <= x <= hi_ax:  # off the axis (an unclaimed level): at the edge, pointing out
        x, marker = (lo_ax, "<") if x < lo_ax else (hi_ax, ">")
    ax.plot([x], [yi], marker, ms=6.5, color=color, mfc=color if claimed else "white", mew=1.4,
            gid=f"row:{name}", label=label, clip_on=False)  # fmt: skip
