"""``entropy-law check``: rules, configuration, exit codes and every output format."""

from __future__ import annotations

import json
import math
import re
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

import entropy_law as el
from entropy_law.checking import (
    CheckConfigError,
    CheckResult,
    CheckSettings,
    check,
    find_config,
    judge,
    read_config,
)
from entropy_law.checking.report import render
from entropy_law.cli import app

# -- the rules on hand-made forecasts (exact, no fitting) -----------------------------------


def _fc(lo, hi, value=None, status="ok", method="law", sat=(None, None)) -> dict:
    value = (lo + hi) / 2 if value is None else value
    return {
        "run": "r",
        "status": status,
        "method": method,
        "message": "m",
        "confidence_level": 0.9,
        "ceiling": {"value": value, "ci": [lo, hi]},
        "saturation_step": {"value": sat[0], "ci": [sat[0], sat[1]]},
        "warnings": [],
    }


CEIL = CheckSettings(min_ceiling=0.5)


@pytest.mark.parametrize(
    "lo, hi, outcome",
    [
        (0.2, 0.49, "flag"),  # upper end under the bar: confidently below
        (0.4, 0.6, "inconclusive"),  # straddles
        (0.4, 0.5, "inconclusive"),  # upper end on the bar: not *under* it
        (0.5, 0.7, "pass"),  # lower end on the bar counts as reaching it
        (0.55, 0.7, "pass"),
        (math.nan, 0.4, "inconclusive"),  # no interval, no verdict
    ],
)
def test_ceiling_rule(lo, hi, outcome):
    rc = judge(_fc(lo, hi), CEIL)
    assert rc.status == outcome
    (reason,) = rc.reasons
    assert reason.outcome == outcome and reason.threshold == 0.5 and reason.rule == "min_ceiling"
    assert reason.ci[1] == hi or math.isnan(hi)


def test_saturation_rule_and_combination():
    st = CheckSettings(min_ceiling=0.5, min_saturation_step=1000)
    early = judge(_fc(0.6, 0.7, sat=(300, 800)), st)  # saturates confidently early
    assert early.status == "flag"
    assert [r.outcome for r in early.reasons] == ["pass", "flag"]
    never = judge(_fc(0.6, 0.7, sat=(900, math.inf)), st)  # may never saturate: straddles
    assert never.status == "inconclusive"
    late = judge(_fc(0.6, 0.7, sat=(1200, math.inf)), st)
    assert late.status == "pass"
    # a flag on one threshold wins over an inconclusive other one
    assert judge(_fc(0.1, 0.2, sat=(900, 2000)), st).status == "flag"


@pytest.mark.parametrize(
    "status, method",
    [("too_early", "law"), ("insufficient_data", "last_value"), ("entropy_controlled", "last_value")],
)
def test_forecasts_not_to_act_on_are_inconclusive(status, method):
    rc = judge(_fc(0.1, 0.2, status=status, method=method), CEIL)
    assert rc.status == "inconclusive"
    assert rc.reasons[0].outcome == "flag"  # the interval alone would have flagged it
    assert status in rc.message


def test_exit_code_and_strict():
    runs = (judge(_fc(0.6, 0.7), CEIL), judge(_fc(0.4, 0.6), CEIL))
    assert CheckResult(runs, CEIL).exit_code == 0
    assert CheckResult(runs, CheckSettings(min_ceiling=0.5, strict=True)).exit_code == 1
    flagged = runs + (judge(_fc(0.1, 0.2), CEIL),)
    assert CheckResult(flagged, CEIL).exit_code == 1
    assert CheckResult(flagged, CEIL).summary == {"pass": 1, "flag": 1, "inconclusive": 1, "error": 0}


def test_settings_need_a_threshold():
    with pytest.raises(CheckConfigError, match="no threshold"):
        CheckSettings()
    with pytest.raises(CheckConfigError, match="level"):
        CheckSettings(min_ceiling=0.5, level=1.5)


# -- configuration -------------------------------------------------------------------------


def test_config_found_in_parent_pyproject(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.entropy-law.check]\nmin-ceiling = 1\n'
        'min_saturation_step = 400\nstrict = true\nformat = "junit"\n'
    )
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    conf, used = read_config()
    assert used == tmp_path / "pyproject.toml"
    assert conf == {"min_ceiling": 1.0, "min_saturation_step": 400, "strict": True, "format": "junit"}
    assert isinstance(conf["min_ceiling"], float)
    # the search stops at the repository root: nothing above it is read
    (tmp_path / ".git").rmdir()
    (sub / ".git").mkdir()
    assert find_config(sub) is None


def test_config_errors_name_key_and_file(tmp_path):
    bad = tmp_path / "check.toml"
    bad.write_text("min_cieling = 0.5\n")
    with pytest.raises(CheckConfigError) as exc:
        read_config(bad)
    msg = str(exc.value)
    assert "min_cieling" in msg and str(bad) in msg and "min-ceiling" in msg
    assert "valid keys" in msg
    bad.write_text('min-ceiling = "high"\n')
    with pytest.raises(CheckConfigError, match="must be a float"):
        read_config(bad)
    bad.write_text("min-ceiling = \n")
    with pytest.raises(CheckConfigError, match="not valid TOML"):
        read_config(bad)


# -- the CLI over simulator runs made to pass, flag, be inconclusive and fail --------------

N_BOOT = "20"  # small: the verdicts below sit far from the bar, except "mid" whose bar is
# placed at the middle of its own interval computed with the same settings


def _csv(name: str, folder: Path, **kw) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = el.simulate(run=name, **kw)
    p = folder / f"{name}.csv"
    el.to_wide(t).droplevel("run").reset_index().to_csv(p, index=False)
    return p


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    d = tmp_path_factory.mktemp("fleet")
    # planted ceilings ~ 1 - hard_fraction: top ~0.95, mid ~0.7, low ~0.25
    _csv("top", d, seed=1, n_steps=100, hard_fraction=0.05)
    mid = _csv("mid", d, seed=1, n_steps=100)
    _csv("low", d, seed=2, n_steps=100, hard_fraction=0.75)
    _csv("early", d, seed=3, n_steps=12)  # 2 evaluations: insufficient data
    (d / "broken.csv").write_text("this,is\nnot,a log\n")
    res = check(el.load(mid), min_ceiling=0.0, n_boot=int(N_BOOT))
    lo, hi = res.runs[0].reasons[0].ci
    assert hi - lo > 0.01  # an interval wide enough to put a bar strictly inside
    return d, round((lo + hi) / 2, 4)


def _run(args, **kw):
    return CliRunner().invoke(app, ["check", *args, "--n-boot", N_BOOT, "--jobs", "1"], **kw)


EXPECTED = {"top": "pass", "mid": "inconclusive", "low": "flag", "early": "inconclusive", "broken": "error"}


@pytest.mark.slow
def test_cli_json_and_exit_code(fleet):
    d, bar = fleet
    res = _run([str(d), "--min-ceiling", str(bar), "--format", "json"])
    assert res.exit_code == 1, res.output  # one flagged, one error
    doc = json.loads(res.stdout)  # stdout is exactly one JSON document
    assert {r["run"]: r["status"] for r in doc["runs"]} == EXPECTED
    assert doc["summary"] == {"pass": 1, "flag": 1, "inconclusive": 2, "error": 1}
    runs = {r["run"]: r for r in doc["runs"]}
    top, low = runs["top"]["reasons"][0], runs["low"]["reasons"][0]
    assert top["threshold"] == bar and top["ci"][0] >= bar and low["ci"][1] < bar
    # planted truth: the fleet's ceilings come out in the planted order
    assert low["ci"][1] < top["ci"][0]
    assert runs["top"]["forecast"]["status"] == "ok"
    assert "no step column" in runs["broken"]["message"]
    # the progress bar (rich) is drawn only on a terminal: CliRunner's stderr is not one
    assert "checking" not in res.stdout and "checking" not in res.stderr


@pytest.mark.slow
def test_cli_text_junit_github_markdown(fleet, tmp_path, monkeypatch):
    d, bar = fleet
    args = [str(d), "--min-ceiling", str(bar), "--no-progress"]
    text = _run(args)
    assert text.exit_code == 1
    for run, status in EXPECTED.items():
        assert re.search(rf"^{run}\s+{status}\b", text.stdout, re.M), text.stdout
    assert "1 pass, 1 flagged, 2 inconclusive, 1 error(s)" in text.stdout

    junit = _run(args + ["--format", "junit"])
    assert junit.exit_code == 1
    root = ET.fromstring(junit.stdout.split("\n", 1)[1])  # after the XML declaration
    (suite,) = root.findall("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped")) == (
        "5",
        "1",
        "1",
        "2",
    )
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert set(cases) == set(EXPECTED)
    assert cases["low"].find("failure") is not None
    assert cases["broken"].find("error") is not None
    assert cases["mid"].find("skipped") is not None and cases["early"].find("skipped") is not None
    assert all(cases["top"].find(t) is None for t in ("failure", "error", "skipped"))

    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    gh = _run(args + ["--format", "github"])
    assert gh.exit_code == 1
    lines = gh.stdout.strip().splitlines()
    pattern = re.compile(r"^::(error|warning|notice) file=[^,:\n]+,title=[^:,\n]+::[^\n]+$")
    assert len(lines) == 5 and all(pattern.match(ln) for ln in lines), lines
    kinds = {re.search(r"title=entropy-law check%3A (\w+)", ln).group(1): ln.split(" ")[0] for ln in lines}
    assert kinds == {
        "top": "::notice",
        "mid": "::warning",
        "low": "::error",
        "early": "::warning",
        "broken": "::error",
    }

    md = _run(args + ["--format", "markdown"])
    assert md.exit_code == 1
    written = summary.read_text()
    assert written.startswith("earlier step\n")  # appended, not overwritten
    assert written.count("### entropy-law check") == 2  # github and markdown runs
    assert "| run | status |" in md.stdout and md.stdout in written
    for run in EXPECTED:
        assert f"| {run} |" in md.stdout


@pytest.mark.slow
def test_cli_strict_output_file_parallel_and_overrides(fleet, tmp_path, monkeypatch):
    d, bar = fleet
    pair = [str(d / "top.csv"), str(d / "mid.csv")]
    assert _run(pair + ["--min-ceiling", str(bar)]).exit_code == 0  # inconclusive is fine
    out = tmp_path / "r.json"
    strict = CliRunner().invoke(
        app,
        [
            "check",
            *pair,
            "--min-ceiling",
            str(bar),
            "--strict",
            "--jobs",
            "2",
            "--n-boot",
            N_BOOT,
            "--format",
            "json",
            "--output",
            str(out),
        ],
    )
    assert strict.exit_code == 1 and strict.stdout == ""
    assert json.loads(out.read_text())["summary"] == {"pass": 1, "flag": 0, "inconclusive": 1, "error": 0}
    # the config asks for an unreachable bar; the command-line flag takes precedence
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.entropy-law.check]\nmin-ceiling = 0.99\n")
    top = [str(d / "top.csv")]
    assert _run(top).exit_code == 1
    assert _run(top + ["--min-ceiling", "0.5"]).exit_code == 0


def test_cli_usage_errors_exit_2(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()  # no pyproject above this folder is read
    res = _run([str(tmp_path)])
    assert res.exit_code == 2 and "no threshold" in res.stderr
    conf = tmp_path / "c.toml"
    conf.write_text("min-ceiling = 0.5\nthreshold = 3\n")
    res = _run([str(tmp_path), "--config", str(conf)])
    assert res.exit_code == 2 and "'threshold'" in res.stderr and "valid keys" in res.stderr
    res = _run([str(tmp_path), "--min-ceiling", "0.5", "--format", "xml"])
    assert res.exit_code == 2 and "markdown" in res.stderr


def test_missing_path_is_a_usage_error(tmp_path):
    """A PATH that names nothing is a typo, not a run that failed: exit 2 before any work
    (issue 12), with the JSON document still printed."""
    res = _run([str(tmp_path / "nope"), "--min-ceiling", "0.5", "--format", "json"])
    assert res.exit_code == 2
    (err,) = json.loads(res.stdout)["errors"]
    assert "nope" in err["error"] and "no such file" in err["error"]


def test_real_run(real_runs_dir):
    path = real_runs_dir / "verl-data_gemma-2-2b-it-sft_ppo_gsm8k.csv"
    res = check(path, min_ceiling=0.3, n_boot=20)
    (rc,) = res.runs
    assert rc.status in ("pass", "inconclusive"), rc  # validation ~0.62 after SFT+PPO
    assert rc.forecast["reward_metric"] == "val_acc"
    assert render(res, "text").count("gemma") == 1


def test_saturation_beyond_the_grid_passes_a_minimum_step():
    """An interval [2400, inf] (never saturating within the grid) clears a bar of 2000."""
    from entropy_law.checking import CheckSettings, judge

    d = {
        "run": "r",
        "status": "ok",
        "method": "combined",
        "confidence_level": 0.9,
        "ceiling": {"value": 0.8, "ci": [0.7, 0.9]},
        "saturation_step": {"value": None, "ci": [2400.0, None], "beyond_grid": True},
    }
    rc = judge(d, CheckSettings(min_saturation_step=2000))
    assert rc.status == "pass", rc.message
