"""The comparison plot: several runs' performance and entropy against step, overlaid,
each with its forecast path and ceiling; beyond ``OVERLAY_MAX`` runs, small multiples
(one panel per run, the baseline's data in grey behind each)."""

from __future__ import annotations

import numpy as np

from .claims import held_out_of
from .panels import clip_early
from .style import (
    BAND_ALPHA,
    ENTROPY_LABEL,
    STEP_LABEL,
    finish_axes,
    run_colors,
    short_names,
    two_panels,
    wrap_label,
)

__all__ = ["plot_comparison", "OVERLAY_MAX"]

#: More runs than this are drawn as small multiples by ``layout="auto"``.
OVERLAY_MAX = 4


def plot_comparison(comparison, ax=None, *, layout: str = "auto"):
    """Draw a :class:`~entropy_law.fleet.comparison.Comparison`.

    Parameters
    ----------
    ax : sequence of two Axes, optional
        ``(performance_ax, entropy_ax)`` for the overlay; a new figure when omitted.
    layout : {"auto", "overlay", "grid"}
        ``"overlay"``: every run in one two-panel figure, the legend outside; ``"grid"``:
        one panel per run (:func:`entropy_law.plotting.grid.plot_grid`) with the baseline
        in grey behind; ``"auto"``: the overlay up to ``OVERLAY_MAX`` runs (or when *ax*
        is given), else the grid.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from ..errors import EntropyLawError

    if layout not in ("auto", "overlay", "grid"):
        raise EntropyLawError(f"plot_comparison: layout={layout!r}; choose 'auto', 'overlay' or 'grid'.")
    if layout == "grid" or (layout == "auto" and ax is None and len(comparison.runs) > OVERLAY_MAX):
        from .grid import plot_grid

        fig = plot_grid(comparison, reference=comparison.baseline)
        fig.suptitle(f"{len(comparison.runs)} runs vs the baseline {comparison.baseline}", fontsize="medium")
        return fig
    return _overlay(comparison, ax)


def _overlay(comparison, ax):
    fig, ax_r, ax_h = two_panels(ax, figsize=(10.0, 6.4))
    names = list(comparison.runs)
    colors = run_colors(len(names))
    lows = []
    rewards = set()
    any_held = False
    for name, short, color in zip(names, short_names(names), colors, strict=True):
        f = comparison.forecasts[name]
        tag = " (baseline)" if name == comparison.baseline and short.lower() != "baseline" else ""
        e_step, e_val, p_step, p_val = f.observed
        st = f.settings
        rewards.add(st.reward)
        c = f.ceiling
        ceil = f", ceiling {c.value:.3g}" if np.isfinite(c.value) and f.method != "last_value" else ""
        label = wrap_label(f"{short}{tag}{ceil}", 48)
        ax_r.plot(p_step, p_val, "o", ms=2.8, color=color, alpha=0.75, label=label)
        held = held_out_of(f)
        if len(held[2]):
            ax_r.plot(held[2], held[3], "o", ms=3.0, mfc="none", color=color, alpha=0.75, gid="held_out",
                      label=None if any_held else "hollow: held out (after the cut)")  # fmt: skip
            any_held = True
        if len(p_val):
            late = p_val[p_step >= p_step.min() + 0.1 * (p_step.max() - p_step.min())]
            lows.append(float(np.min(late if len(late) else p_val)))
        if f.path is not None and f.path[1] is not None:
            grid, band = f.path
            keep = grid <= st.horizon
            ax_r.plot(grid[keep], band[keep, 0], color=color, lw=1.4)
            ax_r.fill_between(
                grid[keep], band[keep, 1], band[keep, 2], color=color, alpha=BAND_ALPHA * 0.6, lw=0
            )
            lows.append(float(np.nanmin(band[keep, 1], initial=np.inf)))
        if ceil:
            ax_r.axhline(c.value, color=color, ls="--", lw=0.9, alpha=0.8)
        ax_h.plot(e_step, e_val, color=color, lw=0.9, alpha=0.8)
        tr = f.trajectory
        if tr is not None and tr.status != "insufficient_data":
            t = np.linspace(tr.t0, st.horizon, 300)
            ax_h.plot(t, tr.predict(t), color=color, lw=1.4, ls="--")
    clip_early(ax_r, [f.observed[3] for f in comparison.forecasts.values()], lows)
    ylabel = wrap_label(rewards.pop()) if len(rewards) == 1 else "performance"
    title = f"runs vs {comparison.baseline} (lines and bands: forecasts; dashed: ceilings)"
    finish_axes(ax_r, xlabel="", ylabel=ylabel, title=None if ax is None else title, legend="outside")
    if ax is None:
        fig.suptitle(wrap_label(title, 100), fontsize="medium")
    finish_axes(ax_h, xlabel=STEP_LABEL, ylabel=wrap_label(ENTROPY_LABEL, 18), legend=False)
    if ax is None:
        fig.align_ylabels([ax_r, ax_h])
    return fig
