"""The forecast plot: performance and entropy against step, the fitted slice, the data
held out after the cut, the forecast band, the ceiling, the saturation point (or an arrow
beyond the horizon), and the parts no model is claimed for greyed with the reason."""

from __future__ import annotations

import textwrap

from .claims import claims, held_out_of
from .panels import draw_entropy, draw_performance, title_of
from .style import ENTROPY_LABEL, NOT_CLAIMED, STEP_LABEL, finish_axes, two_panels, wrap_label

__all__ = ["plot_forecast", "put_note"]


def put_note(ax, note: str, width: int = 60):
    """Print *note* (why parts are greyed) in the lower right of *ax*, boxed."""
    if not note:
        return None
    return ax.text(
        0.99,
        0.03,
        textwrap.fill(note, width),
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize="x-small",
        color="0.25",
        gid="not_claimed",
        zorder=10,
        bbox=dict(boxstyle="round,pad=0.3", fc="white", ec=NOT_CLAIMED, alpha=0.92),
    )


def plot_forecast(result, ax=None, *, full=None):
    """Draw *result* (a :class:`~entropy_law.forecasting.result.ForecastResult`).

    The data after the cut is drawn hollow and labelled "held out" when the result
    carries it (``result.held_out``, kept by :func:`entropy_law.forecast` when the table
    holds steps after ``upto_step``) or when *full* is given. The saturation point is
    marked with its interval where it lies on the step axis, or by an arrow "beyond the
    horizon"; every band and shaded region has a legend entry; parts no model is claimed
    for (an entropy held up, a fallback on the current level, a too-early law) are drawn
    grey with the reason printed on the plot.

    Parameters
    ----------
    result : ForecastResult
    ax : sequence of two Axes, optional
        ``(performance_ax, entropy_ax)``; a new two-panel figure when omitted.
    full : DataFrame or RunSeries, optional
        The whole run (a tidy table of one run), to draw the held-out data from when the
        result was made from a slice only.

    Returns
    -------
    matplotlib.figure.Figure
    """
    own = ax is None
    fig, ax_r, ax_h = two_panels(ax, figsize=(10.0, 6.4))
    st = result.settings
    held = held_out_of(result, full)
    draw_performance(ax_r, result, held)
    draw_entropy(ax_h, result, held)
    title = textwrap.fill(title_of(result), 95)
    if own:
        fig.suptitle(title, fontsize="medium")
    else:
        ax_r.set_title(title, fontsize="medium")
    finish_axes(ax_r, xlabel="", ylabel=wrap_label(st.reward or "performance"), legend="outside")
    finish_axes(ax_h, xlabel=STEP_LABEL, ylabel=wrap_label(ENTROPY_LABEL, 18), legend="outside")
    put_note(ax_r, claims(result).note)
    if own:
        fig.align_ylabels([ax_r, ax_h])
    return fig
