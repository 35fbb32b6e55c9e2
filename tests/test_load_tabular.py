"""CSV / TSV / Parquet / JSON / JSONL tables, wide and long, and W&B history dumps."""

import json

import numpy as np
import pandas as pd
import pytest

import entropy_law as el
from entropy_law.errors import DataWarning, LoadError, TruncatedLogWarning

STEPS = np.arange(0, 30)
ENT = 0.6 * np.exp(-STEPS / 10.0)
REW = 0.2 + 0.5 * (1 - np.exp(-STEPS / 8.0))


def _wide(step_col="step"):
    return pd.DataFrame({step_col: STEPS, "actor/entropy": ENT, "critic/score/mean": REW})


def _check(t, run):
    assert set(t["run"]) == {run}
    e = t[t["metric"] == "actor/entropy"]
    assert e["step"].tolist() == STEPS.tolist()
    np.testing.assert_array_equal(e["value"].to_numpy(), ENT)  # exact round trip


@pytest.mark.parametrize(
    "suffix, writer",
    [
        (".csv", lambda df, p: df.to_csv(p, index=False, float_format="%.17g")),
        (".tsv", lambda df, p: df.to_csv(p, sep="\t", index=False, float_format="%.17g")),
        (".parquet", lambda df, p: df.to_parquet(p)),
        (".json", lambda df, p: df.to_json(p, double_precision=15)),
        (".jsonl", lambda df, p: df.to_json(p, orient="records", lines=True, double_precision=15)),
    ],
)
def test_wide_tables_round_trip(tmp_path, suffix, writer):
    p = tmp_path / f"myrun{suffix}"
    writer(_wide(), p)
    t = el.load(p)
    if suffix.startswith(".json"):  # JSON text keeps 15 significant digits
        e = t[t["metric"] == "actor/entropy"]["value"].to_numpy()
        np.testing.assert_allclose(e, ENT, rtol=1e-12)  # 15 decimal places in the JSON text
    else:
        _check(t, "myrun")


@pytest.mark.parametrize("step_col", ["_step", "global_step", "Step", "trainer/global_step"])
def test_step_column_names(tmp_path, step_col):
    p = tmp_path / "r.csv"
    _wide(step_col).to_csv(p, index=False, float_format="%.17g")
    _check(el.load(p), "r")


def test_long_table_with_runs(tmp_path):
    rows = [("a", s, "actor/entropy", v) for s, v in zip(STEPS, ENT)]
    rows += [("b", s, "actor/entropy", 2 * v) for s, v in zip(STEPS, ENT)]
    p = tmp_path / "long.csv"
    pd.DataFrame(rows, columns=["run", "step", "metric", "value"]).to_csv(
        p, index=False, float_format="%.17g"
    )
    t = el.load(p)
    assert sorted(t["run"].unique()) == ["a", "b"]
    np.testing.assert_array_equal(t[t["run"] == "b"]["value"].to_numpy(), 2 * ENT)


def test_wandb_history_dump_sparse_rows(tmp_path):
    """run.history() as CSV: train and eval rows interleave, NaN where a key was not logged."""
    rows = []
    for s in range(10):
        rows.append(
            {
                "_step": s,
                "_runtime": 1.0 * s,
                "_timestamp": 1.7e9 + s,
                "actor/entropy": 0.5 - 0.01 * s,
                "val/acc": np.nan,
            }
        )
        if s % 5 == 0:
            rows.append(
                {
                    "_step": s,
                    "_runtime": 1.0 * s,
                    "_timestamp": 1.7e9 + s,
                    "actor/entropy": np.nan,
                    "val/acc": 0.1 * s,
                }
            )
    p = tmp_path / "history.csv"
    pd.DataFrame(rows).to_csv(p, index=False)
    t = el.load(p)
    assert sorted(t["metric"].unique()) == ["actor/entropy", "val/acc"]
    assert t[t["metric"] == "val/acc"]["step"].tolist() == [0, 5]
    assert t[t["metric"] == "actor/entropy"]["step"].tolist() == list(range(10))
    assert t["wall_time"].notna().all()


def test_verl_file_logger_jsonl(tmp_path):
    p = tmp_path / "exp.jsonl"
    p.write_text(
        "\n".join(
            json.dumps({"step": int(s), "data": {"actor/entropy": float(e)}}) for s, e in zip(STEPS, ENT)
        )
        + "\n"
    )
    _check(el.load(p), "exp")


def test_truncated_csv_keeps_complete_rows(tmp_path):
    p = tmp_path / "r.csv"
    _wide().to_csv(p, index=False, float_format="%.17g")
    text = p.read_text()
    p.write_text(text[: len(text) - 25])  # cut inside the last row
    with pytest.warns(TruncatedLogWarning, match="last line is incomplete"):
        t = el.load(p)
    assert t[t["metric"] == "actor/entropy"]["step"].max() == STEPS[-2]


def test_damaged_jsonl_line_is_skipped_and_reported(tmp_path):
    p = tmp_path / "r.jsonl"
    lines = [json.dumps({"step": int(s), "actor/entropy": float(e)}) for s, e in zip(STEPS, ENT)]
    lines[-1] = lines[-1][:10]
    p.write_text("\n".join(lines))
    with pytest.warns(TruncatedLogWarning, match="skipped 1 damaged line"):
        t = el.load(p)
    assert len(t) == len(STEPS) - 1


def test_nan_and_inf_dropped_and_counted(tmp_path):
    df = _wide()
    df.loc[3, "actor/entropy"] = np.nan
    df.loc[4, "actor/entropy"] = np.inf
    p = tmp_path / "r.csv"
    df.to_csv(p, index=False)
    with pytest.warns(DataWarning, match=r"dropped 1 NaN/inf"):
        t = el.load(p)
    assert 4 not in t[t["metric"] == "actor/entropy"]["step"].tolist()


@pytest.mark.parametrize(
    "content, match",
    [
        ("", "the file is empty"),
        (
            "step,actor/entropy\n1,0.5\n2,oops\n",
            r"column 'actor/entropy' mixes numbers and text: "
            r"row 2 \(step 2\) holds 'oops'",
        ),
        ("step,actor/entropy\n1.5,0.5\n", "whole numbers"),
        ("epoch_time,actor/entropy\n1,0.5\n", r"no step column found; expected one of"),
    ],
)
def test_bad_tables_name_file_and_column(tmp_path, content, match):
    p = tmp_path / "bad.csv"
    p.write_text(content)
    with pytest.raises(LoadError, match=match) as exc:
        el.load(p)
    assert str(p) in str(exc.value)


def test_text_only_column_is_skipped_with_warning(tmp_path):
    p = tmp_path / "r.csv"
    df = _wide()
    df["note"] = "hello"
    df.to_csv(p, index=False)
    with pytest.warns(DataWarning, match=r"skipped column\(s\) \['note'\]"):
        t = el.load(p)
    assert "note" not in set(t["metric"])
