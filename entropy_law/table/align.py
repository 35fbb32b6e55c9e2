"""Align entropy to performance points: the entropy-vs-reward table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import _validate as v
from ..errors import EntropyLawError
from .metrics import choose

__all__ = ["ALIGN_RULES", "entropy_reward", "align_arrays"]

ALIGN_RULES = ("window", "same_step")


def entropy_reward(
    long: pd.DataFrame,
    *,
    entropy: str | None = None,
    reward: str | None = None,
    align: str = "window",
    kind: str = "auto",
) -> pd.DataFrame:
    """Return the entropy-vs-reward table ``run, step, entropy, reward``.

    Parameters
    ----------
    long : DataFrame
        A tidy long table (see the module docstring).
    entropy, reward : str, optional
        Metric keys. Detected per run when omitted (see :mod:`entropy_law.metrics`).
    align : {"window", "same_step"}
        Which entropy goes with each performance point (module docstring).
    kind : {"auto", "val", "train"}
        Which performance metric detection prefers when *reward* is omitted.

    Returns
    -------
    DataFrame
        Columns ``run, step, entropy, reward``; ``attrs["metrics"]`` maps each run to
        its ``(entropy, reward)`` keys and ``attrs["detection"]`` to the reason for them.
    """
    v.table("entropy_reward", "long", long)
    v.metric_name("entropy_reward", "entropy", entropy)
    v.metric_name("entropy_reward", "reward", reward)
    if align not in ALIGN_RULES:
        raise EntropyLawError(
            f"align={align!r} is not a known alignment rule; choose one of {list(ALIGN_RULES)}."
        )
    frames = []
    chosen, why = {}, {}
    run_meta = long.attrs.get("run_meta") or {}
    for run, sub in long.groupby("run", sort=True):
        counts = sub["metric"].value_counts().to_dict()
        d = choose(
            list(counts),
            entropy=entropy,
            reward=reward,
            kind=kind,
            run=str(run),
            counts=counts,
            meta=run_meta.get(str(run)),
        )
        ent, rew = d.entropy, d.reward
        chosen[str(run)] = (ent, rew)
        why[str(run)] = d.reason
        frames.append(_align_one(str(run), sub, ent, rew, align))
    out = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame({"run": [], "step": np.array([], dtype=np.int64), "entropy": [], "reward": []})
    )
    out.attrs["metrics"] = chosen
    out.attrs["detection"] = why
    return out


def _align_one(run: str, sub: pd.DataFrame, ent: str, rew: str, align: str) -> pd.DataFrame:
    e = sub.loc[sub["metric"] == ent, ["step", "value"]].sort_values("step")
    r = sub.loc[sub["metric"] == rew, ["step", "value"]].sort_values("step")
    step, h, y = align_arrays(
        e["step"].to_numpy(), e["value"].to_numpy(), r["step"].to_numpy(), r["value"].to_numpy(), align
    )
    return pd.DataFrame({"run": run, "step": step, "entropy": h, "reward": y})


def align_arrays(e_step, e_val, r_step, r_val, align: str = "window"):
    """The alignment rule of this module on sorted arrays: ``(step, entropy, reward)``."""
    e_step, e_val = np.asarray(e_step), np.asarray(e_val, dtype=float)
    r_step, r_val = np.asarray(r_step), np.asarray(r_val, dtype=float)
    if align == "same_step":
        idx = np.searchsorted(e_step, r_step)
        ok = (
            (idx < len(e_step)) & (e_step[np.minimum(idx, len(e_step) - 1)] == r_step)
            if len(e_step)
            else np.zeros(len(r_step), bool)
        )
        ent_at = np.full(len(r_step), np.nan)
        ent_at[ok] = e_val[idx[ok]]
    else:
        # mean entropy over (previous performance step, this step]
        csum = np.concatenate([[0.0], np.cumsum(e_val)])
        hi = np.searchsorted(e_step, r_step, side="right")
        lo = np.concatenate([[0], hi[:-1]]) if len(hi) else hi
        n = hi - lo
        with np.errstate(invalid="ignore", divide="ignore"):
            ent_at = (csum[hi] - csum[lo]) / n
        ent_at[n == 0] = np.nan
    keep = np.isfinite(ent_at)
    return r_step[keep].astype(np.int64), ent_at[keep], r_val[keep]
