"""Settings of a simulated GRPO run: :class:`SimConfig`, frozen and validated."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..errors import EntropyLawError, closest

__all__ = ["SimConfig"]

_POS_INT = (
    "n_steps",
    "batch_prompts",
    "group_size",
    "vocab",
    "length",
    "dim",
    "n_train",
    "n_val",
    "eval_every",
)
_NONNEG = (
    "lr",
    "entropy_coef",
    "kl_coef",
    "margin",
    "init_skill",
    "init_scale",
    "format_gain",
    "adv_eps",
    "entropy_floor",
)
_TUPLES = ("groups", "group_share", "group_entropy_coef")
_BOOL = ("format_phase", "partial_credit", "exact_eval")
_OPTIMIZERS = ("adam", "sgd")


@dataclass(frozen=True)
class SimConfig:
    """Settings of one simulated GRPO run (the model is described in :mod:`entropy_law.simulate`).

    With the defaults a 300-step run takes about 0.1-0.2 s; entropy falls about tenfold
    to a floor while validation accuracy rises from about 0.17 to a plateau near 0.65,
    below the planted ceiling of about 0.70 (30 % of the prompts are unlearnable).

    Attributes
    ----------
    n_steps : int
        Training steps (one rollout batch and one update each).
    batch_prompts, group_size : int
        Prompts per step and responses per prompt (the GRPO group, >= 2). Prompts are
        visited in shuffled epochs, as a dataloader does.
    lr : float
        Learning rate. The toy has no ``1e-6`` scale: with Adam, ``lr`` is about the change
        of each weight per step, and 0.05-0.5 spans slow to aggressive.
    optimizer : {"adam", "sgd"}
        Adam (betas 0.9, 0.999, eps 1e-8) or plain gradient ascent.
    entropy_coef : float
        Weight :math:`c_H` of the mean-token-entropy bonus. Above about 0.2 with the defaults
        the bonus wins and the policy blows up to uniform, as entropy bonuses can.
    kl_coef : float
        Weight :math:`c_{KL}` of the exact per-token KL penalty to the initial policy.
    vocab, length, dim : int
        Tokens per answer position V (>= 2), answer length L, prompt feature dimension d.
    n_train, n_val : int
        Training prompts and held-out validation prompts.
    hard_fraction : float
        Fraction of prompts, in [0, 1], whose labels are random: unlearnable, so the
        ceiling is about ``1 - hard_fraction``.
    margin : float
        Minimum teacher logit gap of a well-posed prompt (smaller: more prompts near a
        decision boundary, a slower power-law tail instead of a plateau).
    eval_every : int
        Validation period in steps (also at step 0 before training and at the last step).
    init_skill, init_scale : float
        The "pretrained" initial weights ``init_skill * U + init_scale * noise`` (U the
        teacher): higher skill starts more accurate and at lower entropy.
    format_phase : bool
        Reward needs a format token, emitted with a prompt-independent probability
        :math:`\\sigma(g\\,\\theta)` that starts at ``format_init``.
    format_init : float
        Initial probability of the format token, in (0, 1).
    format_gain : float
        The gain :math:`g` of the format logit: how cheaply the policy switches the format
        on (with Adam the format logit moves about ``format_gain * lr`` per step).
    partial_credit : bool
        Reward the fraction of right tokens instead of 1 for a fully right answer.
    exact_eval : bool
        Validation as the exact expected reward (low noise) rather than one sampled
        response per prompt.
    adv_eps : float
        The :math:`\\epsilon` of the GRPO advantage denominator.
    dataset : str
        Name in the validation metric key ``val-core/<dataset>/acc/mean@1``.
    groups : tuple of str
        Names of prompt groups (data sources). Empty (default): one task. Otherwise the
        prompts are split among the groups (:mod:`entropy_law.simulate.groups`); each group
        has its own block of features, so the groups share the batches and the optimiser but
        not the weights that answer them, and the entropy of each group's prompts is logged
        as ``train_entropy/<group>``, as the Entropy-Mechanism fork of verl logs data sources.
    group_share : tuple of float
        Fraction of the prompts in each group (normalised; empty: equal shares).
    group_entropy_coef : tuple of float
        Entropy-bonus weight of each group's prompts (empty: ``entropy_coef`` for all). A
        group with a strong bonus (0.3 and up) keeps its entropy up, or raises it, while the
        others collapse: planted exploration that a global entropy hides.
    entropy_floor : float
        Planted entropy floor :math:`H_\\infty` in nats per answer token, in ``[0, log vocab)``.
        The rollout policy keeps a fraction :math:`\\varepsilon` of uniform exploration,
        :math:`\\pi = (1-\\varepsilon)\\,\\mathrm{softmax}(W\\phi) + \\varepsilon/V`, with
        :math:`\\varepsilon` solved so that a fully confident policy has entropy exactly
        ``entropy_floor``; sampling, the logged entropy, validation and the policy gradient
        (of :math:`\\log\\pi`) all use :math:`\\pi`; the entropy bonus and the KL penalty act
        on the softmax part. 0 (default) plants nothing.
    """

    n_steps: int = 300
    batch_prompts: int = 64
    group_size: int = 8
    lr: float = 0.2
    optimizer: str = "adam"
    entropy_coef: float = 0.0
    kl_coef: float = 0.0
    vocab: int = 8
    length: int = 3
    dim: int = 16
    n_train: int = 4096
    n_val: int = 256
    hard_fraction: float = 0.3
    margin: float = 0.3
    eval_every: int = 10
    init_skill: float = 2.0
    init_scale: float = 0.5
    format_phase: bool = False
    format_init: float = 0.1
    format_gain: float = 5.0
    partial_credit: bool = False
    exact_eval: bool = True
    adv_eps: float = 1e-6
    dataset: str = "synthetic"
    groups: tuple[str, ...] = ()
    group_share: tuple[float, ...] = ()
    group_entropy_coef: tuple[float, ...] = ()
    entropy_floor: float = 0.0

    def __post_init__(self) -> None:
        for name in _TUPLES:  # lists from JSON or a dict of settings become tuples
            if isinstance(getattr(self, name), list):
                object.__setattr__(self, name, tuple(getattr(self, name)))
        for name in _POS_INT:
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 1:
                raise EntropyLawError(f"SimConfig.{name} must be a whole number >= 1; got {v!r}.")
        for name in _NONNEG:
            v = getattr(self, name)
            if (
                isinstance(v, bool)
                or not isinstance(v, int | float | np.number)
                or not np.isfinite(v)
                or v < 0
            ):
                raise EntropyLawError(f"SimConfig.{name} must be a finite number >= 0; got {v!r}.")
        for name in _BOOL:
            if not isinstance(getattr(self, name), bool | np.bool_):
                raise EntropyLawError(f"SimConfig.{name} must be True or False; got {getattr(self, name)!r}.")
        checks = [
            (self.vocab >= 2, f"vocab must be >= 2 (a choice to learn); got {self.vocab}."),
            (
                self.group_size >= 2,
                f"group_size must be >= 2: GRPO compares the responses of a group; got {self.group_size}.",
            ),
            (
                isinstance(self.hard_fraction, int | float) and 0 <= self.hard_fraction <= 1,
                f"hard_fraction must lie in [0, 1]; got {self.hard_fraction!r}.",
            ),
            (
                isinstance(self.format_init, int | float) and 0 < self.format_init < 1,
                f"format_init must lie strictly between 0 and 1; got {self.format_init!r}.",
            ),
            (
                self.optimizer in _OPTIMIZERS,
                f"optimizer must be one of {list(_OPTIMIZERS)}; got {self.optimizer!r}.",
            ),
            (
                self.batch_prompts <= self.n_train,
                f"batch_prompts ({self.batch_prompts}) cannot exceed n_train ({self.n_train}); "
                "lower batch_prompts or raise n_train.",
            ),
            (
                isinstance(self.dataset, str) and "/" not in self.dataset and self.dataset != "",
                f"dataset must be a non-empty name without '/'; got {self.dataset!r}.",
            ),
        ]
        for ok, message in checks:
            if not ok:
                raise EntropyLawError("SimConfig." + message)
        from .groups import check_groups

        check_groups(self)

    def replace(self, **overrides) -> SimConfig:
        """Return a copy with *overrides* applied; an unknown name raises with a hint."""
        check_names(overrides)
        return dataclasses.replace(self, **overrides)

    def to_dict(self) -> dict:
        """The settings as a JSON-safe dict."""
        return dataclasses.asdict(self)


def check_names(overrides: Mapping) -> None:
    """Raise :class:`EntropyLawError` naming the closest setting for an unknown key."""
    fields = [f.name for f in dataclasses.fields(SimConfig)]
    for key in overrides:
        if key not in fields:
            hint = closest(str(key), fields)
            did = f" Did you mean {hint[0]!r}?" if hint else ""
            raise EntropyLawError(f"{key!r} is not a SimConfig setting.{did} Settings: {fields}.")


def resolve(config: SimConfig | Mapping | None, overrides: Mapping) -> SimConfig:
    """A :class:`SimConfig` from ``None`` / a config / a dict of settings, plus overrides."""
    if config is None:
        config = SimConfig()
    elif isinstance(config, Mapping):
        config = SimConfig().replace(**config)
    elif not isinstance(config, SimConfig):
        raise EntropyLawError(
            f"config must be a SimConfig, a dict of SimConfig settings or None; got {type(config).__name__}."
        )
    return config.replace(**overrides) if overrides else config
