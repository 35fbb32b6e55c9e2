"""``--reference PATH`` on ``forecast``, ``check`` and ``watch`` (issue 15): the finished
runs' prior is used, reported in JSON, and a run is never its own reference."""

from __future__ import annotations

import json

import pandas as pd
from typer.testing import CliRunner

from entropy_law.cli import app

GROUP = "verl-asyncreward_qwen2-7b-instruct_grpo_gsm8k_"
RUN = GROUP + "fsdp_base.csv"


def _refs(real_runs_dir, tmp_path):
    """The run's four siblings in a folder (symlinks, nothing copied), plus the run itself."""
    d = tmp_path / "refs"
    d.mkdir()
    for p in sorted(real_runs_dir.glob(GROUP + "*.csv")):
        (d / p.name).symlink_to(p)
    return d


def _invoke(args):
    res = CliRunner().invoke(app, args, env={"COLUMNS": "200", "NO_COLOR": "1"})
    return res, res.output


def test_forecast_json_reports_the_prior(real_runs_dir, tmp_path) -> None:
    refs = _refs(real_runs_dir, tmp_path)
    args = ["forecast", str(real_runs_dir / RUN), "--upto-fraction", "0.1", "--n-boot", "60"]
    res, out = _invoke([*args, "--json", "--reference", str(refs)])
    assert res.exit_code == 0, out
    d = json.loads(out)["runs"][0]
    assert d["method"] == "reference" and d["reference"]["used"] is True
    # the folder holds the run itself: it is left out, its 4 siblings remain
    assert d["reference"]["n_references"] == 4
    assert RUN[:-4] not in d["reference"]["weights"]
    res, out = _invoke([*args, "-v", "--reference", str(refs)])
    assert res.exit_code == 0 and "reference prior:" in out, out


def test_check_uses_the_references(real_runs_dir, tmp_path) -> None:
    refs = _refs(real_runs_dir, tmp_path)
    res, out = _invoke(
        ["check", str(real_runs_dir / RUN), "--min-ceiling", "0.5", "--reference", str(refs)]
        + ["--format", "json", "--jobs", "1", "--no-progress", "--n-boot", "40"]
    )
    doc = json.loads(res.stdout)
    assert doc["runs"][0]["forecast"]["reference"]["used"] is True, out


def test_watch_once_uses_the_references(real_runs_dir, tmp_path) -> None:
    refs = _refs(real_runs_dir, tmp_path)
    wide = pd.read_csv(real_runs_dir / RUN)
    log = tmp_path / "live" / "metrics.jsonl"
    log.parent.mkdir()
    rows = wide[wide["step"] <= 30][["step", "entropy", "val_acc"]]
    log.write_text(
        "".join(
            json.dumps({k: v for k, v in r.items() if pd.notna(v)}) + "\n" for r in rows.to_dict("records")
        )
    )
    res, out = _invoke(["watch", str(log), "--once", "--json-lines", "--reference", str(refs)])
    assert res.exit_code == 0, out
    rec = json.loads(res.stdout.strip().splitlines()[-1])
    assert rec["method"] == "reference", rec
    # the record carries the reference details, as forecast --json does (issue 15)
    # all 5 runs of the folder: the live log is named metrics.jsonl, so none of them is itself
    assert rec["reference"]["used"] is True and rec["reference"]["n_references"] == 5, rec
