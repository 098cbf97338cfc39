"""Tokenizers trained here with the ``tokenizers`` library, saved beside each model.

Two tokenizers, one job each: the *input* tokenizer reads instructions (a lower-cased
WordPiece, or the pretrained encoder's own WordPiece), the *output* tokenizer spells logical
forms (a byte-level BPE, so any string literal copied from an instruction can be produced,
even one never seen in training).
"""

from __future__ import annotations

from collections.abc import Iterable

from tokenizers import (
    Regex,
    Tokenizer,
    decoders,
    models,
    normalizers,
    pre_tokenizers,
    processors,
    trainers,
)
from transformers import PreTrainedTokenizerFast

PAD, EOS, BOS, UNK = "<pad>", "</s>", "<s>", "<unk>"
CLS, SEP, MASK = "[CLS]", "[SEP]", "[MASK]"


def train_input_tokenizer(texts: Iterable[str], vocab_size: int = 4000) -> PreTrainedTokenizerFast:
    """A lower-cased WordPiece over ``texts`` with BERT's special tokens; the same texts
    always give the same tokenizer.

    ``tokenizers``' own WordPiece trainer is not deterministic: it numbers the ``##``
    continuation pieces in hash-map order and breaks ties between merges by those numbers
    (huggingface/tokenizers#1794), so two trainings on one corpus could give different
    vocabularies, and models trained with one seed differed. Here a plain BPE (no prefix:
    its ids follow the sorted alphabet and its merges break ties deterministically) learns
    the pieces, and the WordPiece vocabulary holds each piece twice, word-initial and as a
    ``##`` continuation, so ``vocab_size`` counts about twice the pieces learned.

    Example:
        >>> tok = train_input_tokenizer(["how big is texas", "what is the capital"], 100)
        >>> tok("how big")["input_ids"][0] == tok.cls_token_id
        True
    """
    specials = ["[PAD]", "[UNK]", CLS, SEP, MASK]
    pieces = Tokenizer(models.BPE(unk_token="[UNK]"))
    pieces.normalizer = normalizers.BertNormalizer(lowercase=True)
    pieces.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.BpeTrainer(
        vocab_size=max(1, (vocab_size - len(specials)) // 2), special_tokens=[], min_frequency=1
    )
    pieces.train_from_iterator(list(texts), trainer)
    learned = sorted(pieces.get_vocab().items(), key=lambda kv: kv[1])
    vocab: dict[str, int] = {t: i for i, t in enumerate(specials)}
    for piece, _ in learned:
        for token in (piece, "##" + piece):
            vocab.setdefault(token, len(vocab))
    tok = Tokenizer(models.WordPiece(vocab=vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    cls, sep = vocab[CLS], vocab[SEP]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{CLS} $A {SEP}",
        pair=f"{CLS} $A {SEP} $B {SEP}",
        special_tokens=[(CLS, cls), (SEP, sep)],
    )
    tok.decoder = decoders.WordPiece()
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token=CLS,
        sep_token=SEP,
        mask_token=MASK,
        model_max_length=512,
    )


#: How the output tokenizer cuts a logical form before BPE merges within the pieces.
#: ``bytelevel``: GPT-2's rule (letters, digits and punctuation apart), so a column
#: ``CITYalias0.CITY_NAME`` takes six tokens at least. ``spaces``: a piece runs from one
#: space to the next, so a frequent ``CITYalias0.CITY_NAME`` or ``"texas"`` becomes one
#: token and a GeoQuery query takes half the decoding steps.
OUTPUT_SPLITS = ("bytelevel", "spaces")


def train_output_tokenizer(
    forms: Iterable[str], vocab_size: int = 1000, split: str = "bytelevel"
) -> PreTrainedTokenizerFast:
    """A byte-level BPE over logical forms; ids 0-3 are ``<pad> </s> <s> <unk>``.

    Every byte has a token, so every string is spellable; merges learned from ``forms``
    keep common keywords and names short. ``split`` is one of :data:`OUTPUT_SPLITS`.

    Example:
        >>> tok = train_output_tokenizer(["SELECT T.A ;"] * 3, 300, split="spaces")
        >>> tok.tokenize("SELECT T.A ;")
        ['SELECT', 'ĠT.A', 'Ġ;']
    """
    if split not in OUTPUT_SPLITS:
        raise ValueError(f"output split {split!r}: use one of {', '.join(OUTPUT_SPLITS)}")
    tok = Tokenizer(models.BPE())
    if split == "spaces":
        tok.pre_tokenizer = pre_tokenizers.Sequence(
            [
                pre_tokenizers.Split(Regex(r" ?[^ ]+| +"), behavior="isolated"),
                pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
            ]
        )
    else:
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=[PAD, EOS, BOS, UNK],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        min_frequency=2,
    )
    tok.train_from_iterator(list(forms), trainer)
    eos = tok.token_to_id(EOS)
    tok.post_processor = processors.TemplateProcessing(
        single=f"$A {EOS}", special_tokens=[(EOS, eos)]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        pad_token=PAD,
        eos_token=EOS,
        bos_token=BOS,
        unk_token=UNK,
        model_max_length=1024,
    )
