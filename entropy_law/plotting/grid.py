"""Small multiples: one performance panel per run (data used and held out, forecast and
band, ceiling, saturation point or an arrow beyond the horizon), the verdict in each
panel's title and one legend for the whole figure."""

from __future__ import annotations

import math
import textwrap

from .claims import claims, held_out_of
from .forecast import put_note
from .panels import draw_performance
from .runs import as_results
from .style import STEP_LABEL, finish_axes, short_names, wrap_label

__all__ = ["plot_grid"]


def _verdict(res) -> str:
    from ..forecasting.headline import _verdict as v

    return textwrap.shorten(v(res), 48, placeholder="...")


def plot_grid(
    results, *, ncols: int | None = None, full=None, reference: str | None = None, panel_size=(3.6, 2.6)
):
    """One small forecast panel per run.

    Parameters
    ----------
    results : Comparison, dict of ForecastResult, or list of them
    ncols : int, optional
        Panels per row (default: about the square root of the number of runs, at most 4).
    full : DataFrame or dict, optional
        The whole runs (a tidy long table of several runs, or ``{run: table}``), to draw
        the held-out data from for results made from slices only.
    reference : str, optional
        A run (the baseline of a comparison) whose data are drawn in grey in every
        other panel, to compare against.
    panel_size : (width, height)
        Inches per panel.

    Returns
    -------
    matplotlib.figure.Figure
        One Axes per run, in the order given.
    """
    import matplotlib.pyplot as plt

    res, _ = as_results(results, "plot_grid")
    n = len(res)
    ncols = ncols or min(4, max(1, math.ceil(math.sqrt(n))))
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(panel_size[0] * ncols, panel_size[1] * nrows + 0.9),
        layout="constrained",
        squeeze=False,
    )
    flat = list(axes.ravel())
    names = short_names(list(res))
    for ax, (name, r), short in zip(flat, res.items(), names, strict=False):
        sub = _full_of(full, name)
        held = held_out_of(r, sub)
        if reference is not None and reference != name and reference in res:
            _, _, ps, pv = res[reference].observed
            ax.plot(ps, pv, ".", ms=2.5, color="0.75", zorder=1, label="baseline (data used)")
        draw_performance(ax, r, held, compact=True)
        title = f"{wrap_label(short, 44)}\n{_verdict(r)}"
        finish_axes(ax, xlabel="", ylabel=wrap_label(r.settings.reward or "performance", 22), legend=False)
        ax.set_title(title, fontsize="small")
        ax.yaxis.label.set_fontsize("small")
        ax.tick_params(labelsize="x-small")
        note = claims(r).note
        if note:
            put_note(ax, note.split(".")[0] + ": " + r.status.replace("_", " "), width=30)
    for ax in flat[n:]:
        fig.delaxes(ax)
    for ax in flat[(nrows - 1) * ncols : n]:
        ax.set_xlabel(STEP_LABEL, fontsize="small")
    handles: dict = {}
    for ax in flat[:n]:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(lab, h)
    if handles:
        fig.legend(
            handles.values(),
            handles.keys(),
            loc="outside lower center",
            ncols=min(len(handles), 5),
            fontsize="small",
            frameon=False,
        )
    return fig


def _full_of(full, name: str):
    if full is None:
        return None
    if isinstance(full, dict):
        return full.get(name)
    sub = full[full["run"] == name]
    return sub if len(sub) else None
