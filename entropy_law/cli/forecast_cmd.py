"""``entropy-law forecast`` (``backtest``: :mod:`.backtest_cmd`)."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from .._defaults import N_BOOT, SEED
from ..errors import EntropyLawError
from ..forecasting.forecaster import forecast, prepare_run
from ..forecasting.headline import summary_table
from . import output
from .common import (
    AggregateOpt,
    BoundsOpt,
    EntropyOpt,
    HorizonOpt,
    KindOpt,
    LoggingStepsOpt,
    ReferenceOpt,
    RewardOpt,
    StepOpt,
    UptoFractionOpt,
    UptoStepOpt,
    captured_warnings,
    check_inputs,
    check_output,
    dump_json,
    echo_err,
    fail,
    guard,
    internal_error,
    load_many,
    note,
    parse_bounds,
    warn_skipped,
)
from .export import CsvOpt, ParquetOpt, check_exports, forecast_frame, source_of, write_exports
from .figures import check_figure_path, save_figure

Entropy = EntropyOpt  # the names backtest_cmd imports
Reward = RewardOpt
Kind = KindOpt
Json = Annotated[bool, typer.Option("--json", help="Print exactly one JSON document.")]


@contextmanager
def example_path():
    """The package's example run as a file path (``entropy_law/data/example.csv``)."""
    from importlib.resources import as_file, files

    with as_file(files("entropy_law") / "data" / "example.csv") as p:
        yield p


def _runs(paths: list[Path], step=None, aggregate="mean", logging_steps=None):
    table, errors = load_many(paths, step=step, aggregate=aggregate, logging_steps=logging_steps)
    for p, msg in errors:
        warn_skipped(p, msg)
    return table, errors


def register(app: typer.Typer) -> None:
    @app.command("forecast")
    def forecast_command(
        paths: Annotated[
            list[Path] | None,
            typer.Argument(
                help="Log files or folders of runs (or --example); a PATH that cannot be read "
                "does not stop the others.",
                show_default=False,
            ),
        ] = None,
        example: Annotated[
            bool,
            typer.Option(
                "--example",
                help="Forecast the example run shipped with the package (a simulated GRPO run, "
                "120 of 300 steps) instead of PATH.",
            ),
        ] = False,
        upto_step: UptoStepOpt = None,
        upto_fraction: UptoFractionOpt = None,
        horizon: HorizonOpt = None,
        saturation_fraction: Annotated[
            float, typer.Option(help="Fraction of the way to the ceiling that counts as saturated.")
        ] = 0.95,
        entropy: Entropy = None,
        reward: Reward = None,
        kind: Kind = "auto",
        given_entropy: Annotated[
            bool,
            typer.Option(
                "--given-entropy",
                help="The paper's protocol: predict later performance from the "
                "entropy actually logged (needs logged steps after the slice).",
            ),
        ] = False,
        n_boot: Annotated[int, typer.Option(help="Joint bootstrap resamples.")] = N_BOOT,
        seed: Annotated[int, typer.Option(help="Random seed.")] = SEED,
        level: Annotated[float, typer.Option(help="Interval level.")] = 0.9,
        as_json: Json = False,
        plot: Annotated[
            Path | None,
            typer.Option(help="Write the forecast plot (PNG or SVG; one file per run when several)."),
        ] = None,
        grid: Annotated[
            Path | None,
            typer.Option(
                "--grid",
                help="Write one figure of every run's forecast, a small panel each (PNG, SVG or PDF).",
            ),
        ] = None,
        x: Annotated[
            str | None,
            typer.Option(
                "--x",
                help="A logged compute column (num_tokens, _runtime, perf/total_num_tokens...): also "
                "report the saturation point in its units.",
            ),
        ] = None,
        step: StepOpt = None,
        aggregate: AggregateOpt = "mean",
        logging_steps: LoggingStepsOpt = None,
        bounds: BoundsOpt = "auto",
        detail: Annotated[
            bool, typer.Option("-v", "--detail", help="Also print each run's detailed forecast.")
        ] = False,
        csv: CsvOpt = None,
        parquet: ParquetOpt = None,
        reference: ReferenceOpt = None,
    ) -> None:
        """Forecast each run's ceiling, saturation step and value at a horizon.

        Example: entropy-law forecast run.csv --horizon 2000 --plot forecast.png
        """
        doc: dict | None = {"runs": [], "errors": []} if as_json else None
        if upto_step is not None and upto_fraction is not None:
            raise fail("give --upto-step or --upto-fraction, not both.", json_doc=doc)
        if not 0 < level < 1:
            raise fail(f"--level must lie in (0, 1); got {level}.", json_doc=doc)
        if example == bool(paths):
            raise fail("give a PATH to forecast, or --example (not both).", json_doc=doc)
        if paths:
            check_inputs(paths, doc)
        check_output(plot, "--plot", doc)
        check_figure_path(grid, "--grid", doc)
        check_exports(csv, parquet, doc)
        detail = detail or output.level() > 0  # -v before the command means the same
        if reference is not None and not reference.exists():
            raise fail(f"--reference {reference}: no such file or folder of finished runs.", json_doc=doc)
        records = []
        with guard(doc), example_path() as ex:
            bounded = parse_bounds(bounds)
            table, errors = _runs(paths or [ex], step, aggregate, logging_steps)
        plot_errors: list[str] = []
        results = []
        groups = list(table.groupby("run", sort=True))
        for run, sub in output.progress(groups, "forecasting", name=lambda g: g[0]):
            notes: list[str] = []
            try:
                with captured_warnings(notes, echo=not as_json, source=source_of(sub)):
                    s = prepare_run(sub, entropy=entropy, reward=reward, kind=kind, x=x)
                    if given_entropy:
                        records.append(_given_entropy(s, str(run), upto_step, upto_fraction, level, seed))
                        if not as_json:
                            rec = records[-1]
                            typer.echo(
                                f"{run}: given-entropy RMSE {rec['rmse']:.4g} over "
                                f"{rec['n_pred']} later point(s); final error "
                                f"{rec['final_error']:+.4g}"
                            )
                        continue
                    res = forecast(
                        s,
                        upto_step=upto_step,
                        upto_fraction=upto_fraction,
                        horizon=horizon,
                        saturation_fraction=saturation_fraction,
                        n_boot=n_boot,
                        seed=seed,
                        level=level,
                        bounded=bounded,
                        reference=None if reference is None else str(reference),
                    )
            except Exception as exc:  # one run's failure never stops the others
                msg = str(exc) if isinstance(exc, EntropyLawError) else internal_error(exc)
                records.append({"run": str(run), "status": "error", "message": msg, "warnings": notes})
                echo_err(f"error: run {run}: {msg}")
                continue
            rec = res.to_dict()
            rec["warnings"] = list(dict.fromkeys(rec["warnings"] + notes))
            records.append(rec)
            results.append(res)
            if plot is not None:
                try:
                    _save_plot(res, plot, str(run), table["run"].nunique() > 1)
                except (OSError, ValueError) as exc:
                    plot_errors.append(f"--plot {plot}: could not write the plot of run {run} ({exc}).")
                    echo_err(f"error: {plot_errors[-1]}")
        if grid is not None and results:
            try:
                _save_grid(results, grid)
            except (OSError, ValueError) as exc:
                plot_errors.append(f"--grid {grid}: could not write the figure ({exc}).")
                echo_err(f"error: {plot_errors[-1]}")
        if results and not as_json:
            typer.echo(summary_table(results) if len(results) > 1 else results[0].headline())
            if detail:
                for res in results:
                    typer.echo("\n" + res.report())
        for p, msg in errors:
            records.append({"run": p, "status": "error", "message": msg, "warnings": []})
        failed = list(plot_errors)
        if (csv or parquet) and not given_entropy:
            bad = [(r["run"], r["message"]) for r in records if r.get("status") == "error"]
            failed += write_exports(forecast_frame(results, bad), csv, parquet)
        elif csv or parquet:
            import pandas as pd

            failed += write_exports(pd.DataFrame(records), csv, parquet)
        if records and all(r.get("status") == "error" for r in records):
            failed.append("no run could be forecast: " + "; ".join(f"{r['run']}: error" for r in records))
        if as_json:
            dump_json({"runs": records, "errors": [{"path": None, "error": e} for e in failed]})
        if failed:
            raise typer.Exit(code=2)


def _given_entropy(s, run: str, upto_step, upto_fraction, level: float, seed: int) -> dict:
    """``forecast --given-entropy`` for one run: the paper's protocol on its slice."""
    from ..forecasting.backtest import given_entropy as ge

    if upto_step is not None:
        upto = upto_step
    else:
        upto = int(round(s.first_step + (upto_fraction or 0.25) * (s.last_step - s.first_step)))
    return {"run": run, "fitted_upto_step": upto, **ge(s, upto, level=level, seed=seed)}


def _agg() -> None:
    import matplotlib

    matplotlib.use("Agg")


def _save_grid(results, path: Path) -> None:
    from ..plotting.grid import plot_grid

    _agg()
    save_figure(plot_grid(results), path)


def _save_plot(res, plot: Path, run: str, many: bool) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    target = plot
    if many:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in run)
        target = plot.with_name(f"{plot.stem}-{safe}{plot.suffix or '.png'}")
    fig = res.plot()
    fig.savefig(target, dpi=110)
    plt.close(fig)
    note(f"wrote {target}")
