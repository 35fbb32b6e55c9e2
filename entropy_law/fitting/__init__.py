"""Stage 3, fitting the law: laws as data, the exact fit, bootstrap, diagnostics, results."""

from .block_length import auto_block_length
from .bootstrap import (
    RESAMPLE_METHODS,
    LinearDraws,
    linear_draws,
    linear_draws_from_indices,
)
from .engine import fit_arrays
from .intervals import percentile_interval, t_interval
from .laws import LAWS, Law, get_law
from .results import Estimate, FitResult, FitSettings
from .runs import fit, fit_each

__all__ = [
    "auto_block_length",
    "RESAMPLE_METHODS",
    "LinearDraws",
    "linear_draws",
    "linear_draws_from_indices",
    "fit",
    "fit_arrays",
    "fit_each",
    "percentile_interval",
    "t_interval",
    "LAWS",
    "Law",
    "get_law",
    "Estimate",
    "FitResult",
    "FitSettings",
]
