"""The tidy run table: the one contract every loader produces and every fit consumes.

Long form
---------
One row per logged point::

    run     str      name of the run ("" is not allowed)
    step    int64    the trainer's global step, as logged
    metric  str      the metric key, exactly as logged (``actor/entropy``...)
    value   float64  the logged value; always finite
    wall_time float64  optional: seconds since the epoch when the point was written
    source  str      optional: the file the point came from

Guarantees after :func:`tidy`: no NaN or infinite ``value`` (dropped and counted in a
:class:`~entropy_law.errors.DataWarning`), at most one row per ``(run, metric, step)``
(a resumed run that logs a step twice keeps the *latest write*, the row that came last
in the file, with a warning), rows sorted by ``run``, ``metric``, ``step``.

Wide view
---------
:func:`to_wide` pivots to one row per ``(run, step)`` and one column per metric.

Entropy-vs-reward table
-----------------------
:func:`entropy_reward` gives the table the fitting engine uses: ``run, step, entropy,
reward`` for one entropy metric and one performance metric. Entropy is logged every
step but validation accuracy only every few steps, so a rule says which entropy goes
with each performance point (``align``):

``"window"`` (default)
    the mean entropy over the steps since the previous performance point, that is over
    ``(s_prev, s]``; for the first point, over every step up to and including it. When
    the performance metric is logged every step this is the entropy at the same step.
``"same_step"``
    the entropy logged at exactly the same step; points without one are dropped.

A performance point with no entropy in its window (verl's step-0 validation before any
training step) is dropped.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .. import _validate as v
from ..errors import DataWarning, EntropyLawError, MetricError, closest

__all__ = [
    "LONG_COLUMNS",
    "OPTIONAL_COLUMNS",
    "make_long",
    "tidy",
    "to_wide",
    "metric_summary",
]

LONG_COLUMNS = ("run", "step", "metric", "value")
OPTIONAL_COLUMNS = ("wall_time", "source")


def make_long(run, step, metric, value, *, wall_time=None, source=None) -> pd.DataFrame:
    """Build a long table from columns (arrays or scalars broadcast to their length).

    No validation beyond dtype conversion; pass the result through :func:`tidy`.
    """
    if isinstance(step, str | bytes) or np.ndim(step) == 0:
        raise v.bad("make_long", "step", "an array of steps (one per point)", step)
    step = np.asarray(step)
    n = len(step)
    given = {"run": run, "metric": metric, "value": value, "wall_time": wall_time, "source": source}
    v.same_length(
        "make_long", {"step": n, **{k: len(x) for k, x in given.items() if x is not None and not _scalar(x)}}
    )
    data = {
        "run": _broadcast(run, n),
        "step": step,
        "metric": _broadcast(metric, n),
        "value": np.asarray(value, dtype=float) if n else np.empty(0),
    }
    if wall_time is not None:
        data["wall_time"] = np.asarray(_broadcast(wall_time, n), dtype=float)
    if source is not None:
        data["source"] = _broadcast(source, n)
    return pd.DataFrame(data)


def _scalar(x) -> bool:
    return isinstance(x, str | bytes) or np.ndim(x) == 0


def _broadcast(x, n):
    if _scalar(x):
        return [x] * n
    return x


def tidy(df: pd.DataFrame, *, origin: str = "table", warn: bool = True) -> pd.DataFrame:
    """Validate a long table and bring it to the contract described in this module.

    Parameters
    ----------
    df : DataFrame
        Columns ``run, step, metric, value`` and optionally ``wall_time, source``.
    origin : str
        Where the table came from (a path); used in messages.
    warn : bool
        Emit :class:`DataWarning` for dropped non-finite values and duplicate steps.

    Returns
    -------
    DataFrame
        A new, sorted table with canonical dtypes.
    """
    v.table("tidy", "df", df)
    missing = [c for c in LONG_COLUMNS if c not in df.columns]
    if missing:
        raise EntropyLawError(
            f"{origin}: a long table needs the columns {list(LONG_COLUMNS)}; "
            f"missing {missing}, found {list(map(str, df.columns))}. Rename the columns or "
            "load the file with entropy_law.load(), which recognises wide tables too."
        )
    cols = list(LONG_COLUMNS) + [c for c in OPTIONAL_COLUMNS if c in df.columns]
    out = df.loc[:, cols].copy()
    if len(out) == 0:
        return _empty(cols)

    out["step"] = _exact_steps(out["step"], origin)

    value = pd.to_numeric(out["value"], errors="coerce")
    non_numeric = value.isna() & out["value"].notna()
    if non_numeric.any():
        bad = out.loc[non_numeric]
        raise EntropyLawError(
            f"{origin}: metric {bad['metric'].iloc[0]!r} holds non-numeric value "
            f"{bad['value'].iloc[0]!r} at step {bad['step'].iloc[0]} "
            f"({int(non_numeric.sum())} such value(s) in all). Only numbers can be fitted: "
            "remove the text or load that column as metadata."
        )
    out["value"] = value.to_numpy(dtype=float, na_value=np.nan)
    out["run"] = out["run"].astype(str)
    out["metric"] = out["metric"].astype(str)
    if "wall_time" in out:
        out["wall_time"] = pd.to_numeric(out["wall_time"], errors="coerce").astype(float)
    if "source" in out:
        out["source"] = out["source"].astype(str)

    finite = np.isfinite(out["value"].to_numpy())
    if not finite.all():
        counts = out.loc[~finite].groupby("metric", sort=True).size()
        if warn:
            detail = ", ".join(f"{m}: {c}" for m, c in counts.items())
            warnings.warn(
                f"{origin}: dropped {int((~finite).sum())} NaN/inf value(s) ({detail}).",
                DataWarning,
                stacklevel=2,
            )
        out = out.loc[finite]

    dup = out.duplicated(["run", "metric", "step"], keep="last")
    if dup.any():
        if warn:
            runs = sorted(out.loc[dup, "run"].unique())
            warnings.warn(
                f"{origin}: {int(dup.sum())} point(s) logged again for a step already seen "
                f"(a resumed run?) in run(s) {runs}; kept the latest write of each step.",
                DataWarning,
                stacklevel=2,
            )
        out = out.loc[~dup]
    out = out.sort_values(["run", "metric", "step"], kind="stable").reset_index(drop=True)
    return out


_INT64_MAX = np.iinfo(np.int64).max


def _exact_steps(col: pd.Series, origin: str) -> np.ndarray:
    """The steps as exact int64, never through float64 and never wrapped around.

    Integer columns are taken as they are (an unsigned one must fit int64); float columns
    must hold whole numbers in ``[-2**63, 2**63)``; object columns (Python ints, which may
    exceed int64) are checked one by one.
    """
    if pd.api.types.is_datetime64_any_dtype(col) or pd.api.types.is_timedelta64_dtype(col):
        raise EntropyLawError(
            f"{origin}: column 'step' holds dates or times ({col.dtype}); steps are the "
            "trainer's global step. Keep the time as a metric or wall_time and use the step."
        )
    if pd.api.types.is_integer_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
        arr = col.to_numpy()
        if arr.dtype.kind == "u" and arr.size and arr.max() > _INT64_MAX:
            _out_of_range(origin, int(arr[arr > _INT64_MAX][0]))
        return arr.astype(np.int64)
    if col.dtype == object:
        ints = [v for v in col if isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_)]
        big = [int(v) for v in ints if not -_INT64_MAX - 1 <= int(v) <= _INT64_MAX]
        if big:
            _out_of_range(origin, big[0])
        if len(ints) == len(col):
            return np.array([int(v) for v in col], dtype=np.int64)
    step = pd.to_numeric(col, errors="coerce")
    stepf = step.to_numpy(dtype=float, na_value=np.nan)
    bad_step = ~np.isfinite(stepf)
    if bad_step.any():
        example = col[bad_step].iloc[0]
        raise EntropyLawError(
            f"{origin}: column 'step' must hold whole numbers; found {int(bad_step.sum())} "
            f"value(s) that are not, for example {example!r}. Fix or drop those rows."
        )
    if np.any(stepf != np.round(stepf)):
        example = stepf[stepf != np.round(stepf)][0]
        raise EntropyLawError(
            f"{origin}: column 'step' must hold whole numbers; found {example!r}. "
            "If your x-axis is compute or time, keep it as a metric and use the trainer step."
        )
    outside = (stepf < -(2.0**63)) | (stepf >= 2.0**63)
    if outside.any():
        _out_of_range(origin, stepf[outside][0])
    if pd.api.types.is_integer_dtype(step.dtype):  # exact already (e.g. int text)
        return step.to_numpy().astype(np.int64)
    return stepf.astype(np.int64)


def _out_of_range(origin: str, example) -> None:
    raise EntropyLawError(
        f"{origin}: column 'step' holds {example!r}, beyond the int64 range (about "
        "±9.2e18); steps must be exact whole numbers in that range. Fix or drop those rows."
    )


def _empty(cols: Sequence[str]) -> pd.DataFrame:
    dtypes = {"run": str, "step": np.int64, "metric": str, "value": float, "wall_time": float, "source": str}
    return pd.DataFrame({c: pd.Series([], dtype=dtypes[c]) for c in cols})


def to_wide(long: pd.DataFrame) -> pd.DataFrame:
    """Pivot a long table to one row per ``(run, step)`` and one column per metric."""
    v.table("to_wide", "long", long)
    wide = long.pivot_table(
        index=["run", "step"], columns="metric", values="value", aggfunc="last", sort=True
    )
    wide.columns.name = None
    return wide


def metric_summary(long: pd.DataFrame) -> pd.DataFrame:
    """One row per ``(run, metric)``: number of points, first and last step."""
    v.table("metric_summary", "long", long)
    g = long.groupby(["run", "metric"], sort=True)["step"]
    return g.agg(n="size", first_step="min", last_step="max").reset_index()


def require_metric(names: Sequence[str], key: str, *, role: str, run: str = "") -> None:
    """Raise :class:`MetricError` naming the closest keys when *key* is not in *names*."""
    if key in names:
        return
    where = f" in run {run!r}" if run else ""
    hint = closest(key, names)
    did = f" Did you mean {hint[0]!r}?" if hint else ""
    raise MetricError(
        f"{role} metric {key!r} not found{where}.{did} Available metrics: {sorted(names)}.",
        role=role,
        candidates=sorted(names),
    )
