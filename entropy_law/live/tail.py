"""Incremental readers of logs that are still being written (``entropy-law watch``).

Each reader keeps its file's byte offset and reads only what was appended since the last
:meth:`Tail.poll`; :attr:`Tail.bytes_read` counts every byte read from disk, so a test can
check that each byte of a growing file is read once. A partly written last record (a TFRecord
whose length or CRC is not all there, a JSON line without its newline, a console line cut
mid-write) is never an error: its bytes are kept in memory and completed by the next read.

Readers (:func:`entropy_law.live.readers.tail_for` picks one by file name):

``TfeventsTail``      TensorBoard ``events.out.tfevents.*``: records framed and CRC-checked by
                      :mod:`entropy_law.loaders._tfrecord`, scalars decoded by
                      :mod:`entropy_law.loaders._tfevents`; a complete record that fails its CRC
                      is skipped with a :class:`~entropy_law.errors.TruncatedLogWarning`;
``JsonlTail``         JSON Lines, one object per step (verl's file logger ``{"step", "data"}``
                      or flat/nested objects with a ``step`` / ``global_step`` / ``_step`` key);
``VerlConsoleTail``   verl console logs (``step:12 - actor/entropy:0.53 - ...``); its subclass
                      :class:`~entropy_law.live.tail_console.ConsoleTail` also reads the dicts
                      Hugging Face ``Trainer`` / TRL print (the reader of ``.log`` files);
``TrainerStateTail``  TRL / transformers ``trainer_state.json``: a small JSON document
                      rewritten as a whole, so it is re-read (by the loader,
                      :mod:`entropy_law.loaders.hf_trainer_state`) when its size or mtime
                      changes, and only the ``log_history`` rows not yet returned are new;
``WandbTail``         W&B ``run-<id>.wandb`` transaction logs (:mod:`entropy_law.live.tail_wandb`).

:meth:`Tail.poll` returns ``[(step, {metric: value}), ...]`` in file order.
"""

from __future__ import annotations

import json
import math
import os
import warnings
from pathlib import Path

from ..errors import DataWarning, LoadError, TruncatedLogWarning
from ..loaders._numbers import flatten
from ..loaders._tfevents import decode_records
from ..loaders._tfrecord import BAD_LENGTH, frame_records
from ..loaders.hf_trainer_state import read as read_trainer_state
from ..loaders.verl_console import _ANSI, _STEP, _value

__all__ = ["Tail", "TfeventsTail", "JsonlTail", "VerlConsoleTail", "TrainerStateTail", "Record"]

Record = tuple[int, dict[str, float]]
_STEP_KEYS = ("step", "global_step", "_step", "trainer/global_step", "training_iteration")
_CHUNK = 1 << 20


class Tail:
    """Follow one growing file from byte 0; subclasses turn complete bytes into records."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.offset = 0  # bytes of the file consumed so far (read from disk)
        self.bytes_read = 0  # total bytes read from disk (equals offset unless the file shrank)
        self._pending = b""  # read but not yet a complete record

    def _read_new(self) -> bytes:
        try:
            size = self.path.stat().st_size
        except OSError:
            return b""
        if size < self.offset:  # truncated or replaced: start again
            warnings.warn(
                f"{self.path}: the file shrank from {self.offset} to {size} bytes (rewritten?); "
                "reading it again from the start.",
                DataWarning,
                stacklevel=3,
            )
            self.offset, self._pending = 0, b""
            self.reset()
        if size == self.offset:
            return b""
        with self.path.open("rb") as fh:
            fh.seek(self.offset)
            new = fh.read(size - self.offset)
        self.offset += len(new)
        self.bytes_read += len(new)
        return new

    def reset(self) -> None:
        """Forget parser state after the file was rewritten (subclasses)."""

    def poll(self) -> list[Record]:
        """The records completed since the last poll."""
        new = self._read_new()
        if not new:
            return []
        buf = self._pending + new
        records, used = self._parse(buf)
        self._pending = buf[used:]
        return records

    def _parse(self, buf: bytes) -> tuple[list[Record], int]:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def pending_bytes(self) -> int:
        """Bytes of an incomplete last record held for the next poll."""
        return len(self._pending)


class TfeventsTail(Tail):
    """A TensorBoard event file being written."""

    def _parse(self, buf: bytes) -> tuple[list[Record], int]:
        offsets, lengths, tail = frame_records(buf)
        if not len(offsets):
            if tail == BAD_LENGTH:
                return self._skip_damage(buf)
            return [], 0
        dec, cut, why = decode_records(buf, offsets, lengths)
        by_step: dict[int, dict[str, float]] = {}
        for s, t, v in zip(dec.step.tolist(), dec.tag.tolist(), dec.value.tolist()):
            if math.isfinite(v):
                by_step.setdefault(int(s), {})[dec.tags[t]] = float(v)
        records = list(by_step.items())
        if cut < len(offsets):  # a complete record failed its CRC: skip it, keep going
            warnings.warn(
                f"{self.path}: {why} in the record at byte "
                f"{self.offset - len(buf) + int(offsets[cut])}; skipped that record.",
                TruncatedLogWarning,
                stacklevel=3,
            )
            end = int(offsets[cut] + 16 + lengths[cut])
            more, used = self._parse(buf[end:])
            return records + more, end + used
        used = int(offsets[-1] + 16 + lengths[-1])
        if tail == BAD_LENGTH:
            more, extra = self._skip_damage(buf[used:])
            return records + more, used + extra
        return records, used

    def _skip_damage(self, buf: bytes) -> tuple[list[Record], int]:
        warnings.warn(
            f"{self.path}: a record length fails its CRC32C (damaged file) at byte "
            f"{self.offset - len(buf)}; skipped the {len(buf)} bytes read after it.",
            TruncatedLogWarning,
            stacklevel=4,
        )
        return [], len(buf)


def _numeric(d: dict) -> dict[str, float]:
    out = {}
    for k, v in d.items():
        if isinstance(v, bool) or not isinstance(v, int | float):
            continue
        if math.isfinite(v):
            out[str(k)] = float(v)
    return out


def _step_of(d: dict) -> int | None:
    for k in _STEP_KEYS:
        v = d.get(k)
        if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v):
            return int(v)
    return None


class _LineTail(Tail):
    """Complete lines only: the bytes after the last newline wait for the next poll."""

    def _parse(self, buf: bytes) -> tuple[list[Record], int]:
        end = buf.rfind(b"\n") + 1
        out: list[Record] = []
        for i, line in enumerate(buf[:end].splitlines()):
            rec = self._line(line.decode("utf-8", errors="replace"), i)
            if rec is not None:
                out.append(rec)
        return out, end

    def _line(self, line: str, i: int) -> Record | None:  # pragma: no cover - abstract
        raise NotImplementedError


class JsonlTail(_LineTail):
    """JSON Lines being appended (one object per step)."""

    def __init__(self, path: str | os.PathLike) -> None:
        super().__init__(path)
        self.lines = 0
        self.bad_lines = 0

    def reset(self) -> None:
        self.lines = self.bad_lines = 0

    def _line(self, line: str, i: int) -> Record | None:
        if not line.strip():
            return None
        self.lines += 1
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            obj = None
        if not isinstance(obj, dict):
            self.bad_lines += 1
            if self.bad_lines == 1:
                warnings.warn(
                    f"{self.path}: line {self.lines} is a complete line but not a JSON object; "
                    "skipped (further such lines are skipped silently).",
                    DataWarning,
                    stacklevel=4,
                )
            return None
        if obj.keys() >= {"step", "data"} and isinstance(obj["data"], dict):
            flat = {"step": obj["step"], **flatten(obj["data"])}  # verl's file logger
        else:
            flat = flatten(obj)
        step = _step_of(flat)
        if step is None:
            step = self.lines  # no step key: the line number
        return step, {k: v for k, v in _numeric(flat).items() if k not in _STEP_KEYS}


class VerlConsoleTail(_LineTail):
    """A verl console log being written (``trainer.logger=['console']`` redirected to a file)."""

    def _line(self, line: str, i: int) -> Record | None:
        m = _STEP.search(_ANSI.sub("", line))
        if not m:
            return None
        vals: dict[str, float] = {}
        for item in m.group(2).split(" - "):
            key, sep, val = item.rpartition(":")
            v = _value(val) if sep and key else None
            if v is not None and math.isfinite(v):
                vals[key.strip()] = v
        return int(m.group(1)), vals


class TrainerStateTail(Tail):
    """``trainer_state.json`` (rewritten whole at each save): re-read with the loader
    (:mod:`entropy_law.loaders.hf_trainer_state`) when its size or mtime changes; only the
    rows after those already returned are new (``log_history`` only grows)."""

    def __init__(self, path: str | os.PathLike) -> None:
        super().__init__(path)
        self._seen: tuple[int, int] | None = None
        self._n = 0  # rows of the table already returned

    def poll(self) -> list[Record]:
        try:
            st = self.path.stat()
        except OSError:
            return []
        sig = (st.st_size, st.st_mtime_ns)
        if sig == self._seen:
            return []
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                table = read_trainer_state(self.path)
        except (LoadError, OSError, ValueError):
            return []  # mid-rewrite, or no metric logged yet: try again at the next poll
        self._seen = sig
        self.bytes_read += st.st_size
        new = table.iloc[self._n :]
        self._n = len(table)
        out: dict[int, dict[str, float]] = {}
        for step, key, value in zip(new["step"].tolist(), new["metric"].tolist(), new["value"].tolist()):
            if math.isfinite(value):
                out.setdefault(int(step), {})[str(key)] = float(value)
        return list(out.items())
