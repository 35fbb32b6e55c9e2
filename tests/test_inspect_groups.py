"""``inspect`` lists the entropy groups of a log that splits entropy, and ``check`` notes a
run whose global entropy collapses while a group still explores (issue 15 item 4)."""

import json

from typer.testing import CliRunner

from entropy_law.cli import app
from entropy_law.simulate import simulate

# planted as in tests/test_entropy_groups.py: 'planning' is held up, 'math' collapses
PLANTED = dict(groups=("math", "planning"), group_share=(0.8, 0.2), group_entropy_coef=(0.0, 0.3))


def test_inspect_shows_entropy_by_group(tmp_path):
    path = tmp_path / "planted.csv"
    simulate(seed=0, **PLANTED).to_csv(path, index=False)
    res = CliRunner().invoke(app, ["inspect", str(path), "--json"])
    assert res.exit_code == 0, res.output
    (run,) = json.loads(res.stdout)["runs"]
    by = {g["name"]: g for g in run["entropy_groups"]}
    assert set(by) == {"math", "planning"} and by["math"]["key"] == "train_entropy/math"
    assert by["math"]["now"] < 0.5 * by["math"]["start"]  # planted: collapses
    assert by["planning"]["now"] > by["planning"]["start"]  # planted: the bonus raises it
    text = CliRunner().invoke(app, ["inspect", str(path)]).stdout
    assert "entropy by group" in text and "planning: train_entropy/planning" in text


def test_inspect_without_groups_lists_none(tmp_path):
    path = tmp_path / "plain.csv"
    simulate(seed=0).to_csv(path, index=False)
    res = CliRunner().invoke(app, ["inspect", str(path), "--json"])
    assert json.loads(res.stdout)["runs"][0]["entropy_groups"] == []
    assert "entropy by group" not in CliRunner().invoke(app, ["inspect", str(path)]).stdout


def test_check_notes_hidden_exploration(tmp_path):
    # check computed entropy_groups in its JSON but its text table said nothing about them
    path = tmp_path / "planted.csv"
    simulate(seed=0, **PLANTED).to_csv(path, index=False)
    args = ["check", str(path), "--min-ceiling", "0.3", "--no-progress", "--n-boot", "60", "--jobs", "1"]
    out = CliRunner().invoke(app, args).stdout
    assert "sim: entropy collapsing overall but still exploring in planning" in out, out
    plain = tmp_path / "plain.csv"
    simulate(seed=0).to_csv(plain, index=False)
    out = CliRunner().invoke(app, [*args[:1], str(plain), *args[2:]]).stdout
    assert "still exploring" not in out, out
