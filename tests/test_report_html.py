"""The HTML report: library output, and the page as a real browser (chromium) renders it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

import entropy_law as el

report = el.report

SAMPLES = Path(__file__).resolve().parent.parent / "sample_runs"
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def test_failed_run_gets_error_section_and_escaping(tmp_path):
    table = el.load(SAMPLES / "csv" / "grpo-baseline.csv")
    table = table.assign(run="<b>x</b>")
    bad = table[table["metric"] == "actor/entropy"]  # no performance metric: forecast raises
    out = report(bad, tmp_path / "r.html", n_boot=20)
    text = out.read_text()
    assert text.count('<section class="run">') == 1
    assert "Forecast failed" in text
    assert "<b>x</b>" not in text and "&lt;b&gt;x&lt;/b&gt;" in text


def test_report_shows_entropy_budget_and_groups(tmp_path):
    from entropy_law.simulate import simulate

    grouped = simulate(
        seed=0,
        n_steps=120,
        run="grouped",
        groups=("math", "planning"),
        group_share=(0.8, 0.2),
        group_entropy_coef=(0.0, 0.3),
    )
    held = simulate(seed=0, n_steps=120, run="held", entropy_coef=0.5)  # entropy rises: a fallback
    results = [el.forecast(t, n_boot=40) for t in (grouped, held)]
    assert results[0].budget is not None and results[1].budget is None
    text = report(results, tmp_path / "r.html").read_text()
    head = text.split("</tr>", 1)[0]
    assert head.endswith("<th>entropy budget</th>")  # the summary table's budget column
    rows = text.split("</table>", 1)[0].split("<tr>")[2:]
    assert len(rows) == 2
    assert f"<td>{results[0].budget.phrase()}</td>" in rows[0]
    assert "<td>n/a (no law-based forecast)</td>" in rows[1]
    sections = text.split('<section class="run">')[1:]
    assert 'class="budget">Entropy budget: entropy ' in sections[0]
    # per-group lines and the hidden-exploration flag, only where the log splits entropy
    assert "<li>math: decaying" in sections[0] and "<li>planning: " in sections[0]
    assert '<p class="flag">Hidden exploration:' in sections[0]
    assert 'class="groups"' not in sections[1] and "Entropy budget: n/a" in sections[1]


@pytest.mark.slow
def test_report_renders_in_chromium(tmp_path):
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} missing under CI: .ci/run installs it")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    table = el.load(SAMPLES)
    n_runs = table["run"].nunique()
    page = report(table, tmp_path / "report.html", n_boot=40)
    base = [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run(
        [*base, "--enable-logging=stderr", "--v=0", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert dom.stdout.count('<section class="run">') == n_runs
    n_img = dom.stdout.count("<img")
    assert n_img >= n_runs  # one forecast plot per run (+ the comparison)
    assert dom.stdout.count('src="data:image/png;base64,') == n_img
    bad = [ln for ln in dom.stderr.splitlines() if "Uncaught" in ln or "ERROR:CONSOLE" in ln]
    assert not bad, bad
    shot = tmp_path / "report.png"
    subprocess.run(
        [*base, f"--screenshot={shot}", "--window-size=1200,2000", page.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert shot.stat().st_size > 10_000
    print(f"screenshot artefact: {shot}")


def test_settings_are_a_table_and_the_two_ceilings_are_told_apart(tmp_path):
    # The page ended with a Python repr 'ForecastSettings(upto_step=120, ...)', and showed the
    # fit's 'ceiling b - a 0.6296' next to the forecast's 'hard ceiling 0.645 (b - a, ...)':
    # the forecast's is b' - a (the anchored intercept), which the page did not say.
    res = el.forecast(el.load(SAMPLES / "csv" / "grpo-baseline.csv"), n_boot=40)
    text = report(res, tmp_path / "r.html").read_text()
    assert "ForecastSettings(" not in text
    assert '<table class="settings">' in text and "<th>upto_step</th><td>120</td>" in text
    assert "(b&#x27; - a, entropy fully collapsed)" in text
    assert "not anchored to the current level" in text
