"""A real TRL ``GRPOTrainer`` run on CPU in seconds: a tiny Llama and a character tokenizer
built from a config (no Hub access), a short deterministic SFT warm-start in plain torch, and
digit reversal with a verifiable reward (the fraction of answer digits in the right place).

Used by ``tests/test_trl_callback.py`` and ``benchmarks/bench_callback.py``. Settings follow
``../shared/trl/NOTES.md`` (one torch thread; offline; ``processing_class`` always passed).
"""

from __future__ import annotations

import os
import random

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("WANDB_DISABLED", "true")

CHARS = list("0123456789R:")
N_DIGITS = 3


def tokenizer(chars=CHARS):
    """A character tokenizer over *chars* plus ``<pad>``, ``<bos>`` and ``<eos>``."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {"<pad>": 0, "<bos>": 1, "<eos>": 2, **{c: i + 3 for i, c in enumerate(chars)}}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<pad>"))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex("."), "isolated")
    tok.decoder = decoders.Fuse()
    tok.post_processor = processors.TemplateProcessing(single="<bos> $A", special_tokens=[("<bos>", 1)])
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="<pad>", bos_token="<bos>", eos_token="<eos>"
    )


def model(seed: int = 0, hidden: int = 64):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    cfg = LlamaConfig(
        vocab_size=3 + len(CHARS),
        hidden_size=hidden,
        intermediate_size=2 * hidden,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=4,
        max_position_embeddings=32,
        tie_word_embeddings=True,
        pad_token_id=0,
        bos_token_id=1,
        eos_token_id=2,
    )
    return LlamaForCausalLM(cfg)


def prompts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["R" + "".join(rng.choice("0123456789") for _ in range(N_DIGITS)) + ":" for _ in range(n)]


def answer(prompt: str) -> str:
    return prompt[1:-1][::-1]


def partial_reward(prompts, completions, **kwargs) -> list[float]:
    """Fraction of answer digits in the right place (a verifiable reward in [0, 1])."""
    out = []
    for p, c in zip(prompts, completions):
        want = answer(p)
        got = c.replace("<eos>", "")[: len(want)]
        out.append(sum(a == b for a, b in zip(got, want)) / len(want))
    return out


def sft(net, tok, steps: int = 40, seed: int = 0, p_noise: float = 0.5, lr: float = 3e-3) -> None:
    """A short supervised warm-start on noisy demonstrations (loss on the answer only), so
    that sampled reward starts low but can rise under GRPO. Deterministic for a seed."""
    import torch

    torch.manual_seed(seed)
    rng = random.Random(seed + 1)
    opt = torch.optim.AdamW(net.parameters(), lr=lr)
    net.train()
    for _ in range(steps):
        ids, labels = [], []
        for p in prompts(128, rng.randrange(1 << 30)):
            a = answer(p)
            if rng.random() < p_noise:  # a near miss: one digit wrong, or a copy
                a = p[1:-1] if rng.random() < 0.5 else a[:-1] + rng.choice("0123456789")
            x = tok(p + a)["input_ids"] + [tok.eos_token_id]
            n_prompt = len(tok(p)["input_ids"])
            ids.append(x)
            labels.append([-100] * n_prompt + x[n_prompt:])
        x, y = torch.tensor(ids), torch.tensor(labels)
        loss = net(input_ids=x, labels=y).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
    net.eval()


def trainer(
    out_dir,
    *,
    max_steps: int,
    callbacks=(),
    seed: int = 0,
    sft_steps: int = 40,
    report_to=("tensorboard",),
    lr: float = 3e-4,
    prompts_per_step: int = 8,
    num_generations: int = 8,
    console: bool = False,
    eval_prompts: int = 0,
    hidden: int = 64,
    **config,
):
    """A ``GRPOTrainer`` on digit reversal, ready to ``.train()``.

    *console*: keep transformers' console output (the progress bar on stderr and each logged
    dict printed on stdout), as a job whose output is captured to a file shows it. *config*:
    more ``GRPOConfig`` settings (``save_steps=...``). *eval_prompts*: an evaluation set of
    that many held-out prompts (use with ``eval_strategy="steps", eval_steps=N``). *hidden*:
    the Llama's width (128 is the ~0.33 M-parameter model of ``../shared/trl/NOTES.md``)."""
    import torch
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    torch.set_num_threads(1)
    tok = tokenizer()
    net = model(seed, hidden=hidden)
    sft(net, tok, steps=sft_steps, seed=seed)
    data = Dataset.from_dict({"prompt": prompts(512, seed + 2)})  # fixed size: see NOTES.md
    settings = dict(
        output_dir=str(out_dir),
        per_device_train_batch_size=prompts_per_step * num_generations,
        num_generations=num_generations,
        max_completion_length=N_DIGITS + 1,
        temperature=1.0,
        learning_rate=lr,
        lr_scheduler_type="constant",
        max_steps=max_steps,
        logging_steps=1,
        report_to=list(report_to),
        save_strategy="no",
        use_cpu=True,
        seed=seed,
        disable_tqdm=not console,
        dataloader_num_workers=0,
    )
    args = GRPOConfig(**{**settings, **config})
    from transformers import PrinterCallback

    tr = GRPOTrainer(
        model=net,
        reward_funcs=[partial_reward],
        args=args,
        train_dataset=data,
        eval_dataset=Dataset.from_dict({"prompt": prompts(eval_prompts, seed + 3)}) if eval_prompts else None,
        processing_class=tok,
        callbacks=list(callbacks),
    )
    if not console:
        tr.remove_callback(PrinterCallback)  # no console dump of every step's metrics
    return tr
