"""Training with a frozen pretrained encoder: each input is encoded once, then remembered.

A pretrained sentence encoder (such as all-MiniLM-L6-v2) maps paraphrases to nearby
vectors; fine-tuning it on a few hundred phrasings can trade that away, and on CPU its
forward and backward passes are most of a training step. With the encoder frozen, its
output for a training input never changes (it runs in eval mode, without dropout), so
:class:`EncoderCache` computes it the first time the input is batched and reuses it in
every later epoch: training costs the decoder alone. Tokens added to the pretrained
vocabulary (copy slots) keep the distinct random embeddings ``resize_token_embeddings``
draws for them, which is all a frozen encoder needs to tell them apart.

The cache is exact: a BERT encoder's states at real positions do not depend on how much
padding follows them, so states are stored unpadded per row and padded again per batch.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from transformers.modeling_outputs import BaseModelOutput


def freeze(encoder: torch.nn.Module) -> None:
    """Stop gradients into ``encoder`` and keep it in eval mode (no dropout)."""
    for p in encoder.parameters():
        p.requires_grad_(False)
    encoder.eval()


class EncoderCache:
    """Encoder states per training row, computed once (stored in bfloat16 to halve memory)."""

    def __init__(self, encoder: torch.nn.Module, dtype: torch.dtype = torch.bfloat16) -> None:
        self.encoder = encoder
        self.dtype = dtype
        self.states: dict[int, torch.Tensor] = {}

    def __call__(
        self, rows: Sequence[int], input_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> BaseModelOutput:
        """Encoder output for a batch whose k-th input is training row ``rows[k]``."""
        missing = [k for k, r in enumerate(rows) if r not in self.states]
        if missing:
            self.encoder.eval()
            with torch.no_grad():
                hidden = self.encoder(
                    input_ids=input_ids[missing], attention_mask=attention_mask[missing]
                ).last_hidden_state
            for k, h in zip(missing, hidden, strict=True):
                length = int(attention_mask[k].sum())
                self.states[rows[k]] = h[:length].to(self.dtype).clone()
        size = next(iter(self.states.values())).size(-1)
        out = torch.zeros(len(rows), input_ids.size(1), size, device=input_ids.device)
        for k, r in enumerate(rows):
            state = self.states[r]
            out[k, : state.size(0)] = state.float()
        return BaseModelOutput(last_hidden_state=out)
