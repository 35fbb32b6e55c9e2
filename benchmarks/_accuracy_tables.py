"""The forecast benchmark's tables: per-group statistics, the issue's acceptance rows, their
range over bootstrap seeds, and what runs given each verdict then did."""

from __future__ import annotations

import pandas as pd
from _baselines import BASELINES

BASE_COLS = [f"{k}_error" for k in BASELINES]


def seed_ranges(per_seed: dict) -> pd.DataFrame:
    """Min - max of every numeric acceptance number (and the protocol's) over the seeds."""
    frames = [t.assign(seed=k) for k, t in per_seed.items()]
    allt = pd.concat(frames, ignore_index=True)
    num = [c for c in allt.columns if c not in ("cut", "seed", "statuses worse than last value")]
    rows = []
    for cut, g in allt.groupby("cut", sort=False):
        row = {"cut": cut, "seeds": len(g)}
        for c in num:
            lo, hi = g[c].min(), g[c].max()
            row[c] = f"{lo:.4g}" if lo == hi else f"{lo:.4g} - {hi:.4g}"
        worse = sorted({w for x in g["statuses worse than last value"] for w in x.split(", ")} - {"none"})
        row["statuses worse than last value"] = ", ".join(worse) or "none"
        rows.append(row)
    return pd.DataFrame(rows)


def stats(g: pd.DataFrame) -> dict:
    """Median / p90 |error| of ours and the baselines, not-worse share, coverage."""
    g = g[g["error"].notna()]
    ae, lv = g["error"].abs(), g["last_value_error"].abs()
    out = {
        "runs": len(g),
        "ours med": ae.median(),
        "last value med": lv.median(),
        "ours p90": ae.quantile(0.9),
        "last value p90": lv.quantile(0.9),
        "not worse": f"{int((ae <= lv + 1e-9).sum())}/{len(g)}",
        "coverage": g["covered"].astype(float).mean(),
        "with interval": int(g["covered"].notna().sum()),
    }
    for k in BASELINES:
        if k != "last_value":
            out[f"{k} med"] = g[f"{k}_error"].abs().median()
            out[f"{k} p90"] = g[f"{k}_error"].abs().quantile(0.9)
    return out


def table_by(df: pd.DataFrame, key: str) -> pd.DataFrame:
    rows = [{key: k, **stats(g)} for k, g in df.groupby(key, dropna=False)]
    return pd.DataFrame(rows)


def acceptance(df: pd.DataFrame) -> pd.DataFrame:
    """The issue's acceptance targets, per cut, on real_runs + corpus."""
    rows = []
    for f, g in df.groupby("fraction"):
        g = g[g["error"].notna()]
        s = stats(g)
        ae, lv = g["error"].abs(), g["last_value_error"].abs()
        by_status = g.groupby("status").apply(
            lambda x: x["error"].abs().median() <= x["last_value_error"].abs().median() + 1e-9,
            include_groups=False,
        )
        rows.append(
            {
                "cut": f"{f:.0%}",
                "runs": s["runs"],
                "median ratio (<=0.7)": s["ours med"] / s["last value med"],
                "p90 ratio (<=0.9)": s["ours p90"] / s["last value p90"],
                "not worse share (>=0.7)": float((ae <= lv + 1e-9).mean()),
                "coverage (0.80-0.95)": s["coverage"],
                "statuses worse than last value": ", ".join(by_status.index[~by_status.values]) or "none",
                "estimates outside interval": int((g["inside"] == False).sum()),  # noqa: E712
            }
        )
    return pd.DataFrame(rows)


def verdict_precision(df: pd.DataFrame) -> pd.DataFrame:
    """What runs given each verdict then did: realised change from the cut's level, and
    (the measure for `degrading`, which speaks of what was lost) whether the run ended
    below the best level of its slice."""
    rows = []
    for (f, v), g in df[df["error"].notna()].groupby(["fraction", "verdict"]):
        move = g["realised"] - g["last_value"]
        rng = 1.0  # moves are on the metric's own scale (bounded metrics: [0, 1])
        below_best = g["realised"] < g["slice_best"] - 0.02 * rng
        rows.append(
            {
                "cut": f"{f:.0%}",
                "verdict": v,
                "runs": len(g),
                "median realised move": move.median(),
                "median |move|": move.abs().median(),
                "share moved up > 0.02": float((move > 0.02 * rng).mean()),
                "share moved down > 0.02": float((move < -0.02 * rng).mean()),
                "share |move| <= 0.02": float((move.abs() <= 0.02 * rng).mean()),
                "share ended below the slice's best - 0.02": float(below_best.mean()),
            }
        )
    return pd.DataFrame(rows)
