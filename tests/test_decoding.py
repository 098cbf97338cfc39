"""Grammar-constrained decoding: soundness and completeness on every grammar in grammars/
(SQL specialised to a test schema), two extra grammars, and tokenizers of three kinds
trained here; plus the byte automata, the vocabulary spellings, the matcher protocol, the
disk cache and per-input restriction."""

from __future__ import annotations

import json
import random
import re
import sqlite3
from pathlib import Path

import lark
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parseinstr.decoding import clear_cache, compile_grammar, new_bitmask, unpack
from parseinstr.decoding import compiled as compiled_mod
from parseinstr.decoding.regex_dfa import (
    UnsupportedRegexError,
    _without_surrogates,
    compile_regex,
    utf8_sequences,
)
from parseinstr.decoding.restrict import instruction_spans, quoted
from parseinstr.decoding.sampling import GrammarSampler
from parseinstr.decoding.testing import (
    byte_vocabulary,
    check_completeness,
    check_soundness,
    extra_grammars,
    train_tokenizer,
)
from parseinstr.decoding.vocab import vocabulary
from parseinstr.errors import GrammarError, UsageError
from parseinstr.grammar import Grammar, bundled_grammar_names

REPO = Path(__file__).parent.parent
KINDS = ["bpe", "metaspace", "wordpiece"]
SETTINGS = settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Compile into a cache folder of this session, never the user's."""
    mp = pytest.MonkeyPatch()
    mp.setenv("PARSEINSTR_CACHE", str(tmp_path_factory.mktemp("cache")))
    yield
    mp.undo()


@pytest.fixture(scope="session")
def grammars(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Grammar]:
    """Every bundled grammar (SQL specialised to the test shop schema) and the extras."""
    from parseinstr.environments.sql import SqlEnvironment

    db = tmp_path_factory.mktemp("shop") / "shop.sqlite"
    conn = sqlite3.connect(db)
    conn.executescript((REPO / "tests" / "data" / "shop.sql").read_text())
    conn.commit()
    conn.close()
    out: dict[str, Grammar] = {}
    for name in bundled_grammar_names():
        if name == "sql":
            with SqlEnvironment(db) as env:
                out["sql"] = env.grammar()
        else:
            out[name] = Grammar.load(name)
    out.update(extra_grammars())
    return out


@pytest.fixture(scope="session")
def corpus(grammars: dict[str, Grammar]) -> list[str]:
    """Sentences sampled from all grammars: the tokenizers' training text."""
    out: list[str] = []
    for i, g in enumerate(grammars.values()):
        out += GrammarSampler(g, seed=100 + i).sentences(150)
    return out


@pytest.fixture(scope="session")
def tokenizers(corpus: list[str]) -> dict[str, object]:
    """Byte-level BPE, Metaspace Unigram and WordPiece, trained here, small."""
    return {kind: train_tokenizer(kind, corpus, 600) for kind in KINDS}


GOLD = {
    "sql": [
        "SELECT name FROM customer WHERE city = 'paris'",
        "SELECT COUNT( * ) FROM orders AS ordersalias0 WHERE ordersalias0.quantity > 2 ;",
        "SELECT title , price FROM product WHERE category <> 'office' ORDER BY price DESC LIMIT 2",
        "SELECT customer.name FROM customer JOIN orders ON customer.id = orders.customer_id "
        "WHERE orders.day LIKE '2024-03%'",
        "SELECT city FROM customer GROUP BY city HAVING COUNT( * ) >= 2 EXCEPT "
        "SELECT city FROM customer WHERE vip = 1",
        "select sum(quantity) from orders where product_id in (select id from product)",
    ],
    "grid": [
        "seq(twice(around(left, jump)), walk)",
        "after(walk(left), opposite(right))",
        "putnext(ball(red), box(blue, left))",
        "repeat(3, turn(right))",
    ],
    "calc": [
        "let x1 = 1E5 + 2.5e-3 * (y - -3);",
        "print f(1, 2) >= 3; # done",
        'if a == 1then print "a\\"b";end',
        "print 1eq 2;print 1.5e+3eq 3;",
    ],
    "json": ['{"a": [1, -2.5e3, true, null], "b": {"c": "d\\u00e9"}}', "[ ]", '"x"'],
}


def _gold(name: str) -> list[str]:
    forms = list(GOLD.get(name, []))
    if name == "sheet":
        lines = (REPO / "environments" / "data" / "sheet" / "examples.jsonl").read_text()
        forms += [json.loads(line)["logical_form"] for line in lines.splitlines() if line]
    return forms


# ---------------------------------------------------------------- byte automata


@pytest.mark.parametrize(
    "pattern",
    [
        r"(?i:select)",
        r'"([^"\\]|\\.)*"',
        r"[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?",
        r"\$?[A-Z]{1,3}\$?[1-9][0-9]*",
        r"[^\W\d]\w*",
        r"(?:[ \t\f\r\n])+",
        r"#(DIV\/0!|N\/A)",
        r".",
    ],
)
@given(text=st.text(max_size=8) | st.sampled_from(["SeLeCt", "ſelect", '"a\\"b"', "1.5e-3"]))
@settings(max_examples=150, deadline=None)
def test_regex_dfa_agrees_with_python_re(pattern: str, text: str) -> None:
    dfa = compile_regex(pattern)
    assert dfa.matches(text.encode("utf-8")) == bool(re.fullmatch(pattern, text))


@given(lo=st.integers(0, 0x10FFFF), span=st.integers(0, 5000))
@settings(max_examples=200, deadline=None)
def test_utf8_sequences_cover_exactly(lo: int, span: int) -> None:
    hi = min(lo + span, 0x10FFFF)
    seqs = [s for a, b in _without_surrogates(((lo, hi),)) for s in utf8_sequences(a, b)]
    for cp in {lo, hi, (lo + hi) // 2}:
        if 0xD800 <= cp <= 0xDFFF:
            continue
        enc = chr(cp).encode("utf-8")
        hits = [
            s
            for s in seqs
            if len(s) == len(enc) and all(a <= b <= c for (a, c), b in zip(s, enc, strict=True))
        ]
        assert len(hits) == 1


@pytest.mark.parametrize("pattern", [r"a(?=b)", r"a*?", r"\bword", r"(a)\1", r"^a"])
def test_unportable_regex_is_refused(pattern: str) -> None:
    with pytest.raises(UnsupportedRegexError):
        compile_regex(pattern)


def test_grammar_with_lookahead_terminal_is_a_grammar_error() -> None:
    with pytest.raises(GrammarError, match="terminal A"):
        compile_grammar("start: A\nA: /a(?=b)b/", byte_vocabulary(), use_cache=False)


# ---------------------------------------------------------------- vocabularies


@pytest.mark.parametrize("kind", KINDS)
@given(data=st.data())
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_spelling_matches_tokenizer_decode(
    tokenizers: dict, kind: str, data: st.DataObject
) -> None:
    tok = tokenizers[kind]
    vocab = vocabulary(tok, eos=1)
    ids = data.draw(st.lists(st.integers(3, tok.get_vocab_size() - 1), min_size=1, max_size=8))
    assert vocab.decode(ids).decode("utf-8", errors="replace") == tok.decode(ids)


def test_spelling_of_each_kind(tokenizers: dict) -> None:
    bpe = vocabulary(tokenizers["bpe"], eos=1)
    space = tokenizers["bpe"].token_to_id("Ġ")
    assert bpe.tokens[space] == b" " and bpe.tokens[1] is None and bpe.kind == "byte-level"
    meta = vocabulary(tokenizers["metaspace"], eos=1)
    piece = next(
        i
        for t, i in tokenizers["metaspace"].get_vocab().items()
        if t.startswith("▁") and len(t) > 1
    )
    assert meta.tokens[piece].startswith(b" ") and not meta.first[piece].startswith(b" ")
    wp = vocabulary(tokenizers["wordpiece"], eos=1)
    cont = next(
        i
        for t, i in tokenizers["wordpiece"].get_vocab().items()
        if t.startswith("##") and len(t) > 2
    )
    word = next(
        i for t, i in tokenizers["wordpiece"].get_vocab().items() if t.isalpha() and len(t) > 1
    )
    assert not wp.tokens[cont].startswith(b"#") and wp.tokens[word].startswith(b" ")
    assert wp.first[word] == wp.tokens[word][1:]


# ---------------------------------------------------------------- soundness, completeness


def _compiled(grammars: dict, tokenizers: dict, name: str, kind: str):
    vocab = byte_vocabulary() if kind == "bytes" else vocabulary(tokenizers[kind], eos=1)
    return compile_grammar(grammars[name], vocab)


def _encode(tokenizers: dict, kind: str, text: str) -> list[int]:
    if kind == "bytes":
        return list(text.encode("utf-8"))
    return tokenizers[kind].encode(text).ids


ALL = ["sql", "grid", "sheet", "calc", "json"]
MATRIX = [(g, k) for g in ALL for k in ["bytes", *KINDS]]


def test_every_bundled_grammar_is_covered(grammars: dict) -> None:
    assert set(bundled_grammar_names()) <= set(ALL) and set(bundled_grammar_names()) <= set(
        grammars
    )


@pytest.mark.parametrize(("name", "kind"), MATRIX)
@given(seed=st.integers(0, 10**6))
@SETTINGS
def test_complete_on_sampled_sentences(grammars, tokenizers, name, kind, seed) -> None:
    """Every sampled sentence, tokenised, is allowed token by token and may end there."""
    if name not in grammars:
        pytest.skip(f"no grammars/{name}.lark")
    cg = _compiled(grammars, tokenizers, name, kind)
    sents = GrammarSampler(grammars[name], seed=seed).sentences(8)
    report = check_completeness(cg, grammars[name], [_encode(tokenizers, kind, s) for s in sents])
    assert report.violations == []


@pytest.mark.parametrize(("name", "kind"), MATRIX)
def test_complete_on_gold_forms(grammars, tokenizers, name, kind) -> None:
    if name not in grammars:
        pytest.skip(f"no grammars/{name}.lark")
    forms = _gold(name)
    assert all(grammars[name].accepts(f) for f in forms), "a gold form is not in the grammar"
    cg = _compiled(grammars, tokenizers, name, kind)
    report = check_completeness(cg, grammars[name], [_encode(tokenizers, kind, f) for f in forms])
    assert report.violations == []
    if kind in ("bytes", "bpe"):  # these spell every form exactly
        assert report.checked == len(forms)


@pytest.mark.parametrize(("name", "kind"), MATRIX)
@given(seed=st.integers(0, 10**6))
@SETTINGS
def test_sound_under_random_logits(grammars, tokenizers, name, kind, seed) -> None:
    """Random walks under the mask never dead-end, and what ends is a sentence."""
    if name not in grammars:
        pytest.skip(f"no grammars/{name}.lark")
    cg = _compiled(grammars, tokenizers, name, kind)
    report = check_soundness(cg, grammars[name], walks=6, seed=seed)
    assert report.violations == []


def test_walks_do_end(grammars, tokenizers) -> None:
    """The soundness walks are not vacuous: most of them reach EOS."""
    cg = _compiled(grammars, tokenizers, "sql", "bpe")
    report = check_soundness(cg, grammars["sql"], walks=30, seed=3)
    assert report.violations == [] and report.ended >= 15


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("print 1eq 2;", True),  # NUMBER "1", then "eq": Lark backtracks over "e"
        ("print 1e+5eq 2;", True),
        ("print 1e+eq 2;", False),  # two bytes of backtracking, then nothing fits
        ("let let = 1;", True),  # only NAME expected: "let" stays a NAME
        ("print let;", True),
        ("print = 1;", False),  # NAME and "print" both expected: retyped to the keyword
        ("printer = 1;", True),
        ("print letx;", True),
        ("print 1 # comment\n;", True),
    ],
)
def test_lexing_matches_lark_on_tricky_inputs(grammars, text: str, ok: bool) -> None:
    g = grammars["calc"]
    assert g.accepts(text) == ok
    m = compile_grammar(g, byte_vocabulary()).matcher()
    accepted = all(m.accept_token(b) for b in text.encode()) and m.can_end()
    assert accepted == ok


# ---------------------------------------------------------------- matcher protocol


def test_matcher_protocol(grammars, tokenizers) -> None:
    cg = _compiled(grammars, tokenizers, "grid", "bpe")
    tok = tokenizers["bpe"]
    ids = tok.encode("twice(walk)").ids
    m = cg.matcher()
    assert not m.can_end() and not m.is_error()
    for i in ids[:-1]:
        assert m.accept_token(i)
    fork = m.fork()
    assert m.accept_token(ids[-1]) and m.can_end()
    assert not fork.can_end()  # the fork did not move
    m.rollback(1)
    assert not m.can_end()
    bitmask = new_bitmask(2, cg.vocab_size)
    m.fill_mask(bitmask, 1)
    allowed = unpack(bitmask[1], cg.vocab_size)
    assert allowed[ids[-1]] and not allowed[1]  # ")" closes it; EOS not yet
    assert allowed.sum() == len(m.allowed_tokens()) and not bitmask[0].any()
    bad = cg.matcher()
    assert not bad.accept_token(tok.encode(")").ids[0]) and bad.is_error()
    assert not bad.accept_token(ids[0]) and bad.is_error()  # the error state is absorbing
    m2 = cg.matcher()
    for i in ids:
        m2.accept_token(i)
    assert m2.accept_token(1) and m2.is_finished() and not m2.accept_token(ids[0])
    with pytest.raises(ValueError):
        cg.matcher().rollback(1)


def test_mask_time_does_not_grow_with_length(grammars, tokenizers) -> None:
    """Work per step is bounded: a long nested form is accepted with a memo that stays
    small (no timing assertion; the benchmark measures time)."""
    compiled_mod._MEMORY.clear()
    cg = compile_grammar(grammars["grid"], vocabulary(tokenizers["bpe"], eos=1))
    form = "seq(" + ", ".join(["twice(walk(left))"] * 60) + ")"
    ids = tokenizers["bpe"].encode(form).ids
    m = cg.matcher()
    half = len(ids) // 2
    for k, i in enumerate(ids):
        if k == half:
            misses = cg.engine.stats["mask_misses"]
        if k == len(ids) - 1:  # the second half repeats the first: all memo hits
            assert cg.engine.stats["mask_misses"] == misses
        assert m.accept_token(i)
        m.mask()
    assert m.can_end()


# ---------------------------------------------------------------- cache


def test_disk_cache_roundtrip_broken_and_clear(grammars, tokenizers, tmp_path) -> None:
    vocab = vocabulary(tokenizers["bpe"], eos=1)
    g = grammars["grid"]
    compiled_mod._MEMORY.clear()
    first = compile_grammar(g, vocab, cache_folder=tmp_path)
    files = list(tmp_path.glob("*.npz"))
    assert len(files) == 1 and first.key in files[0].name
    compiled_mod._MEMORY.clear()
    again = compile_grammar(g, vocab, cache_folder=tmp_path)
    assert again is not first and np.array_equal(again.states.fok, first.states.fok)
    files[0].write_bytes(b"not a zip")
    compiled_mod._MEMORY.clear()
    rebuilt = compile_grammar(g, vocab, cache_folder=tmp_path)
    assert np.array_equal(rebuilt.states.grp_bits, first.states.grp_bits)
    assert len(list(tmp_path.glob("*.npz"))) == 1
    compile_grammar(grammars["json"], vocab, cache_folder=tmp_path, cache_limit=1)
    assert not list(tmp_path.glob("*.npz"))  # over the size limit: evicted
    compiled_mod._MEMORY.clear()
    compile_grammar(g, vocab, cache_folder=tmp_path)
    assert clear_cache(tmp_path) == 1 and not list(tmp_path.glob("*.npz"))


@pytest.mark.parametrize("name", ["sql", "sheet"])
def test_build_time_memos_agree_with_fresh_computation(
    grammars, tokenizers, tmp_path, name
) -> None:
    """Masks read from the memos cached at build time (sampled contexts, record sets) are
    the masks an engine with empty memos computes, at every step."""
    vocab = vocabulary(tokenizers["bpe"], eos=1)
    g = grammars[name]
    compiled_mod._MEMORY.clear()
    compile_grammar(g, vocab, cache_folder=tmp_path)
    compiled_mod._MEMORY.clear()
    loaded = compile_grammar(g, vocab, cache_folder=tmp_path)
    assert loaded.starts is not None and loaded.split_memo is not None
    assert loaded.walk_memo is not None
    arrays = {
        k: v
        for k, v in loaded.to_arrays().items()
        if not k.startswith(("pre_", "sm_", "rt_", "ws_"))
    }
    bare = compiled_mod.CompiledGrammar.from_arrays(g, vocab, arrays, loaded.key)
    for text in GrammarSampler(g, seed=11).sentences(12):
        a, b = loaded.matcher(), bare.matcher()
        for t in _encode(tokenizers, "bpe", text):
            assert a.allowed_tokens() == b.allowed_tokens() and a.can_end() == b.can_end()
            assert a.accept_token(t) and b.accept_token(t)
            assert a.state.hyps == b.state.hyps
        assert a.can_end() and b.can_end()


@pytest.mark.parametrize("name", ["grid", "sql", "calc"])
def test_build_time_walk_memo_agrees_with_fresh_walks(grammars, tokenizers, name) -> None:
    """Every token walk cached at build time (along sentences sampled with the build's own
    seed), and every first step, is what an engine with empty memos computes: on a stack
    that has the states the entry read at the depths it read them (any others below)."""
    vocab = vocabulary(tokenizers["bpe"], eos=1)
    g = grammars[name]
    compile_grammar(g, vocab)  # built into this session's cache, if not yet
    compiled_mod._MEMORY.clear()
    loaded = compile_grammar(g, vocab)  # read back: its memos hold the build's entries only
    engine = loaded.engine
    arrays = {k: v for k, v in loaded.to_arrays().items() if not k.startswith("ws_")}
    fresh = compiled_mod.CompiledGrammar.from_arrays(g, vocab, arrays, loaded.key).engine
    entries = engine.steps.entries()
    assert entries and fresh.steps.entries() == [] and not fresh._first_steps
    for key, order, states, _value in entries:
        q, token = divmod(key, engine.n_tokens)
        read = dict(zip(order, states, strict=True))
        stack = None
        for depth in reversed(range(max(order, default=-1) + 1)):
            stack = (read.get(depth, engine.bottom), stack)
        hyps = ((stack, q, ()),)
        hits = engine.steps.hits
        assert engine.advance(hyps, token) == fresh.advance(hyps, token)
        assert engine.steps.hits == hits + 1  # answered by the build-time entry
    init = engine.initial_hyps()
    firsts = [tok for (hyps, tok) in engine._first_steps if hyps == init]
    assert firsts
    for tok in firsts:
        assert engine.advance(init, tok, first=True) == fresh.advance(init, tok, first=True)


def test_cache_key_changes_with_grammar_and_tokenizer(grammars, tokenizers) -> None:
    a = compile_grammar(grammars["grid"], vocabulary(tokenizers["bpe"], eos=1))
    b = compile_grammar(grammars["grid"], vocabulary(tokenizers["wordpiece"], eos=1))
    c = compile_grammar(grammars["json"], vocabulary(tokenizers["bpe"], eos=1))
    assert len({a.key, b.key, c.key}) == 3


# ---------------------------------------------------------------- restriction


@given(seed=st.integers(0, 10**6))
@settings(
    max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_restricted_strings_are_spans_of_the_instruction(grammars, tokenizers, seed) -> None:
    g = grammars["sql"]
    tok = tokenizers["bpe"]
    cg = compile_grammar(g, vocabulary(tok, eos=1))
    instruction = "which customers in paris bought a desk or a lamp"
    lits = quoted(instruction_spans(instruction, 3))
    rg = cg.restrict({"STRING": lits})
    ok = "SELECT name FROM customer WHERE city = 'paris' OR name = \"a desk\""
    m = rg.matcher()
    assert all(m.accept_token(i) for i in tok.encode(ok).ids) and m.can_end()
    m = rg.matcher()
    bad = "SELECT name FROM customer WHERE city = 'lyon'"
    assert not (all(m.accept_token(i) for i in tok.encode(bad).ids) and m.can_end())
    report = check_soundness(rg, g, walks=8, seed=seed)
    assert report.violations == []
    rng = random.Random(seed)
    for _ in range(8):  # walks that end use only allowed literals
        m = rg.matcher()
        ids: list[int] = []
        for step in range(60):
            allowed = m.allowed_tokens()
            if 1 in allowed and (step > 30 or rng.random() < 0.2):
                text = rg.vocab.decode(ids).decode()
                tree = g.parse(text)
                values = tree.scan_values(
                    lambda v: isinstance(v, lark.Token) and v.type == "STRING"
                )
                assert all(v in lits for v in values)
                break
            t = rng.choice([a for a in allowed if a != 1])
            ids.append(t)
            assert m.accept_token(t)


def test_tokens_spelling_values_are_filtered_before_the_exact_walk(grammars, monkeypatch) -> None:
    """With whole values in the vocabulary (``' 'paris''``, as ``--output-split spaces``
    learns them), the tokens whose value is no allowed lexeme are dropped before the exact
    walk; every mask stays what the exact walk alone gives."""
    from parseinstr.decoding import restrict as restrict_mod
    from parseinstr.tokenization import train_output_tokenizer

    g = grammars["sql"]
    values = ["paris", "lyon", "a desk", "a lamp", "office", "berlin", "rome"]
    forms = [f"SELECT name FROM customer WHERE city = '{v}' ;" for v in values] * 6
    forms += [f'SELECT title FROM product WHERE category <> "{v}"' for v in values] * 6
    tok = train_output_tokenizer(forms + GrammarSampler(g, seed=5).sentences(30), 1500, "spaces")
    assert "Ġ'paris'" in tok.get_vocab()
    cg = compile_grammar(g, tok, use_cache=False)
    lits = quoted(instruction_spans("customers in paris who bought a desk", 3))
    fast = cg.restrict({"STRING": lits})
    assert fast.engine.hopeless.sum() >= len(values)  # the other cities, at least
    monkeypatch.setattr(
        restrict_mod, "_hopeless_tokens", lambda b, r, ids: np.zeros(len(ids), bool)
    )
    exact = cg.restrict({"STRING": lits})
    assert not exact.engine.hopeless.any()
    rng = random.Random(0)
    for _ in range(12):
        a, b = fast.matcher(), exact.matcher()
        for _step in range(40):
            allowed = a.allowed_tokens()
            assert allowed == b.allowed_tokens() and a.can_end() == b.can_end()
            choices = [t for t in allowed if t != tok.eos_token_id]
            if not choices:
                break
            t = rng.choice(choices)
            assert a.accept_token(t) and b.accept_token(t)
    ok = "SELECT name FROM customer WHERE city = 'paris' ;"
    m = fast.matcher()
    assert all(m.accept_token(i) for i in tok(ok, add_special_tokens=False)["input_ids"])
    m = fast.matcher()
    bad = tok("SELECT name FROM customer WHERE city = 'lyon' ;", add_special_tokens=False)
    assert not all(m.accept_token(i) for i in bad["input_ids"])


def test_restriction_errors(grammars, tokenizers) -> None:
    cg = compile_grammar(grammars["sql"], vocabulary(tokenizers["bpe"], eos=1))
    with pytest.raises(UsageError, match="no such terminal"):
        cg.restrict({"STRNG": ["'a'"]})
    with pytest.raises(UsageError, match="cannot take"):
        cg.restrict({"STRING": ["texas"]})


def test_instruction_spans_and_quotes() -> None:
    assert instruction_spans("New York city", 2) == ["new", "new york", "york", "york city", "city"]
    assert quoted(["o'hare"], ("'",)) == ["'o\\'hare'"]
