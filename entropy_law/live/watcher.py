"""Follow the logs under some paths and re-forecast each run when new steps arrive.

:class:`Watcher` is the library behind ``entropy-law watch``. Each :meth:`Watcher.poll`
re-scans the paths for followable files (new event files appear when a trainer starts; see
:func:`entropy_law.live.tail.tail_for`), reads what was appended to each
(:mod:`entropy_law.live.tail`) and feeds it to one :class:`~entropy_law.live.collector.LiveForecaster`
per run. A run is a file's folder for TensorBoard event files and ``trainer_state.json``
(several event files of one folder are one run), the file itself for JSONL and console logs.
:meth:`Watcher.forecast` re-forecasts the runs whose performance metric gained points.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import LoadError
from .collector import LiveForecast, LiveForecaster
from .rules import StopRules
from .tail import Tail, TfeventsTail, TrainerStateTail, tail_for

__all__ = ["Watcher", "EXIT_ON"]

#: ``--exit-on`` choices: check's flag rule, or a verdict word
EXIT_ON = ("flag", "plateaued", "degrading")


@dataclass
class _Run:
    name: str
    live: LiveForecaster
    counted: int = 0  # performance points at the last forecast
    last: LiveForecast | None = None


class Watcher:
    """Follow *paths* (files or folders, searched recursively).

    Parameters
    ----------
    paths : sequence of paths
    rules : StopRules, optional
        Evaluated on every forecast (``LiveForecast.stop_reason``).
    **options
        Passed to :class:`~entropy_law.live.collector.LiveForecaster` (``entropy``, ``reward``,
        ``kind``, ``n_boot``, ``sigmoid``, ``level``, ``seed``, ``horizon``, ``reference``).
    """

    def __init__(self, paths: Sequence[str | os.PathLike], *, rules: StopRules | None = None, **options):
        self.paths = [Path(p) for p in paths]
        missing = [str(p) for p in self.paths if not p.exists()]
        if missing:
            raise LoadError(
                missing[0],
                "no such file or folder; watch follows files that exist or folders they will appear in.",
            )
        self.rules = rules
        self.options = options
        self.tails: dict[Path, Tail] = {}
        self.runs: dict[str, _Run] = {}
        self._run_of: dict[Path, str] = {}

    @property
    def bytes_read(self) -> int:
        """Bytes read from disk so far, over every followed file."""
        return sum(t.bytes_read for t in self.tails.values())

    def _scan(self) -> None:
        for root in self.paths:
            files = [root] if root.is_file() else (p for p in root.rglob("*") if p.is_file())
            for f in files:
                if f in self.tails:
                    continue
                t = tail_for(f)
                if t is None:
                    continue
                self.tails[f] = t
                by_folder = isinstance(t, TfeventsTail | TrainerStateTail)
                base = f.parent if by_folder else f
                try:
                    name = str(base.relative_to(root)) if root.is_dir() else base.name
                except ValueError:
                    name = base.name
                if name in ("", "."):
                    name = root.name or str(root)
                self._run_of[f] = name

    def _run(self, name: str) -> _Run:
        if name not in self.runs:
            self.runs[name] = _Run(name, LiveForecaster(name, rules=self.rules, **self.options))
        return self.runs[name]

    def poll(self) -> int:
        """Read what is new in every followed file; returns the number of new records."""
        self._scan()
        n = 0
        for f, t in self.tails.items():
            recs = t.poll()
            if not recs:
                continue
            run = self._run(self._run_of[f])
            for step, vals in recs:
                run.live.add(step, vals)
            n += len(recs)
        return n

    def forecast(self, force: bool = False) -> dict[str, LiveForecast]:
        """Re-forecast the runs with new performance points (all runs with *force*)."""
        out: dict[str, LiveForecast] = {}
        for name, run in sorted(self.runs.items()):
            keys = run.live.metrics()
            if keys is None:
                continue
            n = run.live.count(keys[1])
            if n == run.counted and not force:
                continue
            fc = run.live.forecast()
            if fc is None:
                continue
            run.counted, run.last = n, fc
            out[name] = fc
        return out

    def waiting(self) -> list[str]:
        """Runs whose entropy / performance keys cannot be told yet."""
        return [name for name, r in sorted(self.runs.items()) if r.live.metrics() is None]


def fires(fc: LiveForecast, exit_on: str | None) -> str | None:
    """Why *fc* meets the ``--exit-on`` condition, or None."""
    if exit_on is None:
        return None
    if exit_on == "flag":
        r = fc.stop_reason
        return r if r is not None and r.startswith("check flag") else None
    if fc.summary.verdict == exit_on:
        return f"{exit_on}: {fc.summary.reason}"
    return None
