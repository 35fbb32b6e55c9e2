"""Which logged metric is the policy entropy, and which is performance.

Detection rules (first match wins, in this order). Keys are matched exactly as logged.

Entropy
    ``actor/entropy`` (verl >= 0.4.1), ``actor/entropy_loss`` (verl <= 0.4.0, the positive
    mean entropy despite its name), ``train_entropy/all`` (Entropy-Mechanism fork of verl),
    ``entropy``, ``train/entropy`` (TRL >= 0.20, HF writers), ``train/entropy_loss`` and
    ``entropy_loss`` (OpenRLHF), ``policy/entropy``, ``objective/entropy``.

Performance, validation (``kind="val"``)
    verl ``val-core/<data>/<var>/mean@N`` (MLflow: ``mean_at_N``; tensorboardX: ``mean_N``),
    verl <= 0.3 ``val/test_score/<data>``, OpenRLHF ``eval/eval_<data>_pass1``, TRL
    ``eval/reward`` / ``eval_reward`` / ``eval/rewards/<f>/mean``, and plain ``val_acc``,
    ``val/acc``, ``val_accuracy``, ``eval/accuracy``.

Performance, training (``kind="train"``)
    ``critic/score/mean`` (verl raw score), ``train/reward``, ``reward`` (TRL),
    ``train/rollout/reward_mean`` (OpenRLHF), ``critic/rewards/mean``.

With ``kind="auto"`` a single validation metric wins over the training reward. When
verl logs ``mean@N``, ``best@N/mean`` and ``maj@N/mean`` for one dataset, ``mean@N`` is
taken. Several validation metrics otherwise (one per dataset) are ambiguous: the error lists
them and says how to choose (``reward=`` / ``--reward``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .. import _validate as v
from ..errors import MetricError
from .tidy import require_metric

__all__ = ["ENTROPY_KEYS", "TRAIN_REWARD_KEYS", "VAL_PATTERNS", "detect", "candidates"]

ENTROPY_KEYS = (
    "actor/entropy",
    "actor/entropy_loss",
    "train_entropy/all",
    "entropy",
    "train/entropy",
    "train/entropy_loss",
    "entropy_loss",
    "policy/entropy",
    "objective/entropy",
)

TRAIN_REWARD_KEYS = (
    "critic/score/mean",
    "train/reward",
    "reward",
    "train/rollout/reward_mean",
    "rollout/reward_mean",
    "critic/rewards/mean",
)

VAL_PATTERNS = tuple(
    re.compile(p)
    for p in (
        r"^val-core/.+/(acc|reward|score)/(mean|maj|best)(@|_at_|_)\d+(/mean)?$",
        r"^val/test_score/.+$",
        r"^eval/eval_.+_pass1$",
        r"^eval(/|_)reward$",
        r"^eval(/|_)rewards/.+/mean$",
        r"^(val|eval)[_/](acc|accuracy|score)$",
    )
)

# among several verl val-core keys of one dataset, mean@N is the accuracy (best@N and
# maj@N are pass@N-style summaries of the same samples)
_MEAN_AT = re.compile(r"/(acc|reward|score)/mean(@|_at_|_)\d+$")

_OTHER_ENTROPY = re.compile(r"(^|/)entropy($|/|_)", re.IGNORECASE)


def candidates(names: Sequence[str]) -> dict[str, list[str]]:
    """Group *names* into entropy, validation and training-reward candidates."""
    names = list(names)
    ent = [k for k in ENTROPY_KEYS if k in names]
    ent += [
        n for n in names if n not in ent and _OTHER_ENTROPY.search(n) and "coef" not in n and "coeff" not in n
    ]
    val = [n for n in names if any(p.match(n) for p in VAL_PATTERNS)]
    train = [k for k in TRAIN_REWARD_KEYS if k in names]
    return {"entropy": ent, "val": val, "train": train}


def detect(
    names: Sequence[str],
    *,
    entropy: str | None = None,
    reward: str | None = None,
    kind: str = "auto",
    run: str = "",
) -> tuple[str, str]:
    """Return the ``(entropy, reward)`` metric keys for a run with metrics *names*.

    Explicit *entropy* / *reward* are checked to exist; missing ones are detected with
    the rules of this module. Raises :class:`MetricError` listing the candidates when
    nothing or more than one thing fits.
    """
    names = v.metric_names("detect_metrics", "names", names)
    v.metric_name("detect_metrics", "entropy", entropy)
    v.metric_name("detect_metrics", "reward", reward)
    if kind not in ("auto", "val", "train"):
        raise MetricError(f"kind={kind!r} must be 'auto', 'val' or 'train'.", role="reward")
    names = list(names)
    where = f" in run {run!r}" if run else ""
    found = candidates(names)
    if entropy is not None:
        require_metric(names, entropy, role="entropy", run=run)
    else:
        # a known key wins outright; otherwise one pattern match is enough
        known = [k for k in ENTROPY_KEYS if k in names]
        if known:
            entropy = known[0]
        elif len(found["entropy"]) == 1:
            entropy = found["entropy"][0]
        else:
            raise MetricError(
                f"could not tell which metric is the policy entropy{where}: "
                + (
                    f"candidates {found['entropy']}"
                    if found["entropy"]
                    else f"none of the known keys {list(ENTROPY_KEYS)} is logged"
                )
                + f". Pass entropy=KEY (CLI: --entropy KEY); metrics present: {sorted(names)}.",
                role="entropy",
                candidates=found["entropy"] or sorted(names),
            )
    if reward is not None:
        require_metric(names, reward, role="reward", run=run)
        return entropy, reward
    val, train = found["val"], found["train"]
    if len(val) > 1 and len([v for v in val if _MEAN_AT.search(v)]) == 1:
        val = [v for v in val if _MEAN_AT.search(v)]
    order = {"auto": (val, train), "val": (val,), "train": (train,)}[kind]
    for group in order:
        if len(group) == 1 or (group is train and group):
            return entropy, group[0]
        if len(group) > 1:
            raise MetricError(
                f"several performance metrics fit{where}: {group}. Pass reward=KEY "
                "(CLI: --reward KEY) to choose one.",
                role="reward",
                candidates=group,
            )
    want = {"auto": "validation or training-reward", "val": "validation", "train": "training-reward"}[kind]
    raise MetricError(
        f"no {want} metric recognised{where}. Pass reward=KEY (CLI: --reward KEY); "
        f"metrics present: {sorted(names)}.",
        role="reward",
        candidates=sorted(names),
    )
