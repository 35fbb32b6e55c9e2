"""Shared fixtures: where the public real-run logs live (read in place, never copied).

Tests that need ``../shared`` (the public logs laid beside the checkout) take one of the
fixtures below. Where the folder is absent they are *skipped* with the reason, so that
anyone who clones the repository alone gets a clean run; under ``CI=true`` (CI always
lays ``shared/`` beside the clone) they *fail* instead, so that a missing data set can
never turn a CI run green by skipping. ``ENTROPY_LAW_SHARED`` points elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ENTROPY_LAW_SHARED", REPO.parent / "shared"))
REAL_RUNS = SHARED / "real_runs"
CORPUS = SHARED / "corpus"


def in_ci() -> bool:
    """True when running under CI (``CI`` set to a true value, as CI services do)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def need_shared(path: Path) -> Path:
    """Return *path* (under ``../shared``); skip the test when absent, fail under CI."""
    if path.exists():
        return path
    msg = (
        f"the public logs are expected at {path} (the shared/ folder beside the checkout, "
        "or ENTROPY_LAW_SHARED); see README, Development"
    )
    if in_ci():
        pytest.fail(msg + "; CI=true, so this is a failure, not a skip")
    pytest.skip(msg)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` beside the checkout."""
    return need_shared(SHARED)


@pytest.fixture(scope="session")
def real_runs_dir() -> Path:
    """``../shared/real_runs`` (15 verl runs, raw and tidy; see its SOURCES.md)."""
    return need_shared(REAL_RUNS)


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """``../shared/corpus`` (44 runs from 9 repositories, raw and tidy; see its SOURCES.md)."""
    return need_shared(CORPUS)
