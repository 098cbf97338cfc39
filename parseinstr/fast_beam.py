"""Lean incremental decoding for the parser's BERT-to-BERT model (beam search and greedy).

``transformers``' ``generate`` spends most of a step on Python: module dispatch over some
thirty small layers, signature inspection and output-capturing wrappers, cache objects.
For the model :mod:`parseinstr.model` builds (an ``EncoderDecoderModel`` whose decoder is
a ``BertLMHeadModel`` with cross-attention) this module runs the encoder once (directly
too when it is a plain ``BertModel``), then decodes with the decoder's weights called
directly: query/key/value fused in one matrix, cross-attention prepared once per input
(for one short input folded into its projections), the large weights prepacked for
oneDNN, and a preallocated position-major self-attention key/value buffer whose prefix is
reordered when beams move.

The search reproduces what ``Parser`` asks ``generate`` for: beam search with
``num_beams = num_return_sequences``, ``length_penalty=1.0``, no sampling, the model's
default early stopping, logits processors called with the same ``(input_ids, scores)``
as ``generate`` passes (ids start with the decoder start token; beam search hands them
log-softmaxed logits, greedy the raw logits), and the same tie-breaking (the same
``topk`` calls over tensors of the same layout), so sequences and scores agree with
``generate`` to float rounding. Anything else (another architecture, a model in training
mode, options this module does not mirror) falls back to ``generate``.

Entry point: :func:`generate`, returning the sequences and one score per sequence as
``Parser.parse_batch`` computes them (``sequences_scores`` for beams, the summed finite
transition scores for greedy).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F

__all__ = [
    "FastDecoder",
    "Output",
    "generate",
    "generate_output",
    "hf_generate",
    "hf_generate_output",
    "supports",
]

_NEG = -1.0e9  # the penalty generate adds to rule a hypothesis out (kept for equal ties)
_CACHE_ATTR = "_parseinstr_fast_decoder"


@dataclass(frozen=True)
class _Layer:
    """One decoder layer's weights, laid out for a single-token step."""

    qkv_w: torch.Tensor  # (3D, D): self-attention query, key, value stacked
    qkv_b: torch.Tensor
    so_w: torch.Tensor  # self-attention output projection
    so_b: torch.Tensor
    ln1_w: torch.Tensor
    ln1_b: torch.Tensor
    cq_w: torch.Tensor  # cross-attention query
    cq_b: torch.Tensor
    ckv_w: torch.Tensor  # (2D, D): cross-attention key and value, applied once per input
    ckv_b: torch.Tensor
    co_w: torch.Tensor
    co_b: torch.Tensor
    ln2_w: torch.Tensor
    ln2_b: torch.Tensor
    ff1_w: torch.Tensor
    ff1_b: torch.Tensor
    ff2_w: torch.Tensor
    ff2_b: torch.Tensor
    ln3_w: torch.Tensor
    ln3_b: torch.Tensor


@dataclass(frozen=True)
class _Cross:
    """Every layer's cross-attention, prepared once per search (see ``FastDecoder.encode``).

    Either ``folded`` (one input: per layer the score weight and bias, then the output
    weight and bias, in the form ``_Linears.product`` takes) or ``pairs`` (per layer the
    keys and values, ``(rows, heads, src, head_dim)``) with ``mask`` (``(rows, 1, 1, src)``,
    True: attend; None when nothing is padded).
    """

    src: int
    folded: list[tuple[_Weight, _Weight]]
    pairs: list[tuple[torch.Tensor, torch.Tensor]]
    mask: torch.Tensor | None


def supports(model: Any) -> bool:
    """Whether :class:`FastDecoder` reproduces ``model``'s decoder exactly.

    Only the configuration :func:`parseinstr.model.build_model` makes qualifies: a BERT
    ``BertLMHeadModel`` decoder with cross-attention, absolute positions, GELU (erf) and
    dropout inactive (``eval`` mode: in training mode ``generate`` would apply dropout).
    """
    try:
        from transformers import BertLMHeadModel, EncoderDecoderModel
    except ImportError:  # pragma: no cover - transformers is a dependency
        return False
    if not isinstance(model, EncoderDecoderModel) or model.training:
        return False
    decoder = model.decoder
    if type(decoder) is not BertLMHeadModel:
        return False
    cfg = decoder.config
    return (
        bool(cfg.is_decoder)
        and bool(cfg.add_cross_attention)
        and cfg.hidden_act == "gelu"
        and getattr(cfg, "position_embedding_type", "absolute") == "absolute"
        and cfg.hidden_size % cfg.num_attention_heads == 0
        and getattr(model.config.decoder, "cross_attention_hidden_size", None) is None
    )


def _weights_version(model: Any) -> tuple[int, ...]:
    """In-place updates (an optimiser step) bump a tensor's version: a cheap staleness key."""
    return tuple(v for p in model.parameters() for v in (p.data_ptr(), p._version))


def _source_product(w: torch.Tensor, b: torch.Tensor, gelu: bool = False) -> _Weight:
    """A product over source tokens (tens of rows): oneDNN with prepacked weights where
    available (about twice MKL's speed for 20-40 rows), else ``F.linear``."""
    if w.device.type == "cpu" and _onednn_ok():
        packed = torch.ops.mkldnn._reorder_linear_weight(w, 32)
        return (_packed_gelu if gelu else _packed_product, packed, b)
    return (_linear_gelu if gelu else F.linear, w, b)


class _Encoder:
    """A BERT encoder (``BertModel``) as plain tensors: one pass over the input per search.

    ``generate`` calls the encoder through the same module dispatch and wrappers as the
    decoder, a few milliseconds for a 20-token question; this runs the same arithmetic
    (embeddings of token type 0 and absolute positions, then per layer self-attention
    with the padding mask, residual layer norms, a GELU feed-forward) directly.
    """

    def __init__(self, bert: Any) -> None:
        cfg = bert.config
        emb = bert.embeddings
        self.hidden = cfg.hidden_size
        self.heads = cfg.num_attention_heads
        self.head_dim = cfg.hidden_size // cfg.num_attention_heads
        self.eps = cfg.layer_norm_eps
        with torch.no_grad():
            self.word = emb.word_embeddings.weight.detach()
            self.pos_type = (
                emb.position_embeddings.weight + emb.token_type_embeddings.weight[0]
            ).detach()
            self.emb_ln = (emb.LayerNorm.weight.detach(), emb.LayerNorm.bias.detach())
            self.layers = [self._layer(layer) for layer in bert.encoder.layer]

    @staticmethod
    def _layer(layer: Any) -> tuple[Any, ...]:
        sa, so = layer.attention.self, layer.attention.output
        qkv_w = torch.cat([sa.query.weight, sa.key.weight, sa.value.weight]).detach()
        qkv_b = torch.cat([sa.query.bias, sa.key.bias, sa.value.bias]).detach()
        return (
            _source_product(qkv_w, qkv_b),
            _source_product(so.dense.weight.detach(), so.dense.bias.detach()),
            (so.LayerNorm.weight.detach(), so.LayerNorm.bias.detach()),
            _source_product(
                layer.intermediate.dense.weight.detach(),
                layer.intermediate.dense.bias.detach(),
                gelu=True,
            ),
            _source_product(layer.output.dense.weight.detach(), layer.output.dense.bias.detach()),
            (layer.output.LayerNorm.weight.detach(), layer.output.LayerNorm.bias.detach()),
        )

    @staticmethod
    def supports(encoder: Any) -> bool:
        """Whether ``encoder`` is a plain BERT encoder this class reproduces."""
        from transformers import BertModel

        if type(encoder) is not BertModel:
            return False
        cfg = encoder.config
        return (
            not cfg.is_decoder
            and not cfg.add_cross_attention
            and cfg.hidden_act == "gelu"
            and getattr(cfg, "position_embedding_type", "absolute") == "absolute"
            and cfg.hidden_size % cfg.num_attention_heads == 0
        )

    def __call__(self, input_ids: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        """Hidden states ``(items, src, hidden)``; ``mask`` (1: a token, 0: padding)."""
        items, src = input_ids.shape
        d, h, hd, eps = self.hidden, self.heads, self.head_dim, self.eps
        attend = None
        if mask is not None and not bool(mask.all()):
            attend = mask.bool()[:, None, None, :]
        x = F.embedding(input_ids, self.word) + self.pos_type[:src]
        x = F.layer_norm(x, (d,), *self.emb_ln, eps)
        for (f, a, c), (g, a2, c2), ln1, (f1, a3, c3), (f2, a4, c4), ln2 in self.layers:
            qkv = f(x, a, c).view(items, src, 3, h, hd).permute(2, 0, 3, 1, 4)
            attn = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], attn_mask=attend)
            attn = attn.transpose(1, 2).reshape(items, src, d)
            x = F.layer_norm(g(attn, a2, c2) + x, (d,), *ln1, eps)
            x = F.layer_norm(f2(f1(x, a3, c3), a4, c4) + x, (d,), *ln2, eps)
        return x


class FastDecoder:
    """The decoder of a supported model as plain tensors, with single-token steps.

    Build one with :meth:`for_model` (cached on the model and rebuilt when its weights
    change in place, as they do while the parser learns).
    """

    def __init__(self, model: Any) -> None:
        dec = model.decoder
        cfg = dec.config
        self.model = model
        self.hidden = cfg.hidden_size
        self.heads = cfg.num_attention_heads
        self.head_dim = cfg.hidden_size // cfg.num_attention_heads
        self.eps = cfg.layer_norm_eps
        self.max_positions = cfg.max_position_embeddings
        bert = dec.bert
        emb = bert.embeddings
        with torch.no_grad():
            self.word = emb.word_embeddings.weight.detach()
            # Token type 0 and the absolute position, added to every decoder input.
            self.pos_type = (
                emb.position_embeddings.weight + emb.token_type_embeddings.weight[0]
            ).detach()
            self.emb_ln = (emb.LayerNorm.weight.detach(), emb.LayerNorm.bias.detach())
            self.layers = [self._layer(layer) for layer in bert.encoder.layer]
            pred = dec.cls.predictions
            self.head_w = pred.transform.dense.weight.detach()
            self.head_b = pred.transform.dense.bias.detach()
            self.head_ln = (
                pred.transform.LayerNorm.weight.detach(),
                pred.transform.LayerNorm.bias.detach(),
            )
            self.out_w = pred.decoder.weight.detach()
            out_b = pred.decoder.bias
            self.out_b = out_b.detach() if out_b is not None else torch.zeros_like(self.out_w[:, 0])
        self.encoder = _Encoder(model.encoder) if _Encoder.supports(model.encoder) else None
        # Cross-attention keys and values of the source tokens, once per search.
        self.cross_kv = [_source_product(la.ckv_w, la.ckv_b) for la in self.layers]
        self.version = _weights_version(model)
        self._packed: dict[int, _Linears] = {}

    @staticmethod
    def _layer(layer: Any) -> _Layer:
        sa, so = layer.attention.self, layer.attention.output
        ca, co = layer.crossattention.self, layer.crossattention.output
        return _Layer(
            qkv_w=torch.cat([sa.query.weight, sa.key.weight, sa.value.weight]).detach(),
            qkv_b=torch.cat([sa.query.bias, sa.key.bias, sa.value.bias]).detach(),
            so_w=so.dense.weight.detach(),
            so_b=so.dense.bias.detach(),
            ln1_w=so.LayerNorm.weight.detach(),
            ln1_b=so.LayerNorm.bias.detach(),
            cq_w=ca.query.weight.detach(),
            cq_b=ca.query.bias.detach(),
            ckv_w=torch.cat([ca.key.weight, ca.value.weight]).detach(),
            ckv_b=torch.cat([ca.key.bias, ca.value.bias]).detach(),
            co_w=co.dense.weight.detach(),
            co_b=co.dense.bias.detach(),
            ln2_w=co.LayerNorm.weight.detach(),
            ln2_b=co.LayerNorm.bias.detach(),
            ff1_w=layer.intermediate.dense.weight.detach(),
            ff1_b=layer.intermediate.dense.bias.detach(),
            ff2_w=layer.output.dense.weight.detach(),
            ff2_b=layer.output.dense.bias.detach(),
            ln3_w=layer.output.LayerNorm.weight.detach(),
            ln3_b=layer.output.LayerNorm.bias.detach(),
        )

    @classmethod
    def for_model(cls, model: Any) -> FastDecoder | None:
        """The cached decoder for ``model``; None when the model is not supported."""
        if not supports(model):
            return None
        cached = model.__dict__.get(_CACHE_ATTR)
        if cached is not None and cached.version == _weights_version(model):
            return cached
        fresh = cls(model)
        model.__dict__[_CACHE_ATTR] = fresh  # a plain attribute: not a submodule
        return fresh

    # ------------------------------------------------------------------ encoder side

    def encode(self, batch: dict[str, torch.Tensor], rows_per_item: int, lin: _Linears) -> _Cross:
        """Run the encoder and prepare every layer's cross-attention for the decoding rows.

        Rows are ``items * rows_per_item``, item-major (beams never mix inputs, so what is
        computed once per input is shared by its rows). For one input whose source is
        short (``heads * source_len <= 2 * hidden``) the attention is folded into its
        projections: with keys ``K_h`` and values ``V_h`` of head ``h`` fixed for the whole
        search, the scores ``(x Wq_h + bq_h) K_h^T * scale`` are one product of ``x`` with
        ``scale * K_h Wq_h`` (plus ``scale * K_h bq_h``), and the output projection of
        ``P_h V_h`` is one product of the weights ``P`` with ``V_h Wo_h``. A step then
        needs two small products and a softmax instead of two ``hidden``-square products
        and an attention call; results agree with the unfolded form to float rounding.
        """
        model = self.model
        mask = batch.get("attention_mask")
        kwargs = {k: v for k, v in batch.items() if k not in ("input_ids", "attention_mask")}
        if self.encoder is not None and not kwargs:
            states = self.encoder(batch["input_ids"], mask)
        else:  # another encoder, or inputs the lean one does not take (token types)
            enc = model.encoder(
                input_ids=batch["input_ids"], attention_mask=mask, return_dict=True, **kwargs
            )
            states = enc.last_hidden_state
        if model.encoder.config.hidden_size != self.hidden:
            states = model.enc_to_dec_proj(states)
        items, src, _ = states.shape
        h, hd = self.heads, self.head_dim
        padded = mask is not None and not bool(mask.all())
        if items == 1 and h * src <= 2 * self.hidden:
            scale = hd**-0.5
            folded = []
            for layer, (f, a, c) in zip(self.layers, self.cross_kv, strict=True):
                kv = f(states[0], a, c).view(src, 2, h, hd)
                keys = kv[:, 0].transpose(0, 1)  # (heads, src, head_dim)
                values = kv[:, 1].transpose(0, 1)
                w_scores = torch.bmm(keys, layer.cq_w.view(h, hd, -1)).reshape(h * src, -1)
                b_scores = torch.bmm(keys, layer.cq_b.view(h, hd, 1)).reshape(h * src)
                w_scores, b_scores = w_scores * scale, b_scores * scale
                if padded:
                    hidden = ~mask[0].bool()
                    b_scores = b_scores.view(h, src).masked_fill(hidden, float("-inf")).view(-1)
                # (heads, src, hidden) -> the output projection's weight (hidden, heads*src)
                w_out = torch.bmm(values, layer.co_w.view(-1, h, hd).permute(1, 2, 0))
                w_out = w_out.reshape(h * src, -1).t().contiguous()
                folded.append(
                    (lin.prepare(w_scores.contiguous(), b_scores), lin.prepare(w_out, layer.co_b))
                )
            return _Cross(src, folded, [], None)
        pairs = []
        for f, a, c in self.cross_kv:
            kv = f(states, a, c)
            kv = kv.view(items, src, 2, h, hd).permute(2, 0, 3, 1, 4)
            if rows_per_item > 1:
                kv = kv.repeat_interleave(rows_per_item, dim=1)
            pairs.append((kv[0], kv[1]))
        attend = None
        if padded:
            assert mask is not None
            if rows_per_item > 1:
                mask = mask.repeat_interleave(rows_per_item, dim=0)
            attend = mask.bool()[:, None, None, :]
        return _Cross(src, [], pairs, attend)

    # ------------------------------------------------------------------ one step

    def linears(self, rows: int) -> _Linears:
        """Matrix products for ``rows`` rows a step (packed for oneDNN when that is faster)."""
        packed = self._packed.get(rows)
        if packed is None:
            packed = self._packed[rows] = _Linears(self, rows)
        return packed

    def step(
        self,
        tokens: torch.Tensor,
        position: int,
        cache: torch.Tensor,
        cross: _Cross,
        lin: _Linears,
    ) -> torch.Tensor:
        """Logits ``(rows, vocab)`` for ``tokens`` at ``position``; writes its keys/values.

        ``cache`` is ``(max_len, rows, layers, 2, heads, head_dim)`` (position-major, so a
        beam reorder copies one contiguous prefix); positions before ``position`` hold the
        earlier tokens of each row.
        """
        rows = tokens.shape[0]
        d, h, hd = self.hidden, self.heads, self.head_dim
        shape, eps = (d,), self.eps
        norm, attend = torch.layer_norm, F.scaled_dot_product_attention
        x = norm(F.embedding(tokens, self.word) + self.pos_type[position], shape, *self.emb_ln, eps)
        folded, src = cross.folded, cross.src
        here = cache[position]
        past = cache[: position + 1]  # (end, rows, layers, 2, heads, head_dim)
        for i, (w, layer) in enumerate(zip(lin.layers, self.layers, strict=True)):
            f, a, c = w[0]
            qkv = f(x, a, c).view(rows, 3, h, hd)
            here[:, i] = qkv[:, 1:]
            keys = past[:, :, i, 0].permute(1, 2, 0, 3)
            values = past[:, :, i, 1].permute(1, 2, 0, 3)
            attn = attend(qkv[:, 0, :, None], keys, values)
            f, a, c = w[1]
            x = norm(f(attn.view(rows, d), a, c) + x, shape, layer.ln1_w, layer.ln1_b, eps)
            if folded:
                (f, a, c), (g, a2, c2) = folded[i]
                probs = torch.softmax(f(x, a, c).view(rows, h, src), dim=-1)
                x = norm(g(probs.view(rows, -1), a2, c2) + x, shape, layer.ln2_w, layer.ln2_b, eps)
            else:
                keys, values = cross.pairs[i]
                f, a, c = w[2]
                attn = attend(f(x, a, c).view(rows, h, 1, hd), keys, values, attn_mask=cross.mask)
                f, a, c = w[3]
                x = norm(f(attn.view(rows, d), a, c) + x, shape, layer.ln2_w, layer.ln2_b, eps)
            (f, a, c), (g, a2, c2) = w[4], w[5]
            x = norm(g(f(x, a, c), a2, c2) + x, shape, layer.ln3_w, layer.ln3_b, eps)
        (f, a, c), (g, a2, c2) = lin.head
        x = norm(f(x, a, c), shape, *self.head_ln, eps)
        return g(x, a2, c2)

    def new_cache(self, rows: int, length: int, like: torch.Tensor) -> torch.Tensor:
        """An empty self-attention key/value buffer for ``rows`` rows of ``length`` tokens."""
        return torch.empty(
            (length, rows, len(self.layers), 2, self.heads, self.head_dim),
            dtype=like.dtype,
            device=like.device,
        )


#: A product ready to run: ``(fn, weight, bias)``, ``fn(x, weight, bias)`` giving
#: ``x @ W.T + b`` (``weight`` is ``W`` itself or ``W`` prepacked for oneDNN).
_Weight = tuple[Callable[..., torch.Tensor], torch.Tensor, torch.Tensor]

#: Weights with at least this many entries are prepacked for oneDNN (smaller ones lose
#: more to oneDNN's fixed cost, about 10 us a call, than they gain).
_PACK_MIN = 1 << 17


class _Linears:
    """The decoder's matrix products for a fixed number of rows.

    MKL's single-threaded ``sgemm`` repacks the weight matrix on every call, which for a
    handful of rows costs several times the arithmetic (about 60 us for 5 x 256 x 1024 on
    the reference machine, against 16 us for one row). oneDNN's inner product with the
    weights reordered once runs the same product in about 25 us, but has a fixed cost of
    about 10 us a call; so for three or more rows on a CPU the large weights (at least
    ``_PACK_MIN`` entries) are prepacked for oneDNN and the small ones go to ``F.linear``.
    Results agree with ``F.linear`` to float rounding (1e-6 relative). Fewer rows,
    another device, or a torch without the oneDNN kernels use ``F.linear`` throughout.
    The GELU products (``gelu``) fuse the activation where oneDNN runs them.
    """

    def __init__(self, fast: FastDecoder, rows: int) -> None:
        self.rows = rows
        self.onednn = rows >= 3 and fast.word.device.type == "cpu" and _onednn_ok()
        self.layers = [
            (
                self.prepare(la.qkv_w, la.qkv_b),
                self.prepare(la.so_w, la.so_b),
                self.prepare(la.cq_w, la.cq_b),
                self.prepare(la.co_w, la.co_b),
                self.prepare(la.ff1_w, la.ff1_b, gelu=True),
                self.prepare(la.ff2_w, la.ff2_b),
            )
            for la in fast.layers
        ]
        self.head = (
            self.prepare(fast.head_w, fast.head_b, gelu=True),
            self.prepare(fast.out_w, fast.out_b),
        )

    def prepare(self, w: torch.Tensor, b: torch.Tensor, gelu: bool = False) -> _Weight:
        """The product by ``w`` (``(out, in)``, contiguous) plus ``b``, then GELU if asked."""
        if self.onednn and w.numel() >= _PACK_MIN:
            packed = torch.ops.mkldnn._reorder_linear_weight(w, self.rows)
            return (_packed_gelu if gelu else _packed_product, packed, b)
        return (_linear_gelu if gelu else F.linear, w, b)


def _packed_product(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return _POINTWISE(x, w, b, "none", [], "")


def _packed_gelu(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return _POINTWISE(x, w, b, "gelu", [], "none")


def _linear_gelu(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return F.gelu(F.linear(x, w, b))


_ONEDNN: list[bool] = []
_POINTWISE: Any = None  # torch.ops.mkldnn._linear_pointwise.default, once it passed a check


def _onednn_ok() -> bool:
    """Whether torch's prepacked oneDNN linear kernels exist here and agree with F.linear."""
    if not _ONEDNN:
        ok = False
        try:
            if torch.backends.mkldnn.is_available():
                gen = torch.Generator().manual_seed(0)
                w = torch.randn(48, 32, generator=gen)
                b = torch.randn(48, generator=gen)
                x = torch.randn(5, 32, generator=gen)
                with torch.inference_mode():
                    packed = torch.ops.mkldnn._reorder_linear_weight(w, 5)
                    y = torch.ops.mkldnn._linear_pointwise(x, packed, b, "none", [], "")
                    g = torch.ops.mkldnn._linear_pointwise(x, packed, b, "gelu", [], "none")
                    ref = F.linear(x, w, b)
                ok = bool(
                    torch.allclose(y, ref, atol=1e-4, rtol=1e-4)
                    and torch.allclose(g, F.gelu(ref), atol=1e-4, rtol=1e-4)
                )
                if ok:
                    global _POINTWISE
                    _POINTWISE = torch.ops.mkldnn._linear_pointwise.default
        except (AttributeError, RuntimeError, NotImplementedError):
            ok = False
        _ONEDNN.append(ok)
    return _ONEDNN[0]


# ---------------------------------------------------------------------- generation settings


@dataclass(frozen=True)
class _Special:
    start: int
    pad: int | None
    eos: tuple[int, ...]
    early_stopping: bool | str


def _special_ids(model: Any) -> _Special | None:
    """The ids and stopping setting ``generate`` would use; None when it would refuse."""
    gc = model.generation_config
    start = gc.decoder_start_token_id
    if start is None:
        start = gc.bos_token_id
    if start is None or isinstance(start, (list, tuple)):
        return None
    eos_raw = gc.eos_token_id
    eos = (
        ()
        if eos_raw is None
        else tuple(int(e) for e in (eos_raw if isinstance(eos_raw, (list, tuple)) else [eos_raw]))
    )
    pad = gc.pad_token_id
    if pad is None and eos:
        pad = eos[0]  # as generate does
    early = gc.early_stopping if gc.early_stopping is not None else False
    return _Special(int(start), None if pad is None else int(pad), eos, early)


def _mirrored(model: Any) -> bool:
    """Whether the model's generation config adds nothing this module does not mirror."""
    gc = model.generation_config
    neutral = {
        "min_length": (0, None),
        "min_new_tokens": (None, 0),
        "no_repeat_ngram_size": (None, 0),
        "encoder_no_repeat_ngram_size": (None, 0),
        "repetition_penalty": (None, 1.0),
        "encoder_repetition_penalty": (None, 1.0),
        "bad_words_ids": (None,),
        "forced_bos_token_id": (None,),
        "forced_eos_token_id": (None,),
        "suppress_tokens": (None,),
        "begin_suppress_tokens": (None,),
        "sequence_bias": (None,),
        "exponential_decay_length_penalty": (None,),
        "renormalize_logits": (None, False),
        "remove_invalid_values": (None, False),
        "num_beam_groups": (None, 1),
        "diversity_penalty": (None, 0.0),
        "constraints": (None,),
        "force_words_ids": (None,),
        "stop_strings": (None,),
        "max_time": (None,),
        "guidance_scale": (None, 1.0),
    }
    return all(getattr(gc, name, None) in allowed for name, allowed in neutral.items())


# ---------------------------------------------------------------------- searches


def _greedy(
    fast: FastDecoder,
    batch: dict[str, torch.Tensor],
    processors: Sequence[Any],
    max_new_tokens: int,
    special: _Special,
    temperature: float | None = None,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, list[float], list[torch.Tensor]]:
    """Greedy decoding as ``generate(num_beams=1)`` does it; scores as ``Parser`` sums them.
    With a ``temperature``, each step's id is drawn from the processed scores' softmax at
    that temperature instead (ancestral sampling; ``generator`` seeds it).

    A row that ended keeps receiving the padding id (processors see it), and its score is
    the sum over every step of the chosen id's processed score where finite, like
    ``compute_transition_scores`` (normalised by a log-softmax when there is no processor).
    Also returns every step's processed scores (``generate``'s ``scores``).
    """
    rows = batch["input_ids"].shape[0]
    lin = fast.linears(rows)
    cross = fast.encode(batch, 1, lin)
    device = fast.word.device
    max_length = max_new_tokens + 1
    ids = torch.full((rows, 1), special.start, dtype=torch.long, device=device)
    cache = fast.new_cache(rows, max_length, fast.word)
    eos = torch.tensor(special.eos, dtype=torch.long, device=device) if special.eos else None
    unfinished = torch.ones(rows, dtype=torch.long, device=device)
    chosen_scores: list[torch.Tensor] = []
    step_scores: list[torch.Tensor] = []
    position = 0
    while True:
        logits = fast.step(ids[:, -1], position, cache, cross, lin).float()
        scores = logits
        for proc in processors:
            scores = proc(ids, scores)
        step_scores.append(scores)
        if temperature:
            nxt = _draw(scores, temperature, generator, special.pad)
        else:
            nxt = scores.argmax(dim=-1)
        if eos is not None:
            nxt = nxt * unfinished + special.pad * (1 - unfinished)  # type: ignore[operator]
        picked = scores if processors else torch.log_softmax(scores, dim=-1)
        chosen_scores.append(picked.gather(1, nxt[:, None])[:, 0])
        ids = torch.cat([ids, nxt[:, None]], dim=-1)
        position += 1
        done = torch.full_like(unfinished, int(ids.shape[1] >= max_length), dtype=torch.bool)
        if eos is not None:
            done = done | torch.isin(nxt, eos)
        unfinished = unfinished & ~done
        if not bool(unfinished.any()):
            break
    steps = torch.stack(chosen_scores, dim=1)
    totals = [float(row[torch.isfinite(row)].sum()) for row in steps]
    return ids, totals, step_scores


def _draw(
    scores: torch.Tensor, temperature: float, generator: torch.Generator | None, pad: int | None
) -> Any:
    """One id per row drawn from ``softmax(scores / temperature)``. A row with no finite
    score (ended, or at a dead end of the grammar) gets ``pad``: it never reaches the
    end-of-sequence, so a constrained parser drops it as unfinished."""
    scaled = scores / temperature
    alive = torch.isfinite(scaled).any(dim=-1)
    probs = torch.softmax(torch.where(alive[:, None], scaled, torch.zeros_like(scaled)), dim=-1)
    drawn = torch.multinomial(probs, 1, generator=generator)[:, 0]
    return drawn if pad is None else torch.where(alive, drawn, torch.full_like(drawn, pad))


def _beam(
    fast: FastDecoder,
    batch: dict[str, torch.Tensor],
    beams: int,
    processors: Sequence[Any],
    max_new_tokens: int,
    special: _Special,
    length_penalty: float = 1.0,
) -> tuple[torch.Tensor, list[float]]:
    """Beam search as ``generate(num_beams=beams, num_return_sequences=beams)`` runs it.

    Per step each item keeps its ``keep`` best continuations over all its beams (enough that
    ``beams`` unfinished ones survive when the best end), continues the best ``beams`` that
    did not end, and merges the ended ones among the top ``beams`` into its finished list
    (score divided by length ** penalty). An item stops improving once its best running
    score cannot beat its worst finished one; the search stops when no item can improve
    or every continuation ended. Arithmetic and ``topk`` layouts follow ``generate`` so
    that ties (the -1e9 penalties round together in float32) break the same way.
    """
    items = batch["input_ids"].shape[0]
    rows = items * beams
    lin = fast.linears(rows)
    cross = fast.encode(batch, beams, lin)
    device = fast.word.device
    prompt = 1
    max_length = max_new_tokens + prompt
    n_eos = len(special.eos)
    keep = max(2, 1 + n_eos) * beams
    # generate fills with the padding id, unless it is 0 (falsy), then with EOS.
    fill = (special.pad or special.eos[0]) if special.eos else -1
    eos = torch.tensor(special.eos, dtype=torch.long, device=device) if special.eos else None

    running = torch.full((items, beams, max_length), fill, dtype=torch.long, device=device)
    running[:, :, 0] = special.start
    finished = running.clone()
    run_scores = torch.zeros((items, beams), dtype=torch.float, device=device)
    run_scores[:, 1:] = _NEG
    fin_scores = torch.full((items, beams), _NEG, dtype=torch.float, device=device)
    fin_lengths = torch.zeros((items, beams), dtype=torch.long, device=device)
    fin_flags = torch.zeros((items, beams), dtype=torch.bool, device=device)
    improvable = torch.ones((items, 1), dtype=torch.bool, device=device)
    top_mask = torch.zeros(keep, dtype=torch.bool, device=device)
    top_mask[:beams] = True
    # Flat row numbers: of running beams, of top-k continuations, of merged finished lists.
    offsets = (torch.arange(items, device=device) * beams)[:, None]
    keep_offsets = (torch.arange(items, device=device) * keep)[:, None]
    merge_offsets = (torch.arange(items, device=device) * (beams + keep))[:, None]
    one_eos = special.eos[0] if len(special.eos) == 1 else None

    cache = fast.new_cache(rows, max_length, fast.word)
    identity = torch.arange(rows, device=device)
    cur = prompt
    while True:
        flat = running[:, :, :cur].reshape(rows, cur)
        logits = fast.step(flat[:, -1], cur - 1, cache, cross, lin).float()
        scores = torch.log_softmax(logits, dim=-1)
        for proc in processors:
            scores = proc(flat, scores)
        vocab = scores.shape[-1]
        total = (scores.view(items, beams, vocab) + run_scores[:, :, None]).view(items, -1)

        # The best `keep` continuations of each item, over all of its beams.
        top_scores, top_index = torch.topk(total, k=keep)
        source = torch.div(top_index, vocab, rounding_mode="floor") + offsets  # flat rows
        token = top_index % vocab
        cand = running.view(rows, max_length).index_select(0, source.view(-1))
        cand = cand.view(items, keep, max_length)
        cand[:, :, cur] = token
        if cur + 1 >= max_length:
            ended = torch.ones_like(token, dtype=torch.bool)
        elif one_eos is not None:
            ended = token == one_eos
        elif eos is not None:
            ended = torch.isin(token, eos)
        else:
            ended = torch.zeros_like(token, dtype=torch.bool)

        # Continue the best `beams` that did not end.
        live_scores = top_scores + ended.to(torch.float32) * _NEG
        pick = torch.topk(live_scores, k=beams)[1]
        running = cand.view(-1, max_length).index_select(0, (pick + keep_offsets).view(-1))
        running = running.view(items, beams, max_length)
        run_scores = live_scores.gather(1, pick)
        parent = source.gather(1, pick).view(-1)

        # Merge the ended ones among the top `beams` into the finished lists.
        just_ended = ended & top_mask[None, :]
        final = top_scores / ((cur + 1 - prompt) ** length_penalty)
        if special.early_stopping is True:
            final = final + (fin_flags.all(dim=-1, keepdim=True)).to(torch.float32) * _NEG
        final = final + (~improvable).to(torch.float32) * _NEG
        final = final + (~just_ended) * _NEG
        merged_scores = torch.cat((fin_scores, final), dim=1)
        best = torch.topk(merged_scores, k=beams)[1]
        merged_lengths = torch.cat((fin_lengths, torch.full_like(token, cur + 1 - prompt)), dim=1)
        merged_flags = torch.cat((fin_flags, just_ended), dim=1)
        merged = torch.cat((finished, cand), dim=1).view(-1, max_length)
        finished = merged.index_select(0, (best + merge_offsets).view(-1))
        finished = finished.view(items, beams, max_length)
        fin_scores = merged_scores.gather(1, best)
        fin_lengths = merged_lengths.gather(1, best)
        fin_flags = merged_flags.gather(1, best)

        # Rows move with their beams: their cached keys and values move too.
        if not torch.equal(parent, identity):
            cache[:cur] = cache[:cur].index_select(1, parent)
        cur += 1

        if special.early_stopping == "never" and length_penalty > 0.0:
            best_length = max_length - prompt
        else:
            best_length = cur - prompt
        best_running = run_scores[:, :1] / (best_length**length_penalty)
        worst_final = torch.where(fin_flags, fin_scores.min(dim=1, keepdim=True)[0], _NEG)
        improvable = improvable & (best_running > worst_final).any(dim=-1, keepdim=True)
        # Stop when no item can improve, or every continuation ended (one sync).
        stop = ~improvable.any() | ended.all()
        if special.early_stopping is True:
            stop = stop | fin_flags.all()
        if bool(stop):
            break

    length = prompt + int(fin_lengths.max())
    sequences = finished[:, :, :length].reshape(rows, length)
    return sequences, fin_scores.view(-1).tolist()


# ---------------------------------------------------------------------- entry points


def hf_generate_output(
    model: Any,
    batch: dict[str, torch.Tensor],
    beams: int,
    processors: Sequence[Any],
    max_new_tokens: int,
) -> Any:
    """``generate`` exactly as ``Parser._generate`` has always called it (its raw output)."""
    return model.generate(
        **batch,
        num_beams=beams,
        num_return_sequences=beams,
        max_new_tokens=max_new_tokens,
        do_sample=False,
        output_scores=True,
        return_dict_in_generate=True,
        logits_processor=list(processors) or None,
        length_penalty=1.0,
    )


def hf_generate(
    model: Any,
    batch: dict[str, torch.Tensor],
    beams: int,
    processors: Sequence[Any],
    max_new_tokens: int,
) -> tuple[torch.Tensor, list[float]]:
    """``generate`` as ``Parser`` has always called it, with its scores as the parser reads
    them: ``sequences_scores`` for beams, the finite transition scores summed for greedy."""
    out = hf_generate_output(model, batch, beams, processors, max_new_tokens)
    if beams > 1:
        return out.sequences, out.sequences_scores.tolist()
    logp = model.compute_transition_scores(
        out.sequences, out.scores, normalize_logits=not processors
    )
    return out.sequences, [float(row[torch.isfinite(row)].sum()) for row in logp]


@dataclass(frozen=True)
class Output:
    """What ``Parser`` reads from ``generate(..., return_dict_in_generate=True,
    output_scores=True)``: ``sequences``; for beam search ``sequences_scores``; for greedy
    ``scores``, the processed scores of every step (``compute_transition_scores`` input)."""

    sequences: torch.Tensor
    sequences_scores: torch.Tensor | None
    scores: tuple[torch.Tensor, ...] | None


def _fast_path(model: Any, max_new_tokens: int) -> tuple[FastDecoder, _Special] | None:
    """The decoder and special ids to decode ``model`` with, or None to use ``generate``."""
    fast = FastDecoder.for_model(model)
    special = _special_ids(model) if fast is not None else None
    if (
        fast is None
        or special is None
        or not _mirrored(model)
        or max_new_tokens < 1
        or max_new_tokens + 1 > fast.max_positions
    ):
        return None
    return fast, special


def generate(
    model: Any,
    batch: dict[str, torch.Tensor],
    beams: int,
    processors: Sequence[Any],
    max_new_tokens: int,
) -> tuple[torch.Tensor, list[float]]:
    """Decode ``batch`` (encoder ``input_ids``/``attention_mask``) with ``beams`` beams.

    Returns ``(sequences, scores)``: ``beams`` rows per input, best first within each
    input, starting with the decoder start token; one float score per row, the same
    numbers ``Parser.parse_batch`` derived from ``generate``'s output (beam: length-
    normalised sum of processed log-probabilities; greedy: the finite per-step scores
    summed). A model this module cannot run exactly goes through ``generate`` instead.
    """
    path = _fast_path(model, max_new_tokens)
    if path is None:
        return hf_generate(model, batch, beams, processors, max_new_tokens)
    fast, special = path
    with torch.inference_mode():
        if beams > 1:
            seqs, scores = _beam(fast, batch, beams, list(processors), max_new_tokens, special)
        else:
            seqs, scores, _ = _greedy(fast, batch, list(processors), max_new_tokens, special)
    # A plain tensor (not an inference tensor), usable wherever generate's output was.
    return seqs.clone(), scores


def sample(
    model: Any,
    batch: dict[str, torch.Tensor],
    processors: Sequence[Any],
    max_new_tokens: int,
    temperature: float,
    seed: int,
) -> tuple[torch.Tensor, list[float]]:
    """Draw one sequence per row of ``batch`` (repeat an input to draw several) from the
    model under ``processors`` at ``temperature``; returns the sequences and each one's
    summed processed log-probability, as greedy decoding scores them. Seeded: the same
    inputs and ``seed`` give the same draws."""
    path = _fast_path(model, max_new_tokens)
    if path is None:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            out = model.generate(
                **batch,
                num_beams=1,
                do_sample=True,
                top_k=0,
                temperature=temperature,
                max_new_tokens=max_new_tokens,
                output_scores=True,
                return_dict_in_generate=True,
                logits_processor=list(processors) or None,
            )
        logp = model.compute_transition_scores(
            out.sequences, out.scores, normalize_logits=not processors
        )
        return out.sequences, [float(row[torch.isfinite(row)].sum()) for row in logp]
    fast, special = path
    generator = torch.Generator(device=fast.word.device).manual_seed(seed)
    with torch.inference_mode():
        seqs, scores, _ = _greedy(
            fast, batch, list(processors), max_new_tokens, special, temperature, generator
        )
    return seqs.clone(), scores


def generate_output(
    model: Any,
    batch: dict[str, torch.Tensor],
    beams: int,
    processors: Sequence[Any],
    max_new_tokens: int,
) -> Any:
    """A drop-in for the ``generate`` call ``Parser._generate`` makes: an object with the
    ``sequences``, ``sequences_scores`` (beams) and ``scores`` (greedy) it reads, from the
    fast decoder when it supports ``model``, else ``generate``'s own output."""
    path = _fast_path(model, max_new_tokens)
    if path is None:
        return hf_generate_output(model, batch, beams, processors, max_new_tokens)
    fast, special = path
    with torch.inference_mode():
        if beams > 1:
            seqs, scores = _beam(fast, batch, beams, list(processors), max_new_tokens, special)
            result = (seqs, torch.tensor(scores), None)
        else:
            seqs, _, steps = _greedy(fast, batch, list(processors), max_new_tokens, special)
            result = (seqs, None, tuple(steps))
    seqs, seq_scores, steps = result
    return Output(
        seqs.clone(),
        None if seq_scores is None else seq_scores.clone(),
        None if steps is None else tuple(t.clone() for t in steps),
    )
