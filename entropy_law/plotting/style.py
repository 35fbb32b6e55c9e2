"""The shared look of entropy-law's figures (colours, labels, axes set-up)."""

from __future__ import annotations

__all__ = [
    "COLORS",
    "STEP_CMAP",
    "BAND_ALPHA",
    "ENTROPY_LABEL",
    "STEP_LABEL",
    "new_axes",
    "two_panels",
    "finish_axes",
]

#: Fitted curve, ceiling marker and forecast colours (colour-blind safe, Okabe–Ito).
COLORS = {"fit": "#D55E00", "ceiling": "#0072B2", "band": "#D55E00", "data": "#555555", "forecast": "#009E73"}
#: Colour map for "coloured by training step".
STEP_CMAP = "viridis"
BAND_ALPHA = 0.22
ENTROPY_LABEL = "policy entropy H (nats)"
STEP_LABEL = "training step"


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


def finish_axes(ax, *, xlabel: str, ylabel: str, title: str | None = None, legend=True):
    """Labels, light grid, legend: the common finish of every entropy-law plot."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize="medium")
    ax.grid(True, alpha=0.3, linewidth=0.6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if legend and ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="small", frameon=False, loc="best")
    return ax
