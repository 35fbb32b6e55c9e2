"""The distribution: a wheel and an sdist that build and pass ``twine check``, install in a
fresh virtual environment outside the checkout, and run the main job on the embedded
example; the licence, typing marker and citation file that ship with it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
import yaml
from conftest import REPO

try:
    import tomllib
except ImportError:  # Python 3.10: the tomli backport, a dependency there
    import tomli as tomllib

# what the distribution is built from (everything else in the checkout is development-only)
_SOURCES = ("pyproject.toml", "README.md", "LICENSE", "CITATION.cff", "entropy_law")


def _run(args, cwd, timeout=600, env=None):
    p = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    assert p.returncode == 0, f"{args} exited {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"
    return p


def test_licence_typing_marker_and_example_are_package_data():
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text  # the full text, not a pointer to it
    meta = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert meta["license"] == "Apache-2.0" and meta["license-files"] == ["LICENSE"]
    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    shipped = data["package-data"]["entropy_law"]
    assert "py.typed" in shipped and "data/*.csv" in shipped
    assert (REPO / "entropy_law" / "py.typed").is_file()
    assert (REPO / "entropy_law" / "data" / "example.csv").is_file()


def test_citation_file_cites_the_toolkit_and_both_papers():
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "software"
    assert cff["license"] == "Apache-2.0" and cff["title"].startswith("entropy-law")
    meta = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert cff["version"] == meta["version"]
    ids = {i["value"] for ref in cff["references"] for i in ref["identifiers"]}
    assert {"arXiv:2505.22617", "arXiv:2510.13786"} <= ids
    firsts = {ref["authors"][0]["family-names"] for ref in cff["references"]}
    assert firsts == {"Cui", "Khatri"}


@pytest.mark.slow
def test_wheel_installs_in_a_fresh_venv_and_forecasts_the_example(tmp_path):
    """Build from a copy of the sources, install the wheel (with its dependencies, from the
    package index or pip's cache) into a new venv, and run the console script elsewhere."""
    src = tmp_path / "src"
    src.mkdir()
    for name in _SOURCES:
        p = REPO / name
        if p.is_dir():
            shutil.copytree(p, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(p, src / name)
    dist = tmp_path / "dist"
    # sdist first, then the wheel from the sdist: the sdist must hold everything the wheel needs
    _run([sys.executable, "-m", "build", "--outdir", str(dist), str(src)], cwd=tmp_path)
    (wheel,) = dist.glob("entropy_law-*.whl")
    (sdist,) = dist.glob("entropy_law-*.tar.gz")
    check = _run([sys.executable, "-m", "twine", "check", "--strict", str(wheel), str(sdist)], cwd=tmp_path)
    assert check.stdout.count("PASSED") == 2

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True, system_site_packages=False)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    py = bindir / "python"
    # without the caller's PYTHONPATH: a checkout on it (with its .egg-info) would make pip think
    # entropy-law is already installed and skip the wheel
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["MPLBACKEND"] = "Agg"
    _run(
        [str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel)],
        cwd=tmp_path,
        env=env,
    )

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = _run([str(py), "-c", "import entropy_law; print(entropy_law.__file__)"], elsewhere, env=env)
    assert Path(where.stdout.strip()).is_relative_to(env_dir)  # the wheel, not the checkout

    exe = str(bindir / "entropy-law")
    version = _run([exe, "--version"], elsewhere, env=env)
    assert version.stdout.strip() == f"entropy-law {wheel.name.split('-')[1]}"

    out = _run([exe, "forecast", "--example", "--plot", "x.png", "--n-boot", "100"], elsewhere, env=env)
    assert out.stdout.startswith("example: ")  # the headline answers first
    assert (elsewhere / "x.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
