"""The input tokenizer is reproducible; the output tokenizer's two ways of cutting logical
forms, and constrained decoding over the longer tokens that cutting only at spaces gives."""

from __future__ import annotations

import pytest

from parseinstr.decoding.compiled import compile_grammar
from parseinstr.decoding.sampling import GrammarSampler
from parseinstr.grammar import Grammar
from parseinstr.tokenization import train_input_tokenizer, train_output_tokenizer

QUERIES = [
    'SELECT CITYalias0.CITY_NAME FROM CITY AS CITYalias0 WHERE CITYalias0.STATE_NAME = "texas" ;',
    'SELECT STATEalias0.AREA FROM STATE AS STATEalias0 WHERE STATEalias0.STATE_NAME = "ohio" ;',
    "SELECT COUNT( CITYalias0.CITY_NAME ) FROM CITY AS CITYalias0 ;",
] * 4

CALL = 'start: call\ncall: NAME "(" [arg ("," arg)*] ")"\n?arg: call | NUMBER | STRING\n' + (
    "NAME: /[a-z]+/\nNUMBER: /[0-9]+/\nSTRING: /'[a-z ]*'/\n%import common.WS\n%ignore WS\n"
)


def test_spaces_split_keeps_frequent_words_whole() -> None:
    spaces = train_output_tokenizer(QUERIES, 400, split="spaces")
    bytelevel = train_output_tokenizer(QUERIES, 400)
    query = QUERIES[0]
    assert "ĠCITYalias0.CITY_NAME" in spaces.tokenize(query)
    assert len(spaces.tokenize(query)) * 2 <= len(bytelevel.tokenize(query))


@pytest.mark.parametrize(
    "text",
    [
        'SELECT T.A FROM T WHERE T.B = "san antonio" ;',  # a value never seen in training
        "SELECT  X.Y   FROM X ;",  # runs of spaces
        " leading and trailing ",
        'x = "é ü ß 東京"',  # bytes outside ASCII
    ],
)
def test_spaces_split_spells_every_string(text: str) -> None:
    tok = train_output_tokenizer(QUERIES, 400, split="spaces")
    ids = tok(text, add_special_tokens=False)["input_ids"]
    assert tok.unk_token_id not in ids
    assert tok.decode(ids) == text


def test_unknown_split_is_refused() -> None:
    with pytest.raises(ValueError, match="bytelevel, spaces"):
        train_output_tokenizer(QUERIES, 400, split="words")


def test_grammar_matcher_accepts_tokens_that_span_several_lexemes() -> None:
    grammar = Grammar("call", CALL)
    common = ["max(count(1),'ab')", "max( x(2), 'cd')", "count(max(1),x(3))"] * 5
    sentences = GrammarSampler(grammar, seed=3).sentences(60)
    tok = train_output_tokenizer(common + sentences, 500, split="spaces")
    compiled = compile_grammar(grammar, tok, use_cache=False)
    spanning = set()
    for sentence in [*common[:3], *sentences]:
        matcher = compiled.matcher()
        ids = tok(sentence, add_special_tokens=False)["input_ids"]
        for i in ids:
            text = tok.decode([i])
            if any(c.isalnum() for c in text) and any(c in "()," for c in text):
                spanning.add(text)
            assert matcher.is_allowed(i), (sentence, text)
            assert matcher.accept_token(i)
        assert matcher.is_allowed(tok.eos_token_id)
    assert {"max(", " 'cd')"} <= spanning  # tokens crossing lexemes were exercised
    # and after a valid prefix, a token that breaks the grammar is refused
    matcher = compiled.matcher()
    for i in tok("max(", add_special_tokens=False)["input_ids"]:
        assert matcher.accept_token(i)
    assert not matcher.is_allowed(tok.convert_tokens_to_ids("("))  # max(( is no call
    assert not matcher.is_allowed(tok.eos_token_id)


def test_the_same_texts_always_give_the_same_input_tokenizer() -> None:
    # The library's WordPiece trainer numbered its ## pieces in hash-map order: eight
    # trainings on these texts gave eight vocabularies.
    from parseinstr.environments.sheet_task import SheetTask

    texts = [r["instruction"] for r in SheetTask.generate(40, 0)]
    vocabs = {
        tuple(sorted(train_input_tokenizer(texts, 300).get_vocab().items())) for _ in range(6)
    }
    assert len(vocabs) == 1
    (vocab,) = vocabs
    assert 250 <= len(vocab) <= 300


def test_input_pieces_serve_inside_words_too() -> None:
    tok = train_input_tokenizer(["how big is texas", "what is the capital of austin"], 200)
    pieces = tok.tokenize("Austintexas capital")
    assert "[UNK]" not in pieces and pieces[0] == "austin" and pieces[1].startswith("##")
    assert tok.decode(tok("how big is texas")["input_ids"], skip_special_tokens=True) == (
        "how big is texas"
    )
