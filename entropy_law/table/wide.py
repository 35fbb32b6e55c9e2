"""Wide frames handed to the API: one column per metric, as ``pd.read_csv`` gives them.

A frame with ``step``, ``entropy`` and ``reward`` columns is what
:func:`entropy_law.table.align.entropy_reward` returns, so :func:`entropy_law.fit` reads it
as already aligned and fits ``reward``. A CSV read with ``pd.read_csv`` often has exactly
these columns *and* a validation column (``val_acc``, ``val/test_score/...``,
``val-core/...``, ``eval_acc``); reading it as aligned would fit the training reward where
:func:`entropy_law.load` (and the CLI) fits the validation accuracy. Such a frame is read as
a wide log instead (melted into the long table, so the same metric detection applies) and
:func:`warn_ambiguous` says so, naming the columns and how to choose.
"""

from __future__ import annotations

import warnings

import pandas as pd

from ..errors import DataWarning
from .metrics import candidates

__all__ = ["validation_columns", "wide_to_long", "is_ambiguous", "warn_ambiguous", "ID_COLUMNS"]

#: Columns of a wide frame that are not metrics.
ID_COLUMNS = ("run", "step", "wall_time", "source")


def validation_columns(frame: pd.DataFrame) -> list[str]:
    """The columns of *frame* that metric detection takes for validation performance.

    Only columns holding at least one finite number count.
    """
    names = [str(c) for c in frame.columns if str(c) not in ID_COLUMNS]
    found = candidates(names)["val"]
    return [c for c in found if pd.to_numeric(frame[c], errors="coerce").notna().any()]


def wide_to_long(frame: pd.DataFrame, *, run: str = "") -> pd.DataFrame:
    """Melt a wide frame (``step`` and one column per metric) into ``run, step, metric, value``.

    Parameters
    ----------
    frame : DataFrame
        A ``step`` column, an optional ``run`` column, and numeric metric columns;
        non-numeric columns other than ``run`` are left out, as are missing values.
    run : str
        Run name when *frame* has no ``run`` column.

    Returns
    -------
    DataFrame
        The long table, ready for :func:`entropy_law.table.tidy.tidy`.
    """
    ids = ["run", "step"] if "run" in frame.columns else ["step"]
    metrics = [
        c
        for c in frame.columns
        if str(c) not in ID_COLUMNS
        and pd.api.types.is_numeric_dtype(frame[c])
        and not pd.api.types.is_bool_dtype(frame[c])
    ]
    long = frame.melt(id_vars=ids, value_vars=metrics, var_name="metric", value_name="value")
    if "run" not in long.columns:
        long.insert(0, "run", run)
    long["run"] = long["run"].astype(str)
    long["metric"] = long["metric"].astype(str)
    return long.dropna(subset=["value"]).reset_index(drop=True)


def is_ambiguous(frame: pd.DataFrame, entropy: str | None, reward: str | None) -> list[str]:
    """The validation columns of a frame that also looks aligned (``step, entropy, reward``).

    Empty when the frame lacks one of those columns or when *reward* names the metric.
    """
    cols = {str(c) for c in frame.columns}
    if reward is not None or not {"step", "entropy", "reward"} <= cols or "metric" in cols:
        return []
    return validation_columns(frame)


def warn_ambiguous(frame: pd.DataFrame, val: list[str], where: str, *, stacklevel: int) -> None:
    """Warn that *frame* is read as a wide log whose validation column wins over ``reward``."""
    n = int(pd.to_numeric(frame[val[0]], errors="coerce").notna().sum())
    warnings.warn(
        f"{where}(): the frame has 'entropy' and 'reward' columns and the validation "
        f"column(s) {val}; it is read as a wide log and fits {val[0]!r} ({n} values), as "
        f"entropy_law.load() and the CLI do, not the training reward 'reward'. Pass "
        f"reward='reward' to fit the training reward, or reward={val[0]!r} to silence this "
        "warning.",
        DataWarning,
        stacklevel=stacklevel + 1,
    )
