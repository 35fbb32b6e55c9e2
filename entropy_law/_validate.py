"""Argument checks at the public API boundary.

Every public function checks the *types* of its arguments here, first thing, so that a
wrong type raises the project's own error (an :class:`~entropy_law.errors.EntropyLawError`
subclass) naming the function, the argument, what was expected and what was found::

    fit(entropy=5): entropy must be a metric name (str); got int 5.

instead of a raw ``TypeError`` / ``AttributeError`` / numpy error from deep inside pandas
or numpy. Range checks that need the data (a level in (0, 1), a horizon after the last
step...) stay where they are. Each helper takes ``error``, the exception class to raise
(default :class:`EntropyLawError`); it is called as ``error(message)``.
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .errors import EntropyLawError, FitError

__all__ = [
    "describe",
    "bad",
    "table",
    "metric_name",
    "metric_names",
    "path_like",
    "real",
    "step",
    "integer",
    "numbers_1d",
    "real_sequence",
    "same_length",
    "fit_argument_error",
    "fit_counts",
]

Error = Callable[[str], Exception]
_INT64 = np.iinfo(np.int64)


def fit_argument_error(message: str) -> FitError:
    """The ``error`` of the fitting functions: a :class:`FitError` with status ``bad_argument``."""
    return FitError(message, status="bad_argument")


def fit_counts(n_boot: Any, block_length: Any, seed: Any) -> None:
    """The integer options of the fits (:class:`FitError` ``bad_argument`` otherwise):
    ``n_boot >= 1`` or None, ``block_length`` ``"auto"`` or ``>= 1``, ``seed >= 0`` or None."""
    for name, value, low, want in (
        ("n_boot", n_boot, 1, "a positive integer"),
        ("block_length", None if block_length == "auto" else block_length, 1, "'auto' or a positive integer"),
        ("seed", seed, 0, "a non-negative integer or None"),
    ):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
            raise fit_argument_error(f"{name} must be {want}; got {value!r}.")


def describe(value: Any) -> str:
    """``int 5``, ``str 'a'``, ``NoneType``, ``DataFrame``...: what was found, briefly."""
    kind = type(value).__name__
    if value is None or isinstance(value, pd.DataFrame | np.ndarray | pd.Series):
        return kind
    text = repr(value)
    return f"{kind} {text if len(text) <= 40 else text[:37] + '...'}"


def bad(func: str, name: str, expected: str, value: Any, error: Error = EntropyLawError, hint: str = ""):
    """The error for argument *name* of *func*: expected *expected*, found *value*."""
    return error(
        f"{func}({name}=...): {name} must be {expected}; got {describe(value)}.{' ' + hint if hint else ''}"
    )


def table(func: str, name: str, value: Any, error: Error = EntropyLawError) -> pd.DataFrame:
    """*value* must be a DataFrame (a tidy long table or an entropy-vs-reward table)."""
    if not isinstance(value, pd.DataFrame):
        raise bad(
            func, name, "a pandas DataFrame", value, error, "Load logs with entropy_law.load() to get one."
        )
    return value


def metric_name(func: str, name: str, value: Any, error: Error = EntropyLawError) -> str | None:
    """*value* must be a metric key (str) or None (detect it)."""
    if value is not None and not isinstance(value, str):
        raise bad(func, name, "a metric name (str) or None", value, error)
    return value


def metric_names(func: str, name: str, value: Any, error: Error = EntropyLawError) -> list[str]:
    """*value* must be a sequence of metric keys (not a single string)."""
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise bad(func, name, "a list of metric names (str)", value, error)
    names = list(value)
    wrong = [v for v in names if not isinstance(v, str)]
    if wrong:
        raise bad(
            func, name, "a list of metric names (str)", value, error, f"{describe(wrong[0])} is not a str."
        )
    return names


def path_like(func: str, name: str, value: Any, error: Error = EntropyLawError) -> str | os.PathLike:
    """*value* must be a path (str or os.PathLike)."""
    if not isinstance(value, str | os.PathLike):
        raise bad(func, name, "a path (str or pathlib.Path) to a log file or folder", value, error)
    return value


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def real(func: str, name: str, value: Any, error: Error = EntropyLawError, *, optional: bool = False):
    """*value* must be a finite real number (or None when *optional*)."""
    if value is None and optional:
        return None
    if not _is_real(value) or not np.isfinite(float(value)):
        raise bad(func, name, "a finite number" + (" or None" if optional else ""), value, error)
    return value


def step(func: str, name: str, value: Any, error: Error = EntropyLawError, *, optional: bool = True):
    """*value* must be a step: a finite number within the int64 range (or None)."""
    if value is None and optional:
        return None
    expected = "a step (an integer within the int64 range)" + (" or None" if optional else "")
    if not _is_real(value) or not np.isfinite(float(value)):
        raise bad(func, name, expected, value, error)
    if not _INT64.min <= value <= _INT64.max:
        raise bad(func, name, expected, value, error, "Steps are stored as int64.")
    return value


def integer(func: str, name: str, value: Any, error: Error = EntropyLawError, *, optional: bool = False):
    """*value* must be an integer (not a bool; or None when *optional*)."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise bad(func, name, "an integer" + (" or None" if optional else ""), value, error)
    return value


def numbers_1d(func: str, name: str, value: Any, error: Error = EntropyLawError) -> np.ndarray:
    """*value* must be array-like of numbers; returned as a 1-D float array."""
    if isinstance(value, str | bytes) or value is None:
        raise bad(func, name, "an array of numbers", value, error)
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise bad(func, name, "an array of numbers", value, error) from None
    if arr.ndim > 1 and arr.size != max(arr.shape):
        raise bad(func, name, "a 1-D array of numbers", value, error, f"Its shape is {arr.shape}.")
    return arr.ravel()


def real_sequence(func: str, name: str, value: Any, error: Error = EntropyLawError) -> tuple[float, ...]:
    """*value* must be a sequence of real numbers (a str such as ``"0.5"`` is not one)."""
    expected = "a sequence of numbers, e.g. (0.1, 0.25, 0.5)"
    if isinstance(value, str | bytes) or not isinstance(value, Sequence | np.ndarray | pd.Series):
        raise bad(func, name, expected, value, error)
    items = list(value)
    wrong = [v for v in items if not _is_real(v)]
    if wrong:
        raise bad(func, name, expected, value, error, f"{describe(wrong[0])} is not a number.")
    return tuple(float(v) for v in items)


def same_length(func: str, lengths: dict[str, int], error: Error = EntropyLawError) -> None:
    """The named columns must have one value per point: equal *lengths* (name -> length)."""
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{k}: {v}" for k, v in lengths.items())
        raise error(
            f"{func}(): the columns must have one value per point (or be a single value); "
            f"got lengths {detail}."
        )
