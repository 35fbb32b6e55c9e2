"""Weights & Biases panel exports ("Export -> CSV" on a chart).

The file is wide: the first column is the chart's x-axis (``Step``, or the metric chosen
as x such as ``train/global_step``), then one column per run and metric named
``<run name> - <metric>``, each usually followed by ``<run name> - <metric>__MIN`` and
``__MAX`` companions (the min and max of the points W&B bucketed together). Several runs
sit side by side; a cell is empty where a run has no point at that x.

Rules
-----
* The companions ``__MIN`` / ``__MAX`` are dropped; the plain series is kept.
* Run and metric are split at the **first** ``" - "`` (``split="first"``): metric keys
  often hold ``/`` or ``@`` but rarely ``" - "``. A run name that itself contains
  ``" - "`` is ambiguous: ``"grpo - lr1e-6 - actor/entropy"`` reads as run ``grpo``,
  metric ``lr1e-6 - actor/entropy``. Such headers raise a :class:`DataWarning`; pass
  ``split="last"`` to :func:`read_export` to split at the last ``" - "`` instead.
* Steps must be whole numbers; ``12.0`` is accepted, ``12.5`` is a :class:`LoadError`.
  A time x-axis (``Wall Time``, ``Relative Time (...)``) is refused: re-export the chart
  with ``Step`` as x-axis.
* Empty cells are not points. Text in a value cell is a :class:`LoadError` naming the
  file, column, row and value. ``NaN`` cells are passed on (and dropped, with a warning,
  by :func:`entropy_law.table.tidy`).
* Two columns with the same header (two runs with the same display name) are kept
  apart as runs ``name`` and ``name [2]``, with a warning.

Panel exports are down-sampled by W&B for long runs; for every point, read the run
folder or a ``run.history()`` / ``scan_history()`` dump instead.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataWarning, LoadError
from ..table.tidy import make_long
from ._numbers import STEP_RANGE, exact_step
from .base import Reader

__all__ = ["READER", "read", "read_export", "sniff_file", "split_header"]

_SERIES = re.compile(r"^(.+?) - (.+)$", re.S)
_COMPANION = re.compile(r"__(MIN|MAX)$")
_STEP_AXIS = re.compile(r"^(?:[^ ]*[/_.])?(?:global_)?(?:step|epoch|iteration)$", re.I)
_TIME_AXIS = re.compile(r"^(wall time|relative time.*|_runtime|_timestamp)$", re.I)
_NAN_TOKENS = {"nan", "+nan", "-nan"}


def split_header(name: str, split: str = "first") -> tuple[str, str] | None:
    """Split ``"<run> - <metric>"`` into ``(run, metric)``; None when it does not match."""
    if " - " not in name:
        return None
    run, _, metric = name.partition(" - ") if split == "first" else name.rpartition(" - ")
    if not run.strip() or not metric.strip():
        return None
    return run, metric


def _header(path: Path) -> list[str] | None:
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            line = fh.readline(1 << 20)
    except (OSError, UnicodeDecodeError):
        return None
    try:
        return next(csv.reader([line]))
    except (csv.Error, StopIteration):
        return None


def sniff_file(path: Path) -> bool:
    """True for a ``.csv`` whose header is a W&B panel export.

    The first column must be an x-axis name (``Step``, ``*global_step``, a W&B time
    axis...) and at least one other column must read ``<run> - <metric>`` without a
    ``__MIN`` / ``__MAX`` suffix. Only the header line is read.
    """
    path = Path(path)
    if path.suffix.lower() != ".csv" or not path.is_file():
        return False
    cols = _header(path)
    if not cols or len(cols) < 2:
        return False
    x = cols[0].strip()
    if not (_STEP_AXIS.match(x) or _TIME_AXIS.match(x)) or " - " in x:
        return False
    return any(_SERIES.match(c) and not _COMPANION.search(c) for c in cols[1:])


def read_export(path: Path, *, split: str = "first") -> pd.DataFrame:
    """Read a W&B panel CSV export into a long table.

    Parameters
    ----------
    path : Path
        The exported ``.csv`` file.
    split : {"first", "last"}
        Where to split ``"<run> - <metric>"`` when a header holds ``" - "`` more than
        once (see the module docstring).

    Returns
    -------
    DataFrame
        Columns ``run, step, metric, value``, one run per distinct run name; empty cells
        give no rows.

    Raises
    ------
    LoadError
        Not a panel export, a time x-axis, a step that is not a whole number, or text in
        a value cell.
    """
    path = Path(path)
    if split not in ("first", "last"):
        raise LoadError(path, f"split={split!r} is not a rule; choose 'first' or 'last'.")
    try:
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
    except OSError as exc:
        raise LoadError(path, f"cannot read the file ({exc.strerror}).") from None
    try:
        raw = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            header=None,
            skip_blank_lines=True,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise LoadError(path, f"not a well-formed CSV file ({str(exc).strip()}).") from None
    if raw.shape[0] < 1 or raw.shape[1] < 2:
        raise LoadError(
            path,
            "expected a W&B panel export: an x-axis column (Step) and "
            "'<run> - <metric>' columns; found fewer than two columns.",
        )
    header = [str(c).strip() for c in raw.iloc[0]]
    body = raw.iloc[1:].reset_index(drop=True)
    xname = header[0]
    if _TIME_AXIS.match(xname):
        raise LoadError(
            path,
            f"the x-axis column is {xname!r}, a time axis; fits need the "
            "trainer step. Re-export the chart with 'Step' as x-axis (chart "
            "settings -> X axis).",
        )
    steps = _steps(body.iloc[:, 0], path, xname)

    if _SERIES.match(xname):
        raise LoadError(
            path,
            f"the first column is {xname!r}, a series; a panel export starts "
            "with its x-axis column (Step). Export the chart again.",
        )
    series: list = []
    ambiguous: list = []
    dups: list = []
    seen: dict = {}
    for j, col in enumerate(header[1:], start=1):
        if _COMPANION.search(col):
            continue
        parts = split_header(col, split)
        if parts is None:
            continue
        if col.count(" - ") > 1:
            ambiguous.append(col)
        key = parts
        seen[key] = seen.get(key, 0) + 1
        run = parts[0] if seen[key] == 1 else f"{parts[0]} [{seen[key]}]"
        if seen[key] == 2:
            dups.append(col)
        series.append((j, col, run, parts[1]))
    if not series:
        raise LoadError(
            path,
            f"no '<run> - <metric>' column found; the header is "
            f"{header[:6]}{'...' if len(header) > 6 else ''}. Is this a W&B "
            "panel export? Other tables load with format='csv'.",
        )
    if ambiguous:
        warnings.warn(
            f"{path}: {len(ambiguous)} column(s) hold ' - ' more than once (e.g. "
            f"{ambiguous[0]!r}); split at the {split} ' - ' into run and metric. "
            "Use read_export(path, split='first'|'last') if that is wrong.",
            DataWarning,
            stacklevel=2,
        )
    if dups:
        warnings.warn(
            f"{path}: several columns named {dups[:3]} (runs with the same name?); "
            "kept them apart as runs 'name', 'name [2]', ...",
            DataWarning,
            stacklevel=2,
        )

    frames = []
    for j, col, run, metric in series:
        cells = body.iloc[:, j].str.strip()
        present = (cells != "").to_numpy()
        vals = pd.to_numeric(cells[present], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = np.isnan(vals) & ~cells[present].str.lower().isin(_NAN_TOKENS).to_numpy()
        if bad.any():
            i = int(np.flatnonzero(present)[np.flatnonzero(bad)[0]])
            raise LoadError(
                path,
                f"column {col!r}, row {i + 2} ({xname} {steps[i]}): value "
                f"{body.iloc[i, j]!r} is not a number ({int(bad.sum())} such "
                "cell(s) in this column). Remove the text or re-export.",
            )
        frames.append(make_long(run, steps[present], metric, vals))
    out = pd.concat(frames, ignore_index=True)
    out["step"] = out["step"].astype("int64")
    return out


def _steps(col: pd.Series, path: Path, xname: str) -> np.ndarray:
    cells = col.str.strip()
    x = pd.to_numeric(cells, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(x)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise LoadError(
            path,
            f"column {xname!r}, row {i + 2}: x-axis value {col.iloc[i]!r} "
            "is not a number; every row of a panel export needs its step.",
        )
    frac = x != np.round(x)
    if frac.any():
        i = int(np.flatnonzero(frac)[0])
        raise LoadError(
            path,
            f"column {xname!r}, row {i + 2}: step {col.iloc[i]!r} is not a "
            "whole number. Fits need the trainer step as x-axis; re-export "
            "the chart with 'Step' (or the trainer's global_step) as x.",
        )
    exact = pd.to_numeric(cells, errors="coerce")
    if exact.dtype.kind == "i":  # every step an int64 written as an integer: exact
        return exact.to_numpy().astype(np.int64)
    out = np.empty(len(cells), dtype=np.int64)
    for i, c in enumerate(cells):  # never through float64: 2**53 + 1 stays itself
        s, why = exact_step(c)
        if s is None:
            raise LoadError(
                path,
                f"column {xname!r}, row {i + 2}: step {col.iloc[i]!r} is {why}; steps must "
                f"be exact whole numbers within {STEP_RANGE}. Fix the row or re-export.",
            )
        out[i] = s
    return out


def read(path: Path) -> pd.DataFrame:
    """Reader entry point: :func:`read_export` with ``split="first"``."""
    return read_export(path)


READER = Reader(
    name="wandb-export",
    description="Weights & Biases panel CSV export ('Step', '<run> - <metric>')",
    read=read,
    sniff_file=sniff_file,
)
