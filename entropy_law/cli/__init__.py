"""The ``entropy-law`` command line: a thin shell over the library.

Each command lives in its own module named ``<command>_cmd`` exposing ``register(app)``;
modules are found by name, so adding a command touches no other file. Conventions shared by
all commands (see :mod:`entropy_law.cli.common`): results go to stdout (with ``--json``,
exactly one JSON document), diagnostics and warnings to stderr; exit code 0 on success,
2 on usage or input errors (``check`` adds 1 for flagged runs).

Start-up: a command's module (and with it pandas, scipy, the loaders...) is imported only
when that command runs or its own ``--help`` is asked for. ``entropy-law --help`` lists the
commands from :data:`_LAZY` without importing any of them (``tests/test_startup.py``
checks that the listing equals the one the imported commands give). A ``*_cmd`` module
not listed there still works: it is imported at start-up, as before.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer
from typer.core import TyperGroup

from . import output
from .common import HELP_OPTIONS, dump_json

__all__ = ["app", "main"]

#: command -> (module, first paragraph of its help), in the order ``--help`` lists them
_LAZY: dict[str, tuple[str, str]] = {
    "check": ("check_cmd", "Forecast every run and flag those confidently below the bar."),
    "compare": (
        "compare_cmd",
        "Difference of ceilings, entropy floors and saturation steps of each run against\n"
        "a baseline, with bootstrap intervals and a verdict: lifted / no detectable change /\n"
        "lowered.",
    ),
    "fit": (
        "fit_cmd",
        "Fit R = -a*exp(H) + b (or another law) to every run and report a, b, the ceiling\n"
        "b - a with bootstrap intervals, and diagnostics.",
    ),
    "forecast": ("forecast_cmd", "Forecast each run's ceiling, saturation step and value at a horizon."),
    "backtest": (
        "backtest_cmd",
        "Cut finished runs early, forecast, and score against what they then did and\n"
        "against the last-value and sigmoid-only baselines.",
    ),
    "inspect": (
        "inspect_cmd",
        "List the runs found, their metrics with step ranges and counts, and the\n"
        "detected entropy and performance metrics.",
    ),
    "report": ("report_cmd", "Write one self-contained HTML report of every run's forecast."),
    "watch": ("watch_cmd", "Follow logs while they are written; re-forecast when new steps arrive."),
}


_QUIET_HELP = "Less on stderr: -q hides progress bars and notes, -qq warnings too (errors stay)."
_VERBOSE_HELP = "More detail (repeat for more)."


def _quiet(value: int) -> None:
    output.adjust(quiet=value)


def _verbose(value: int) -> None:
    output.adjust(verbose=value)


def _shared_params(short_v: bool) -> list:
    """The click parameters of ``-q/--quiet`` and ``-v/--verbose`` (or ``--verbose`` only),
    built by typer itself so that they match the commands' own parameter classes."""
    sub = typer.Typer()
    verbose_names = ("-v", "--verbose") if short_v else ("--verbose",)

    @sub.command()
    def _options(
        quiet: int = typer.Option(
            0,
            "-q",
            "--quiet",
            count=True,
            expose_value=False,
            callback=_quiet,
            help=_QUIET_HELP,
            show_default=False,
        ),
        verbose: int = typer.Option(
            0,
            *verbose_names,
            count=True,
            expose_value=False,
            callback=_verbose,
            help=_VERBOSE_HELP,
            show_default=False,
        ),
    ) -> None:
        pass

    return [p for p in typer.main.get_command(sub).params if p.name in ("quiet", "verbose")]


def _output_options(cmd) -> None:
    """Give *cmd* the shared ``-q/--quiet`` and ``-v/--verbose`` (:mod:`.output`), once.

    A command that already uses ``-v`` for its own detail flag (``forecast -v``) keeps it
    and gets ``--verbose`` only; its function reads :func:`output.level` as well, so ``-v``
    before the command means the same.
    """
    if getattr(cmd, "_el_output_options", False):
        return
    taken = {o for p in cmd.params for o in (*p.opts, *p.secondary_opts)}
    if "--quiet" not in taken:
        help_at = next((i for i, p in enumerate(cmd.params) if "--help" in p.opts), len(cmd.params))
        cmd.params[help_at:help_at] = _shared_params(short_v="-v" not in taken)
    cmd._el_output_options = True


def _module_commands(module: str) -> dict:
    """Import the command module *module* and return its click commands by name."""
    sub = typer.Typer()
    importlib.import_module(f"{__name__}.{module}").register(sub)
    if not sub.registered_callback:
        sub.callback()(lambda: None)  # a group even when the module adds a single command
    return dict(typer.main.get_group(sub).commands)


_SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")  # typer's completion scripts


class _LazyGroup(TyperGroup):
    """A Typer group that imports a command's module only when the command is needed."""

    _listing = False

    def list_commands(self, ctx) -> list[str]:
        return list(dict.fromkeys([*_LAZY, *super().list_commands(ctx)]))

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        # `--show-completion SHELL` prints SHELL's script. Typer's flag ignores the word
        # after it whenever shellingham is installed and detects the shell instead: a zsh
        # user asking for bash got zsh, and with no shell among the parent processes (a
        # script, CI, a Dockerfile) it failed with "Shell  not supported".
        if len(args) >= 2 and args[0] == "--show-completion" and args[1] in _SHELLS:
            from typer.completion import get_completion_script

            prog = ctx.find_root().info_name or "entropy-law"
            var = "_{}_COMPLETE".format(prog.replace("-", "_").upper())
            typer.echo(get_completion_script(prog_name=prog, complete_var=var, shell=args[1]))
            ctx.exit(0)
        return super().parse_args(ctx, args)

    def get_command(self, ctx, cmd_name: str):
        cmd = self.commands.get(cmd_name)
        if cmd is None and cmd_name in _LAZY:
            module, short = _LAZY[cmd_name]
            if self._listing:  # the root --help: name and one-line help only
                return typer.core.TyperCommand(cmd_name, help=short)
            for name, c in _module_commands(module).items():
                self.commands.setdefault(name, c)
            cmd = self.commands.get(cmd_name)
        if cmd is not None:
            _output_options(cmd)
        return cmd

    def shell_complete(self, ctx, incomplete: str):
        # completing a command name needs only the names and their one-line help
        self._listing = True
        try:
            return super().shell_complete(ctx, incomplete)
        finally:
            self._listing = False

    def format_help(self, ctx, formatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


app = typer.Typer(
    name="entropy-law",
    help="Forecast where an RL run of a language model will plateau, from its entropy and reward logs.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings=HELP_OPTIONS,
    cls=_LazyGroup,
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
    quiet: int = typer.Option(0, "-q", "--quiet", count=True, help=_QUIET_HELP, show_default=False),
    verbose: int = typer.Option(0, "-v", "--verbose", count=True, help=_VERBOSE_HELP, show_default=False),
) -> None:
    """Forecast where an RL run will plateau, from its entropy and reward logs."""
    # each invocation starts from the default level (one process may run several, in tests)
    output.set_level(0)
    output.adjust(verbose=verbose, quiet=quiet)


# every ``<name>_cmd`` module of this package adds its command(s) through register(app);
# those named in _LAZY are imported on first use, any other at start-up
_COMMAND_MODULES = tuple(sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.endswith("_cmd")))
_LAZY_MODULES = {m for m, _ in _LAZY.values()}

for _name in _COMMAND_MODULES:
    if _name not in _LAZY_MODULES:
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
    output.install_warning_format()
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
