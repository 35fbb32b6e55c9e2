"""Helpers shared by the CLI commands: stderr messages, warnings capture, JSON output."""

from __future__ import annotations

import json
import sys
import warnings
from contextlib import contextmanager
from typing import Annotated, Any

import typer

from .._json import jsonable
from ..errors import EntropyLawError

__all__ = [
    "fail",
    "echo_err",
    "captured_warnings",
    "dump_json",
    "jsonable",
    "guard",
    "parse_bounds",
    "load_logs",
]

USAGE_ERROR = 2


def echo_err(message: str) -> None:
    """Print a diagnostic to stderr (stdout stays clean for results)."""
    typer.echo(message, err=True)


def fail(message: str, code: int = USAGE_ERROR) -> typer.Exit:
    """Print ``error: message`` to stderr and return the Exit to raise."""
    echo_err(f"error: {message}")
    return typer.Exit(code=code)


@contextmanager
def guard():
    """Turn entropy-law input errors into a clear stderr message and exit code 2."""
    try:
        yield
    except EntropyLawError as exc:
        raise fail(str(exc)) from None


@contextmanager
def captured_warnings(sink: list[str] | None = None, echo: bool = True):
    """Collect warnings raised inside the block; print each once to stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught
    seen = set()
    for w in caught:
        msg = str(w.message)
        if msg in seen:
            continue
        seen.add(msg)
        if sink is not None:
            sink.append(msg)
        if echo:
            echo_err(f"warning: {msg}")


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
AggregateOpt = Annotated[
    str,
    typer.Option(
        "--aggregate", help="Several records of one type at one step (typed JSON lines): mean or last."
    ),
]
LoggingStepsOpt = Annotated[
    int | None,
    typer.Option(
        "--logging-steps",
        help="The Trainer's logging_steps, for HF/TRL console logs whose tqdm counters "
        "do not give the steps.",
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

    report = scan(path, fmt, step=step, aggregate=aggregate, logging_steps=logging_steps)
    if report.errors or report.skipped:
        echo_err(report.summary())
    return report
