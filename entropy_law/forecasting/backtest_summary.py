"""The aggregate of a backtest: how the forecaster did against its baselines, over runs.

From the rows of :func:`entropy_law.forecasting.backtest.backtest` (one per run and cut),
one row per cut fraction and one for all cuts (``fraction`` ``"all"``):

``n``                         cuts with a finite forecast error
``median_abs_error``          median of ``|forecast - realised|``
``median_abs_error_<b>``      the same for baseline *b* (``last_value``, ``sigmoid``)
``wins_vs_<b>``               cuts where the forecast's error is strictly smaller than *b*'s
``n_vs_<b>``                  cuts where both errors are finite (the denominator of the wins)
``coverage``                  fraction of the cuts whose interval held the realised value
``n_coverage``                cuts with a finite interval (the denominator of the coverage)
``median_abs_saturation_error`` median ``|forecast - realised saturation step|`` where finite

For the given-entropy protocol (rows with ``rmse``): ``n``, ``median_rmse``,
``median_abs_final_error`` and their level-anchored counterparts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["summarise_backtest", "BASELINES"]

#: baseline name -> the error column of the backtest rows
BASELINES = {"last_value": "last_value_error", "sigmoid": "sigmoid_error"}


def _median_abs(x: pd.Series) -> float:
    a = np.abs(pd.to_numeric(x, errors="coerce").to_numpy(dtype=float))
    a = a[np.isfinite(a)]
    return float(np.median(a)) if a.size else float("nan")


def _forecaster_row(g: pd.DataFrame) -> dict:
    err = pd.to_numeric(g["error"], errors="coerce").to_numpy(dtype=float)
    row: dict = {"n": int(np.isfinite(err).sum()), "median_abs_error": _median_abs(g["error"])}
    for name, col in BASELINES.items():
        base = (
            pd.to_numeric(g[col], errors="coerce").to_numpy(dtype=float)
            if col in g
            else np.full(len(g), np.nan)
        )
        both = np.isfinite(err) & np.isfinite(base)
        row[f"median_abs_error_{name}"] = _median_abs(pd.Series(base))
        row[f"wins_vs_{name}"] = int((np.abs(err[both]) < np.abs(base[both])).sum())
        row[f"n_vs_{name}"] = int(both.sum())
    cov = (
        pd.to_numeric(g["covered"], errors="coerce").to_numpy(dtype=float) if "covered" in g else np.array([])
    )
    cov = cov[np.isfinite(cov)]
    row["coverage"] = float(cov.mean()) if cov.size else float("nan")
    row["n_coverage"] = int(cov.size)
    if "saturation_error" in g:
        row["median_abs_saturation_error"] = _median_abs(g["saturation_error"])
    return row


def _given_row(g: pd.DataFrame) -> dict:
    rmse = pd.to_numeric(g["rmse"], errors="coerce")
    row = {
        "n": int(np.isfinite(rmse.to_numpy(dtype=float)).sum()),
        "median_rmse": _median_abs(rmse),
        "median_abs_final_error": _median_abs(g.get("final_error", pd.Series(dtype=float))),
    }
    if "rmse_level_anchor" in g:
        row["median_rmse_level_anchor"] = _median_abs(g["rmse_level_anchor"])
        row["median_abs_final_error_level_anchor"] = _median_abs(g["final_error_level_anchor"])
    return row


def summarise_backtest(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per cut fraction and one for all cuts (module docstring).

    Rows of runs that failed (``status == "error"``) are left out. An empty frame comes
    back when no row can be scored.

    Examples
    --------
    >>> import entropy_law as el                                   # doctest: +SKIP
    >>> rows = el.backtest_many(el.load("sample_runs/csv"))        # doctest: +SKIP
    >>> summarise_backtest(rows)[["fraction", "median_abs_error", "coverage"]]  # doctest: +SKIP
    """
    if rows is None or len(rows) == 0 or "fraction" not in rows:
        return pd.DataFrame()
    ok = rows[rows["status"].astype(str) != "error"] if "status" in rows else rows
    ok = ok[ok["fraction"].notna()]
    if ok.empty:
        return pd.DataFrame()
    given = "rmse" in ok and "error" not in ok
    if not given and "error" not in ok:
        return pd.DataFrame()
    one = _given_row if given else _forecaster_row
    out = [{"fraction": f, **one(g)} for f, g in ok.groupby("fraction", sort=True)]
    out.append({"fraction": "all", **one(ok)})
    return pd.DataFrame(out)
