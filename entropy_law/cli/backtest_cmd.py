"""``entropy-law backtest``: cut finished runs early, forecast, and score the forecasts
against what the runs then did and against the baselines; the rows, then their aggregate
(:mod:`entropy_law.forecasting.backtest_summary`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from .._defaults import N_BOOT, SEED
from ..errors import EntropyLawError
from ..forecasting.backtest import backtest
from . import output
from .common import (
    AggregateOpt,
    LoggingStepsOpt,
    StepOpt,
    captured_warnings,
    dump_json,
    echo_err,
    fail,
    internal_error,
)
from .export import CsvCutOpt, ParquetCutOpt, check_exports, source_of, write_exports
from .figures import check_figure_path, save_figure
from .forecast_cmd import Entropy, Json, Kind, Reward, _agg, _runs


def register(app: typer.Typer) -> None:
    @app.command("backtest")
    def backtest_command(
        paths: Annotated[list[Path], typer.Argument(help="Log files or folders of runs.")],
        fractions: Annotated[
            str, typer.Option(help="Comma-separated cut points in (0, 1).")
        ] = "0.1,0.25,0.5",
        entropy: Entropy = None,
        reward: Reward = None,
        kind: Kind = "auto",
        given_entropy: Annotated[bool, typer.Option("--given-entropy", help="The paper's protocol.")] = False,
        n_boot: Annotated[int, typer.Option(help="Joint bootstrap resamples.")] = N_BOOT,
        seed: Annotated[int, typer.Option(help="Random seed.")] = SEED,
        as_json: Json = False,
        plot: Annotated[
            Path | None,
            typer.Option(
                "--plot",
                help="Write the forecast vs the realised final level per cut, a panel per run "
                "(PNG, SVG or PDF; not with --given-entropy).",
            ),
        ] = None,
        step: StepOpt = None,
        aggregate: AggregateOpt = "mean",
        logging_steps: LoggingStepsOpt = None,
        csv: CsvCutOpt = None,
        parquet: ParquetCutOpt = None,
    ) -> None:
        """Cut finished runs early, forecast, and score against what they then did and
        against the last-value and sigmoid-only baselines.

        Example: entropy-law backtest runs/ --fractions 0.25,0.5
        """
        jdoc: dict | None = {"rows": [], "aggregate": [], "errors": []} if as_json else None
        check_figure_path(plot, "--plot", jdoc)
        if plot is not None and given_entropy:
            raise fail(
                "--plot draws the forecaster's backtest; the --given-entropy protocol has no "
                "forecast interval per cut. Drop one of the two.",
                json_doc=jdoc,
            )
        try:
            fr = tuple(float(x) for x in fractions.split(",") if x.strip())
        except ValueError:
            msg = f"--fractions must be numbers separated by commas; got {fractions!r}."
            raise fail(msg, json_doc=jdoc) from None
        check_exports(csv, parquet, jdoc)
        frames, errs, groups = [], [], []
        for path in paths:
            try:
                table, errors = _runs([path], step, aggregate, logging_steps)
            except EntropyLawError as exc:  # one unreadable path never stops the others
                errs.append({"run": str(path), "status": "error", "message": str(exc)})
                echo_err(f"error: {exc}")
                continue
            errs += [{"run": p, "status": "error", "message": m} for p, m in errors]
            groups += list(table.groupby("run", sort=True))
        curves = {str(run): sub for run, sub in groups}
        for run, sub in output.progress(groups, "backtesting", name=lambda g: g[0]):
            try:
                with captured_warnings(echo=not as_json, source=source_of(sub)):
                    frames.append(
                        backtest(
                            sub,
                            fr,
                            given=given_entropy,
                            entropy=entropy,
                            reward=reward,
                            kind=kind,
                            n_boot=n_boot,
                            seed=seed,
                        )
                    )
            except Exception as exc:  # one run's failure never stops the others
                msg = str(exc) if isinstance(exc, EntropyLawError) else internal_error(exc)
                errs.append({"run": str(run), "status": "error", "message": msg})
                echo_err(f"error: run {run}: {msg}")
        import pandas as pd

        from ..forecasting.backtest_summary import summarise_backtest

        df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        agg = summarise_backtest(df)
        export_errors = []
        if csv or parquet:
            export_errors = write_exports(
                pd.concat([df, pd.DataFrame(errs)], ignore_index=True), csv, parquet
            )
        if as_json:
            rows = df.replace({np.nan: None}).to_dict(orient="records")
            aggregate_rows = agg.replace({np.nan: None}).to_dict(orient="records")
            problems = [{"path": None, "error": e} for e in export_errors]
            dump_json({"rows": rows, "aggregate": aggregate_rows, "errors": errs + problems})
        elif len(df):
            typer.echo(_backtest_text(df, agg))
        if not frames:
            if not as_json:
                echo_err("error: no run could be backtested.")
            raise typer.Exit(code=2)
        if export_errors:
            raise typer.Exit(code=2)
        if plot is not None:
            from ..plotting.backtest import plot_backtest

            try:
                _agg()
                save_figure(plot_backtest(df, curves), plot)
            except (OSError, ValueError, EntropyLawError) as exc:
                echo_err(f"error: --plot {plot}: could not write the figure ({exc}).")
                raise typer.Exit(code=2) from None


def _backtest_text(df, agg) -> str:
    """The rows (one per run and cut), then the aggregate per cut and over all cuts."""
    import pandas as pd

    cols = [
        c
        for c in (
            "run",
            "fraction",
            "upto_step",
            "status",
            "realised",
            "forecast",
            "covered",
            "error",
            "last_value_error",
            "sigmoid_error",
            "rmse",
            "final_error",
        )
        if c in df.columns
    ]
    fmt = lambda v: f"{v:.4g}"  # noqa: E731
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        text = df[cols].to_string(index=False, float_format=fmt, na_rep="n/a")
        if agg.empty:
            return text
        shown = agg.copy()
        if "wins_vs_last_value" in shown:
            for b in ("last_value", "sigmoid"):
                shown[f"wins_vs_{b}"] = [
                    f"{w}/{n}" for w, n in zip(shown[f"wins_vs_{b}"], shown[f"n_vs_{b}"])
                ]
            shown["coverage"] = [
                "n/a" if n == 0 else f"{c:.0%} of {n}" for c, n in zip(shown["coverage"], shown["n_coverage"])
            ]
            shown = shown.drop(columns=["n_vs_last_value", "n_vs_sigmoid", "n_coverage"])
            shown = shown.rename(
                columns={
                    "median_abs_error": "median |error|",
                    "median_abs_error_last_value": "last value",
                    "median_abs_error_sigmoid": "sigmoid",
                    "wins_vs_last_value": "wins vs last value",
                    "wins_vs_sigmoid": "wins vs sigmoid",
                    "median_abs_saturation_error": "median |sat. step error|",
                }
            )
        body = shown.to_string(index=False, float_format=fmt, na_rep="n/a")
    title = (
        "aggregate (median |error| of the forecast and of each baseline; wins = cuts where "
        "the forecast's error is smaller; coverage = cuts whose interval held the realised value)"
        if "median_abs_error" in agg
        else "aggregate (median RMSE and |final error| of the predictions from the logged entropy; "
        "level_anchor: b re-anchored at the slice's current level)"
    )
    return f"{text}\n\n{title}\n{body}"
