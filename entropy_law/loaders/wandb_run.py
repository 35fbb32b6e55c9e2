"""Local Weights & Biases run folders (``wandb/run-*`` and ``wandb/offline-run-*``).

A run folder holds the run's history in one of two places:

``files/wandb-history.jsonl`` (older SDKs)
    one JSON object per logged row (``_step``, ``_runtime``, ``_timestamp``, metrics).
``run-<id>.wandb`` (every SDK; for current SDKs the only local copy of the history)
    a binary transaction log. Layout, checked against the wandb core writer
    (``core/pkg/leveldb/record.go`` and ``transactionlog``) and against files written by
    wandb 0.31 here:

    * a 7-byte header: ``b":W&B"``, the magic ``0xBEE1`` (2 bytes, little-endian) and a
      version byte (0);
    * LevelDB-log framing in 32 KiB blocks counted from the start of the file (the
      header sits inside block 0). Each chunk has a 7-byte header ``crc32 (4, LE),
      length (2, LE), type (1)`` -- type 1 full, 2 first, 3 middle, 4 last -- and the
      checksum is the plain IEEE CRC-32 (``zlib.crc32``, not masked CRC-32C) of the type
      byte and the payload. A block tail shorter than 7 bytes is zero padding;
    * each record is a ``wandb.proto.wandb_internal_pb2.Record``. History rows are
      ``record.history`` with items ``nested_key`` (or ``key``) and ``value_json``.

    Reading it needs the ``wandb`` package (``pip install 'entropy-law[wandb]'``), which
    is imported only here.

Conventions
-----------
* step: the row's ``_step`` (W&B's step; it equals the trainer step when the trainer
  passes ``step=``, as verl does). For HF Trainer / TRL, where ``_step`` is a call
  counter, pass ``step="train/global_step"`` to :func:`read_run`.
* wall_time: ``_timestamp``. Keys starting with ``_`` (W&B bookkeeping) are not metrics.
* nested dicts become dotted keys (``{"a": {"b": 1}}`` -> ``a.b``), as the W&B UI and
  ``run.history()`` name them.
* values: numbers are kept exactly (JSON floats round-trip). Media and other W&B objects
  (dicts with ``_type``) and ``null`` are skipped silently; other non-numbers (text,
  booleans, lists) are skipped with one :class:`DataWarning` that counts them per key.
* attributes (``table.attrs["run_meta"][run]``): ``files/wandb-metadata.json`` as
  ``wandb_metadata`` and ``files/config.yaml`` as ``wandb_config`` (parsed when PyYAML is
  installed), where present.
* run name: the ``display_name`` of the run record in the ``.wandb`` file, else its
  ``run_id``, else the folder name.
* damage: a truncated ``.wandb`` file or a bad checksum keeps every intact record, skips
  to the next 32 KiB block (the LevelDB recovery rule) and warns with
  :class:`TruncatedLogWarning` naming the file and byte offset.
"""

from __future__ import annotations

import struct
import warnings
import zlib
from pathlib import Path

import pandas as pd

from ..errors import DataWarning, LoadError, TruncatedLogWarning
from ._jsonlines import numbered_objects
from ._numbers import flatten
from ._wandb_rows import Rows, parse_value_json
from .base import Reader

__all__ = ["READER", "read", "read_run", "iter_records", "sniff_dir", "sniff_file"]

HEADER = b":W&B"
MAGIC = 0xBEE1
HEADER_LEN = 7
BLOCK = 32768
_FULL, _FIRST, _MIDDLE, _LAST = 1, 2, 3, 4
INSTALL_HINT = (
    "reading the binary .wandb file needs the wandb package: pip install "
    "'entropy-law[wandb]' (or export the history with run.history() to CSV)"
)


# ---------------------------------------------------------------- sniffing
def sniff_file(path: Path) -> bool:
    """True for a file named ``*.wandb`` that starts with ``:W&B``."""
    path = Path(path)
    if path.suffix != ".wandb" or not path.is_file():
        return False
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == HEADER
    except OSError:
        return False


def sniff_dir(path: Path) -> bool:
    """True for a run folder: it holds ``run-*.wandb`` or ``files/wandb-history.jsonl``.

    The ``wandb/latest-run`` symlink is not claimed, so a run is not read twice.
    """
    path = Path(path)
    if path.name == "latest-run" and path.is_symlink():
        return False
    return (path / "files" / "wandb-history.jsonl").is_file() or any(path.glob("run-*.wandb"))


# ---------------------------------------------------------------- binary framing
def iter_records(path: Path):
    """Yield the raw payload of every intact record of a ``.wandb`` file.

    Damaged or cut chunks are skipped up to the next block; one
    :class:`TruncatedLogWarning` per damage names the file and byte offset.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(path, f"cannot read the file ({exc.strerror}).") from None
    if len(data) < HEADER_LEN or data[:4] != HEADER:
        raise LoadError(
            path,
            f"not a W&B transaction log: expected the header {HEADER!r}, "
            f"found {data[:4]!r}. Pass the run folder or its run-*.wandb file.",
        )
    magic, version = struct.unpack_from("<HB", data, 4)
    if magic != MAGIC or version != 0:
        warnings.warn(
            f"{path}: unknown .wandb header (magic {magic:#06x}, version {version}; "
            f"expected {MAGIC:#06x}, 0); reading it as version 0.",
            DataWarning,
            stacklevel=3,
        )
    pos, n, parts = HEADER_LEN, len(data), None

    def damage(at: int, why: str) -> int:
        nxt = min((at // BLOCK + 1) * BLOCK, n)
        then = "" if nxt >= n else f", resumed at the next block (byte {nxt})"
        warnings.warn(
            f"{path}: damaged record at byte offset {at} ({why}); kept every record before it{then}.",
            TruncatedLogWarning,
            stacklevel=3,
        )
        return nxt

    while pos < n:
        room = BLOCK - pos % BLOCK
        if room < HEADER_LEN:  # zero padding at a block's tail
            pos += room
            continue
        if pos + HEADER_LEN > n:
            pos, parts = damage(pos, "file ends inside a chunk header"), None
            continue
        crc, length, kind = struct.unpack_from("<IHB", data, pos)
        if crc == 0 and length == 0 and kind == 0:  # pre-allocated zeroes: skip the block
            pos += room
            continue
        end = pos + HEADER_LEN + length
        if length > room - HEADER_LEN or end > n:
            why = "file ends inside the record" if end > n else "length overflows the block"
            pos, parts = damage(pos, why), None
            continue
        payload = data[pos + HEADER_LEN : end]
        if zlib.crc32(payload, zlib.crc32(bytes([kind]))) != crc or kind not in (1, 2, 3, 4):
            pos, parts = damage(pos, "checksum mismatch"), None
            continue
        if kind == _FULL:
            parts = None
            yield payload
        elif kind == _FIRST:
            parts = [payload]
        elif parts is not None:  # middle/last chunks without a first one are orphans
            parts.append(payload)
            if kind == _LAST:
                yield b"".join(parts)
                parts = None
        pos = end
    if parts is not None:
        warnings.warn(
            f"{path}: the last record is cut (the run stopped while writing it); "
            "kept every record before it.",
            TruncatedLogWarning,
            stacklevel=3,
        )


# ---------------------------------------------------------------- readers
def _read_jsonl(path: Path, rows: Rows) -> None:
    try:
        lines = path.read_bytes().decode("utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise LoadError(path, f"cannot read the file ({exc.strerror}).") from None
    objs, bad = numbered_objects(lines)
    for i, obj in objs:
        rows.add_row(flatten(obj, sep=".", keep_media=True), where=f"line {i}")
    cut = [(i, why) for i, why in bad if i == len(lines)]
    if cut:
        warnings.warn(
            f"{path}: the last line ({len(lines)}) is cut (the run stopped while "
            "writing it); kept every row before it.",
            TruncatedLogWarning,
            stacklevel=3,
        )
    for i, why in bad:
        if not cut or i != len(lines):
            rows.bad_row(f"line {i}", why)


def _read_binary(path: Path, rows: Rows) -> str | None:
    """Read history rows from a ``.wandb`` file; return the run's name if recorded."""
    try:
        from wandb.proto import wandb_internal_pb2 as pb
    except ImportError:
        raise LoadError(path, INSTALL_HINT) from None
    name, undecodable, n_hist = None, 0, 0
    for raw in iter_records(path):
        try:
            rec = pb.Record.FromString(raw)
        except Exception:
            undecodable += 1
            continue
        kind = rec.WhichOneof("record_type")
        if kind == "history":
            n_hist += 1
            row: dict = {}
            for item in rec.history.item:
                nk = item.nested_key
                key = (nk[0] if len(nk) == 1 else ".".join(nk)) if nk else item.key
                v = parse_value_json(item.value_json)
                if isinstance(v, dict) and "_type" not in v:
                    row.update(flatten(v, key + ".", sep=".", keep_media=True))
                else:
                    row[key] = v
            rows.add_row(row, fallback_step=rec.history.step.num, where=f"history record {n_hist}")
        elif kind == "run" and name is None:
            name = rec.run.display_name or rec.run.run_id or None
    if undecodable:
        warnings.warn(
            f"{path}: {undecodable} record(s) with a valid checksum could not be "
            "decoded (written by a newer wandb?); they were skipped.",
            DataWarning,
            stacklevel=3,
        )
    return name


def _run_name(path: Path) -> str | None:
    """The run's name from the first run record of a ``.wandb`` file, or None."""
    try:
        from wandb.proto import wandb_internal_pb2 as pb

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for raw in iter_records(path):
                rec = pb.Record.FromString(raw)
                if rec.WhichOneof("record_type") == "run":
                    return rec.run.display_name or rec.run.run_id or None
    except Exception:
        return None
    return None


def read_run(path: Path, *, step: str = "_step") -> pd.DataFrame:
    """Read a W&B run folder, or one ``run-*.wandb`` file, into a long table.

    Parameters
    ----------
    path : Path
        A run folder (``wandb/run-<date>-<id>``, ``wandb/offline-run-<date>-<id>``) or a
        ``.wandb`` file.
    step : str
        The key used as the step: ``"_step"`` (default) or a logged metric such as
        ``"train/global_step"`` (HF Trainer / TRL log without ``step=``).

    Returns
    -------
    DataFrame
        Columns ``run, step, metric, value, wall_time`` in file order (not yet tidied).

    Raises
    ------
    LoadError
        The folder holds no history, the file is not a W&B log, or the binary file needs
        the missing ``wandb`` package.
    """
    path = Path(path)
    if path.is_file():
        folder, binaries, jsonl = path.parent, [path], None
    elif path.is_dir():
        folder = path
        binaries = sorted(path.glob("run-*.wandb"))
        jsonl = path / "files" / "wandb-history.jsonl"
        jsonl = jsonl if jsonl.is_file() else None
    else:
        raise LoadError(
            path,
            "no such file or folder; expected a W&B run folder "
            "(wandb/run-<date>-<id>) or its run-<id>.wandb file.",
        )
    if jsonl is None and not binaries:
        raise LoadError(
            path,
            "not a W&B run folder: expected files/wandb-history.jsonl or "
            "run-<id>.wandb inside it; pass one of the run-* folders under "
            "wandb/.",
        )
    rows, name = Rows(step), None
    if jsonl is not None:
        _read_jsonl(jsonl, rows)
        name = _run_name(binaries[0]) if binaries else None
    else:
        for b in binaries:
            name = _read_binary(b, rows) or name
    origin = jsonl if jsonl is not None else path
    if not rows.step and rows.no_step and step != "_step":
        raise LoadError(
            origin,
            f"no history row holds the step key {step!r}; use "
            "step='_step' or a key that is logged on every row.",
        )
    out = rows.frame(name or folder.name, origin)
    from .wandb_console import folder_meta

    files = folder / "files"
    out.attrs["meta"] = folder_meta(
        *(p if p.is_file() else None for p in (files / "wandb-metadata.json", files / "config.yaml"))
    )
    return out


def read(path: Path) -> pd.DataFrame:
    """Reader entry point: :func:`read_run` with the default step ``_step``."""
    return read_run(path)


READER = Reader(
    name="wandb-run",
    description="Weights & Biases run folder (run-*.wandb or files/wandb-history.jsonl)",
    read=read,
    sniff_file=sniff_file,
    sniff_dir=sniff_dir,
)
