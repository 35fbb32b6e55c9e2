"""``python -m entropy_law`` and ``python -m entropy_law.cli`` behave like the console script
(useful where the script is not on PATH, e.g. inside a job runner's venv)."""

from __future__ import annotations

import subprocess
import sys

import pytest

import entropy_law as el


@pytest.mark.parametrize("module", ["entropy_law", "entropy_law.cli"])
def test_python_dash_m_prints_version(module):
    out = subprocess.run(
        [sys.executable, "-m", module, "--version"], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert el.__version__ in out.stdout


def test_python_dash_m_usage_error_exits_2():
    out = subprocess.run(
        [sys.executable, "-m", "entropy_law", "no-such-command"], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
