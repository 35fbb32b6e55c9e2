"""Robust JSON parsing for logs: one bad line costs only itself.

:func:`json.loads` raises more than :class:`json.JSONDecodeError`: a line nested a few
thousand levels deep raises :class:`RecursionError`, an integer of more than 4,300 digits
a :class:`ValueError`. A log line that does either is damaged, like any other line that
is not JSON, and is skipped by the callers with a warning naming it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

__all__ = ["loads", "numbered_objects"]


def loads(text: str) -> tuple[object, str]:
    """``(value, "")`` for valid JSON, else ``(None, why)`` in plain words."""
    try:
        return json.loads(text), ""
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON ({exc.msg})"
    except RecursionError:
        return None, "nested too deeply"
    except ValueError:  # int() digit limit: "Exceeds the limit (4300 digits)"
        return None, "holds a number with thousands of digits"


def numbered_objects(lines: Iterable[str]) -> tuple[list[tuple[int, dict]], list[tuple[int, str]]]:
    """Parse JSON Lines: ``(line number, object)`` pairs and ``(line number, why)`` of the
    lines that are not JSON objects (numbers are 1-based; blank lines are neither)."""
    objs: list[tuple[int, dict]] = []
    bad: list[tuple[int, str]] = []
    for i, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        obj, why = loads(line)
        if why:
            bad.append((i, why))
        elif isinstance(obj, dict):
            objs.append((i, obj))
        else:
            bad.append((i, "not a JSON object"))
    return objs, bad
