"""``watch`` on W&B offline run folders, Trainer / TRL console logs and checkpoint folders,
with the real writers (the wandb SDK, a running TRL GRPOTrainer) appending in another process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
import warnings

import numpy as np
import pytest
from conftest import REPO

import entropy_law as el
from entropy_law.live.readers import tail_for
from entropy_law.live.tail_console import ConsoleTail
from entropy_law.live.watcher import Watcher

# the wandb SDK in offline mode, as a training job uses it: a run whose entropy collapses; a
# few rows hold 1500 keys (records longer than a 32 KiB block: first/middle/last chunks)
WANDB_WRITER = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    import wandb
    root, steps, delay = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    rng = np.random.default_rng(0)
    run = wandb.init(project="p", dir=root, mode="offline", name="live-demo")
    for t in range(1, steps + 1):
        h = 0.1 + 0.5 * np.exp(-t / 60) + rng.normal(0, 0.005)
        row = {"actor/entropy": h, "critic/score/mean": -0.5 * np.exp(h) + 1.1 + rng.normal(0, 0.01)}
        row.update({f"extra/k{i}": float(rng.normal()) for i in range(20 if t % 50 else 1500)})
        wandb.log(row, step=t)
        time.sleep(delay)
    run.finish()
    """
)


def _need_wandb():
    pytest.importorskip("wandb.proto.wandb_internal_pb2", reason="the wandb extra reads .wandb files")


def _points(recs):
    got: dict[tuple[int, str], float] = {}
    for step, vals in recs:
        for k, v in vals.items():
            assert (step, k) not in got, f"({step}, {k}) read twice"
            got[(step, k)] = v
    return got


@pytest.mark.slow
def test_watch_follows_a_wandb_offline_run_while_the_sdk_writes_it(tmp_path):
    _need_wandb()
    script = tmp_path / "writer.py"
    script.write_text(WANDB_WRITER)
    steps = 300
    env = {**os.environ, "WANDB_SILENT": "true", "WANDB_MODE": "offline"}
    proc = subprocess.Popen([sys.executable, str(script), str(tmp_path), str(steps), "0.01"], env=env)
    w = Watcher([tmp_path], n_boot=20)
    recs, seen_live = 0, 0
    try:
        while proc.poll() is None:
            recs += w.poll()
            seen_live = recs
            time.sleep(0.05)
    finally:
        proc.wait(timeout=120)
    recs += w.poll()
    assert proc.returncode == 0
    assert seen_live > 0, "watch should read rows while the SDK is still writing"
    (folder,) = (tmp_path / "wandb").glob("offline-run-*")
    (binary,) = folder.glob("run-*.wandb")
    tail = w.tails[binary]
    assert recs == steps and tail.bytes_read == binary.stat().st_size  # every byte once
    assert folder / "files" / "output.log" not in w.tails, "the console log is shadowed by the history"
    name = str(folder.relative_to(tmp_path))  # runs are named by their path under the watched folder
    run = w.runs[name].live
    assert run.count("actor/entropy") == steps and run.count("extra/k1499") == steps // 50
    assert w.forecast()[name].result.settings.reward == "critic/score/mean"

    # the same points as the loader of finished runs, read in one go
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = el.load(folder)
    want = {(int(s), m): float(v) for s, m, v in zip(ref["step"], ref["metric"], ref["value"])}

    # and the same again when the file grows in random pieces that cut chunks anywhere
    data = binary.read_bytes()
    dst = tmp_path / "copy" / binary.name
    dst.parent.mkdir()
    dst.write_bytes(b"")
    t = tail_for(dst)
    rng = np.random.default_rng(3)
    cuts = np.sort(rng.choice(np.arange(1, len(data)), size=80, replace=False)).tolist() + [len(data)]
    got: list = []
    prev = 0
    for c in cuts:
        with dst.open("ab") as fh:
            fh.write(data[prev:c])
        prev = c
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a partial chunk must never warn
            got += t.poll()
    assert _points(got) == want
    assert t.bytes_read == len(data) and t.pending_bytes == 0


@pytest.mark.slow
def test_wandb_tail_skips_a_damaged_block_and_keeps_the_rest(tmp_path):
    _need_wandb()
    from entropy_law.live.tail_wandb import WandbTail
    from entropy_law.loaders.wandb_run import BLOCK

    script = tmp_path / "writer.py"
    script.write_text(WANDB_WRITER)
    env = {**os.environ, "WANDB_SILENT": "true", "WANDB_MODE": "offline"}
    subprocess.run([sys.executable, str(script), str(tmp_path), "120", "0"], env=env, check=True)
    (src,) = (tmp_path / "wandb").glob("offline-run-*/run-*.wandb")
    data = bytearray(src.read_bytes())
    assert len(data) > 3 * BLOCK
    clean = _points(WandbTail(src).poll())
    data[BLOCK + 100] ^= 0xFF  # damage a byte in block 1
    bad = tmp_path / "bad" / src.name
    bad.parent.mkdir()
    bad.write_bytes(bytes(data))
    with pytest.warns(Warning, match="damaged record at byte offset"):
        got = _points(WandbTail(bad).poll())
    lost = set(clean) - set(got)
    assert lost and set(got) <= set(clean)
    assert {s for s, _ in lost} < {s for s, _ in clean}, "only the rows of the damaged block are lost"


def test_console_tail_trainer_dicts_steps_from_the_progress_bar(tmp_path):
    f = tmp_path / "train.log"
    bar = "\r{p}%|##  | {n}/40 [00:01<00:03, 9.5it/s]"
    text = "***** Running training *****\n  Total optimization steps = 40\n" + bar.format(p=0, n=0)
    f.write_text(text)
    t = ConsoleTail(f)
    assert t.poll() == []
    with f.open("a") as fh:  # tqdm.write: clear, the dict on stdout, the bar redrawn at its count
        fh.write(bar.format(p=10, n=4) + "\r" + " " * 20 + "\r")
        fh.write("{'loss': 0.1, 'entropy': 0.5, 'reward': np.float64(0.25), 'epoch': 0.1}\n")
    assert t.poll() == [] and t.rule == "tqdm", "the dict waits for its redraw"
    with f.open("a") as fh:
        fh.write(bar.format(p=10, n=4) + bar.format(p=20, n=8) + "\r")
        fh.write("{'loss': 0.2, 'entropy': 0.4, 'reward': 0.5, 'epoch': 0.2}\n{'eval_reward': 0.3, 'epoc")
    assert t.poll() == [(4, {"loss": 0.1, "entropy": 0.5, "reward": 0.25, "epoch": 0.1})]
    with f.open("a") as fh:
        fh.write("h': 0.2}\n" + bar.format(p=20, n=8) + "\r")
    assert t.poll() == [
        (8, {"loss": 0.2, "entropy": 0.4, "reward": 0.5, "epoch": 0.2}),
        (8, {"eval_reward": 0.3}),
    ]
    with f.open("a") as fh:  # the bar is not drawn at every step (mininterval): 10 then the redraw at 12
        fh.write(bar.format(p=25, n=10) + "\r" + " " * 20 + "\r")
        fh.write("{'loss': 0.3, 'entropy': 0.3, 'epoch': 0.3}\n" + bar.format(p=30, n=12) + "\r")
    assert t.poll() == [(12, {"loss": 0.3, "entropy": 0.3, "epoch": 0.3})]
    assert t.bytes_read == f.stat().st_size and t.pending_bytes == 0

    g = tmp_path / "stdout.log"  # stdout alone: logging_steps from the printed arguments
    g.write_text(
        "logging_steps=5,\n{'loss': 0.1, 'entropy': 0.5, 'epoch': 0.1}\n{'loss': 0.2, 'epoch': 0.2}\n"
    )
    t = tail_for(g)
    assert [s for s, _ in t.poll()] == [5, 10] and t.rule == "logging_steps"
    h = tmp_path / "bare.log"
    h.write_text("{'loss': 0.1, 'entropy': 0.5, 'epoch': 0.1}\n")
    with pytest.warns(Warning, match="numbering the dicts"):
        assert [s for s, _ in tail_for(h).poll()] == [1]


TRL_JOB = textwrap.dedent(
    """
    import sys, warnings
    sys.path.insert(0, sys.argv[3])
    import tiny_grpo
    warnings.simplefilter("ignore")
    out, steps = sys.argv[1], int(sys.argv[2])
    tr = tiny_grpo.trainer(out, max_steps=steps, report_to=("wandb",), console=True,
                           save_strategy="steps", save_steps=10, sft_steps=20,
                           prompts_per_step=4)
    tr.train()
    tr.state.save_to_json(out + "/final_state.json")
    """
)


@pytest.mark.slow
def test_watch_follows_a_running_trl_job_console_wandb_and_checkpoints(tmp_path):
    from test_trl_callback import _need_trl

    _need_trl()
    _need_wandb()
    steps = 20
    out, log = tmp_path / "out", tmp_path / "console.log"
    script = tmp_path / "job.py"
    script.write_text(TRL_JOB)
    env = {
        **os.environ,
        "WANDB_DISABLED": "false",
        "WANDB_MODE": "offline",
        "WANDB_SILENT": "true",
        "WANDB_DIR": str(tmp_path),
        "WANDB_PROJECT": "p",
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    out.mkdir()
    (tmp_path / "wandb").mkdir()  # where the job's WandbCallback will write its run folder
    with log.open("wb") as fh:  # stdout and stderr in one file, unbuffered, as `2>&1 | tee` keeps them
        proc = subprocess.Popen(
            [sys.executable, "-u", str(script), str(out), str(steps), str(REPO / "tests")],
            stdout=fh,
            stderr=subprocess.STDOUT,
            env=env,
        )
        w = Watcher([log, out, tmp_path / "wandb"], n_boot=20)
        try:
            while proc.poll() is None:
                w.poll()
                time.sleep(0.1)
        finally:
            proc.wait(timeout=300)
    w.poll()
    assert proc.returncode == 0, log.read_text()[-3000:]
    hist = json.loads((out / "final_state.json").read_text())["log_history"]
    want = {r["step"]: r["entropy"] for r in hist if "entropy" in r}
    assert sorted(want) == list(range(1, steps + 1))

    # the console log: every byte once, every dict at its trainer step (from the progress bar)
    console = w.runs["console.log"].live
    assert w.tails[log].bytes_read == log.stat().st_size
    assert w.tails[log].rule == "tqdm"
    s = console.series()
    assert s is not None and s.e_step.tolist() == list(range(1, steps + 1))
    # transformers prints floats as f"{v:.4g}": 4 significant digits, a relative error < 5e-4
    np.testing.assert_allclose(s.e_val, [want[k] for k in s.e_step.tolist()], rtol=5e-4)

    # the checkpoints: one run named by the output folder, each step once
    ckpt = w.runs["out"].live
    assert ckpt.count("entropy") == steps  # checkpoints at 10 and 20

    # the W&B run folder written by transformers' WandbCallback: steps are train/global_step
    (folder,) = (tmp_path / "wandb").glob("offline-run-*")
    wb = w.runs[str(folder.relative_to(tmp_path / "wandb"))].live
    assert wb.count("train/entropy") == steps
    s = wb.series()
    assert s is not None and s.e_step.tolist() == list(range(1, steps + 1))
    np.testing.assert_allclose(s.e_val, [want[k] for k in s.e_step.tolist()], rtol=1e-12)


def test_console_tail_reads_real_trl_logs_like_the_loader(corpus_dir, tmp_path):
    # public TRL console captures (../shared/corpus/raw; SOURCES.md): the tail, fed the file in
    # random pieces as if it were being written, finds the loader's steps and values
    logs = [corpus_dir / "raw" / "juncylu_trl_grpo_qwen2.5vl3b_aokvqa" / "run_terminal.md"]
    logs += sorted((corpus_dir / "raw" / "sun_trl_grpo_rho_sweep_gsm8k").glob("*.log"))[:3]
    rng = np.random.default_rng(5)
    for src in logs:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = el.load(src)
        want = {(int(s), m): v for s, m, v in zip(ref["step"], ref["metric"], ref["value"])}
        data = src.read_bytes()
        dst = tmp_path / src.name
        dst.write_bytes(b"")
        t = ConsoleTail(dst)
        got: list = []
        cuts = np.sort(rng.choice(np.arange(1, len(data)), size=40, replace=False)).tolist() + [len(data)]
        prev = 0
        for c in cuts:
            with dst.open("ab") as fh:
                fh.write(data[prev:c])
            prev = c
            got += t.poll()
        assert t.rule == "tqdm", src.name
        assert _points(got) == want, src.name
        assert t.bytes_read == len(data)
