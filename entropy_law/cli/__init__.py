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

import typer

__all__ = ["app", "main"]

app = typer.Typer(
    name="entropy-law",
    help="Forecast where an RL run of a language model will plateau, from its entropy and reward logs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and exit.", is_eager=True),
) -> None:
    """Forecast where an RL run will plateau, from its entropy and reward logs."""
    if version:
        from .. import __version__

        typer.echo(__version__)
        raise typer.Exit()


# every ``<name>_cmd`` module of this package adds its command(s) through register(app)
_COMMAND_MODULES = tuple(sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.endswith("_cmd")))

for _name in _COMMAND_MODULES:
    importlib.import_module(f"{__name__}.{_name}").register(app)


def main() -> None:
    """Console-script entry point."""
    app()
