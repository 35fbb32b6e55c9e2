"""Run names of loaded units: the path rules of :func:`entropy_law.load` (see its module)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

__all__ = ["run_name", "file_run_name", "dedupe_run_names"]


def run_name(path: Path, root: Path) -> str:
    if path == root:
        return path.stem if path.is_file() else path.resolve().name
    rel = path.relative_to(root)
    return rel.with_suffix("").as_posix() if path.is_file() else rel.as_posix()


def file_run_name(p: Path) -> str:
    """A single file's run: its stem; for an event file, its prefix or its folder's name."""
    if "tfevents" in p.name:
        prefix = p.name.split("events.out.tfevents")[0].rstrip("_.-")
        return prefix or p.resolve().parent.name
    return p.stem


def dedupe_run_names(table: pd.DataFrame) -> pd.DataFrame:
    """Two sources naming a run alike get the source path prepended, so runs stay apart."""
    per = table.groupby("run")["source"].nunique()
    clash = per[per > 1].index
    if len(clash):
        mask = table["run"].isin(clash)
        table = table.copy()
        table.loc[mask, "run"] = table.loc[mask, "source"] + ":" + table.loc[mask, "run"]
    return table
