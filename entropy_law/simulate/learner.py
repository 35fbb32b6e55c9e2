r"""The task and the GRPO learner behind :func:`entropy_law.simulate.simulate`.

Everything random is drawn from the one :class:`numpy.random.Generator` passed in, in a
fixed order, so a seed fixes the whole run. All work is vectorised over the batch, the
group and the answer positions; the only Python loop is over training steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import SimConfig
from .groups import epsilon_for_floor, group_counts, shares

__all__ = ["Trace", "train", "entropy_grad", "kl_grad", "mixture_policy_grad"]

_B1, _B2, _ADAM_EPS = 0.9, 0.999, 1e-8


@dataclass(frozen=True)
class Trace:
    """What one simulated run logged (arrays by step) and its planted ceiling."""

    entropy: np.ndarray  # steps 1..n, rollout policy (before the step's update)
    score: np.ndarray  # steps 1..n, mean rollout reward
    kl: np.ndarray | None  # steps 1..n, mean per-token KL to the initial policy
    val_steps: np.ndarray  # 0, eval_every, ..., n
    val: np.ndarray  # validation accuracy after the update of that step
    n_tokens: int  # response length (answer + format token)
    ceiling: float  # validation accuracy of the teacher policy
    group_entropy: dict[str, np.ndarray] | None = None  # steps 1..n per group (NaN: none in batch)


def _log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def _logits(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Logits ``(n, L, V)`` of prompts *x* ``(n, D)`` under weights *w* ``(L, V, D)``."""
    L, V, D = w.shape
    return (x @ w.reshape(L * V, D).T).reshape(len(x), L, V)


def _sigmoid(x: float) -> float:
    return float(1.0 / (1.0 + np.exp(-x)))


def _prompts(
    rng: np.random.Generator, n: int, teacher: np.ndarray, margin: float, hard_fraction: float
) -> tuple[np.ndarray, np.ndarray]:
    """Features ``(n, d+1)`` of well-posed prompts and their labels ``(n, L)``.

    A prompt whose teacher logit gap (best minus second best) is below *margin* at some
    position is redrawn, so a confident linear student can be right on every easy prompt;
    then ``round(hard_fraction * n)`` prompts get uniformly random labels.
    """
    L, V, d1 = teacher.shape
    kept, n_kept = [], 0
    while n_kept < n:
        x = rng.standard_normal((2 * n, d1 - 1)) / np.sqrt(d1 - 1)
        x = np.concatenate([x, np.ones((2 * n, 1))], axis=1)
        top2 = np.partition(_logits(x, teacher), V - 2, axis=-1)[..., -2:]
        ok = (top2[..., 1] - top2[..., 0]).min(-1) >= margin
        kept.append(x[ok])
        n_kept += int(ok.sum())
    x = np.concatenate(kept)[:n]
    y = _logits(x, teacher).argmax(-1)
    n_hard = int(round(hard_fraction * n))
    hard = rng.permutation(n)[:n_hard]
    y[hard] = rng.integers(V, size=(n_hard, L))
    return x, y


def entropy_grad(logp: np.ndarray) -> np.ndarray:
    r"""Gradient of the entropy :math:`H = -\sum_v p_v \log p_v` of ``softmax(z)`` in ``z``.

    :math:`\partial H / \partial z_v = -p_v(\log p_v + H)`, from log-probabilities *logp*
    (last axis the vocabulary).
    """
    p = np.exp(logp)
    return -p * (logp - (p * logp).sum(-1, keepdims=True))


def kl_grad(logp: np.ndarray, logp0: np.ndarray) -> np.ndarray:
    r"""Gradient of :math:`\mathrm{KL}(\mathrm{softmax}(z)\,\|\,p^{(0)})` in ``z``.

    :math:`\partial\,\mathrm{KL} / \partial z_v = p_v(\log p_v/p^{(0)}_v - \mathrm{KL})`.
    """
    p = np.exp(logp)
    ratio = logp - logp0
    return p * (ratio - (p * ratio).sum(-1, keepdims=True))


def mixture_policy_grad(p: np.ndarray, y: np.ndarray, adv: np.ndarray, eps: float) -> np.ndarray:
    r"""Logit gradient of :math:`\sum_g A_g \log\pi(y_g)`, :math:`\pi = (1-\varepsilon)p + \varepsilon/V`.

    :math:`\partial \log\pi_y / \partial z = (1-\varepsilon)\,p_y/\pi_y\,(\mathbb{1}_y - p)`;
    unlike the softmax's, the :math:`-p` terms do not cancel over a group. *p* ``(B, L, V)``,
    tokens *y* ``(B, G, L)``, advantages *adv* ``(B, G)``; returns ``(B, L, V)``.
    """
    B, L, V = p.shape
    p_y = np.take_along_axis(np.broadcast_to(p[:, None], (B, y.shape[1], L, V)), y[..., None], -1)[..., 0]
    wgt = adv[..., None] * (1 - eps) * p_y / ((1 - eps) * p_y + eps / V)  # (B, G, L)
    flat = (np.arange(B)[:, None, None] * L + np.arange(L)) * V
    counts = np.bincount((flat + y).ravel(), weights=wgt.ravel(), minlength=B * L * V)
    return counts.reshape(B, L, V) - p * wgt.sum(1)[..., None]


def _sample(rng: np.random.Generator, p: np.ndarray, group: int) -> np.ndarray:
    """Inverse-CDF draws from categorical *p* ``(N, L, V)``: token ids ``(N, group, L)``."""
    cum = np.cumsum(p, axis=-1)[:, None]  # (N, 1, L, V)
    u = rng.random((p.shape[0], group, p.shape[1], 1)) * cum[..., -1:]
    return np.minimum((u >= cum).sum(-1), p.shape[-1] - 1)


class _Adam:
    """Adam ascent on one array (or plain gradient ascent when ``sgd``)."""

    def __init__(self, shape, lr: float, sgd: bool):
        self.lr, self.sgd, self.k = lr, sgd, 0
        self.m, self.v = np.zeros(shape), np.zeros(shape)

    def step(self, grad):
        if self.sgd:
            return self.lr * grad
        self.k += 1
        self.m = _B1 * self.m + (1 - _B1) * grad
        self.v = _B2 * self.v + (1 - _B2) * grad * grad
        m_hat = self.m / (1 - _B1**self.k)
        return self.lr * m_hat / (np.sqrt(self.v / (1 - _B2**self.k)) + _ADAM_EPS)


def _grouped_task(rng: np.random.Generator, cfg: SimConfig):
    """Teacher, prompts and group ids when the prompts form groups (:mod:`.groups`).

    Group ``k`` owns feature block ``k`` (``dim`` features and its own bias); its prompts are
    drawn against its block of the teacher and are zero elsewhere.
    """
    L, V, d, K = cfg.length, cfg.vocab, cfg.dim, len(cfg.groups)
    blocks = [np.concatenate([rng.standard_normal((L, V, d)), np.zeros((L, V, 1))], axis=2) for _ in range(K)]
    share = shares(cfg)
    out = []
    for n in (cfg.n_train, cfg.n_val):
        xs, ys, gs = [], [], []
        for k, n_k in enumerate(group_counts(n, share)):
            x_k, y_k = _prompts(rng, int(n_k), blocks[k], cfg.margin, cfg.hard_fraction)
            x = np.zeros((int(n_k), K * (d + 1)))
            x[:, k * (d + 1) : (k + 1) * (d + 1)] = x_k
            xs.append(x)
            ys.append(y_k)
            gs.append(np.full(int(n_k), k))
        out += [np.concatenate(xs), np.concatenate(ys), np.concatenate(gs)]
    return np.concatenate(blocks, axis=2), *out


def train(cfg: SimConfig, rng: np.random.Generator) -> Trace:
    """Build the task from *rng*, run GRPO for ``cfg.n_steps`` and return the trace."""
    L, V, d, B, G = cfg.length, cfg.vocab, cfg.dim, cfg.batch_prompts, cfg.group_size
    K = len(cfg.groups)
    if K:
        teacher, x_tr, y_tr, g_tr, x_va, y_va, _ = _grouped_task(rng, cfg)
        coef_k = np.asarray(cfg.group_entropy_coef or [cfg.entropy_coef] * K, float)
    else:
        teacher = np.concatenate([rng.standard_normal((L, V, d)), np.zeros((L, V, 1))], axis=2)
        x_tr, y_tr = _prompts(rng, cfg.n_train, teacher, cfg.margin, cfg.hard_fraction)
        x_va, y_va = _prompts(rng, cfg.n_val, teacher, cfg.margin, cfg.hard_fraction)
    eps = epsilon_for_floor(cfg.entropy_floor, V)

    def rollout(p: np.ndarray) -> np.ndarray:  # the policy with its planted exploration floor
        return (1 - eps) * p + eps / V if eps else p

    w = cfg.init_skill * teacher + cfg.init_scale * rng.standard_normal(teacher.shape)
    fmt_on, gain = cfg.format_phase, cfg.format_gain
    theta = np.log(cfg.format_init / (1 - cfg.format_init)) / gain if fmt_on and gain else 0.0
    w0, theta0 = w.copy(), theta
    n_tok = L + int(fmt_on)
    opt_w = _Adam(w.shape, cfg.lr, cfg.optimizer == "sgd")
    opt_f = _Adam((), cfg.lr, cfg.optimizer == "sgd")
    flat = (np.arange(B)[:, None, None] * L + np.arange(L)) * V  # (B, 1, L)

    def p_format() -> float:
        return _sigmoid(gain * theta) if fmt_on else 1.0

    def evaluate() -> float:
        logp = _log_softmax(_logits(x_va, w))
        q = p_format()
        if cfg.exact_eval:
            p_ok = rollout(np.exp(np.take_along_axis(logp, y_va[..., None], -1)[..., 0]))
            acc = p_ok.mean(-1) if cfg.partial_credit else p_ok.prod(-1)
            return q * float(acc.mean())
        ok = _sample(rng, rollout(np.exp(logp)), 1)[:, 0] == y_va
        r = ok.mean(-1) if cfg.partial_credit else ok.all(-1)
        return float(np.mean(r * (rng.random(len(r)) < q)))

    n = cfg.n_steps
    ent, score = np.empty(n), np.empty(n)
    kl_log = np.empty(n) if cfg.kl_coef else None
    ent_k = np.full((K, n), np.nan)
    val_steps, val = [0], [evaluate()]
    order, pos = rng.permutation(cfg.n_train), 0
    for t in range(n):
        if pos + B > cfg.n_train:  # a new epoch, reshuffled
            order, pos = rng.permutation(cfg.n_train), 0
        idx = order[pos : pos + B]
        pos += B
        x = x_tr[idx]
        logp = _log_softmax(_logits(x, w))
        p = np.exp(logp)
        pi = rollout(p)
        h_tok = -(p * logp).sum(-1) if not eps else -(pi * np.log(pi)).sum(-1)  # (B, L)
        y = _sample(rng, pi, G)  # (B, G, L)
        ok = y == y_tr[idx][:, None, :]
        r = ok.mean(-1) if cfg.partial_credit else ok.all(-1).astype(float)
        q = p_format()
        if fmt_on:
            emitted = rng.random((B, G)) < q
            r = r * emitted
        centred = r - r.mean(1, keepdims=True)
        adv = centred / (np.sqrt((centred * centred).mean(1, keepdims=True)) + cfg.adv_eps)
        h_fmt = -(q * np.log(q) + (1 - q) * np.log1p(-q)) if fmt_on else 0.0
        ent[t] = (h_tok.sum(-1).mean() + h_fmt) / n_tok
        if K:
            g_b = g_tr[idx]
            for k in np.unique(g_b):
                ent_k[k, t] = (h_tok[g_b == k].sum(-1).mean() + h_fmt) / n_tok
        score[t] = r.mean()

        # dJ/dlogits. Policy gradient: sum_g A_g (onehot(y_g) - p); the -p term vanishes
        # because the GRPO advantages of a group sum to zero.
        if not eps:
            counts = np.bincount((flat + y).ravel(), weights=np.repeat(adv.ravel(), L), minlength=B * L * V)
            gz = counts.reshape(B, L, V) / (B * G * n_tok)
        else:
            gz = mixture_policy_grad(p, y, adv, eps) / (B * G * n_tok)
        if K and coef_k.any():
            gz += coef_k[g_tr[idx]][:, None, None] / (B * n_tok) * entropy_grad(logp)
        elif not K and cfg.entropy_coef:
            gz += cfg.entropy_coef / (B * n_tok) * entropy_grad(logp)
        if cfg.kl_coef:
            logp0 = _log_softmax(_logits(x, w0))
            gz -= cfg.kl_coef / (B * n_tok) * kl_grad(logp, logp0)
            assert kl_log is not None  # allocated whenever kl_coef is set
            kl_log[t] = (p * (logp - logp0)).sum(-1).mean()
        w = w + opt_w.step((gz.reshape(B, L * V).T @ x).reshape(w.shape))
        if fmt_on:
            f, f0 = gain * theta, gain * theta0
            gf = float((adv * (emitted - q)).sum()) / (B * G * n_tok)
            gf -= (cfg.entropy_coef * f + cfg.kl_coef * (f - f0)) * q * (1 - q) / n_tok
            theta = theta + float(opt_f.step(gain * gf))
        if (t + 1) % cfg.eval_every == 0 or t + 1 == n:
            val_steps.append(t + 1)
            val.append(evaluate())

    ideal = _logits(x_va, teacher).argmax(-1) == y_va
    ceiling = float((ideal.mean(-1) if cfg.partial_credit else ideal.all(-1)).mean())
    if eps:  # the teacher explores too: a right token keeps 1 - eps + eps/V, a wrong one eps/V
        right = rollout(ideal.astype(float))
        ceiling = float((right.mean(-1) if cfg.partial_credit else right.prod(-1)).mean())
    return Trace(
        entropy=ent,
        score=score,
        kl=kl_log,
        val_steps=np.asarray(val_steps),
        val=np.asarray(val),
        n_tokens=n_tok,
        ceiling=ceiling,
        group_entropy={name: ent_k[k] for k, name in enumerate(cfg.groups)} if K else None,
    )
