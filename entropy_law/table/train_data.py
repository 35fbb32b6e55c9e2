"""The data a run was trained on, and the tie-break it gives between validation metrics.

A run that validates on several datasets logs one performance metric per dataset, often
equally often (verl's ``val-core/openai/gsm8k/...`` and ``val-core/.../MATH-lighteval/...``
every ``test_freq`` steps). Detection (:mod:`entropy_law.table.metrics`) cannot rank them
by key alone. The run's metadata often names its training data; the validation set of the
training data is the in-distribution one, the set the run's progress is meant to show.

Training files
    :func:`training_files` looks through a run's attributes (``table.attrs["run_meta"]
    [run]``) in this order: verl's printed config (``config``), the W&B ``config.yaml``
    (``wandb_config``, whose entries are ``{"value": ...}``), MLflow ``params``, then the
    rest. The first key named ``train_files``, ``train_file``, ``train_data``,
    ``train_dataset``, ``prompt_data`` (OpenRLHF) or ``dataset_name`` (TRL scripts) --
    bare or as the last part of a dotted key such as ``data.train_files`` -- whose value is
    a path or a list of paths (a string holding a Python list or comma-separated paths is
    split) gives the run's training files, in the order written.

Data source of a validation metric
    The ``<data>`` part of ``val-core/<data>/...``, ``val-aux/<data>/...``,
    ``val/test_score/<data>``, ``eval/eval_<data>_pass1`` and ``(val|eval|test)/<data>/acc``
    keys; its last ``/`` component (``gsm8k`` of ``openai/gsm8k``, ``MATH-lighteval``) split
    into lower-case words (``math``, ``lighteval``), ignoring words of digits only and the
    generic words of :data:`GENERIC_WORDS`.

Tie-break (:func:`break_tie`)
    A tied metric *matches* a training file when one of its data-source words is a word of
    the file's path (``math`` in ``/data/math/train.parquet``). Each tied metric gets the
    position of the first training file it matches; the metric with the smallest position
    wins, so a validation set of the training data beats one that is not, and among
    several validation sets of the training data the one of the earlier-listed training
    file wins (the order the user wrote in ``data.train_files``). When no tied metric
    matches, or two share the smallest position, the tie stands and detection raises.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping, Sequence

__all__ = ["TRAIN_DATA_KEYS", "GENERIC_WORDS", "training_files", "data_source", "break_tie"]

TRAIN_DATA_KEYS = ("train_files", "train_file", "train_data", "train_dataset", "prompt_data", "dataset_name")
GENERIC_WORDS = frozenset(
    "data dataset datasets train training test val valid validation eval parquet json jsonl csv "
    "arrow main default all split".split()
)
_ORDER = ("config", "wandb_config", "params")
_MAX_DEPTH = 6
_WORD = re.compile(r"[a-z0-9]+")
_SOURCE = (
    re.compile(r"^val-(?:core|aux)/(?P<d>.+)/(?:acc|reward|score)/"),
    re.compile(r"^val/test_score/(?P<d>.+)$"),
    re.compile(r"^eval/eval_(?P<d>.+)_pass1$"),
    re.compile(r"^(?:val|eval|test)/(?P<d>.+)/(?:acc|accuracy|answer_accuracy|score|exact_match|pass@1)$"),
)


def _paths(value) -> list[str] | None:
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("[") and text.endswith("]"):
            try:
                value = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                value = text.strip("[]").split(",")
        else:
            value = text.split(",")
    if isinstance(value, (list, tuple)) and value and all(isinstance(s, str) for s in value):
        out = [s.strip().strip("'\"") for s in value]
        return [s for s in out if s] or None
    return None


def _search(obj, depth: int = 0) -> tuple[str, list[str]] | None:
    if depth > _MAX_DEPTH or not isinstance(obj, Mapping):
        return None
    for key, value in obj.items():
        if isinstance(key, str) and key.rsplit(".", 1)[-1] in TRAIN_DATA_KEYS:
            inner = value.get("value") if isinstance(value, Mapping) else value  # W&B config.yaml
            found = _paths(inner)
            if found:
                return key, found
    for key, value in obj.items():
        hit = _search(value, depth + 1)
        if hit is not None:
            return f"{key}.{hit[0]}" if isinstance(key, str) else hit[0], hit[1]
    return None


def training_files(meta: Mapping | None) -> tuple[str, list[str]] | None:
    """``(key, files)``: the run's training data named in its attributes, or None.

    *key* says where it was found (``config.data.train_files``); see the module docstring.
    """
    if not isinstance(meta, Mapping):
        return None
    for name in _ORDER + tuple(k for k in meta if k not in _ORDER):
        hit = _search({name: meta[name]}) if name in meta else None
        if hit is not None:
            return hit
    return None


def data_source(metric: str) -> tuple[str, frozenset[str]] | None:
    """``(dataset name, its words)`` of a validation metric key, or None."""
    for pat in _SOURCE:
        m = pat.match(metric)
        if m:
            name = m.group("d").rstrip("/").rsplit("/", 1)[-1]
            words = frozenset(
                w for w in _WORD.findall(name.lower()) if not w.isdigit() and w not in GENERIC_WORDS
            )
            return (name, words) if words else None
    return None


def _position(metric: str, files: Sequence[str]) -> int | None:
    src = data_source(metric)
    if src is None:
        return None
    for i, path in enumerate(files):
        if src[1] & set(_WORD.findall(path.lower())):
            return i
    return None


def break_tie(tied: Sequence[str], meta: Mapping | None) -> tuple[str | None, str]:
    """Break a tie between validation metrics with the run's training data.

    Returns
    -------
    (str or None, str)
        The winner (None when the tie stands) and a sentence saying why, for the
        detection reason or the error message.
    """
    found = training_files(meta)
    if found is None:
        return None, "the run's attributes name no training data to break the tie"
    key, files = found
    pos = {m: _position(m, files) for m in tied}
    matched = sorted((p, m) for m, p in pos.items() if p is not None)
    shown = files if len(files) <= 4 else files[:4] + ["..."]
    if not matched:
        return None, f"none of their data sources is in the run's training data {key} = {shown}"
    if len(matched) > 1 and matched[0][0] == matched[1][0]:
        both = [m for p, m in matched if p == matched[0][0]]
        return None, f"{both} all match the same training file {files[matched[0][0]]!r} ({key})"
    best_pos, best = matched[0]
    src = data_source(best)
    name = src[0] if src else best
    why = f"its data source {name} matches {key}[{best_pos}] = {files[best_pos]!r}"
    rest = []
    for m in tied:
        if m == best:
            continue
        s = data_source(m)
        where = f"{key}[{pos[m]}]" if pos[m] is not None else "no training file"
        rest.append(f"{s[0] if s else m} matches {where}")
    if rest:
        why += " (" + "; ".join(rest) + ")"
    if any(pos[m] is not None for m in tied if m != best):
        why += "; the earlier-listed training file wins"
    return best, why
