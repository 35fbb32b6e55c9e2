"""Which incremental reader follows a file: :func:`tail_for`, by the file's name.

Kept apart from :mod:`entropy_law.live.tail` (the readers' base and the simple readers) so that
the readers of their own modules (:mod:`~entropy_law.live.tail_console`,
:mod:`~entropy_law.live.tail_wandb`) can build on that base without an import cycle.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from .tail import JsonlTail, Tail, TfeventsTail, TrainerStateTail
from .tail_console import ConsoleTail
from .tail_wandb import WandbTail, wandb_available

__all__ = ["tail_for"]

_TFEVENTS = re.compile(r"events\.out\.tfevents\.")


def tail_for(path: str | os.PathLike) -> Tail | None:
    """The reader for *path* by its name (None: not a format ``watch`` follows).

    ``run-<id>.wandb`` files need the ``wandb`` package (:mod:`entropy_law.live.tail_wandb`);
    console logs (``.log``, ``.out``, ``.txt``) are read by
    :class:`entropy_law.live.tail_console.ConsoleTail` (verl lines and Trainer / TRL dicts)."""
    p = Path(path)
    name = p.name.lower()
    if _TFEVENTS.search(p.name):
        return TfeventsTail(p)
    if name == "trainer_state.json":
        return TrainerStateTail(p)
    if name.endswith((".jsonl", ".ndjson")):
        return JsonlTail(p)
    if name.startswith("run-") and name.endswith(".wandb"):
        return WandbTail(p) if wandb_available() else None
    if name.endswith((".log", ".out", ".txt")):
        return ConsoleTail(p)
    return None
