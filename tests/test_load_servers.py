"""Runs on servers: a real ``mlflow server`` on 127.0.0.1, and W&B through a fake ``wandb.Api``.

No W&B server can run here, so the W&B path is tested against a fake object with the
public API's shape (``Api.run(path)``, ``Api.runs(path)``, ``Run.scan_history()``); what
this does and does not exercise is written in docs/formats.md.
"""

from __future__ import annotations

import json
import math
import socket
import subprocess
import sys
import time
import urllib.request

import numpy as np
import pytest
from typer.testing import CliRunner

import entropy_law as el
from entropy_law.cli import app
from entropy_law.errors import LoadError
from entropy_law.loaders import wandb_api
from entropy_law.loaders.mlflow_server import parse_mlflow
from entropy_law.loaders.wandb_api import parse_wandb


# -- W&B ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "uri, expected",
    [
        ("wandb://ent/proj/abc123", ("ent", "proj", "abc123", None)),
        ("wandb://ent/proj", ("ent", "proj", None, None)),
        ("https://wandb.ai/ent/proj/runs/abc123", ("ent", "proj", "abc123", None)),
        ("https:/wandb.ai/ent/proj/runs/abc123", ("ent", "proj", "abc123", None)),  # slash eaten by Path
        ("https://wandb.ai/ent/proj/runs/abc123/overview?nw=x", ("ent", "proj", "abc123", None)),
        ("https://wb.example.org/ent/proj/runs/r1", ("ent", "proj", "r1", "https://wb.example.org")),
    ],
)
def test_wandb_addresses_parse(uri, expected):
    d = parse_wandb(uri)
    assert (d["entity"], d["project"], d["run"], d["base_url"]) == expected


def test_not_wandb_addresses():
    assert parse_wandb("https://example.org/some/file.csv") is None
    assert parse_wandb("runs/abc123") is None


class _FakeRun:
    def __init__(self, rid, name, rows):
        self.id, self.name, self.project, self.state = rid, name, "proj", "finished"
        self.url, self.config = f"https://wandb.ai/ent/proj/runs/{rid}", {"lr": 3e-4}
        self._rows = rows

    def scan_history(self):
        return iter(self._rows)


class _FakeApi:
    def __init__(self, runs):
        self._runs = {r.id: r for r in runs}
        self.calls = []

    def run(self, path):
        self.calls.append(("run", path))
        rid = path.split("/")[-1]
        if rid not in self._runs:
            raise ValueError(f"Could not find run {path}")
        return self._runs[rid]

    def runs(self, path):
        self.calls.append(("runs", path))
        return list(self._runs.values())


def _hf_rows(rng, n=30):
    """W&B rows as the HF WandbCallback logs them: no step=, train/global_step in each row."""
    rows, call = [], 0
    for s in range(1, n + 1):
        h = 0.2 + 0.8 * math.exp(-s / 10)
        rows.append(
            {
                "_step": call,
                "_runtime": 2.0 * s,
                "_timestamp": 1.7e9 + 2 * s,
                "train/global_step": s,
                "train/entropy": h,
                "train/reward": 1.7 - 0.7 * math.exp(h) + float(rng.normal(0, 0.01)),
                "train/completions": "text is skipped",
                "train/flag": True,
            }
        )
        call += 1
        if s % 5 == 0:
            rows.append(
                {"_step": call, "_timestamp": 1.7e9 + 2 * s, "train/global_step": s, "eval/reward": s / 40}
            )
            call += 1
    return rows


@pytest.fixture
def fake_wandb(monkeypatch):
    rng = np.random.default_rng(8)
    rows = _hf_rows(rng)
    api = _FakeApi([_FakeRun("abc123", "grpo-lr3e-4", rows)])
    seen = []
    monkeypatch.setattr(wandb_api, "make_api", lambda base_url=None: seen.append(base_url) or api)
    return api, rows, seen


def test_wandb_url_reads_full_history_on_train_global_step(fake_wandb):
    api, rows, seen = fake_wandb
    t = el.load("https://wandb.ai/ent/proj/runs/abc123")
    assert api.calls == [("run", "ent/proj/abc123")] and seen == [None]
    assert t["run"].unique().tolist() == ["proj/grpo-lr3e-4"]
    ent = t[t.metric == "train/entropy"]
    assert ent["step"].tolist() == list(range(1, 31))
    assert ent["value"].tolist() == [r["train/entropy"] for r in rows if "train/entropy" in r]
    ev = t[t.metric == "eval/reward"]
    assert ev["step"].tolist() == [5, 10, 15, 20, 25, 30] and ev["value"].tolist() == [
        s / 40 for s in range(5, 31, 5)
    ]
    assert "_runtime" in set(t.metric) and "train/completions" not in set(t.metric)
    meta = t.attrs["run_meta"]["proj/grpo-lr3e-4"]
    assert meta["step_key"] == "train/global_step" and meta["wandb_config"] == {"lr": 3e-4}
    # --step _step gives W&B's call counter instead
    t2 = el.load("wandb://ent/proj/abc123", step="_step")
    assert t2[t2.metric == "eval/reward"]["step"].tolist()[0] == 5


def test_wandb_url_through_the_cli_keeps_its_slashes(fake_wandb):
    res = CliRunner().invoke(app, ["inspect", "https://wandb.ai/ent/proj/runs/abc123", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["runs"][0]["entropy"] == "train/entropy" and doc["runs"][0]["reward"] == "eval/reward"


def test_wandb_missing_run_is_a_load_error(fake_wandb):
    with pytest.raises(LoadError, match="could not find or read it"):
        el.load("wandb://ent/proj/nope")


def test_no_sdk_imported_or_network_used_by_local_loads(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text("step,actor/entropy,critic/score/mean\n1,0.5,0.1\n2,0.4,0.2\n")
    code = (
        "import sys, socket\n"
        "def no(*a, **k): raise AssertionError('network used')\n"
        "socket.socket.connect = no\n"
        "import entropy_law as el\n"
        f"el.load({str(p)!r})\n"
        "bad = [m for m in ('wandb', 'mlflow') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


# -- MLflow server ----------------------------------------------------------------------------
def test_mlflow_addresses_parse():
    d = parse_mlflow("mlflow+http://127.0.0.1:5000/grpo%2Fsweep/run-a")
    assert d == {"tracking_uri": "http://127.0.0.1:5000", "parts": ["grpo/sweep", "run-a"]}
    assert parse_mlflow("mlflow+http:/h:1/exp") == {"tracking_uri": "http://h:1", "parts": ["exp"]}
    assert parse_mlflow("http://h:1/exp") is None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def mlflow_server(tmp_path):
    pytest.importorskip("flask")  # the full mlflow package (test extra) brings the server
    port = _free_port()
    store = tmp_path / "store"
    cmd = [
        sys.executable,
        "-m",
        "mlflow",
        "server",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--backend-store-uri",
        f"sqlite:///{store}.db",
        "--default-artifact-root",
        str(tmp_path / "art"),
        "--workers",
        "1",
    ]
    log = open(tmp_path / "server.log", "w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300  # the server imports for ~1-2 min on a busy 2-core box
        while True:
            try:
                with urllib.request.urlopen(url + "/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "mlflow server did not start: " + (tmp_path / "server.log").read_text()[-2000:]
                )
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.mark.slow
def test_mlflow_server_round_trip_exact(mlflow_server):
    from mlflow import MlflowClient

    rng = np.random.default_rng(12)
    client = MlflowClient(tracking_uri=mlflow_server)
    exp = client.create_experiment("grpo/sweep")
    logged = {}
    for name in ("lr1e-4", "lr3e-4"):
        run = client.create_run(exp, run_name=name)
        h = rng.uniform(0.1, 1.0, 25)
        acc = rng.uniform(0, 1, 5)
        for s in range(25):
            client.log_metric(
                run.info.run_id, "actor/entropy", float(h[s]), step=s + 1, timestamp=1000 * (s + 1)
            )
        for j in range(5):
            client.log_metric(
                run.info.run_id, "val-core/openai/gsm8k/reward/mean_at_1", float(acc[j]), step=5 * (j + 1)
            )
        client.log_param(run.info.run_id, "lr", name[2:])
        client.set_terminated(run.info.run_id)
        logged[name] = (h, acc)
    base = mlflow_server.replace("http://", "mlflow+http://")
    t = el.load(f"{base}/grpo%2Fsweep")
    assert sorted(t["run"].unique()) == ["grpo/sweep/lr1e-4", "grpo/sweep/lr3e-4"]
    for name, (h, acc) in logged.items():
        sub = t[t.run == f"grpo/sweep/{name}"]
        e = sub[sub.metric == "actor/entropy"]
        assert e["step"].tolist() == list(range(1, 26)) and e["value"].tolist() == h.tolist()
        assert e["wall_time"].tolist() == [float(s) for s in range(1, 26)]
        v = sub[sub.metric == "val-core/openai/gsm8k/reward/mean_at_1"]
        assert v["step"].tolist() == [5, 10, 15, 20, 25] and v["value"].tolist() == acc.tolist()
        assert t.attrs["run_meta"][f"grpo/sweep/{name}"]["params"] == {"lr": name[2:]}
    one = el.load(f"{base}/grpo%2Fsweep/lr3e-4")
    assert one["run"].unique().tolist() == ["grpo/sweep/lr3e-4"]
    with pytest.raises(LoadError, match="no experiment named"):
        el.load(f"{base}/nope")
