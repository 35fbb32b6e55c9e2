"""``entropy-law forecast`` and ``fit`` on several PATHs, as ``check``, ``backtest`` and ``report``
take them: a user pointing them at a few log files (``forecast a.log b.jsonl``) got "unexpected
extra argument(s)". A PATH that cannot be read is an error entry and never stops the others."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from entropy_law.cli import app

SAMPLES = Path(__file__).resolve().parents[1] / "sample_runs" / "csv"


def _run(args: list[str]):
    res = CliRunner().invoke(app, args, env={"COLUMNS": "200", "NO_COLOR": "1"})
    return res, res.stdout, res.stderr


def _json(args: list[str]) -> tuple[int, dict, str]:
    res, out, err = _run([*args, "--n-boot", "40", "--json"])
    return res.exit_code, json.loads(out), err


def test_two_files_are_both_forecast_like_their_folder() -> None:
    files = sorted(SAMPLES.glob("*.csv"))
    code, doc, err = _json(["forecast", *map(str, files)])
    assert code == 0, err
    code_f, folder, _ = _json(["forecast", str(SAMPLES)])
    assert code_f == 0
    # the same runs, the same numbers (seeded), whether named one by one or as a folder
    assert [r["run"] for r in doc["runs"]] == [r["run"] for r in folder["runs"]] == [f.stem for f in files]
    for a, b in zip(doc["runs"], folder["runs"]):
        assert a["at_horizon"] == b["at_horizon"] and a["verdict"] == b["verdict"]


def test_an_unreadable_path_does_not_stop_the_others(tmp_path: Path) -> None:
    bad = tmp_path / "broken.csv"
    bad.write_text("step,entropy\nnot,a number\n", encoding="utf-8")
    good = SAMPLES / "grpo-baseline.csv"
    code, doc, err = _json(["forecast", str(good), str(bad)])
    assert code == 0, err
    ok = [r for r in doc["runs"] if r.get("status") != "error"]
    errors = [r for r in doc["runs"] if r.get("status") == "error"]
    assert [r["run"] for r in ok] == ["grpo-baseline"]
    assert len(errors) == 1 and "broken.csv" in errors[0]["run"] + errors[0]["message"]
    assert "broken.csv" in err  # the skip is said on stderr too


def test_a_missing_path_fails_before_any_work(tmp_path: Path) -> None:
    res, out, err = _run(["forecast", str(SAMPLES / "grpo-baseline.csv"), str(tmp_path / "nope.csv")])
    assert res.exit_code == 2
    assert "nope.csv" in err and "no such file or folder" in err


def test_runs_of_the_same_name_in_two_paths_are_told_apart(tmp_path: Path) -> None:
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        shutil.copy(SAMPLES / "grpo-baseline.csv", tmp_path / d / "grpo-baseline.csv")
    code, doc, err = _json(["forecast", str(tmp_path / "a"), str(tmp_path / "b")])
    assert code == 0, err
    assert sorted(r["run"] for r in doc["runs"]) == ["a:grpo-baseline", "b:grpo-baseline"]
    first, second = (r["at_horizon"]["value"] for r in doc["runs"])
    assert first == second  # the same data and seed: one forecast, twice, under two names


def test_fit_takes_several_paths_and_keeps_going(tmp_path: Path) -> None:
    bad = tmp_path / "broken.csv"
    bad.write_text("step,entropy\nnot,a number\n", encoding="utf-8")
    files = sorted(SAMPLES.glob("*.csv"))
    res, out, err = _run(["fit", *map(str, files), str(bad), "--n-boot", "40", "--json"])
    assert res.exit_code == 0, err
    doc = json.loads(out)
    fitted = [r["run"] for r in doc["runs"] if r.get("status") != "error"]
    assert fitted == [f.stem for f in files]
    assert any("broken.csv" in r["run"] for r in doc["runs"] if r.get("status") == "error")
