r"""Planted structure of the simulator: prompt groups and an entropy floor.

Prompt groups (``SimConfig.groups``)
    Group :math:`g` owns a block of ``dim + 1`` features (its own bias included); its
    prompts are zero outside that block, so the shared linear policy answers each group
    with weights only that group trains. The groups share the batches (drawn from one
    shuffled pool) and the optimiser. ``group_share`` splits the training and validation
    prompts; ``group_entropy_coef`` gives each group's prompts their own entropy bonus. The
    entropy of a group at a step is the mean per-token entropy of its prompts in that batch.

Entropy floor (``SimConfig.entropy_floor``)
    The rollout policy is :math:`\pi = (1-\varepsilon)\,p + \varepsilon/V` with
    :math:`p = \mathrm{softmax}(W\phi)`. Its entropy is smallest when :math:`p` is one-hot,

    .. math::

        H_{min}(\varepsilon) = -q\log q - (V-1)\,\frac{\varepsilon}{V}\log\frac{\varepsilon}{V},
        \qquad q = 1 - \varepsilon + \varepsilon/V,

    increasing in :math:`\varepsilon` from 0 to :math:`\log V`; :func:`epsilon_for_floor`
    inverts it (bisection), so the planted floor is exact: the logged entropy approaches it
    from above as the policy sharpens and never goes below it. The floor is per answer token;
    with ``format_phase`` the format token is not floored, so the logged mean's floor is
    ``length / (length + 1)`` of it. The policy gradient is that of :math:`\log\pi`,
    :math:`(1-\varepsilon)\,p_y/\pi_y\,(\mathbb{1}_y - p)` per sampled token.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import EntropyLawError

__all__ = ["check_groups", "epsilon_for_floor", "floor_entropy", "group_counts", "GROUP_KEY"]

#: Metric key of a group's entropy (the Entropy-Mechanism fork of verl's per-source key).
GROUP_KEY = "train_entropy/{}"


def floor_entropy(eps: float, vocab: int) -> float:
    r""":math:`H_{min}(\varepsilon)`: entropy of a one-hot policy mixed with ``eps`` uniform."""
    if eps <= 0:
        return 0.0
    q, r = 1.0 - eps + eps / vocab, eps / vocab
    return float(-q * math.log(q) - (vocab - 1) * r * math.log(r))


def epsilon_for_floor(h_inf: float, vocab: int) -> float:
    r"""The uniform fraction :math:`\varepsilon` whose :math:`H_{min}` is *h_inf* (nats)."""
    if h_inf <= 0:
        return 0.0
    lo, hi = 0.0, 1.0
    for _ in range(80):  # bisection to ~1e-24 in eps: exact for every practical purpose
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if floor_entropy(mid, vocab) < h_inf else (lo, mid)
    return 0.5 * (lo + hi)


def group_counts(n: int, share: np.ndarray) -> np.ndarray:
    """Prompts per group: ``n`` split by *share* (largest remainders), every group >= 1."""
    raw = share * n
    out = np.maximum(np.floor(raw).astype(int), 1)
    while out.sum() < n:
        out[int(np.argmax(raw - out))] += 1
    while out.sum() > n:
        out[int(np.argmax(out))] -= 1
    return out


def shares(cfg) -> np.ndarray:
    """Normalised group shares of a :class:`SimConfig` with groups."""
    s = np.asarray(cfg.group_share or [1.0] * len(cfg.groups), float)
    return s / s.sum()


def check_groups(cfg) -> None:
    """Validate the group and floor settings of a :class:`SimConfig` (raise naming the setting)."""
    g = cfg.groups
    if not isinstance(g, tuple) or not all(isinstance(x, str) and x and "/" not in x for x in g):
        raise EntropyLawError(f"SimConfig.groups must be a tuple of non-empty names without '/'; got {g!r}.")
    if len(set(g)) != len(g) or "all" in g:
        raise EntropyLawError(f"SimConfig.groups must be distinct names other than 'all'; got {g!r}.")
    for name in ("group_share", "group_entropy_coef"):
        v = getattr(cfg, name)
        if not isinstance(v, tuple):
            raise EntropyLawError(f"SimConfig.{name} must be a tuple of numbers; got {v!r}.")
        if v and len(v) != len(g):
            raise EntropyLawError(
                f"SimConfig.{name} must hold one number per group ({len(g)} for {list(g)}); got {len(v)}."
            )
        bad = [x for x in v if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x)]
        if bad or any(x < 0 for x in v) or (name == "group_share" and any(x <= 0 for x in v)):
            what = "> 0" if name == "group_share" else ">= 0"
            raise EntropyLawError(f"SimConfig.{name} must hold finite numbers {what}; got {v!r}.")
    if g and cfg.batch_prompts < len(g):
        raise EntropyLawError(
            f"SimConfig.batch_prompts ({cfg.batch_prompts}) must be at least the number of groups ({len(g)})."
        )
    if g and cfg.n_val < len(g):
        raise EntropyLawError(
            f"SimConfig.n_val ({cfg.n_val}) must be at least the number of groups ({len(g)})."
        )
    if not cfg.entropy_floor < math.log(cfg.vocab):
        raise EntropyLawError(
            f"SimConfig.entropy_floor must lie in [0, log(vocab)) = [0, {math.log(cfg.vocab):.4g}) nats; "
            f"got {cfg.entropy_floor!r}."
        )
