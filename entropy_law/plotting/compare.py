"""The comparison plot: several runs' performance and entropy against step, overlaid, each
with its forecast path and ceiling."""

from __future__ import annotations

import numpy as np

from .style import BAND_ALPHA, ENTROPY_LABEL, STEP_LABEL, finish_axes, two_panels

__all__ = ["plot_comparison"]

#: Okabe-Ito colours, one per run (the baseline first, in black).
RUN_COLORS = ("#000000", "#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442")


def plot_comparison(comparison, ax=None):
    """Draw a :class:`~entropy_law.fleet.compare.Comparison`.

    Parameters
    ----------
    ax : sequence of two Axes, optional
        ``(performance_ax, entropy_ax)``; a new two-panel figure when omitted.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax_r, ax_h = two_panels(ax, figsize=(7.5, 6.2))
    for i, name in enumerate(comparison.runs):
        f = comparison.forecasts[name]
        color = RUN_COLORS[i % len(RUN_COLORS)]
        tag = " (baseline)" if name == comparison.baseline else ""
        e_step, e_val, p_step, p_val = f.observed
        st = f.settings
        ax_r.plot(
            p_step,
            p_val,
            "o",
            ms=2.8,
            color=color,
            alpha=0.7,
            label=f"{name}{tag}: ceiling {f.ceiling.value:.3g}",
        )
        if f.path is not None and f.path[1] is not None:
            grid, band = f.path
            keep = grid <= st.horizon
            ax_r.plot(grid[keep], band[keep, 0], color=color, lw=1.4)
            ax_r.fill_between(
                grid[keep], band[keep, 1], band[keep, 2], color=color, alpha=BAND_ALPHA * 0.6, lw=0
            )
        c = f.ceiling
        if np.isfinite(c.value):
            ax_r.axhline(c.value, color=color, ls="--", lw=0.9, alpha=0.8)
        ax_h.plot(e_step, e_val, color=color, lw=0.9, alpha=0.8, label=name)
        tr = f.trajectory
        if tr is not None and tr.status != "insufficient_data":
            t = np.linspace(tr.t0, st.horizon, 300)
            ax_h.plot(t, tr.predict(t), color=color, lw=1.4, ls="--")
    finish_axes(
        ax_r,
        xlabel="",
        ylabel="performance",
        title=f"runs vs {comparison.baseline} (dashed: forecast ceilings)",
    )
    finish_axes(ax_h, xlabel=STEP_LABEL, ylabel=ENTROPY_LABEL)
    return fig
