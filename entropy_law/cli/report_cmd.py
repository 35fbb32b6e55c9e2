"""``entropy-law report``: one self-contained HTML page of forecasts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .._defaults import N_BOOT, SEED
from . import output
from .common import (
    AggregateOpt,
    EntropyOpt,
    HorizonOpt,
    KindOpt,
    LoggingStepsOpt,
    RewardOpt,
    StepOpt,
    UptoFractionOpt,
    UptoStepOpt,
    captured_warnings,
    check_inputs,
    check_output,
    fail,
    guard,
    load_logs,
    warn_skipped,
)


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report_command(
        paths: Annotated[list[Path], typer.Argument(help="Log files or folders of runs.")],
        out: Annotated[Path, typer.Option("-o", "--output", help="The HTML file to write.")] = Path(
            "report.html"
        ),
        upto_step: UptoStepOpt = None,
        upto_fraction: UptoFractionOpt = None,
        horizon: HorizonOpt = None,
        entropy: EntropyOpt = None,
        reward: RewardOpt = None,
        kind: KindOpt = "auto",
        n_boot: Annotated[int, typer.Option(help="Joint bootstrap resamples.")] = N_BOOT,
        seed: Annotated[int, typer.Option(help="Random seed.")] = SEED,
        level: Annotated[float, typer.Option(help="Interval level.")] = 0.9,
        step: StepOpt = None,
        aggregate: AggregateOpt = "mean",
        logging_steps: LoggingStepsOpt = None,
    ) -> None:
        """Write one self-contained HTML report of every run's forecast.

        The forecast options (--upto-step, --upto-fraction, --horizon, --entropy, --reward,
        --kind, --level, --n-boot, --seed) and the load options (--step, --aggregate,
        --logging-steps) mean what they mean for the forecast command.

        Exit code 2 when no run could be forecast (the page is still written, with each
        run's reason), else 0; a run that cannot be forecast beside others that can is
        shown on the page, not a failure.

        Example: entropy-law report sample_runs/ -o report.html --upto-fraction 0.5
        """
        if upto_step is not None and upto_fraction is not None:
            raise fail("give --upto-step or --upto-fraction, not both.")
        if upto_fraction is not None and not 0 < upto_fraction <= 1:
            raise fail(f"--upto-fraction must lie in (0, 1]; got {upto_fraction}.")
        if not 0 < level < 1:
            raise fail(f"--level must lie in (0, 1); got {level}.")
        check_inputs(paths)
        check_output(out, "--output")
        import pandas as pd

        from ..reporting.html import forecast_runs, report

        tables = []
        for p in paths:
            with guard():
                rep = load_logs(p, step=step, aggregate=aggregate, logging_steps=logging_steps)
            for f, msg in rep.errors:
                warn_skipped(f, msg)
            tables.append(rep.table)
        table = pd.concat(tables, ignore_index=True)
        runs = [g for _, g in table.groupby("run", sort=False)]
        with captured_warnings():
            fc = forecast_runs(
                output.progress(runs, "forecasting", name=lambda g: g["run"].iloc[0]),
                upto_step=upto_step,
                upto_fraction=upto_fraction,
                horizon=horizon,
                entropy=entropy,
                reward=reward,
                kind=kind,
                level=level,
                n_boot=n_boot,
                seed=seed,
            )
            report(fc, out)
        typer.echo(str(out))
        failed = {k: v for k, v in fc.items() if isinstance(v, str)}
        if failed and len(failed) == len(fc):
            first = next(iter(failed.items()))
            raise fail(
                f"no run could be forecast ({len(failed)} of {len(fc)} failed; {out} says why for "
                f"each, e.g. run {first[0]}: {first[1].rstrip('.')})."
            )
