"""Parse one TensorBoard ``Event`` protobuf into a *template*.

A template records where the step, wall time, tag and value of a record sit, so that all
records of the same layout can be decoded at once (see :mod:`._tfevents`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._protowire import ProtoError
from ._protowire import fields as _fields
from ._protowire import varint as _varint

__all__ = ["_Template", "_parse_event", "_parse_value"]

# TensorFlow DataType -> (numpy dtype for tensor_content, TensorProto value field, kind)
_DTYPES = {
    1: ("<f4", 5, "f"),
    2: ("<f8", 6, "f"),
    3: ("<i4", 7, "i"),
    4: ("u1", 7, "i"),
    5: ("<i2", 7, "i"),
    6: ("i1", 7, "i"),
    9: ("<i8", 10, "i"),
    10: ("u1", 11, "i"),
    19: ("<f2", 13, "h"),
    17: ("<u2", 7, "i"),
    22: ("<u4", 16, "i"),
    23: ("<u8", 17, "i"),
}


@dataclass
class _Template:
    """How one record layout decodes: variable byte spans and where each value sits."""

    fixed: list = field(default_factory=list)  # (pos, width) bytes that may differ
    varints: list = field(default_factory=list)  # (pos, nbytes) varints that may differ
    wall: int | None = None
    step: tuple[int, int] | None = None
    values: list = field(default_factory=list)  # (tag, spec or None, plugin, is_tensor)

    @property
    def signature(self) -> tuple:
        return tuple(self.fixed), tuple(self.varints)


def _parse_event(b: bytes) -> _Template:
    t = _Template()
    for f, wt, s, e in _fields(b, 0, len(b)):
        if f == 1 and wt == 1:
            t.wall = s
            t.fixed.append((s, 8))
        elif f == 2 and wt == 0:
            t.step = (s, e - s)
            t.varints.append((s, e - s))
        elif f == 5 and wt == 2:
            for f2, wt2, s2, e2 in _fields(b, s, e):
                if f2 == 1 and wt2 == 2:
                    t.values.append(_parse_value(b, s2, e2, t))
    return t


def _parse_value(b: bytes, s: int, e: int, t: _Template) -> tuple:
    tag, plugin, last = "", None, None
    for f, wt, a, z in _fields(b, s, e):
        if f == 1 and wt == 2:
            tag = b[a:z].decode("utf-8", "replace")
        elif f == 2 and wt == 5:
            t.fixed.append((a, 4))
            last = ("simple", a, z)
        elif f == 8 and wt == 2:
            last = ("tensor", a, z)
        elif f == 9 and wt == 2:
            plugin = _plugin_name(b, a, z)
        elif f in (3, 4, 5, 6):
            last = ("other", a, z)
    if last is None or last[0] == "other":
        return tag, None, plugin, False
    if last[0] == "simple":
        return tag, ("raw", last[1], "<f4"), plugin, False
    return tag, _parse_tensor(b, last[1], last[2], t), plugin, True


def _plugin_name(b: bytes, a: int, z: int) -> str | None:
    name = None
    for f, wt, s, e in _fields(b, a, z):
        if f == 1 and wt == 2:
            for f2, wt2, s2, e2 in _fields(b, s, e):
                if f2 == 1 and wt2 == 2:
                    name = b[s2:e2].decode("utf-8", "replace") or None
    return name


_WIDTH = {5: 4, 6: 8}  # fixed-width TensorProto value fields (float_val, double_val)


def _parse_tensor(b: bytes, a: int, z: int, t: _Template):
    """Spec of a one-element numeric tensor's value, or None for anything else."""
    dtype, nelem, content = 0, 1, None
    vals: dict[int, list[tuple]] = {}  # value field -> ("raw", pos, width) / ("varint", pos) specs
    for f, wt, s, e in _fields(b, a, z):
        if f == 1 and wt == 0:
            dtype = _varint(b, s, e)[0]
        elif f == 2 and wt == 2:
            for f2, wt2, s2, e2 in _fields(b, s, e):
                if f2 == 2 and wt2 == 2:
                    size = 0
                    for f3, wt3, s3, e3 in _fields(b, s2, e2):
                        if f3 == 1 and wt3 == 0:
                            size = _varint(b, s3, e3)[0]
                    nelem *= size
                elif f2 == 3 and wt2 == 0 and _varint(b, s2, e2)[0]:
                    nelem = -1
        elif f == 4 and wt == 2:
            content = (s, e)
        elif f in _WIDTH:
            w = _WIDTH[f]
            if wt == 2 and (e - s) % w == 0:
                vals.setdefault(f, []).extend(("raw", p, w) for p in range(s, e, w))
            elif wt == (5 if w == 4 else 1):
                vals.setdefault(f, []).append(("raw", s, w))
            else:
                raise ProtoError("bad tensor value field")
        elif f in (7, 10, 11, 13, 16, 17):
            lst = vals.setdefault(f, [])
            if wt == 0:
                lst.append(("varint", s, e - s))
            elif wt == 2:
                p = s
                while p < e:
                    q = _varint(b, p, e)[1]
                    lst.append(("varint", p, q - p))
                    p = q
    if nelem != 1 or dtype not in _DTYPES:
        return None
    npdt, vfield, kind = _DTYPES[dtype]
    if content is not None and content[1] > content[0]:
        if content[1] - content[0] != np.dtype(npdt).itemsize:
            return None
        t.fixed.append((content[0], content[1] - content[0]))
        return ("raw", content[0], npdt)
    elems = vals.get(vfield, [])
    if len(elems) == 0:
        return None if vals else ("const", 0.0)
    if len(elems) > 1:
        return None
    how, p, w = elems[0]
    if how == "raw":
        t.fixed.append((p, w))
        return ("raw", p, npdt)
    t.varints.append((p, w))
    return ("varint", p, w, "half" if kind == "h" else npdt)


# ---------------------------------------------------------------- vectorised extraction
