"""TensorBoard files written by the real tensorboardX writer, and the closed-form curves in them
(shared by ``test_load_tensorboard.py`` and ``test_load_tensorboard_damage.py``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import tensorboardX as tbx

T0 = 1.75e9
STEPS = np.arange(0, 300)


def f32(x) -> np.ndarray:
    """What a float32 proto field stores, as float64 (exactly)."""
    return np.asarray(x, dtype=np.float32).astype(np.float64)


def truth() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Closed-form curves; val is logged every 10 steps only (tensorboardX rewrites "@")."""
    s = STEPS.astype(float)
    return {
        "actor/entropy": (STEPS, 0.6 * np.exp(-s / 80) + 0.05),
        "critic/score/mean": (STEPS, s / (s + 25.0)),
        "val/test_score/openai/gsm8k": (STEPS[::10], 0.9 - 0.7 * np.exp(-s[::10] / 60)),
    }


def only_file(folder: Path) -> Path:
    files = sorted(folder.glob("*tfevents*"))
    assert len(files) == 1
    return files[0]


def series(df: pd.DataFrame, tag: str) -> tuple[np.ndarray, np.ndarray]:
    d = df[df["metric"] == tag]
    return d["step"].to_numpy(), d["value"].to_numpy()


def write_tbx_file(d: Path) -> Path:
    """A real tensorboardX SummaryWriter file in *d*: scalars plus a histogram and a text."""
    w = tbx.SummaryWriter(str(d))
    for tag, (steps, vals) in truth().items():
        for s, v in zip(steps, vals):
            w.add_scalar(tag, float(v), int(s), walltime=T0 + int(s))
    w.add_histogram("actor/logits", np.linspace(-1, 1, 50), 3)
    w.add_text("notes", "hello", 0)
    w.close()
    return only_file(d)
