"""The TRL collection of the forecast benchmark: real ``GRPOTrainer`` runs on CPU.

``python benchmarks/forecast_accuracy.py --trl-corpus DIR`` backtests every ``*.csv`` run
in DIR (written by ``benchmarks/trl_corpus.py``); when DIR holds none, the whole grid of
``trl_corpus.py`` is generated there first (about 1-2 minutes a run on 2 cores). The runs are
scored exactly as the other collections (``forecast_accuracy._job``: cuts at 10/25/50%,
forecast to the last step, realised = mean of the last 10%, the same baselines) and written
to their own section of docs/benchmarks.md (``forecast-accuracy-trl``), so the main
benchmark's numbers are not mixed with these small synthetic-task runs.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from _report import machine, write_section


def _describe(folder: Path, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per run: its settings (``<run>.json``) and what its curves did."""
    rows = []
    for name, t in tables.items():
        meta_file = folder / f"{name}.json"
        meta = json.loads(meta_file.read_text()) if meta_file.is_file() else {}
        w = t.pivot_table(index="step", columns="metric", values="value")
        h, r = w["entropy"].dropna(), w["reward"].dropna()
        k = max(1, len(r) // 10)
        rows.append(
            {
                "run": name,
                "steps": int(w.index.max()),
                "s/step": meta.get("seconds_per_step", np.nan),
                "H start": h.iloc[:10].mean(),
                "H end": h.iloc[-k:].mean(),
                "R start": r.iloc[:10].mean(),
                "R end": r.iloc[-k:].mean(),
            }
        )
    return pd.DataFrame(rows)


def main(opt, n_boot: int, job, table_by, acceptance) -> None:
    """Generate (where missing), backtest and report the TRL collection (see the module)."""
    import warnings

    import entropy_law as el

    folder = Path(opt.trl_corpus)
    paths = sorted(folder.glob("*.csv")) if folder.is_dir() else []
    if not paths:
        from trl_corpus import generate

        paths = generate(folder)
    tables = {}
    for p in paths:
        if opt.only and opt.only not in p.stem:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tables[p.stem] = el.load(p)
    t0 = time.time()
    with ProcessPoolExecutor(opt.jobs) as pool:
        jobs = [("trl", name, t, None, n_boot) for name, t in tables.items()]
        df = pd.DataFrame([r for rows in pool.map(job, jobs) for r in rows])
    wall = time.time() - t0
    df["source"] = df["run"].str.split("-").str[0]  # the task
    if opt.save:
        df.to_csv(opt.save, index=False)
    errs = df[df["status"] == "error"]
    ok = df[df["error"].notna()] if "error" in df else df
    fmt = dict(index=False, floatfmt=".4f")
    r25 = ok[ok["fraction"] == 0.25]
    per_run = r25[
        ["run", "status", "verdict", "forecast", "realised", "error", "last_value_error", "covered"]
    ]
    shown = str(folder)
    out = [
        "## Forecast accuracy on real-trainer runs (TRL GRPOTrainer on CPU)\n",
        f"Command: `python benchmarks/forecast_accuracy.py --trl-corpus {shown}"
        f"{' --quick' if opt.quick else ''} --jobs {opt.jobs}` ({machine()}; n_boot={n_boot}; "
        f"backtest wall time {wall:.0f} s). The runs were made with `python benchmarks/trl_corpus.py "
        f"{shown}` (TRL's `GRPOTrainer`, a tiny Llama, digit reversal `rev` and two-digit "
        "addition `add`, partial or exact reward, several warm-start checkpoints, learning "
        "rates and an adaptive-entropy target; settings in each run's JSON file). Scored as "
        "the main benchmark: cut at 10/25/50%, forecast to the last step, realised = mean of "
        "the last 10% of steps; the reward is TRL's `reward` (the mean sampled training reward).\n",
        f"### The runs ({len(tables)})\n",
        _describe(folder, tables).to_markdown(index=False, floatfmt=".3f"),
        "",
        "### Acceptance-style summary per cut\n",
        acceptance(ok).to_markdown(**fmt),
        "",
        "### Per cut, with the baselines\n",
        table_by(ok, "fraction").to_markdown(**fmt),
        "",
        "### Per task at 25%\n",
        table_by(r25, "source").to_markdown(**fmt),
        "",
        "### Each run at 25%\n",
        per_run.to_markdown(**fmt),
        "",
    ]
    if len(errs):
        out.append(
            f"{len(errs)} row(s) failed: " + "; ".join(f"{r.run}: {r.message}" for r in errs.itertuples())
        )
    text = "\n".join(out)
    print(text)
    if not opt.no_write and not opt.only:
        write_section("forecast-accuracy-trl", text)
