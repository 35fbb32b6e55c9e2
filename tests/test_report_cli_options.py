"""``entropy-law report`` takes forecast's cut, metric and load options and passes them on."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from entropy_law.cli import app

SAMPLES = Path(__file__).resolve().parents[1] / "sample_runs" / "csv"


def _rows(page: str) -> list[list[str]]:
    """The summary table's cells (the first table of the page), one list per run."""
    table = page.split("</table>", 1)[0]
    return [re.findall(r"<td>(.*?)</td>", tr) for tr in table.split("<tr>")[2:]]


def test_report_passes_the_cut_and_metrics_on(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    args = ["report", str(SAMPLES / "grpo-baseline.csv"), "-o", str(out), "--n-boot", "30"]
    res = CliRunner().invoke(app, [*args, "--upto-step", "60"])
    assert res.exit_code == 0, res.output
    (row,) = _rows(out.read_text())
    assert row[0] == "grpo-baseline" and row[1] == "60"  # the summary's step column: the cut
    res = CliRunner().invoke(app, [*args, "--upto-fraction", "0.5", "--reward", "no_such_metric"])
    assert res.exit_code == 0, res.output  # the page is written; the run's section says why
    page = out.read_text()
    assert "no_such_metric" in page and "Forecast failed" in page
