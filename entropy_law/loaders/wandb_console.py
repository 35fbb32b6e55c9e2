"""W&B run folders without their history: fall back to the console log ``output.log``.

A W&B run folder (``wandb/run-<date>-<id>/``) copied without its binary ``run-<id>.wandb``
(and written by an SDK that keeps no ``files/wandb-history.jsonl``) still holds
``files/output.log``, the run's console capture, and ``files/wandb-metadata.json``.

* **recognised**: a folder without ``run-*.wandb`` and without
  ``files/wandb-history.jsonl`` that holds ``files/output.log`` next to
  ``files/wandb-metadata.json`` or ``files/config.yaml`` (or, when the ``files/`` folder
  was flattened, ``output.log`` next to ``wandb-metadata.json`` in the folder itself).
* **read**: ``output.log`` with the console reader that recognises it (verl ``step:N - ...``
  lines, or Hugging Face / TRL dicts), with a :class:`DataWarning` saying the history was
  read from the console log (console values may be rounded: verl <= 0.4.1 prints 3
  decimals).
* **attributes** (``table.attrs["run_meta"][run]``): ``wandb-metadata.json`` (as
  ``wandb_metadata``), ``config.yaml`` (as ``wandb_config``, when PyYAML is installed,
  else its path), verl's printed config (``config``), and ``note``.
* **run name**: the folder's name.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd

from ..errors import DataWarning, LoadError
from .base import Reader
from .verl_config import printed_config

__all__ = ["READER", "read", "sniff_dir", "console_files", "folder_meta"]


def console_files(path: Path) -> tuple[Path, Path | None, Path | None] | None:
    """``(output.log, wandb-metadata.json or None, config.yaml or None)``, or None."""
    path = Path(path)
    if any(path.glob("run-*.wandb")) or (path / "files" / "wandb-history.jsonl").is_file():
        return None
    for base in (path / "files", path):
        log = base / "output.log"
        meta, cfg = base / "wandb-metadata.json", base / "config.yaml"
        if log.is_file() and (meta.is_file() or (base != path and cfg.is_file())):
            return log, meta if meta.is_file() else None, cfg if cfg.is_file() else None
    return None


def sniff_dir(path: Path) -> bool:
    """See the module docstring."""
    return console_files(path) is not None


def _yaml(path: Path):
    try:
        import yaml  # type: ignore[import-untyped]
    except ImportError:
        return str(path)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8", errors="replace"))
    except Exception:
        return str(path)


def folder_meta(meta_file: Path | None, cfg: Path | None) -> dict:
    """``wandb_metadata`` and ``wandb_config`` of a run folder (its path when unreadable)."""
    meta: dict = {}
    if meta_file is not None:
        try:
            meta["wandb_metadata"] = json.loads(meta_file.read_text(encoding="utf-8", errors="replace"))
        except (OSError, ValueError):
            meta["wandb_metadata"] = str(meta_file)
    if cfg is not None:
        meta["wandb_config"] = _yaml(cfg)
    return meta


def read(path: Path) -> pd.DataFrame:
    """Read the run's ``output.log`` (rules above)."""
    from .hf_console import READER as HF
    from .verl_console import READER as VERL

    found = console_files(Path(path))
    if found is None:
        raise LoadError(path, "not a W&B run folder with files/output.log and no .wandb file.")
    log, meta_file, cfg = found
    reader = next((r for r in (VERL, HF) if r.sniff_file and r.sniff_file(log)), None)
    if reader is None:
        raise LoadError(
            log,
            "the W&B run folder has no run-*.wandb history, and its console log output.log "
            "holds neither verl 'step:N - key:value' lines nor Trainer dicts. Copy the "
            "run-<id>.wandb file into the folder, or export the history from the W&B server.",
        )
    note = (
        f"no run-*.wandb file in this W&B run folder: read the console log "
        f"{log.relative_to(path).as_posix()} ({reader.name}) instead"
    )
    warnings.warn(f"{path}: {note}.", DataWarning, stacklevel=2)
    df = reader.read(log)
    meta = dict(df.attrs.get("meta") or {})
    meta["note"] = note
    meta.update(folder_meta(meta_file, cfg))
    if "config" not in meta and reader is VERL:
        conf = printed_config(log.read_text(encoding="utf-8", errors="replace"))
        if conf is not None:
            meta["config"] = conf
    df.attrs["meta"] = meta
    return df


READER = Reader(
    name="wandb-console",
    description="W&B run folder without a .wandb file: its console log files/output.log",
    read=read,
    sniff_dir=sniff_dir,
)
