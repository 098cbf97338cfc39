"""What each token id adds to the decoded text, for any Hugging Face tokenizer.

The grammar constrains the text ``tokenizer.decode(ids, skip_special_tokens=True)`` will
produce, so each token's contribution must be exactly what the tokenizer's decoder makes
of it: byte-level BPE maps characters back to bytes (GPT-2's table; a token may hold part
of a UTF-8 character), Metaspace turns ``▁`` into a space and drops it on the first token,
WordPiece strips ``##`` from a continuation and puts a space before every other token but
the first (with its per-token clean-up), byte-fallback pieces ``<0xNN>`` are raw bytes. A
token can contribute differently at position 0, so both spellings are kept. Special tokens
contribute nothing and are never allowed, except end-of-sequence.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tokenizers import Tokenizer

_BYTE_FALLBACK = re.compile(r"^<0x([0-9A-Fa-f]{2})>$")


@functools.cache
def _byte_decoder() -> dict[str, int]:
    """GPT-2's printable-character -> byte table (inverse of ``bytes_to_unicode``)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs, strict=True)}


def _wordpiece_cleanup(text: str) -> str:
    """The ``cleanup`` of tokenizers' WordPiece decoder, applied to one token."""
    for a, b in (
        (" .", "."),
        (" ?", "?"),
        (" !", "!"),
        (" ,", ","),
        (" ' ", "'"),
        (" n't", "n't"),
        (" 'm", "'m"),
        (" do not", " don't"),
        (" 's", "'s"),
        (" 've", "'ve"),
        (" 're", "'re"),
    ):
        text = text.replace(a, b)
    return text


@dataclass(frozen=True)
class Vocabulary:
    """Token contributions of one tokenizer.

    Attributes:
        tokens: per id, the bytes the token adds after the first position, or None for a
            token that is never allowed (special, unknown to the decoder).
        first: per id, the bytes it adds at position 0 (same object when equal).
        eos: end-of-sequence ids.
        kind: ``byte-level``, ``metaspace``, ``wordpiece``, ``sequence`` or ``plain``.
    """

    tokens: tuple[bytes | None, ...]
    first: tuple[bytes | None, ...]
    eos: tuple[int, ...]
    kind: str

    @property
    def size(self) -> int:
        return len(self.tokens)

    @functools.cached_property
    def hash(self) -> str:
        """SHA-256 of every contribution and the EOS ids (hex, 16 characters)."""
        h = hashlib.sha256(self.kind.encode())
        h.update(repr(self.eos).encode())
        for spelled in (self.tokens, self.first):
            for t in spelled:
                h.update(b"\xff" if t is None else len(t).to_bytes(4, "little") + t)
        return h.hexdigest()[:16]

    def decode(self, ids: Sequence[int]) -> bytes:
        """The text of ``ids`` as this vocabulary spells it (EOS and specials dropped)."""
        out: list[bytes] = []
        for i in ids:
            piece = (self.tokens if out else self.first)[i]
            if piece is not None:
                out.append(piece)
        return b"".join(out)


def backend_of(tokenizer: Any) -> Tokenizer:
    """The ``tokenizers.Tokenizer`` behind a transformers tokenizer (or itself)."""
    if isinstance(tokenizer, Tokenizer):
        return tokenizer
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if isinstance(backend, Tokenizer):
        return backend
    raise TypeError(
        f"need a fast (tokenizers-backed) tokenizer, got {type(tokenizer).__name__}; "
        "load it with use_fast=True"
    )


def _eos_ids(tokenizer: Any, backend: Tokenizer, eos: int | Sequence[int] | None) -> tuple:
    if eos is not None:
        return (eos,) if isinstance(eos, int) else tuple(eos)
    for attr in ("eos_token_id", "sep_token_id"):
        value = getattr(tokenizer, attr, None)
        if isinstance(value, int):
            return (value,)
    for name in ("</s>", "<|endoftext|>", "<eos>", "[SEP]"):
        i = backend.token_to_id(name)
        if i is not None:
            return (i,)
    raise ValueError("the tokenizer has no end-of-sequence token; pass eos=...")


def _apply_decoder(spec: dict | None, pieces: list[str], first: bool) -> list[str] | None:
    """Run one decoder step on a token's pieces; None if the decoder is not understood."""
    if spec is None:
        return pieces if first else [" " + p for p in pieces]
    kind = spec.get("type")
    if kind == "Sequence":
        for sub in spec["decoders"]:
            out = _apply_decoder(sub, pieces, first)
            if out is None:
                return None
            pieces = out
        return pieces
    if kind == "Metaspace":
        rep = spec.get("replacement", "▁")
        drop = first and spec.get("prepend_scheme", "always") != "never"
        return [p.replace(rep, "" if drop else " ") for p in pieces]
    if kind == "WordPiece":
        prefix = spec.get("prefix", "##")
        out = []
        for p in pieces:
            if not first:
                p = p[len(prefix) :] if p.startswith(prefix) else " " + p
            out.append(_wordpiece_cleanup(p) if spec.get("cleanup", True) else p)
        return out
    if kind == "Replace":
        pattern = spec["pattern"]
        if "String" not in pattern:
            return None
        return [p.replace(pattern["String"], spec["content"]) for p in pieces]
    if kind == "ByteFallback":
        return pieces  # handled byte-wise by the caller
    if kind == "Fuse":
        return ["".join(pieces)]
    if kind == "Strip":
        if spec.get("stop", 0):
            return None
        start = spec.get("start", 0)
        content = spec.get("content", " ")
        if not first or not start:
            return pieces
        joined = "".join(pieces)
        k = 0
        while k < start and joined.startswith(content):
            joined = joined[len(content) :]
            k += 1
        return [joined]
    return None


def _byte_fallback(spec: dict | None) -> bool:
    if spec is None:
        return False
    if spec.get("type") == "ByteFallback":
        return True
    return spec.get("type") == "Sequence" and any(_byte_fallback(d) for d in spec["decoders"])


def vocabulary(tokenizer: Any, eos: int | Sequence[int] | None = None) -> Vocabulary:
    """The contributions of every token of ``tokenizer`` (transformers or tokenizers).

    Args:
        tokenizer: a fast transformers tokenizer or a ``tokenizers.Tokenizer``.
        eos: end-of-sequence id(s); default the tokenizer's EOS (or SEP for BERT-style).

    Example:
        >>> from parseinstr.tokenization import train_output_tokenizer
        >>> tok = train_output_tokenizer(["SELECT a FROM b", "SELECT b FROM a"], 300)
        >>> v = vocabulary(tok)
        >>> v.decode(tok("SELECT a")["input_ids"])
        b'SELECT a'
    """
    backend = backend_of(tokenizer)
    spec = json.loads(backend.to_str()).get("decoder")
    eos_ids = _eos_ids(tokenizer, backend, eos)
    size = backend.get_vocab_size(with_added_tokens=True)
    if hasattr(tokenizer, "__len__") and not isinstance(tokenizer, Tokenizer):
        size = max(size, len(tokenizer))
    added = backend.get_added_tokens_decoder()
    special = {i for i, t in added.items() if t.special}
    kind = (spec or {}).get("type", "plain")
    kind = {"ByteLevel": "byte-level", "Metaspace": "metaspace", "WordPiece": "wordpiece"}.get(
        kind, "sequence" if kind == "Sequence" else "plain"
    )
    fallback = _byte_fallback(spec)
    table = _byte_decoder()
    rest: list[bytes | None] = []
    first: list[bytes | None] = []
    for i in range(size):
        text = backend.id_to_token(i)
        if text is None or i in special:
            rest.append(None)
            first.append(None)
            continue
        if i in added:  # a non-special added token is emitted as its content
            b = added[i].content.encode("utf-8")
            rest.append(b)
            first.append(b)
            continue
        if kind == "byte-level":
            if all(c in table for c in text):
                b = bytes(table[c] for c in text)
            else:
                b = text.encode("utf-8")
            rest.append(b)
            first.append(b)
            continue
        if fallback and (m := _BYTE_FALLBACK.match(text)):
            b = bytes([int(m.group(1), 16)])
            rest.append(b)
            first.append(b)
            continue
        spelled = []
        for is_first in (False, True):
            out = _apply_decoder(spec, [text], is_first)
            if out is None:
                raise ValueError(
                    f"decoder {spec.get('type') if spec else None!r} is not supported; "
                    "supported: ByteLevel, Metaspace, WordPiece, Replace, ByteFallback, "
                    "Fuse, Strip and sequences of them"
                )
            spelled.append("".join(out).encode("utf-8"))
        rest.append(spelled[0])
        first.append(spelled[1] if spelled[1] != spelled[0] else spelled[0])
    return Vocabulary(tuple(rest), tuple(first), eos_ids, kind)
