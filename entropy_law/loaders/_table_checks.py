"""Checks that keep table files from being read wrongly without a word.

* **Compression and dialect**: a gzip-compressed file is read transparently (a cut gzip
  stream keeps what decompresses, with a warning); other archives are refused, naming
  them. Excel's ``sep=,`` first line is honoured; a ``;``-separated file (Excel where
  the decimal mark is a comma) is refused with what to do.
* **Header cells**: two columns of one name, or a column without a name (a saved pandas
  index), are never turned into invented metrics (``x.1``, ``Unnamed: 1``); see
  :func:`named_columns`.
* **Steps** are exact int64 integers (:func:`exact_steps`), and **run names** are the
  text written, never ``nan`` or ``1.0`` (:func:`run_names`).
"""

from __future__ import annotations

import csv
import io
import math
import re
import warnings
import zlib
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataWarning, LoadError, TruncatedLogWarning
from ._numbers import STEP_RANGE, exact_step

__all__ = [
    "decompressed",
    "delimited_header",
    "named_columns",
    "exact_steps",
    "run_names",
    "kind_of",
    "huge_ints_as_inf",
]

_ARCHIVES = {
    b"BZh": ("bzip2", "bunzip2 FILE"),
    b"\xfd7zXZ\x00": ("xz", "unxz FILE"),
    b"PK\x03\x04": ("zip", "unzip FILE"),
    b"(\xb5/\xfd": ("zstd", "unzstd FILE"),
    b"7z\xbc\xaf": ("7-Zip", "7z x FILE"),
}
_SEP_LINE = re.compile(r"sep=(.)")
_SEMICOLON_HINT = (
    "this looks like a ';'-separated table, as Excel writes it where the decimal mark is "
    "a comma. Save it as 'CSV (comma delimited)' with '.' as decimal mark, or convert it: "
    "pandas.read_csv(path, sep=';', decimal=',').to_csv(new_path, index=False)."
)


def decompressed(path: Path, data: bytes) -> bytes:
    """*data* itself, or its gzip-decompressed content; other archives raise LoadError."""
    if data[:2] == b"\x1f\x8b":
        out, rest = [], data
        try:
            while rest[:2] == b"\x1f\x8b":  # one or more gzip members
                d = zlib.decompressobj(16 + zlib.MAX_WBITS)
                out.append(d.decompress(rest))
                if not d.eof:
                    warnings.warn(
                        f"{path}: the gzip stream is cut (the file was not written to the "
                        "end); read what decompressed before the cut.",
                        TruncatedLogWarning,
                        stacklevel=4,
                    )
                    break
                rest = d.unused_data
        except zlib.error:
            if not out or not any(out):
                raise LoadError(
                    path,
                    "the file is gzip-compressed (it starts with the bytes 1f 8b) but the "
                    "compressed data is damaged; decompress it with 'gunzip -c FILE' to see "
                    "how much can be recovered.",
                ) from None
            warnings.warn(
                f"{path}: the gzip data is damaged part-way; read what decompressed before it.",
                TruncatedLogWarning,
                stacklevel=4,
            )
        return b"".join(out)
    for magic, (name, cmd) in _ARCHIVES.items():
        if data.startswith(magic):
            raise LoadError(
                path,
                f"the file is a {name} archive (it starts with the bytes {magic.hex(' ')}), "
                f"not a text table; unpack it first ({cmd.replace('FILE', path.name)}) and "
                "load the file inside.",
            )
    return data


def delimited_header(path: Path, text: str, sep: str) -> tuple[str, list[str]]:
    """The table text without an Excel ``sep=`` line, and its header cells as written."""
    text = text.removeprefix("\ufeff")
    first, nl, rest = text.partition("\n")
    m = _SEP_LINE.fullmatch(first.rstrip("\r"))
    if m:
        declared = m.group(1)
        if declared == ";":
            raise LoadError(path, "the first line 'sep=;' declares ';' as separator: " + _SEMICOLON_HINT)
        if declared != sep:
            raise LoadError(
                path,
                f"the first line 'sep={declared}' declares {declared!r} as separator, but "
                f"this file is read with {sep!r}; rename it (.csv for ',', .tsv for tab) "
                "or re-export it with that separator.",
            )
        text = rest
    try:
        header = next(csv.reader(io.StringIO(text), delimiter=sep), [])
    except csv.Error:
        header = []
    if sep == "," and len(header) == 1 and header[0].count(";") >= 1:
        raise LoadError(path, f"the header {header[0][:80]!r} holds no ',' but ';': " + _SEMICOLON_HINT)
    return text, header


def named_columns(df: pd.DataFrame, path: Path, reserved: set[str]) -> pd.DataFrame:
    """Drop columns without a header and columns whose name repeats, with a DataWarning.

    A repeated name among *reserved* (the step, run, metric or value column) makes the
    table ambiguous: LoadError. Both copies of a repeated metric are dropped, since which
    one is right cannot be told.
    """
    names = [str(c) for c in df.columns]
    counts = Counter(names)
    dup = [n for n, c in counts.items() if c > 1 and n.strip()]
    clash = [n for n in dup if n in reserved]
    if clash:
        raise LoadError(
            path,
            f"the header names the column {clash[0]!r} {counts[clash[0]]} times; which one "
            "holds the data cannot be told. Rename or drop the extra column(s).",
        )
    empty = [i for i, n in enumerate(names) if not n.strip()]
    if empty:
        warnings.warn(
            f"{path}: skipped {len(empty)} column(s) without a header (column(s) "
            f"{[i + 1 for i in empty][:5]}; a saved row index?). Name them to load them.",
            DataWarning,
            stacklevel=4,
        )
    if dup:
        warnings.warn(
            f"{path}: the header repeats the column name(s) {dup[:5]}; skipped every copy, "
            "since which one is right cannot be told. Rename them to load them.",
            DataWarning,
            stacklevel=4,
        )
    keep = [i for i, n in enumerate(names) if n.strip() and counts[n] == 1]
    if len(keep) == len(names):
        return df
    out = df.iloc[:, keep]
    out.columns = [names[i] for i in keep]
    return out


def rows_with_step(df: pd.DataFrame, step: str, path: Path, ignore: set[str]) -> pd.DataFrame:
    """The rows that have a step; rows without one but with values (outside the columns
    *ignore*: other step names, bookkeeping) are counted in a warning."""
    missing = df[step].isna().to_numpy()
    if not missing.any():
        return df
    values = df.loc[missing, [c for c in df.columns if c not in ignore and c != step]]
    lost = values.notna().any(axis=1).to_numpy()
    if lost.any():
        i = int(np.flatnonzero(missing)[np.flatnonzero(lost)[0]])
        warnings.warn(
            f"{path}: skipped {int(lost.sum())} row(s) with values but no {step!r} (first: row "
            f"{i + 1}); they cannot be placed on the step axis.",
            DataWarning,
            stacklevel=4,
        )
    return df.loc[~missing]


def kind_of(s: pd.Series) -> str:
    """``"bool"``, ``"time"`` or ``""`` for a column that is neither."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return "bool"
    if pd.api.types.is_datetime64_any_dtype(s.dtype) or pd.api.types.is_timedelta64_dtype(s.dtype):
        return "time"
    if s.dtype == object:
        nonnull = s.dropna()
        if len(nonnull) and nonnull.map(lambda v: isinstance(v, bool | np.bool_)).all():
            return "bool"
    return ""


def exact_steps(col: pd.Series, path: Path, name: str) -> np.ndarray:
    """The step column as exact int64 (never through float64, never wrapped), else LoadError."""
    kind = kind_of(col)
    if kind:
        what = "dates or times" if kind == "time" else "booleans"
        raise LoadError(
            path,
            f"step column {name!r} holds {what} ({col.dtype}), not trainer steps. Point "
            "the loader at the step column, or convert it (a time axis cannot be fitted).",
        )
    arr = col.to_numpy()
    if arr.dtype.kind == "i":
        return arr.astype(np.int64)
    if arr.dtype.kind == "u":
        big = arr > np.uint64(2**63 - 1)
        if not big.any():
            return arr.astype(np.int64)
        i, why = int(np.flatnonzero(big)[0]), f"beyond {STEP_RANGE}"
    elif arr.dtype.kind == "f":
        whole = np.isfinite(arr) & (arr == np.round(arr)) & (arr >= -(2.0**63)) & (arr < 2.0**63)
        if whole.all():
            return arr.astype(np.int64)
        i = int(np.flatnonzero(~whole)[0])
        why = exact_step(float(arr[i]))[1]
    else:
        num = pd.to_numeric(col, errors="coerce")
        if num.dtype.kind == "i":
            return num.to_numpy().astype(np.int64)
        out = np.empty(len(arr), dtype=np.int64)
        i, why = -1, ""
        for j, v in enumerate(arr):
            s, why = exact_step(v)
            if s is None:
                i = j
                break
            out[j] = s
        if i < 0:
            return out
    raise LoadError(
        path,
        f"step column {name!r}, row {i + 1}: {_plain(arr[i])!r} is {why}. Steps must be whole "
        f"numbers, exact and within {STEP_RANGE}; point the loader at the trainer step, "
        "or fix the row.",
    )


def _plain(v: object) -> object:
    return v.item() if isinstance(v, np.generic) else v


def huge_ints_as_inf(df: pd.DataFrame) -> pd.DataFrame:
    """Integers beyond float64 (JSON allows any size) become ±inf, which
    :func:`entropy_law.table.tidy` drops with a count, instead of crashing pandas."""
    for j in range(df.shape[1]):
        s = df.iloc[:, j]
        if s.dtype != object:
            continue
        big = s.map(lambda v: isinstance(v, int) and not isinstance(v, bool) and abs(v) > 2**1023)
        if big.any():
            df = df.copy()
            df.iloc[:, j] = s.mask(big.astype(bool), s[big].map(lambda v: math.inf if v > 0 else -math.inf))
    return df


def run_names(col: pd.Series, path: Path, name: str) -> np.ndarray:
    """The run column as the text written; an empty cell is a LoadError naming its row."""
    if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
        vals = col.to_numpy()
        missing = pd.isna(col).to_numpy()
        text = np.array(
            [
                ""
                if m
                else str(int(v))
                if isinstance(v, float | np.floating) and float(v).is_integer()
                else str(v)
                for v, m in zip(vals, missing, strict=True)
            ],
            dtype=object,
        )
    else:
        missing = pd.isna(col).to_numpy()
        text = np.where(missing, "", col.astype(object).to_numpy()).astype(str).astype(object)
    empty = missing | (np.char.strip(text.astype(str)) == "")
    if empty.any():
        i = int(np.flatnonzero(empty)[0])
        raise LoadError(
            path,
            f"run column {name!r} is empty at row {i + 1} ({int(empty.sum())} row(s) in "
            "all; an empty cell or 'nan'); every row needs its run's name. Fill those "
            "cells, or drop the column to load the file as one run.",
        )
    return text
