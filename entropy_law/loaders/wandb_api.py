"""Runs on a W&B server, through the wandb SDK's public API (``pip install 'entropy-law[wandb]'``).

Addresses
    ``wandb://ENTITY/PROJECT/RUN_ID``, a run page URL
    ``https://wandb.ai/ENTITY/PROJECT/runs/RUN_ID`` (any host: a dedicated W&B server
    has its own; trailing ``/overview``, ``/logs``, ``?query`` are ignored), and
    ``wandb://ENTITY/PROJECT`` for every run of a project. A shell or ``pathlib`` that
    collapsed ``https://`` to ``https:/`` is repaired.

Reading
    ``wandb.Api().run(path).scan_history()``: every logged row at full resolution
    (``run.history()`` samples 500 rows; it is not used). Rows hold ``_step``,
    ``_runtime``, ``_timestamp`` and the keys logged in that call.

Rules
    * **step**: ``step=KEY`` when given; else ``train/global_step`` when it is logged (HF
      Trainer / TRL / OpenRLHF log without ``step=``, so ``_step`` counts calls); else
      ``_step`` (verl passes ``step=``). Rows without the step key are skipped.
    * **metric** = the key; keys starting with ``_`` are bookkeeping, except ``_runtime``,
      which is kept as a compute axis (``--x _runtime``). ``_timestamp`` -> ``wall_time``.
      Only numbers are metrics (booleans, text, media are skipped).
    * **run name**: ``<project>/<run display name>``; attributes: ``wandb_config``
      (``run.config``), ``url``, ``run_id``, ``state``.
    * Authentication is the SDK's own (``WANDB_API_KEY`` / ``wandb login``); the API
      host of a URL other than wandb.ai is passed as ``base_url``.

Nothing here touches the network until a run is read; ``import wandb`` happens then.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from urllib.parse import unquote, urlsplit

import pandas as pd

from ..errors import LoadError
from ..table.tidy import make_long
from ._numbers import is_number
from .options import current

__all__ = ["parse_wandb", "is_wandb", "read_wandb", "make_api"]

_URL = re.compile(r"^https?://[^/]+/(?P<entity>[^/?#]+)/(?P<project>[^/?#]+)/runs/(?P<run>[^/?#]+)")
_SCHEME = re.compile(r"^wandb://(?P<entity>[^/?#]+)/(?P<project>[^/?#]+)(?:/(?:runs/)?(?P<run>[^/?#]+))?/?$")


def _repair(uri: str) -> str:
    return re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*):/(?!/)", r"\1://", uri)


def parse_wandb(uri: str) -> dict | None:
    """``{"entity", "project", "run" (or None), "base_url" (or None)}`` for a W&B address."""
    uri = _repair(str(uri))
    m = _SCHEME.match(uri)
    if m:
        return {**{k: unquote(v) if v else None for k, v in m.groupdict().items()}, "base_url": None}
    m = _URL.match(uri)
    if m:
        host = urlsplit(uri).netloc
        base = None if host in ("wandb.ai", "www.wandb.ai", "app.wandb.ai") else f"https://{host}"
        return {**{k: unquote(v) for k, v in m.groupdict().items()}, "base_url": base}
    return None


def is_wandb(uri) -> bool:
    """True for the addresses of the module docstring."""
    return parse_wandb(str(uri)) is not None


def make_api(base_url: str | None = None):
    """A ``wandb.Api`` (the network is first touched by its calls). Tests replace this."""
    try:
        import wandb
    except ImportError:
        raise LoadError(
            None, "reading runs from a W&B server needs the wandb package: pip install 'entropy-law[wandb]'."
        ) from None
    overrides = {"base_url": base_url} if base_url else {}
    return wandb.Api(overrides=overrides)


def _run_frame(run, step_key: str | None, origin: str) -> tuple[pd.DataFrame, dict]:
    rows = list(run.scan_history())
    if step_key is None:
        step_key = "train/global_step" if any("train/global_step" in r for r in rows) else "_step"
    steps, metrics, values, walls = [], [], [], []
    no_step = 0
    for r in rows:
        s = r.get(step_key)
        if not is_number(s) or not math.isfinite(s) or s != int(s):
            no_step += 1
            continue
        t = r.get("_timestamp")
        t = float(t) if is_number(t) else math.nan
        for k, v in r.items():
            if k == step_key or (k.startswith("_") and k != "_runtime") or not is_number(v):
                continue
            steps.append(int(s))
            metrics.append(k)
            values.append(float(v))
            walls.append(t)
    name = f"{run.project}/{getattr(run, 'name', None) or run.id}"
    if not steps:
        raise LoadError(origin, f"run {name!r} has no history row with a whole-number {step_key!r}.")
    df = make_long(name, steps, metrics, values, wall_time=walls)
    meta = {
        "format": "wandb-api",
        "step_key": step_key,
        "run_id": run.id,
        "url": getattr(run, "url", None),
        "state": getattr(run, "state", None),
        "wandb_config": dict(getattr(run, "config", {}) or {}),
    }
    if no_step:
        meta["note"] = f"skipped {no_step} history row(s) without {step_key!r}"
    return df, meta


def read_wandb(uri: str, *, api_factory: Callable | None = None) -> tuple[pd.DataFrame, dict]:
    """Read a W&B run (or every run of a project): the raw long table and per-run attributes."""
    where = parse_wandb(uri)
    if where is None:
        raise LoadError(
            uri, "not a W&B address; expected wandb://ENTITY/PROJECT/RUN_ID or https://wandb.ai/E/P/runs/ID."
        )
    api = (api_factory or make_api)(where["base_url"])
    path = f"{where['entity']}/{where['project']}"
    try:
        runs = [api.run(f"{path}/{where['run']}")] if where["run"] else list(api.runs(path))
    except LoadError:
        raise
    except Exception as exc:  # the SDK raises its own CommError, ValueError...
        why = f"{type(exc).__name__}: {exc}"
        raise LoadError(uri, f"the W&B API could not find or read it ({why}).") from None
    frames, meta = [], {}
    for run in runs:
        df, m = _run_frame(run, current().step, uri)
        frames.append(df)
        meta[str(df["run"].iloc[0])] = m
    if not frames:
        raise LoadError(uri, "the W&B project holds no runs.")
    return pd.concat(frames, ignore_index=True), meta
