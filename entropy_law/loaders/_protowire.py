"""Minimal protobuf wire-format reader: varints and (field, wire type, span) triples."""

from __future__ import annotations

__all__ = ["ProtoError", "varint", "fields"]


class ProtoError(Exception):
    """A record's bytes are not a valid ``Event`` protobuf."""


def varint(b: bytes, i: int, end: int) -> tuple[int, int]:
    r = s = 0
    while True:
        if i >= end or s > 63:
            raise ProtoError("bad varint")
        x = b[i]
        i += 1
        r |= (x & 0x7F) << s
        if x < 0x80:
            return r, i
        s += 7


def fields(b: bytes, i: int, end: int):
    """Yield ``(field, wire_type, start, stop)`` of every field in ``b[i:end]``."""
    while i < end:
        key, i = varint(b, i, end)
        f, wt = key >> 3, key & 7
        if wt == 0:
            s = i
            _, i = varint(b, i, end)
        elif wt == 1:
            s, i = i, i + 8
        elif wt == 2:
            ln, s = varint(b, i, end)
            i = s + ln
        elif wt == 5:
            s, i = i, i + 4
        else:
            raise ProtoError(f"unsupported wire type {wt}")
        if i > end or f == 0:
            raise ProtoError("field runs past its message")
        yield f, wt, s, i
