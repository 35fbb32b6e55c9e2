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
    assert res.exit_code == 2, res.output  # no run forecast; the page is still written, saying why
    page = out.read_text()
    assert "no_such_metric" in page and "Forecast failed" in page


def test_report_exits_2_when_no_run_could_be_forecast(tmp_path: Path) -> None:
    """A CI step must tell a page of failures from a report: exit 2 (the CLI's input-error
    code, as forecast's 'every run failed'), the page still written with the reason."""
    out = tmp_path / "r.html"
    args = ["report", str(SAMPLES / "grpo-baseline.csv"), "-o", str(out), "--n-boot", "30"]
    res = CliRunner().invoke(app, [*args, "--reward", "no/such/metric"])
    assert res.exit_code == 2, res.output
    assert "no run could be forecast" in res.output and "no/such/metric" in res.output
    assert "Forecast failed" in out.read_text(encoding="utf-8")
    # one run forecast beside one that fails (a copy lacking the reward key) is a report
    key = "val-core/synthetic/acc/mean@1"
    other = tmp_path / "renamed.csv"
    text = (SAMPLES / "grpo-baseline.csv").read_text(encoding="utf-8")
    other.write_text(text.replace(key, "val/other", 1), encoding="utf-8")
    ok = CliRunner().invoke(app, [*args, str(other), "--reward", key])
    assert ok.exit_code == 0, ok.output
    page = out.read_text(encoding="utf-8")
    assert page.count("Forecast failed") == 1 and "renamed" in page
