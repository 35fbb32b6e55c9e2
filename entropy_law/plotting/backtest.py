"""The backtest plot: per run, what the forecast from each cut said about the run's end,
against what the run then did (forecast vs realised per cut), with the last-value and
sigmoid-only baselines."""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd

from ..errors import EntropyLawError
from .style import COLORS, NOT_CLAIMED, STEP_LABEL, short_names, wrap_label

__all__ = ["plot_backtest"]


def plot_backtest(frame: pd.DataFrame, runs=None, *, ncols: int | None = None):
    """Draw a backtest (:func:`entropy_law.backtest` / ``backtest_many``), one panel per run.

    At each cut step: the forecast of the run's final level with its interval (filled
    when the interval covered the realised value, hollow when it missed), the last-value
    baseline (x) and the sigmoid baseline (+); a horizontal line at the realised final
    level (mean of the last 10% of the run); the whole curve in grey when *runs* gives it.

    Parameters
    ----------
    frame : DataFrame
        Rows of :func:`entropy_law.backtest` (the forecaster's protocol, ``given=False``);
        ``error`` rows become a panel stating the error.
    runs : DataFrame or dict, optional
        The runs themselves (a tidy long table, or ``{run: table}``), to draw their curves.
    ncols : int, optional
        Panels per row (default up to 3).

    Returns
    -------
    matplotlib.figure.Figure
        One Axes per run.
    """
    if not isinstance(frame, pd.DataFrame) or "run" not in frame.columns or frame.empty:
        raise EntropyLawError(
            "plot_backtest needs the DataFrame returned by entropy_law.backtest (one row per cut)."
        )
    if "forecast" not in frame.columns and "status" in frame.columns and (frame["status"] != "error").any():
        raise EntropyLawError(
            "plot_backtest draws the forecaster's backtest; this frame is the given-entropy protocol "
            "(given=True), which has no forecast interval per cut. Run backtest(..., given=False)."
        )
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(frame["run"].astype(str)))
    n = len(names)
    ncols = ncols or min(3, n)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(max(4.4 * ncols, 7.5), 3.4 * nrows + 1.0), layout="constrained", squeeze=False
    )
    flat = list(axes.ravel())
    for ax, name, short in zip(flat, names, short_names(names), strict=False):
        rows = frame[frame["run"].astype(str) == name]
        _panel(ax, rows, short, _curve(runs, name, rows))
    for ax in flat[n:]:
        fig.delaxes(ax)
    handles: dict = {}
    for ax in flat[:n]:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(lab, h)
    if handles:
        cols = min(len(handles), 3 if ncols == 1 else 4)
        fig.legend(handles.values(), handles.keys(), loc="outside lower center", ncols=cols,
                   fontsize="small", frameon=False)  # fmt: skip
    return fig


def _curve(runs, name: str, rows):
    """``(step, value)`` of the run's performance metric, or None."""
    if runs is None:
        return None
    table = runs.get(name) if isinstance(runs, dict) else runs[runs["run"].astype(str) == name]
    if table is None or not len(table) or "reward_metric" not in rows.columns:
        return None
    metric = rows["reward_metric"].iloc[0]
    sub = table[table["metric"] == metric].sort_values("step")
    return (sub["step"].to_numpy(), sub["value"].to_numpy()) if len(sub) else None


def _panel(ax, rows: pd.DataFrame, short: str, curve) -> None:
    title = wrap_label(short, 48)
    ok = rows[rows.get("status", pd.Series("ok", index=rows.index)) != "error"] if "status" in rows else rows
    if ok.empty or "forecast" not in ok.columns:
        msg = str(rows["message"].iloc[0]) if "message" in rows.columns else "no backtest rows"
        ax.text(0.5, 0.5, textwrap.fill("error: " + msg, 40), ha="center", va="center", fontsize="x-small",
                color=COLORS["fit"], transform=ax.transAxes, gid="error")  # fmt: skip
        ax.set_title(title, fontsize="small")
        ax.set_axis_off()
        return
    if curve is not None:
        ax.plot(*curve, "-", color="0.7", lw=1.0, label="the run", zorder=1)
    x = ok["upto_step"].to_numpy(float)
    f, lo, hi = (ok[c].to_numpy(float) for c in ("forecast", "low", "high"))
    realised = float(ok["realised"].iloc[0])
    ax.axhline(realised, color="black", lw=1.2, ls="--", label="realised final level")
    horizon = float(ok["horizon_step"].iloc[0])
    ax.axvline(horizon, color="0.5", lw=0.8, ls=":")
    covered = ok["covered"].to_numpy() if "covered" in ok else np.full(len(ok), np.nan)
    hits = np.array([isinstance(c, (bool, np.bool_)) and bool(c) for c in covered], bool)
    for keep, lab, color, mfc in (
        (hits, "forecast (interval covers)", COLORS["forecast"], None),
        (~hits, "forecast (interval misses)", COLORS["fit"], "white"),
    ):
        if not keep.any():
            continue
        yerr = np.vstack([np.clip(f[keep] - lo[keep], 0, None), np.clip(hi[keep] - f[keep], 0, None)])
        ax.errorbar(
            x[keep], f[keep], yerr=np.nan_to_num(yerr), fmt="o", ms=6, capsize=4, color=color, mfc=mfc,
            zorder=4, label=lab, gid="forecast",
        )  # fmt: skip
    if "last_value" in ok:
        ax.plot(x, ok["last_value"], "x", ms=7, color=COLORS["data"], label="last-value baseline", zorder=3)
    if "sigmoid" in ok and np.isfinite(ok["sigmoid"].to_numpy(float)).any():
        ax.plot(x, ok["sigmoid"], "+", ms=9, color=COLORS["ceiling"], label="sigmoid-only baseline", zorder=3)
    n_cov = int(hits.sum())
    err = np.nanmedian(np.abs(ok["error"].to_numpy(float)))
    base = (
        np.nanmedian(np.abs(ok["last_value_error"].to_numpy(float))) if "last_value_error" in ok else math.nan
    )
    ax.set_title(f"{title}\ncovered {n_cov}/{len(ok)}; median |error| {err:.3g} (last value {base:.3g})",
                 fontsize="small")  # fmt: skip
    ax.set_xlabel(f"{STEP_LABEL} of the cut", fontsize="small")
    metric = ok["reward_metric"].iloc[0] if "reward_metric" in ok else "performance"
    ax.set_ylabel(wrap_label(f"{metric} at step {horizon:.0f}", 26), fontsize="small")
    ax.tick_params(labelsize="x-small")
    ax.grid(True, alpha=0.3, lw=0.6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if not np.isfinite(f).any():
        ax.text(0.5, 0.9, "no forecast value", transform=ax.transAxes, ha="center", color=NOT_CLAIMED)
