"""The forecast plot: performance and entropy against step, the slice, the forecast band,
the ceiling and the saturation step."""

from __future__ import annotations

import numpy as np

from .style import (
    BAND_ALPHA,
    COLORS,
    ENTROPY_LABEL,
    STEP_LABEL,
    finish_axes,
    two_panels,
)

__all__ = ["plot_forecast"]


def plot_forecast(result, ax=None):
    """Draw *result* (a :class:`~entropy_law.forecasting.result.ForecastResult`).

    Parameters
    ----------
    ax : sequence of two Axes, optional
        ``(performance_ax, entropy_ax)``; a new two-panel figure when omitted.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax_r, ax_h = two_panels(ax, figsize=(7.0, 6.0))
    st = result.settings
    e_step, e_val, p_step, p_val = result.observed
    used = p_step <= st.upto_step
    ax_r.plot(p_step[used], p_val[used], "o", ms=3.5, color=COLORS["data"], label=f"{st.reward} (used)")
    if (~used).any():
        ax_r.plot(
            p_step[~used],
            p_val[~used],
            "o",
            ms=3.5,
            mfc="none",
            color=COLORS["data"],
            label="after the slice",
        )
    if result.path is not None and result.path[1] is not None:
        grid, band = result.path
        keep = grid <= st.horizon
        ax_r.plot(grid[keep], band[keep, 0], color=COLORS["forecast"], label=f"forecast ({result.method})")
        ax_r.fill_between(
            grid[keep],
            band[keep, 1],
            band[keep, 2],
            color=COLORS["forecast"],
            alpha=BAND_ALPHA,
            lw=0,
            label=f"{st.level:.0%} band",
        )
    c = result.ceiling
    if np.isfinite(c.value):
        ax_r.axhline(c.value, color=COLORS["ceiling"], ls="--", lw=1, label=f"ceiling {c.value:.3g}")
        if np.all(np.isfinite(c.ci)):
            ax_r.axhspan(c.ci[0], c.ci[1], color=COLORS["ceiling"], alpha=0.08, lw=0)
    s = result.saturation_step
    if np.isfinite(s.value) and s.value <= st.horizon:
        ax_r.axvline(s.value, color=COLORS["fit"], ls=":", lw=1.2, label=f"saturation step {s.value:.0f}")
    for a in (ax_r, ax_h):
        a.axvspan(
            min(p_step.min(initial=0), e_step.min(initial=0)), st.upto_step, color="0.5", alpha=0.07, lw=0
        )
    finish_axes(ax_r, xlabel="", ylabel=f"performance ({st.reward})", title=f"{result.run}: {result.status}")
    ax_h.plot(e_step, e_val, color=COLORS["data"], lw=1, label=str(st.entropy))
    tr = result.trajectory
    if tr is not None and tr.status != "insufficient_data":
        t = np.linspace(tr.t0, st.horizon, 300)
        ax_h.plot(t, tr.predict(t), color=COLORS["forecast"], label="entropy trajectory")
        paths = tr.sample_paths(t)
        lo, hi = np.nanquantile(paths, [(1 - st.level) / 2, (1 + st.level) / 2], axis=0)
        ax_h.fill_between(t, lo, hi, color=COLORS["forecast"], alpha=BAND_ALPHA, lw=0)
    finish_axes(ax_h, xlabel=STEP_LABEL, ylabel=ENTROPY_LABEL)
    return fig
