"""Self-contained reports of forecasts (HTML)."""

from __future__ import annotations

from .html import report

__all__ = ["report"]
