"""Execute the notebooks in ``notebooks/`` and check that their outputs hold what the text claims.

Each notebook asserts its own claims in code cells (a failing ``assert`` fails the
execution, and so this test); here we also check that the key numbers and phrases were
printed, within the ranges the markdown states, and that the plots were drawn. The
notebooks are stored without outputs and run with the working directory ``notebooks/``.

The kernel is the interpreter running pytest: a ``python3`` kernelspec pointing at
``sys.executable`` is written to a temporary directory put first on ``JUPYTER_PATH``, so a
fresh ``pip install -e ".[test]"`` (nbclient, nbformat, ipykernel) needs no
``ipykernel install`` and a ``python3`` kernel of another environment is never picked up.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
CELL_TIMEOUT = 300  # seconds per cell


@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory):
    """A ``python3`` kernelspec for this interpreter, first on JUPYTER_PATH."""
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3 (entropy-law tests)",
                "language": "python",
            }
        )
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", str(root))
        mp.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
        yield


def execute(name: str) -> tuple[str, int, object]:
    """Run notebook *name*; return (all text output, number of PNG images, notebook)."""
    path = NOTEBOOKS / name
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
        f"{name} is stored with outputs; clear them before committing"
    )
    client = nbclient.NotebookClient(
        nb, timeout=CELL_TIMEOUT, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    client.execute()
    texts, images = [], 0
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stdout":
                texts.append(out["text"])
            data = out.get("data", {})
            images += "image/png" in data
            if "text/plain" in data:
                texts.append(data["text/plain"])
    return "\n".join(texts), images, nb


def number(pattern: str, text: str, group: int = 1) -> float:
    m = re.search(pattern, text)
    assert m, f"output does not contain {pattern!r}"
    return float(m.group(group))


@pytest.mark.slow
def test_quickstart(kernel_env):
    text, images, _ = execute("01_quickstart.ipynb")
    assert "entropy metric: actor/entropy" in text
    assert "performance metric: val-core/synthetic/acc/mean@1" in text
    assert "aligned points: 12, steps 10-120" in text  # step 0 dropped (no entropy before it)
    m = re.search(r"hard ceiling b - a = (\S+)\s+95% interval \[(\S+), (\S+)\]", text)
    assert m, "the hard ceiling line is missing"
    value, lo, hi = map(float, m.groups())
    assert lo < value < hi
    planted = number(r"teacher accuracy \(upper bound\) = (\S+);", text)
    assert value < planted  # the learner cannot beat the teacher
    c = number(r"forecast ceiling = (\S+)\s+90% interval", text)
    assert c > number(r"last value = (\S+)", text)  # "has not plateaued yet"
    assert "status = ok, method = combined" in text
    assert number(r"saturation step = (\S+) \(last logged step 120\)", text) > 120
    assert images >= 2  # the law fit and the forecast


@pytest.mark.slow
def test_forecasting_a_live_run(kernel_env):
    text, images, _ = execute("02_forecasting_a_live_run.ipynb")
    assert "live slice: steps up to 75" in text
    assert "only 7 points" in text  # "with seven evaluations" (forecast warning)
    m = re.search(r"forecast at step 300 = (\S+)\s+90% interval \[(\S+), (\S+)\]", text)
    assert m, "the horizon forecast line is missing"
    value, lo, hi = map(float, m.groups())
    realised = number(r"realised \(mean of the last 10%\) = (\S+)", text)
    assert lo <= realised <= hi  # "the interval covers what happened"
    err_ours = number(r"error: forecast (\S+), last value", text)
    err_last = number(r"error: forecast \S+, last value (\S+)", text)
    assert abs(err_ours) < abs(err_last)
    # backtest summary, one line per cut, as the markdown reads it
    assert re.search(r"cut 0\.10: .* -> best: last value; covered: True", text)  # too_early: the level, a tie
    assert re.search(r"cut 0\.25: .* -> best: ours; covered: True", text)
    assert re.search(r"cut 0\.50: .* -> best: sigmoid; covered: True", text)
    assert "evaluations after step 0 in the 10% slice: 3" in text
    assert images >= 1  # forecast with the later evaluations


@pytest.mark.slow
def test_interventions(kernel_env):
    text, images, _ = execute("03_interventions.ipynb")
    assert "entropy floor: lifted" in text
    assert "law ceiling: lowered" in text
    assert re.search(r"^ceiling: lowered", text, re.M)  # the reported ceiling is the law's
    shift = number(r"explained by the higher floor: (\S+)", text)
    measured = number(r"measured difference of the law ceilings: (\S+)", text)
    assert shift < 0 and measured < 0 and 0.5 < shift / measured <= 1.0  # "most of it"
    base = number(r"realised final accuracy: baseline (\S+),", text)
    bonus = number(r"realised final accuracy: baseline \S+, bonus (\S+)", text)
    assert bonus < base
    # the covariance identity: the exact entropy change and -eta*Cov agree to 2%
    for label in ("likely actions win", "rare actions win"):
        m = re.search(label + r"\s+dH = (\S+)\s+-eta\*Cov\(log pi, A\) = (\S+)", text)
        assert m, f"covariance line {label!r} missing"
        dh, pred = map(float, m.groups())
        assert dh == pytest.approx(pred, rel=0.02)
    assert re.search(
        r"live pair, entropy floor: (lifted|no detectable change); "
        r"ceiling: no detectable change",
        text,
    )
    m = re.search(r"floor difference ([+-][\d.]+) nats", text)
    assert m and float(m.group(1)) > 0.05  # the text: "about +0.13 nats" above baseline
    assert images >= 1  # the comparison plot


@pytest.mark.slow
def test_entropy_collapse_predicts_saturation(kernel_env, real_runs_dir):
    text, images, _ = execute("04_why_entropy_collapse_predicts_saturation.ipynb")
    assert number(r"median \|law ceiling - A\| over \d+ runs: (\S+)", text) < 0.02
    m = re.search(r"intervals overlap on (\d+) of (\d+) runs", text)
    assert m and m.group(1) == m.group(2)
    m = re.search(r"saturation steps within a factor of 2 on (\d+) of (\d+) runs", text)
    assert m and int(m.group(1)) >= int(m.group(2)) - 2
    assert "differ: gemma-2-2b SFT+PPO" in text
    assert "qwen2-7b DAPO: status entropy_controlled" in text
    assert images >= 1  # ceilings and saturation steps
