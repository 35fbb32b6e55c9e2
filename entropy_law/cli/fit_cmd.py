"""``entropy-law fit PATH``: fit the entropy law to every run in a log file or folder.

Output: a readable report per run, or with ``--json`` exactly one JSON document on
stdout, ``{"runs": [FitResult.to_dict(), ...], "errors": [...]}`` (warnings go to stderr;
``errors`` holds what made the command fail as a whole, so that the document is printed
even then). Exit codes:
0 when at least one run was fitted, 2 on usage or input errors (unreadable path,
bad option, or no run that could be fitted). A run that fails (missing metric, too few
points, or an unexpected internal error) gets a record with its status and message; it
never stops the others.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from .._defaults import N_BOOT, SEED
from ..errors import EntropyLawError
from ..fitting.laws import LAWS
from . import output
from .common import (
    AggregateOpt,
    BoundsOpt,
    LoggingStepsOpt,
    StepOpt,
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
    warn,
    warn_skipped,
)
from .export import CsvOpt, ParquetOpt, check_exports, source_of, write_exports

__all__ = ["register", "fit_command"]

# members come from the LAWS registry, so mypy cannot list them statically
LawName = Enum("LawName", {k: k for k in LAWS}, type=str)  # type: ignore[misc]
_DEFAULT_LAW = LawName("entropy")


class Resample(str, Enum):
    block = "block"
    pairs = "pairs"
    residual = "residual"


def fit_command(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Log files or folders of runs; a PATH that cannot be read does not stop the others."
        ),
    ],
    entropy: Annotated[
        str | None, typer.Option("--entropy", help="Entropy metric key (detected when omitted).")
    ] = None,
    reward: Annotated[
        str | None,
        typer.Option("--reward", help="Performance metric key, e.g. val_acc (detected when omitted)."),
    ] = None,
    law: Annotated[LawName, typer.Option("--law", help="Law to fit.")] = _DEFAULT_LAW,
    n_boot: Annotated[int, typer.Option("--n-boot", min=1, help="Bootstrap resamples (every law).")] = N_BOOT,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Random seed (recorded in the output).")] = SEED,
    level: Annotated[float, typer.Option("--level", help="Confidence level.")] = 0.95,
    resample: Annotated[Resample, typer.Option("--resample", help="Bootstrap scheme.")] = Resample.block,
    from_step: Annotated[int | None, typer.Option("--from-step", help="First step used.")] = None,
    upto_step: Annotated[int | None, typer.Option("--upto-step", help="Last step used.")] = None,
    drop_transient: Annotated[
        bool, typer.Option("--drop-transient", help="Drop an initial format-learning transient (auto rule).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Save the fit plot to FILE (.png, .pdf, .svg).")
    ] = None,
    step: StepOpt = None,
    aggregate: AggregateOpt = "mean",
    logging_steps: LoggingStepsOpt = None,
    bounds: BoundsOpt = "auto",
    csv: CsvOpt = None,
    parquet: ParquetOpt = None,
) -> None:
    """Fit R = -a*exp(H) + b (or another law) to every run and report a, b, the ceiling
    b - a with bootstrap intervals, and diagnostics.

    Example: entropy-law fit run.csv --law entropy --plot fit.png
    """
    from ..fitting.runs import fit

    doc: dict | None = {"runs": [], "errors": []} if as_json else None
    if not 0.0 < level < 1.0:
        raise fail(f"--level must lie strictly between 0 and 1 (e.g. 0.95); got {level}.", json_doc=doc)
    check_output(plot, "--plot", doc)
    check_exports(csv, parquet, doc)
    results, records = [], []
    with guard(doc):
        bounded = parse_bounds(bounds)
        check_inputs(paths, doc)
        table, load_errors = load_many(paths, step=step, aggregate=aggregate, logging_steps=logging_steps)
    for p, msg in load_errors:
        warn_skipped(p, msg)
        records.append({"run": str(p), "status": "error", "message": msg, "warnings": []})
    groups = list(table.groupby("run", sort=True)) if len(table) else []
    for run, sub in output.progress(groups, "fitting", name=lambda g: g[0]):
        notes: list[str] = []
        source = source_of(sub)
        try:
            with captured_warnings(notes, source=source):
                res = fit(
                    sub,
                    law.value,
                    entropy=entropy,
                    reward=reward,
                    n_boot=n_boot,
                    seed=seed,
                    level=level,
                    resample=resample.value,
                    from_step=from_step,
                    upto_step=upto_step,
                    drop_transient="auto" if drop_transient else False,
                    bounded=bounded,
                )
        except EntropyLawError as exc:
            if getattr(exc, "status", "") == "bad_argument":
                raise fail(str(exc), json_doc=doc and {"runs": records, "errors": []}) from None
            echo_err(f"error: run {run}: {exc}")
            records.append({"run": str(run), "status": "error", "message": str(exc), "warnings": notes})
            continue
        except Exception as exc:  # one run's failure never stops the others
            echo_err(f"error: run {run}: {internal_error(exc)}")
            records.append(
                {"run": str(run), "status": "error", "message": internal_error(exc), "warnings": notes}
            )
            continue
        for w in res.warnings:
            warn(w, source or f"run {run}")
        rec = res.to_dict()
        rec["warnings"] = list(dict.fromkeys(rec["warnings"] + notes))
        results.append(res)
        records.append(rec)
    errors = []
    if plot is not None and results:
        try:
            _save_plot(results, plot)
        except OSError as exc:
            errors.append(f"--plot {plot}: could not save the figure ({exc}).")
        else:
            note(f"wrote {plot}")
    if csv or parquet:
        frames = [r.to_frame() for r in results]
        bad = [r for r in records if r.get("status") == "error"]
        frames.append(pd.DataFrame([{k: r.get(k) for k in ("run", "status", "message")} for r in bad]))
        table = pd.concat([f for f in frames if len(f)] or [pd.DataFrame()], ignore_index=True)
        errors += write_exports(table, csv, parquet, echo=False)
    if not any(r.get("status") in ("ok", "law_not_holding") for r in records):
        errors.append("no run could be fitted: " + "; ".join(f"{r['run']}: {r['status']}" for r in records))
    if as_json:
        dump_json({"runs": records, "errors": [{"path": None, "error": e} for e in errors]})
    else:
        typer.echo("\n\n".join(r.report() for r in results))
        if len(records) > 1:
            typer.echo("\n" + _summary(records))
    if errors:
        raise fail(" ".join(errors))


def _summary(records) -> str:
    def est(d):
        if not d or d.get("value") is None:
            return ""
        lo, hi = (f"{v:.4g}" if v is not None else "nan" for v in d["ci"])
        return f"{d['value']:.4g} [{lo}, {hi}]"

    rows = [
        {
            "run": r["run"],
            "status": r["status"],
            "a": est(r.get("params", {}).get("a")),
            "ceiling": est(r.get("ceiling")),
            "R2": "" if r.get("r2") is None else f"{r['r2']:.3f}",
            "n": r.get("n_points", 0),
        }
        for r in records
    ]
    return pd.DataFrame(rows).to_string(index=False)


def _save_plot(results, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    n = len(results)
    cols = min(n, 3)
    rows = -(-n // cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(6.0 * cols, 4.2 * rows), layout="constrained", squeeze=False
    )
    for i, (ax, r) in enumerate(zip(axes.ravel(), results)):
        # one legend and one colour bar (position in each run) for the grid, not one per panel
        r.plot(ax=ax, legend=i == 0, colorbar=n == 1, relative_steps=n > 1)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    if n > 1:
        from matplotlib.cm import ScalarMappable
        from matplotlib.colors import Normalize

        from ..plotting.style import STEP_CMAP

        sm = ScalarMappable(Normalize(0.0, 1.0), cmap=STEP_CMAP)
        fig.colorbar(sm, ax=axes, label="position in the run (first to last step)", shrink=0.5, pad=0.01)
    try:
        fig.savefig(path)
    except ValueError as exc:  # an unknown suffix: report it like a file that cannot be written
        raise OSError(str(exc)) from None
    finally:
        plt.close(fig)


def register(app: typer.Typer) -> None:
    """Add the ``fit`` command to the entropy-law Typer *app*."""
    app.command("fit")(fit_command)
