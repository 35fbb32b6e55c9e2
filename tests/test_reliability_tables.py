"""Regression tests for the table defects of the fuzz campaign (issue 9; shared/reliability).

Built from ``repro/03`` (steps beyond int64), ``04`` (steps through float64), ``07``
(JSON Lines), ``14`` (silent table mangling) and ``15`` (compressed / Excel CSV).
"""

from __future__ import annotations

import gzip
import json
import warnings

import numpy as np
import pandas as pd
import pytest

import entropy_law as el
from entropy_law.errors import DataWarning, EntropyLawError, LoadError, TruncatedLogWarning
from entropy_law.loaders import scan
from entropy_law.table.tidy import make_long, tidy

H = "step,actor/entropy,critic/score/mean\n"


def _quiet_load(p, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return el.load(p, **kw)


# ---------------------------------------------------------------- D3 / D4: exact steps


@pytest.mark.parametrize(
    "step", ["1e30", "99999999999999999999", "9223372036854775808", "-9223372036854775809"]
)
@pytest.mark.parametrize("suffix, sep", [(".csv", ","), (".tsv", "\t")])
def test_csv_step_beyond_int64_is_refused_naming_row_and_value(tmp_path, step, suffix, sep):
    p = tmp_path / f"run{suffix}"
    p.write_text(H.replace(",", sep) + f"1{sep}0.3{sep}0.3\n{step}{sep}0.5{sep}0.1\n")
    with pytest.raises(LoadError, match=rf"step column 'step', row 2: '{step}' is beyond the int64 range"):
        el.load(p)


def test_csv_int64_extremes_and_2_pow_53_neighbours_stay_exact(tmp_path):
    steps = [-(2**63), 0, 2**53, 2**53 + 1, 2**63 - 1]  # in order: a step going back is a restart
    p = tmp_path / "run.csv"
    p.write_text("step,actor/entropy\n" + "".join(f"{s},{i / 10}\n" for i, s in enumerate(steps)))
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)  # no step is merged as a "duplicate"
        t = el.load(p)
    assert t.step.tolist() == sorted(steps)
    assert dict(zip(t.step, t.value, strict=True)) == {s: i / 10 for i, s in enumerate(steps)}


def test_float_written_steps_are_read_exactly_or_refused(tmp_path):
    p = tmp_path / "run.csv"  # pandas writes an int column holding NaN as floats
    p.write_text("step,a\n1.0,0.5\n,0.6\n9007199254740993.0,0.7\n")
    t = _quiet_load(p)
    assert t.step.tolist() == [1, 9007199254740993]
    p.write_text("step,a\n3.0000000000000001,0.5\n")  # float64 would round it to 3
    with pytest.raises(LoadError, match="not a whole number"):
        el.load(p)


def test_parquet_uint64_step_beyond_int64_is_refused(tmp_path):
    p = tmp_path / "u.parquet"
    pd.DataFrame({"step": np.array([2**63 + 5, 1], dtype=np.uint64), "a": [0.5, 0.4]}).to_parquet(p)
    with pytest.raises(LoadError, match=r"row 1: 9223372036854775813 is beyond the int64 range"):
        el.load(p)
    pd.DataFrame({"step": np.array([1, 2**63 - 1], dtype=np.uint64), "a": [0.5, 0.4]}).to_parquet(p)
    assert el.load(p).step.tolist() == [1, 2**63 - 1]


def test_wandb_export_steps_are_exact(tmp_path):
    p = tmp_path / "export.csv"
    p.write_text(f'"Step","r - a"\n{2**53},0.1\n{2**53 + 1},0.2\n')
    assert el.load(p).step.tolist() == [2**53, 2**53 + 1]
    p.write_text(f'"Step","r - a"\n1,0.1\n{2**63},0.2\n')
    with pytest.raises(LoadError, match=r"row 3: step '9223372036854775808' is beyond the int64 range"):
        el.load(p)


def test_tidy_never_wraps_or_rounds_steps():
    exact = tidy(make_long("r", [2**63 - 1, 2**53 + 1, 2**53], "m", [1.0, 2.0, 3.0]))
    assert exact.step.tolist() == [2**53, 2**53 + 1, 2**63 - 1]
    for bad in (np.array([2**63 + 5], dtype=np.uint64), np.array([2**64], dtype=object), [1e30]):
        with pytest.raises(EntropyLawError, match="beyond the int64 range"):
            tidy(make_long("r", bad, "m", [1.0]))


# ---------------------------------------------------------------- D8: JSON Lines and JSON

GOOD_JSONL = "".join(json.dumps({"step": s, "actor/entropy": 1 / (s + 1)}) + "\n" for s in range(40))


@pytest.mark.parametrize(
    "line, why",
    [
        ('{"step": 41, "a": ' + "[" * 100000 + "]" * 100000 + "}", "nested too deeply"),
        ('{"step": 42, "a": ' + "9" * 5000 + "}", "thousands of digits"),
        ('{"step": 1e30, "actor/entropy": 0.5}', "beyond the int64 range"),
        ('{"step": 18446744073709551616, "actor/entropy": 0.5}', "beyond the int64 range"),
    ],
)
def test_one_bad_jsonl_line_costs_only_itself(tmp_path, line, why):
    p = tmp_path / "run.jsonl"
    p.write_text(GOOD_JSONL + line + "\n")
    with pytest.warns(
        TruncatedLogWarning, match=rf"{p.name}: skipped 1 damaged line\(s\) \(line 41: .*{why}"
    ):
        t = el.load(p)
    assert t.step.tolist() == list(range(40))
    assert t.value.tolist() == [1 / (s + 1) for s in range(40)]


def test_deeply_nested_json_is_a_clear_load_error(tmp_path):
    p = tmp_path / "deep.json"
    p.write_text("[" * 100000 + "]" * 100000)
    with pytest.raises(
        LoadError, match=r"deep\.json: not a table: the JSON is nested thousands of levels deep"
    ):
        el.load(p)
    p.write_text('[{"step": 1, "a": ' + "9" * 5000 + "}]")
    with pytest.raises(LoadError, match=r"not a table: the JSON holds a number with thousands of digits"):
        el.load(p)


def test_json_integers_beyond_float64_are_dropped_not_crashing(tmp_path):
    p = tmp_path / "big.json"
    p.write_text(json.dumps([{"step": 1, "a": 10**400}, {"step": 2, "a": 0.5}]))
    with pytest.warns(DataWarning, match=r"dropped 1 NaN/inf"):
        t = el.load(p)
    assert t.step.tolist() == [2] and t.value.tolist() == [0.5]


# ---------------------------------------------------------------- D14: no silent mangling


def test_duplicate_metric_columns_are_skipped_with_a_warning(tmp_path):
    p = tmp_path / "dup.csv"
    p.write_text("step,actor/entropy,actor/entropy,b\n1,0.5,0.9,1\n2,0.4,0.8,2\n")
    with pytest.warns(DataWarning, match=r"repeats the column name\(s\) \['actor/entropy'\]"):
        t = el.load(p)
    assert set(t.metric) == {"b"}  # no invented 'actor/entropy.1', no guess between the two


@pytest.mark.parametrize("header", ["step,step,a", "step,a,run,run", "step,metric,metric,value"])
def test_a_repeated_step_run_or_metric_column_is_refused(tmp_path, header):
    p = tmp_path / "dup.csv"
    p.write_text(header + "\n" + ",".join(["1"] * header.count(",")) + ",0.5\n")
    name = [c for c in header.split(",") if header.split(",").count(c) > 1][0]
    with pytest.raises(LoadError, match=rf"names the column '{name}' 2 times"):
        el.load(p)


def test_columns_without_a_header_are_skipped_with_a_warning(tmp_path):
    p = tmp_path / "index.csv"
    pd.DataFrame({"step": [1, 2], "a": [0.5, 0.4]}).to_csv(p)  # index=True: an unnamed column
    with pytest.warns(DataWarning, match=r"skipped 1 column\(s\) without a header \(column\(s\) \[1\]"):
        t = el.load(p)
    assert set(t.metric) == {"a"}
    p.write_text("step,,\n1,2,3\n")
    with pytest.raises(LoadError, match="without a name or with a repeated name are skipped"):
        _quiet_load(p)


def test_run_column_keeps_names_as_written_and_refuses_empty_cells(tmp_path):
    p = tmp_path / "runs.csv"
    p.write_text("run,step,a\n1,1,0.5\n1,2,0.4\n007,1,0.3\n")
    t = el.load(p)
    assert sorted(set(t.run)) == ["007", "1"] and all(isinstance(r, str) for r in t.run)
    for cell in ("", "nan"):
        p.write_text(f"run,step,a\n{cell},1,0.5\nx,2,0.4\n")
        with pytest.raises(LoadError, match=r"run column 'run' is empty at row 1"):
            el.load(p)
    q = tmp_path / "runs.parquet"
    pd.DataFrame({"run": [1.0, 2.0], "step": [1, 1], "a": [0.5, 0.4]}).to_parquet(q)
    assert sorted(set(el.load(q).run)) == ["1", "2"]  # not '1.0'


def test_datetime_step_column_is_refused(tmp_path):
    p = tmp_path / "dt.parquet"
    pd.DataFrame({"step": pd.to_datetime(["2020-01-01", "2020-01-02"]), "a": [0.1, 0.2]}).to_parquet(p)
    with pytest.raises(LoadError, match=r"step column 'step' holds dates or times"):
        el.load(p)


def test_booleans_and_dates_are_not_metrics(tmp_path):
    p = tmp_path / "b.json"
    p.write_text(json.dumps([{"step": s, "a": bool(s % 2), "b": s / 10} for s in range(4)]))
    with pytest.warns(DataWarning, match=r"skipped column\(s\) \['a'\] holding booleans"):
        t = el.load(p)
    assert set(t.metric) == {"b"}
    p.write_text(json.dumps([{"step": 0, "a": True}, {"step": 1, "a": 0.5}]))
    with pytest.raises(LoadError, match=r"column 'a' mixes numbers and text: row 1 \(step 0\) holds True"):
        el.load(p)
    q = tmp_path / "t.parquet"
    pd.DataFrame(
        {"step": [1, 2], "t": pd.to_datetime(["2020-01-01", "2020-01-02"]), "b": [1.0, 2.0]}
    ).to_parquet(q)
    with pytest.warns(DataWarning, match=r"\['t'\] holding booleans or dates/times"):
        assert set(el.load(q).metric) == {"b"}


# ---------------------------------------------------------------- D15: compressed and Excel CSV

CSV = b"step,actor/entropy\n" + b"".join(b"%d,0.5\n" % s for s in range(50))


def test_gzip_compressed_csv_is_read_transparently(tmp_path):
    plain, packed = tmp_path / "plain.csv", tmp_path / "run.csv"
    plain.write_bytes(CSV)
    packed.write_bytes(gzip.compress(CSV))
    a, b = el.load(plain), el.load(packed)
    assert a[["step", "metric", "value"]].equals(b[["step", "metric", "value"]])
    report = scan(tmp_path)  # in a folder too
    assert not report.errors and set(report.table.run) == {"plain", "run"}


def test_cut_gzip_csv_keeps_what_decompresses(tmp_path):
    rng = np.random.default_rng(0)
    rows = b"".join(b"%d,%r\n" % (s, float(v)) for s, v in enumerate(rng.random(2000)))
    p = tmp_path / "run.csv"
    packed = gzip.compress(b"step,actor/entropy\n" + rows)
    p.write_bytes(packed[: len(packed) // 2])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t = el.load(p)
    assert any("gzip stream is cut" in str(w.message) for w in caught)
    assert 100 < len(t) < 2000 and t.step.tolist() == list(range(len(t)))  # an intact prefix


@pytest.mark.parametrize(
    "content, match",
    [
        (b"step;actor/entropy\n1;0,5\n2;0,4\n", r"holds no ',' but ';': this looks like a ';'-separated"),
        (b"sep=;\nstep;actor/entropy\n1;0,5\n", r"'sep=;' declares ';' as separator"),
        (b"sep=\t\nstep\tactor/entropy\n1\t0.5\n", r"declares '\\t' as separator.*read with ','"),
        (b"PK\x03\x04" + bytes(40), r"the file is a zip archive .*unzip run\.csv"),
        (b"BZh91AY&SY" + bytes(40), r"bzip2 archive"),
    ],
)
def test_excel_and_archive_csv_get_a_message_saying_what_they_are(tmp_path, content, match):
    p = tmp_path / "run.csv"
    p.write_bytes(content)
    with pytest.raises(LoadError, match=match):
        el.load(p)


def test_excel_sep_line_matching_the_delimiter_is_honoured(tmp_path):
    p = tmp_path / "run.csv"
    p.write_bytes(b"sep=,\n" + CSV)
    t = el.load(p)
    assert t.step.tolist() == list(range(50)) and set(t.metric) == {"actor/entropy"}
