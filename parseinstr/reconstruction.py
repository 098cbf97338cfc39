"""Reconstruction scores: how well a logical form explains the words of its instruction.

The parser scores p(form | instruction); a candidate can score well while ignoring a word
("the largest *river*" read as the largest state). A second, smaller seq2seq model trained
the other way, from gold forms to their instructions, gives p(instruction | form): a
form that leaves words unexplained makes the instruction unlikely. Reranking the n-best by
``parser score + weight * reconstruction score`` is the reconstruction reranker of Yin and
Neubig (2019, "Reranking for neural semantic parsing"); the weight is fitted on held-out
training examples, never on evaluation data.

A reconstructor lives in a ``reconstructor/`` folder inside a model folder (safetensors,
its two tokenizers and a card with the weight); :class:`parseinstr.parser.Parser` loads it
when present.
"""

from __future__ import annotations

import copy
import json
import math
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_model, save_model
from transformers import (
    BertConfig,
    BertLMHeadModel,
    BertModel,
    EncoderDecoderModel,
    PreTrainedTokenizerFast,
)

from .environment import Environment
from .errors import ModelError, ParseInstrError
from .tokenization import train_input_tokenizer, train_output_tokenizer

FOLDER = "reconstructor"
CARD = "reconstructor_card.json"
_ROWS = 64  # rows per scoring batch


@dataclass(frozen=True)
class ReconstructorConfig:
    """Size and optimisation of a reconstructor (small: it only scores, never decodes)."""

    d_model: int = 256
    layers: int = 3
    heads: int = 4
    dropout: float = 0.1
    epochs: int = 40
    batch_size: int = 32
    lr: float = 5e-4
    max_minutes: float | None = None
    form_vocab: int = 2000
    text_vocab: int = 2000
    seed: int = 0
    bf16: bool = False  # bfloat16 autocast for training matrix products (fast CPUs, CUDA)


def _build(cfg: ReconstructorConfig, form_tok: Any, text_tok: Any) -> EncoderDecoderModel:
    common = {
        "hidden_size": cfg.d_model,
        "num_hidden_layers": cfg.layers,
        "num_attention_heads": cfg.heads,
        "intermediate_size": 4 * cfg.d_model,
        "hidden_dropout_prob": cfg.dropout,
        "attention_probs_dropout_prob": cfg.dropout,
        "max_position_embeddings": 1024,
    }
    encoder = BertModel(
        BertConfig(vocab_size=len(form_tok), pad_token_id=form_tok.pad_token_id, **common),
        add_pooling_layer=False,
    )
    decoder = BertLMHeadModel(
        BertConfig(
            vocab_size=len(text_tok),
            pad_token_id=text_tok.pad_token_id,
            bos_token_id=text_tok.bos_token_id,
            eos_token_id=text_tok.eos_token_id,
            is_decoder=True,
            add_cross_attention=True,
            **common,
        )
    )
    model = EncoderDecoderModel(encoder=encoder, decoder=decoder)
    model.config.decoder_start_token_id = text_tok.bos_token_id
    model.config.pad_token_id = text_tok.pad_token_id
    return model


class Reconstructor:
    """Scores log p(instruction | form) per instruction token with a trained model."""

    def __init__(
        self,
        model: EncoderDecoderModel,
        form_tok: PreTrainedTokenizerFast,
        text_tok: PreTrainedTokenizerFast,
        card: dict[str, Any],
        device: str = "cpu",
    ) -> None:
        self.model, self.form_tok, self.text_tok = model.to(device).eval(), form_tok, text_tok
        self.card, self.device = card, device

    @property
    def weight(self) -> float:
        """The reranking weight fitted on held-out examples (0: the reconstructor is kept
        but does not change the order)."""
        return float(self.card.get("weight", 0.0))

    @property
    def mention_weight(self) -> float:
        """How much each of the instruction's mentions a form writes adds to its score when
        reranking (fitted with the weight; 0 for reconstructors fitted before it was, or
        for ``--prefer-mentions``, whose rule counts mentions first)."""
        return float(self.card.get("mention_weight") or 0.0)

    @property
    def similarity_weight(self) -> float:
        """How much the cosine between the instruction and a form's English explanation
        (:mod:`parseinstr.similarity`) adds to its score when reranking (fitted with the
        weight; 0 for reconstructors fitted before it was)."""
        return float(self.card.get("similarity_weight") or 0.0)

    @property
    def reorders(self) -> bool:
        """Whether reranking changes anything: a reconstruction, mention or similarity
        weight."""
        return bool(self.weight or self.mention_weight or self.similarity_weight)

    def _logits(self, forms: Sequence[str], texts: Sequence[str]) -> tuple[torch.Tensor, Any]:
        """Teacher-forced logits of ``texts`` given ``forms``, with the labels and their mask."""
        enc = self.form_tok(
            list(forms), padding=True, truncation=True, max_length=512, return_tensors="pt"
        ).to(self.device)
        labels = self.text_tok(
            list(texts), padding=True, truncation=True, max_length=256, return_tensors="pt"
        )["input_ids"].to(self.device)
        mask = labels != self.text_tok.pad_token_id
        decoder_in = torch.full_like(labels, self.text_tok.pad_token_id)
        decoder_in[:, 0] = self.text_tok.bos_token_id
        decoder_in[:, 1:] = labels[:, :-1].masked_fill(~mask[:, :-1], self.text_tok.pad_token_id)
        logits = self.model(
            input_ids=enc["input_ids"],
            attention_mask=enc["attention_mask"],
            decoder_input_ids=decoder_in,
        ).logits.float()
        return logits, (labels, mask)

    @torch.no_grad()
    def score(self, forms: Sequence[str], instructions: Sequence[str]) -> list[float]:
        """Mean log-probability per token of each instruction given its form."""
        out: list[float] = []
        for i in range(0, len(forms), _ROWS):
            f, t = forms[i : i + _ROWS], instructions[i : i + _ROWS]
            logits, (labels, mask) = self._logits(f, t)
            logp = torch.log_softmax(logits, -1).gather(-1, labels.unsqueeze(-1)).squeeze(-1)
            out += ((logp * mask).sum(1) / mask.sum(1).clamp(min=1)).tolist()
        return out

    def save(self, folder: Path, half: bool = False) -> None:
        """Write the model (safetensors; ``half``: weights in float16, half the bytes),
        both tokenizers and the card to ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        model = copy.deepcopy(self.model).half() if half else self.model
        save_model(model, str(folder / "model.safetensors"))  # tied weights stored once
        self.form_tok.save_pretrained(str(folder / "form_tokenizer"))
        self.text_tok.save_pretrained(str(folder / "text_tokenizer"))
        (folder / CARD).write_text(json.dumps(self.card, indent=2) + "\n")

    @classmethod
    def load(cls, folder: Path, device: str = "cpu") -> Reconstructor:
        """Load a saved reconstructor (raises ``ModelError`` when it is incomplete)."""
        try:
            card = json.loads((folder / CARD).read_text())
            form_tok = PreTrainedTokenizerFast.from_pretrained(str(folder / "form_tokenizer"))
            text_tok = PreTrainedTokenizerFast.from_pretrained(str(folder / "text_tokenizer"))
            cfg = ReconstructorConfig(**card["config"])
            model = _build(cfg, form_tok, text_tok)
            load_model(model, str(folder / "model.safetensors"), device="cpu")
        except (OSError, KeyError, ValueError, TypeError, RuntimeError) as exc:
            raise ModelError(f"reconstructor in {folder} is missing or corrupt: {exc}") from None
        return cls(model, form_tok, text_tok, card, device)


def train_reconstructor(
    pairs: Sequence[tuple[str, str]],
    config: ReconstructorConfig | None = None,
    device: str = "cpu",
    log: Callable[[str], None] = lambda m: print(m, file=sys.stderr),
) -> Reconstructor:
    """Train p(instruction | form) on (form, instruction) pairs within the config's budget."""
    cfg = config or ReconstructorConfig()
    if not pairs:
        raise ModelError("no (form, instruction) pairs to train a reconstructor on")
    random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    forms = [f for f, _ in pairs]
    texts = [t for _, t in pairs]
    form_tok = train_input_tokenizer(forms, cfg.form_vocab)
    text_tok = train_output_tokenizer(texts, cfg.text_vocab)
    model = _build(cfg, form_tok, text_tok).to(device)
    rec = Reconstructor(model, form_tok, text_tok, {"config": asdict(cfg)}, device)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=0.01)
    steps_per_epoch = math.ceil(len(pairs) / cfg.batch_size)
    total = steps_per_epoch * cfg.epochs
    started = time.monotonic()

    def progress(step: int) -> float:
        done = step / total
        if cfg.max_minutes:
            done = max(done, (time.monotonic() - started) / 60 / cfg.max_minutes)
        return min(done, 1.0)

    # Linear warm-up over 5% of the steps, then linear decay to 5% by the end of the
    # epochs or of the time budget, whichever comes first.
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / max(1, total // 20)) * max(0.05, 1 - progress(s))
    )
    order = list(range(len(pairs)))
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=0.1, reduction="none")
    for epoch in range(cfg.epochs):
        model.train()
        random.shuffle(order)
        losses = []
        for i in range(0, len(order), cfg.batch_size):
            idx = order[i : i + cfg.batch_size]
            with torch.autocast(
                "cuda" if device.startswith("cuda") else "cpu",
                dtype=torch.bfloat16,
                enabled=cfg.bf16,
            ):
                logits, (labels, mask) = rec._logits(
                    [forms[j] for j in idx], [texts[j] for j in idx]
                )
            loss = (loss_fn(logits.transpose(1, 2), labels) * mask).sum() / mask.sum()
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            losses.append(loss.item())
        minutes = (time.monotonic() - started) / 60
        mean = sum(losses) / len(losses)
        log(f"reconstructor epoch {epoch + 1}: loss {mean:.3f}, {minutes:.1f} min")
        if cfg.max_minutes is not None and minutes >= cfg.max_minutes:
            break
    model.eval()
    rec.card.update({"n_train": len(pairs), "epochs_run": epoch + 1, "minutes": round(minutes, 1)})
    return rec


def reconstruction_input(env: Environment | None, form: str) -> str:
    """What the reconstructor reads for ``form``: the environment's
    :meth:`~parseinstr.environment.Environment.reconstruction_text`, or the form itself
    without an environment or when the environment cannot read it."""
    if env is None:
        return form
    try:
        return env.reconstruction_text(form)
    except (ParseInstrError, ValueError, KeyError):
        return form


def rerank_order(scores: Sequence[float], rec_scores: Sequence[float], weight: float) -> list[int]:
    """Indices of candidates by ``score + weight * reconstruction score``, best first (a
    stable sort: ties keep the parser's order; ``-inf`` stays last)."""
    combined = [
        s + weight * r if math.isfinite(s) and math.isfinite(r) else -math.inf
        for s, r in zip(scores, rec_scores, strict=True)
    ]
    return sorted(range(len(combined)), key=lambda i: -combined[i])
