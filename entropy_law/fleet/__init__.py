"""Across runs: comparing interventions and fitting the law across model sizes."""

from .compare import compare
from .comparison import Comparison, Difference
from .scaling import ScalingPrediction, ScalingResult, fit_scaling

__all__ = ["Comparison", "Difference", "compare", "ScalingPrediction", "ScalingResult", "fit_scaling"]
