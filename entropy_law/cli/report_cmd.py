"""``entropy-law report``: one self-contained HTML page of forecasts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import KindOpt, check_inputs, check_output, echo_err, load_logs


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report_command(
        paths: Annotated[list[Path], typer.Argument(help="Log files or folders of runs.")],
        out: Annotated[Path, typer.Option("-o", "--output", help="The HTML file to write.")] = Path(
            "report.html"
        ),
        n_boot: Annotated[int, typer.Option(help="Joint bootstrap resamples.")] = 200,
        seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
        kind: KindOpt = "auto",
    ) -> None:
        """Write one self-contained HTML report of every run's forecast.

        Example: entropy-law report sample_runs/ -o report.html
        """
        check_inputs(paths)
        check_output(out, "--output")
        import pandas as pd

        from ..reporting.html import report

        tables = []
        for p in paths:
            rep = load_logs(p)
            for f, msg in rep.errors:
                echo_err(f"warning: skipped {f}: {msg}")
            tables.append(rep.table)
        report(pd.concat(tables, ignore_index=True), out, n_boot=n_boot, seed=seed, kind=kind)
        typer.echo(str(out))
