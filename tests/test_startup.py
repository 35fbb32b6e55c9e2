"""Start-up cost: the package and the CLI import only what is used."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

import entropy_law as el

HEAVY = ("pandas", "scipy", "matplotlib", "lmfit", "pyarrow")
_ENV = {**os.environ, "COLUMNS": "100", "TERM": "dumb", "NO_COLOR": "1"}


def _modules_after(code: str) -> set[str]:
    """Top-level packages imported by a fresh interpreter running *code*."""
    wrapper = (
        "import sys, json\n"
        f"{code}\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})), file=sys.stderr)"
    )
    proc = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True, env=_ENV)
    return set(json.loads(proc.stderr.strip().splitlines()[-1]))


def test_help_imports_no_heavy_package():
    code = (
        "from entropy_law.cli import main\n"
        "sys.argv = ['entropy-law', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass"
    )
    loaded = _modules_after(code)
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
    assert "typer" in loaded  # the wrapper really ran the CLI


def test_import_entropy_law_is_light_and_version_lazy():
    loaded = _modules_after("import entropy_law as el\nv = el.__version__")
    assert not loaded & {*HEAVY, "numpy"}, sorted(loaded & {*HEAVY, "numpy"})


def test_inspect_does_not_import_scipy_or_matplotlib():
    code = (
        "from entropy_law.cli import main\n"
        "sys.argv = ['entropy-law', 'inspect', 'sample_runs/csv']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass"
    )
    loaded = _modules_after(code)
    assert "pandas" in loaded  # it did load the runs
    assert not loaded & {"scipy", "matplotlib", "lmfit"}, sorted(loaded & {"scipy", "matplotlib"})


def test_inspect_does_not_import_the_forecasting_stack():
    """inspect reads and describes runs: the fitting, trajectory and forecasting modules
    (about a tenth of its imports) are not needed, compute keys live in entropy_law.table."""
    wrapper = (
        "import sys, json\n"
        "from entropy_law.cli import main\n"
        "sys.argv = ['entropy-law', 'inspect', 'sample_runs/csv']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)"
    )
    proc = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True, env=_ENV)
    loaded = set(json.loads(proc.stderr.strip().splitlines()[-1]))
    assert "entropy_law.loaders" in loaded and "entropy_law.table.compute_keys" in loaded
    stack = ("entropy_law.forecasting", "entropy_law.fitting", "entropy_law.trajectory")
    assert not [m for m in loaded if m.startswith(stack)], sorted(m for m in loaded if m.startswith(stack))


def test_every_public_name_resolves():
    for name in el.__all__:
        assert getattr(el, name) is not None, name
    assert set(el.__all__) <= set(dir(el))
    assert set(el.__all__) - {"__version__"} == set(el._EXPORTS)
    from entropy_law.checking.runner import check
    from entropy_law.table.metrics import detect

    assert el.check is check and el.detect_metrics is detect
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        el.nope  # noqa: B018


def test_public_names_in_a_fresh_process_and_star_import():
    # the subpackage `entropy_law.simulate` imported first must not shadow the function
    code = (
        "import entropy_law.simulate.config\n"
        "import entropy_law as el\n"
        "from entropy_law import *\n"
        "assert callable(el.simulate) and el.simulate is simulate, el.simulate\n"
        "assert all(getattr(el, n) is not None for n in el.__all__)\n"
        "assert isinstance(el.__version__, str)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_ENV)
    assert proc.returncode == 0, proc.stderr


def test_lazy_command_listing_equals_the_imported_commands():
    """The one-line helps of ``entropy-law --help`` (from ``cli._LAZY``) match the commands."""
    from entropy_law import cli
    from entropy_law.cli.common import HELP_OPTIONS

    eager = typer.Typer(
        name="entropy-law",
        help=cli.app.info.help,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        context_settings=HELP_OPTIONS,
    )
    eager.callback()(cli._root)
    for module in dict.fromkeys(m for m, _ in cli._LAZY.values()):
        __import__(f"entropy_law.cli.{module}", fromlist=["register"]).register(eager)
    got = CliRunner().invoke(cli.app, ["--help"], env=_ENV)
    want = CliRunner().invoke(eager, ["--help"], env=_ENV)
    assert got.exit_code == want.exit_code == 0
    assert got.output == want.output
    # and a lazily loaded command runs with its real options
    res = CliRunner().invoke(cli.app, ["inspect", "sample_runs/csv", "--json"], env=_ENV)
    assert res.exit_code == 0, res.output
    assert len(json.loads(res.stdout)["runs"]) == 2
