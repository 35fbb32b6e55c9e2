r"""Which logged metrics split the policy entropy by group (data source, task, token class).

Detection rule (:func:`group_keys`), given the run's metric keys and the chosen global
entropy key ``K`` (:mod:`entropy_law.table.metrics`). Keys are matched exactly as logged;
a key is a *group key* with group name ``g`` when it is

1. ``train_entropy/<g>`` (the Entropy-Mechanism fork of verl: one key per data source,
   ``train_entropy/all`` being the global one), whatever ``K`` is;
2. ``K/<g>`` or ``K_<g>`` (``actor/entropy/math``, ``actor/entropy_planning``,
   ``entropy_execution``): the global key extended by a group name;
3. ``<P>/<g>_entropy`` or ``<P>/<g>_token_entropy`` where ``<P>/`` is the prefix of ``K``
   (``actor/planning_entropy`` next to ``actor/entropy``; ``planning_entropy`` next to
   ``entropy``): per-token-class keys.

and ``g`` is not a statistic or a loss term: ``all``, ``mean``, ``avg``, ``std``, ``var``,
``min``, ``max``, ``median``, ``sum``, ``loss``, ``coef``, ``coeff``, ``bonus``, ``weight``,
``reg``, ``ratio``, ``kurtosis``, ``skew``, ``pNN`` / ``qNN`` (percentiles), and words made of
them (``entropy_loss`` is a global key, not a group ``loss``). Keys starting with
``val``, ``eval`` or ``test`` are never groups (entropy of evaluation samples), nor is
``K`` itself or another known global entropy key. A trailing ``_tokens`` / ``_token`` is
dropped from the group name (``planning_tokens`` -> ``planning``).

The rule needs no configuration; ``groups=`` of :func:`entropy_law.forecast` overrides it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from ..errors import MetricError
from .metrics import ENTROPY_KEYS

__all__ = ["group_keys", "resolve_groups", "NOT_GROUPS"]

NOT_GROUPS = re.compile(
    r"^((all|mean|avg|average|std|var|min|max|median|sum|loss|coef|coeff|bonus|weight|reg|ratio|"
    r"kurtosis|skew|total|global|[pq]\d+|pct\d+)(_|$))+$",
    re.IGNORECASE,
)
_EVAL = re.compile(r"^(val|eval|test)", re.IGNORECASE)
_TOKEN_CLASS = re.compile(r"^(?P<g>.+?)_(token_)?entropy$")


def _clean(g: str) -> str | None:
    g = re.sub(r"_tokens?$", "", g)
    if not g or NOT_GROUPS.match(g):
        return None
    return g


def group_keys(names: Sequence[str], entropy: str) -> dict[str, str]:
    """Group name -> metric key of the entropy groups among *names* (module docstring).

    Parameters
    ----------
    names : sequence of str
        The run's metric keys.
    entropy : str
        The global entropy key chosen for the run.

    Returns
    -------
    dict
        In the order the keys appear in *names*; empty when the log does not split entropy.
    """
    prefix = entropy.rsplit("/", 1)[0] + "/" if "/" in entropy else ""
    out: dict[str, str] = {}
    for key in names:
        if key == entropy or key in ENTROPY_KEYS or _EVAL.match(key):
            continue
        g: str | None = None
        if key.startswith("train_entropy/"):
            g = key[len("train_entropy/") :]
        elif key.startswith(entropy + "/") or key.startswith(entropy + "_"):
            g = key[len(entropy) + 1 :]
        elif key.startswith(prefix) and "/" not in key[len(prefix) :]:
            m = _TOKEN_CLASS.match(key[len(prefix) :])
            g = m.group("g") if m else None
        g = _clean(g) if g else None
        if g and g not in out:
            out[g] = key
    return out


def resolve_groups(groups, names: Sequence[str], entropy: str) -> dict[str, str]:
    """The groups of a forecast: ``"auto"`` (the rule), ``None`` (none), keys or a mapping.

    A list of keys names each group by its key; a mapping is ``{name: key}``. Every key
    must be logged; the error lists the keys that are.
    """
    if groups is None:
        return {}
    if isinstance(groups, str):
        if groups != "auto":
            raise MetricError(
                f"groups={groups!r} must be 'auto', None, a list of metric keys or a mapping name -> key.",
                role="entropy",
            )
        return group_keys(names, entropy)
    pairs = list(groups.items()) if isinstance(groups, Mapping) else [(str(k), k) for k in groups]
    missing = [k for _, k in pairs if k not in names]
    if missing:
        cands = list(group_keys(names, entropy).values()) or sorted(
            n for n in names if "entropy" in n.lower()
        )
        raise MetricError(
            f"groups: {missing} not logged in this run; entropy keys logged: {cands}.",
            role="entropy",
            candidates=cands,
        )
    return {str(name): str(key) for name, key in pairs}
