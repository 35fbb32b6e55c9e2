"""TFRecord framing and CRC32C checks of TensorBoard event files.

An event file is a sequence of records::

    uint64  length            (little-endian)
    uint32  masked_crc32c(length bytes)
    bytes   data[length]      (a serialised ``tensorboard.Event`` protobuf)
    uint32  masked_crc32c(data)

with ``masked(c) = ((c >> 15) | (c << 17)) + 0xa282ead8  (mod 2**32)``.

* **framing**: the record offsets are found by a short Python walk that learns the
  period of the record lengths (one event per tag, the same tags every step) and then
  *predicts* thousands of offsets at once, checking every predicted length against the
  bytes on disk; the first mismatch falls back to the plain walk;
* **CRC32C**: CRC is affine over GF(2), so inside a class of records of one layout
  ``crc(x) = crc(x0) ^ XOR_j P_j[x_j ^ x0_j]`` over the variable bytes j only, with
  256-entry tables per byte position; the length CRC is the same for every record of
  one length. Every record's two checksums are still verified.
"""

from __future__ import annotations

import struct
from functools import lru_cache

import google_crc32c
import numpy as np

__all__ = ["masked_crc", "frame_records", "BAD_LENGTH"]

_U64 = struct.Struct("<Q")
BAD_LENGTH = "CRC32C mismatch in the record length"
_MASK_DELTA = 0xA282EAD8
_POLY = 0x82F63B78  # CRC32C (Castagnoli), reflected


def masked_crc(data: bytes) -> int:
    """Masked CRC32C of *data*, as stored in a TFRecord."""
    c = google_crc32c.value(data)
    return (((c >> 15) | (c << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def _mask(c: np.ndarray) -> np.ndarray:
    c = c.astype(np.uint32)
    return ((c >> np.uint32(15)) | (c << np.uint32(17))) + np.uint32(_MASK_DELTA)


def _table() -> np.ndarray:
    t = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        t = np.where(t & 1, (t >> 1) ^ np.uint32(_POLY), t >> 1).astype(np.uint32)
    return t


_T = _table()


@lru_cache(maxsize=512)
def _position_tables(length: int) -> tuple[np.ndarray, int]:
    """Per-position contribution tables ``P[j, b]`` and ``crc32c(b'\\0' * length)``."""
    p = np.empty((length, 256), dtype=np.uint32)
    r = _T.copy()
    p[length - 1] = r
    for j in range(length - 2, -1, -1):
        r = _T[r & 0xFF] ^ (r >> np.uint32(8))
        p[j] = r
    return p, google_crc32c.value(bytes(length))


def _class_crcs(m: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """CRC32C of every row of *m*, given that rows differ from row 0 only at *cols*.

    CRC is affine over GF(2): ``crc(x) = crc(x0) ^ lin(x ^ x0)``, and ``x ^ x0`` is zero
    outside *cols*, so only those byte positions are looked up.
    """
    n, length = m.shape
    ref = google_crc32c.value(m[0].tobytes())
    if n == 1:
        return np.array([ref], dtype=np.uint32)
    if length > 4096 or n < 4:
        return np.array([google_crc32c.value(r.tobytes()) for r in m], dtype=np.uint32)
    out = np.full(n, ref, dtype=np.uint32)
    if cols.size:
        pc = _position_tables(length)[0][cols]
        d = m[:, cols] ^ m[0, cols]
        out ^= np.bitwise_xor.reduce(pc[np.arange(cols.size), d], axis=1)
    return out


def _gather(arr: np.ndarray, starts: np.ndarray, width: int) -> np.ndarray:
    """Rows ``arr[s:s + width]`` for every s in *starts* (a fresh C-contiguous array)."""
    if width == 0 or len(starts) == 0 or len(arr) < width:  # a file of 1-3 bytes
        return np.zeros((len(starts), width), dtype=np.uint8)
    return np.lib.stride_tricks.sliding_window_view(arr, width)[starts]


# ----------------------------------------------------------------------------- framing
def frame_records(buf: bytes) -> tuple[np.ndarray, np.ndarray, str | None]:
    """Offsets and lengths of every complete record, and why the walk stopped early.

    Returns ``(offsets, lengths, tail)`` where *tail* is ``None`` when the last record
    ends exactly at the end of the file, :data:`BAD_LENGTH` when the record after the
    last complete one has a damaged length, else a description of the incomplete tail.
    CRCs are checked by :func:`decode_records`.
    """
    n = len(buf)
    arr = np.frombuffer(buf, dtype=np.uint8)
    offs: list[np.ndarray] = []
    lens: list[np.ndarray] = []
    o_py: list[int] = []
    l_py: list[int] = []
    hist: list[int] = []
    o, period, misses = 0, 0, 0
    tail = None
    while True:
        # -- plain walk until a period of the lengths is known (or every 64 records)
        for _ in range(64 if period else 256):
            if o >= n:
                break
            if o + 12 > n:
                tail = f"{n - o} byte(s) of a record header"
                break
            length = _U64.unpack_from(buf, o)[0]
            if o + 16 + length > n:
                if masked_crc(buf[o : o + 8]) != struct.unpack_from("<I", buf, o + 8)[0]:
                    tail = BAD_LENGTH
                else:
                    tail = f"a record of {length} bytes with only {n - o - 12} byte(s) present"
                break
            o_py.append(o)
            l_py.append(length)
            hist.append(length)
            o += 16 + length
        if o >= n or tail is not None:
            break
        hist = hist[-2048:]
        if not period or misses > 4:
            period, misses = _period(hist), 0
            if not period:
                continue
        # -- speculate: the next records repeat the last `period` lengths
        while o < n:
            reps = max(1, 8192 // period)
            pred = np.tile(np.asarray(hist[-period:], dtype=np.int64), reps)
            pos = o + np.concatenate(([0], np.cumsum(pred + 16)[:-1]))
            inside = pos + 16 + pred <= n
            ok = inside.copy()
            if ok.any():
                got = _gather(arr, pos[inside], 8).view("<u8").ravel()
                ok[inside] = got == pred[inside].astype(np.uint64)
            k = int(np.argmin(ok)) if not ok.all() else len(ok)
            if k == 0:
                misses += 1
                break
            if o_py:
                offs.append(np.asarray(o_py, np.int64))
                lens.append(np.asarray(l_py, np.int64))
                o_py, l_py = [], []
            offs.append(pos[:k])
            lens.append(pred[:k])
            hist = hist + pred[max(0, k - period) : k].tolist()
            o = int(pos[k - 1] + 16 + pred[k - 1])
            if k < len(ok):
                misses += 1
                break
    if o_py:
        offs.append(np.asarray(o_py, np.int64))
        lens.append(np.asarray(l_py, np.int64))
    if not offs:
        return np.empty(0, np.int64), np.empty(0, np.int64), tail
    return np.concatenate(offs), np.concatenate(lens), tail


def _period(hist: list[int]) -> int:
    """Smallest p such that the last (up to 1024) lengths repeat with period p (0 if none)."""
    h = np.asarray(hist[-1024:], dtype=np.int64)
    w = len(h)
    for p in np.flatnonzero(h[::-1][1 : w // 2 + 1] == h[-1]) + 1:
        if np.array_equal(h[p:], h[:-p]):
            return int(p)
    return 0


def _by_length(lengths: np.ndarray):
    if len(lengths) == 0:
        return
    order = np.argsort(lengths, kind="stable")
    sl = lengths[order]
    cuts = np.flatnonzero(np.diff(sl)) + 1
    for grp in np.split(order, cuts):
        yield int(lengths[grp[0]]), grp
