"""EntropyLawCallback in a real 2-process GRPOTrainer run (torch.distributed, gloo, on CPU).

``torchrun --nproc_per_node 2 tests/mp_grpo.py``: both ranks train the tiny GRPOTrainer of
``tests/tiny_grpo.py``; the callback's stop rule fires at the first confident forecast. Only
rank 0 may forecast, log the forecast and write its status file, and both ranks must stop at
the same step (rank 1 learns of the decision from rank 0's broadcast; without it rank 1 would
train on alone and hang in the next collective).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import REPO
from test_trl_callback import _need_trl


@pytest.mark.slow
def test_only_rank_0_forecasts_and_every_rank_stops_at_its_step(tmp_path):
    _need_trl()
    max_steps = 60
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
    cmd += [str(REPO / "tests" / "mp_grpo.py"), str(tmp_path), str(max_steps)]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=240)
    assert out.returncode == 0, out.stderr[-3000:]
    r0, r1 = (json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1))
    assert r0["world_size"] == r1["world_size"] == 2 and r0["backend"] == "gloo"
    assert r0["is_world_process_zero"] and not r1["is_world_process_zero"]

    # rank 0 forecasts every 5 logged rewards until the rule fires, logs each forecast, writes status
    assert r0["forecasts"] >= 1 and r0["forecast_steps"] == list(range(5, 5 * r0["forecasts"] + 1, 5))
    assert r0["forecast_records"] == r0["forecast_steps"]
    assert r0["stop_reason"] is not None and r0["stop_reason"].startswith("check flag")
    doc = json.loads((tmp_path / "status0.json").read_text())
    assert doc["stop"] is True and doc["global_step"] == r0["forecast_steps"][-1]
    # rank 1 collects nothing, forecasts nothing, writes nothing
    assert r1["forecasts"] == 0 and r1["forecast_records"] == [] and r1["stop_reason"] is None
    assert not (tmp_path / "status1.json").exists()

    # both stop at the step of rank 0's stopping forecast, long before max_steps
    stop = r0["forecast_steps"][-1]
    assert r0["global_step"] == r1["global_step"] == stop < max_steps
    assert r0["reward_steps"] == r1["reward_steps"] == list(range(1, stop + 1))
