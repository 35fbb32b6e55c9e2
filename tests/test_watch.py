"""``entropy-law watch`` and the incremental readers of entropy_law.live.tail, with real writers
(tensorboardX, a JSONL writer) appending from another process."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
import warnings

import numpy as np
import pytest
from typer.testing import CliRunner

from entropy_law.cli import app
from entropy_law.live.readers import tail_for
from entropy_law.live.tail import JsonlTail, TfeventsTail, TrainerStateTail, VerlConsoleTail
from entropy_law.live.watcher import Watcher
from entropy_law.loaders.tensorboard import read_events

runner = CliRunner()

# a run whose entropy collapses and whose reward saturates near 0.55 (R = -0.5 e^H + 1.1)
WRITER = textwrap.dedent(
    """
    import json, sys, time
    import numpy as np
    kind, path, steps, delay = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    rng = np.random.default_rng(0)
    if kind == "tb":
        from tensorboardX import SummaryWriter
        w = SummaryWriter(path, flush_secs=3600)
    else:
        fh = open(path, "a")
    for t in range(1, steps + 1):
        h = 0.1 + 0.5 * np.exp(-t / 30) + rng.normal(0, 0.005)
        r = -0.5 * np.exp(h) + 1.1 + rng.normal(0, 0.01)
        if kind == "tb":
            w.add_scalar("actor/entropy", h, t)
            w.add_scalar("critic/score/mean", r, t)
            w.flush()
        else:
            line = json.dumps({"step": t, "data": {"actor/entropy": h, "critic/score/mean": r}}) + "\\n"
            cut = len(line) // 2  # write each line in two halves: watch sees partial lines
            fh.write(line[:cut]); fh.flush(); time.sleep(delay / 2)
            fh.write(line[cut:]); fh.flush()
        time.sleep(delay)
    """
)


def _writer(tmp_path, kind, target, steps, delay):
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    return subprocess.Popen([sys.executable, str(script), kind, str(target), str(steps), str(delay)])


def _cli(*args):
    code = "import sys; from entropy_law.cli import main; sys.argv = ['entropy-law', *sys.argv[1:]]; main()"
    return [sys.executable, "-c", code, *map(str, args)]


# -- the readers ------------------------------------------------------------------------------


def test_jsonl_tail_keeps_a_partial_last_line_for_the_next_read(tmp_path):
    f = tmp_path / "log.jsonl"
    first = json.dumps({"step": 1, "data": {"actor/entropy": 0.5, "critic/score/mean": 0.1}}) + "\n"
    second = json.dumps({"step": 2, "loss": 0.3, "acc": {"val": 0.2}}) + "\n"
    f.write_text(first + second[:10])
    t = JsonlTail(f)
    assert t.poll() == [(1, {"actor/entropy": 0.5, "critic/score/mean": 0.1})]
    assert t.pending_bytes == 10
    with f.open("a") as fh:
        fh.write(second[10:])
    assert t.poll() == [(2, {"loss": 0.3, "acc/val": 0.2})]
    assert t.poll() == []
    assert t.bytes_read == f.stat().st_size and t.pending_bytes == 0


def test_jsonl_tail_skips_a_complete_bad_line_with_a_warning(tmp_path):
    f = tmp_path / "log.jsonl"
    f.write_text('{"step": 1, "x": 1}\nnot json\n{"step": 3, "x": 3}\n')
    with pytest.warns(Warning, match="not a JSON object"):
        recs = JsonlTail(f).poll()
    assert [s for s, _ in recs] == [1, 3]


def test_tfevents_tail_reads_a_file_cut_anywhere_exactly_once(tmp_path):
    tbx = pytest.importorskip("tensorboardX")
    w = tbx.SummaryWriter(str(tmp_path / "src"))
    rng = np.random.default_rng(1)
    for t in range(200):
        w.add_scalar("a", float(rng.normal()), t)
        if t % 3 == 0:
            w.add_scalar("b", float(t), t)
    w.close()
    src = next((tmp_path / "src").glob("events.out.tfevents.*"))
    data = src.read_bytes()
    ref = read_events(src)
    dst = tmp_path / src.name
    dst.write_bytes(b"")
    t = TfeventsTail(dst)
    got: dict[tuple[int, str], float] = {}
    # append in random chunk sizes, cutting records (headers, payloads, CRCs) anywhere
    cuts = np.sort(rng.choice(np.arange(1, len(data)), size=60, replace=False)).tolist() + [len(data)]
    prev = 0
    for c in cuts:
        with dst.open("ab") as fh:
            fh.write(data[prev:c])
        prev = c
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a partial record must never warn
            for step, vals in t.poll():
                for k, v in vals.items():
                    assert (step, k) not in got
                    got[(step, k)] = v
    want = {(int(s), m): float(v) for s, m, v in zip(ref["step"], ref["metric"], ref["value"])}
    assert got == want
    assert t.bytes_read == len(data) and t.pending_bytes == 0


def test_verl_console_and_trainer_state_tails(tmp_path):
    log = tmp_path / "train.log"
    log.write_text(
        "config dump\n(main_task pid=1) step:1 - actor/entropy:0.500 - critic/score/mean:0.1\nstep:2 - act"
    )
    t = tail_for(log)
    assert isinstance(t, VerlConsoleTail)
    assert t.poll() == [(1, {"actor/entropy": 0.5, "critic/score/mean": 0.1})]
    with log.open("a") as fh:
        fh.write("or/entropy:0.4 - critic/score/mean:np.float64(0.2)\n")
    assert t.poll() == [(2, {"actor/entropy": 0.4, "critic/score/mean": 0.2})]

    st = tmp_path / "trainer_state.json"
    hist = [{"step": 1, "entropy": 0.5, "reward": 0.1}]
    st.write_text(json.dumps({"log_history": hist}))
    t = tail_for(st)
    assert isinstance(t, TrainerStateTail)
    assert t.poll() == [(1, {"entropy": 0.5, "reward": 0.1})]
    assert t.poll() == []  # unchanged: not re-read
    n = t.bytes_read
    hist.append({"step": 2, "entropy": 0.4, "reward": 0.2, "epoch": 0.1})
    time.sleep(0.01)
    st.write_text(json.dumps({"log_history": hist}))
    assert t.poll() == [(2, {"entropy": 0.4, "reward": 0.2, "epoch": 0.1})]
    assert t.bytes_read == n + st.stat().st_size


# -- watch with writers in another process ------------------------------------------------------


@pytest.mark.slow
def test_watcher_reads_each_byte_of_a_growing_file_once(tmp_path):
    target = tmp_path / "run.jsonl"
    target.touch()
    w = Watcher([target], n_boot=20)
    proc = _writer(tmp_path, "jsonl", target, steps=60, delay=0.02)
    records = 0
    while proc.poll() is None:
        records += w.poll()
        time.sleep(0.01)
    records += w.poll()
    assert proc.returncode == 0
    assert records == 60  # every line once, none lost, none twice (lines were written in halves)
    assert w.bytes_read == target.stat().st_size
    run = w.runs["run.jsonl"].live
    assert run.count("critic/score/mean") == 60 and run.count("actor/entropy") == 60
    assert w.forecast() and not w.forecast(), "a second forecast with no new points is skipped"


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["tb", "jsonl"])
def test_watch_exits_1_when_the_flag_rule_fires_while_the_writer_writes(tmp_path, kind):
    if kind == "tb":
        pytest.importorskip("tensorboardX")
    target = tmp_path / ("tb" if kind == "tb" else "run.jsonl")
    (target.mkdir() if kind == "tb" else target.touch())
    # 400 steps at 0.1 s (40 s): the ceiling (~0.55) is confidently below 0.9 long before
    proc = _writer(tmp_path, kind, target, steps=400, delay=0.1)
    try:
        out = subprocess.run(
            _cli(
                "watch",
                target,
                "--every",
                "0.5",
                "--exit-on",
                "flag",
                "--min-ceiling",
                "0.9",
                "--json-lines",
                "--n-boot",
                "20",
                "--timeout",
                "120",
            ),
            capture_output=True,
            text=True,
            timeout=200,
        )
        still_writing = proc.poll() is None
    finally:
        proc.kill()
        proc.wait()
    assert out.returncode == 1, out.stderr
    assert still_writing, "watch should fire while the run is still being written"
    lines = [json.loads(x) for x in out.stdout.splitlines()]
    assert lines and lines[-1]["stop_reason"].startswith("check flag")
    assert all(ln["plateau_high"] < 0.9 for ln in lines if ln["stop_reason"])
    assert "exit-on flag" in out.stderr and "confidently below 0.9" in out.stderr
    steps = [ln["step"] for ln in lines]
    assert steps == sorted(steps)


@pytest.mark.slow
def test_watch_exit_on_plateaued_and_once(tmp_path):
    target = tmp_path / "run.jsonl"
    proc = _writer(tmp_path, "jsonl", target, steps=250, delay=0.0)
    proc.wait()
    # --once on the finished run: the rule that holds fires (exit 1), one that does not: 0
    res = runner.invoke(app, ["watch", str(target), "--once", "--exit-on", "plateaued", "--json-lines"])
    assert res.exit_code == 1, res.output
    doc = json.loads(res.stdout.strip().splitlines()[-1])
    assert doc["verdict"] == "plateaued" and doc["step"] == 250
    res = runner.invoke(app, ["watch", str(target), "--once", "--exit-on", "degrading"])
    assert res.exit_code == 0, res.output
    assert "plateaued" in res.stdout and "run.jsonl" in res.stdout


def test_watch_usage_errors(tmp_path):
    f = tmp_path / "run.jsonl"
    f.write_text('{"step": 1, "entropy": 0.5, "reward": 0.1}\n')
    assert runner.invoke(app, ["watch", str(f), "--once", "--exit-on", "nope"]).exit_code == 2
    res = runner.invoke(app, ["watch", str(f), "--once", "--exit-on", "flag"])
    assert res.exit_code == 2 and "--min-ceiling" in res.output
    res = runner.invoke(app, ["watch", str(tmp_path / "missing.jsonl"), "--once"])
    assert res.exit_code == 2 and "missing.jsonl" in res.output
    res = runner.invoke(app, ["watch", str(f), "--once"])  # one point: nothing to forecast yet
    assert res.exit_code == 0


def test_watch_says_not_claimed_where_the_forecast_claims_no_plateau(corpus_dir):
    """A TRL run whose entropy rebounds (entropy held up): the forecast carries the current
    level forward, so ``watch`` must not print it as a plateau with an interval (it did,
    beside the verdict ``unforecastable``), in plain lines as in the headline."""
    log = corpus_dir / "raw" / "sun_trl_grpo_rho_sweep_gsm8k" / "exp1a__rho0.10_seed42.log"
    runner = CliRunner()
    res = runner.invoke(app, ["watch", str(log), "--once", "--json-lines"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout.strip().splitlines()[-1])
    assert doc["method"] == "last_value" and doc["plateau_claimed"] is False
    plain = runner.invoke(app, ["watch", str(log), "--once"])
    assert "plateau not claimed" in plain.stdout and "plateau 0." not in plain.stdout
