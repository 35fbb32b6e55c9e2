"""Stage 2, the tidy table: the long-table contract, metric detection, entropy/reward alignment."""

from .align import ALIGN_RULES, align_arrays, entropy_reward
from .metrics import candidates, detect
from .tidy import (
    LONG_COLUMNS,
    OPTIONAL_COLUMNS,
    make_long,
    metric_summary,
    require_metric,
    tidy,
    to_wide,
)

__all__ = [
    "ALIGN_RULES",
    "align_arrays",
    "entropy_reward",
    "candidates",
    "detect",
    "LONG_COLUMNS",
    "OPTIONAL_COLUMNS",
    "make_long",
    "metric_summary",
    "require_metric",
    "tidy",
    "to_wide",
]
