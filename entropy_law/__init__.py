"""entropy-law: forecast where an RL run of a language model will plateau.

Performance R follows R = -a·exp(H) + b in the policy entropy H (Cui et al. 2025);
the toolkit loads training logs into a tidy table, fits the law with bootstrap
intervals, and forecasts the ceiling and the saturation step from an early slice.

>>> import entropy_law as el
>>> table = el.load("sample_runs/")            # doctest: +SKIP
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .errors import (DataWarning, EntropyLawError, EntropyLawWarning, FitError, LoadError,
                     MetricError, TruncatedLogWarning)
from .backtest import backtest, backtest_many
from .check import CheckResult, CheckSettings, check
from .compare import Comparison, compare
from .fitting import fit, fit_arrays, fit_each
from .forecast import forecast
from .forecast_result import ForecastResult
from .laws import LAWS, Law, get_law
from .loaders import LoadReport, formats, load, scan
from .results import Estimate, FitResult
from .metrics import detect as detect_metrics
from .scaling import ScalingResult, fit_scaling
from .simulate import SimConfig, simulate, simulate_many
from .table import entropy_reward, make_long, metric_summary, tidy, to_wide
from .trajectory import TrajectoryResult, fit_trajectory

try:
    __version__ = version("entropy-law")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "__version__",
    "load", "scan", "formats", "LoadReport",
    "forecast", "ForecastResult", "backtest", "backtest_many",
    "check", "CheckResult", "CheckSettings", "compare", "Comparison", "fit_scaling", "ScalingResult",
    "fit_trajectory", "TrajectoryResult", "simulate", "simulate_many", "SimConfig",
    "fit", "fit_arrays", "fit_each", "FitResult", "Estimate", "LAWS", "Law", "get_law",
    "tidy", "make_long", "to_wide", "entropy_reward", "metric_summary", "detect_metrics",
    "EntropyLawError", "LoadError", "MetricError", "FitError",
    "EntropyLawWarning", "DataWarning", "TruncatedLogWarning",
]
