"""verl console logs: ``step:12 - actor/entropy:0.532 - critic/score/mean:0.41 - ...``.

Each line that holds ``step:<N> - `` after an optional Ray prefix such as
``(main_task pid=54569)`` and ANSI colour codes is one step's metrics, joined by
``" - "``. verl <= 0.4.1 prints values with 3 decimals (``-0.000`` occurs); verl >= 0.5
prints ``pprint`` reprs, so numpy scalars appear as ``np.float64(0.5)``; both are
accepted. Keys are kept exactly as printed (``actor/entropy_loss``,
``critic/lr(1e-4)``, ``val/test_score/openai/gsm8k``). Every other line (config dumps,
``Initial validation metrics: {...}`` pretty-prints, stack traces) is ignored.

A last line cut mid-write (no trailing newline) loses only its unfinished last item,
with a :class:`~entropy_law.errors.TruncatedLogWarning`.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataWarning, LoadError, TruncatedLogWarning
from ._numbers import STEP_RANGE, text_float, text_int
from .base import Reader
from .verl_config import printed_config

__all__ = ["read", "READER"]

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_STEP = re.compile(r"(?:^|\s|\))step:([0-9]+) - (.*)$")
# the start of a step line cut before its first item: "s", "ste", "step:1", "step:12 -"
_STEP_START = re.compile(r"(?:^|\s|\))s(?:t(?:e(?:p(?::[0-9]*(?: -?)?)?)?)?)?$")
_WRAPPED = re.compile(r"^(?:np\.)?(?:numpy\.)?(?:float|int|uint)\d*\((.*)\)$")


def _value(text: str) -> float | None:
    text = text.strip()
    m = _WRAPPED.match(text)
    if m:
        text = m.group(1)
    return text_float(text)  # strict: '1_000' or '0x1' is damage, not a number


def _looks_cut(items: list[str], prev_keys: list[str]) -> bool:
    """A final line without newline was cut if its last item is unreadable, or if it
    stops short of the keys the previous full step line had."""
    key, sep, val = items[-1].rpartition(":")
    if not sep or _value(val) is None:
        return True
    keys = [it.rpartition(":")[0].strip() for it in items]
    return bool(prev_keys) and len(keys) < len(prev_keys) and keys == prev_keys[: len(keys)]


def read(path: Path) -> pd.DataFrame:
    """Read a verl console log into ``step, metric, value``."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LoadError(path, f"cannot read the file ({exc.strerror}).") from None
    if not raw.strip():
        raise LoadError(
            path,
            "the file is empty; expected a verl console log with lines "
            "like 'step:12 - actor/entropy:0.53 - critic/score/mean:0.41'.",
        )
    text = raw.decode("utf-8", errors="replace")
    lines = text.splitlines()
    cut_last = not text.endswith(("\n", "\r"))
    steps: list[int] = []
    keys: list[str] = []
    values: list[float] = []
    prev_keys: list[str] = []
    bad_steps: list[tuple[int, str]] = []
    odd: list[tuple[int, str]] = []
    for i, line in enumerate(lines):
        m = _STEP.search(_ANSI.sub("", line))
        if not m:
            if cut_last and i == len(lines) - 1 and steps and _STEP_START.search(_ANSI.sub("", line)):
                warnings.warn(
                    f"{path}: the last line ({line[-40:]!r}) was cut while being written, "
                    "before its first item; dropped it.",
                    TruncatedLogWarning,
                    stacklevel=2,
                )
            continue
        step = text_int(m.group(1))
        if step is None:  # a damaged line costs only itself
            bad_steps.append((i + 1, m.group(1)))
            continue
        items = m.group(2).split(" - ")
        if cut_last and i == len(lines) - 1 and _looks_cut(items, prev_keys):
            warnings.warn(
                f"{path}: the last line (step {step}) was cut while being written; "
                "kept its complete items and dropped the unfinished last one.",
                TruncatedLogWarning,
                stacklevel=2,
            )
            items = items[:-1]
        if len(items) > 1:
            prev_keys = [it.rpartition(":")[0].strip() for it in items]
        for item in items:
            key, sep, val = item.rpartition(":")
            if not sep or not key:
                continue
            v = _value(val)
            if v is None:  # verl only logs numbers; anything else is damage
                odd.append((i + 1, item))
                continue
            steps.append(step)
            keys.append(key.strip())
            values.append(v)
    if bad_steps:
        ln, st = bad_steps[0]
        warnings.warn(
            f"{path}: skipped {len(bad_steps)} line(s) whose step is beyond {STEP_RANGE} "
            f"(line {ln}: step {st[:30]}{'...' if len(st) > 30 else ''}); kept every other line.",
            DataWarning,
            stacklevel=2,
        )
    if odd:
        ln, item = odd[0]
        warnings.warn(
            f"{path}: skipped {len(odd)} item(s) whose value is not a number (line {ln}: "
            f"{item.strip()[:60]!r}).",
            DataWarning,
            stacklevel=2,
        )
    if not steps and bad_steps:
        raise LoadError(
            path,
            f"every step line ({len(bad_steps)}) has a step beyond {STEP_RANGE}; the log "
            "is damaged or not a verl console log.",
        )
    if not steps:
        raise LoadError(
            path,
            "no 'step:N - key:value' lines found; expected a verl console "
            "log (trainer.logger=['console']). Is this the right file?",
        )
    out = pd.DataFrame(
        {"step": np.asarray(steps, dtype=np.int64), "metric": keys, "value": np.asarray(values, dtype=float)}
    )
    conf = printed_config(text)  # run attribute (loaders/verl_config.py)
    out.attrs["meta"] = {"config": conf} if conf is not None else {}
    return out


def sniff_file(path: Path) -> bool:
    """True for text files whose first 256 KiB hold a ``step:N - key:value`` line."""
    if path.suffix.lower() not in (".log", ".txt", ".out", ".err", ""):
        return False
    try:
        with path.open("rb") as fh:
            head = fh.read(256 * 1024).decode("utf-8", errors="replace")
    except OSError:
        return False
    return any(_STEP.search(_ANSI.sub("", ln)) for ln in head.splitlines())


READER = Reader(
    name="verl-log",
    description="verl console log ('step:N - key:value - ...')",
    read=read,
    sniff_file=sniff_file,
)
