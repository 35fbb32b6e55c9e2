"""The tidy-table contract: validation, NaN handling, resumed runs, alignment."""

import numpy as np
import pandas as pd
import pytest

import entropy_law as el
from entropy_law.errors import DataWarning, EntropyLawError


def _long(rows):
    return pd.DataFrame(rows, columns=["run", "step", "metric", "value"])


def test_tidy_sorts_and_types():
    t = el.tidy(_long([("r", 2, "m", 1.0), ("r", 1, "m", "0.5")]))
    assert t["step"].tolist() == [1, 2]
    assert t["value"].tolist() == [0.5, 1.0]
    assert t["step"].dtype == np.int64 and t["value"].dtype == float


def test_tidy_resumed_run_keeps_latest_write_and_warns():
    rows = [("r", 1, "m", 1.0), ("r", 2, "m", 2.0), ("r", 1, "m", 10.0)]
    with pytest.warns(DataWarning, match="kept the latest write"):
        t = el.tidy(_long(rows))
    assert t.set_index("step")["value"].to_dict() == {1: 10.0, 2: 2.0}


def test_tidy_drops_nonfinite_with_count():
    rows = [("r", 1, "m", np.nan), ("r", 2, "m", np.inf), ("r", 3, "m", 3.0)]
    with pytest.warns(DataWarning, match=r"dropped 2 NaN/inf value\(s\) \(m: 2\)"):
        t = el.tidy(_long(rows))
    assert t["step"].tolist() == [3]


@pytest.mark.parametrize(
    "bad, match",
    [
        ([("r", 1.5, "m", 1.0)], "whole numbers"),
        ([("r", "x", "m", 1.0)], "whole numbers"),
        ([("r", 1, "m", "abc")], "non-numeric value 'abc'"),
    ],
)
def test_tidy_rejects_bad_input_with_names(bad, match):
    with pytest.raises(EntropyLawError, match=match):
        el.tidy(_long(bad))


def test_tidy_missing_columns_message():
    with pytest.raises(EntropyLawError, match=r"missing \['metric', 'value'\]"):
        el.tidy(pd.DataFrame({"run": ["r"], "step": [1]}))


def _run_with_sparse_val():
    steps = np.arange(1, 21)
    ent = el.make_long("r", steps, "actor/entropy", 1.0 / steps)
    val = el.make_long("r", [0, 10, 20], "val-core/openai/gsm8k/reward/mean@1", [0.1, 0.5, 0.7])
    return el.tidy(pd.concat([ent, val]))


def test_window_alignment_means_entropy_since_previous_eval():
    er = el.entropy_reward(_run_with_sparse_val())
    # step 0 has no entropy at or before it: dropped
    assert er["step"].tolist() == [10, 20]
    np.testing.assert_allclose(
        er["entropy"], [np.mean(1 / np.arange(1, 11)), np.mean(1 / np.arange(11, 21))], rtol=1e-12
    )
    assert er.attrs["metrics"]["r"] == ("actor/entropy", "val-core/openai/gsm8k/reward/mean@1")


def test_same_step_alignment():
    er = el.entropy_reward(_run_with_sparse_val(), align="same_step")
    np.testing.assert_allclose(er["entropy"], [1 / 10, 1 / 20], rtol=1e-12)


def test_unknown_alignment_rule():
    with pytest.raises(EntropyLawError, match="window"):
        el.entropy_reward(_run_with_sparse_val(), align="nearest")


def test_wide_view():
    w = el.to_wide(_run_with_sparse_val())
    assert w.index.names == ["run", "step"]
    assert w.loc[("r", 10), "val-core/openai/gsm8k/reward/mean@1"] == 0.5
