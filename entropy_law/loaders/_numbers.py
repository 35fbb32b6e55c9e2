"""Strict number parsing shared by the loaders: exact integer steps, JSON numbers only.

Steps are kept as exact integers in the int64 range, never passed through float64 (which
merges 2**53 and 2**53 + 1) and never cast with wrap-around (which turns 2**63 into
-2**63). Text numbers follow JSON's grammar (plus the non-finite tokens loggers write), so
forms no logger writes -- ``1_000``, ``" 7 "``, ``0x10`` -- are not numbers: a bit flip
that turns a digit into ``_`` is seen as damage, not read as another number.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from typing import TypeGuard

import numpy as np

__all__ = [
    "INT64_MAX",
    "INT64_MIN",
    "STEP_RANGE",
    "exact_step",
    "json_number",
    "text_float",
    "text_int",
    "plain_reason",
    "is_number",
    "flatten",
]

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
STEP_RANGE = "the int64 range (about ±9.2e18)"

# JSON's number grammar (RFC 8259), and the same with an optional leading "+" / leading
# zeros / bare "." forms that C printf and Python repr write for floats.
_JSON_INT = re.compile(r"-?(?:0|[1-9][0-9]*)")
_JSON_NUM = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_TEXT_INT = re.compile(r"[+-]?[0-9]+")
_TEXT_NUM = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NONFINITE = {
    "nan": math.nan,
    "+nan": math.nan,
    "-nan": math.nan,
    "inf": math.inf,
    "+inf": math.inf,
    "-inf": -math.inf,
    "infinity": math.inf,
    "+infinity": math.inf,
    "-infinity": -math.inf,
}
_JSON_NONFINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
_MAX_DIGITS = 4000  # below Python's int() digit limit (4300); no logger writes more


def exact_step(v: object) -> tuple[int | None, str]:
    """The exact int64 step that *v* holds, or ``(None, why)``.

    Accepts Python and numpy integers, whole floats (the float *is* the value stored)
    and whole-number text (``"12"``, ``"12.0"``, ``"1e3"``), read exactly. Booleans,
    fractions, non-finite values and anything outside int64 are refused; *why* says which.
    """
    if isinstance(v, bool | np.bool_):
        return None, "a boolean, not a step"
    if isinstance(v, int | np.integer):
        i = int(v)
        return (i, "") if INT64_MIN <= i <= INT64_MAX else (None, f"beyond {STEP_RANGE}")
    if isinstance(v, float | np.floating):
        f = float(v)
        if not math.isfinite(f):
            return None, "not a finite number"
        if f != math.floor(f):
            return None, "not a whole number"
        if not (-(2.0**63) <= f < 2.0**63):
            return None, f"beyond {STEP_RANGE}"
        return int(f), ""
    if isinstance(v, str):
        s = v.strip()
        if len(s) > _MAX_DIGITS or not _TEXT_NUM.fullmatch(s):
            return None, "not a number"
        if _TEXT_INT.fullmatch(s):
            i = int(s)
        else:
            try:
                d = Decimal(s)
            except InvalidOperation:  # pragma: no cover - the regex admits only numbers
                return None, "not a number"
            if d != d.to_integral_value():
                return None, "not a whole number"
            if abs(d.adjusted()) > 20:  # far outside int64; don't build a huge int
                return None, f"beyond {STEP_RANGE}"
            i = int(d)
        return (i, "") if INT64_MIN <= i <= INT64_MAX else (None, f"beyond {STEP_RANGE}")
    return None, "not a number"


def json_number(text: str) -> int | float | None:
    """A JSON number (or ``NaN`` / ``Infinity`` / ``-Infinity``) in *text*, else None.

    Integers come back as exact ``int``; no surrounding whitespace, underscores, ``+``
    signs or hex are accepted.
    """
    if len(text) > _MAX_DIGITS:
        return None
    if _JSON_INT.fullmatch(text):
        return int(text)
    if _JSON_NUM.fullmatch(text):
        return float(text)
    return _JSON_NONFINITE.get(text)


def text_float(text: str) -> float | None:
    """A decimal number as printed by C / Python (``0.5``, ``-1e-05``, ``.5``, ``nan``,
    ``inf``), else None. Underscores, hex and inner whitespace are refused."""
    if len(text) > _MAX_DIGITS:
        return None
    if _TEXT_NUM.fullmatch(text):
        return float(text)
    return _NONFINITE.get(text.lower())


def text_int(text: str) -> int | None:
    """A decimal integer (``12``, ``-3``, ``+4``) within int64, else None."""
    if len(text) > 21 or not _TEXT_INT.fullmatch(text):
        return None
    i = int(text)
    return i if INT64_MIN <= i <= INT64_MAX else None


def plain_reason(exc: BaseException) -> str:
    """What an unexpected exception means for a log being read, in plain words."""
    if isinstance(exc, PermissionError):
        return "permission denied: this user may not read it"
    if isinstance(exc, IsADirectoryError):
        return "a folder where a file was expected"
    if isinstance(exc, FileNotFoundError):
        return "a file vanished while being read, or is a broken symbolic link"
    if isinstance(exc, OSError):
        return (exc.strerror or "the system refused to read it").lower()
    if isinstance(exc, RecursionError):
        return "it holds data nested too deeply to be a log"
    if isinstance(exc, OverflowError):
        return "it holds a number too large to represent"
    if isinstance(exc, MemoryError):
        return "it is too large to read into memory"
    if isinstance(exc, UnicodeError):
        return "it holds text in an unknown encoding"
    return "the loader failed on unexpected content; please report this file as a bug"


def is_number(v: object) -> TypeGuard[int | float]:
    """A JSON number: an int or a float, not a bool."""
    return isinstance(v, int | float) and not isinstance(v, bool)


def flatten(obj: dict, prefix: str = "", *, sep: str = "/", keep_media: bool = False) -> dict:
    """Nested dicts become joined keys (``{"a": {"b": 1}}`` -> ``a/b`` with ``sep="/"``).

    With *keep_media*, a dict holding ``_type`` (a W&B media or summary object) is kept as
    one value instead of being flattened.
    """
    out: dict = {}
    for k, v in obj.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and not (keep_media and "_type" in v):
            out.update(flatten(v, key + sep, sep=sep, keep_media=keep_media))
        else:
            out[key] = v
    return out
