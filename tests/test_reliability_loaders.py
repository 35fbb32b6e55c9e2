"""Regression tests for the loader defects of the fuzz campaign (issue 9; shared/reliability).

Each test rebuilds the input of one reproducer (``repro/NN_*.py``) in code and checks
the behaviour its docstring expects: one bad item (line, record, run, folder) costs only
itself, with a warning naming it, and nothing good is lost. This module: unreadable
folders (D2), MLflow stores (D6), verl console logs (D7), tiny event files (D9) and the
wording of errors. Tables are in ``test_reliability_tables.py``, W&B in
``test_reliability_wandb.py``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import pytest
from _craft import chmod_tree, mlflow_store, tb_record
from conftest import REPO, in_ci

import entropy_law as el
from entropy_law.errors import DataWarning, LoadError, TruncatedLogWarning
from entropy_law.loaders import mlflow, scan
from entropy_law.loaders.tensorboard import read_events

RAW_EXCEPTION = re.compile(r"\b(\w+Error|Exception|Traceback)\b")

# ---------------------------------------------------------------- D2: unreadable folders


def _as_nobody() -> list[str]:
    """Command prefix that runs a child as an unprivileged user (root ignores chmod 000)."""
    if os.getuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        if in_ci():
            pytest.fail("setpriv is needed to test permissions as root; CI=true, so this fails")
        pytest.skip("running as root and setpriv is missing: chmod 000 cannot be tested")
    return ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]


@pytest.fixture
def locked_fleet():
    """A world-readable folder (in /tmp, so 'nobody' can reach it) holding a good run, a
    folder without permissions, an unreadable file and an MLflow store with one locked
    experiment beside a readable one."""
    d = Path(tempfile.mkdtemp(prefix="el_locked_"))
    os.chmod(d, 0o755)
    shutil.copy(REPO / "sample_runs" / "csv" / "grpo-baseline.csv", d / "good.csv")
    (d / "locked").mkdir()
    (d / "locked" / "x.csv").write_text("step,a\n1,2\n")
    (d / "secret.csv").write_text("step,a\n1,2\n")
    pts = [(1_700_000_000_000 + s, 1 / (s + 1), s) for s in range(20)]
    store = mlflow_store(d / "store", {"ok": {"actor/entropy": pts}})
    shutil.copytree(store / "1", store / "2")
    chmod_tree(d, 0o755)
    for f in d.rglob("*"):
        if f.is_file():
            os.chmod(f, 0o644)
    os.chmod(d / "locked", 0)
    os.chmod(d / "secret.csv", 0)
    os.chmod(store / "2", 0)
    try:
        yield d
    finally:
        chmod_tree(d, 0o755)
        shutil.rmtree(d, ignore_errors=True)


def _run_unprivileged(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, HOME=str(cwd), MPLCONFIGDIR=str(cwd / "mpl"), MPLBACKEND="Agg")
    return subprocess.run(_as_nobody() + args, capture_output=True, text=True, timeout=300, cwd=cwd, env=env)


def test_unreadable_folder_is_an_error_entry_not_a_crash(locked_fleet):
    code = (
        "import json, sys, warnings; warnings.simplefilter('ignore')\n"
        "from entropy_law.loaders import scan\n"
        "r = scan(sys.argv[1])\n"
        "print(json.dumps({'runs': sorted(set(r.table.run)), 'errors': dict(r.errors)}))\n"
    )
    p = _run_unprivileged([sys.executable, "-c", code, str(locked_fleet)], locked_fleet)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert "good" in out["runs"] and "exp/ok" in out["runs"]  # the readable runs all load
    errors = out["errors"]
    for bad in ("locked", "secret.csv", "store/mlruns/2"):
        path = str(locked_fleet / bad)
        assert path in errors, (bad, errors)
        assert "permission denied" in errors[path]
    assert not any(RAW_EXCEPTION.search(m) for m in errors.values())


def test_unreadable_folder_in_cli_inspect_and_check(locked_fleet):
    exe = str(Path(sys.executable).with_name("entropy-law"))
    p = _run_unprivileged([exe, "inspect", str(locked_fleet), "--json"], locked_fleet)
    assert p.returncode == 0 and "Traceback" not in p.stderr, p.stderr
    doc = json.loads(p.stdout)
    assert {r["run"] for r in doc["runs"]} >= {"good", "exp/ok"}
    assert {e["path"] for e in doc["errors"]} >= {str(locked_fleet / "locked")}
    p = _run_unprivileged(
        [exe, "check", str(locked_fleet), "--min-ceiling", "0.5", "--format", "json", "--jobs", "1"],
        locked_fleet,
    )
    assert "Traceback" not in p.stderr, p.stderr
    runs = {r["run"]: r for r in json.loads(p.stdout)["runs"]}
    assert runs["locked"]["status"] == "error" and "permission denied" in runs["locked"]["message"]
    assert runs["good"]["status"] != "error"


def test_unreadable_single_path_is_a_load_error(locked_fleet):
    code = (
        "import sys, entropy_law as el\n"
        "try:\n    el.load(sys.argv[1])\nexcept el.LoadError as e:\n    print('LoadError', e)\n"
    )
    for target in (locked_fleet / "locked", locked_fleet / "locked" / "x.csv", locked_fleet / "secret.csv"):
        p = _run_unprivileged([sys.executable, "-c", code, str(target)], locked_fleet)
        assert p.returncode == 0 and p.stdout.startswith("LoadError"), p.stderr
        assert "permission denied" in p.stdout and str(target) in p.stdout


# ---------------------------------------------------------------- D6: MLflow run isolation


def _damaged_store(tmp_path: Path, case: str) -> tuple[Path, Path]:
    pts = [(1_700_000_000_000, 1 / (s + 1), s) for s in range(30)]
    store = mlflow_store(tmp_path, {"damaged": {"actor/entropy": pts}, "healthy": {"actor/entropy": pts}})
    f = store / "1" / f"{0:032x}" / "metrics" / "actor" / "entropy"
    assert (f.parent.parent.parent / "tags" / "mlflow.runName").read_text() == "damaged"
    if case == "huge step line":
        with f.open("a") as fh:
            fh.write("1700000000000 0.5 99999999999999999999\n")
    elif case == "dangling symlink":
        f.unlink()
        f.symlink_to("/nonexistent/x")
    else:
        f.unlink()
        f.symlink_to(f)
    return store, f


@pytest.mark.parametrize("case", ["huge step line", "dangling symlink", "symlink loop"])
def test_one_damaged_mlflow_run_does_not_lose_the_store(tmp_path, case):
    store, f = _damaged_store(tmp_path, case)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = scan(store)
    t = report.table
    assert sorted(t[t.run == "exp/healthy"].step) == list(range(30))
    msgs = [str(w.message) for w in caught] + [m for _, m in report.errors]
    if case == "huge step line":  # the damaged line ends only its metric
        assert sorted(t[t.run == "exp/damaged"].step) == list(range(30))
        assert any("line 31" in m and "damaged" in m for m in msgs), msgs
    else:  # the unreadable metric costs itself; the run holds nothing else -> an error entry
        assert "exp/damaged" not in set(t.run)
        assert any(str(f) in m for m in msgs), msgs
        assert [p for p, _ in report.errors] == [str(f.parent.parent.parent)]
    assert not any(RAW_EXCEPTION.search(m) for m in msgs), msgs


def test_mlflow_read_of_a_store_isolates_runs(tmp_path):
    store, f = _damaged_store(tmp_path, "symlink loop")
    with pytest.warns(DataWarning, match=r"metric 'actor/entropy' \(too many levels of symbolic links\)"):
        df = mlflow.read(store)
    assert set(df.run) == {"exp/healthy"} and len(df) == 30


def test_mlflow_metric_lines_are_parsed_strictly(tmp_path):
    pts = [(1_700_000_000_000, 0.5, s) for s in range(3)]
    store = mlflow_store(tmp_path, {"r": {"a": pts}})
    f = next(store.rglob("metrics/a"))
    with f.open("a") as fh:
        fh.write("1_700_000_000_000 0.5 1_0\n1700000000000 0.7 4\n")  # D17: '1_0' is damage
    with pytest.warns(TruncatedLogWarning, match=r"line 4 of metric 'a' is damaged"):
        t = el.load(store)
    assert t.step.tolist() == [0, 1, 2]


# ---------------------------------------------------------------- D7: verl console logs

GOOD_VERL = "".join(
    f"step:{s} - actor/entropy:{1 / (s + 1):.3f} - critic/score/mean:{s / 100:.3f}\n" for s in range(50)
)


@pytest.mark.parametrize(
    "line",
    ["step:99999999999999999999 - actor/entropy:0.5\n", "step:" + "9" * 5000 + " - actor/entropy:0.5\n"],
)
def test_verl_line_with_huge_step_costs_only_itself(tmp_path, line):
    p = tmp_path / "run.log"
    good = GOOD_VERL.splitlines(keepends=True)
    p.write_text("".join(good[:25]) + line + "".join(good[25:]))
    with pytest.warns(DataWarning, match=rf"{p.name}: skipped 1 line\(s\) whose step is beyond.*line 26"):
        t = el.load(p)
    assert len(t) == 100 and sorted(set(t.step)) == list(range(50))


def test_verl_values_are_parsed_strictly(tmp_path):
    p = tmp_path / "run.log"
    p.write_text("step:1 - actor/entropy:1_000 - critic/score/mean:0.5\nstep:2 - actor/entropy:0x10\n")
    with pytest.warns(
        DataWarning, match=r"2 item\(s\) whose value is not a number \(line 1: 'actor/entropy:1_000'"
    ):
        t = el.load(p)
    assert set(t.metric) == {"critic/score/mean"}  # neither 1000 nor 16 was invented


# ---------------------------------------------------------------- D9: tiny event files


def _one_record() -> bytes:
    return tb_record(b"\x09" + struct.pack("<d", 1.7e9))  # an Event holding only wall_time


@pytest.mark.parametrize("k", [1, 2, 3, 4, 11])
def test_event_file_cut_to_a_few_bytes_is_a_clear_load_error(tmp_path, k):
    p = tmp_path / "run" / "events.out.tfevents.1.host"
    p.parent.mkdir()
    p.write_bytes(_one_record()[:k])
    with pytest.raises(LoadError, match=r"no complete record") as err:
        read_events(p)
    assert str(p) in str(err.value)
    with pytest.raises(LoadError, match=r"no complete record"):
        el.load(p.parent)


def test_tiny_event_file_beside_a_good_one_costs_only_itself(tmp_path):
    from tensorboardX import SummaryWriter

    run = tmp_path / "run"
    w = SummaryWriter(str(run))
    for s in range(10):
        w.add_scalar("actor/entropy", 1 / (s + 1), s)
    w.close()
    (run / "events.out.tfevents.9999999999.host").write_bytes(_one_record()[:2])
    match = r"skipped 1 event file\(s\) holding no intact record \(\['events.out.tfevents.9999999999.host'\]"
    with pytest.warns(TruncatedLogWarning, match=match):
        t = el.load(run)
    assert t.step.tolist() == list(range(10))
    with pytest.warns(TruncatedLogWarning, match=match):
        report = scan(tmp_path)  # and in a folder: the run loads, no error entry
    assert not report.errors and len(report.table) == 10


# ---------------------------------------------------------------- errors in plain words


def test_errors_never_repeat_raw_exception_text(tmp_path):
    """Every damaged unit of a mixed folder is reported in plain words (no 'RecursionError')."""
    (tmp_path / "deep.json").write_text("[" * 100000 + "]" * 100000)
    (tmp_path / "huge.json").write_text('[{"step": 1, "a": ' + "9" * 5000 + "}]")
    (tmp_path / "e30.csv").write_text("step,a\n1e30,0.5\n")
    (tmp_path / "tiny" / "events.out.tfevents.1.h").parent.mkdir()
    (tmp_path / "tiny" / "events.out.tfevents.1.h").write_bytes(b"\x01\x02")
    (tmp_path / "ok.csv").write_text("step,a\n1,0.5\n2,0.4\n")
    report = scan(tmp_path)
    assert set(report.table.run) == {"ok"}
    errs = dict(report.errors)
    assert len(errs) == 4
    assert not any(RAW_EXCEPTION.search(m) for m in errs.values()), errs
    assert "nested" in errs[str(tmp_path / "deep.json")]
    assert "digits" in errs[str(tmp_path / "huge.json")]


def test_unforeseen_reader_failure_is_said_in_plain_words(tmp_path, monkeypatch):
    from entropy_law.loaders import tabular

    p = tmp_path / "a.csv"
    p.write_text("step,a\n1,0.5\n")

    def boom(*a, **k):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(tabular, "frame_to_long", boom)
    with pytest.raises(LoadError) as err:
        el.load(p)
    assert "nested too deeply" in str(err.value) and not RAW_EXCEPTION.search(str(err.value))
