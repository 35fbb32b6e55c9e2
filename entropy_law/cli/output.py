"""How much the CLI says on stderr: ``-q``/``-v``, notes, warnings and progress bars.

Every command takes ``-q/--quiet`` and ``-v/--verbose`` (also before the command:
``entropy-law -q forecast ...``), as in gh, ruff and pytest. The level starts at 0 for each
invocation; each ``-v`` adds one, each ``-q`` takes one away:

====== ===============================================================================
level  stderr shows
====== ===============================================================================
<= -2  errors only (``-qq``)
-1     errors and warnings (``-q``): no progress bars, no notes
0      errors, warnings, notes (``wrote FILE``, load summaries) and progress bars
>= 1   also more detail: what was loaded (the load summary, always), and
       ``forecast``'s detailed forecast of each run
====== ===============================================================================

``-q`` never changes stdout (the results); ``-v`` may add detail there (``forecast``).
Warnings are printed as one line, ``warning: <file>: <what>``, never with the Python
source line of :mod:`warnings`; numpy's floating-point warnings ("invalid value
encountered in ...") only with ``-v``.
Progress bars (rich, which typer brings) go to stderr, only when stderr is a terminal.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import typer

__all__ = [
    "level",
    "set_level",
    "adjust",
    "note",
    "warn",
    "warning_line",
    "captured_warnings",
    "progress",
    "Bar",
    "install_warning_format",
]

T = TypeVar("T")

_state = {"level": 0}


def level() -> int:
    """The verbosity of this invocation (0 by default; see the module docstring)."""
    return _state["level"]


def set_level(value: int) -> None:
    _state["level"] = int(value)


def adjust(verbose: int = 0, quiet: int = 0) -> None:
    """Add *verbose* ``-v`` and *quiet* ``-q`` to the level (the option callbacks)."""
    _state["level"] += int(verbose or 0) - int(quiet or 0)


def note(message: str) -> None:
    """A diagnostic that is not a warning or an error (hidden by ``-q``)."""
    if level() >= 0:
        typer.echo(message, err=True)


def warning_line(message: str, source: str | None = None) -> str:
    """``warning: <file>: <what>`` on one line.

    *source* (the file or run the warning is about) is put in front unless the message
    already names it; messages of the loaders start with the file they read.
    """
    text = " ".join(str(message).split())  # one line
    if text.startswith("warning: "):
        text = text[len("warning: ") :]
    if source and not text.startswith(str(source)) and f"{source}:" not in text:
        text = f"{source}: {text}"
    return f"warning: {text}"


def warn(message: str, source: str | None = None) -> None:
    """Print a warning to stderr (hidden by ``-qq``)."""
    if level() >= -1:
        typer.echo(warning_line(message, source), err=True)


@contextmanager
def captured_warnings(sink: list[str] | None = None, echo: bool = True, source: str | None = None):
    """Collect the warnings raised inside the block; print each once as a ``warning:`` line.

    *sink* receives the messages (for ``--json`` records); *source* names the file (or
    run) the block works on, put in front of messages that do not name their file.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught
    seen = set()
    for w in caught:
        msg = " ".join(str(w.message).split())
        if msg in seen:
            continue
        seen.add(msg)
        if sink is not None:
            sink.append(msg)
        if echo and (level() > 0 or not _numeric_noise(w)):
            warn(msg, source)


def _numeric_noise(w) -> bool:
    """numpy's floating-point RuntimeWarnings ("invalid value encountered in subtract"):
    about the arithmetic inside a fit, not the data; printed only with ``-v`` (they stay
    in the ``--json`` records)."""
    return issubclass(w.category, RuntimeWarning) and "encountered in" in str(w.message)


def _format_warning(message, category, filename, lineno, line=None) -> str:
    return warning_line(str(message)) + "\n"


def install_warning_format() -> None:
    """Print any warning that reaches :mod:`warnings` unhandled as one ``warning:`` line
    (the console-script entry point installs it; commands capture their own as well)."""
    warnings.formatwarning = _format_warning


def _stderr_is_tty() -> bool:
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


class Bar:
    """A rich progress bar on stderr, or nothing (``-q``, or stderr not a terminal).

    Use as a context manager; :meth:`__call__` ``(done, total)`` is the callback shape of
    :func:`entropy_law.check`, :meth:`iterate` wraps a sequence.
    """

    def __init__(self, label: str, total: int | None = None, *, enabled: bool | None = None):
        self.label = label
        self.total = total
        self.enabled = (level() >= 0 and _stderr_is_tty()) if enabled is None else enabled
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Bar:
        if not self.enabled:
            return self
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._bar = Progress(
            TextColumn(self.label),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=Console(file=sys.stderr, force_terminal=True),
            transient=True,
            redirect_stdout=False,  # results stay on stdout; stderr lines print above the bar
        )
        self._bar.start()
        self._task = self._bar.add_task("", total=self.total)
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def __call__(self, done: int, total: int, description: str = "") -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=done, total=total, description=description[-40:])
            self._bar.refresh()

    def iterate(self, items: Sequence[T], name=str) -> Iterator[T]:
        """Yield *items*, advancing the bar after each; *name* labels the current one."""
        total = len(items)
        for i, item in enumerate(items):
            self(i, total, str(name(item)))
            yield item
        self(total, total)


def progress(items: Iterable[T], label: str, name=str, *, minimum: int = 2) -> Iterator[T]:
    """Iterate *items* with a progress bar labelled *label* when there are at least
    *minimum* of them (a single run is quick; several are the work worth showing)."""
    seq = list(items)
    if len(seq) < minimum:
        yield from seq
        return
    with Bar(label, len(seq)) as bar:
        yield from bar.iterate(seq, name)
