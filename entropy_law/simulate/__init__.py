r"""A small GRPO learner whose entropy collapse and saturation emerge from learning.

The simulator trains a shared linear softmax policy with group-relative policy gradients
on a synthetic, verifiable "reasoning" task, and logs what verl logs. Nothing in it is
drawn from the entropy law :math:`R = -a\,e^{H} + b`: entropy falls because the policy
gradient sharpens the distributions that earn reward, and performance saturates because
a group whose samples all score the same has zero advantage, so learning stops by itself
on prompts that are solved (all right) or out of reach (all wrong).

Task
----
A prompt :math:`p` has features :math:`\phi(p) \in \mathbb{R}^{d+1}` (standard normal
scaled by :math:`1/\sqrt d`, plus a constant 1 for the bias). A response is ``length``
tokens, each from a vocabulary of ``vocab``, position :math:`l` drawn independently from

.. math::

    \pi(y_l = v \mid p) = \operatorname{softmax}_v\big(W_l \phi(p)\big),

a shared linear model, so learning generalises to held-out prompts. The right token is a
hidden teacher rule :math:`y^*_l(p) = \arg\max_v (U_l \phi(p))_v`; prompts closer than
``margin`` to a teacher decision boundary are not drawn (well-posed questions), and a
fraction ``hard_fraction`` of prompts get random labels, out of reach of any linear
student. The planted ceiling, the validation accuracy of the teacher itself, is therefore
about ``1 - hard_fraction`` (returned in ``attrs["ceiling"]``). The initial policy is
"pretrained": :math:`W^{(0)} = s\,U + \sigma\varepsilon` (``init_skill``, ``init_scale``).
The rule-based verifier gives 1 for a fully right answer (or the fraction of right tokens,
``partial_credit``). With ``format_phase`` the answer also needs a format token, emitted
with a prompt-independent probability :math:`\operatorname{sigmoid}(g\,\theta)` that
starts at ``format_init``: the reward jumps while the format is learnt and entropy barely
moves, the transient real GRPO runs show.

One step
--------
Take the next ``batch_prompts`` prompts of a shuffled epoch, sample ``group_size``
responses each, score them, set the GRPO advantage
:math:`A_{ig} = (r_{ig} - \bar r_i)/(\operatorname{std}_g r_{ig} + \epsilon)` and ascend
the token-mean objective

.. math::

    J = \frac{1}{N_{tok}}\sum_{i,g,l} A_{ig}\log\pi(y_{igl}\mid p_i)
        + c_H\,\bar H - c_{KL}\,\overline{\mathrm{KL}}(\pi\,\|\,\pi^{(0)})

with Adam (or SGD) at learning rate ``lr``. Gradients are exact (the entropy and KL terms
over the full token distributions) and vectorised over batch, group and positions.

Logged (verl names)
-------------------
At steps 1..n, from the rollout policy (before that step's update): ``actor/entropy``, the
mean per-token entropy in nats; ``critic/score/mean``, the mean rollout reward;
``response_length/mean`` (constant: ``length``, +1 with the format token); and
``actor/kl_loss`` when ``kl_coef > 0``. ``val-core/<dataset>/acc/mean@1`` on the held-out
prompts at step 0 (before training), after every ``eval_every``-th update and after the
last: the exact expected reward at temperature 1 by default (low noise), or the reward of
one sampled response per prompt (``exact_eval=False``). With prompt groups
(``groups=("math", "code")``) also ``train_entropy/<group>``, the mean per-token entropy of
that group's prompts in the batch, as the Entropy-Mechanism fork of verl logs data sources.

Planted truth for tests
-----------------------
``groups`` with ``group_entropy_coef`` plants groups whose entropy collapses and groups
whose entropy is held or rises; ``entropy_floor`` plants an exact entropy floor
:math:`H_\infty` (:mod:`entropy_law.simulate.groups`). ``attrs["entropy_floor"]`` records
it (0 when none is planted: the learner's own entropy keeps falling toward 0).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import EntropyLawError
from ..table.tidy import tidy
from .config import SimConfig, resolve
from .groups import GROUP_KEY
from .learner import train

__all__ = ["SimConfig", "simulate", "simulate_many", "METRICS"]

#: Metric keys logged, as verl names them (validation: ``val-core/<dataset>/acc/mean@1``).
METRICS = {
    "entropy": "actor/entropy",
    "score": "critic/score/mean",
    "length": "response_length/mean",
    "val": "val-core/synthetic/acc/mean@1",
    "kl": "actor/kl_loss",
}


def simulate(
    config: SimConfig | Mapping | None = None, *, seed: int = 0, run: str = "sim", **overrides
) -> pd.DataFrame:
    """Simulate one GRPO run and return its log as a tidy long table.

    Parameters
    ----------
    config : SimConfig or dict, optional
        Settings; ``None`` uses :class:`SimConfig` defaults, a dict overrides them.
    seed : int
        Seed of the one :class:`numpy.random.Generator` that draws the task, the initial
        weights, the batches and the samples: the same seed gives the same table.
    run : str
        Value of the ``run`` column.
    **overrides
        Settings that replace those of *config* (``lr=0.05``, ``entropy_coef=0.01``...).

    Returns
    -------
    DataFrame
        ``run, step, metric, value`` with the metrics of :data:`METRICS` (module
        docstring), passed through :func:`entropy_law.table.tidy`. ``attrs["config"]``
        holds the settings and seed; ``attrs["ceiling"]`` the validation accuracy of the
        teacher policy, an upper bound on what the learner can reach.

    Examples
    --------
    >>> from entropy_law.simulate import simulate
    >>> df = simulate(seed=1, n_steps=100)
    >>> sorted(df["metric"].unique())[0]
    'actor/entropy'
    """
    cfg = resolve(config, overrides)
    if not isinstance(run, str) or not run:
        raise EntropyLawError(f"run must be a non-empty string; got {run!r}.")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise EntropyLawError(f"seed must be a whole number >= 0; got {seed!r}.")
    tr = train(cfg, np.random.default_rng(int(seed)))
    steps = np.arange(1, cfg.n_steps + 1)
    parts = [
        (steps, METRICS["entropy"], tr.entropy),
        (steps, METRICS["score"], tr.score),
        (steps, METRICS["length"], np.full(cfg.n_steps, float(tr.n_tokens))),
        (tr.val_steps, f"val-core/{cfg.dataset}/acc/mean@1", tr.val),
    ]
    if tr.kl is not None:
        parts.append((steps, METRICS["kl"], tr.kl))
    for name, h in (tr.group_entropy or {}).items():
        seen = np.isfinite(h)  # a group with no prompt in a step's batch logs nothing then
        parts.append((steps[seen], GROUP_KEY.format(name), h[seen]))
    df = pd.DataFrame(
        {
            "run": run,
            "step": np.concatenate([s for s, _, _ in parts]).astype(np.int64),
            "metric": np.concatenate([np.full(len(s), m, dtype=object) for s, m, _ in parts]),
            "value": np.concatenate([v for _, _, v in parts]),
        }
    )
    df = tidy(df, origin=f"simulate(run={run!r})")
    df.attrs["config"] = {**cfg.to_dict(), "seed": int(seed)}
    df.attrs["ceiling"] = tr.ceiling
    df.attrs["entropy_floor"] = float(cfg.entropy_floor)
    return df


def simulate_many(
    configs: SimConfig | Mapping | Sequence | None = None,
    seeds: int | Iterable[int] = (0,),
    *,
    run: str = "sim",
    **overrides,
) -> pd.DataFrame:
    """Simulate every (config, seed) pair and return one long table.

    Parameters
    ----------
    configs : SimConfig, dict, sequence of them, or mapping name -> config, optional
        One setting or several. A mapping names each setting; otherwise settings are
        named ``c0, c1...`` (no name for a single setting). A dict of SimConfig fields is a
        single setting, not a mapping of names.
    seeds : int or iterable of int
        Seeds run for every setting; an int ``n`` means ``range(n)``.
    run : str
        Prefix of the run names: ``"{run}-{name}-s{seed}"`` (``"{run}-s{seed}"`` for one
        setting).
    **overrides
        Applied to every setting.

    Returns
    -------
    DataFrame
        The concatenated tidy tables. ``attrs["configs"]`` and ``attrs["ceilings"]`` map
        each run name to its settings and planted ceiling.
    """
    named = _named_configs(configs)
    seeds = list(range(seeds)) if isinstance(seeds, int | np.integer) else list(seeds)
    if not seeds:
        raise EntropyLawError("seeds must hold at least one seed; got none.")
    frames, cfgs, ceilings = [], {}, {}
    for name, cfg in named:
        cfg = resolve(cfg, overrides)
        for seed in seeds:
            rname = f"{run}-{name}-s{seed}" if name else f"{run}-s{seed}"
            df = simulate(cfg, seed=seed, run=rname)
            frames.append(df)
            cfgs[rname], ceilings[rname] = df.attrs["config"], df.attrs["ceiling"]
    out = pd.concat(frames, ignore_index=True)
    out.attrs = {"configs": cfgs, "ceilings": ceilings}
    return out


def _named_configs(configs) -> list[tuple[str, SimConfig | Mapping | None]]:
    fields = {f.name for f in dataclasses.fields(SimConfig)}
    if configs is None or isinstance(configs, SimConfig):
        return [("", configs)]
    if isinstance(configs, Mapping):
        if set(configs) <= fields:
            return [("", configs)]
        return [(str(k), v) for k, v in configs.items()]
    if isinstance(configs, Sequence) and not isinstance(configs, str):
        if not configs:
            raise EntropyLawError("configs must hold at least one setting; got an empty list.")
        return [(f"c{i}", c) for i, c in enumerate(configs)]
    raise EntropyLawError(
        "configs must be a SimConfig, a dict of settings, a list of them or a mapping "
        f"name -> setting; got {type(configs).__name__}."
    )
