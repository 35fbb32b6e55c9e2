"""Hugging Face ``Trainer`` / TRL ``trainer_state.json`` (``log_history``).

``transformers.Trainer.log`` appends ``{**logs, "step": global_step}`` to
``state.log_history``, which every checkpoint saves as ``checkpoint-<N>/trainer_state.json``
(and ``trainer.save_state()`` as ``<output_dir>/trainer_state.json``). Train entries carry
the trainer's and TRL's keys (``loss``, ``learning_rate``, ``num_tokens``, ``entropy``,
``reward``, ``rewards/<func>/mean`` ...); evaluation entries the same keys with the
``eval_`` prefix (``eval_reward``, ``eval_loss``).

Rules
-----
* **step** = the entry's ``step`` (HF ``global_step``); **metric** = the key as logged;
  entries without a whole-number ``step`` are skipped with a :class:`DataWarning`.
* ``epoch`` is kept as a metric. The end-of-training summary keys (``train_runtime``,
  ``train_loss``, ``total_flos``, ``train_samples_per_second``,
  ``train_steps_per_second``) and the file's ``best_metric``, ``best_model_checkpoint``,
  ``best_global_step``, ``global_step``, ``max_steps``, ``logging_steps``, ``eval_steps``,
  ``num_train_epochs``, ``train_batch_size`` are run attributes
  (``table.attrs["run_meta"][run]``), not metrics.
* non-numbers (text, ``null``, booleans) are skipped; NaN/inf are dropped later by
  :func:`entropy_law.table.tidy` with a count.
* **a checkpoints tree is one run**: a folder holding ``trainer_state.json`` and/or
  ``checkpoint-*/trainer_state.json`` is read from the file with the highest
  ``global_step`` (ties: the later-modified file), since each checkpoint's
  ``log_history`` holds the whole history up to it. The folder is the run.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataWarning, LoadError
from ._numbers import is_number
from .base import Reader

__all__ = ["READER", "read", "sniff_file", "sniff_dir", "latest_state"]

NAME = "trainer_state.json"
SUMMARY_KEYS = frozenset(
    {"train_runtime", "train_loss", "total_flos", "train_samples_per_second", "train_steps_per_second"}
)
STATE_META = (
    "best_metric",
    "best_model_checkpoint",
    "best_global_step",
    "global_step",
    "max_steps",
    "logging_steps",
    "eval_steps",
    "save_steps",
    "num_train_epochs",
    "train_batch_size",
    "epoch",
)


def sniff_file(path: Path) -> bool:
    """``trainer_state.json``, or a ``.json`` whose first 4 KiB name ``"log_history"``."""
    path = Path(path)
    if path.name == NAME:
        return True
    if path.suffix.lower() != ".json":
        return False
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return head.lstrip()[:1] == b"{" and b'"log_history"' in head


def _states(folder: Path) -> list[Path]:
    own = [folder / NAME] if (folder / NAME).is_file() else []
    ckpts = [c / NAME for c in folder.glob("checkpoint-*") if c.is_dir() and (c / NAME).is_file()]
    return own + ckpts


def sniff_dir(path: Path) -> bool:
    """A training output folder: ``trainer_state.json`` or ``checkpoint-*/trainer_state.json``."""
    return bool(_states(Path(path)))


def _load_json(path: Path) -> dict:
    try:
        obj = json.loads(path.read_bytes().decode("utf-8", errors="replace"))
    except OSError as exc:
        raise LoadError(path, f"cannot read the file ({exc.strerror}).") from None
    except json.JSONDecodeError as exc:
        raise LoadError(
            path,
            f"not valid JSON ({exc.msg} at line {exc.lineno}); expected a Trainer "
            "trainer_state.json. A checkpoint written while the job was killed may be cut: "
            "load an earlier checkpoint-*/ folder.",
        ) from None
    if not isinstance(obj, dict) or not isinstance(obj.get("log_history"), list):
        raise LoadError(
            path,
            "expected a JSON object with a 'log_history' list (transformers' TrainerState); "
            f"found {type(obj).__name__} with keys {sorted(obj)[:8] if isinstance(obj, dict) else []}.",
        )
    return obj


def latest_state(folder: Path) -> tuple[Path, list[Path]]:
    """The ``trainer_state.json`` with the highest ``global_step`` under *folder*, and all found."""
    found = _states(folder)
    if not found:
        raise LoadError(folder, f"no {NAME} here nor in checkpoint-*/ sub-folders.")

    def key(p: Path):
        try:
            with p.open("rb") as fh:
                step = json.loads(fh.read()).get("global_step", -1)
        except Exception:
            step = -1
        return (step if isinstance(step, int) else -1, p.stat().st_mtime)

    return max(found, key=key), found


def read(path: Path) -> pd.DataFrame:
    """Read a ``trainer_state.json`` (or a checkpoints folder) into ``step, metric, value``."""
    path = Path(path)
    note = None
    if path.is_dir():
        state_path, found = latest_state(path)
        if len(found) > 1:
            note = (
                f"{len(found)} trainer_state.json files (checkpoints) found; read the latest, "
                f"{state_path.relative_to(path).as_posix()}, which holds the whole history"
            )
    else:
        state_path = path
    state = _load_json(state_path)
    steps, keys, values = [], [], []
    meta: dict[str, Any] = {}
    no_step = 0
    epoch_at: set[int] = set()  # an eval entry repeats the train entry's epoch at its step
    for entry in state["log_history"]:
        if not isinstance(entry, dict):
            no_step += 1
            continue
        s: Any = entry.get("step")
        if not is_number(s) or s != int(s):
            no_step += 1
            continue
        for k, v in entry.items():
            if k == "step" or not is_number(v):
                continue
            if k in SUMMARY_KEYS:
                meta[k] = v
                continue
            if k == "epoch":
                if int(s) in epoch_at:
                    continue
                epoch_at.add(int(s))
            steps.append(int(s))
            keys.append(k)
            values.append(float(v))
    if no_step:
        warnings.warn(
            f"{state_path}: skipped {no_step} log_history entr(y/ies) without a whole-number 'step'.",
            DataWarning,
            stacklevel=2,
        )
    if not steps:
        raise LoadError(
            state_path,
            "log_history holds no numeric metrics; was the run stopped before its first "
            "logging step (logging_steps)?",
        )
    meta.update({k: state[k] for k in STATE_META if state.get(k) is not None})
    meta["trainer_state"] = str(state_path)
    if note:
        meta["note"] = note
    out = pd.DataFrame(
        {"step": np.asarray(steps, dtype=np.int64), "metric": keys, "value": np.asarray(values, dtype=float)}
    )
    out.attrs["meta"] = meta
    return out


READER = Reader(
    name="hf-trainer-state",
    description="Hugging Face Trainer / TRL trainer_state.json (log_history), or a checkpoints folder",
    read=read,
    sniff_file=sniff_file,
    sniff_dir=sniff_dir,
)
