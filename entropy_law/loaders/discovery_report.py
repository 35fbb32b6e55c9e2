"""What a folder load skipped and why, its summary line, and its progress bar.

* **Run metadata files** (configs, W&B run metadata, tokenizer files, requirements) are
  not logs: a folder walk skips them with the reason "run metadata" instead of trying
  them as tables (a ``config.json`` is not a metric table). Names: :data:`METADATA_NAMES`
  and any ``*config.json`` / ``*config.yaml``.
* **Reasons** for every skipped file: "run metadata", "empty file", "binary file",
  "format not recognised".
* **Summary**: ``LoadReport.summary()`` gives one line such as ``loaded 43 run(s) from
  44 log(s); 1 failed (a.log: ...); skipped 2 file(s): b.json (run metadata), ...``.
* **Progress**: with at least :data:`PROGRESS_MIN_UNITS` logs to read and stderr a
  terminal (or ``progress=True``), a ``rich`` progress bar on stderr (rich comes with
  typer).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "METADATA_NAMES",
    "PROGRESS_MIN_UNITS",
    "is_metadata",
    "skip_reason",
    "load_summary",
    "with_progress",
]

PROGRESS_MIN_UNITS = 20
METADATA_NAMES = frozenset(
    {
        "wandb-metadata.json",
        "wandb-summary.json",
        "config.yaml",
        "requirements.txt",
        "conda-environment.yaml",
        "debug.log",
        "debug-internal.log",
        "special_tokens_map.json",
        "tokenizer.json",
        "vocab.json",
        "added_tokens.json",
        "training_args.bin",
        "model.safetensors.index.json",
    }
)


def is_metadata(path: Path) -> bool:
    """A file that describes a run rather than logging its metrics."""
    name = path.name.lower()
    return name in METADATA_NAMES or name.endswith(("config.json", "config.yaml", "config.yml"))


def skip_reason(path: Path) -> str:
    """Why a folder walk did not read *path*."""
    if is_metadata(path):
        return "run metadata"
    try:
        if path.stat().st_size == 0:
            return "empty file"
        with path.open("rb") as fh:
            head = fh.read(1024)
    except OSError as exc:
        return f"unreadable ({exc.strerror})"
    if b"\x00" in head:
        return "binary file of no known format"
    from .hf_console import progress_only

    if progress_only(path):
        return "progress bars only, no logged metrics yet"
    return "format not recognised"


def load_summary(report: Any) -> str:
    """The one-line summary of a :class:`~entropy_law.loaders.LoadReport`."""
    runs = report.table["run"].nunique() if len(report.table) else 0
    parts = [f"loaded {runs} run(s) from {len(report.units) - len(report.errors)} log(s)"]
    if report.errors:
        shown = "; ".join(f"{Path(p).name}: {m}" for p, m in report.errors[:3])
        more = f"; and {len(report.errors) - 3} more" if len(report.errors) > 3 else ""
        parts.append(f"{len(report.errors)} failed ({shown}{more})")
    if report.skipped:
        reasons = report.reasons or {}
        shown = ", ".join(
            f"{Path(s).name} ({reasons.get(s, 'format not recognised')})" for s in report.skipped[:5]
        )
        more = f", and {len(report.skipped) - 5} more" if len(report.skipped) > 5 else ""
        parts.append(f"skipped {len(report.skipped)} file(s): {shown}{more}")
    return "; ".join(parts) + "."


def with_progress(units: Sequence, progress: bool | None) -> Iterable:
    """Iterate *units*, with a rich progress bar on stderr when asked or worthwhile."""
    show = progress if progress is not None else (len(units) >= PROGRESS_MIN_UNITS and sys.stderr.isatty())
    if not show or not units:
        return units
    return _bar(units)


def _bar(units: Sequence) -> Iterator:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    with Progress(
        TextColumn("loading"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("", total=len(units))
        for u in units:
            bar.update(task, description=str(getattr(u, "run", ""))[-40:])
            yield u
            bar.advance(task)
