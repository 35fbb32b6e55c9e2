"""Addresses of runs on servers: which one a ``load`` path is, and reading it.

``mlflow+http(s)://HOST:PORT/EXPERIMENT[/RUN]`` -> :mod:`.mlflow_server`;
``wandb://ENTITY/PROJECT[/RUN_ID]`` and W&B run URLs -> :mod:`.wandb_api`. A local path
that exists always wins over an address. Neither module imports its SDK, nor touches the
network, before a run is read.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ..table.tidy import tidy
from .mlflow_server import is_mlflow, read_mlflow
from .wandb_api import is_wandb, read_wandb

__all__ = ["is_remote", "read_remote"]


def is_remote(path) -> bool:
    """True when *path* is a server address rather than a local file or folder."""
    text = str(path)
    try:
        if os.path.lexists(Path(text).expanduser()):
            return False
    except OSError:  # a local path under a folder this user may not search
        return False
    return is_mlflow(text) or is_wandb(text)


def read_remote(path) -> tuple[pd.DataFrame, dict, str]:
    """The tidy table, the per-run attributes and the reader name for an address."""
    text = str(path)
    if is_mlflow(text):
        df, meta = read_mlflow(text)
        name = "mlflow-server"
    else:
        df, meta = read_wandb(text)
        name = "wandb-api"
    df = df.assign(source=text)
    return tidy(df, origin=text), meta, name
