"""Training a parser from (instruction, logical form) pairs.

Seeded; CUDA with bf16 autocast when available, else CPU; a progress bar with the loss
and the validation execution accuracy; early stopping on that accuracy; the best model is
written to the output folder after each improvement, and a resumable checkpoint
(weights, optimiser state and position, all in safetensors/JSON, never pickle) after
each epoch. Without separate dev data a seeded 10% of the training examples is held out
for validation (CONVENTIONS), and the model card says so.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from safetensors.torch import load_model as load_weights
from safetensors.torch import save_model as save_weights
from tqdm.auto import tqdm
from transformers import PreTrainedTokenizerFast

from . import __version__
from .copying import MAX_SLOTS, SLOT_TOKENS, copy_frame
from .environment import Example, Task
from .errors import ModelError, UsageError
from .frozen_encoder import EncoderCache, freeze
from .io import write_json_atomic
from .model import (
    LoadedModel,
    ModelSpec,
    build_model,
    encoder_path,
    load_model,
    pick_device,
    save_model,
    spec_to_dict,
)
from .parser import Parser, model_input
from .tokenization import train_input_tokenizer, train_output_tokenizer


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings."""

    epochs: int = 60
    batch_size: int = 16
    lr: float = 5e-4
    encoder_lr: float = 5e-5
    warmup: float = 0.05
    weight_decay: float = 0.01
    label_smoothing: float = 0.1
    patience: int = 12
    eval_every: int = 2
    max_minutes: float | None = None
    seed: int = 0
    device: str = "auto"
    input_vocab: int = 4000
    output_vocab: int = 1000
    output_split: str = "bytelevel"  # tokenization.OUTPUT_SPLITS
    with_description: bool | None = None  # None: when examples span several instances
    with_links: bool = True
    eval_beams: int = 1
    # Synthetic examples (issue #12) per human example and epoch; "mixed" adds them to
    # every epoch, "first" only to the first half (the last half is human data only).
    synthetic_ratio: float = 1.0
    synthetic_schedule: str = "mixed"
    half: bool = False  # store the best model's weights in float16
    # Copy slots (parseinstr.copying): mark the instruction's values, copy them by one token.
    copy_slots: bool = False
    # With copy_slots: a value also copies into a part of a letter-digit compound (the
    # ``F`` and ``11`` of ``F11``; CopyFrame.abstract).
    copy_parts: bool = False
    # With copy_slots: a number given only as a percentage copies as its factor ("8%" ->
    # 0.08, as a formula writes it).
    copy_percents: bool = False
    # Freeze a pretrained encoder and encode each training input once (frozen_encoder).
    freeze_encoder: bool = False
    tune_top_layers: int = 0  # with freeze_encoder: top encoder layers still trained
    # Matrix products in training: "auto" (bfloat16 autocast on CUDA), "bf16" (also on a
    # CPU with native bfloat16, where they run about 2.5 times faster), "fp32" (never).
    precision: str = "auto"
    # Warm start: a model folder whose weights and tokenizers training starts from (with a
    # fresh optimizer and schedule), to train a parser further without starting over.
    init_from: str | None = None


PRECISIONS = ("auto", "bf16", "fp32")


def autocast_bf16(precision: str, device: str) -> bool:
    """Whether training on ``device`` runs under bfloat16 autocast for ``precision``.

    ``auto`` uses it on CUDA only (a CPU result stays comparable with earlier runs);
    ``bf16`` also on a CPU, which must then support bfloat16 natively (AVX512-BF16 or
    AMX), since emulated bfloat16 is slower than float32. Weights, optimizer state, the
    loss and evaluation stay in float32.
    """
    if precision not in PRECISIONS:
        raise UsageError(f"precision {precision!r}: use {', '.join(PRECISIONS)}")
    if precision == "fp32":
        return False
    if device == "cuda":
        return True
    if precision == "auto":
        return False
    if not torch.ops.mkldnn._is_mkldnn_bf16_supported():
        raise UsageError("precision bf16: this CPU has no native bfloat16; use fp32")
    return True


def device_name(device: str) -> str:
    """The accelerator's name for ``cuda`` (``NVIDIA H200``), else ``cpu, N threads``."""
    if device == "cuda":
        return torch.cuda.get_device_name()
    return f"cpu, {torch.get_num_threads()} threads"


def training_throughput(
    steps: Sequence[tuple[float, int]], device: str, bf16: bool
) -> dict[str, Any]:
    """Examples a second and the median step time over ``steps`` ((seconds, examples) of
    each optimizer step: forward, backward and update, batches already on the device;
    validation and saving excluded), so runs on different devices compare directly."""
    seconds = sum(t for t, _ in steps)
    examples = sum(n for _, n in steps)
    return {
        "device": device_name(device),
        "bf16_autocast": bf16,
        "steps": len(steps),
        "examples": examples,
        "examples_per_second": round(examples / seconds, 1) if seconds else None,
        "median_step_ms": round(1000 * float(np.median([t for t, _ in steps])), 2)
        if steps
        else None,
    }


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


T = TypeVar("T")


def split_validation(
    examples: Sequence[T], seed: int, share: float = 0.1
) -> tuple[list[T], list[T]]:
    """A seeded (train, validation) split holding out ``share`` of the examples (of any
    kind: the learner from denotations splits its items the same way)."""
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    k = max(1, round(len(order) * share))
    held = set(order[:k])
    return [e for i, e in enumerate(examples) if i not in held], [examples[i] for i in sorted(held)]


def data_hash(examples: Sequence[Example]) -> str:
    """SHA-256 over instructions and gold forms (16 hex characters)."""
    h = hashlib.sha256()
    for e in examples:
        h.update(f"{e.instruction}\t{e.logical_form}\n".encode())
    return h.hexdigest()[:16]


def execution_accuracy(
    parser: Parser, task: Task, examples: Sequence[Example], beams: int = 1, batch_size: int = 32
) -> float:
    """Share of ``examples`` whose top parse executes to the gold denotation."""
    from .evaluate import predict_and_score

    if not examples:
        return 0.0
    rows = predict_and_score(
        parser,
        task,
        examples,
        n_best=beams,
        constrained=None,
        execution_guided=beams > 1,
        batch_size=batch_size,
    )
    return sum(r["correct"] for r in rows) / len(rows)


class _Batcher:
    def __init__(
        self,
        task: Task,
        examples: Sequence[Example],
        input_tok: PreTrainedTokenizerFast,
        output_tok: PreTrainedTokenizerFast,
        with_description: bool,
        with_links: bool,
        device: str,
        copy_slots: bool = False,
        copy_parts: bool = False,
        copy_percents: bool = False,
    ) -> None:
        self.rows = []
        for e in examples:
            env = task.environment_for(e)
            first, second = model_input(e.instruction, env, with_description, with_links)
            form = e.logical_form
            if copy_slots:
                frame = copy_frame(
                    e.instruction, env, names=True, parts=copy_parts, percents=copy_percents
                )
                first, form = frame.marked, frame.abstract(form)
            self.rows.append((first, second, form))
        self.pairs = any(r[1] is not None for r in self.rows)
        self.input_tok, self.output_tok, self.device = input_tok, output_tok, device

    def batches(
        self, batch_size: int, rng: random.Random, indices: Sequence[int] | None = None
    ) -> list[dict[str, torch.Tensor]]:
        # Length buckets: shuffle, sort each window of 32 batches by form length, batch, and
        # shuffle the batches, so little compute goes to padding.
        order = list(range(len(self.rows))) if indices is None else list(indices)
        rng.shuffle(order)
        window = batch_size * 32
        order = [
            j
            for w in range(0, len(order), window)
            for j in sorted(order[w : w + window], key=lambda k: len(self.rows[k][2]))
        ]
        starts = list(range(0, len(order), batch_size))
        rng.shuffle(starts)
        out = []
        for i in starts:
            chunk = [self.rows[j] for j in order[i : i + batch_size]]
            firsts = [c[0] for c in chunk]
            if self.pairs:
                enc = self.input_tok(
                    firsts,
                    [c[1] or "" for c in chunk],
                    truncation="only_second",
                    max_length=512,
                    padding=True,
                    return_tensors="pt",
                )
            else:
                enc = self.input_tok(
                    firsts, truncation=True, max_length=512, padding=True, return_tensors="pt"
                )
            labels = self.output_tok(
                [c[2] for c in chunk],
                padding=True,
                truncation=True,
                max_length=512,
                return_tensors="pt",
            )["input_ids"]
            labels[labels == self.output_tok.pad_token_id] = -100
            # Teacher forcing: the decoder reads <s> and the gold tokens shifted right.
            decoder_in = torch.full_like(labels, self.output_tok.pad_token_id)
            decoder_in[:, 0] = self.output_tok.bos_token_id
            decoder_in[:, 1:] = labels[:, :-1].masked_fill(
                labels[:, :-1] == -100, self.output_tok.pad_token_id
            )
            out.append(
                {
                    "rows": order[i : i + batch_size],
                    "input_ids": enc["input_ids"].to(self.device),
                    "attention_mask": enc["attention_mask"].to(self.device),
                    "labels": labels.to(self.device),
                    "decoder_input_ids": decoder_in.to(self.device),
                }
            )
        return out


class BudgetSchedule:
    """Linear warm-up then linear decay, by whichever budget runs out first: steps or time.

    Progress is ``max(step / total_steps, minutes / max_minutes)``, so a run cut short by
    ``--max-minutes`` still warms up early and ends with a decayed learning rate instead of
    stopping mid-warm-up at full rate (linear decay to the budget; Li et al. 2020,
    "Budgeted training"). Learning rates are set on the optimizer's groups in place.
    """

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        total_steps: int,
        warmup: float,
        max_minutes: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        floor: float = 0.02,
    ) -> None:
        self.optimizer, self.total, self.warmup = optimizer, max(total_steps, 1), warmup
        self.max_minutes, self.clock, self.floor = max_minutes, clock, floor
        self.base = [g["lr"] for g in optimizer.param_groups]
        self.steps, self.minutes_before, self.started = 0, 0.0, clock()
        self._apply()

    def progress(self) -> float:
        """Share of the budget spent, in [0, 1]."""
        done = self.steps / self.total
        if self.max_minutes:
            minutes = self.minutes_before + (self.clock() - self.started) / 60
            done = max(done, minutes / self.max_minutes)
        return min(done, 1.0)

    def factor(self) -> float:
        """The multiplier of the base learning rates now."""
        p = self.progress()
        if self.warmup > 0 and p < self.warmup:
            return max(p / self.warmup, self.floor)
        return max((1.0 - p) / max(1.0 - self.warmup, 1e-9), self.floor)

    def _apply(self) -> None:
        f = self.factor()
        for group, base in zip(self.optimizer.param_groups, self.base, strict=True):
            group["lr"] = base * f

    def step(self) -> None:
        self.steps += 1
        self._apply()

    def state_dict(self) -> dict[str, Any]:
        minutes = self.minutes_before + (self.clock() - self.started) / 60
        return {"steps": self.steps, "minutes": minutes}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.steps, self.minutes_before = int(state["steps"]), float(state["minutes"])
        self.started = self.clock()
        self._apply()


def _save_checkpoint(
    folder: Path,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
    state: dict[str, Any],
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    save_weights(model, str(folder / "weights.safetensors"))
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, Any] = {}
    for pid, pstate in optimizer.state_dict()["state"].items():
        for key, value in pstate.items():
            if torch.is_tensor(value):
                tensors[f"{pid}.{key}"] = value.contiguous()
            else:
                scalars[f"{pid}.{key}"] = value
    save_file(tensors or {"_": torch.zeros(1)}, str(folder / "optimizer.safetensors"))
    write_json_atomic(
        folder / "state.json",
        {**state, "optimizer_scalars": scalars, "scheduler": scheduler.state_dict()},
    )


def _load_checkpoint(
    folder: Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer, scheduler: Any
) -> dict[str, Any]:
    load_weights(model, str(folder / "weights.safetensors"))
    state = json.loads((folder / "state.json").read_text())
    tensors = load_file(str(folder / "optimizer.safetensors"))
    opt_state = optimizer.state_dict()
    rebuilt: dict[int, dict[str, Any]] = {}
    for key, value in tensors.items():
        if key == "_":
            continue
        pid, name = key.split(".", 1)
        rebuilt.setdefault(int(pid), {})[name] = value
    for key, value in state.pop("optimizer_scalars").items():
        pid, name = key.split(".", 1)
        rebuilt.setdefault(int(pid), {})[name] = value
    opt_state["state"] = rebuilt
    optimizer.load_state_dict(opt_state)
    scheduler.load_state_dict(state.pop("scheduler"))
    return state


def _warm_start(config: TrainConfig, spec: ModelSpec, device: str) -> LoadedModel:
    """The model folder ``config.init_from`` names, loaded to train further.

    Its architecture and copy slots must be those of this training, since its weights and
    tokenizers are reused as they are; the optimizer and schedule start afresh.

    Raises:
        UsageError: the folder holds no loadable model, or one of another architecture or
            without the copy slots this training writes (or with them when it writes none).
    """
    try:
        start = load_model(Path(str(config.init_from)), device)
    except ModelError as exc:
        raise UsageError(f"--init-from: {exc}") from None
    if start.card.get("spec") != spec_to_dict(spec):
        raise UsageError(
            f"--init-from {config.init_from}: its model spec {start.card.get('spec')} "
            f"differs from this training's {spec_to_dict(spec)}"
        )
    if bool(start.card.get("copy_slots")) != config.copy_slots:
        had = "with" if start.card.get("copy_slots") else "without"
        raise UsageError(
            f"--init-from {config.init_from}: it was trained {had} copy slots; "
            "train it further with the same --copy-slots setting"
        )
    return start


def train_parser(
    task: Task,
    out: Path,
    spec: ModelSpec | None = None,
    config: TrainConfig | None = None,
    dev_examples: Sequence[Example] | None = None,
    command: str = "",
    log: Callable[[str], None] = lambda m: print(m, file=sys.stderr),
    resume: bool = False,
    synthetic: Sequence[Example] = (),
) -> dict[str, Any]:
    """Train a parser on ``task``'s gold logical forms and write the best model to ``out``.

    ``synthetic`` examples (``parseinstr.synthesis``) join the training data as
    ``config.synthetic_ratio`` and ``config.synthetic_schedule`` say; validation uses
    human examples only. Returns the model card (which includes the validation metrics).
    """
    spec = spec or ModelSpec()
    config = config or TrainConfig()
    seed_everything(config.seed)
    device = pick_device(config.device)
    use_bf16 = autocast_bf16(config.precision, device)  # a bad precision fails before any work
    examples = [e for e in task.examples() if e.logical_form]
    if not examples:
        raise UsageError("no examples with gold logical forms to train on")
    if dev_examples is None:
        train_ex, dev_ex = split_validation(examples, config.seed)
        validation = (
            f"seeded 10% of the training data held out (seed {config.seed}, {len(dev_ex)} examples)"
        )
    else:
        train_ex, dev_ex = list(examples), list(dev_examples)
        validation = f"separate dev data ({len(dev_ex)} examples)"
    log(f"training on {len(train_ex)} examples; validation: {validation}; device {device}")
    synthetic = [e for e in synthetic if e.logical_form]
    n_synth = min(len(synthetic), round(config.synthetic_ratio * len(train_ex)))
    if synthetic:
        log(
            f"plus {n_synth} of {len(synthetic)} synthetic examples per epoch "
            f"({config.synthetic_schedule})"
        )
    instances = {e.instance_key for e in examples}
    with_description = (
        config.with_description if config.with_description is not None else len(instances) > 1
    )

    pretrained = encoder_path(spec)
    if config.tune_top_layers and not config.freeze_encoder:
        raise UsageError("--tune-top-layers applies only with --freeze-encoder")
    if config.copy_parts and not config.copy_slots:
        raise UsageError("--copy-parts applies only with --copy-slots")
    if config.copy_percents and not config.copy_slots:
        raise UsageError("--copy-percents applies only with --copy-slots")
    if config.freeze_encoder and pretrained is None:
        raise UsageError("--freeze-encoder needs a pretrained encoder (--encoder minilm)")
    envs = [task.environment_for(e) for e in [*train_ex, *synthetic]]
    frames = (
        [
            copy_frame(
                e.instruction,
                env,
                names=True,
                parts=config.copy_parts,
                percents=config.copy_percents,
            )
            for e, env in zip([*train_ex, *synthetic], envs, strict=True)
        ]
        if config.copy_slots
        else None
    )
    start = _warm_start(config, spec, device) if config.init_from else None
    if start is not None:
        input_tok = start.input_tok
    elif pretrained is None:
        texts = [e.instruction for e in [*train_ex, *synthetic]]
        if frames is not None:
            texts = [f.marked for f in frames]
        if with_description:
            texts += sorted({env.describe() for env in envs})
        if config.with_links:
            texts += [
                env.link(e.instruction)
                for env, e in zip(envs, [*train_ex, *synthetic], strict=True)
            ]
        input_tok = train_input_tokenizer(texts, config.input_vocab)
    else:
        input_tok = PreTrainedTokenizerFast.from_pretrained(pretrained)
    forms = [e.logical_form for e in [*train_ex, *synthetic]]
    if frames is not None:
        forms = [f.abstract(form) for f, form in zip(frames, forms, strict=True)]
    if start is not None:
        output_tok, model = start.output_tok, start.model.train()
    else:
        if frames is not None:
            input_tok.add_special_tokens({"additional_special_tokens": list(SLOT_TOKENS)})
        output_tok = train_output_tokenizer(forms, config.output_vocab, config.output_split)
        if frames is not None:
            output_tok.add_tokens(list(SLOT_TOKENS))
        model = build_model(spec, input_tok, output_tok).to(device)
    if model.encoder.get_input_embeddings().num_embeddings < len(input_tok):
        model.encoder.resize_token_embeddings(len(input_tok))
    cache, tuned = None, []
    if config.freeze_encoder:
        try:
            tuned = freeze(model.encoder, config.tune_top_layers)
        except ValueError as exc:
            raise UsageError(f"--tune-top-layers: {exc}") from None
        cache = EncoderCache(model.encoder, config.tune_top_layers)
    env0 = task.environment_for(examples[0])
    max_out = max(len(output_tok(f)["input_ids"]) for f in forms)
    card: dict[str, Any] = {
        "task": task.name,
        "environment": task.environment,
        "parseinstr_version": __version__,
        "grammar": env0.base_grammar().name,
        "grammar_hash": env0.base_grammar().hash,
        "data_hash": data_hash(train_ex),
        "command": command,
        "validation": validation,
        "with_description": with_description,
        "with_links": config.with_links,
        "max_output_tokens": int(max_out * 1.5) + 8,
        "copy_slots": MAX_SLOTS if config.copy_slots else 0,
        "copy_names": config.copy_slots,
        "copy_parts": config.copy_parts,
        "copy_percents": config.copy_percents,
        "spec": spec_to_dict(spec),
        "train": asdict(config),
        "n_train": len(train_ex),
        "n_validation": len(dev_ex),
    }
    if synthetic:
        card["synthetic"] = {
            "n": len(synthetic),
            "per_epoch": n_synth,
            "schedule": config.synthetic_schedule,
        }

    enc_params = list(model.encoder.parameters())
    enc_ids = {id(p) for p in enc_params}
    other = [p for p in model.parameters() if id(p) not in enc_ids]
    enc_lr = config.encoder_lr if pretrained else config.lr
    groups = [{"params": other, "lr": config.lr}]
    if cache is None or tuned:
        groups.insert(0, {"params": enc_params if cache is None else tuned, "lr": enc_lr})
    optimizer = torch.optim.AdamW(groups, weight_decay=config.weight_decay)
    batcher = _Batcher(
        task,
        [*train_ex, *synthetic],
        input_tok,
        output_tok,
        with_description,
        config.with_links,
        device,
        config.copy_slots,
        config.copy_parts,
        config.copy_percents,
    )

    def epoch_rows(epoch: int, rng: random.Random) -> list[int]:
        human = list(range(len(train_ex)))
        if not n_synth or (config.synthetic_schedule == "first" and epoch >= config.epochs // 2):
            return human
        return human + [len(train_ex) + i for i in rng.sample(range(len(synthetic)), n_synth)]

    def epoch_steps(epoch: int) -> int:
        rows = len(epoch_rows(epoch, random.Random(0)))
        return (rows + config.batch_size - 1) // config.batch_size

    total = sum(epoch_steps(e) for e in range(config.epochs))
    scheduler = BudgetSchedule(optimizer, total, config.warmup, config.max_minutes)
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=-100, label_smoothing=config.label_smoothing)

    out = Path(out)
    ckpt = out / "checkpoint"
    start_epoch, best, since_best, history = 0, -1.0, 0, []
    if resume and (ckpt / "state.json").exists():
        state = _load_checkpoint(ckpt, model, optimizer, scheduler)
        start_epoch, best, since_best, history = (
            state["epoch"],
            state["best"],
            state["since_best"],
            state["history"],
        )
        log(f"resumed from {ckpt} at epoch {start_epoch}")
    rng = random.Random(config.seed + start_epoch)
    started = time.monotonic()
    bar = tqdm(
        total=total,
        initial=sum(epoch_steps(e) for e in range(start_epoch)),
        desc="train",
        unit="step",
        disable=None,
        file=sys.stderr,
    )
    stopped = "epochs"
    steps: list[tuple[float, int]] = []  # (seconds, examples) of each optimizer step
    for epoch in range(start_epoch, config.epochs):
        model.train()
        losses = []
        for batch in batcher.batches(config.batch_size, rng, epoch_rows(epoch, rng)):
            step_started = time.perf_counter()
            with torch.autocast(device, dtype=torch.bfloat16, enabled=use_bf16):
                encoded = (
                    None
                    if cache is None
                    else cache(batch["rows"], batch["input_ids"], batch["attention_mask"])
                )
                logits = model(
                    input_ids=batch["input_ids"] if encoded is None else None,
                    encoder_outputs=encoded,
                    attention_mask=batch["attention_mask"],
                    decoder_input_ids=batch["decoder_input_ids"],
                ).logits
            loss = loss_fn(logits.float().reshape(-1, logits.size(-1)), batch["labels"].reshape(-1))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            losses.append(loss.item())  # waits for the device: the step's time is all in
            steps.append((time.perf_counter() - step_started, batch["input_ids"].size(0)))
            bar.update(1)
            bar.set_postfix(loss=f"{np.mean(losses[-20:]):.3f}", dev=f"{max(best, 0):.3f}")
        minutes = scheduler.state_dict()["minutes"]  # counts earlier runs of a resumed one
        out_of_time = config.max_minutes is not None and minutes >= config.max_minutes
        last = epoch + 1 == config.epochs
        if (epoch + 1) % config.eval_every == 0 or last or out_of_time:
            model.eval()
            parser = Parser(LoadedModel(model, input_tok, output_tok, card), device)
            acc = execution_accuracy(parser, task, dev_ex, config.eval_beams)
            history.append(
                {
                    "epoch": epoch + 1,
                    "loss": float(np.mean(losses)),
                    "dev_execution_accuracy": acc,
                    "minutes": round(minutes, 2),
                }
            )
            if acc > best:
                best, since_best = acc, 0
                card["metrics"] = {"validation_execution_accuracy": acc, "epoch": epoch + 1}
                save_model(out, model, input_tok, output_tok, card, half=config.half)
            else:
                since_best += config.eval_every
            bar.set_postfix(loss=f"{np.mean(losses[-20:]):.3f}", dev=f"{best:.3f}")
        _save_checkpoint(
            ckpt,
            model,
            optimizer,
            scheduler,
            {"epoch": epoch + 1, "best": best, "since_best": since_best, "history": history},
        )
        if out_of_time:
            stopped = f"time budget of {config.max_minutes} min"
            break
        if since_best >= config.patience:
            stopped = f"no improvement in {config.patience} epochs"
            break
    bar.close()
    card["history"] = history
    card["stopped"] = stopped
    card["train_minutes"] = round((time.monotonic() - started) / 60, 2)
    card["throughput"] = training_throughput(steps, device, use_bf16)
    write_json_atomic(out / "model_card.json", card)
    log(f"stopped: {stopped}; best validation execution accuracy {best:.3f}; model in {out}")
    return card
