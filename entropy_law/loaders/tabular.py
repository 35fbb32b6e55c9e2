"""CSV, TSV, Parquet, JSON and JSON Lines tables, wide or long.

Wide tables have a step column and one column per metric. The step column is the first
of these present: ``trainer/global_step``, ``train/global_step``, ``global_step``,
``step``, ``Step``, ``_step``, ``iteration``. (HF Trainer and OpenRLHF log to W&B
without ``step=``, so there ``_step`` is a call counter and ``train/global_step`` is the
real axis; verl passes ``step=`` and ``_step`` is the trainer step.) W&B history dumps
(``run.history()`` / ``scan_history()`` saved as CSV, Parquet or JSON) are wide tables
with ``_step``, ``_runtime`` and ``_timestamp``; their sparse NaN cells are simply not
points. ``_timestamp`` becomes ``wall_time``.

Long tables have the columns ``step`` (or another step name), ``metric`` (or ``tag`` /
``key``) and ``value``, and optionally ``run``.

Either form may carry a ``run`` (or ``run_name``) column naming several runs.
Columns whose every value is text (notes, media references) are metadata: they are
skipped with a :class:`DataWarning`. A column mixing numbers and text is an error.
"""

from __future__ import annotations

import io
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataWarning, LoadError, TruncatedLogWarning
from ._jsonlines import loads, log_rows, numbered_objects
from ._numbers import flatten
from ._table_checks import (
    decompressed,
    delimited_header,
    exact_steps,
    huge_ints_as_inf,
    kind_of,
    named_columns,
    rows_with_step,
    run_names,
)
from .base import Reader
from .options import current
from .restarts import superseded

__all__ = ["STEP_COLUMNS", "read", "read_frame", "READERS"]

STEP_COLUMNS = (
    "trainer/global_step",
    "train/global_step",
    "global_step",
    "step",
    "Step",
    "_step",
    "iteration",
)
_RUN_COLUMNS = ("run", "run_name")
_META_COLUMNS = {"_runtime", "_timestamp", "_wandb", "wall_time", "timestamp", "source"}
_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(path, f"cannot read the file ({exc.strerror}).") from None
    data = decompressed(path, data)
    if not data.strip():
        raise LoadError(
            path,
            "the file is empty; expected a table with a step column and "
            "metric columns. Check that the export finished.",
        )
    return data.decode("utf-8", errors="replace")


def _read_delimited(path: Path, sep: str) -> pd.DataFrame:
    text, header = delimited_header(path, _read_text(path), sep)
    lines = text.splitlines()
    if len(lines) > 2 and not text.endswith(("\n", "\r")):
        # the writer was killed mid-line: the last line is incomplete
        header_fields = lines[0].count(sep)
        if lines[-1].count(sep) < header_fields:
            warnings.warn(
                f"{path}: the last line is incomplete (the file was cut while being "
                f"written); read the {len(lines) - 2} complete row(s) before it.",
                TruncatedLogWarning,
                stacklevel=3,
            )
            text = "\n".join(lines[:-1]) + "\n"
    exact = {c: str for c in (*STEP_COLUMNS, *_RUN_COLUMNS)}  # steps exact, runs as written
    try:
        df = pd.read_csv(io.StringIO(text), sep=sep, low_memory=False, dtype=exact)
    except pd.errors.ParserError as exc:
        raise LoadError(
            path,
            f"not a well-formed {'TSV' if sep == chr(9) else 'CSV'} table "
            f"({str(exc).strip()}). Check the delimiter and quoting.",
        ) from None
    if len(header) == len(df.columns):
        df.columns = header  # the names as written, not pandas' 'x.1' / 'Unnamed: 1'
    return df


def json_lines(lines) -> tuple[list[dict], list[int]]:
    """Parse JSON Lines: the objects, and the 1-based numbers of damaged lines."""
    objs, bad = numbered_objects(lines)
    return [o for _, o in objs], [i for i, _ in bad]


def _read_jsonl(path: Path) -> pd.DataFrame:
    objs, bad = numbered_objects(_read_text(path).splitlines())
    flat = []
    for i, obj in objs:
        if obj.keys() == {"step", "data"} and isinstance(obj["data"], dict):
            data = flatten(obj["data"], keep_media=True)  # verl's file logger: {"step", "data"}
            flat.append((i, {"step": obj["step"], **data}))
        else:
            flat.append((i, flatten(obj, keep_media=True)))
    rows, bad_step, odd = log_rows(flat, STEP_COLUMNS)  # a damaged line costs only itself
    bad = sorted(bad + bad_step)
    if bad:
        warnings.warn(
            f"{path}: skipped {len(bad)} damaged line(s) (line {bad[0][0]}: {bad[0][1]}"
            f"{'; and later' if len(bad) > 1 else ''}); kept the {len(rows)} intact row(s).",
            TruncatedLogWarning,
            stacklevel=3,
        )
    if odd:
        warnings.warn(
            f"{path}: skipped {len(odd)} value(s) that are not numbers under keys holding "
            f"numbers elsewhere (line {odd[0][0]}, {odd[0][1]!r}: {str(odd[0][2])[:40]!r}).",
            DataWarning,
            stacklevel=3,
        )
    if not rows:
        why = f" (no line has a whole-number step within int64: line {bad_step[0][0]})" if bad_step else ""
        raise LoadError(
            path,
            f"no usable JSON object lines found{why}; expected one JSON object per line with a step key.",
        )
    return pd.DataFrame.from_records(rows)


def _read_json(path: Path) -> pd.DataFrame:
    text = _read_text(path)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        if "\n{" in text.strip():
            return _read_jsonl(path)  # JSON Lines saved as .json
        raise LoadError(
            path,
            f"not valid JSON ({exc.msg} at line {exc.lineno}). "
            "Expected a list of records or a table saved by pandas.",
        ) from None
    except ValueError:  # int() digit limit; RecursionError is handled below
        raise LoadError(path, f"not a table: the JSON {loads(text)[1]}.") from None
    except RecursionError:
        raise LoadError(
            path,
            "not a table: the JSON is nested thousands of levels deep. Expected a list "
            "of records or a table saved by pandas.",
        ) from None
    if isinstance(obj, list):
        return pd.DataFrame.from_records([flatten(r, keep_media=True) for r in obj if isinstance(r, dict)])
    if isinstance(obj, dict):
        if {"columns", "data"} <= obj.keys():  # orient="split"
            return pd.DataFrame(obj["data"], columns=obj["columns"])
        if all(isinstance(v, dict) for v in obj.values()):  # orient="columns" (pandas default)
            return pd.DataFrame(obj)
        if all(isinstance(v, list) for v in obj.values()):
            return pd.DataFrame(obj)
    raise LoadError(
        path,
        "JSON layout not recognised; expected a list of records, "
        "{column: {row: value}} or {'columns': [...], 'data': [...]}.",
    )


def read_frame(path: Path, kind: str) -> pd.DataFrame:
    """Read *path* (of format *kind*) into a raw DataFrame, with file-level checks."""
    if kind == "csv":
        return _read_delimited(path, ",")
    if kind == "tsv":
        return _read_delimited(path, "\t")
    if kind == "jsonl":
        return _read_jsonl(path)
    if kind == "json":
        return _read_json(path)
    if kind == "parquet":
        if path.stat().st_size == 0:
            raise LoadError(path, "the file is empty; expected a Parquet table.")
        try:
            return pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several unrelated types
            raise LoadError(
                path,
                f"not a readable Parquet file ({exc}). If the write was cut "
                "short, re-export it; Parquet cannot be read partially.",
            ) from None
    raise LoadError(path, f"unknown table kind {kind!r}")


def _step_column(df: pd.DataFrame, path: Path) -> str:
    given = current().step  # el.load(step=KEY) / --step KEY
    if given is not None:
        if given in df.columns:
            return given
        raise LoadError(
            path,
            f"step={given!r} is not a column; found {list(map(str, df.columns))[:12]}. "
            "Pass one of them (CLI: --step KEY) or leave the step to be detected.",
        )
    for name in STEP_COLUMNS:
        if name in df.columns:
            return name
    raise LoadError(
        path,
        f"no step column found; expected one of {list(STEP_COLUMNS)}, "
        f"found columns {list(map(str, df.columns))[:12]}. Rename the column "
        "that holds the trainer step.",
    )


def frame_to_long(df: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Turn a raw wide or long table into ``[run,] step, metric, value[, wall_time]``."""
    df = df.copy()
    df.columns = [str(c) for c in df.columns]
    if df.empty:
        raise LoadError(path, "the table has a header but no rows.")
    written = list(df.columns)
    df = named_columns(df, path, {*STEP_COLUMNS, *_RUN_COLUMNS, "metric", "tag", "key", "value"})
    df = huge_ints_as_inf(df)
    run_col = next((c for c in _RUN_COLUMNS if c in df.columns), None)
    metric_col = next((c for c in ("metric", "tag", "key") if c in df.columns), None)
    if metric_col and "value" in df.columns:  # long form
        step = _step_column(df, path)
        df = rows_with_step(df, step, path, {*STEP_COLUMNS, *_RUN_COLUMNS, *_META_COLUMNS})
        out = pd.DataFrame(
            {"step": exact_steps(df[step], path, step), "metric": df[metric_col], "value": df["value"]}
        )
        if "wall_time" in df.columns:
            out["wall_time"] = df["wall_time"]
        if run_col:
            out.insert(0, "run", run_names(df[run_col], path, run_col))
        return _check_numeric(out, path, step)
    step = _step_column(df, path)
    df = rows_with_step(df, step, path, {*STEP_COLUMNS, *_RUN_COLUMNS, *_META_COLUMNS})
    steps = exact_steps(df[step], path, step)
    if run_col:  # a restart is per run
        restarted = np.zeros(len(df), dtype=bool)
        for idx in df.groupby(df[run_col].astype(str), sort=False).indices.values():
            restarted[idx] = superseded(steps[idx], path)
    else:
        restarted = superseded(steps, path)
    if restarted.any():
        df = df.loc[~restarted].reset_index(drop=True)
        steps = steps[~restarted]
    wall = None
    if "_timestamp" in df.columns:
        wall = pd.to_numeric(df["_timestamp"], errors="coerce")
    elif "wall_time" in df.columns:
        wall = pd.to_numeric(df["wall_time"], errors="coerce")
    skip = set(STEP_COLUMNS) | _META_COLUMNS | set(_RUN_COLUMNS) | {step}
    metrics, text_cols, odd_cols = [], [], []
    for col in df.columns:
        if col in skip:
            continue
        s = df[col]
        if kind_of(s):  # booleans and dates are not metrics (as in the W&B loader)
            odd_cols.append(col)
            continue
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            metrics.append(col)  # already numbers: nothing to check
            continue
        num = pd.to_numeric(s, errors="coerce")
        if s.dtype == object:  # a True among numbers is not the number 1
            num = num.mask(s.map(lambda v: isinstance(v, bool | np.bool_)).astype(bool))
        nonnull = s.notna()
        bad = nonnull & num.isna()
        if bad.any():
            bad &= ~s.astype(str).str.lower().isin(["nan", "inf", "-inf"])
        if bad.any() and not (nonnull & num.notna()).any():
            text_cols.append(col)
            continue
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise LoadError(
                path,
                f"column {col!r} mixes numbers and text: row {i + 1} (step "
                f"{df[step].iloc[i]}) holds {s.iloc[i]!r}. Expected numbers; "
                "fix the cell or drop the column.",
            )
        metrics.append(col)
    if odd_cols:
        warnings.warn(
            f"{path}: skipped column(s) {odd_cols} holding booleans or dates/times (not metrics).",
            DataWarning,
            stacklevel=3,
        )
    if text_cols:
        warnings.warn(
            f"{path}: skipped column(s) {text_cols} holding only text (not metrics).",
            DataWarning,
            stacklevel=3,
        )
    if not metrics:
        raise LoadError(
            path,
            f"no numeric metric columns besides the step column {step!r}; found {written[:12]}"
            + (
                " (columns without a name or with a repeated name are skipped)."
                if written != list(df.columns)
                else "."
            ),
        )
    # melt metric-major (every metric's rows in file order): one numpy reshape
    values = np.column_stack(
        [pd.to_numeric(df[c], errors="coerce").to_numpy(dtype=float) for c in metrics]
    ).T.ravel()
    present = df[metrics].notna().to_numpy().T.ravel()
    n = len(df)
    data = {
        "step": np.tile(steps, len(metrics))[present],
        "metric": np.repeat(np.asarray(metrics, dtype=object), n)[present],
        "value": values[present],
    }
    if run_col:
        data = {"run": np.tile(run_names(df[run_col], path, run_col), len(metrics))[present], **data}
    if wall is not None:
        data["wall_time"] = np.tile(wall.to_numpy(dtype=float), len(metrics))[present]
    return _check_numeric(pd.DataFrame(data), path, step)


def _check_numeric(out: pd.DataFrame, path: Path, step_name: str) -> pd.DataFrame:
    value = pd.to_numeric(out["value"], errors="coerce")
    bad = value.isna() & out["value"].notna()
    if out["value"].dtype == object:  # True/False among numbers in a long table
        bad |= out["value"].map(lambda v: isinstance(v, bool | np.bool_))
    if bad.any():
        bad &= ~out["value"].astype(str).str.lower().isin(["nan", "inf", "-inf", "infinity", "-infinity"])
    if bad.any():
        row = out[bad].iloc[0]
        raise LoadError(
            path,
            f"metric {row['metric']!r} holds non-numeric value {row['value']!r} "
            f"at step {row['step']}. Expected numbers; fix or drop those rows.",
        )
    return out.assign(value=value.astype(float))


def read(path: Path, kind: str | None = None) -> pd.DataFrame:
    """Read a table file into the loader contract (see :mod:`entropy_law.loaders.base`)."""
    kind = kind or _SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise LoadError(path, f"unknown table suffix {path.suffix!r}")
    return frame_to_long(read_frame(path, kind), path)


def _make(kind: str, description: str) -> Reader:
    suffixes = tuple(s for s, k in _SUFFIXES.items() if k == kind)
    return Reader(
        name=kind,
        description=description,
        read=lambda p: read(p, kind),
        sniff_file=lambda p: p.suffix.lower() in suffixes,
    )


READERS = (
    _make("csv", "CSV table, wide (step column + metric columns) or long (step, metric, value)"),
    _make("tsv", "tab-separated table, wide or long"),
    _make("parquet", "Parquet table, wide or long (e.g. a W&B run.history() dump)"),
    _make("json", "JSON records or a pandas-saved table, wide or long"),
    _make("jsonl", "JSON Lines, one object per step (e.g. verl's file logger)"),
)
