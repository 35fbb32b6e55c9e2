"""Follow a console capture while it is written: verl ``step:N - key:value`` lines and the
dicts Hugging Face ``Trainer`` / TRL print (``{'loss': 0.1, 'entropy': 0.5, ...}``).

Lines end at ``\\n`` or ``\\r`` (tqdm redraws its bars with ``\\r``); the text after the last
line end waits for the next poll, so a line cut mid-write is never an error. Which text is a
Trainer dict, and which dicts are training, evaluation or end-of-training summaries, is
decided by :mod:`entropy_law.loaders.hf_console` (the loader of finished logs). The dicts
carry no step; the first rule that applies gives it, decided when the first training dict
arrives:

1. **tqdm counters**, when the capture holds the progress bar (stdout and stderr in one
   file, ``2>&1``): ``tqdm.write`` clears the bar (a run of spaces), prints the dict and
   redraws the main bar (the one whose total is ``Total optimization steps``, else the most
   common total so far) at the count = ``global_step``; a bar drawn right after a clear, or
   twice in a row at one count, is such a redraw, and the *i*-th distinct redraw count is the
   *i*-th dict's step. A dict waits until its redraw has been read;
2. **logging_steps** found in the text read so far (``logging_steps=N``): dict *i* (from 1)
   is step ``N * i``;
3. the dict's index, with one :class:`DataWarning` saying so.

An evaluation dict takes the step of the training dict before it.
"""

from __future__ import annotations

import math
import os
import re
import warnings
from collections import Counter

from ..errors import DataWarning
from ..loaders.hf_console import _BAR, _LOGGING_STEPS, _TOTAL, parse_dicts
from ..loaders.hf_trainer_state import SUMMARY_KEYS
from .tail import Record, VerlConsoleTail

__all__ = ["ConsoleTail"]

_EOL = re.compile(rb"[\r\n]")


class ConsoleTail(VerlConsoleTail):
    """A console log being written: verl step lines and Trainer / TRL dicts."""

    def __init__(self, path: str | os.PathLike) -> None:
        super().__init__(path)
        self.reset()

    def reset(self) -> None:
        self.rule: str | None = None  # "tqdm", "logging_steps" or "index", fixed at the first dict
        self._every: int | None = None
        self._total: int | None = None  # "Total optimization steps"
        self._totals: Counter = Counter()
        self._last_bar: tuple[int, int] | None = None
        self._cleared = False  # the last piece was tqdm's clear (spaces)
        self._redraws: list[int] = []  # distinct redraw counts of the main bar, per total
        self._redraws_by_total: dict[int, list[int]] = {}
        self._queue: list[dict[str, float]] = []  # dicts waiting for their step
        self._n_train = 0
        self._last_step: int | None = None

    def _parse(self, buf: bytes) -> tuple[list[Record], int]:
        ends = [m.end() for m in _EOL.finditer(buf)]
        if not ends:
            return [], 0
        end = ends[-1]
        out: list[Record] = []
        for raw in _EOL.split(buf[:end]):
            line = raw.decode("utf-8", errors="replace")
            if not line.strip():
                if line:  # tqdm.write clears the bar with spaces before it writes a message
                    self._cleared = True
                continue
            rec = self._line(line, 0)  # verl
            if rec is not None:
                out.append(rec)
                continue
            self._scan_hf(line)
            out.extend(self._release())
        return out, end

    # -- Trainer dicts ----------------------------------------------------------------
    def _scan_hf(self, line: str) -> None:
        if self._total is None and (m := _TOTAL.search(line)):
            self._total = int(m.group(1).replace(",", ""))
        if self._every is None and (m := _LOGGING_STEPS.search(line)):
            self._every = int(m.group(1))
        for m in _BAR.finditer(line):
            count, total = int(m.group(2)), int(m.group(3))
            self._totals[total] += 1
            # a redraw after a printed dict: drawn right after tqdm.write's clear, or drawn twice
            # in a row (the bar is not drawn at every step: tqdm's mininterval)
            if self._cleared or self._last_bar == (count, total):
                seen = self._redraws_by_total.setdefault(total, [])
                if not seen or count > seen[-1]:
                    seen.append(count)
            self._last_bar, self._cleared = (count, total), False
        if "{'" in line:
            for d in parse_dicts(line):
                if set(d) <= SUMMARY_KEYS | {"epoch"}:
                    continue  # the end-of-training summary: a run attribute
                if self.rule is None and not any(k.startswith("eval_") for k in d):
                    self._choose_rule()
                self._queue.append(d)

    def _choose_rule(self) -> None:
        if self._totals:
            self.rule = "tqdm"
        elif self._every is not None:
            self.rule = "logging_steps"
        else:
            self.rule = "index"
            warnings.warn(
                f"{self.path}: the Trainer dicts carry no step and the log shows neither a progress "
                "bar nor logging_steps; numbering the dicts 1, 2, ... (capture stderr too, 2>&1, "
                "to get the trainer's steps from its progress bar).",
                DataWarning,
                stacklevel=6,
            )

    def _main_redraws(self) -> list[int]:
        total = self._total if self._total in self._totals else None
        if total is None and self._totals:
            total = self._totals.most_common(1)[0][0]
        return self._redraws_by_total.get(total, []) if total is not None else []

    def _release(self) -> list[Record]:
        """The queued dicts whose step is known, in order."""
        out: list[Record] = []
        while self._queue:
            d = self._queue[0]
            if any(k.startswith("eval_") for k in d):
                self._queue.pop(0)
                if self._last_step is not None:  # an evaluation before any training dict: no step
                    out.append((self._last_step, {k: v for k, v in d.items() if k != "epoch" and _ok(v)}))
                continue
            if self.rule == "tqdm":
                redraws = self._main_redraws()
                if len(redraws) <= self._n_train:
                    break  # its redraw is not written yet
                step = redraws[self._n_train]
            elif self.rule == "logging_steps":
                step = (self._every or 1) * (self._n_train + 1)
            else:
                step = self._n_train + 1
            self._queue.pop(0)
            self._n_train += 1
            self._last_step = step
            out.append((step, {k: v for k, v in d.items() if _ok(v)}))
        return out


def _ok(v: float) -> bool:
    return math.isfinite(v)
