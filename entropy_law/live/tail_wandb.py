"""Follow a W&B run's ``run-<id>.wandb`` transaction log while the SDK writes it.

The framing is that of :mod:`entropy_law.loaders.wandb_run` (a 7-byte ``:W&B`` header, then
LevelDB-log chunks in 32 KiB blocks counted from the start of the file, each chunk
``crc32, length, type`` + payload; records of several chunks are ``first, middle..., last``).
:class:`WandbTail` keeps the absolute position of the next chunk, so each poll parses only
the bytes appended since the last one: a chunk whose header or payload is not all written yet
waits for the next poll (never an error), and the chunks of a record spread over several
polls are joined. A complete chunk that fails its checksum is skipped to the next block (the
LevelDB recovery rule, as the loader does) with a :class:`TruncatedLogWarning`.

Each ``history`` record is one row: its step is ``train/global_step`` when the row has it
(Hugging Face ``Trainer`` / TRL log their step under that key; W&B's own ``_step`` counts
``log`` calls there), else ``_step``, else the record's step number. Keys starting with
``_`` are W&B bookkeeping; non-numbers are not metrics. Decoding needs the ``wandb`` package
(``pip install 'entropy-law[wandb]'``); without it the tail raises a :class:`LoadError` on the
first poll with the install hint (``watch`` then follows the run folder's console log
``files/output.log``).
"""

from __future__ import annotations

import math
import os
import struct
import warnings
import zlib

from ..errors import LoadError, TruncatedLogWarning
from ..loaders._numbers import flatten
from ..loaders._wandb_rows import parse_value_json
from ..loaders.wandb_run import BLOCK, HEADER, HEADER_LEN, INSTALL_HINT
from .tail import Record, Tail

__all__ = ["WandbTail", "wandb_available"]

_CHUNK_HEADER = 7
_FULL, _FIRST, _MIDDLE, _LAST = 1, 2, 3, 4


def wandb_available() -> bool:
    """True when the ``wandb`` package (its protobuf definitions) can be imported."""
    try:
        from wandb.proto import wandb_internal_pb2  # noqa: F401
    except Exception:
        return False
    return True


class WandbTail(Tail):
    """A ``run-<id>.wandb`` file being written (see the module docstring)."""

    def __init__(self, path: str | os.PathLike) -> None:
        super().__init__(path)
        self._pos = 0  # absolute file position of the first byte of self._pending
        self._parts: list[bytes] | None = None
        self._skip_to = 0  # after damage: ignore bytes before this absolute position
        self.name: str | None = None  # the run's display name, once its run record is read
        self._pb = None

    def reset(self) -> None:
        self._pos, self._parts, self._skip_to, self.name = 0, None, 0, None

    def poll(self) -> list[Record]:
        if self._pb is None:
            try:
                from wandb.proto import wandb_internal_pb2
            except ImportError:
                raise LoadError(self.path, INSTALL_HINT) from None
            self._pb = wandb_internal_pb2
        return super().poll()

    def _parse(self, buf: bytes) -> tuple[list[Record], int]:
        pos, end = self._pos, self._pos + len(buf)  # absolute positions
        out: list[Record] = []
        used = 0  # bytes of buf consumed

        def take(upto: int) -> None:
            nonlocal pos, used
            used, pos = upto - self._pos, upto

        if pos < self._skip_to:
            take(min(self._skip_to, end))
        if pos == 0:
            if end < HEADER_LEN:
                return [], 0
            if buf[:4] != HEADER:
                raise LoadError(self.path, f"not a W&B transaction log: expected the header {HEADER!r}.")
            take(HEADER_LEN)
        while pos < end:
            room = BLOCK - pos % BLOCK
            if room < _CHUNK_HEADER:  # zero padding at a block's tail
                if pos + room > end:
                    break
                take(pos + room)
                continue
            if pos + _CHUNK_HEADER > end:
                break  # the chunk header is still being written
            i = pos - self._pos
            crc, length, kind = struct.unpack_from("<IHB", buf, i)
            if crc == 0 and length == 0 and kind == 0:  # zeroes: skip the block once it is all there
                if pos + room > end:
                    break
                take(pos + room)
                continue
            stop = pos + _CHUNK_HEADER + length
            if length > room - _CHUNK_HEADER:
                self._skip_block(pos, "length overflows the block")
                take(min(self._skip_to, end))
                continue
            if stop > end:
                break  # the payload is still being written
            payload = buf[i + _CHUNK_HEADER : i + _CHUNK_HEADER + length]
            if kind not in (1, 2, 3, 4) or zlib.crc32(payload, zlib.crc32(bytes([kind]))) != crc:
                self._skip_block(pos, "checksum mismatch")
                take(min(self._skip_to, end))
                continue
            take(stop)
            if kind == _FULL:
                self._parts = None
                self._record(payload, out)
            elif kind == _FIRST:
                self._parts = [payload]
            elif self._parts is not None:
                self._parts.append(payload)
                if kind == _LAST:
                    self._record(b"".join(self._parts), out)
                    self._parts = None
        self._pos = pos
        return out, used

    def _skip_block(self, at: int, why: str) -> None:
        self._parts = None
        self._skip_to = (at // BLOCK + 1) * BLOCK
        warnings.warn(
            f"{self.path}: damaged record at byte offset {at} ({why}); skipped to the next block.",
            TruncatedLogWarning,
            stacklevel=5,
        )

    def _record(self, raw: bytes, out: list[Record]) -> None:
        assert self._pb is not None
        try:
            rec = self._pb.Record.FromString(raw)
        except Exception:
            return  # a record of a newer SDK: not a history row we can read
        kind = rec.WhichOneof("record_type")
        if kind == "run" and self.name is None:
            self.name = rec.run.display_name or rec.run.run_id or None
        if kind != "history":
            return
        row: dict = {}
        for item in rec.history.item:
            nk = item.nested_key
            key = (nk[0] if len(nk) == 1 else ".".join(nk)) if nk else item.key
            v = parse_value_json(item.value_json)
            if isinstance(v, dict) and "_type" not in v:
                row.update(flatten(v, key + ".", sep="."))
            else:
                row[key] = v
        step = None
        for k in ("train/global_step", "_step"):
            v = row.get(k)
            if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and v == int(v):
                step = int(v)
                break
        if step is None:
            step = int(rec.history.step.num)
        vals = {
            k: float(v)
            for k, v in row.items()
            if k[:1] != "_"
            and k != "train/global_step"
            and isinstance(v, int | float)
            and not isinstance(v, bool)
            and math.isfinite(v)
        }
        out.append((step, vals))
