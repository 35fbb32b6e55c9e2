"""``check`` on any ``concurrent.futures.Executor`` and on a real Dask cluster."""

from __future__ import annotations

import contextlib
import json
import time
import warnings
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
from typer.testing import CliRunner

import entropy_law as el
from entropy_law.checking.result import CheckSettings
from entropy_law.checking.runner import _units, stream_units
from entropy_law.cli import app

N_BOOT = 40  # verdicts are compared run by run with the same seed, so few resamples suffice


def _csv(name: str, folder: Path, **kw) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = el.simulate(run=name, **kw)
    el.to_wide(t).droplevel("run").reset_index().to_csv(folder / f"{name}.csv", index=False)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("fleet")
    _csv("top", d, seed=1, n_steps=80, hard_fraction=0.05)
    _csv("mid", d, seed=1, n_steps=80)
    _csv("low", d, seed=2, n_steps=80, hard_fraction=0.75)
    _csv("bonus", d, seed=4, n_steps=80, entropy_coef=0.05)
    (d / "broken.csv").write_text("this,is\nnot,a log\n")
    return d


def _verdicts(result) -> dict[str, tuple]:
    return {r.run: (r.status, tuple((x.outcome, x.ci) for x in r.reasons), r.source) for r in result.runs}


class _Counting(ThreadPoolExecutor):
    """A thread pool that records the largest number of futures outstanding at once."""

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.outstanding = self.peak = 0

    def submit(self, fn, /, *args, **kwargs) -> Future:
        self.outstanding += 1
        self.peak = max(self.peak, self.outstanding)
        f = super().submit(fn, *args, **kwargs)
        f.add_done_callback(lambda _: setattr(self, "outstanding", self.outstanding - 1))
        return f


def test_any_executor_gives_the_serial_verdicts_with_bounded_in_flight(fleet):
    st = CheckSettings(min_ceiling=0.5, n_boot=N_BOOT)
    serial = el.check(fleet, settings=st, jobs=1)
    with _Counting(max_workers=2) as ex:
        pooled = el.check(fleet, settings=st, executor=ex)
    assert _verdicts(pooled) == _verdicts(serial)
    assert {r.status for r in serial.runs} >= {"pass", "flag", "error"}  # a non-trivial fleet
    # bounded streaming: never more than max_in_flight units submitted and not collected
    units = _units([fleet])
    with _Counting(max_workers=2) as ex:
        got = list(stream_units(ex, units, st, max_in_flight=2))
    assert ex.peak <= 2 and len(got) == len(units)


def test_a_failing_executor_makes_error_runs_not_an_abort(fleet):
    class Broken(ThreadPoolExecutor):
        def submit(self, fn, /, *args, **kwargs):
            f: Future = Future()
            f.set_exception(RuntimeError("worker lost"))
            return f

    with Broken() as ex:
        res = el.check(fleet, min_ceiling=0.5, n_boot=N_BOOT, executor=ex)
    assert {r.status for r in res.runs} == {"error"}
    assert all("worker lost" in r.message for r in res.runs)
    assert res.exit_code == 1


def test_dask_flag_without_a_scheduler_is_a_usage_error(fleet):
    # the wait is Dask's connect timeout, read from its configuration (30 s by default,
    # which this test spent doing nothing): 2 s here
    try:
        import dask
        import distributed  # noqa: F401  (registers its config first: a set() of a key not
        # yet there is undone by deleting all of "distributed", defaults included)

        short = dask.config.set({"distributed.comm.timeouts.connect": "2s"})
    except ImportError:  # without dask the flag is refused at once ("needs ... [dask]")
        short = contextlib.nullcontext()
    t0 = time.monotonic()
    with short:
        res = CliRunner().invoke(
            app, ["check", str(fleet), "--min-ceiling", "0.5", "--dask", "tcp://127.0.0.1:1", "--no-progress"]
        )
    assert res.exit_code == 2, res.output
    assert "--dask tcp://127.0.0.1:1" in res.stderr
    assert time.monotonic() - t0 < 25, "the configured connect timeout was not used"


@pytest.mark.slow
def test_dask_local_cluster_gives_the_local_pool_verdicts(fleet, monkeypatch):
    distributed = pytest.importorskip("distributed")  # in the test extra; skipped only without it
    st = CheckSettings(min_ceiling=0.5, n_boot=N_BOOT)
    local = el.check(fleet, settings=st, jobs=2)
    monkeypatch.chdir(fleet.parent)  # relative paths: the workers get them made absolute
    rel = Path(fleet.name)
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        with distributed.Client(cluster) as client:
            on_dask = el.check(rel, settings=st, executor=client.get_executor())
        res = CliRunner().invoke(
            app,
            [
                "check",
                str(rel),
                "--min-ceiling",
                "0.5",
                "--n-boot",
                str(N_BOOT),
                "--format",
                "json",
                "--no-progress",
                "--dask",
                cluster.scheduler_address,
            ],
        )
    key = {r: (s, reasons) for r, (s, reasons, _) in _verdicts(local).items()}
    assert {r: (s, reasons) for r, (s, reasons, _) in _verdicts(on_dask).items()} == key
    assert {r.source for r in on_dask.runs} == {str(rel / f"{r.run}.csv") for r in on_dask.runs}
    assert res.exit_code == 1, res.output  # a flagged run and the broken file
    doc = json.loads(res.stdout)
    assert {r["run"]: r["status"] for r in doc["runs"]} == {r: s for r, (s, _) in key.items()}
