"""``entropy-law compare``: did an intervention lift the ceiling?"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from .._defaults import N_BOOT, SEED
from ..errors import EntropyLawError
from ..fleet.compare import compare
from ..forecasting.forecaster import forecast
from . import output
from .common import (
    AggregateOpt,
    LoggingStepsOpt,
    StepOpt,
    captured_warnings,
    check_output,
    dump_json,
    echo_err,
    fail,
    guard,
    internal_error,
    load_many,
    note,
    warn_skipped,
)
from .export import CsvDiffOpt, ParquetDiffOpt, check_exports, write_exports
from .figures import check_figure_path, save_figure


def _load(paths: list[Path], errors: list[dict], **options) -> pd.DataFrame:
    """Every run under *paths* (:func:`~entropy_law.cli.common.load_many`: run names
    prefixed by the path when they clash). Paths and runs that cannot be read are appended
    to *errors* (``{"path", "error"}``); they never stop the others."""
    table, bad = load_many(paths, keep_going=True, **options)
    for p, msg in bad:
        warn_skipped(p, msg)
        errors.append({"path": str(p), "error": msg})
    return table if len(table) else pd.DataFrame()


def _forecasts(table: pd.DataFrame, runs: list[str], errors: list[dict], **kw) -> dict:
    """Forecast each run on its own (as :func:`compare` would); a run that fails is an
    error entry and left out, so one bad run never stops the comparison of the others."""
    out = {}
    for r in output.progress(runs, "forecasting"):
        try:
            out[r] = forecast(table[table["run"] == r], **kw)
        except Exception as exc:
            msg = str(exc) if isinstance(exc, EntropyLawError) else internal_error(exc)
            echo_err(f"error: run {r}: {msg}")
            errors.append({"path": r, "error": msg})
    return out


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
        n_boot: Annotated[int, typer.Option(help="Bootstrap resamples per run.")] = N_BOOT,
        seed: Annotated[int, typer.Option(help="Random seed.")] = SEED,
        level: Annotated[float, typer.Option(help="Interval level.")] = 0.9,
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
        plot: Annotated[
            Path | None,
            typer.Option(
                help="Write the runs with their forecasts (PNG/SVG): overlaid up to 4 runs, "
                "a panel each beyond."
            ),
        ] = None,
        forest: Annotated[
            Path | None,
            typer.Option(
                "--forest",
                help="Write a forest plot: each run's ceiling with its interval, one row per run, "
                "coloured by its verdict against the baseline (PNG, SVG or PDF).",
            ),
        ] = None,
        step: StepOpt = None,
        aggregate: AggregateOpt = "mean",
        logging_steps: LoggingStepsOpt = None,
        csv: CsvDiffOpt = None,
        parquet: ParquetDiffOpt = None,
    ) -> None:
        """Difference of ceilings, entropy floors and saturation steps of each run against
        a baseline, with bootstrap intervals and a verdict: lifted / no detectable change /
        lowered.

        Example: entropy-law compare base.csv lora.csv --baseline base --plot compare.png
        """
        errors: list[dict] = []
        doc: dict | None = (
            {
                "baseline": None,
                "runs": [],
                "differences": [],
                "forecasts": {},
                "warnings": [],
                "errors": errors,
            }
            if as_json
            else None
        )
        check_output(plot, "--plot", doc)
        check_figure_path(forest, "--forest", doc)
        check_exports(csv, parquet, doc)
        if not 0 < level < 1:
            raise fail(f"--level must lie in (0, 1); got {level}.", json_doc=doc)
        if n_boot < 20:
            raise fail(f"--n-boot must be at least 20; got {n_boot}.", json_doc=doc)
        notes: list[str] = []
        with guard(doc):
            table = _load(paths, errors, step=step, aggregate=aggregate, logging_steps=logging_steps)
            runs = sorted(table["run"].unique().tolist()) if len(table) else []
            if baseline is not None and baseline not in runs:
                raise fail(f"--baseline {baseline!r} is not one of the runs {runs[:20]}.", json_doc=doc)
            with captured_warnings(notes, echo=not as_json):
                kw: dict[str, Any] = dict(
                    upto_step=upto_step, horizon=horizon, level=level, n_boot=n_boot, seed=seed
                )
                fc = _forecasts(table, runs, errors, **kw, entropy=entropy, reward=reward)
            if baseline is not None and baseline not in fc:
                raise fail(f"--baseline {baseline!r} could not be forecast.", json_doc=doc)
            if len(fc) < 2:
                raise fail(
                    f"compare needs at least 2 runs that can be forecast; found {len(fc)} of {len(runs)} "
                    f"under {[str(p) for p in paths]}.",
                    json_doc=doc,
                )
            with captured_warnings(notes, echo=not as_json):
                res = compare(fc, baseline=baseline, **kw)
        export_errors = write_exports(res.to_frame(), csv, parquet) if csv or parquet else []
        if as_json:
            problems = [{"path": None, "error": e} for e in export_errors]
            dump_json({**res.to_dict(), "warnings": list(dict.fromkeys(notes)), "errors": errors + problems})
        else:
            typer.echo(res.report())
        if plot is not None:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt

            fig = res.plot()
            fig.savefig(plot, dpi=110)
            plt.close(fig)
            note(f"wrote {plot}")
        if forest is not None:
            import matplotlib

            matplotlib.use("Agg")
            try:
                save_figure(res.plot_forest(), forest)
            except (OSError, ValueError) as exc:
                echo_err(f"error: --forest {forest}: could not write the figure ({exc}).")
                raise typer.Exit(code=2) from None
        if export_errors:
            raise typer.Exit(code=2)
