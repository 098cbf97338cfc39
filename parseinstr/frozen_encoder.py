"""Training with a frozen pretrained encoder: each input is encoded once, then remembered.

A pretrained sentence encoder (such as all-MiniLM-L6-v2) maps paraphrases to nearby
vectors; fine-tuning all of it on a few hundred phrasings can trade that away, and on CPU
its forward and backward passes are most of a training step. With the encoder frozen, its
states for a training input never change (it runs without dropout), so
:class:`EncoderCache` computes them the first time the input is batched and reuses them in
every later epoch: training costs the decoder alone. With ``tune_top`` layers, the cache
holds the states below those layers and only the top ones run (and learn) every step.

The cache is exact: a BERT encoder's states at real positions do not depend on how much
padding follows them, so states are stored unpadded per row and padded again per batch.
Tokens added to the pretrained vocabulary (copy slots) keep the distinct random embeddings
``resize_token_embeddings`` draws for them, which is all a frozen encoder needs to tell
them apart.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from transformers.masking_utils import create_bidirectional_mask
from transformers.modeling_outputs import BaseModelOutput


def _layers(encoder: torch.nn.Module) -> torch.nn.ModuleList:
    return encoder.encoder.layer  # type: ignore[union-attr,return-value]


def freeze(encoder: torch.nn.Module, tune_top: int = 0) -> list[torch.nn.Parameter]:
    """Stop gradients into ``encoder`` except its top ``tune_top`` layers; return those
    layers' parameters (to be optimised)."""
    layers = _layers(encoder)
    if not 0 <= tune_top <= len(layers):
        raise ValueError(f"tune_top {tune_top}: the encoder has {len(layers)} layers")
    for p in encoder.parameters():
        p.requires_grad_(False)
    tuned = [p for layer in layers[len(layers) - tune_top :] for p in layer.parameters()]
    for p in tuned:
        p.requires_grad_(True)
    return tuned


class EncoderCache:
    """Encoder states per training row below the tuned layers, computed once (bfloat16)."""

    def __init__(
        self, encoder: torch.nn.Module, tune_top: int = 0, dtype: torch.dtype = torch.bfloat16
    ) -> None:
        self.encoder = encoder
        self.tune_top = tune_top
        self.dtype = dtype
        self.states: dict[int, torch.Tensor] = {}

    def _encode(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        was_training = self.encoder.training
        self.encoder.eval()
        try:
            with torch.no_grad():
                out = self.encoder(
                    input_ids=input_ids,
                    attention_mask=attention_mask,
                    output_hidden_states=self.tune_top > 0,
                )
        finally:
            self.encoder.train(was_training)
        if self.tune_top == 0:
            return out.last_hidden_state
        return out.hidden_states[len(_layers(self.encoder)) - self.tune_top]

    def __call__(
        self, rows: Sequence[int], input_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> BaseModelOutput:
        """Encoder output for a batch whose k-th input is training row ``rows[k]``."""
        missing = [k for k, r in enumerate(rows) if r not in self.states]
        if missing:
            hidden = self._encode(input_ids[missing], attention_mask[missing])
            for k, h in zip(missing, hidden, strict=True):
                length = int(attention_mask[k].sum())
                self.states[rows[k]] = h[:length].to(self.dtype).clone()
        size = next(iter(self.states.values())).size(-1)
        out = torch.zeros(len(rows), input_ids.size(1), size, device=input_ids.device)
        for k, r in enumerate(rows):
            state = self.states[r]
            out[k, : state.size(0)] = state.float()
        if self.tune_top:
            layers = _layers(self.encoder)
            mask = create_bidirectional_mask(
                config=self.encoder.config, inputs_embeds=out, attention_mask=attention_mask
            )
            for layer in layers[len(layers) - self.tune_top :]:
                out = layer(out, mask)
        return BaseModelOutput(last_hidden_state=out)
