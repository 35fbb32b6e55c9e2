"""A vectorised decoder of the scalars in TensorBoard ``Event`` records.

Records are framed and their CRCs checked by :mod:`._tfrecord`.

Speed comes from three ideas, none of which changes a decoded number:

* **framing**: the record offsets are found by a short Python walk that learns the
  period of the record lengths (one event per tag, the same tags every step) and then
  *predicts* thousands of offsets at once, checking every predicted length against the
  bytes on disk; the first mismatch falls back to the plain walk;
* **decoding**: records of one length are hashed with their variable bytes (times,
  steps, values) masked out; each class of identical structure is parsed once by a
  small protobuf wire reader, which also proves the whole class parses the same way,
  and the values of the class are read with numpy views;
* **CRC32C**: CRC is affine over GF(2), so inside a class
  ``crc(x) = crc(x0) ^ XOR_j P_j[x_j ^ x0_j]`` over the variable bytes j only, with
  256-entry tables per byte position; the length CRC is the same for every record of
  one length. Every record's two checksums are still verified.

Field numbers follow tensorboard's ``event.proto``, ``summary.proto``, ``tensor.proto``
and ``tensor_shape.proto`` (``Event``: wall_time 1, step 2, summary 5; ``Summary``:
value 1; ``Summary.Value``: tag 1, simple_value 2, tensor 8, metadata 9; histo/image/
audio 3-6; ``SummaryMetadata``: plugin_data 1 -> ``PluginData``: plugin_name 1;
``TensorProto``: dtype 1, tensor_shape 2, tensor_content 4, float_val 5, double_val 6,
int_val 7, int64_val 10, bool_val 11, half_val 13; ``TensorShapeProto``: dim 2,
unknown_rank 3 -> ``Dim``: size 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import google_crc32c
import numpy as np

from ._protowire import ProtoError
from ._tfevent_template import _parse_event, _Template
from ._tfrecord import (
    _U64,
    BAD_LENGTH,
    _by_length,
    _class_crcs,
    _gather,
    _mask,
    frame_records,
    masked_crc,
)

__all__ = ["masked_crc", "frame_records", "decode_records", "Decoded", "BAD_LENGTH"]


def _read_varints(m: np.ndarray, pos: int, k: int) -> np.ndarray:
    acc = np.zeros(m.shape[0], dtype=np.uint64)
    for i in range(k):
        acc |= (m[:, pos + i] & 0x7F).astype(np.uint64) << np.uint64(7 * i)
    return acc


def _read_spec(m: np.ndarray, spec: tuple) -> np.ndarray:
    if spec[0] == "const":
        return np.full(m.shape[0], spec[1])
    if spec[0] == "raw":
        w = np.dtype(spec[2]).itemsize
        raw = np.ascontiguousarray(m[:, spec[1] : spec[1] + w])
        return raw.view(spec[2]).ravel().astype(np.float64)
    u = _read_varints(m, spec[1], spec[2])
    if spec[3] == "half":
        return u.astype(np.uint16).view(np.float16).astype(np.float64)
    if spec[3] in ("<u8", "<u4", "<u2", "u1"):
        return u.astype(np.float64)
    return u.view(np.int64).astype(np.float64)


@dataclass
class Decoded:
    """Scalar points decoded from a run of records, in file order."""

    record: np.ndarray
    step: np.ndarray
    tag: np.ndarray  # int codes into ``tags``
    value: np.ndarray
    wall_time: np.ndarray
    tags: list[str]
    skipped_tags: set[str]
    bad_records: list[int]


_HASH_C = np.random.default_rng(20250522).integers(1, 2**63, size=1024, dtype=np.uint64) | 1


def _row_hash(k: np.ndarray) -> np.ndarray:
    n, length = k.shape
    w = -(-length // 8) * 8
    kp = np.zeros((n, w), dtype=np.uint8)
    kp[:, :length] = k
    words = kp.view("<u8")
    c = np.resize(_HASH_C, words.shape[1])
    return (words * c).sum(axis=1, dtype=np.uint64)


def _mask_layout(k: np.ndarray, t: _Template) -> np.ndarray:
    """Zero the bytes that may vary under *t*; keep only the continuation bits of varints."""
    for p, w in t.fixed:
        k[..., p : p + w] = 0
    for p, w in t.varints:
        k[..., p : p + w] &= 0x80
    return k


def _classes(m: np.ndarray):
    """Split the rows of one length group into classes that decode with one template.

    Yields ``(template, rows)``, or ``(None, [row])`` for a row that is not an Event.
    Rows equal to a class's first row outside the template's variable bytes (and with
    the same varint lengths) parse exactly like it, so one parse serves the class.
    """
    cache: dict[int, _Template | None] = {}

    def parse(r: int) -> _Template | None:
        if r not in cache:
            try:
                cache[r] = _parse_event(m[r].tobytes())
            except ProtoError:
                cache[r] = None
        return cache[r]

    rows = np.arange(m.shape[0])
    rounds, matched = 0, 1 << 30
    while rows.size and (rounds < 3 or matched >= 32):
        # a vectorised round per layout (set of variable bytes), while they pay off
        rounds, n_before = rounds + 1, rows.size
        t0 = parse(int(rows[0]))
        if t0 is None:
            yield None, rows[:1]
            rows = rows[1:]
            continue
        k = _mask_layout(m[rows], t0)
        _, first, inv = np.unique(_row_hash(k), return_index=True, return_inverse=True)
        same = (k == k[first[inv]]).all(axis=1)
        order = np.argsort(inv, kind="stable")
        bounds = np.cumsum(np.bincount(inv))
        sizes = np.diff(bounds, prepend=0)
        done = np.zeros(rows.size, dtype=bool)
        misses = 0  # rows laid out differently make singleton classes: stop early
        for c in np.lexsort((first, -sizes)):
            if sizes[c] == 1 and misses >= 8 and first[c] != 0:
                continue
            members = order[(bounds[c - 1] if c else 0) : bounds[c]]
            members = members[same[members]]
            t = parse(int(rows[first[c]])) if members.size else None
            if t is None or t.signature != t0.signature:
                misses += 1
                continue
            misses = 0
            yield t, rows[members]
            done[members] = True
        rows = rows[~done]
        matched = n_before - rows.size
    buckets: dict[tuple, tuple[_Template, list[int]]] = {}  # many layouts: row by row
    for r in rows.tolist():
        t = parse(r)
        if t is None:
            yield None, np.array([r])
            continue
        key = (t.signature, _mask_layout(m[r].copy(), t).tobytes())
        buckets.setdefault(key, (t, []))[1].append(r)
    for t, rs in buckets.values():
        yield t, np.array(rs)


def decode_records(buf: bytes, offsets: np.ndarray, lengths: np.ndarray) -> tuple[Decoded, int, str]:
    """Check the CRCs of, and decode the scalars in, the records at *offsets*.

    Returns the points of every record before the first damaged one, that record's
    index (``len(offsets)`` when none is damaged) and what is wrong with it.
    """
    arr = np.frombuffer(buf, dtype=np.uint8)
    nrec = len(offsets)
    head_ok = np.ones(nrec, dtype=bool)
    data_crc = np.zeros(nrec, dtype=np.uint32)
    chunks: list[tuple] = []  # (records, slot, step, wall, values, tag, plugin, is_tensor)
    skipped: dict[str, int] = {}
    bad: list[int] = []

    def emit(t: _Template, recs: np.ndarray, m: np.ndarray) -> None:
        spans = [np.arange(p, p + w) for p, w in t.fixed + t.varints]
        cols = np.unique(np.concatenate(spans)) if spans else np.empty(0, np.intp)
        data_crc[recs] = _class_crcs(m, cols)
        wall = (
            np.ascontiguousarray(m[:, t.wall : t.wall + 8]).view("<f8").ravel()
            if t.wall is not None
            else np.zeros(len(recs))
        )
        step = (
            _read_varints(m, *t.step).view(np.int64) if t.step is not None else np.zeros(len(recs), np.int64)
        )
        for slot, (tag, spec, plugin, is_tensor) in enumerate(t.values):
            if spec is None:
                skipped[tag] = int(min(recs[0], skipped.get(tag, nrec)))
                continue
            chunks.append((recs, slot, step, wall, _read_spec(m, spec), tag, plugin, is_tensor))

    for length, idx in _by_length(lengths):
        stored = np.ascontiguousarray(_gather(arr, offsets[idx] + 8, 4)).view("<u4").ravel()
        head_ok[idx] = stored == np.uint32(masked_crc(_U64.pack(length)))
        m_all = _gather(arr, offsets[idx] + 12, length)
        for t, rows in _classes(m_all):
            if t is None:
                bad.append(int(idx[rows[0]]))
                data_crc[idx[rows[0]]] = google_crc32c.value(m_all[rows[0]].tobytes())
            else:
                emit(t, idx[rows], m_all[rows])

    stored = np.ascontiguousarray(_gather(arr, offsets + 12 + lengths, 4)).view("<u4").ravel()
    data_ok = _mask(data_crc) == stored
    cut, why = nrec, ""
    if not head_ok.all():
        cut, why = int(np.argmin(head_ok)), BAD_LENGTH
    if not data_ok[:cut].all():
        cut, why = int(np.argmin(data_ok)), "CRC32C mismatch in the record data"
    dec = _assemble(
        [c for c in chunks if c[0][0] < cut] if cut < nrec else chunks,
        {t for t, r in skipped.items() if r < cut},
        [b for b in bad if b < cut],
    )
    if cut < nrec and dec.record.size:
        keep = dec.record < cut
        dec = Decoded(
            dec.record[keep],
            dec.step[keep],
            dec.tag[keep],
            dec.value[keep],
            dec.wall_time[keep],
            dec.tags,
            dec.skipped_tags,
            dec.bad_records,
        )
    return dec, cut, why


def _assemble(chunks, skipped, bad) -> Decoded:
    """Apply the per-tag plugin rule to tensor values and put points in file order."""
    first_plugin: dict[str, tuple[int, str]] = {}
    for recs, _, _, _, _, tag, plugin, _ in chunks:
        if plugin is not None and (tag not in first_plugin or recs[0] < first_plugin[tag][0]):
            first_plugin[tag] = (int(recs[0]), plugin)
    keep = []
    for ch in chunks:
        tag, plugin, is_tensor = ch[5], ch[6], ch[7]
        if is_tensor:
            p = plugin if plugin is not None else first_plugin.get(tag, (0, None))[1]
            if p is not None and p != "scalars":
                skipped.add(tag)
                continue
        keep.append(ch)
    tags = sorted({ch[5] for ch in keep})
    code = {t: i for i, t in enumerate(tags)}
    if not keep:
        e = np.empty(0)
        return Decoded(
            e.astype(np.int64), e.astype(np.int64), e.astype(np.int32), e, e, [], skipped - set(tags), bad
        )
    rec = np.concatenate([ch[0] for ch in keep])
    slot = np.concatenate([np.full(len(ch[0]), ch[1]) for ch in keep])
    order = np.lexsort((slot, rec))
    cat = lambda j: np.concatenate([ch[j] for ch in keep])[order]  # noqa: E731
    tagc = np.concatenate([np.full(len(ch[0]), code[ch[5]], np.int32) for ch in keep])[order]
    return Decoded(rec[order], cat(2), tagc, cat(4), cat(3), tags, skipped - set(tags), bad)
