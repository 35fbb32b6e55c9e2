"""Plots of entropy-law results (matplotlib; every function takes ``ax=None``, returns Axes)."""

from __future__ import annotations

from .fit import plot_fit

__all__ = ["plot_fit"]
