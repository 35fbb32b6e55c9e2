"""Shared fixtures: where the public real-run logs live (read in place, never copied)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

REPO = Path(__file__).resolve().parents[1]
REAL_RUNS = REPO.parent / "shared" / "real_runs"


@pytest.fixture(scope="session")
def real_runs_dir() -> Path:
    """``../shared/real_runs`` beside the checkout (CI lays it there; see SOURCES.md)."""
    if not REAL_RUNS.is_dir():
        pytest.fail(f"the public real-run logs are expected at {REAL_RUNS}; CI puts shared/ "
                    "beside the clone. Lay out ../shared/real_runs to run these tests.")
    return REAL_RUNS
