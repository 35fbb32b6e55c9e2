"""entropy-law: forecast where an RL run of a language model will plateau.

Performance R follows R = -a·exp(H) + b in the policy entropy H (Cui et al. 2025);
the toolkit loads training logs into a tidy table, fits the law with bootstrap
intervals, and forecasts the ceiling and the saturation step from an early slice.

>>> import entropy_law as el
>>> table = el.load("sample_runs/")            # doctest: +SKIP
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .checking.result import CheckResult, CheckSettings
from .checking.runner import check
from .errors import (
    DataWarning,
    EntropyLawError,
    EntropyLawWarning,
    FitError,
    LoadError,
    MetricError,
    TruncatedLogWarning,
)
from .fitting.engine import fit_arrays
from .fitting.laws import LAWS, Law, get_law
from .fitting.results import Estimate, FitResult
from .fitting.runs import fit, fit_each
from .fleet.compare import compare
from .fleet.comparison import Comparison
from .fleet.scaling import ScalingResult, fit_scaling
from .forecasting.backtest import backtest, backtest_many
from .forecasting.forecaster import forecast
from .forecasting.result import ForecastResult
from .loaders import LoadReport, formats, load, scan
from .simulate import SimConfig, simulate, simulate_many
from .table.align import entropy_reward
from .table.metrics import detect as detect_metrics
from .table.tidy import make_long, metric_summary, tidy, to_wide
from .trajectory.fit import fit_trajectory
from .trajectory.result import TrajectoryResult

try:
    __version__ = version("entropy-law")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "__version__",
    "load",
    "scan",
    "formats",
    "LoadReport",
    "forecast",
    "ForecastResult",
    "backtest",
    "backtest_many",
    "check",
    "CheckResult",
    "CheckSettings",
    "compare",
    "Comparison",
    "fit_scaling",
    "ScalingResult",
    "fit_trajectory",
    "TrajectoryResult",
    "simulate",
    "simulate_many",
    "SimConfig",
    "fit",
    "fit_arrays",
    "fit_each",
    "FitResult",
    "Estimate",
    "LAWS",
    "Law",
    "get_law",
    "tidy",
    "make_long",
    "to_wide",
    "entropy_reward",
    "metric_summary",
    "detect_metrics",
    "EntropyLawError",
    "LoadError",
    "MetricError",
    "FitError",
    "EntropyLawWarning",
    "DataWarning",
    "TruncatedLogWarning",
]
