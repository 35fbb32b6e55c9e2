"""``entropy-law inspect PATH``: what runs and metrics a log holds, and what was detected."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from ..errors import EntropyLawError, MetricError
from ..loaders import formats, scan
from ..table.compute_keys import compute_keys
from ..table.entropy_groups import group_keys
from ..table.metrics import candidates, choose
from ..table.tidy import metric_summary
from .common import AggregateOpt, LoggingStepsOpt, StepOpt, captured_warnings, dump_json, guard, warn_skipped
from .output import level


def _groups(table, run: str, names: list[str], entropy: str) -> list[dict[str, Any]]:
    """The entropy groups of one run with their start and current level (no fit: cheap).

    Start and now are the means of the first and last ``k = min(5, n // 4)`` points, as in
    :mod:`entropy_law.forecasting.groups`.
    """
    out: list[dict[str, Any]] = []
    keys = group_keys(names, entropy)
    if not keys:
        return out
    sub = table[table["run"].astype(str) == run]
    for name, key in keys.items():
        v = sub.loc[sub["metric"] == key].sort_values("step")["value"].to_numpy(float)
        k = max(1, min(5, len(v) // 4))
        start = float(v[:k].mean()) if len(v) else None
        now = float(v[-k:].mean()) if len(v) else None
        out.append({"name": name, "key": key, "n": int(len(v)), "start": start, "now": now})
    return out


_ATTR_SHOWN = ("format", "step_rule", "step_key", "note", "best_metric", "max_steps", "logging_steps")


def inspect_data(
    path: Path,
    fmt: str = "auto",
    entropy: str | None = None,
    reward: str | None = None,
    *,
    step: str | None = None,
    aggregate: str = "mean",
    logging_steps: int | None = None,
) -> dict:
    """Describe the runs under *path* as a JSON-safe dict (the ``--json`` document)."""
    quiet = level() < 0  # -q: no loading bar
    report = scan(
        path,
        fmt,
        step=step,
        aggregate=aggregate,
        logging_steps=logging_steps,
        progress=False if quiet else None,
    )
    run_meta = report.table.attrs.get("run_meta", {})
    summary = metric_summary(report.table)
    runs = []
    for run, sub in summary.groupby("run", sort=True):
        names = sub["metric"].tolist()
        entry: dict[str, Any] = {
            "run": str(run),
            "entropy_groups": [],
            "metrics": [
                {"metric": m, "n": int(n), "first_step": int(a), "last_step": int(b)}
                for m, n, a, b in sub[["metric", "n", "first_step", "last_step"]].itertuples(index=False)
            ],
        }
        counts = dict(zip(sub["metric"], sub["n"]))
        try:
            d = choose(
                names,
                entropy=entropy,
                reward=reward,
                run=str(run),
                counts=counts,
                meta=run_meta.get(str(run)),
            )
            entry.update(
                {"entropy": d.entropy, "reward": d.reward, "detection": d.reason, "detection_error": None}
            )
            entry["entropy_groups"] = _groups(report.table, str(run), names, d.entropy)
        except MetricError as exc:
            entry.update({"entropy": None, "reward": None, "detection": None, "detection_error": str(exc)})
        except EntropyLawError as exc:  # e.g. a metric key of the wrong type: that run only
            entry.update({"entropy": None, "reward": None, "detection": None, "detection_error": str(exc)})
        entry["candidates"] = candidates(names)
        entry["compute_keys"] = compute_keys(names)
        meta = run_meta.get(str(run), {})
        entry["attributes"] = {k: meta[k] for k in _ATTR_SHOWN if k in meta}
        runs.append(entry)
    return {
        "path": str(path),
        "runs": runs,
        "errors": [{"path": p, "error": e} for p, e in report.errors],
        "skipped": list(report.skipped),
        "skip_reasons": dict(report.reasons),
        "summary": report.summary(),
    }


def register(app: typer.Typer) -> None:
    @app.command("inspect")
    def inspect_command(
        path: Annotated[Path, typer.Argument(help="A log file or a folder of runs.")],
        format: Annotated[
            Literal[("auto",) + tuple(formats())],  # type: ignore[valid-type]
            typer.Option(
                "--format",
                metavar="<format>",
                help="Log format: auto, or one of: " + ", ".join(formats()) + ".",
            ),
        ] = "auto",
        entropy: Annotated[str | None, typer.Option(help="Entropy metric key.")] = None,
        reward: Annotated[str | None, typer.Option(help="Performance metric key.")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
        step: StepOpt = None,
        aggregate: AggregateOpt = "mean",
        logging_steps: LoggingStepsOpt = None,
    ) -> None:
        """List the runs found, their metrics with step ranges and counts, and the
        detected entropy and performance metrics.

        Example: entropy-law inspect runs/ --json
        """
        empty = {"path": str(path), "runs": [], "errors": [], "skipped": []}
        with guard(empty if as_json else None), captured_warnings(source=str(path)):
            doc = inspect_data(
                path, format, entropy, reward, step=step, aggregate=aggregate, logging_steps=logging_steps
            )
        if as_json:
            dump_json(doc)
            return
        for run in doc["runs"]:
            typer.echo(f"run {run['run']}")
            if run["detection_error"]:
                typer.echo(f"  detection: {run['detection_error']}")
            else:
                typer.echo(f"  entropy: {run['entropy']}   performance: {run['reward']}")
                typer.echo(f"  why: {run['detection']}")
            eg = run.get("entropy_groups") or []
            if eg:
                typer.echo("  entropy by group (start -> now; `forecast` says which still explore):")
            for g in eg:
                line = f"    {g['name']}: {g['key']}  {g['start']:.3g} -> {g['now']:.3g} nats"
                typer.echo(f"{line}  n={g['n']}")
            for k, v in run["attributes"].items():
                typer.echo(f"  {k}: {v}")
            if run["compute_keys"]:
                typer.echo(f"  compute axes (--x): {', '.join(run['compute_keys'])}")
            width = max(len(m["metric"]) for m in run["metrics"])
            for m in run["metrics"]:
                typer.echo(
                    f"  {m['metric']:<{width}}  n={m['n']:<6} steps {m['first_step']}-{m['last_step']}"
                )
        for err in doc["errors"]:
            warn_skipped(err["path"], err["error"])
        typer.echo(doc["summary"])
