"""verl's printed configuration: the ``pprint`` of the resolved Hydra config at start-up.

verl's ``TaskRunner`` prints ``pprint(OmegaConf.to_container(config, resolve=True))``,
a multi-line dict repr starting ``{'actor_rollout_ref': ...`` (or ``{'algorithm': ...``),
each line behind a Ray prefix such as ``(TaskRunner pid=14640)`` and ANSI colour codes.
:func:`printed_config` recovers it as a dict, kept as a run attribute
(``table.attrs["run_meta"][run]["config"]``). Anything that does not parse is ignored.
"""

from __future__ import annotations

import ast
import re

__all__ = ["printed_config"]

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_PREFIX = re.compile(r"^\s*\([A-Za-z_][\w.]* pid=\d+(?:, ip=[\d.]+)?\)\s?")
_START = re.compile(r"^\{'(actor_rollout_ref|algorithm|data|trainer)':")
_MAX_LINES = 5000


def _clean(line: str) -> str:
    return _PREFIX.sub("", _ANSI.sub("", line))


def printed_config(text: str) -> dict | None:
    """The first printed verl config in *text* as a dict, or None."""
    lines = text.splitlines()
    for i, raw in enumerate(lines):
        first = _clean(raw)
        if not _START.match(first):
            continue
        block = []
        depth = 0
        for line in lines[i : i + _MAX_LINES]:
            cl = _clean(line)
            block.append(cl)
            # quoted text rarely holds braces in a verl config; an unbalanced guess only
            # makes literal_eval fail, and then the config is skipped
            depth += cl.count("{") + cl.count("[") - cl.count("}") - cl.count("]")
            if depth <= 0:
                break
        try:
            obj = ast.literal_eval("\n".join(block))
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return None
        return obj if isinstance(obj, dict) else None
    return None
