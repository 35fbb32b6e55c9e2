"""Property-based round trips and fleet isolation for the loaders (issue 9, item 3).

Round trips: whatever a real writer writes -- pandas (CSV, TSV, Parquet), ``json.dumps``
(JSON Lines, ``wandb-history.jsonl``), tensorboardX, mlflow's client -- is read back with
exactly the values written (float32 for TensorBoard, by the format). Fleet isolation: a
folder of good runs beside damaged ones always reports every good run, exactly.

Hypothesis runs derandomised (a fixed seed per test), with bounded ``max_examples`` and no
deadline (the machine is shared), so the module stays within a few tens of seconds.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import entropy_law as el
from entropy_law.errors import DataWarning, EntropyLawError
from entropy_law.loaders import scan
from entropy_law.loaders.tabular import _META_COLUMNS, _RUN_COLUMNS, STEP_COLUMNS
from entropy_law.table.tidy import make_long, tidy

SETTINGS = dict(
    derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
RESERVED = {*STEP_COLUMNS, *_RUN_COLUMNS, *_META_COLUMNS, "metric", "tag", "key", "value"}
# what pandas reads as a missing value by default (a run named so cannot be told from none)
PANDAS_NA = {"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN"}
PANDAS_NA |= {"<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"}

INT64 = st.one_of(
    st.sampled_from([0, 1, -1, 2**53, 2**53 + 1, 2**63 - 1, -(2**63)]), st.integers(-(2**63), 2**63 - 1)
)
FINITE = st.floats(allow_nan=False, allow_infinity=False)
_TEXT = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp"))
METRIC = st.text(_TEXT, min_size=1, max_size=16).filter(
    lambda s: s.strip() and s not in RESERVED and " - " not in s and not s.startswith("_")
)
RUN = st.text(_TEXT, min_size=1, max_size=12).filter(lambda s: s.strip() and s not in PANDAS_NA)


def _points(df: pd.DataFrame) -> dict[tuple[str, str, int], float]:
    return {(r, m, int(s)): v for r, m, s, v in zip(df.run, df.metric, df.step, df.value, strict=True)}


def _quiet(fn, *a, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return fn(*a, **kw)


# ---------------------------------------------------------------- the tidy table


@settings(max_examples=40, **SETTINGS)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c"]),
            st.integers(-5, 5) | INT64,
            st.sampled_from(["x", "y"]),
            FINITE | st.sampled_from([math.nan, math.inf]),
        ),
        max_size=40,
    )
)
def test_tidy_keeps_every_finite_point_and_the_latest_write(rows):
    df = make_long([r[0] for r in rows], np.array([r[1] for r in rows], dtype=np.int64),
                   [r[2] for r in rows], [r[3] for r in rows])  # fmt: skip
    expected: dict = {}
    for run, step, metric, value in rows:
        if math.isfinite(value):
            expected[(run, metric, step)] = value  # later rows win (a resumed run)
    out = _quiet(tidy, df)
    assert _points(out) == expected and len(out) == len(expected)
    assert out.step.dtype == np.int64
    keys = list(zip(out.run, out.metric, out.step, strict=True))
    assert keys == sorted(keys)


# ---------------------------------------------------------------- tables written by pandas


@st.composite
def wide_tables(draw) -> pd.DataFrame:
    metrics = draw(st.lists(METRIC, min_size=1, max_size=4, unique=True))
    runs = draw(st.none() | st.lists(RUN, min_size=1, max_size=3, unique=True))
    keys = draw(
        st.lists(st.tuples(st.sampled_from(runs or [""]), INT64), min_size=1, max_size=25, unique=True)
    )
    keys.sort(key=lambda k: k[1])  # loggers write steps in increasing order (a step going back is a restart)
    cols = {m: draw(st.lists(FINITE | st.none(), min_size=len(keys), max_size=len(keys))) for m in metrics}
    if all(v is None for c in cols.values() for v in c):
        cols[metrics[0]][0] = 0.5  # at least one point
    df = pd.DataFrame({"step": np.array([s for _, s in keys], dtype=np.int64)})
    if runs:
        df.insert(0, "run", [r for r, _ in keys])
    for m, c in cols.items():
        df[m] = np.array([np.nan if v is None else v for v in c], dtype=float)
    return df


def _expected(df: pd.DataFrame, default_run: str) -> dict:
    runs = df["run"] if "run" in df else [default_run] * len(df)
    out = {}
    for m in df.columns:
        if m in ("run", "step"):
            continue
        for r, s, v in zip(runs, df["step"], df[m], strict=True):
            if not math.isnan(v):
                out[(r, m, int(s))] = v
    return out


def _write(df: pd.DataFrame, path: Path, kind: str) -> None:
    if kind == "csv":
        df.to_csv(path, index=False)
    elif kind == "tsv":
        df.to_csv(path, index=False, sep="\t")
    elif kind == "parquet":
        df.to_parquet(path, index=False)
    else:  # JSON Lines as a logger writes it: one object per row, missing cells left out
        with open(path, "w", encoding="utf-8") as fh:
            for row in df.to_dict("records"):
                fh.write(
                    json.dumps({k: v for k, v in row.items() if not (isinstance(v, float) and math.isnan(v))})
                )
                fh.write("\n")


@pytest.mark.parametrize("kind", ["csv", "tsv", "parquet", "jsonl"])
@settings(max_examples=20, **SETTINGS)
@given(df=wide_tables())
def test_table_round_trip_is_exact(kind, df):
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / f"run.{kind}"
        _write(df, p, kind)
        out = _quiet(el.load, p)
    assert _points(out) == _expected(df, "run")
    assert out.step.dtype == np.int64


# ---------------------------------------------------------------- W&B history, TensorBoard, MLflow

TAG = st.from_regex(r"[A-Za-z0-9_.-][A-Za-z0-9_./-]{0,20}", fullmatch=True)


@settings(max_examples=30, **SETTINGS)
@given(
    keys=st.lists(METRIC.filter(lambda s: "." not in s), min_size=1, max_size=3, unique=True),
    rows=st.lists(
        st.tuples(INT64, st.lists(FINITE | st.integers(-(2**70), 2**70), min_size=3, max_size=3)),
        min_size=1,
        max_size=20,
        unique_by=lambda r: r[0],
    ),  # fmt: skip
)
def test_wandb_history_jsonl_round_trip_is_exact(keys, rows):
    with tempfile.TemporaryDirectory() as d:
        run = Path(d) / "wandb" / "run-20260101_000000-abc"
        (run / "files").mkdir(parents=True)
        rows = sorted(rows)  # in step order, as W&B writes them
        lines = [json.dumps({"_step": s, **dict(zip(keys, vals, strict=False))}) for s, vals in rows]
        (run / "files" / "wandb-history.jsonl").write_text("\n".join(lines) + "\n")
        out = _quiet(el.load, run)
    expected = {
        ("run-20260101_000000-abc", k, s): float(v)
        for s, vals in rows
        for k, v in zip(keys, vals, strict=False)
    }
    assert _points(out) == expected


@pytest.mark.slow
@settings(max_examples=15, **SETTINGS)
@given(
    points=st.lists(
        st.tuples(TAG.filter(lambda s: not s.startswith("/")), st.integers(0, 2**62), st.floats(width=32)),
        min_size=1,
        max_size=30,
        unique_by=lambda p: (p[0], p[1]),
    )  # fmt: skip
)
def test_tensorboardx_round_trip_is_exact(points):
    from tensorboardX import SummaryWriter

    with tempfile.TemporaryDirectory() as d:
        w = SummaryWriter(d)
        for tag, step, v in points:
            w.add_scalar(tag, v, step)
        w.close()
        out = _quiet(el.load, d)
    expected = {(t, s): float(np.float32(v)) for t, s, v in points}
    got = dict(zip(zip(out.metric, out.step, strict=True), out.value, strict=True))
    assert set(got) == {k for k, v in expected.items() if math.isfinite(v)}
    assert all(got[k] == expected[k] for k in got)


_ML_PLAIN = st.from_regex(r"[A-Za-z0-9_-][A-Za-z0-9_ .-]{0,10}", fullmatch=True).filter(
    lambda s: ".." not in s and not s.endswith((" ", ".")) and s != "g"
)
# a key with '/' is a folder in the store, so "g" itself is never a key (mlflow cannot store both)
MLFLOW_KEY = _ML_PLAIN | _ML_PLAIN.map(lambda s: "g/" + s)


@pytest.mark.slow
@settings(max_examples=8, **SETTINGS)
@given(
    runs=st.lists(
        st.lists(
            st.tuples(MLFLOW_KEY, st.integers(0, 2**53), FINITE),
            min_size=1,
            max_size=12,
            unique_by=lambda p: (p[0], p[1]),
        ),
        min_size=1,
        max_size=3,
    )  # fmt: skip
)
def test_mlflow_file_store_round_trip_is_exact(runs):
    from mlflow.entities import Metric
    from mlflow.tracking import MlflowClient

    with tempfile.TemporaryDirectory() as d, pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
        client = MlflowClient(tracking_uri=(Path(d) / "mlruns").as_uri())
        exp = client.create_experiment("exp")
        expected = {}
        for i, pts in enumerate(runs):
            run = client.create_run(exp, run_name=f"r{i}")
            metrics = [Metric(k, v, 1_700_000_000_000 + j, s) for j, (k, s, v) in enumerate(pts)]
            client.log_batch(run.info.run_id, metrics=metrics)
            expected.update({(f"exp/r{i}", k, s): v for k, s, v in pts})
        out = _quiet(el.load, Path(d) / "mlruns")
    assert _points(out) == expected


# ---------------------------------------------------------------- fleet isolation


def _bad_items() -> dict:
    """Makers of damaged units: each writes one bad item into a folder."""
    return {
        "tiny.tb": lambda d: _tb_stub(d / "tiny", b"\x01\x02"),
        "deep.json": lambda d: (d / "deep.json").write_text("[" * 50000 + "]" * 50000),
        "e30.csv": lambda d: (d / "e30.csv").write_text("step,a\n1e30,0.5\n"),
        "zip.csv": lambda d: (d / "zip.csv").write_bytes(b"PK\x03\x04" + bytes(30)),
        "empty.csv": lambda d: (d / "empty.csv").write_text(""),
        "semicolon.csv": lambda d: (d / "semicolon.csv").write_text("step;a\n1;0,5\n"),
        "loop.csv": lambda d: os.symlink(d / "loop.csv", d / "loop.csv"),
        "dangling.csv": lambda d: os.symlink(d / "nowhere", d / "dangling.csv"),
        "dir.csv": lambda d: (d / "dir.csv").mkdir(),
        "text.log": lambda d: (d / "text.log").write_text("step:" + "9" * 30 + " - a:0.5\n"),
        "mlflow": lambda d: _bad_mlflow(d / "mlruns"),
    }


def _tb_stub(folder: Path, data: bytes) -> None:
    folder.mkdir()
    (folder / "events.out.tfevents.1.host").write_bytes(data)


def _bad_mlflow(store: Path) -> None:
    r = store / "1" / ("f" * 32)
    (r / "metrics").mkdir(parents=True)
    (store / "1" / "meta.yaml").write_text("name: e\n")
    (r / "meta.yaml").write_text("run_id: x\n")
    (r / "metrics" / "a").symlink_to(r / "metrics" / "a")


@settings(max_examples=25, **SETTINGS)
@given(
    good=st.lists(st.lists(FINITE, min_size=1, max_size=8), min_size=1, max_size=3),
    bad=st.lists(st.sampled_from(sorted(_bad_items())), min_size=1, max_size=6, unique=True),
)
def test_good_runs_are_always_reported_beside_bad_ones(good, bad):
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        expected = {}
        for i, vals in enumerate(good):
            pd.DataFrame({"step": range(len(vals)), "actor/entropy": vals}).to_csv(
                d / f"good{i}.csv", index=False
            )
            expected.update({(f"good{i}", "actor/entropy", s): v for s, v in enumerate(vals)})
        makers = _bad_items()
        for name in bad:
            makers[name](d)
        try:
            report = _quiet(scan, d)
        except EntropyLawError as exc:  # pragma: no cover - would be the failure
            pytest.fail(f"a good run was lost: {exc}")
    t = report.table
    got = _points(t[t.run.str.startswith("good")])
    assert got == expected
    assert not set(t.run) - {r for r, _, _ in expected} - {"text"}  # nothing invented
    for path, msg in report.errors:
        assert "Error" not in msg and "Traceback" not in msg, (path, msg)
