"""Folders of mixed formats, run naming, and errors that do not stop the other runs."""

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import entropy_law as el
from entropy_law.cli import app
from entropy_law.errors import DataWarning, LoadError


def _csv(path, scale=1.0):
    path.parent.mkdir(parents=True, exist_ok=True)
    steps = np.arange(1, 11)
    pd.DataFrame(
        {"step": steps, "actor/entropy": scale / steps, "critic/score/mean": 1 - scale / steps}
    ).to_csv(path, index=False)


@pytest.fixture
def mixed(tmp_path):
    _csv(tmp_path / "a.csv")
    _csv(tmp_path / "group" / "b.csv", 0.5)
    (tmp_path / "c.log").write_text(
        "step:1 - actor/entropy:0.5 - critic/score/mean:0.1\n"
        "step:2 - actor/entropy:0.4 - critic/score/mean:0.2\n"
    )
    (tmp_path / "notes.md").write_text("# not a log\n")
    return tmp_path


def test_folder_loads_every_run(mixed):
    t = el.load(mixed)
    assert sorted(t["run"].unique()) == ["a", "c", "group/b"]
    assert el.scan(mixed).skipped == (str(mixed / "notes.md"),)


def test_one_broken_run_does_not_stop_the_others(mixed):
    (mixed / "broken.csv").write_text("step,actor/entropy\n1,0.5\n2,oops\n")
    with pytest.warns(DataWarning, match="broken.csv"):
        t = el.load(mixed)
    assert sorted(t["run"].unique()) == ["a", "c", "group/b"]
    assert t.attrs["errors"][0]["path"].endswith("broken.csv")


def test_missing_path_suggests_neighbour(mixed):
    with pytest.raises(LoadError, match=r"no such file or folder. Did you mean .*a.csv"):
        el.load(mixed / "a.cvs")


def test_unknown_format_lists_supported(tmp_path):
    p = tmp_path / "run.xyz"
    p.write_text("1 2 3\n")
    with pytest.raises(LoadError, match=r"format not recognised. Supported formats: .*csv"):
        el.load(p)


def test_empty_folder(tmp_path):
    with pytest.raises(LoadError, match="no logs found"):
        el.load(tmp_path)


def test_run_override_requires_single_run(mixed):
    assert el.load(mixed / "a.csv", run="mine")["run"].unique().tolist() == ["mine"]
    with pytest.raises(LoadError, match="names one run"):
        el.load(mixed, run="mine")


def test_inspect_cli_text_and_json(mixed):
    (mixed / "broken.csv").write_text("step,actor/entropy\n1,0.5\n2,oops\n")
    runner = CliRunner()
    res = runner.invoke(app, ["inspect", str(mixed)])
    assert res.exit_code == 0, res.output
    assert "run group/b" in res.output and "entropy: actor/entropy" in res.output
    res = runner.invoke(app, ["inspect", str(mixed), "--json"])
    assert res.exit_code == 0
    doc = json.loads(res.stdout)
    assert [r["run"] for r in doc["runs"]] == ["a", "c", "group/b"]
    assert doc["runs"][0]["reward"] == "critic/score/mean"
    assert doc["runs"][0]["metrics"][0] == {
        "metric": "actor/entropy",
        "n": 10,
        "first_step": 1,
        "last_step": 10,
    }
    assert doc["errors"][0]["path"].endswith("broken.csv")


def test_inspect_cli_missing_path_exit_2(tmp_path):
    res = CliRunner().invoke(app, ["inspect", str(tmp_path / "nope")])
    assert res.exit_code == 2
    assert "no such file or folder" in res.stderr
