"""Stage 6, checking runs for CI: settings and results, the rules, configuration, reports."""

from .config import CONFIG_KEYS, CheckConfigError, find_config, read_config
from .report import FORMATS, render
from .result import STATUSES, CheckResult, CheckSettings, Reason, RunCheck
from .runner import check, iter_check, judge

__all__ = [
    "CONFIG_KEYS",
    "CheckConfigError",
    "find_config",
    "read_config",
    "FORMATS",
    "render",
    "STATUSES",
    "CheckResult",
    "CheckSettings",
    "Reason",
    "RunCheck",
    "check",
    "iter_check",
    "judge",
]
