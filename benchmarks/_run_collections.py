"""The collections the forecast benchmark scores: the public corpus read from its raw logs,
a folder given with ``--runs``, and the simulator's runs; and which source a run is from."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pandas as pd

SHARED = Path(__file__).resolve().parents[2] / "shared"


def source_of(collection: str, name: str) -> str:
    """The public source a run comes from (the SOURCES.md folder / repository)."""
    if collection == "simulator":
        return "simulator"
    if collection == "real_runs":
        return name.split("_", 1)[0]
    if collection != "corpus" and "__" not in name:  # a --runs PATH of one source's files
        return collection
    head = name.split("__", 1)[0]
    return "shibukizero_cs336a5_grpo_qwen2.5math1.5b" if head == "short_40step" else head


def corpus_runs(raw: Path = SHARED / "corpus" / "raw") -> list[tuple[str, pd.DataFrame]]:
    """Every run of the corpus, read from its raw files by the loaders' auto-detection
    (``scan``), as ``(name, long table)``; the name is the run's path under *raw* with
    ``__`` for ``/``, so its first part is the source folder of SOURCES.md.

    The raw files, not ``corpus/tidy``: they hold the one run without a tidy CSV (the TRL
    Markdown console log of ``juncylu_...``), and ``tests/test_load_corpus.py`` checks that
    the loaders reproduce every tidy CSV from them exactly. A run that fails to load is
    reported by ``scan`` and left out, with its message printed.
    """
    from entropy_law.loaders import scan

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = scan(raw)
    for err in rep.errors:
        print(f"corpus: not loaded: {err}", file=sys.stderr)
    t = rep.table
    return [(str(run).replace("/", "__"), g.reset_index(drop=True)) for run, g in t.groupby("run", sort=True)]


def sim_runs(n: int) -> list[pd.DataFrame]:
    from entropy_law.simulate import simulate

    over = [{}, {"lr": 0.05}, {"entropy_coef": 0.0}, {"format_phase": True}]
    out = []
    for i in range(n):
        try:
            out.append(simulate(seed=100 + i, run=f"sim{i:02d}", **over[i % 4]))
        except TypeError:
            out.append(simulate(seed=100 + i, run=f"sim{i:02d}"))
    return out
