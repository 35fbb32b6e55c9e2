"""One rank of a 2-process GRPOTrainer run with EntropyLawCallback (tests/test_trl_multiprocess.py).

Launched as ``python -m torch.distributed.run --nproc_per_node 2 tests/mp_grpo.py OUT MAX_STEPS``:
torch.distributed on CPU (gloo), the tiny GRPOTrainer of ``tests/tiny_grpo.py`` with a stop
rule that fires at the first confident forecast. Each rank writes ``OUT/rank<R>.json``: what
its callback saw and did, and the step at which its training loop ended.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tiny_grpo  # sets the offline environment first


def main() -> None:
    out, max_steps = Path(sys.argv[1]), int(sys.argv[2])
    from entropy_law.integrations.trl import EntropyLawCallback

    # partial reward lies in [0, 1]: a ceiling of 1.01 is out of reach, so check's flag rule
    # fires at the first forecast whose interval may be acted on
    rank = int(os.environ["RANK"])
    status = out / f"status{rank}.json"  # one path per rank: the test sees who wrote one
    cb = EntropyLawCallback(every=5, max_overhead=None, min_ceiling=1.01, status_file=status)
    tr = tiny_grpo.trainer(
        out / "run", max_steps=max_steps, callbacks=[cb], report_to=(), prompts_per_step=4, sft_steps=30
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tr.train()
    import torch.distributed as dist

    doc = {
        "rank": rank,
        "world_size": dist.get_world_size() if dist.is_initialized() else 1,
        "backend": dist.get_backend() if dist.is_initialized() else None,
        "is_world_process_zero": tr.state.is_world_process_zero,
        "global_step": tr.state.global_step,
        "forecasts": len(cb.forecasts),
        "forecast_steps": cb.forecast_steps,
        "stop_reason": cb.stop_reason,
        "forecast_records": [r["step"] for r in tr.state.log_history if "entropy_law/plateau" in r],
        "reward_steps": [r["step"] for r in tr.state.log_history if "reward" in r],
    }
    (out / f"rank{rank}.json").write_text(json.dumps(doc))


if __name__ == "__main__":
    main()
