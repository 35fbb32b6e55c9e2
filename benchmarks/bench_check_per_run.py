"""Per-run in-process cost of ``check`` (forecast + judge, loading excluded) on the first runs
of the ``bench_check.py`` fleet, for this source tree or another (argument 1, e.g. the main
checkout; empty for this one). Run both alternately on a loaded machine and compare:

    python benchmarks/bench_check_per_run.py "" 40 ; python benchmarks/bench_check_per_run.py /work/main 40
"""

import json
import statistics
import sys
import time
import warnings
from pathlib import Path

# this source tree by default: run as a script, sys.path[0] is benchmarks/, and the
# installed package (an editable install of another checkout) would win otherwise
sys.path.insert(0, sys.argv[1] or str(Path(__file__).resolve().parents[1]))

import entropy_law as el
from entropy_law.checking.result import CheckSettings
from entropy_law.checking.runner import _check_table

warnings.simplefilter("ignore")
files = sorted(Path("/tmp/entropy-law-bench-check/n1000-steps300").glob("*.csv"))[: int(sys.argv[2])]
tables = [el.load(f) for f in files]
st = CheckSettings(min_ceiling=0.5)
_check_table(tables[0], st, None)
ts = []
verdicts = []
for t in tables:
    t0 = time.perf_counter()
    r = _check_table(t, st, None)
    ts.append(time.perf_counter() - t0)
    verdicts.append(r[0].status)
print(
    json.dumps(
        {
            "median": statistics.median(ts),
            "mean": sum(ts) / len(ts),
            "verdicts": verdicts,
            "file": el.__file__,
        }
    )
)
