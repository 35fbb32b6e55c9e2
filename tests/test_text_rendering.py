"""What users read in text output: no ``nan``/``inf`` tokens, aligned tables, readable gains."""

import math

from entropy_law.fitting.results import Estimate


def test_missing_estimate_reads_na_not_nan():
    # The -v detail of a last-value forecast printed 'law ceiling  nan [nan, nan]'.
    assert str(Estimate(math.nan, (math.nan, math.nan), 0.9)) == "n/a"


def test_infinite_interval_end_reads_unbounded():
    # A saturation step beyond the search grid printed '280 [220, inf]'.
    assert str(Estimate(280.0, (220.0, math.inf), 0.9)) == "280 [220, unbounded]"
    assert "nan" not in str(Estimate(1.0, (math.nan, 2.0), 0.9))
