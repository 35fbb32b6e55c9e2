"""The ``entropy-law`` command line: a thin shell over the library.

Each command lives in its own module named ``<command>_cmd`` exposing ``register(app)``;
modules are found by name, so adding a command touches no other file. Conventions shared by
all commands (see :mod:`entropy_law.cli.common`): results go to stdout (with ``--json``,
exactly one JSON document), diagnostics and warnings to stderr; exit code 0 on success,
2 on usage or input errors (``check`` adds 1 for flagged runs).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer

from .common import HELP_OPTIONS, dump_json

__all__ = ["app", "main"]

app = typer.Typer(
    name="entropy-law",
    help="Forecast where an RL run of a language model will plateau, from its entropy and reward logs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings=HELP_OPTIONS,
)


def _print_version(value: bool) -> None:
    # an eager option's callback runs while the options are parsed, before click asks
    # for a command, so ``entropy-law --version`` needs no command
    if value:
        from .. import __version__

        typer.echo(f"entropy-law {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        help="Print the version and exit.",
        is_eager=True,
        expose_value=False,
        callback=_print_version,
    ),
) -> None:
    """Forecast where an RL run will plateau, from its entropy and reward logs."""


# every ``<name>_cmd`` module of this package adds its command(s) through register(app)
_COMMAND_MODULES = tuple(sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.endswith("_cmd")))

for _name in _COMMAND_MODULES:
    importlib.import_module(f"{__name__}.{_name}").register(app)


def _wants_json(argv: list[str]) -> bool:
    """``--json``, or ``check --format json`` (``inspect --format json`` names a log format)."""
    if "--json" in argv:
        return True
    pairs = {f"{a}={b}" for a, b in zip(argv, argv[1:])} | set(argv)
    return "check" in argv and "--format=json" in pairs


def main() -> None:
    """Console-script entry point.

    With ``--json`` (``check``: ``--format json``) a usage error found while parsing the
    options (an unknown option, a value of the wrong type) still prints one JSON document,
    ``{"errors": [...]}``, on stdout besides the usual message on stderr, and exits 2.
    """
    if not _wants_json(sys.argv[1:]):
        app()
        return
    try:
        rv = app(standalone_mode=False)
    except typer.Abort:
        sys.exit(1)
    except Exception as exc:
        # click's UsageError (typer may ship its own copy of click, so match by its API)
        if not (hasattr(exc, "format_message") and hasattr(exc, "show")):
            raise
        exc.show()
        dump_json({"errors": [{"path": None, "error": exc.format_message()}]})
        sys.exit(getattr(exc, "exit_code", 2))
    sys.exit(rv if isinstance(rv, int) else 0)
