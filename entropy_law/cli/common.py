"""Helpers shared by the CLI commands: stderr messages, warnings capture, JSON output."""

from __future__ import annotations

import json
import sys
import warnings
from contextlib import contextmanager
from typing import Any

import typer

from .._json import jsonable
from ..errors import EntropyLawError

__all__ = ["fail", "echo_err", "captured_warnings", "dump_json", "jsonable", "guard"]

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
