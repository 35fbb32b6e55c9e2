"""Regression tests for the W&B defects of the fuzz campaign (issue 9; shared/reliability).

Built from ``repro/02`` (one bad history row kills a run), ``03`` (``_step`` 2**63 - 1
through float64) and ``17`` (``1_000`` and ``" 7 "`` accepted as numbers). ``.wandb``
files are crafted with :mod:`_craft` (the documented LevelDB framing).
"""

from __future__ import annotations

import json

import pytest
from _craft import history_jsonl_dir, history_record, wandb_run_dir

import entropy_law as el
from entropy_law.errors import DataWarning

pytest.importorskip("wandb")

GOOD = [
    json.dumps({"_step": s, "actor/entropy": 1 / (s + 1), "critic/score/mean": s / 10}) for s in range(50)
]
BAD_ROWS = {
    "step 1e30": ('{"_step": 1e30, "actor/entropy": 1}', "beyond the int64 range"),
    "step 2**64": ('{"_step": 18446744073709551616, "actor/entropy": 1}', "beyond the int64 range"),
    "5000-digit value": ('{"_step": 51, "x": ' + "9" * 5000 + "}", "thousands of digits"),
    "deep nesting": ('{"_step": 52, "x": ' + "[" * 100000 + "]" * 100000 + "}", "nested too deeply"),
}


def _check_good(t) -> None:
    assert sorted(set(t.step)) == list(range(50))
    ent = t[t.metric == "actor/entropy"].sort_values("step")
    assert ent.value.tolist() == [1 / (s + 1) for s in range(50)]


@pytest.mark.parametrize("case", list(BAD_ROWS))
def test_bad_history_jsonl_row_costs_only_itself(tmp_path, case):
    bad, why = BAD_ROWS[case]
    run = history_jsonl_dir(tmp_path, GOOD[:20] + [bad] + GOOD[20:])
    with pytest.warns(
        DataWarning, match=rf"wandb-history\.jsonl: skipped 1 damaged history row\(s\) \(line 21: .*{why}"
    ):
        t = el.load(run)
    _check_good(t)


def test_history_jsonl_step_int64_max_is_exact(tmp_path):
    run = history_jsonl_dir(tmp_path, [json.dumps({"_step": s, "a": 0.5}) for s in (0, 1, 2**63 - 1)])
    assert el.load(run).step.tolist() == [0, 1, 2**63 - 1]


def _binary_run(tmp_path, rows: list[dict[str, str]]):
    return wandb_run_dir(tmp_path, [history_record(r) for r in rows])


def _good_binary_rows() -> list[dict[str, str]]:
    return [
        {"_step": str(s), "actor/entropy": repr(1 / (s + 1)), "critic/score/mean": repr(s / 10)}
        for s in range(50)
    ]


@pytest.mark.parametrize(
    "bad, match",
    [
        (
            {"_step": "1e30", "actor/entropy": "1"},
            r"damaged history row\(s\) \(history record 21: its _step 1e\+30",
        ),
        (
            {"_step": str(2**64), "actor/entropy": "1"},
            r"history record 21: its _step 18446744073709551616 is beyond",
        ),
        ({"_step": "51", "x": "9" * 5000}, r"non-numeric value\(s\).*x: 1"),
        ({"_step": "52", "x": "[" * 100000 + "]" * 100000}, r"non-numeric value\(s\).*x: 1"),
    ],
)
def test_bad_wandb_history_record_costs_only_itself(tmp_path, bad, match):
    rows = _good_binary_rows()
    run = _binary_run(tmp_path, rows[:20] + [bad] + rows[20:])
    with pytest.warns(DataWarning, match=match):
        t = el.load(run)
    _check_good(t)


def test_wandb_value_json_is_parsed_as_strict_json(tmp_path):
    """D17: ``1_000`` and ``" 7 "`` are not JSON numbers; NaN/Infinity are wandb's own."""
    rows = [
        {"_step": str(s), "a": "1_000", "b": " 7 ", "c": "0x10", "ok": "1e-3", "big": str(2**53 + 1)}
        for s in range(3)
    ]
    run = _binary_run(tmp_path, rows)
    with pytest.warns(DataWarning, match=r"skipped 9 non-numeric value\(s\).*a: 3, b: 3, c: 3"):
        t = el.load(run)
    assert set(t.metric) == {"ok", "big"}
    assert set(t[t.metric == "ok"].value) == {1e-3}
    rows = [{"_step": "0", "n": "NaN", "i": "Infinity", "x": "0.5"}]
    with pytest.warns(DataWarning, match=r"dropped 2 NaN/inf"):
        t = el.load(_binary_run(tmp_path / "2", rows))
    assert t.metric.tolist() == ["x"]
