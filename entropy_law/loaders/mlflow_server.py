"""Runs on an MLflow tracking server, through ``mlflow.MlflowClient``.

Address
    ``mlflow+http://HOST:PORT/EXPERIMENT[/RUN]`` (also ``mlflow+https://``). The tracking
    URI is ``http://HOST:PORT``. ``EXPERIMENT`` is an experiment name (URL-encoded when it
    holds ``/``, e.g. ``%2FUsers%2Fme%2Fgrpo``) or a numeric experiment id. ``RUN``, when
    given, is a run id or a run name; without it every active run of the experiment is read.
    When the whole path names no experiment and it has several parts, the last part is
    taken as the run.

Reading
    ``MlflowClient(tracking_uri).get_metric_history(run_id, key)`` for every metric key of
    every run: each logged point, with its step and timestamp (no sampling).

Rules (as for the local store, :mod:`entropy_law.loaders.mlflow`)
    * **step** = the logged step; **metric** = the key; **wall_time** = timestamp / 1000.
    * a step logged twice keeps the later timestamp.
    * **run name**: ``<experiment name>/<run name>`` (else the run id); attributes
      ``run_id``, ``status``, ``params``, ``tracking_uri``.

``mlflow`` (or ``mlflow-skinny``) is imported only when an address is read.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

import numpy as np
import pandas as pd

from ..errors import LoadError

__all__ = ["parse_mlflow", "is_mlflow", "read_mlflow"]

_URI = re.compile(r"^mlflow\+(?P<scheme>https?)://(?P<host>[^/]+)/(?P<path>.+?)/?$")


def parse_mlflow(uri: str) -> dict | None:
    """``{"tracking_uri", "parts"}`` for an ``mlflow+http(s)://`` address, else None."""
    uri = re.sub(r"^(mlflow\+https?):/(?!/)", r"\1://", str(uri))
    m = _URI.match(uri)
    if not m:
        return None
    parts = [unquote(p) for p in m.group("path").split("/") if p]
    if not parts:
        return None
    return {"tracking_uri": f"{m.group('scheme')}://{m.group('host')}", "parts": parts}


def is_mlflow(uri) -> bool:
    """True for an ``mlflow+http(s)://HOST/EXPERIMENT[/RUN]`` address."""
    return parse_mlflow(str(uri)) is not None


def _experiment(client, name: str):
    exp = client.get_experiment_by_name(name)
    if exp is None and name.isdigit():
        try:
            exp = client.get_experiment(name)
        except Exception:
            exp = None
    return exp


def _runs(client, exp, run: str | None, uri: str):
    if run is None:
        out, token = [], None
        while True:
            page = client.search_runs([exp.experiment_id], max_results=1000, page_token=token)
            out += list(page)
            token = getattr(page, "token", None)
            if not token:
                return out
    try:
        return [client.get_run(run)]
    except Exception:
        pass
    hits = client.search_runs([exp.experiment_id], filter_string=f"attributes.run_name = '{run}'")
    if not hits:
        raise LoadError(uri, f"experiment {exp.name!r} has no run with id or name {run!r}.")
    return list(hits)


def read_mlflow(uri: str) -> tuple[pd.DataFrame, dict]:
    """Read the runs an address names: the raw long table and per-run attributes."""
    where = parse_mlflow(uri)
    if where is None:
        raise LoadError(uri, "not an MLflow address; expected mlflow+http://HOST:PORT/EXPERIMENT[/RUN].")
    try:
        from mlflow import MlflowClient
    except ImportError:
        raise LoadError(
            uri, "reading an MLflow server needs mlflow: pip install mlflow-skinny (or mlflow)."
        ) from None
    client = MlflowClient(tracking_uri=where["tracking_uri"])
    parts = where["parts"]
    try:
        exp, run = _experiment(client, "/".join(parts)), None
        if exp is None and len(parts) > 1:
            exp, run = _experiment(client, "/".join(parts[:-1])), parts[-1]
    except Exception as exc:
        raise LoadError(
            uri, f"the MLflow server at {where['tracking_uri']} did not answer ({type(exc).__name__}: {exc})."
        ) from None
    if exp is None:
        raise LoadError(uri, f"no experiment named {'/'.join(parts)!r} on {where['tracking_uri']}.")
    frames, meta = [], {}
    for r in _runs(client, exp, run, uri):
        name = f"{exp.name}/{r.info.run_name or r.info.run_id}"
        for key in sorted(r.data.metrics):
            hist = client.get_metric_history(r.info.run_id, key)
            if not hist:
                continue
            frames.append(
                pd.DataFrame(
                    {
                        "run": name,
                        "step": np.asarray([m.step for m in hist], dtype=np.int64),
                        "metric": key,
                        "value": np.asarray([m.value for m in hist], dtype=float),
                        "wall_time": np.asarray([m.timestamp for m in hist], dtype=float) / 1000.0,
                    }
                )
            )
        meta[name] = {
            "format": "mlflow-server",
            "run_id": r.info.run_id,
            "status": r.info.status,
            "params": dict(r.data.params),
            "tracking_uri": where["tracking_uri"],
        }
    if not frames:
        raise LoadError(uri, "the MLflow runs found hold no metric points.")
    out = pd.concat(frames, ignore_index=True)
    # MLflow's "latest" for a step logged twice: the later timestamp; tidy() keeps the last row
    out = out.sort_values(["run", "metric", "step", "wall_time"], kind="stable").reset_index(drop=True)
    return out, meta
