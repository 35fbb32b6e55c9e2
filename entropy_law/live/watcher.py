"""Follow the logs under some paths and re-forecast each run when new steps arrive.

:class:`Watcher` is the library behind ``entropy-law watch``. Each :meth:`Watcher.poll`
re-scans the paths for followable files (new event files appear when a trainer starts; see
:func:`entropy_law.live.readers.tail_for`), reads what was appended to each
(:mod:`entropy_law.live.tail`) and feeds it to one :class:`~entropy_law.live.collector.LiveForecaster`
per run. A run is a file's folder for TensorBoard event files and ``trainer_state.json``
(several event files of one folder are one run; the ``checkpoint-N`` folders of one output
folder are one run, named by that folder, each checkpoint adding the steps after the last
one read), the W&B run folder for ``run-<id>.wandb`` and ``files/output.log`` (the console log
is followed only when the ``.wandb`` history cannot be read: no ``wandb`` package), the file
itself for JSONL and console logs. A file that turns out not to be in its format is dropped
with a :class:`~entropy_law.errors.DataWarning`.
:meth:`Watcher.forecast` re-forecasts the runs whose performance metric gained points.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataWarning, LoadError
from .collector import LiveForecast, LiveForecaster
from .readers import tail_for
from .rules import StopRules
from .tail import Tail, TfeventsTail, TrainerStateTail

__all__ = ["Watcher", "EXIT_ON"]

#: ``--exit-on`` choices: check's flag rule, or a verdict word
EXIT_ON = ("flag", "plateaued", "degrading")
_CHECKPOINT = re.compile(r"checkpoint-\d+$")


def _wandb_folder(f: Path) -> Path | None:
    """The W&B run folder *f* lies in (``run-<id>.wandb`` or ``files/output.log``), or None."""
    if f.suffix == ".wandb" and f.name.startswith("run-"):
        return f.parent
    if f.name == "output.log" and f.parent.name == "files" and (f.parent.parent / "files").is_dir():
        folder = f.parent.parent
        if _is_wandb_run(folder):
            return folder
    return None


def _is_wandb_run(folder: Path) -> bool:
    return any(folder.glob("run-*.wandb")) or (folder / "files" / "wandb-metadata.json").is_file()


def _shadowed(f: Path) -> bool:
    """A file ``watch`` does not follow although its name fits: W&B's own files (debug logs,
    ``requirements.txt``, ...) and a W&B run's console log when its ``.wandb`` history can be
    read instead."""
    if f.parent.name == "wandb" and f.name.startswith("debug"):
        return True  # wandb/debug.log, wandb/debug-internal.log
    for up in (f.parent, f.parent.parent, f.parent.parent.parent):
        if up.name.startswith(("run-", "offline-run-")) and _is_wandb_run(up):
            if f.parent != up and f.relative_to(up).as_posix() != "files/output.log":
                return True
            break
    folder = _wandb_folder(f)
    if folder is None or f.suffix == ".wandb" or not any(folder.glob("run-*.wandb")):
        return False
    from .tail_wandb import wandb_available

    return wandb_available()


def _run_base(f: Path, t: Tail) -> Path:
    """The path a file's run is named after (see the module docstring)."""
    folder = _wandb_folder(f)
    if folder is not None:
        return folder
    if isinstance(t, TrainerStateTail) and _CHECKPOINT.match(f.parent.name):
        return f.parent.parent
    return f.parent if isinstance(t, TfeventsTail | TrainerStateTail) else f


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
        self._ignored: set[Path] = set()
        self._state_steps: dict[str, int] = {}  # last step read from checkpoint-*/trainer_state.json

    @property
    def bytes_read(self) -> int:
        """Bytes read from disk so far, over every followed file."""
        return sum(t.bytes_read for t in self.tails.values())

    def _scan(self) -> None:
        for root in self.paths:
            files = [root] if root.is_file() else (p for p in root.rglob("*") if p.is_file())
            for f in files:
                if f in self.tails or f in self._ignored:
                    continue
                if root.is_dir() and "latest-run" in f.relative_to(root).parts:
                    continue  # W&B's symlink to the newest run folder: that run is read there
                t = tail_for(f)
                if t is None:  # not a followable name (model weights, ...): never look again
                    self._ignored.add(f)
                    continue
                if _shadowed(f):
                    continue
                self.tails[f] = t
                base = _run_base(f, t)
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
        for f, t in list(self.tails.items()):
            try:
                recs = t.poll()
            except LoadError as exc:  # not the format its name says: stop following it
                warnings.warn(f"{exc} No longer following this file.", DataWarning, stacklevel=2)
                del self.tails[f]
                self._ignored.add(f)
                continue
            if not recs:
                continue
            name = self._run_of[f]
            run = self._run(name)
            if isinstance(t, TrainerStateTail) and _CHECKPOINT.match(f.parent.name):
                # each checkpoint-N/trainer_state.json repeats the history of the earlier ones
                done = self._state_steps.get(name, -1)
                recs = [r for r in recs if r[0] > done]
                if recs:
                    self._state_steps[name] = max(done, max(s for s, _ in recs))
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
