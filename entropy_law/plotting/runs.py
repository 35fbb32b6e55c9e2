"""Many forecasts as input to one figure: normalise a Comparison, a mapping or a sequence
of :class:`~entropy_law.forecasting.result.ForecastResult` to ``{name: result}``."""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import EntropyLawError

__all__ = ["as_results"]


def as_results(results, who: str) -> tuple[dict, str | None]:
    """``({name: ForecastResult}, baseline or None)`` from *results*.

    *results*: a :class:`~entropy_law.fleet.comparison.Comparison` (its runs, baseline
    first), a mapping name -> ForecastResult, or a sequence of ForecastResults.
    """
    from ..forecasting.result import ForecastResult

    baseline = None
    if hasattr(results, "forecasts") and hasattr(results, "baseline"):
        baseline = results.baseline
        out = {name: results.forecasts[name] for name in results.runs}
    elif isinstance(results, ForecastResult):
        out = {results.run: results}
    elif isinstance(results, Mapping):
        out = {str(k): v for k, v in results.items()}
    elif isinstance(results, (list, tuple)):
        out = {}
        for i, r in enumerate(results):
            name = str(getattr(r, "run", "") or f"run {i}")
            out[name if name not in out else f"{name} ({i})"] = r
    else:
        raise EntropyLawError(
            f"{who}: results must be a Comparison, a dict of ForecastResults or a list of them; "
            f"got {type(results).__name__}."
        )
    bad = [k for k, v in out.items() if not isinstance(v, ForecastResult)]
    if bad:
        raise EntropyLawError(
            f"{who}: {bad[:5]} are not ForecastResults (from entropy_law.forecast); forecast them first."
        )
    if not out:
        raise EntropyLawError(f"{who}: no results to draw; give at least one ForecastResult.")
    return out, baseline
