"""Typed JSON lines: one record per line with a record-type field.

Home-grown GRPO loops (the CS336 assignment solutions, many research repos) write one
JSON object per event, ``{"type": "train"|"rollout"|"eval"|..., "grpo_step": N, ...}``,
with several ``train`` records per step when a rollout batch is trained on for several
epochs or mini-batches (off-policy runs).

Rules
-----
* **recognised**: a ``.jsonl`` / ``.ndjson`` (or JSON-Lines ``.json``) file whose first
  200 objects all hold a text ``type`` (or ``record_type``, ``kind``) field and a step key.
* **metric** = ``<type>/<key>`` (``train/token_entropy``, ``rollout/reward``,
  ``eval/answer_accuracy``); nested objects are flattened with ``/``; text, booleans and
  ``null`` are not metrics.
* **step key**: given (``el.load(path, step=KEY)``, CLI ``--step KEY``) or the first of
  :data:`STEP_KEYS` held by every record (else by the most records; the others are skipped
  with a :class:`DataWarning`).
* **several records of one type at one step** are combined per key by
  ``aggregate="mean"`` (default; the mean over the records holding the key) or ``"last"``
  (the record written last), with one :class:`DataWarning` giving the count.
* damaged lines are skipped with a :class:`TruncatedLogWarning` counting them.
"""

from __future__ import annotations

import json
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataWarning, LoadError, TruncatedLogWarning
from ._numbers import flatten, is_number
from .base import Reader
from .options import current

__all__ = ["READER", "read", "sniff_file", "STEP_KEYS", "TYPE_KEYS", "step_key"]

TYPE_KEYS = ("type", "record_type", "kind")
STEP_KEYS = (
    "step",
    "_step",
    "global_step",
    "train/global_step",
    "trainer/global_step",
    "grpo_step",
    "iteration",
    "iter",
    "progress/batch",
    "batch",
)
_SUFFIXES = (".jsonl", ".ndjson", ".json")
_SNIFF_N = 200


def _type_key(obj: dict) -> str | None:
    return next((k for k in TYPE_KEYS if isinstance(obj.get(k), str)), None)


def step_key(objs: list[dict], given: str | None = None) -> str | None:
    """The step key of *objs*: *given*, else the first of :data:`STEP_KEYS` in every record,
    else the one in the most records; None when no record holds one."""
    if given is not None:
        return given
    held = Counter(k for o in objs for k in STEP_KEYS if is_number(o.get(k)))
    if not held:
        return None
    for k in STEP_KEYS:
        if held[k] == len(objs):
            return k
    return max(STEP_KEYS, key=lambda k: (held[k], -STEP_KEYS.index(k)))


def _head_objects(path: Path, n: int) -> list[dict] | None:
    try:
        with path.open("rb") as fh:
            lines = []
            for _ in range(n):
                line = fh.readline()
                if not line:
                    break
                if line.strip():
                    lines.append(line)
    except OSError:
        return None
    objs = []
    for line in lines:
        try:
            o = json.loads(line)
        except (ValueError, RecursionError):  # deep nesting: a damaged line
            continue  # a cut last line of the head
        if not isinstance(o, dict):
            return None
        objs.append(o)
    return objs


def sniff_file(path: Path) -> bool:
    """See the module docstring: every one of the first records typed and stepped."""
    path = Path(path)
    if path.suffix.lower() not in _SUFFIXES:
        return False
    objs = _head_objects(path, _SNIFF_N)
    if not objs:
        return False
    return all(_type_key(o) for o in objs) and step_key(objs) is not None


def _short_last_steps(recs: dict[tuple[str, int], list[dict]]) -> dict[str, tuple[int, int, int]]:
    """Per record type whose steps hold several records: (last step, its count, the usual
    count) when the last step holds fewer records than most of the others."""
    by_type: dict[str, dict[int, int]] = {}
    for (typ, s), group in recs.items():
        by_type.setdefault(typ, {})[s] = len(group)
    out = {}
    for typ, counts in by_type.items():
        if len(counts) < 3:
            continue
        last = max(counts)
        usual = Counter(c for s, c in counts.items() if s != last).most_common(1)[0][0]
        if usual > 1 and counts[last] < usual:
            out[typ] = (last, counts[last], usual)
    return out


def read(path: Path) -> pd.DataFrame:
    """Read typed JSON lines into ``step, metric, value`` (rules above)."""
    path = Path(path)
    try:
        lines = path.read_bytes().decode("utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise LoadError(path, f"cannot read the file ({exc.strerror}).") from None
    objs, bad = [], 0
    for line in lines:
        if not line.strip():
            continue
        try:
            o = json.loads(line)
        except (ValueError, RecursionError):  # deep nesting: a damaged line
            bad += 1
            continue
        if isinstance(o, dict):
            objs.append(o)
        else:
            bad += 1
    if bad:
        warnings.warn(
            f"{path}: skipped {bad} damaged line(s) that are not JSON objects; kept {len(objs)} record(s).",
            TruncatedLogWarning,
            stacklevel=2,
        )
    opts = current()
    key = step_key(objs, opts.step)
    if key is None:
        raise LoadError(
            path,
            f"no step key found in the records; expected one of {list(STEP_KEYS)}. "
            "Pass step=KEY (CLI: --step KEY).",
        )
    recs: dict[tuple[str, int], list[dict]] = {}
    no_step = untyped = 0
    for o in objs:
        tk = _type_key(o)
        s: Any = o.get(key)
        if tk is None:
            untyped += 1
            continue
        if not is_number(s) or not np.isfinite(s) or s != int(s):
            no_step += 1
            continue
        flat = {k: v for k, v in flatten(o).items() if k not in (tk, key) and is_number(v)}
        recs.setdefault((o[tk], int(s)), []).append(flat)
    if not recs:
        raise LoadError(path, f"no typed record holds a whole-number step {key!r}; pass step=KEY.")
    if no_step or untyped:
        warnings.warn(
            f"{path}: skipped {no_step} record(s) without a whole-number {key!r} and {untyped} without a "
            f"type field ({'/'.join(TYPE_KEYS)}).",
            DataWarning,
            stacklevel=2,
        )
    steps, metrics, values = [], [], []
    multi: Counter = Counter()
    sizes: dict[str, list[int]] = {}
    for (typ, s), group in recs.items():
        if len(group) > 1:
            multi[typ] += 1
            sizes.setdefault(typ, []).append(len(group))
        merged: dict[str, list[float]] = {}
        for r in group:
            for k, v in r.items():
                merged.setdefault(k, []).append(float(v))
        for k, vs in merged.items():
            steps.append(s)
            metrics.append(f"{typ}/{k}")
            values.append(vs[-1] if opts.aggregate == "last" else float(np.mean(vs)))
    if multi:
        detail = ", ".join(
            f"{typ!r}: {c} step(s) with {min(sizes[typ])}-{max(sizes[typ])} records"
            for typ, c in multi.items()
        )
        warnings.warn(
            f"{path}: several records of one type at one step ({detail}); combined them by "
            f"aggregate={opts.aggregate!r} "
            f"({'the mean per key' if opts.aggregate == 'mean' else 'the last record'}).",
            DataWarning,
            stacklevel=2,
        )
    short = _short_last_steps(recs)
    if short:
        warnings.warn(
            f"{path}: "
            + "; ".join(
                f"the last {typ!r} step ({s}) holds {k} record(s) where the others hold {m}"
                for typ, (s, k, m) in short.items()
            )
            + " (a log cut while a step was written): its values are combined from those only.",
            TruncatedLogWarning if bad else DataWarning,
            stacklevel=2,
        )
    out = pd.DataFrame(
        {
            "step": np.asarray(steps, dtype=np.int64),
            "metric": metrics,
            "value": np.asarray(values, dtype=float),
        }
    )
    out.attrs["meta"] = {"step_key": key, "record_types": sorted({t for t, _s in recs})}
    return out


READER = Reader(
    name="typed-jsonl",
    description='typed JSON lines ({"type": "train"|"eval"|..., "<step key>": N, ...})',
    read=read,
    sniff_file=sniff_file,
)
