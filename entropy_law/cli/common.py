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

__all__ = [
    "fail",
    "echo_err",
    "captured_warnings",
    "dump_json",
    "jsonable",
    "guard",
    "internal_error",
    "HELP_OPTIONS",
]

USAGE_ERROR = 2

#: ``-h`` is an alias of ``--help`` for the app and every command
HELP_OPTIONS = {"help_option_names": ["-h", "--help"]}


def echo_err(message: str) -> None:
    """Print a diagnostic to stderr (stdout stays clean for results)."""
    typer.echo(message, err=True)


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


def internal_error(exc: BaseException) -> str:
    """The message recorded for one run that failed on an unexpected exception.

    The CLI processes each run on its own: an exception that is not an entropy-law input
    error (a bug, or a numeric corner the library does not handle) costs only that run.
    """
    return (
        f"internal error ({type(exc).__name__}: {exc}); the other runs are unaffected. "
        "Please report this with the log that caused it."
    )


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
