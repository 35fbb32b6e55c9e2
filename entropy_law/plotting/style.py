"""The shared look of entropy-law's figures (colours, labels, axes set-up, legends)."""

from __future__ import annotations

import os
import textwrap

__all__ = [
    "COLORS",
    "STEP_CMAP",
    "BAND_ALPHA",
    "ENTROPY_LABEL",
    "STEP_LABEL",
    "NOT_CLAIMED",
    "new_axes",
    "two_panels",
    "finish_axes",
    "legend_outside",
    "wrap_label",
    "short_names",
    "run_colors",
]

#: Fitted curve, ceiling marker and forecast colours (colour-blind safe, Okabe–Ito);
#: ``held_out`` is the data after the cut, ``saturation`` the saturation marker.
COLORS = {
    "fit": "#D55E00",
    "ceiling": "#0072B2",
    "band": "#D55E00",
    "data": "#555555",
    "forecast": "#009E73",
    "held_out": "#CC79A7",
    "saturation": "#D55E00",
}
#: Colour of the parts of a plot where no model is claimed (drawn, but greyed).
NOT_CLAIMED = "0.62"
#: Colour map for "coloured by training step".
STEP_CMAP = "viridis"
BAND_ALPHA = 0.22
ENTROPY_LABEL = "policy entropy H (nats)"
STEP_LABEL = "training step"
#: Okabe-Ito, then tab20's distinct hues: up to 18 runs get their own colour.
_RUN_COLORS = (
    "#000000", "#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442",
    "#8c564b", "#7f7f7f", "#bcbd22", "#17becf", "#9467bd", "#e377c2", "#aec7e8", "#ff9896",
    "#98df8a", "#c5b0d5",
)  # fmt: skip


def run_colors(n: int) -> list[str]:
    """*n* distinguishable colours, the first black (the baseline); they repeat past 18."""
    return [_RUN_COLORS[i % len(_RUN_COLORS)] for i in range(n)]


def new_axes(ax=None, figsize=(6.0, 4.2)):
    """Return *ax*, or a fresh Axes on a new figure when *ax* is None."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def two_panels(ax=None, figsize=(7.0, 6.0)):
    """``(figure, performance_ax, entropy_ax)``: *ax* (a pair) or a new figure with a
    taller performance panel above an entropy panel sharing the step axis."""
    if ax is not None:
        ax_r, ax_h = ax
        return ax_r.figure, ax_r, ax_h
    import matplotlib.pyplot as plt

    fig, (ax_r, ax_h) = plt.subplots(
        2, 1, figsize=figsize, sharex=True, height_ratios=(3, 2), layout="constrained"
    )
    return fig, ax_r, ax_h


def legend_outside(ax, **kwargs):
    """A legend to the right of *ax*, outside the data (constrained layout makes room)."""
    if not ax.get_legend_handles_labels()[0]:
        return None
    opts = dict(fontsize="small", frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    opts.update(kwargs)
    return ax.legend(**opts)


def finish_axes(ax, *, xlabel: str, ylabel: str, title: str | None = None, legend=True):
    """Labels, light grid, legend: the common finish of every entropy-law plot.

    *legend*: True (inside, best place), ``"outside"`` (to the right) or False.
    """
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize="medium")
    ax.grid(True, alpha=0.3, linewidth=0.6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if legend == "outside":
        legend_outside(ax)
    elif legend and ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="small", frameon=False, loc="best")
    return ax


def wrap_label(text: str, width: int = 28) -> str:
    """*text* broken into lines of at most about *width* characters, at ``/``, ``_``,
    ``-`` or spaces, so a long metric key fits beside a short panel."""
    text = str(text)
    if len(text) <= width:
        return text
    spaced = text.replace("/", "/\0").replace("_", "_\0").replace(" ", " \0")
    pieces = [p for p in spaced.split("\0") if p]
    lines, cur = [], ""
    for p in pieces:
        if cur and len(cur) + len(p) > width:
            lines.append(cur.rstrip())
            cur = ""
        cur += p
    lines.append(cur.rstrip())
    return "\n".join(ln for chunk in lines for ln in textwrap.wrap(chunk, width) or [""])


def short_names(names) -> list[str]:
    """Run names without the prefix and suffix they all share (``verl-…_gsm8k_`` …), cut
    at a separator, so panel titles and legend entries say what differs."""
    names = [str(n) for n in names]
    if len(names) < 2:
        return names
    seps = "-_/.: "
    pre = os.path.commonprefix(names)
    pre = pre[: max((pre.rfind(c) + 1 for c in seps), default=0)]
    rev = [n[len(pre) :][::-1] for n in names]
    suf = os.path.commonprefix(rev)
    suf = suf[: max((suf.rfind(c) + 1 for c in seps), default=0)]
    out = [n[len(pre) : len(n) - len(suf)] for n in names]
    if len(set(out)) < len(set(names)) or any(not o for o in out):
        return names
    return out
