"""MLflow local file store (``mlruns/``), read straight from disk without mlflow.

Layout (mlflow's ``FileStore``)::

    mlruns/<experiment_id>/meta.yaml
    mlruns/<experiment_id>/<run_id>/meta.yaml
    mlruns/<experiment_id>/<run_id>/metrics/<key>     one line per point:
                                                      "<timestamp_ms> <value> <step>"
    mlruns/<experiment_id>/<run_id>/tags/mlflow.runName

A key with ``/`` is stored as nested folders (``metrics/actor/entropy``); the key is the
path relative to ``metrics/`` with ``/`` separators, as MLflow reads it back. Legacy lines
with two fields (``timestamp value``) have step 0. Values may be ``nan`` or ``inf``
(dropped later by :func:`entropy_law.table.tidy`, with a count). A line cut mid-write
ends that metric's file, with a :class:`~entropy_law.errors.TruncatedLogWarning`.

The run is named ``<experiment name>/<run name>`` when the run has a name tag, else
``<experiment name>/<run_id>``. Runs in ``.trash`` are ignored.
"""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataWarning, LoadError, TruncatedLogWarning
from ._numbers import plain_reason, text_float, text_int
from .base import Reader

__all__ = ["read", "READER", "is_run_dir"]

_RESERVED = {".trash", "tags", "datasets", "traces", "models"}


def is_run_dir(path: Path) -> bool:
    """A run folder: ``metrics/`` beside a ``meta.yaml``."""
    try:
        return (path / "metrics").is_dir() and (path / "meta.yaml").is_file()
    except OSError:  # no permission to look inside: not claimed here, reported by load()
        return False


def _children(path: Path) -> list[Path]:
    """The sub-folders of *path*; none when it cannot be listed."""
    try:
        return sorted(c for c in path.iterdir() if _quiet_is_dir(c))
    except OSError:
        return []


def _quiet_is_dir(p: Path) -> bool:
    try:
        return p.is_dir()
    except OSError:
        return False


def _is_experiment_dir(path: Path) -> bool:
    try:
        has_meta = (path / "meta.yaml").is_file()
    except OSError:
        return False
    return has_meta and any(is_run_dir(c) for c in _children(path))


def _is_store(path: Path) -> bool:
    return any(c.name not in _RESERVED and _is_experiment_dir(c) for c in _children(path))


def run_dirs(path: Path) -> list[Path]:
    """The run folders of a store root, an experiment folder or a run folder.

    :func:`entropy_law.load` reads each as a unit of its own, so that one damaged run
    is reported and the others still load.
    """
    path = Path(path)
    if is_run_dir(path):
        return [path]
    # folders this user may not open are returned too: load() reports them as errors
    if _is_experiment_dir(path):
        exps, locked = [path], []
    else:
        kids = [c for c in _children(path) if c.name not in _RESERVED]
        exps, locked = [c for c in kids if _is_experiment_dir(c)], [c for c in kids if _locked(c)]
    for e in exps:
        locked += [r for r in _children(e) if r.name not in _RESERVED and _locked(r)]
    return sorted([r for e in exps for r in _children(e) if is_run_dir(r)] + locked)


def _locked(p: Path) -> bool:
    return not os.access(p, os.R_OK | os.X_OK)


def sniff_dir(path: Path) -> bool:
    """A store root, one experiment folder, or one run folder."""
    return is_run_dir(path) or _is_experiment_dir(path) or _is_store(path)


def _yaml_field(path: Path, field: str) -> str | None:
    """Read one top-level scalar field of a small meta.yaml without a YAML parser."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    m = re.search(rf"^{field}:\s*(.*)$", text, flags=re.MULTILINE)
    if not m:
        return None
    val = m.group(1).strip().strip("'\"")
    return val or None


def _run_name(run_dir: Path) -> str:
    tag = run_dir / "tags" / "mlflow.runName"
    try:
        name = tag.read_text(encoding="utf-8", errors="replace").strip() if tag.is_file() else ""
    except OSError:  # an unreadable tag: fall back to the id
        name = ""
    if name:
        return name
    return _yaml_field(run_dir / "meta.yaml", "run_name") or run_dir.name


def _read_metric_file(path: Path, key: str) -> tuple[list, list, list]:
    steps: list[int] = []
    values: list[float] = []
    times: list[float] = []
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except OSError as exc:  # a broken symlink, a loop, no permission: only this metric
        warnings.warn(
            f"{path}: cannot read the file of metric {key!r} ({plain_reason(exc)}); skipped that metric.",
            DataWarning,
            stacklevel=4,
        )
        return steps, values, times
    lines = text.splitlines()
    for i, line in enumerate(lines):
        parts = line.split()
        if not parts:
            continue
        if i == len(lines) - 1 and not text.endswith("\n"):  # mlflow ends every line with one
            warnings.warn(
                f"{path}: the last line of metric {key!r} was cut while being written; dropped it.",
                TruncatedLogWarning,
                stacklevel=4,
            )
            break
        ts = text_int(parts[0])
        val = text_float(parts[1]) if len(parts) > 1 else None
        step = (text_int(parts[2]) if len(parts) == 3 else 0) if len(parts) in (2, 3) else None
        if ts is None or val is None or step is None:  # strict: '1_000' is damage
            warnings.warn(
                f"{path}: line {i + 1} of metric {key!r} is damaged ({line[:60]!r}); "
                f"kept the {len(steps)} point(s) before it.",
                TruncatedLogWarning,
                stacklevel=4,
            )
            break
        steps.append(step)
        values.append(val)
        times.append(ts / 1000.0)
    return steps, values, times


def _read_run(run_dir: Path, prefix: str) -> pd.DataFrame:
    metrics_dir = run_dir / "metrics"
    frames = []

    def unreadable(exc: OSError) -> None:
        warnings.warn(
            f"{exc.filename}: cannot list this metrics folder ({plain_reason(exc)}); "
            "its metrics are missing from the run.",
            DataWarning,
            stacklevel=4,
        )

    for root, _dirs, files in os.walk(metrics_dir, onerror=unreadable):
        for fname in sorted(files):
            fpath = Path(root) / fname
            key = fpath.relative_to(metrics_dir).as_posix()
            steps, values, times = _read_metric_file(fpath, key)
            if steps:
                frames.append(
                    pd.DataFrame(
                        {
                            "step": np.asarray(steps, dtype=np.int64),
                            "metric": key,
                            "value": values,
                            "wall_time": times,
                        }
                    )
                )
    if not frames:
        return pd.DataFrame(columns=["run", "step", "metric", "value", "wall_time"])
    out = pd.concat(frames, ignore_index=True)
    # MLflow's own "latest" rule for a step logged twice: the later timestamp wins;
    # order rows so that tidy()'s keep-last picks it.
    out = out.sort_values(["metric", "step", "wall_time"], kind="stable")
    out.insert(0, "run", f"{prefix}{_run_name(run_dir)}")
    return out


def read(path: Path) -> pd.DataFrame:
    """Read a store root, an experiment folder or a run folder."""
    runs = []
    for r in run_dirs(path):
        if is_run_dir(r):
            runs.append((r, f"{_yaml_field(r.parent / 'meta.yaml', 'name') or r.parent.name}/"))
        else:
            warnings.warn(
                f"{r}: cannot look inside (permission denied); skipped it.", DataWarning, stacklevel=2
            )
    if not runs:
        raise LoadError(
            path,
            "no MLflow runs found; expected <experiment_id>/<run_id>/"
            "metrics/<key> files under an mlruns folder.",
        )
    frames = []
    for r, prefix in runs:
        try:
            frames.append(_read_run(r, prefix))
        except (LoadError, OSError) as exc:  # one bad run costs only itself
            if len(runs) == 1:
                raise
            why = exc.reason if isinstance(exc, LoadError) else plain_reason(exc)
            warnings.warn(f"{r}: skipped this MLflow run ({why}).", DataWarning, stacklevel=2)
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if out.empty:
        raise LoadError(path, "the MLflow runs hold no metric points.")
    return out


READER = Reader(
    name="mlflow",
    description="MLflow local file store (mlruns/<exp>/<run>/metrics)",
    read=read,
    sniff_dir=sniff_dir,
    units=run_dirs,
)
