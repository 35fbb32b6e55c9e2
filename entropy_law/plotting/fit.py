"""The fit plot: performance against entropy coloured by step, the fitted law, its
bootstrap band and the ceiling at H = 0 with its interval."""

from __future__ import annotations

import numpy as np

from ..errors import FitError
from .style import (
    BAND_ALPHA,
    COLORS,
    ENTROPY_LABEL,
    STEP_CMAP,
    STEP_LABEL,
    finish_axes,
    new_axes,
    wrap_label,
)

__all__ = ["plot_fit"]


def plot_fit(
    result,
    ax=None,
    *,
    band: bool = True,
    ceiling: bool = True,
    colorbar: bool = True,
    legend: bool = True,
    relative_steps: bool = False,
    n_grid: int = 200,
):
    """Draw a :class:`~entropy_law.fitting.results.FitResult`.

    Parameters
    ----------
    result : FitResult
    ax : matplotlib Axes, optional
        Drawn into when given; otherwise a new figure is made.
    band : bool
        Shade the law's pointwise bootstrap interval (at the result's level).
    ceiling : bool
        Mark the ceiling (R at H = 0 for the entropy laws, the asymptote for the
        sigmoid) with its interval.
    colorbar : bool
        Add a colour bar for the training step.
    legend : bool
        Add the legend (off for all but one panel of a grid of fits).
    relative_steps : bool
        Colour the points by their position in the run (0 = first step, 1 = last) rather
        than by step, so that the panels of runs of different lengths share one colour bar.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn into (``fig.axes[0]`` is the fit's Axes when *ax* was omitted).
    """
    from ..fitting.laws import get_law

    if not hasattr(result, "predict"):
        raise FitError(f"plot_fit needs a FitResult; got {type(result).__name__}.", status="bad_argument")
    law = get_law(result.law)
    ax = new_axes(ax)
    on_h = law.variable == "H"
    ylabel = wrap_label(result.settings.reward or "performance R")
    xlabel = ENTROPY_LABEL if on_h else STEP_LABEL + " (C)"
    if result.x.size:
        steps = np.asarray(result.steps, float)
        if relative_steps:
            span = float(np.ptp(steps)) if steps.size else 0.0
            steps = (steps - steps.min()) / span if span > 0 else np.zeros_like(steps)
        sc = ax.scatter(
            result.x,
            result.y,
            c=steps,
            cmap=STEP_CMAP,
            vmin=0.0 if relative_steps else None,
            vmax=1.0 if relative_steps else None,
            s=18,
            edgecolors="none",
            zorder=3,
            label="logged points",
        )
        if colorbar and result.steps.size > 1:
            label = "position in the run (first to last step)" if relative_steps else STEP_LABEL
            ax.figure.colorbar(sc, ax=ax, label=label, pad=0.01)
    pct = f"{100 * result.level:g}%"
    if result.x.size and np.isfinite(result.params[law.param_names[0]].value):
        lo = 0.0 if (on_h and ceiling) else float(result.x.min())
        hi = float(result.x.max()) * 1.03 if on_h else float(result.x.max()) * 1.5
        grid = np.linspace(lo, hi, n_grid)
        if not on_h:
            grid = grid[grid > 0]
        pred = result.predict(grid)
        ax.plot(grid, pred["value"], color=COLORS["fit"], lw=1.8, zorder=4, label=f"fit: {law.equation}")
        if band and result.draws:
            ax.fill_between(
                grid,
                pred["low"],
                pred["high"],
                color=COLORS["band"],
                alpha=BAND_ALPHA,
                lw=0,
                label=f"{pct} bootstrap band",
            )
        c = result.ceiling
        if ceiling and np.isfinite(c.value):
            name = law.ceiling_text.split(" (")[0]
            label = f"ceiling {name} = {c.value:.3g} [{c.ci[0]:.3g}, {c.ci[1]:.3g}]"
            if c.clipped:
                label += " (clipped)"
            if on_h:
                err = np.array([[max(c.value - c.ci[0], 0.0)], [max(c.ci[1] - c.value, 0.0)]])
                ax.errorbar(
                    [0.0],
                    [c.value],
                    yerr=err,
                    fmt="D",
                    color=COLORS["ceiling"],
                    capsize=4,
                    zorder=5,
                    label=label,
                )
            else:
                ax.axhline(c.value, color=COLORS["ceiling"], ls="--", lw=1.2, label=label)
                ax.axhspan(c.ci[0], c.ci[1], color=COLORS["ceiling"], alpha=0.12, lw=0)
        if result.settings.bounded is not None and c.clipped:
            ax.axhline(result.settings.bounded[1], color="0.5", lw=0.8, ls=":")
    r2 = f", R² = {result.r2:.3f}" if np.isfinite(result.r2) else ""
    title = f"{wrap_label(result.run or 'run', 48)}\n{law.name} law{r2}"
    if result.status != "ok":
        title += f" [{result.status}]"
    finish_axes(ax, xlabel=xlabel, ylabel=ylabel, title=title, legend=legend)
    return ax.figure
