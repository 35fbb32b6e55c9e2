"""Read training logs of any supported format into the tidy run table.

:func:`load` takes a file or a folder. A folder loads every run found under it, one run
per run folder (a TensorBoard log dir, a W&B run folder, an MLflow store's runs) or per
file (CSV, verl console log...). Folders that a format claims as a whole (a W&B run
folder, an MLflow store) are not searched further; files no format recognises are
listed in :attr:`LoadReport.skipped`. A run that fails to load is reported in
:attr:`LoadReport.errors` and the others still load.

Run names: the path of the run's file or folder relative to the folder given (without
the file suffix), or the name stored in the log when a file holds several runs (W&B
exports, MLflow, tables with a ``run`` column).
"""

from __future__ import annotations

import importlib
import warnings
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd

from ..errors import DataWarning, EntropyLawError, LoadError
from ..table.tidy import tidy
from ._access import UNREADABLE, quiet, refuse_unreadable, unreadable
from ._naming import dedupe_run_names, file_run_name, run_name
from ._numbers import plain_reason
from .base import Reader
from .discovery_report import (
    is_metadata,
    load_summary,
    skip_reason,
    with_progress,
)
from .options import LoadOptions, reindex_steps, using
from .options import current as current_options

__all__ = ["load", "scan", "discover", "read_unit", "reader", "LoadReport", "Unit", "formats", "Reader"]

# Order matters: the first reader whose sniff accepts a file or folder reads it.
_READER_MODULES = (
    "hf_trainer_state",
    "wandb_run",
    "wandb_console",
    "mlflow",
    "tensorboard",
    "wandb_export",
    "typed_jsonl",
    "tabular",
    "verl_console",
    "hf_console",
)
# readers that apply load(step=KEY) themselves; for the others it re-labels the points
_OWN_STEP = {"typed-jsonl", "csv", "tsv", "parquet", "json", "jsonl"}
_NATIVE_STEPS = {"step", "_step", "global_step"}


@cache
def _readers() -> tuple[Reader, ...]:
    out: list[Reader] = []
    for name in _READER_MODULES:
        mod = importlib.import_module(f"{__name__}.{name}")
        out.extend(getattr(mod, "READERS", None) or (mod.READER,))
    return tuple(out)


def formats() -> dict[str, str]:
    """The supported ``format=`` names and what each reads."""
    return {r.name: r.description for r in _readers()}


def reader(name: str) -> Reader:
    """The reader of format *name* (one of :func:`formats`)."""
    return _reader_named(name)


def _reader_named(name: str) -> Reader:
    for r in (*_readers(), UNREADABLE):
        if r.name == name:
            return r
    raise LoadError(None, f"format={name!r} is not supported; choose 'auto' or one of {sorted(formats())}.")


@dataclass(frozen=True)
class Unit:
    """One thing to read: a file or folder, the reader for it, and its run name."""

    path: Path
    reader: Reader
    run: str


@dataclass(frozen=True)
class LoadReport:
    """What :func:`scan` found: the tidy table, the runs that failed, the files skipped."""

    table: pd.DataFrame
    units: tuple[Unit, ...]
    errors: tuple[tuple[str, str], ...] = ()
    skipped: tuple[str, ...] = field(default_factory=tuple)
    reasons: dict = field(default_factory=dict)

    def summary(self) -> str:
        """One line: how many runs loaded, what was skipped or failed, and why."""
        return load_summary(self)


def _file_reader(path: Path, fmt: str) -> Reader | None:
    if fmt != "auto":
        r = _reader_named(fmt)
        return r if r.sniff_file is not None else None
    for r in _readers():
        if r.sniff_file is not None and quiet(r.sniff_file, path):
            return r
    return None


def _dir_reader(path: Path, fmt: str) -> Reader | None:
    cands = [_reader_named(fmt)] if fmt != "auto" else _readers()
    for r in cands:
        if r.sniff_dir is not None and quiet(r.sniff_dir, path):
            return r
    return None


def _discover(root: Path, fmt: str) -> tuple[list[Unit], list[str]]:
    units: list[Unit] = []
    skipped: list[str] = []

    def walk(d: Path) -> None:
        try:
            if not unreadable(d):
                return walk_readable(d)
        except OSError:  # raced or half-readable (r without x): the folder is an error entry
            pass
        units.append(Unit(d, UNREADABLE, run_name(d, root)))

    def walk_readable(d: Path) -> None:
        r = _dir_reader(d, fmt)
        if r is not None and r.name == "tensorboard":
            # events.out.tfevents.* files are the folder's run; <prefix>events.out.tfevents.*
            # files are runs gathered from elsewhere, one run each (named by the prefix)
            from .tensorboard import prefixed_event_files

            own = [f for f in d.iterdir() if f.name.startswith("events.out.tfevents")]
            if own:
                units.append(Unit(d, r, run_name(d, root)))
            for f in prefixed_event_files(d):
                prefix = f.name.split("events.out.tfevents")[0].rstrip("_.-")
                name = run_name(d, root) + "/" + prefix if d != root else prefix
                units.append(Unit(f, r, name))
        elif r is not None:
            # a store splits into independent parts (MLflow runs): one bad run costs itself
            parts = r.units(d) if r.units is not None else [d]
            units.extend(Unit(u, UNREADABLE if unreadable(u) else r, run_name(u, root)) for u in parts)
            return
        for child in sorted(d.iterdir()):
            if child.name.startswith(".") or (child.is_symlink() and child.is_dir()):
                continue  # wandb/latest-run and the like point at runs read elsewhere
            if unreadable(child):
                units.append(Unit(child, UNREADABLE, run_name(child, root)))
            elif child.is_dir():
                walk(child)
            elif r is None or r.name != "tensorboard" or "tfevents" not in child.name:
                fr = None if is_metadata(child) else _file_reader(child, fmt)
                if fr is None:
                    skipped.append(str(child))
                elif fr.name != "wandb-run":  # .wandb files are read with their folder
                    units.append(Unit(child, fr, run_name(child, root)))

    walk(root)
    return units, skipped


def discover(path: str | Path, format: str = "auto") -> tuple[list[Unit], list[str]]:
    """What :func:`scan` would read under *path*, without reading it.

    Returns the units (file or folder, reader, run name) and the files no format
    recognised. A missing path raises :class:`LoadError`; an unrecognised single file
    comes back in the second list.
    """
    p = Path(path).expanduser()
    if unreadable(p):
        return [Unit(p, UNREADABLE, file_run_name(p))], []
    if not p.exists():
        raise LoadError(p, "no such file or folder.")
    if p.is_file():
        r = _file_reader(p, format)
        return ([Unit(p, r, file_run_name(p))], []) if r is not None else ([], [str(p)])
    return _discover(p, format)


def read_unit(unit: Unit) -> pd.DataFrame:
    """Read one unit into a tidy long table (warnings as :func:`entropy_law.table.tidy`);
    EntropyLawError (LoadError in plain words for the unforeseen) when it cannot be."""
    return tidy(_read_unit(unit), origin=str(unit.path))


def _read_unit(unit: Unit) -> pd.DataFrame:
    try:
        df = unit.reader.read(unit.path)
    except (EntropyLawError, Warning):  # a Warning here is one turned into an error (-W error)
        raise
    except Exception as exc:  # not foreseen by the reader: say what it means, not its type
        raise LoadError(unit.path, f"could not be read: {plain_reason(exc)}.") from exc
    if df is None or len(df) == 0:
        raise LoadError(unit.path, "no data points found in this log.")
    meta = dict(df.attrs.get("meta") or {})
    key = current_options().step
    if key is not None and unit.reader.name not in _OWN_STEP:
        if key in set(df["metric"].unique()) or key not in _NATIVE_STEPS:
            df = reindex_steps(df, key, unit.path)
    if key is not None:
        meta["step_key"] = key
    df.attrs["meta"] = meta
    if "run" not in df.columns:
        df = df.assign(run=unit.run)
    df = df.assign(source=str(unit.path))
    return df


def scan(
    path: str | Path,
    format: str = "auto",
    *,
    step: str | None = None,
    aggregate: str = "mean",
    logging_steps: int | None = None,
    progress: bool | None = None,
) -> LoadReport:
    """Load everything under *path*, keeping going past runs that fail.

    Returns a :class:`LoadReport`; see :func:`load` for the common case and the options.
    *progress*: a progress bar on stderr (None: when stderr is a terminal and there are
    at least :data:`PROGRESS_MIN_UNITS` runs to read).
    """
    with using(LoadOptions(step=step, aggregate=aggregate, logging_steps=logging_steps)):
        from .remote import is_remote

        if is_remote(path):
            return _scan_remote(path)
        return _scan(path, format, progress)


def _scan_remote(path) -> LoadReport:
    from .remote import read_remote

    table, meta, name = read_remote(path)
    table.attrs["run_meta"] = meta
    r = Reader(name=name, description="runs on a tracking server", read=lambda p: table)
    return LoadReport(table=table, units=(Unit(Path(str(path)), r, str(path)),))


def _scan(path: str | Path, format: str, progress: bool | None) -> LoadReport:
    p = Path(path).expanduser()
    if unreadable(p):
        refuse_unreadable(p)
    if not p.exists():
        hint = ""
        if p.parent.is_dir():
            from ..errors import closest

            near = closest(p.name, [c.name for c in p.parent.iterdir()])
            hint = f" Did you mean {str(p.parent / near[0])!r}?" if near else ""
        raise LoadError(p, f"no such file or folder.{hint}")
    if p.is_file():
        r = _file_reader(p, format)
        if r is None:
            from .hf_console import young_capture_note

            raise LoadError(
                p,
                f"format not recognised. {young_capture_note(p)}Supported formats: "
                + "; ".join(f"{k} ({v})" for k, v in formats().items())
                + ". Pass format=NAME (CLI: --format NAME) if the file is one of "
                "these under another name.",
            )
        units = [Unit(p, r, file_run_name(p))]
        skipped: list[str] = []
        single = True
    else:
        units, skipped = _discover(p, format)
        single = len(units) == 1 and units[0].path == p
        if not units:
            raise LoadError(
                p,
                "no logs found in this folder (looked for TensorBoard event "
                "files, W&B run folders and exports, MLflow stores, CSV/TSV/"
                "Parquet/JSON/JSONL tables and verl console logs)."
                + (f" Skipped {len(skipped)} unrecognised file(s), e.g. {skipped[0]}." if skipped else ""),
            )
    frames, errors = [], []
    run_meta: dict[str, dict] = {}
    for unit in with_progress(units, progress):
        try:
            raw = _read_unit(unit)
            meta = raw.attrs.pop("meta", None) or {}
            frames.append(tidy(raw, origin=str(unit.path)))
            for r in raw["run"].unique():
                run_meta[str(r)] = {"format": unit.reader.name, **meta}
        except EntropyLawError as exc:
            if single:
                raise
            errors.append((str(unit.path), str(exc)))
    if not frames:
        detail = "; ".join(f"{pth}: {msg}" for pth, msg in errors[:5])
        raise LoadError(p, f"none of the {len(units)} log(s) found could be read ({detail}).")
    if len(frames) == 1:
        # one source, already tidy: concatenating, renaming and tidying again change nothing
        # (a quarter of loading a small file; check and watch load runs one by one)
        table = frames[0]
    else:
        table = pd.concat(frames, ignore_index=True)
        table = dedupe_run_names(table)
        table = tidy(table, origin=str(p), warn=False)
    runs = set(table["run"].unique())
    table.attrs["run_meta"] = {r: m for r, m in run_meta.items() if r in runs}
    reasons = {s: skip_reason(Path(s)) for s in skipped}
    return LoadReport(
        table=table, units=tuple(units), errors=tuple(errors), skipped=tuple(skipped), reasons=reasons
    )


def _check_load_args(path, format, run) -> None:
    from .. import _validate as v

    def err(msg: str) -> LoadError:
        return LoadError(None, msg)

    v.path_like("load", "path", path, err)
    if not isinstance(format, str):
        raise v.bad("load", "format", "'auto' or a format name (str)", format, err)
    if run is not None and not isinstance(run, str):
        raise v.bad("load", "run", "a run name (str) or None", run, err)


def load(
    path: str | Path,
    format: str = "auto",
    *,
    run: str | None = None,
    step: str | None = None,
    aggregate: str = "mean",
    logging_steps: int | None = None,
) -> pd.DataFrame:
    """Load training logs into the tidy long table ``run, step, metric, value, wall_time, source``.

    Parameters
    ----------
    path : str or Path
        A log file or a folder of runs.
    format : str
        ``"auto"`` (detect per file and folder) or one of :func:`formats`.
    run : str, optional
        Name for the run when *path* holds exactly one.
    step : str, optional
        The key to use as the step axis (``"train/global_step"``, ``"grpo_step"``...);
        detected per format when omitted (see ``docs/formats.md``).
    aggregate : {"mean", "last"}
        How several records of one type at one step are combined (typed JSON lines).
    logging_steps : int, optional
        The Trainer's ``logging_steps``, for HF / TRL console logs whose tqdm counters do
        not give the steps.

    Returns
    -------
    DataFrame
        See :mod:`entropy_law.table.tidy`. Runs that failed to load are reported with a
        :class:`~entropy_law.errors.DataWarning` and listed in ``attrs["errors"]``;
        ``attrs["run_meta"]`` maps runs to their attributes (format, step rule, config,
        ``best_metric``, notes) where the log holds them.

    Raises
    ------
    LoadError
        When *path* is missing, of an unknown format, or holds no readable run.
    """
    _check_load_args(path, format, run)
    report = scan(path, format, step=step, aggregate=aggregate, logging_steps=logging_steps)
    table = report.table
    for _src, msg in report.errors:
        warnings.warn(f"skipped a run that failed to load: {msg}", DataWarning, stacklevel=2)
    if run is not None:
        runs = table["run"].unique()
        if len(runs) != 1:
            raise LoadError(
                path, f"run={run!r} names one run, but {len(runs)} were found: {list(runs)[:10]}."
            )
        meta = next(iter(table.attrs.get("run_meta", {}).values()), None)
        table = table.assign(run=run)
        table.attrs["run_meta"] = {run: meta} if meta else {}
    table.attrs["errors"] = [{"path": s, "error": m} for s, m in report.errors]
    return table
