"""Loading one source skips the second tidy pass of a folder load: the table is the same."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import entropy_law as el
from entropy_law.loaders import _naming
from entropy_law.table import tidy


@pytest.mark.parametrize("where", ["file", "folder"])
def test_one_source_is_already_tidy(tmp_path, where):
    rng = np.random.default_rng(7)
    steps = np.arange(1, 41)
    wide = pd.DataFrame(
        {"step": steps, "actor/entropy": rng.uniform(0.1, 1, 40), "val/acc": rng.uniform(0, 1, 40)}
    )
    wide.loc[5, "val/acc"] = np.nan  # a gap, dropped by the first pass
    (tmp_path / "runs").mkdir()
    path = tmp_path / "runs" / "r.csv"
    wide.to_csv(path, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = el.load(path if where == "file" else tmp_path / "runs")
    again = _naming.dedupe_run_names(tidy(got.copy(), warn=False))
    pd.testing.assert_frame_equal(got, again)
    assert got["step"].dtype == np.int64 and len(got) == 79
