"""Stage 4, the entropy trajectory H(t): decay families, the regime rule, the averaged fit."""

from .families import FAMILIES, DecayFamily
from .fit import MIN_POINTS, fit_trajectory
from .regime import (
    COLLAPSE_FRAC,
    INITIAL_FRAC,
    MIN_REL_CHANGE,
    REBOUND_FRAC,
    classify_regime,
)
from .result import FamilyFit, FloorEstimate, TrajectoryResult

__all__ = [
    "FAMILIES",
    "DecayFamily",
    "MIN_POINTS",
    "fit_trajectory",
    "COLLAPSE_FRAC",
    "INITIAL_FRAC",
    "MIN_REL_CHANGE",
    "REBOUND_FRAC",
    "classify_regime",
    "FamilyFit",
    "FloorEstimate",
    "TrajectoryResult",
]
