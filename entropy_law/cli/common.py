"""Helpers shared by the CLI commands: stderr messages, warnings capture, JSON output.

How much goes to stderr (``-q``/``-v``, warnings, progress): :mod:`entropy_law.cli.output`.
"""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from .._json import jsonable
from ..errors import EntropyLawError
from .output import captured_warnings, level, note, warn

__all__ = [
    "fail",
    "echo_err",
    "note",
    "warn",
    "warn_skipped",
    "captured_warnings",
    "dump_json",
    "jsonable",
    "guard",
    "parse_bounds",
    "load_logs",
    "load_many",
    "internal_error",
    "check_output",
    "check_inputs",
    "HELP_OPTIONS",
    "Aggregate",
    "Kind",
]

USAGE_ERROR = 2

#: ``-h`` is an alias of ``--help`` for the app and every command
HELP_OPTIONS = {"help_option_names": ["-h", "--help"]}


def echo_err(message: str) -> None:
    """Print a diagnostic to stderr (stdout stays clean for results)."""
    typer.echo(message, err=True)


def warn_skipped(path, message: str) -> None:
    """``warning: <file>: skipped: <why>`` for a log that could not be read."""
    path = str(path)
    message = str(message)
    warn("skipped: " + message.removeprefix(f"{path}: "), path)


def fail(message: str, code: int = USAGE_ERROR, *, json_doc: dict | None = None) -> typer.Exit:
    """Print ``error: message`` to stderr and return the Exit to raise.

    With *json_doc* (the command's ``--json`` document, as far as it got), the message is
    appended to its ``"errors"`` list and the document is printed, so that stdout holds
    exactly one JSON document even when the command fails as a whole.
    """
    echo_err(f"error: {message}")
    if json_doc is not None:
        doc = dict(json_doc)
        doc["errors"] = [*doc.get("errors", []), {"path": None, "error": message}]
        dump_json(doc)
    return typer.Exit(code=code)


@contextmanager
def guard(json_doc: dict | None = None):
    """Turn entropy-law input errors into a clear stderr message and exit code 2.

    *json_doc*: see :func:`fail` (pass it when ``--json`` was given).
    """
    try:
        yield
    except EntropyLawError as exc:
        raise fail(str(exc), json_doc=json_doc) from None


def check_output(path, option: str, json_doc: dict | None = None) -> None:
    """Fail (exit 2) before any work when the output file *path* of *option* cannot be written.

    Checked up front so that a typo in ``--plot``/``--output`` costs no fitting time: the
    folder must exist and be writable, and *path* must not be a folder.
    """
    if path is None:
        return
    import os
    from pathlib import Path

    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise fail(f"{option} {path}: is a folder; give a file name.", json_doc=json_doc)
    if not parent.is_dir():
        msg = f"{option} {path}: the folder {parent} does not exist; create it or give another path."
        raise fail(msg, json_doc=json_doc)
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise fail(f"{option} {path}: not writable; give another path.", json_doc=json_doc)


def check_inputs(paths, json_doc: dict | None = None) -> None:
    """Fail (exit 2) before any work when a PATH argument names nothing on disk."""
    from pathlib import Path

    missing = [str(p) for p in ([paths] if isinstance(paths, (str, Path)) else paths) if not Path(p).exists()]
    if missing:
        msg = f"PATH {', '.join(missing)}: no such file or folder; give log files or folders that exist."
        raise fail(msg, json_doc=json_doc)


def internal_error(exc: BaseException) -> str:
    """The message recorded for one run that failed on an unexpected exception.

    The CLI processes each run on its own: an exception that is not an entropy-law input
    error (a bug, or a numeric corner the library does not handle) costs only that run.
    """
    return (
        f"internal error ({type(exc).__name__}: {exc}); the other runs are unaffected. "
        "Please report this with the log that caused it."
    )


def dump_json(doc: Any) -> None:
    """Write exactly one JSON document to stdout."""
    sys.stdout.write(json.dumps(jsonable(doc), indent=2, allow_nan=False) + "\n")
    sys.stdout.flush()


# -- options shared by every command that reads logs ----------------------------------------
StepOpt = Annotated[
    str | None,
    typer.Option(
        "--step",
        help="Key to use as the step axis (e.g. train/global_step, grpo_step); detected when omitted.",
    ),
]
#: choices validated while parsing (exit 2 naming the option) and listed in ``--help``
Aggregate = Literal["mean", "last"]
Kind = Literal["auto", "val", "train"]
AggregateOpt = Annotated[
    Aggregate,
    typer.Option(
        "--aggregate",
        help="Several records of one type at one step (typed JSON lines): mean or last.",
    ),
]
KindOpt = Annotated[
    Kind,
    typer.Option("--kind", help="Which performance metric detection prefers."),
]
LoggingStepsOpt = Annotated[
    int | None,
    typer.Option(
        "--logging-steps",
        help="The Trainer's logging_steps, for HF/TRL console logs whose tqdm counters "
        "do not give the steps.",
    ),
]
# -- options of the commands that forecast (forecast, report) ------------------------------
EntropyOpt = Annotated[
    str | None, typer.Option("--entropy", help="Entropy metric key (detected when omitted).")
]
RewardOpt = Annotated[
    str | None,
    typer.Option(
        "--reward",
        help="Performance metric key "
        "(detected when omitted; a single validation "
        "metric wins over the training reward).",
    ),
]
UptoStepOpt = Annotated[int | None, typer.Option(help="Use the steps up to this one.")]
UptoFractionOpt = Annotated[float | None, typer.Option(help="Use this fraction of the logged steps (0-1].")]
HorizonOpt = Annotated[int | None, typer.Option(help="Step to forecast at (default 2 x the last used step).")]
ReferenceOpt = Annotated[
    Path | None,
    typer.Option(
        "--reference",
        help="Finished runs of the same model and data (a file or folder): their fits form a "
        "prior for the early forecast; runs that do not resemble the run are down-weighted.",
        show_default=False,
    ),
]
BoundsOpt = Annotated[
    str,
    typer.Option(
        "--bounds",
        help="Range of the performance metric: auto ([0, 1], or [0, 100] for accuracy-like keys in "
        "percent), none, or LOW,HIGH.",
    ),
]


def parse_bounds(text: str | None):
    """``--bounds``: ``"auto"``, ``None`` (none/off) or a ``(low, high)`` pair."""
    if text is None or text.strip().lower() == "auto":
        return "auto"
    if text.strip().lower() in ("none", "off", "no"):
        return None
    parts = [p.strip() for p in text.split(",")]
    try:
        lo, hi = (float(p) for p in parts)
    except ValueError:
        raise fail(f"--bounds must be auto, none or LOW,HIGH (two numbers); got {text!r}.") from None
    if not lo < hi:
        raise fail(f"--bounds {text}: LOW must be below HIGH.")
    return lo, hi


def load_logs(path, *, step=None, aggregate="mean", logging_steps=None, fmt="auto"):
    """:func:`entropy_law.loaders.scan` with the shared options; prints the load summary to
    stderr when anything was skipped or failed, and a progress bar for many runs."""
    from ..loaders import scan

    with captured_warnings(source=str(path)):
        report = scan(
            path,
            fmt,
            step=step,
            aggregate=aggregate,
            logging_steps=logging_steps,
            progress=False if level() < 0 else None,  # -q: no loading bar either
        )
    if report.errors or report.skipped or level() > 0:
        note(report.summary())
    return report


def load_many(paths, *, step=None, aggregate="mean", logging_steps=None, keep_going: bool | None = None):
    """Every run under *paths* as one table, and the ``(path, message)`` of what failed.

    A PATH that cannot be read is recorded and the others go on (*keep_going*, the default
    with several PATHs); with one PATH and no *keep_going* its input error stops the
    command, as :func:`load_logs` alone does. Run names are
    prefixed by the PATH's name (or the whole PATH, when names clash too) where two PATHs
    hold a run of the same name (``a/run.log`` and ``b/run.log``).
    """
    import pandas as pd

    paths = list(paths)
    opts = dict(step=step, aggregate=aggregate, logging_steps=logging_steps)
    if not (len(paths) > 1 if keep_going is None else keep_going):
        report = load_logs(paths[0], **opts)
        return report.table, list(report.errors)
    errors: list[tuple[str, str]] = []
    tables = []
    for p in paths:
        try:
            report = load_logs(p, **opts)
        except EntropyLawError as exc:
            errors.append((str(p), str(exc)))
            continue
        errors += list(report.errors)
        if len(report.table):
            tables.append((Path(p), report.table))
    seen: dict[str, int] = {}
    for _, tab in tables:
        for r in tab["run"].unique():
            seen[str(r)] = seen.get(str(r), 0) + 1
    names = [p.name for p, _ in tables]
    out = []
    for p, tab in tables:
        tab = tab.copy()
        label = p.name if names.count(p.name) == 1 else str(p)
        tab["run"] = [f"{label}:{r}" if seen[str(r)] > 1 else str(r) for r in tab["run"]]
        out.append(tab)
    return (pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=["run"])), errors
