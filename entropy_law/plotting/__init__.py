"""Plots of entropy-law results (matplotlib). Every function returns a Figure and takes
``ax=`` where it draws into one panel (or a pair) of a figure the caller owns."""

from __future__ import annotations

from .backtest import plot_backtest
from .compare import plot_comparison
from .fit import plot_fit
from .forecast import plot_forecast
from .forest import plot_forest
from .grid import plot_grid

__all__ = ["plot_fit", "plot_forecast", "plot_comparison", "plot_grid", "plot_forest", "plot_backtest"]
