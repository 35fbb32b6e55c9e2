"""Read scalars from TensorBoard event files (``events.out.tfevents.*``).

Reads what PyTorch's and tensorboardX's ``SummaryWriter.add_scalar`` write
(``Summary.Value.simple_value``, a float32) and the tensor form of TF2 writers and of
``add_scalar(..., new_style=True)`` (a one-element ``float_val``/``double_val``/
``tensor_content`` tensor whose tag carries the ``scalars`` plugin, or carries no plugin
at all). TF2 writers put the plugin metadata only on the *first* event of a tag; the
plugin is remembered per tag. Histograms, images, audio, text and tensors of other
plugins are skipped.

Every record's two CRC32C checksums are verified. Nothing is downsampled (unlike
tensorboard's ``EventAccumulator``, which keeps 10,000 scalars per tag by default).
float32 values are returned as the float64 of exactly the stored float32.

A damaged file (cut mid-record, a flipped byte) yields every intact record *before* the
damage and a :class:`~entropy_law.errors.TruncatedLogWarning`. The ``tensorboard``
package is not needed at run time: records are decoded by :mod:`._tfevents`.

Examples
--------
>>> from entropy_law.loaders.tensorboard import read_events
>>> df = read_events("runs/exp1/events.out.tfevents.1700000000.host.1.0")  # doctest: +SKIP
>>> list(df.columns)                                                       # doctest: +SKIP
['step', 'metric', 'value', 'wall_time']
"""

from __future__ import annotations

import os
import struct
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import DataWarning, LoadError, TruncatedLogWarning
from ._tfevents import BAD_LENGTH, decode_records, frame_records, masked_crc
from .base import Reader

__all__ = ["read", "read_events", "sniff_file", "sniff_dir", "READER"]

_EXPECTED = (
    "expected a TensorBoard event file (records framed as 8-byte length, CRC32C, Event protobuf, CRC32C)"
)
_COLUMNS = ("step", "metric", "value", "wall_time")


def read_events(path: str | os.PathLike) -> pd.DataFrame:
    """Read every scalar point of one event file.

    Parameters
    ----------
    path : str or PathLike
        An ``events.out.tfevents.*`` file.

    Returns
    -------
    DataFrame
        Columns ``step`` (int64, ``Event.step``), ``metric`` (str, the summary tag),
        ``value`` (float64) and ``wall_time`` (float64, ``Event.wall_time``), one row per
        scalar in file order. Empty (with these columns) when the file holds no scalars.

    Raises
    ------
    LoadError
        The path is missing or a folder, the file is empty, or its first record is not
        a valid TFRecord (the file is not an event file).

    Warns
    -----
    TruncatedLogWarning
        The file ends inside a record, or a record fails its CRC: the points of every
        record before it are returned, the rest of the file is skipped.
    DataWarning
        A record with valid checksums is not an ``Event`` protobuf (it is skipped).
    """
    path = Path(path)
    if not path.exists():
        raise LoadError(
            path, "no such file. Check the path (event files are named events.out.tfevents.<time>.<host>...)."
        )
    if path.is_dir():
        raise LoadError(
            path,
            "read_events() reads one event file but this is a folder; "
            "use entropy_law.loaders.tensorboard.read() for a run folder.",
        )
    buf = path.read_bytes()
    if not buf:
        raise LoadError(
            path,
            f"{_EXPECTED}; found an empty file (0 bytes). The writer may "
            "not have flushed yet: wait for it, or delete the file.",
        )
    offsets, lengths, tail = frame_records(buf)
    dec, cut, why = decode_records(buf, offsets, lengths)
    if cut == 0:
        found = (
            (why or f"the file ends inside its first record ({tail})")
            if len(offsets)
            else f"no complete record ({tail})"
        )
        raise LoadError(
            path,
            f"{_EXPECTED}; found {found}; the file starts with "
            f"{buf[:16]!r}. Pass an events.out.tfevents.* file, or pick "
            "the right format for this file (see entropy_law.formats()).",
        )
    if cut == len(offsets) and tail == BAD_LENGTH:  # damaged length of the next record
        at, why = int(offsets[-1] + 16 + lengths[-1]), tail
    elif cut < len(offsets):
        at = int(offsets[cut])
    if why:
        warnings.warn(
            f"{path}: {why} at byte offset {at} (record {cut + 1}); read the {cut} intact "
            f"record(s) before it ({dec.value.size} scalar points) and skipped the rest of "
            f"the file ({len(buf) - at} bytes). The file is damaged or was cut while being "
            "written; the points before the damage are kept.",
            TruncatedLogWarning,
            stacklevel=2,
        )
    elif tail is not None:
        end = int(offsets[-1] + 16 + lengths[-1])
        warnings.warn(
            f"{path}: the file ends inside a record at byte offset {end} ({tail}); read "
            f"the {cut} intact record(s) before it ({dec.value.size} scalar points) and "
            f"skipped the rest ({len(buf) - end} bytes). The run was probably still writing "
            "or was killed mid-write; the points before are kept.",
            TruncatedLogWarning,
            stacklevel=2,
        )
    if dec.bad_records:
        warnings.warn(
            f"{path}: skipped {len(dec.bad_records)} record(s) whose checksums are valid but "
            f"which are not Event protobufs (first at byte offset "
            f"{int(offsets[dec.bad_records[0]])}). Was the file written by a TensorBoard "
            "writer?",
            DataWarning,
            stacklevel=2,
        )
    return _frame(dec.step, dec.tag, dec.tags, dec.value, dec.wall_time)


def _frame(step, codes, tags, value, wall_time) -> pd.DataFrame:
    try:  # pandas >= 2.3: the default ``str`` dtype, built without Python objects
        dtype = pd.StringDtype("pyarrow", na_value=np.nan)
        metric = pa.DictionaryArray.from_arrays(
            pa.array(codes, type=pa.int32()), pa.array(tags, type=pa.large_string())
        )
        metric = pd.array(metric.cast(pa.large_string()), dtype=dtype)
    except TypeError:  # older pandas
        metric = np.asarray(tags, dtype=object)[np.asarray(codes, dtype=np.intp)]
    return pd.DataFrame(
        {
            "step": np.asarray(step, dtype=np.int64),
            "metric": metric,
            "value": np.asarray(value, dtype=np.float64),
            "wall_time": np.asarray(wall_time, dtype=np.float64),
        }
    )


def _event_files(folder: Path) -> list[Path]:
    """The folder's event files of its own run: those named ``events.out.tfevents.*``.

    Files with a prefix before ``events.out.tfevents`` (``<run>__events.out.tfevents...``,
    several runs' files gathered in one folder) are runs of their own, read one by one;
    a folder holding only such files reads them all.
    """
    files = sorted(
        (Path(e.path) for e in os.scandir(folder) if "tfevents" in e.name and e.is_file()),
        key=lambda p: p.name,
    )
    bare = [f for f in files if f.name.startswith("events.out.tfevents")]
    return bare or files


def prefixed_event_files(folder: Path) -> list[Path]:
    """Event files named ``<prefix>events.out.tfevents...``: each is a run of its own."""
    return sorted(
        f
        for f in folder.iterdir()
        if f.is_file() and "tfevents" in f.name and not f.name.startswith("events.out.tfevents")
    )


def read(path: str | os.PathLike) -> pd.DataFrame:
    """Read one event file, or every event file directly inside a run folder, as one run.

    The files of a folder are read in name order (``events.out.tfevents.<time>...``
    sorts by creation time) and concatenated, so for a step logged twice the later file
    comes last and wins in :func:`entropy_law.table.tidy`. Empty (0-byte) files in a
    folder are skipped with a :class:`~entropy_law.errors.DataWarning`.

    Returns
    -------
    DataFrame
        Columns ``step, metric, value, wall_time`` (see :func:`read_events`).

    Raises
    ------
    LoadError
        No event file, every file empty, a file that is not an event file, or no scalar
        summaries at all.
    """
    path = Path(path)
    if not path.is_dir():
        return _require_scalars(path, [path], read_events(path))
    files = _event_files(path)
    if not files:
        subs = sorted(p.name for p in path.iterdir() if p.is_dir() and sniff_dir(p))
        hint = (
            f" The sub-folders {subs[:5]} hold event files: pass one of them, or load "
            "this folder with entropy_law.load(), which reads each as a run."
            if subs
            else " Pass the folder the SummaryWriter wrote to (log_dir)."
        )
        raise LoadError(
            path, "expected a TensorBoard run folder holding events.out.tfevents.* files; found none." + hint
        )
    parts, empty, broken = [], [], []
    for f in files:
        if f.stat().st_size == 0:
            empty.append(f.name)
            continue
        try:
            parts.append(read_events(f))
        except LoadError as exc:  # one file without a complete record costs only itself
            if len(files) == 1:
                raise
            broken.append(exc)
    if broken and parts:
        warnings.warn(
            f"{path}: skipped {len(broken)} event file(s) holding no intact record "
            f"({[Path(str(e.path)).name for e in broken][:3]}; a writer killed right after "
            f"opening the file leaves one); read the other {len(parts)} file(s).",
            TruncatedLogWarning,
            stacklevel=2,
        )
    elif broken:
        raise broken[0]
    if empty:
        warnings.warn(
            f"{path}: skipped {len(empty)} empty (0-byte) event file(s): "
            f"{empty[:3]}{' ...' if len(empty) > 3 else ''}. A writer that was "
            "opened but never flushed leaves such files.",
            DataWarning,
            stacklevel=2,
        )
    if not parts:
        raise LoadError(
            path,
            f"every event file in this folder is empty (0 bytes): "
            f"{empty[:3]}. Wait for the writer to flush, or pass another "
            "folder.",
        )
    out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    return _require_scalars(path, files, out)


def _require_scalars(path: Path, files: list[Path], df: pd.DataFrame) -> pd.DataFrame:
    if len(df):
        return df
    raise LoadError(
        path,
        f"found {len(files)} valid event file(s) but no scalar summaries "
        "(only histograms, images, text, graphs or the file header). Log "
        "the metrics with SummaryWriter.add_scalar(tag, value, step).",
    )


def sniff_file(path: Path) -> bool:
    """True if the name contains ``tfevents`` or the first record is CRC-framed."""
    path = Path(path)
    if "tfevents" in path.name:
        return True
    try:
        with open(path, "rb") as fh:
            head = fh.read(12)
    except OSError:
        return False
    return len(head) == 12 and masked_crc(head[:8]) == struct.unpack("<I", head[8:])[0]


def sniff_dir(path: Path) -> bool:
    """True if the folder directly contains a file whose name contains ``tfevents``."""
    try:
        with os.scandir(path) as it:
            return any("tfevents" in e.name and e.is_file() for e in it)
    except OSError:
        return False


READER = Reader(
    name="tensorboard",
    description="TensorBoard event files (events.out.tfevents.*): scalar summaries",
    read=read,
    sniff_file=sniff_file,
    sniff_dir=sniff_dir,
)
