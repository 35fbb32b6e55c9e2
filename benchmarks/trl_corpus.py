"""A corpus of real-trainer runs: TRL's ``GRPOTrainer`` on CPU, tiny Llamas, verifiable rewards.

    python benchmarks/trl_corpus.py OUT_DIR                 # every run of the grid (~2 min each)
    python benchmarks/trl_corpus.py OUT_DIR --runs rev-sft150-lr3e-4-partial-s0 add-...
    python benchmarks/trl_corpus.py --list                  # the grid's run names
    python benchmarks/forecast_accuracy.py --trl-corpus OUT_DIR   # generate what is missing, backtest

Each run is a real ``trl.GRPOTrainer`` (the settings of ``../shared/trl/NOTES.md``: one torch
thread, offline, a character tokenizer and a 0.1 M-parameter Llama (0.33 M for addition)
built from a config, no Hub access) trained from a deterministic supervised warm start on noisy demonstrations. The
grid varies what NOTES.md found to matter (seeds alone give near-identical curves):

* **task**: ``rev`` (reverse 3 digits, ``R123:`` -> ``321``) or ``add`` (two-digit addition,
  ``12+34=`` -> ``46``; it does not learn from these warm starts: flat runs);
* **starting checkpoint**: the number of warm-start steps (a weak or a strong base);
* **learning rate** (constant; too high a rate from a weak base collapses the reward to 0);
* **reward**: ``correct`` (exact match, 0/1) or ``partial`` (the share of digits in place);
* **adaptive entropy**: TRL's ``use_adaptive_entropy`` with an ``entropy_target`` (entropy is
  held up, the reward plateaus lower).

Output, per run, in ``OUT_DIR``: ``<run>.csv``, a wide table (``step`` and one column per key,
values at 7 significant digits, as ``../shared/corpus/tidy``; ``entropy_law.load`` reads it,
the run named by the file) of TRL's keys a forecaster needs: ``entropy``, ``reward`` (equal to
``rewards/<func>/mean`` here: one reward function), ``reward_std``, ``frac_reward_zero_std``,
``completions/mean_length`` and ``entropy_coef`` (adaptive-entropy runs);
``<run>.json``, the run's settings and timings. ``--keep-state`` also keeps the trainer's own
``<run>/trainer_state.json`` (every key, ~0.3 MB). Warm-start checkpoints are cached in
``OUT_DIR/_checkpoints``. A run is bit-identical for its settings (same seed, pinned dataset
size; NOTES.md section 4); a run whose CSV exists is not generated again.

A small sample (3 runs) is committed in ``benchmarks/data/trl_corpus``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import warnings
from dataclasses import asdict, dataclass, replace
from pathlib import Path

for _k, _v in {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "WANDB_DISABLED": "true",
    "OMP_NUM_THREADS": "1",
}.items():
    os.environ.setdefault(_k, _v)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # tiny_grpo's tokenizer
CHARS = list("0123456789R:+=")
KEEP = ("entropy", "reward", "reward_std", "frac_reward_zero_std", "completions/mean_length", "entropy_coef")
SAMPLE = Path(__file__).resolve().parent / "data" / "trl_corpus"


@dataclass(frozen=True)
class Spec:
    """One run of the grid."""

    task: str  # "rev" | "add"
    sft_steps: int  # warm-start steps: the starting checkpoint
    lr: float
    reward: str  # "partial" | "correct"
    seed: int = 0
    entropy_target: float | None = None  # TRL's adaptive entropy (use_adaptive_entropy)
    steps: int = 300
    p_noise: float = 0.5  # share of noisy demonstrations in the warm start
    hidden: int = 64  # the Llama's width (2 layers, 4 heads)

    @property
    def name(self) -> str:
        ent = f"-ent{self.entropy_target:g}" if self.entropy_target is not None else ""
        steps = f"-{self.steps}steps" if self.steps != 300 else ""
        ent += f"-h{self.hidden}" if self.hidden != 64 else ""
        lr = f"{self.lr:.0e}".replace("e-0", "e-")
        return f"{self.task}-sft{self.sft_steps}-lr{lr}-{self.reward}{ent}{steps}-s{self.seed}"


GRID = [
    Spec("rev", 150, 3e-4, "partial"),
    Spec("rev", 150, 3e-4, "partial", seed=1),
    Spec("rev", 150, 3e-4, "correct"),
    Spec("rev", 150, 1e-4, "partial"),
    Spec("rev", 40, 3e-4, "partial"),  # a weak base: starts at high entropy, learns slowly
    Spec("rev", 40, 1e-3, "correct"),  # a weak base at a high rate: late take-off, fast collapse
    Spec("rev", 150, 3e-4, "partial", entropy_target=0.3),
    # addition, on the 0.33 M-parameter model of NOTES.md too: from these warm starts (half the
    # demonstrations a digit off) the reward stays flat for 300 steps while the entropy drifts
    # down -- runs a forecaster must call flat, not improving. (An adaptive-entropy target of
    # 0.3 leaves these runs bit-identical: their entropy never falls below it.)
    Spec("add", 1000, 3e-4, "partial", hidden=128),
    Spec("add", 1000, 3e-4, "correct", hidden=128),
    Spec("add", 300, 3e-4, "partial"),
    Spec("add", 300, 3e-4, "correct"),
    Spec("add", 300, 1e-4, "partial"),
]


# ---------------------------------------------------------------- tasks and rewards
def prompts(task: str, n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    if task == "rev":
        return ["R" + "".join(rng.choice("0123456789") for _ in range(3)) + ":" for _ in range(n)]
    return [f"{rng.randrange(50)}+{rng.randrange(50)}=" for _ in range(n)]


def answer(prompt: str) -> str:
    if prompt.startswith("R"):
        return prompt[1:-1][::-1]
    a, b = prompt[:-1].split("+")
    return str(int(a) + int(b))


def correct(prompts, completions, **kwargs) -> list[float]:
    """1 for the exact answer, else 0."""
    return [float(c.replace("<eos>", "").strip() == answer(p)) for p, c in zip(prompts, completions)]


def partial(prompts, completions, **kwargs) -> list[float]:
    """Share of the answer's digits in the right place (a wrong length loses the rest)."""
    out = []
    for p, c in zip(prompts, completions):
        want, got = answer(p), c.replace("<eos>", "").strip()
        hit = sum(a == b for a, b in zip(got, want))
        out.append(hit / max(len(want), len(got), 1))
    return out


# ---------------------------------------------------------------- model and warm start
def tokenizer():
    """The character tokenizer of ``tests/tiny_grpo.py`` over this collection's alphabet."""
    import tiny_grpo

    return tiny_grpo.tokenizer(CHARS)


def warm_start(spec: Spec, tok, cache: Path):
    """The starting checkpoint: a tiny Llama after ``sft_steps`` of noisy supervised steps
    (loss on the answer only), cached by (task, steps, noise). Deterministic."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    width = f"-h{spec.hidden}" if spec.hidden != 64 else ""
    where = cache / f"{spec.task}-sft{spec.sft_steps}-noise{spec.p_noise:g}{width}"
    if (where / "config.json").is_file():
        return LlamaForCausalLM.from_pretrained(where)
    torch.manual_seed(0)
    cfg = LlamaConfig(
        vocab_size=3 + len(CHARS),
        hidden_size=spec.hidden,
        intermediate_size=2 * spec.hidden,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=4,
        max_position_embeddings=32,
        tie_word_embeddings=True,
        pad_token_id=0,
        bos_token_id=1,
        eos_token_id=2,
    )
    net = LlamaForCausalLM(cfg)
    rng = random.Random(1)
    opt = torch.optim.AdamW(net.parameters(), lr=3e-3)
    net.train()
    for _ in range(spec.sft_steps):
        ids, labels = [], []
        for p in prompts(spec.task, 128, rng.randrange(1 << 30)):
            a = answer(p)
            if rng.random() < spec.p_noise:  # a near miss: a digit off, or a copy of the input
                a = p[1:-1] if (p[0] == "R" and rng.random() < 0.5) else a[:-1] + rng.choice("0123456789")
            x = tok(p + a)["input_ids"] + [tok.eos_token_id]
            n_prompt = len(tok(p)["input_ids"])
            ids.append(x)
            labels.append([-100] * n_prompt + x[n_prompt:])
        width = max(map(len, ids))  # add: answers of 1-2 digits, so pad on the right
        mask = [[1] * len(x) + [0] * (width - len(x)) for x in ids]
        ids = [x + [0] * (width - len(x)) for x in ids]
        labels = [y + [-100] * (width - len(y)) for y in labels]
        out = net(input_ids=torch.tensor(ids), attention_mask=torch.tensor(mask), labels=torch.tensor(labels))
        opt.zero_grad()
        out.loss.backward()
        opt.step()
    net.eval()
    where.mkdir(parents=True, exist_ok=True)
    net.save_pretrained(where)
    return net


# ---------------------------------------------------------------- one run
def run(spec: Spec, out: Path, *, keep_state: bool = False) -> Path:
    """Train *spec* with GRPOTrainer and write ``<run>.csv`` and ``<run>.json`` in *out*."""
    import numpy as np
    import pandas as pd
    import torch
    from datasets import Dataset
    from transformers import PrinterCallback
    from trl import GRPOConfig, GRPOTrainer

    torch.set_num_threads(1)
    t0 = time.time()
    tok = tokenizer()
    net = warm_start(spec, tok, out / "_checkpoints")
    t_sft = time.time() - t0
    reward = {"partial": partial, "correct": correct}[spec.reward]
    extra = {}
    if spec.entropy_target is not None:
        extra = dict(use_adaptive_entropy=True, entropy_target=spec.entropy_target)
    work = out / spec.name
    args = GRPOConfig(
        output_dir=str(work),
        per_device_train_batch_size=128,  # 16 prompts x 8 completions
        num_generations=8,
        max_completion_length=4,
        temperature=1.0,
        learning_rate=spec.lr,
        lr_scheduler_type="constant",
        max_steps=spec.steps,
        logging_steps=1,
        report_to=[],
        save_strategy="no",
        use_cpu=True,
        seed=spec.seed,
        disable_tqdm=True,
        dataloader_num_workers=0,
        **extra,
    )
    data = Dataset.from_dict({"prompt": prompts(spec.task, 2048, 7)})  # pinned size: NOTES.md s. 4
    tr = GRPOTrainer(model=net, reward_funcs=[reward], args=args, train_dataset=data, processing_class=tok)
    tr.remove_callback(PrinterCallback)
    t1 = time.time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tr.train()
    t_train = time.time() - t1
    rows = [
        {"step": int(r["step"]), **{k: float(r[k]) for k in KEEP if k in r and np.isfinite(r[k])}}
        for r in tr.state.log_history
        if "entropy" in r and "train_runtime" not in r
    ]
    table = pd.DataFrame(rows).set_index("step")
    csv = out / f"{spec.name}.csv"
    table.to_csv(csv, float_format="%.7g")
    if keep_state:
        tr.state.save_to_json(str(work / "trainer_state.json"))
    else:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    meta = {
        **asdict(spec),
        "run": spec.name,
        "warm_start_seconds": round(t_sft, 1),
        "train_seconds": round(t_train, 1),
        "seconds_per_step": round(t_train / spec.steps, 3),
        "versions": {m: sys.modules[m].__version__ for m in ("torch", "transformers", "trl")},
    }
    (out / f"{spec.name}.json").write_text(json.dumps(meta, indent=2) + "\n")
    return csv


def generate(
    out: Path,
    names: list[str] | None = None,
    *,
    steps: int | None = None,
    keep_state: bool = False,
    log=print,
) -> list[Path]:
    """Generate the grid's runs (or those *names*, from :data:`GRID`) missing from *out*;
    return their CSVs. *steps* overrides the runs' length (a smoke test; the names say it)."""
    by_name = {s.name: s for s in GRID}
    unknown = sorted(set(names or ()) - set(by_name))
    if unknown:
        raise SystemExit(f"unknown run name(s) {unknown}; --list shows the grid")
    specs = [by_name[n] for n in names] if names else list(GRID)
    if steps is not None:
        specs = [replace(s, steps=steps) for s in specs]
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for spec in specs:
        csv = out / f"{spec.name}.csv"
        if not csv.is_file():
            t0 = time.time()
            run(spec, out, keep_state=keep_state)
            log(f"trl corpus: {spec.name} in {time.time() - t0:.0f} s", flush=True)
        paths.append(csv)
    return paths


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", nargs="?", type=Path, help="folder for the runs")
    ap.add_argument("--runs", nargs="+", help="only these runs (names from --list)")
    ap.add_argument("--list", action="store_true", help="print the grid's run names and exit")
    ap.add_argument("--steps", type=int, help="override the runs' length (a smoke test)")
    ap.add_argument("--keep-state", action="store_true", help="also keep <run>/trainer_state.json")
    opt = ap.parse_args(argv)
    if opt.list:
        print("\n".join(s.name for s in GRID))
        return
    if opt.out is None:
        ap.error("OUT folder is required (or --list)")
    generate(opt.out, opt.runs, steps=opt.steps, keep_state=opt.keep_state)


if __name__ == "__main__":
    main()
