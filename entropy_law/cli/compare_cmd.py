"""``entropy-law compare``: did an intervention lift the ceiling?"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from ..fleet.compare import compare
from .common import (
    AggregateOpt,
    LoggingStepsOpt,
    StepOpt,
    captured_warnings,
    dump_json,
    echo_err,
    fail,
    guard,
    load_logs,
)


def _load(paths: list[Path], **options) -> pd.DataFrame:
    """Every run under *paths*; run names are prefixed by the path when they clash."""
    tables = []
    for p in paths:
        report = load_logs(p, **options)
        for bad, msg in report.errors:
            echo_err(f"warning: skipped {bad}: {msg}")
        if len(report.table):
            tables.append((p, report.table))
    seen: dict[str, int] = {}
    for _, t in tables:
        for r in t["run"].unique():
            seen[str(r)] = seen.get(str(r), 0) + 1
    out = []
    for p, t in tables:
        t = t.copy()
        t["run"] = [f"{p.name}:{r}" if seen[str(r)] > 1 else str(r) for r in t["run"]]
        out.append(t)
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame()


def register(app: typer.Typer) -> None:
    @app.command("compare")
    def compare_command(
        paths: Annotated[list[Path], typer.Argument(help="Log files or folders; two or more runs in all.")],
        baseline: Annotated[
            str | None, typer.Option(help="Run to compare the others with (default: the first by name).")
        ] = None,
        upto_step: Annotated[int | None, typer.Option(help="Use the steps up to this one.")] = None,
        horizon: Annotated[
            int | None, typer.Option(help="Horizon step of the forecasts (default 2 x the last used step).")
        ] = None,
        entropy: Annotated[str | None, typer.Option(help="Entropy metric key.")] = None,
        reward: Annotated[str | None, typer.Option(help="Performance metric key.")] = None,
        n_boot: Annotated[int, typer.Option(help="Bootstrap resamples per run.")] = 300,
        seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
        level: Annotated[float, typer.Option(help="Interval level.")] = 0.9,
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
        plot: Annotated[Path | None, typer.Option(help="Write the overlay plot (PNG/SVG).")] = None,
        step: StepOpt = None,
        aggregate: AggregateOpt = "mean",
        logging_steps: LoggingStepsOpt = None,
    ) -> None:
        """Difference of ceilings, entropy floors and saturation steps of each run against
        a baseline, with bootstrap intervals and a verdict: lifted / no detectable change /
        lowered."""
        if not 0 < level < 1:
            raise fail(f"--level must lie in (0, 1); got {level}.")
        if n_boot < 20:
            raise fail(f"--n-boot must be at least 20; got {n_boot}.")
        notes: list[str] = []
        with guard():
            table = _load(paths, step=step, aggregate=aggregate, logging_steps=logging_steps)
            runs = sorted(table["run"].unique().tolist()) if len(table) else []
            if len(runs) < 2:
                raise fail(
                    f"compare needs at least 2 runs; found {len(runs)} under {[str(p) for p in paths]}."
                )
            if baseline is not None and baseline not in runs:
                raise fail(f"--baseline {baseline!r} is not one of the runs {runs[:20]}.")
            with captured_warnings(notes, echo=not as_json):
                res = compare(
                    {r: table[table["run"] == r] for r in runs},
                    baseline=baseline,
                    upto_step=upto_step,
                    horizon=horizon,
                    level=level,
                    n_boot=n_boot,
                    seed=seed,
                    entropy=entropy,
                    reward=reward,
                )
        if as_json:
            dump_json({**res.to_dict(), "warnings": list(dict.fromkeys(notes))})
        else:
            typer.echo(res.report())
        if plot is not None:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt

            fig = res.plot()
            fig.savefig(plot, dpi=110)
            plt.close(fig)
            echo_err(f"wrote {plot}")
