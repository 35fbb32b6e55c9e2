"""Which logged metric is the policy entropy, and which is performance.

Detection rules. Keys are matched exactly as logged.

Entropy
    The first present of ``actor/entropy`` (verl >= 0.4.1), ``actor/entropy_loss`` (verl
    <= 0.4.0, the positive mean entropy despite its name), ``train_entropy/all``
    (Entropy-Mechanism fork of verl), ``entropy``, ``train/entropy`` (TRL >= 0.20, HF
    writers), ``train/entropy_loss`` and ``entropy_loss`` (OpenRLHF), ``optim/entropy``
    (Tinker), ``train/token_entropy`` (typed JSON lines), ``policy/entropy``,
    ``objective/entropy``. Otherwise a single key with ``entropy`` as a word of it
    (``entropy_avg``, ``token_entropy``, ``x/entropy``; not ``*coef*``), the one logged at
    most steps when several are.

Performance, validation (``kind="val"``), in tiers (a lower tier wins)
    0. verl ``val-core/<data>/<var>/mean@N`` (MLflow ``mean_at_N``, tensorboardX
       ``mean_N``), verl <= 0.3 ``val/test_score/<data>``, OpenRLHF
       ``eval/eval_<data>_pass1``;
    1. accuracy keys with a validation prefix: ``val_acc``, ``eval_acc``, ``eval/accuracy``,
       ``eval/answer_accuracy``, ``test/acc`` ... (``(val|eval|test)`` then ``acc``,
       ``accuracy``, ``answer_accuracy``, ``score``, ``exact_match``, ``pass@1``);
    2. TRL's eval reward ``eval_reward`` / ``eval/reward``, then its per-function
       ``eval_rewards/<f>/mean``, Tinker's ``test/env/all/reward/total``;
    3. verl ``val-aux/<data>/<var>/mean@N`` (what verl's ReTool recipe logs every 10 steps
       while ``val-core`` is logged only at step 0).

    Within a tier verl's ``<var>`` ranks ``acc`` > ``reward`` > ``score``, ``mean@N`` ranks
    over ``best@N/mean`` and ``maj@N/mean``, and a key logged at more steps wins.

Performance, training (``kind="train"``)
    The first present of ``critic/score/mean`` (verl raw score), ``train/reward``,
    ``reward`` (TRL), ``train/rollout/reward_mean`` (OpenRLHF), ``rollout/reward_mean``,
    ``rollout/reward`` (typed JSON lines), ``env/all/reward/total`` (Tinker),
    ``reward_avg``, ``critic/rewards/mean``.

Logged throughout
    When point counts are known (``counts=``, as :func:`entropy_law.table.align` and
    ``inspect`` pass them), a metric logged at :data:`SPARSE_MAX` (2) steps or fewer is
    *sparse* and loses to any metric logged at more steps: a validation key logged only
    before training (verl ReTool's ``val-core/aime_2024/acc/mean@16`` at step 0) gives way to
    ``val-aux/...`` logged every 10 steps, and with ``kind="auto"`` a sparse validation
    metric gives way to the training reward.

With ``kind="auto"`` a validation metric wins over the training reward. Two validation
metrics that tie on every rule above (one per dataset, logged equally often) are broken by
the run's training data when its attributes name it (``meta=``, e.g. verl's printed
``data.train_files``): the validation set of the earliest-listed training file wins
(:mod:`entropy_law.table.train_data`), and the reason says so. Otherwise the tie is
ambiguous: the error lists the metrics and says how to choose (``reward=`` / ``--reward``).
:func:`choose` returns the choice with a sentence saying why.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .. import _validate as v
from ..errors import MetricError
from .tidy import require_metric
from .train_data import break_tie

__all__ = [
    "ENTROPY_KEYS",
    "TRAIN_REWARD_KEYS",
    "VAL_PATTERNS",
    "VAL_TIERS",
    "SPARSE_MAX",
    "Detection",
    "detect",
    "choose",
    "candidates",
]

SPARSE_MAX = 2

ENTROPY_KEYS = (
    "actor/entropy",
    "actor/entropy_loss",
    "train_entropy/all",
    "entropy",
    "train/entropy",
    "train/entropy_loss",
    "entropy_loss",
    "optim/entropy",
    "train/token_entropy",
    "policy/entropy",
    "objective/entropy",
)

TRAIN_REWARD_KEYS = (
    "critic/score/mean",
    "train/reward",
    "reward",
    "train/rollout/reward_mean",
    "rollout/reward_mean",
    "rollout/reward",
    "env/all/reward/total",
    "reward_avg",
    "critic/rewards/mean",
)

_N = r"(@|_at_|_)\d+"
VAL_TIERS: tuple[tuple[re.Pattern, ...], ...] = tuple(
    tuple(re.compile(p) for p in tier)
    for tier in (
        (
            rf"^val-core/.+/(acc|reward|score)/(mean|maj|best){_N}(/mean)?$",
            r"^val/test_score/.+$",
            r"^eval/eval_.+_pass1$",
        ),
        (
            r"^(val|eval|test)[_/](.+/)?(acc|accuracy|answer_accuracy|score|exact_match|pass@1|pass_at_1)$",
            r"^(val|eval|test)_(answer_)?(acc|accuracy)$",
        ),
        (
            r"^eval(/|_)reward$",
            r"^eval(/|_)rewards/.+/mean$",
            r"^test/(.+/)?reward(/total|/mean)?$",
        ),
        (rf"^val-aux/.+/(acc|reward|score)/mean{_N}$",),
    )
)
VAL_PATTERNS = tuple(p for tier in VAL_TIERS for p in tier)

_TIER_WHY = (
    "a verl / OpenRLHF validation metric",
    "a validation accuracy key",
    "a validation reward",
    "verl's auxiliary validation (val-aux)",
)

# among several verl val keys of one dataset, mean@N is the accuracy (best@N and maj@N
# are pass@N-style summaries of the same samples)
_MEAN_AT = re.compile(rf"/(acc|reward|score)/mean{_N}$")
_VAR = re.compile(r"^val-(?:core|aux)/.+/(acc|reward|score)/")
_VAR_RANK = {"acc": 0, "reward": 1, "score": 2}

_OTHER_ENTROPY = re.compile(r"(^|/|_)entropy($|/|_)", re.IGNORECASE)


@dataclass(frozen=True)
class Detection:
    """What :func:`choose` picked, and why (one sentence per role)."""

    entropy: str
    reward: str
    entropy_reason: str
    reward_reason: str
    candidates: dict = field(default_factory=dict)

    @property
    def reason(self) -> str:
        """Both sentences, for ``inspect`` and ``attrs``."""
        return f"entropy: {self.entropy_reason}; performance: {self.reward_reason}"


def _tier(name: str) -> int | None:
    t = _rank(name)
    return None if t is None else t[0]


def _rank(name: str) -> tuple[int, int] | None:
    """(tier, pattern within the tier) of a validation key, or None."""
    for i, tier in enumerate(VAL_TIERS):
        for j, p in enumerate(tier):
            if p.match(name):
                return i, j
    return None


def candidates(names: Sequence[str]) -> dict[str, list[str]]:
    """Group *names* into entropy, validation and training-reward candidates."""
    names = list(names)
    ent = [k for k in ENTROPY_KEYS if k in names]
    ent += [
        n
        for n in names
        if n not in ent and _OTHER_ENTROPY.search(n) and "coef" not in n.lower() and not n.startswith("eval")
    ]
    val = [n for n in names if _tier(n) is not None]
    train = [k for k in TRAIN_REWARD_KEYS if k in names]
    return {"entropy": ent, "val": val, "train": train}


def _n(counts: Mapping[str, int] | None, name: str) -> int | None:
    return None if counts is None else int(counts.get(name, 0))


def _sparse(counts, name) -> bool:
    n = _n(counts, name)
    return n is not None and n <= SPARSE_MAX


def _pts(counts, name) -> str:
    n = _n(counts, name)
    return "" if n is None else f", logged at {n} step(s)"


def _val_key(name: str, counts) -> tuple:
    m = _VAR.match(name)
    var = _VAR_RANK.get(m.group(1), 3) if m else 0
    stat = 0 if (_MEAN_AT.search(name) or not m) else 1
    n = _n(counts, name) or 0
    tier, pat = _rank(name) or (len(VAL_TIERS), 0)
    return (_sparse(counts, name), tier, var, stat, pat, -n)


def _choose_entropy(names, found, counts, where) -> tuple[str, str]:
    known = [k for k in ENTROPY_KEYS if k in names]
    dense = [k for k in known if not _sparse(counts, k)] or known
    if dense:
        return dense[0], f"{dense[0]} (a known entropy key{_pts(counts, dense[0])})"
    other = found["entropy"]
    if len(other) == 1:
        return other[0], f"{other[0]} (the only key naming entropy{_pts(counts, other[0])})"
    if len(other) > 1 and counts is not None:
        ranked = sorted(other, key=lambda k: -(_n(counts, k) or 0))
        if (_n(counts, ranked[0]) or 0) > (_n(counts, ranked[1]) or 0):
            return ranked[0], (
                f"{ranked[0]} (of the keys naming entropy {other}, the one logged at most steps"
                f"{_pts(counts, ranked[0])})"
            )
    raise MetricError(
        f"could not tell which metric is the policy entropy{where}: "
        + (f"candidates {other}" if other else f"none of the known keys {list(ENTROPY_KEYS)} is logged")
        + f". Pass entropy=KEY (CLI: --entropy KEY); metrics present: {sorted(names)}.",
        role="entropy",
        candidates=other or sorted(names),
    )


def _choose_val(val: list[str], counts, where, meta) -> tuple[str, str] | None:
    if not val:
        return None
    ranked = sorted(val, key=lambda k: _val_key(k, counts))
    best = ranked[0]
    ties = [k for k in ranked if _val_key(k, counts) == _val_key(best, counts)]
    tie_why = ""
    if len(ties) > 1:
        winner, tie_why = break_tie(ties, meta)
        if winner is None:
            raise MetricError(
                f"several performance metrics fit{where}: {ties} ({tie_why}). Pass reward=KEY "
                "(CLI: --reward KEY) to choose one.",
                role="reward",
                candidates=ties,
            )
        best = winner
        ranked = [best] + [k for k in ranked if k != best]
    why = f"{best} ({_TIER_WHY[_tier(best) or 0]}{_pts(counts, best)}"
    others = [k for k in ranked[1:]]
    sparse_lost = [k for k in others if _sparse(counts, k) and not _sparse(counts, best)]
    if tie_why:
        rivals = [k for k in ties if k != best]
        why += f"; tied on every rule with {rivals}, chosen because {tie_why}"
    elif sparse_lost:
        why += (
            f"; preferred over {sparse_lost[:3]}, logged at {SPARSE_MAX} step(s) or fewer, "
            "because it is logged throughout the run"
        )
    elif others:
        why += f"; ranked above {len(others)} other validation key(s), e.g. {others[0]}"
    return best, why + ")"


def choose(
    names: Sequence[str],
    *,
    entropy: str | None = None,
    reward: str | None = None,
    kind: str = "auto",
    run: str = "",
    counts: Mapping[str, int] | None = None,
    meta: Mapping | None = None,
) -> Detection:
    """Pick the entropy and performance metrics of one run and say why.

    Parameters
    ----------
    names : sequence of str
        The run's metric keys.
    entropy, reward : str, optional
        Explicit keys; checked to exist.
    kind : {"auto", "val", "train"}
        Which performance family to use (module docstring).
    run : str
        The run's name, for messages.
    counts : mapping, optional
        Points per metric; enables the "logged throughout" rule.
    meta : mapping, optional
        The run's attributes (``table.attrs["run_meta"][run]``); the training data they
        name breaks a tie between validation metrics (module docstring).

    Raises
    ------
    MetricError
        Nothing fits, or several metrics tie; the message lists the candidates.
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
        ent_why = f"{entropy} (given)"
    else:
        entropy, ent_why = _choose_entropy(names, found, counts, where)
    if reward is not None:
        require_metric(names, reward, role="reward", run=run)
        return Detection(entropy, reward, ent_why, f"{reward} (given)", found)
    val = [v for v in found["val"] if v != entropy]
    train = [k for k in found["train"] if k != entropy]
    dense_train = [k for k in train if not _sparse(counts, k)] or train
    if kind in ("auto", "val"):
        picked = _choose_val(val, counts, where, meta)
        if picked is not None:
            if (
                kind == "auto"
                and _sparse(counts, picked[0])
                and dense_train
                and not _sparse(counts, dense_train[0])
            ):
                why = (
                    f"{dense_train[0]} (a training reward{_pts(counts, dense_train[0])}; the validation "
                    f"metric {picked[0]} is logged at {SPARSE_MAX} step(s) or fewer)"
                )
                return Detection(entropy, dense_train[0], ent_why, why, found)
            return Detection(entropy, picked[0], ent_why, picked[1], found)
    if kind in ("auto", "train") and dense_train:
        why = f"{dense_train[0]} (a training reward{_pts(counts, dense_train[0])}"
        why += "; no validation metric recognised)" if kind == "auto" else ")"
        return Detection(entropy, dense_train[0], ent_why, why, found)
    want = {"auto": "validation or training-reward", "val": "validation", "train": "training-reward"}[kind]
    raise MetricError(
        f"no {want} metric recognised{where}. Pass reward=KEY (CLI: --reward KEY); "
        f"metrics present: {sorted(names)}.",
        role="reward",
        candidates=sorted(names),
    )


def detect(
    names: Sequence[str],
    *,
    entropy: str | None = None,
    reward: str | None = None,
    kind: str = "auto",
    run: str = "",
    counts: Mapping[str, int] | None = None,
    meta: Mapping | None = None,
) -> tuple[str, str]:
    """Return the ``(entropy, reward)`` metric keys for a run with metrics *names*.

    As :func:`choose`, without the reasons.
    """
    d = choose(names, entropy=entropy, reward=reward, kind=kind, run=run, counts=counts, meta=meta)
    return d.entropy, d.reward
