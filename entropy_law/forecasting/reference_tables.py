"""Reference runs from tidy tables: :func:`reference_set`, fitted once and reusable.

A thin constructor over :func:`entropy_law.forecasting.reference.references` that turns
each run of the tables into a series with
:func:`~entropy_law.forecasting.forecaster.prepare_run` (kept apart so that the reference
modules never import the forecaster that calls them).
"""

from __future__ import annotations

from .._defaults import N_BOOT_FLEET, SEED
from .forecaster import prepare_run
from .reference import ReferenceSet, references

__all__ = ["reference_set"]


def reference_set(
    tables, *, entropy=None, reward=None, kind="auto", n_boot: int = N_BOOT_FLEET, seed: int = SEED
) -> ReferenceSet:
    """Fit every run of *tables* (a tidy long table of runs, a list of them, or a path) as a
    reference, once; pass the result to ``el.forecast(run, reference=...)`` for many runs.

    Examples
    --------
    >>> import entropy_law as el
    >>> from entropy_law.forecasting.reference_tables import reference_set
    >>> refs = reference_set(el.load("finished_runs/"))  # doctest: +SKIP
    >>> fc = el.forecast(new_run, upto_fraction=0.1, reference=refs)  # doctest: +SKIP
    """
    return references(
        tables, entropy=entropy, reward=reward, kind=kind, n_boot=n_boot, seed=seed, prepare=prepare_run
    )
