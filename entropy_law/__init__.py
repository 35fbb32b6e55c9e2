"""entropy-law: forecast where an RL run of a language model will plateau.

Performance R follows R = -a·exp(H) + b in the policy entropy H (Cui et al. 2025);
the toolkit loads training logs into a tidy table, fits the law with bootstrap
intervals, and forecasts the ceiling and the saturation step from an early slice.

>>> import entropy_law as el
>>> table = el.load("sample_runs/")            # doctest: +SKIP

Every public name is imported on first use (PEP 562 module ``__getattr__``), so
``import entropy_law`` costs milliseconds and a command-line call imports only what it
needs; ``el.<name>``, ``from entropy_law import <name>``, ``dir(el)`` and ``__all__`` work
as if everything had been imported up front.
"""

# No ``from __future__ import annotations`` and only private module names here: every
# global of this module shows up as ``el.<name>``; ``__dir__`` lists only the public ones.
import importlib as _importlib
import sys as _sys
import types as _types
import typing as _typing

#: public name -> (defining module, name there)
_EXPORTS: dict[str, tuple[str, str]] = {
    "load": (".loaders", "load"),
    "scan": (".loaders", "scan"),
    "formats": (".loaders", "formats"),
    "LoadReport": (".loaders", "LoadReport"),
    "forecast": (".forecasting.forecaster", "forecast"),
    "forecast_each": (".forecasting.forecaster", "forecast_each"),
    "forecast_summary": (".forecasting.headline", "summary_frame"),
    "ForecastResult": (".forecasting.result", "ForecastResult"),
    "backtest": (".forecasting.backtest", "backtest"),
    "backtest_many": (".forecasting.backtest", "backtest_many"),
    "backtest_summary": (".forecasting.backtest_summary", "summarise_backtest"),
    "report": (".reporting.html", "report"),
    "plot_grid": (".plotting.grid", "plot_grid"),
    "plot_forest": (".plotting.forest", "plot_forest"),
    "plot_backtest": (".plotting.backtest", "plot_backtest"),
    "check": (".checking.runner", "check"),
    "CheckResult": (".checking.result", "CheckResult"),
    "CheckSettings": (".checking.result", "CheckSettings"),
    "compare": (".fleet.compare", "compare"),
    "Comparison": (".fleet.comparison", "Comparison"),
    "fit_scaling": (".fleet.scaling", "fit_scaling"),
    "ScalingResult": (".fleet.scaling", "ScalingResult"),
    "fit_trajectory": (".trajectory.fit", "fit_trajectory"),
    "TrajectoryResult": (".trajectory.result", "TrajectoryResult"),
    "simulate": (".simulate", "simulate"),
    "simulate_many": (".simulate", "simulate_many"),
    "SimConfig": (".simulate", "SimConfig"),
    "fit": (".fitting.runs", "fit"),
    "fit_arrays": (".fitting.engine", "fit_arrays"),
    "fit_each": (".fitting.runs", "fit_each"),
    "FitResult": (".fitting.results", "FitResult"),
    "Estimate": (".fitting.results", "Estimate"),
    "LAWS": (".fitting.laws", "LAWS"),
    "Law": (".fitting.laws", "Law"),
    "get_law": (".fitting.laws", "get_law"),
    "tidy": (".table.tidy", "tidy"),
    "make_long": (".table.tidy", "make_long"),
    "to_wide": (".table.tidy", "to_wide"),
    "entropy_reward": (".table.align", "entropy_reward"),
    "metric_summary": (".table.tidy", "metric_summary"),
    "detect_metrics": (".table.metrics", "detect"),
    "EntropyLawError": (".errors", "EntropyLawError"),
    "LoadError": (".errors", "LoadError"),
    "MetricError": (".errors", "MetricError"),
    "FitError": (".errors", "FitError"),
    "EntropyLawWarning": (".errors", "EntropyLawWarning"),
    "DataWarning": (".errors", "DataWarning"),
    "TruncatedLogWarning": (".errors", "TruncatedLogWarning"),
}

__all__ = [
    "__version__",
    "load",
    "scan",
    "formats",
    "LoadReport",
    "forecast",
    "forecast_each",
    "forecast_summary",
    "ForecastResult",
    "backtest",
    "backtest_many",
    "backtest_summary",
    "report",
    "plot_grid",
    "plot_forest",
    "plot_backtest",
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

# every public name but __version__ has its module in _EXPORTS (tests/test_startup.py checks it)

#: public names that are also the names of subpackages (``entropy_law.simulate``)
_SHADOWED = frozenset({"simulate"})


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("entropy-law")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0+unknown"


def __getattr__(name: str) -> _typing.Any:
    if name == "__version__":
        value: _typing.Any = _version()
    elif name in _EXPORTS:
        module, attr = _EXPORTS[name]
        value = getattr(_importlib.import_module(module, __name__), attr)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    """The public names, the module's dunders and the subpackages already imported (no helpers)."""
    names = set(__all__)
    for name, value in globals().items():
        if name.startswith("__") and name.endswith("__"):
            names.add(name)
        elif (
            not name.startswith("_")
            and isinstance(value, _types.ModuleType)
            and value.__name__.startswith(__name__ + ".")
        ):
            names.add(name)
    return sorted(names)


class _Package(_types.ModuleType):
    """Keep a public name bound to the function when its subpackage is imported.

    Importing ``entropy_law.simulate`` binds the attribute ``simulate`` of this package to
    the subpackage; with everything imported up front the function ``simulate`` used to
    win, so it still does.
    """

    def __setattr__(self, name: str, value: _typing.Any) -> None:
        if name in _SHADOWED and isinstance(value, _types.ModuleType):
            value = getattr(value, _EXPORTS[name][1])
        super().__setattr__(name, value)


_sys.modules[__name__].__class__ = _Package

if _typing.TYPE_CHECKING:  # static analysers and IDEs see the eager imports
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
    from .forecasting.backtest_summary import summarise_backtest as backtest_summary
    from .forecasting.forecaster import forecast, forecast_each
    from .forecasting.headline import summary_frame as forecast_summary
    from .forecasting.result import ForecastResult
    from .loaders import LoadReport, formats, load, scan
    from .plotting.backtest import plot_backtest
    from .plotting.forest import plot_forest
    from .plotting.grid import plot_grid
    from .reporting.html import report
    from .simulate import SimConfig, simulate, simulate_many
    from .table.align import entropy_reward
    from .table.metrics import detect as detect_metrics
    from .table.tidy import make_long, metric_summary, tidy, to_wide
    from .trajectory.fit import fit_trajectory
    from .trajectory.result import TrajectoryResult

    __version__: str
