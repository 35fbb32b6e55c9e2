"""``entropy-law check``: pass, flag or warn on runs predicted to plateau early (for CI).

Exit codes: 0 nothing flagged; 1 at least one run flagged or errored (or inconclusive with
``--strict``); 2 usage or configuration error. Rules: :mod:`entropy_law.checking.runner`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Literal

import typer

from .._defaults import N_BOOT_FLEET, SEED
from ..checking.config import read_config
from ..checking.report import FORMATS, append_step_summary, render
from ..checking.result import CheckSettings
from ..checking.runner import check
from ..errors import EntropyLawError
from .common import (
    Aggregate,
    Kind,
    LoggingStepsOpt,
    ReferenceOpt,
    StepOpt,
    check_inputs,
    check_output,
    fail,
    note,
)
from .output import Bar


def _failure_doc() -> dict:
    """The ``--format json`` document of a check that could not start (exit code 2)."""
    return {
        "runs": [],
        "summary": {"pass": 0, "flag": 0, "inconclusive": 0, "error": 0},
        "settings": None,
        "exit_code": 2,
        "errors": [],
    }


def _dask_client(address: str):
    """A ``distributed.Client`` connected to the scheduler at *address* (exit 2 if not)."""
    try:
        from distributed import Client
    except ImportError:
        raise fail("--dask needs the Dask distributed scheduler: pip install 'entropy-law[dask]'.") from None
    try:
        # Dask's own connect timeout (`distributed.comm.timeouts.connect`, 30 s by default;
        # DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=5s in the environment sets it)
        client = Client(address)
    except (OSError, TimeoutError, ValueError) as exc:
        raise fail(f"--dask {address}: cannot connect to a Dask scheduler there ({exc}).") from None
    note(f"checking on the Dask cluster at {address}")
    return client


def register(app: typer.Typer) -> None:
    @app.command("check")
    def check_command(
        paths: Annotated[
            list[Path], typer.Argument(help="Log files or folders of runs.", show_default=False)
        ],
        min_ceiling: Annotated[
            float | None, typer.Option(help="Flag runs whose forecast ceiling is confidently below this.")
        ] = None,
        min_saturation_step: Annotated[
            int | None, typer.Option(help="Flag runs confidently saturating before this step.")
        ] = None,
        horizon: Annotated[
            int | None,
            typer.Option(help="Step at which the forecast reports its value (passed to forecast)."),
        ] = None,
        level: Annotated[float | None, typer.Option(help="Forecast interval level \\[default: 0.9].")] = None,
        config: Annotated[
            Path | None,
            typer.Option(
                help="TOML file with the settings (default: the nearest pyproject.toml with "
                "\\[tool.entropy-law.check])."
            ),
        ] = None,
        fmt: Annotated[
            Literal[tuple(FORMATS)] | None,  # type: ignore[valid-type]
            typer.Option("--format", help="Output \\[default: text]."),
        ] = None,
        output: Annotated[
            Path | None, typer.Option(help="Write the report to this file instead of stdout.")
        ] = None,
        jobs: Annotated[int | None, typer.Option(help="Worker processes \\[default: all cores].")] = None,
        dask: Annotated[
            str | None,
            typer.Option(
                "--dask",
                help="Check on an existing Dask cluster (scheduler address, e.g. "
                "tcp://host:8786) instead of local processes; the workers read the runs "
                "from the same paths. Needs the dask extra.",
            ),
        ] = None,
        strict: Annotated[
            bool | None, typer.Option("--strict/--no-strict", help="Also fail (exit 1) on inconclusive runs.")
        ] = None,
        n_boot: Annotated[
            int | None,
            typer.Option(help=f"Joint bootstrap resamples per forecast \\[default: {N_BOOT_FLEET}]."),
        ] = None,
        sigmoid: Annotated[
            str | None,
            typer.Option(
                help="ScaleRL sigmoid: fallback (only where the law is not claimed), always "
                "(the forecast command's combined forecast; slower) or never "
                "\\[default: fallback]."
            ),
        ] = None,
        seed: Annotated[int | None, typer.Option(help=f"Random seed \\[default: {SEED}].")] = None,
        entropy: Annotated[
            str | None, typer.Option(help="Entropy metric key (detected when omitted).")
        ] = None,
        reward: Annotated[
            str | None, typer.Option(help="Performance metric key (detected when omitted).")
        ] = None,
        kind: Annotated[Kind | None, typer.Option(help="Which performance metric detection prefers.")] = None,
        progress: Annotated[
            bool,
            typer.Option(
                "--progress/--no-progress", help="Progress bar on stderr (only on a terminal; -q hides it)."
            ),
        ] = True,
        step: StepOpt = None,
        aggregate: Annotated[
            Aggregate | None,
            typer.Option(
                help="Several records of one type at one step (typed JSON lines): mean or last.",
            ),
        ] = None,
        logging_steps: LoggingStepsOpt = None,
        reference: ReferenceOpt = None,
    ) -> None:
        """Forecast every run and flag those confidently below the bar.

        A run is flagged when the upper end of its ceiling interval is under
        --min-ceiling or the upper end of its saturation-step interval is before
        --min-saturation-step; inconclusive when an interval straddles the bar or the
        forecast is too early; error when it cannot be loaded or forecast. Exit code 0
        when nothing is flagged, 1 when a run is flagged or errored (or inconclusive
        with --strict), 2 on usage or configuration errors.

        Example: entropy-law check runs/ --min-ceiling 0.6 --format github
        """
        flags = dict(
            min_ceiling=min_ceiling,
            min_saturation_step=min_saturation_step,
            horizon=horizon,
            level=level,
            strict=strict,
            n_boot=n_boot,
            sigmoid=sigmoid,
            seed=seed,
            entropy=entropy,
            reward=reward,
            kind=kind,
            step=step,
            aggregate=aggregate,
            logging_steps=logging_steps,
            reference=None if reference is None else str(reference),
            jobs=jobs,
            format=fmt,
        )
        conf: dict = {}
        try:
            conf, used = read_config(config)
            merged = {**conf, **{k: v for k, v in flags.items() if v is not None}}
            out_fmt = merged.pop("format", "text")
            n_jobs = merged.pop("jobs", None)
            n_jobs = (os.cpu_count() or 1) if n_jobs is None else n_jobs
            if out_fmt not in FORMATS:
                raise EntropyLawError(
                    f"--format {out_fmt!r} is not supported; choose one of {', '.join(FORMATS)}."
                )
            if n_jobs < 1:
                raise EntropyLawError(f"--jobs must be at least 1; got {n_jobs}.")
            settings = CheckSettings(**merged)
        except EntropyLawError as exc:
            wants_json = (fmt if fmt is not None else conf.get("format")) == "json"
            raise fail(str(exc), json_doc=_failure_doc() if wants_json else None) from None
        failure_doc = _failure_doc() if out_fmt == "json" else None
        check_inputs(paths, failure_doc)
        if settings.reference is not None and not Path(settings.reference).exists():
            raise fail(
                f"--reference {settings.reference}: no such file or folder of finished runs.",
                json_doc=failure_doc,
            )
        check_output(output, "--output", failure_doc)
        if used is not None:
            note(f"settings from {used}")
        client = _dask_client(dask) if dask else None
        try:
            with Bar("checking", enabled=None if progress else False) as bar:
                result = check(
                    paths,
                    settings=settings,
                    jobs=n_jobs,
                    progress=bar if bar.enabled else None,
                    executor=client.get_executor() if client is not None else None,
                )
        finally:
            if client is not None:
                client.close()
        text = render(result, out_fmt)
        if output is not None:
            try:
                output.parent.mkdir(parents=True, exist_ok=True)
                output.write_text(text, encoding="utf-8")
            except OSError as exc:
                raise fail(f"cannot write --output {output}: {exc.strerror}.") from None
            note(f"wrote {output}")
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
        if out_fmt in ("markdown", "github"):
            target = append_step_summary(result)
            if target is not None:
                note(f"appended the summary to {target}")
        s = result.summary
        note(
            f"entropy-law check: {s['pass']} pass, {s['flag']} flagged, "
            f"{s['inconclusive']} inconclusive, {s['error']} error(s); exit code "
            f"{result.exit_code}"
        )
        raise typer.Exit(code=result.exit_code)
