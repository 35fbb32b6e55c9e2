"""Stage 5, forecasting: the law paired with H(t), the ScaleRL sigmoid, results, backtests."""

from .backtest import backtest, backtest_many, given_entropy
from .forecaster import HORIZON_MULTIPLE, RunSeries, forecast, prepare_run
from .result import FORECAST_STATUSES, ForecastResult, ForecastSettings, SigmoidOpinion

__all__ = [
    "backtest",
    "backtest_many",
    "given_entropy",
    "HORIZON_MULTIPLE",
    "RunSeries",
    "forecast",
    "prepare_run",
    "FORECAST_STATUSES",
    "ForecastResult",
    "ForecastSettings",
    "SigmoidOpinion",
]
