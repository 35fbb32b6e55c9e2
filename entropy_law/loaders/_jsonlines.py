"""Robust JSON parsing for logs: one bad line costs only itself.

:func:`json.loads` raises more than :class:`json.JSONDecodeError`: a line nested a few
thousand levels deep raises :class:`RecursionError`, an integer of more than 4,300 digits
a :class:`ValueError`. A log line that does either is damaged, like any other line that
is not JSON, and is skipped by the callers with a warning naming it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from ._numbers import exact_step, is_number

__all__ = ["loads", "numbered_objects", "log_rows"]


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


def log_rows(
    rows: list[tuple[int, dict]], step_columns: Sequence[str]
) -> tuple[list[dict], list[tuple[int, str]], list[tuple[int, str, object]]]:
    """Rows of a JSON Lines *log*, where one damaged line costs only itself.

    Returns the rows kept, the ``(line, why)`` of rows dropped because their step (the
    first of *step_columns* present) is not an exact int64 whole number, and the
    ``(line, key, value)`` of cells dropped because they hold text or a boolean under a
    key that holds numbers on other lines (damage, not metadata).
    """
    kept: list[tuple[int, dict]] = []
    bad: list[tuple[int, str]] = []
    for i, row in rows:
        key = next((c for c in step_columns if c in row), None)
        if key is not None and row[key] is not None:
            why = exact_step(row[key])[1]
            if why:
                bad.append((i, f"its step {str(row[key])[:40]!r} is {why}"))
                continue
        kept.append((i, row))
    numeric = {k for _, r in kept for k, v in r.items() if is_number(v)}
    odd: list[tuple[int, str, object]] = []
    for i, r in kept:
        for k in [k for k, v in r.items() if k in numeric and v is not None and not is_number(v)]:
            odd.append((i, k, r.pop(k)))
    return [r for _, r in kept], bad, odd
