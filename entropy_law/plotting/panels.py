"""The two panels of a forecast plot, drawn into given Axes: performance (data used,
data held out, forecast and its band, ceiling and its interval, the saturation point or
an arrow beyond the horizon) and entropy (data, held out, trajectory and its band).

With ``compact=True`` the legend labels carry no numbers, so that the panels of a grid
(:mod:`entropy_law.plotting.grid`) share one legend.
"""

from __future__ import annotations

import math

import numpy as np

from .claims import claims, finite
from .style import BAND_ALPHA, COLORS, NOT_CLAIMED

__all__ = ["draw_performance", "draw_entropy", "x_end", "title_of", "clip_early"]


def _f(v: float) -> str:
    return f"{v:.3g}" if math.isfinite(v) else ("unbounded" if math.isinf(v) else "n/a")


def x_end(result, held) -> float:
    """The right end of the step axis: the horizon, or the last held-out point if later."""
    st = result.settings
    ends = [st.horizon, st.upto_step, *(a.max() for a in (held[0], held[2]) if len(a))]
    return float(max(ends))


def title_of(result) -> str:
    """``run: verdict`` (the verdict with its reason when unforecastable)."""
    from ..forecasting.headline import _verdict

    return f"{result.run}: {_verdict(result)}"


def draw_performance(ax, result, held, *, compact: bool = False) -> None:
    """Performance against step (module docstring)."""
    st, cl = result.settings, claims(result)
    level = f"{st.level:.0%}"
    e_step, e_val, p_step, p_val = result.observed
    end = x_end(result, held)
    start = min(p_step.min(initial=st.upto_step), e_step.min(initial=st.upto_step))
    ax.axvspan(
        start,
        st.upto_step,
        color="0.5",
        alpha=0.07,
        lw=0,
        label="fitted slice" if compact else f"fitted slice (steps <= {st.upto_step})",
    )
    used = p_step <= st.upto_step
    ax.plot(
        p_step[used],
        p_val[used],
        "o",
        ms=3.2,
        color=COLORS["data"],
        label="used" if compact else f"{st.reward} (used)",
    )
    if len(held[2]):
        ax.plot(
            held[2],
            held[3],
            "o",
            ms=3.6,
            mfc="none",
            mew=1.0,
            color=COLORS["held_out"],
            gid="held_out",
            label="held out" if compact else f"held out (after step {st.upto_step}, not used)",
        )
    _draw_path(ax, result, cl, end, level, compact)
    _draw_ceiling(ax, result, cl, end, level, compact)
    ax.set_xlim(right=end + 0.02 * (end - start))
    _draw_saturation(ax, result, cl, end, compact)
    if compact:
        late = p_val[p_step >= start + 0.1 * (st.upto_step - start)]
        lows = [float(np.min(late))] if len(late) else []
        if result.path is not None and result.path[1] is not None:
            keep = result.path[0] <= end
            lows.append(float(np.nanmin(result.path[1][keep, 1], initial=np.inf)))
        lows += [float(np.min(held[3]))] if len(held[3]) else []
        clip_early(ax, [p_val], lows)


def clip_early(ax, values, lows) -> None:
    """Keep early points (a step-0 evaluation far below the rest) from squashing the
    curves: the axis starts near the lowest of *lows* (the later values) and says how
    many of *values* it leaves out."""
    lows = [v for v in lows if np.isfinite(v)]
    if not lows:
        return
    lo_lim, hi_lim = ax.get_ylim()
    floor = min(lows)
    span = hi_lim - floor
    if floor - lo_lim <= 0.5 * (hi_lim - lo_lim) or span <= 0:  # only when they take half the axis
        return
    bottom = floor - 0.05 * span
    hidden = sum(int(np.sum(np.asarray(v) < bottom)) for v in values)
    ax.set_ylim(bottom, hi_lim)
    if hidden:
        ax.text(0.01, 0.99, f"{hidden} early point(s) below the axis", transform=ax.transAxes,
                fontsize="x-small", color="0.35", va="top", gid="clipped")  # fmt: skip


def _draw_path(ax, result, cl, end, level, compact) -> None:
    st = result.settings
    h = result.at_horizon
    if result.path is not None and result.path[1] is not None:
        grid, band = result.path
        keep = grid <= end
        c = COLORS["forecast"] if cl.path is None else NOT_CLAIMED
        name = f"forecast ({result.method})" if cl.path is None else "law path (not claimed)"
        ax.plot(grid[keep], band[keep, 0], color=c, lw=1.6, label="forecast" if compact else name)
        ax.fill_between(
            grid[keep],
            band[keep, 1],
            band[keep, 2],
            color=c,
            alpha=BAND_ALPHA,
            lw=0,
            label=f"{level} band" if compact else f"{level} band of the {name.split(' (')[0]}",
        )
    if finite(h.value):
        # the number the headline reports: the value at the horizon with its interval
        lo, hi = h.ci
        yerr = None
        if finite(lo, hi):
            yerr = np.array([[max(h.value - lo, 0.0)], [max(hi - h.value, 0.0)]])
        # the level fallback (no model, or a greyed law path next to a too-early forecast made
        # from the current level): the line from the current level to the horizon marker, flat
        # or with the level's damped recent trend (forecasting.level)
        flat = math.isclose(h.value, result.last_value, rel_tol=1e-9, abs_tol=1e-12)
        from_level = result.path is None or result.status == "too_early" or flat
        if cl.path is not None and from_level:
            words = "the current level (no model)" if flat else "from the current level (no law)"
            ax.plot([st.upto_step, st.horizon], [result.last_value, h.value], color=COLORS["forecast"],
                    lw=1.2, ls="-.", label="forecast" if compact else f"forecast: {words}")  # fmt: skip
        ax.errorbar(
            [st.horizon],
            [h.value],
            yerr=yerr,
            fmt="s",
            ms=5,
            capsize=4,
            color=COLORS["forecast"],
            zorder=5,
            label="at the horizon"
            if compact
            else f"at step {st.horizon}: {_f(h.value)} [{_f(lo)}, {_f(hi)}]",
        )


def _draw_ceiling(ax, result, cl, end, level, compact) -> None:
    c = result.ceiling
    if cl.ceiling is not None and result.method == "last_value":
        return  # the "ceiling" is the level: the note says why none is drawn
    if not finite(c.value):
        return
    color = COLORS["ceiling"] if cl.ceiling is None else NOT_CLAIMED
    what = "ceiling (sigmoid A)" if result.method == "sigmoid" else "ceiling"
    if cl.ceiling is not None:
        what += " (not claimed)"
    lo, hi = c.ci
    ax.axhline(
        c.value,
        color=color,
        ls="--",
        lw=1.1,
        label="ceiling" if compact else f"{what} {_f(c.value)} [{_f(lo)}, {_f(hi)}]",
    )
    if finite(lo, hi):
        ax.fill_between(
            [result.settings.upto_step, end],
            lo,
            hi,
            color=color,
            alpha=0.10,
            lw=0,
            label="ceiling interval" if compact else f"{level} interval of the ceiling",
        )


def _draw_saturation(ax, result, cl, end, compact) -> None:
    """The saturation point where it lies on the axis; an arrow at the right edge when
    it lies beyond; a legend entry saying so in every case."""
    st = result.settings
    s, c = result.saturation_step, result.ceiling
    frac = f"{st.saturation_fraction:.0%}"
    if not finite(c.value) or math.isnan(s.value):
        return
    color = COLORS["saturation"] if cl.ceiling is None else NOT_CLAIMED
    y = result.start_level + st.saturation_fraction * (c.value - result.start_level)
    if not finite(y):
        y = c.value
    if finite(s.value) and s.value <= end:
        when = "already reached at about" if s.value <= st.upto_step else "at"
        lo, hi = s.ci
        xerr = None
        if not math.isnan(lo) and not math.isnan(hi):
            xerr = np.array([[max(s.value - lo, 0.0)], [max(min(hi, end) - s.value, 0.0)]])
        ax.errorbar(
            [s.value],
            [y],
            xerr=xerr,
            fmt="*",
            ms=11,
            capsize=3,
            color=color,
            zorder=6,
            gid="saturation",
            label="saturation point"
            if compact
            else f"{frac} of the plateau {when} step {s.value:.0f} [{_f(lo)}, {_f(hi)}]",
        )
        ax.axvline(s.value, color=color, ls=":", lw=1.0)
        return
    where = "beyond the searched steps" if math.isinf(s.value) else f"at step {s.value:.0f}"
    x = end + 0.05 * (end - ax.get_xlim()[0])  # right of the horizon marker
    ax.plot(
        [x],
        [y],
        ">",
        ms=9,
        color=color,
        zorder=6,
        gid="saturation",
        label="saturation beyond the horizon"
        if compact
        else f"{frac} of the plateau {where} (beyond the horizon)",
    )
    short = "beyond the searched steps" if math.isinf(s.value) else f"step {s.value:.0f}"
    ax.annotate(
        f"{frac}: {short}\nbeyond the horizon",
        xy=(x, y),
        xytext=(-14, -22),
        textcoords="offset points",
        ha="right",
        va="top",
        fontsize="x-small",
        color=color,
        gid="beyond_horizon",
        arrowprops=dict(arrowstyle="->", color=color, lw=1.0),
    )
    ax.set_xlim(right=x + 0.02 * (end - ax.get_xlim()[0]))


def draw_entropy(ax, result, held, *, compact: bool = False) -> None:
    """Entropy against step: the data used and held out, the fitted trajectory and band."""
    st, cl = result.settings, claims(result)
    e_step, e_val, _, _ = result.observed
    end = x_end(result, held)
    start = min(e_step.min(initial=st.upto_step), st.upto_step)
    ax.axvspan(start, st.upto_step, color="0.5", alpha=0.07, lw=0)
    ax.plot(e_step, e_val, color=COLORS["data"], lw=1, label="used" if compact else f"{st.entropy} (used)")
    if len(held[0]):
        ax.plot(
            held[0],
            held[1],
            color=COLORS["held_out"],
            lw=1,
            alpha=0.9,
            gid="held_out",
            label="held out" if compact else "held out (not used)",
        )
    tr = result.trajectory
    if tr is None or tr.status == "insufficient_data":
        return
    color = COLORS["forecast"] if cl.trajectory is None else NOT_CLAIMED
    name = "entropy trajectory" + ("" if cl.trajectory is None else " (not claimed)")
    t = np.linspace(tr.t0, end, 300)
    ax.plot(t, tr.predict(t), color=color, lw=1.5, ls="-" if cl.trajectory is None else "--", label=name)
    paths = tr.sample_paths(t)
    lo, hi = np.nanquantile(paths, [(1 - st.level) / 2, (1 + st.level) / 2], axis=0)
    ax.fill_between(
        t, lo, hi, color=color, alpha=BAND_ALPHA, lw=0, label=f"{st.level:.0%} band of the trajectory"
    )
