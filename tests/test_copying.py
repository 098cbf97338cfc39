"""Copy slots: mentions found in instructions, forms abstracted and filled, slot tokens
allowed by constrained decoding exactly where their spelling is, and a parser trained
with them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from parseinstr import get_task
from parseinstr.copying import (
    MAX_SLOTS,
    SLOT_TOKENS,
    copy_frame,
    generic_mentions,
    number_from_words,
    slot_expansions,
    slot_ids,
)
from parseinstr.decoding import compile_grammar
from parseinstr.decoding.hf import GrammarLogitsProcessor
from parseinstr.grammar import Grammar
from parseinstr.tokenization import train_output_tokenizer

CALL = 'start: call\ncall: NAME "(" [arg ("," arg)*] ")"\n?arg: call | NUMBER | STRING\n' + (
    "NAME: /[a-z]+/\nNUMBER: /[0-9]+/\nSTRING: /'[a-z ]*'/\n%import common.WS\n%ignore WS\n"
)


@pytest.mark.parametrize(
    ("words", "value"),
    [
        ("four", 4),
        ("thirty-five", 35),
        ("one hundred ninety", 190),
        ("two thousand and ten", 2010),
        ("twelve", 12),
    ],
)
def test_number_words(words: str, value: int) -> None:
    assert number_from_words(words) == value


def test_generic_mentions_find_quotes_digits_and_number_words() -> None:
    found = {m.value for m in generic_mentions('add "Tax" as 15% of G2:G10 for thirty-five')}
    assert {"Tax", "15", "G2:G10", "35"} <= found


def test_frame_marks_mentions_and_shares_slots_for_equal_values() -> None:
    frame = copy_frame("rows between 7 and 12, then 7 again", None)
    assert frame.marked == "rows between <v0> 7 and <v1> 12, then <v0> 7 again"
    assert frame.values == {"<v0>": "7", "<v1>": "12"}


def test_abstract_replaces_whole_words_only_and_fill_inverts_it() -> None:
    frame = copy_frame("count 7 in class 7A", None)
    form = 'ask COUNTIFS(C7:C9, ">=7", B2:B9, "7A") + 0.75'
    abstract = frame.abstract(form)
    assert abstract == 'ask COUNTIFS(C7:C9, ">=<v0>", B2:B9, "<v1>") + 0.75'
    assert frame.fill(abstract) == form


def test_parts_copy_the_letters_and_digits_of_a_compound() -> None:
    instruction = "Column F (rows 2 to 11): column D minus column C in each row."
    form = "fill F2:F11 = D2-C2"
    with_parts = copy_frame(instruction, None, names=True, parts=True)
    abstract = with_parts.abstract(form)
    assert abstract == "fill <v0><v1>:<v0><v2> = <v3><v1>-<v4><v1>"
    assert with_parts.fill(abstract) == form
    # Without parts, only whole words are copied: the reference is spelled out.
    assert copy_frame(instruction, None, names=True).abstract(form) == form


def test_parts_leave_names_and_decimals_alone() -> None:
    frame = copy_frame("put 5 in Tax B2", None, names=True, parts=True)
    form = 'set B2 = 5 & "Tax" & [Q5] & 1.5 & $B$2'
    # ``B2`` is a whole-word mention; a header ``[Q5]``, ``1.5`` and ``$B$2`` keep their digits.
    assert frame.abstract(form) == 'set <v2> = <v0> & "<v1>" & [Q5] & 1.5 & $B$2'
    assert frame.fill(frame.abstract(form)) == form


def test_at_most_max_slots() -> None:
    frame = copy_frame(" ".join(str(n) for n in range(MAX_SLOTS + 3)), None)
    assert len(frame.values) == MAX_SLOTS
    assert set(frame.values) == set(SLOT_TOKENS)


def test_sheet_mentions_are_spelled_as_the_sheet_spells_them() -> None:
    from parseinstr.environments.sheet import SheetEnvironment

    env = SheetEnvironment.from_cells({"A1": "Title", "B1": "Pages", "A2": "Walden", "B2": 300})
    frame = copy_frame("how many pages does walden have", env)
    assert sorted(frame.values.values()) == ["Pages", "Walden"]
    assert frame.abstract('ask INDEX([Pages], MATCH("Walden", [Title], 0))').count("<v") == 2


# ---------------------------------------------------------------- constrained decoding


@pytest.fixture(scope="module")
def call_setup() -> dict:
    grammar = Grammar("call", CALL)
    tok = train_output_tokenizer(["f(12, 'ab')", "g(f(3), 'x y')", "h()"] * 20, 300)
    tok.add_tokens(list(SLOT_TOKENS))
    return {"tok": tok, "compiled": compile_grammar(grammar, tok)}


def _allowed(proc: GrammarLogitsProcessor, tok, prefix: str, extra: list[int] = ()) -> set[int]:
    ids = [tok.bos_token_id, *tok(prefix, add_special_tokens=False)["input_ids"], *extra]
    bits = proc.bitmask(torch.tensor([ids]))[0]
    flat = np.unpackbits(bits.view(np.uint8), bitorder="little")
    return {int(i) for i in np.flatnonzero(flat)}


def test_slot_allowed_exactly_where_its_spelling_is(call_setup: dict) -> None:
    tok, compiled = call_setup["tok"], call_setup["compiled"]
    number, string, free = (tok.convert_tokens_to_ids(t) for t in SLOT_TOKENS[:3])
    expansions = [
        {
            number: tok("12", add_special_tokens=False)["input_ids"],
            string: tok("'ab'", add_special_tokens=False)["input_ids"],
        }
    ]
    proc = GrammarLogitsProcessor(
        compiled, prompt_length=1, expansions=expansions, slot_ids=slot_ids(tok)
    )
    at_start = _allowed(proc, tok, "")
    assert number not in at_start and string not in at_start and free not in at_start
    in_args = _allowed(proc, tok, "f(")
    assert {number, string} <= in_args and free not in in_args
    # After the slot, the state is the one after its spelling: ")" and "," may follow.
    after = _allowed(proc, tok, "f(", [number])
    close = tok(")", add_special_tokens=False)["input_ids"][0]
    assert close in after
    assert after == _allowed(proc, tok, "f(12")


def test_adjacent_slots_spell_one_reference() -> None:
    grammar = Grammar("refs", 'start: "fill " REF ":" REF\nREF: /[A-Z]+[0-9]+/\n')
    tok = train_output_tokenizer(["fill F2:F11", "fill B3:B9", "fill AA2:AA7"] * 20, 300)
    tok.add_tokens(list(SLOT_TOKENS))
    compiled = compile_grammar(grammar, tok)
    frame = copy_frame("Column F (rows 2 to 11)", None, names=True, parts=True)
    (table,) = slot_expansions([frame], tok)
    letter, first, last = (tok.convert_tokens_to_ids(t) for t in SLOT_TOKENS[:3])
    proc = GrammarLogitsProcessor(
        compiled, prompt_length=1, expansions=[table], slot_ids=slot_ids(tok)
    )
    # A digit slot may not open a reference; after the letter slot it may follow.
    assert letter in _allowed(proc, tok, "fill ") and first not in _allowed(proc, tok, "fill ")
    assert {first, last} <= _allowed(proc, tok, "fill ", [letter])
    after = _allowed(proc, tok, "fill ", [letter, first])
    assert after == _allowed(proc, tok, "fill F2")


def test_slot_expansions_spell_values(call_setup: dict) -> None:
    tok = call_setup["tok"]
    frame = copy_frame("call it with 12", None)
    (table,) = slot_expansions([frame], tok)
    ((slot, ids),) = table.items()
    assert tok.convert_ids_to_tokens(slot) == "<v0>"
    assert tok.decode(ids) == "12"


# ---------------------------------------------------------------- a parser with copy slots


@pytest.mark.parametrize("parts", [False, True])
def test_parser_trained_with_copy_slots_reads_and_fills_them(tmp_path: Path, parts: bool) -> None:
    from parseinstr.model import ModelSpec
    from parseinstr.parser import Parser
    from parseinstr.training import TrainConfig, train_parser

    sheet = get_task("sheet")
    rows = sheet.generate(40, 0)
    data = tmp_path / "tasks.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    task = sheet.from_options(data=data)
    spec = ModelSpec(d_model=32, encoder_layers=1, decoder_layers=1, heads=2, ff=64)
    config = TrainConfig(
        epochs=1, eval_every=1, copy_slots=True, copy_parts=parts, output_vocab=300
    )
    card = train_parser(task, tmp_path / "model", spec, config, command="test")
    assert card["copy_slots"] == MAX_SLOTS
    assert card["copy_parts"] is parts
    parser = Parser.load(tmp_path / "model")
    assert parser.copy_slots == MAX_SLOTS
    assert parser.copy_parts is parts
    assert "<v0>" in parser.input_tok.get_vocab()
    examples = task.examples()[:4]
    envs = [task.environment_for(e) for e in examples]
    frames = parser.frames([e.instruction for e in examples], envs)
    assert frames is not None and any(f.values for f in frames)
    assert all(f.parts is parts for f in frames)
    nbest = parser.parse_batch([e.instruction for e in examples], envs, 2, constrained=True)
    from parseinstr.decoding.hf import vocabulary_of

    for cands, env in zip(nbest, envs, strict=True):
        compiled = compile_grammar(env.decoding_grammar(), vocabulary_of(parser.output_tok))
        for c in cands:
            assert "<v" not in c.form
            # Slots filled, every output is in the grammar: complete, or a prefix of it where
            # this untrained model ran out of output length.
            matcher = compiled.matcher()
            ids = parser.output_tok(c.form, add_special_tokens=False)["input_ids"]
            assert all(matcher.accept_token(t) for t in ids), c.form
            if matcher.can_end():
                env.parse(c.form)


def test_copy_parts_without_copy_slots_is_refused(tmp_path: Path) -> None:
    from parseinstr.errors import UsageError
    from parseinstr.model import ModelSpec
    from parseinstr.training import TrainConfig, train_parser

    sheet = get_task("sheet")
    data = tmp_path / "tasks.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in sheet.generate(8, 0)), "utf-8")
    spec = ModelSpec(d_model=32, encoder_layers=1, decoder_layers=1, heads=2, ff=64)
    config = TrainConfig(epochs=1, copy_parts=True, output_vocab=300)
    with pytest.raises(UsageError, match="--copy-parts applies only with --copy-slots"):
        train_parser(sheet.from_options(data=data), tmp_path / "model", spec, config)
    assert not (tmp_path / "model").exists()


def test_copy_frame_with_percents_copies_the_factor_a_formula_writes() -> None:
    text = "In a new column named Tax, put 8% of the Math column, rounded to 2 places"
    form = 'add column "Tax" = ROUND([Math]*0.08, 2)'
    plain = copy_frame(text, None, names=True)
    rates = copy_frame(text, None, names=True, percents=True)
    assert "0.08" in plain.abstract(form)  # "8" is the slot's value: 0.08 must be recalled
    abstract = rates.abstract(form)
    assert "0.08" not in abstract and rates.fill(abstract) == form
    assert rates.marked == plain.marked  # the same marked instruction; only values differ
    # A number also said bare keeps its value.
    both = copy_frame("8% of Math, in 8 places", None, percents=True)
    assert "8" in both.values.values()


def test_parser_trained_with_copy_percents_records_and_uses_them(tmp_path: Path) -> None:
    from parseinstr.model import ModelSpec
    from parseinstr.parser import Parser
    from parseinstr.training import TrainConfig, train_parser

    sheet = get_task("sheet")
    data = tmp_path / "tasks.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in sheet.generate(12, 0)), "utf-8")
    spec = ModelSpec(d_model=32, encoder_layers=1, decoder_layers=1, heads=2, ff=64)
    config = TrainConfig(
        epochs=1, eval_every=1, copy_slots=True, copy_percents=True, output_vocab=300
    )
    card = train_parser(sheet.from_options(data=data), tmp_path / "model", spec, config)
    assert card["copy_percents"] is True
    parser = Parser.load(tmp_path / "model")
    frames = parser.frames(["Add a column Tax: 12% of Price"], [None])
    assert frames is not None and "0.12" in frames[0].values.values()
    from parseinstr.errors import UsageError

    with pytest.raises(UsageError, match="--copy-percents applies only with --copy-slots"):
        train_parser(
            sheet.from_options(data=data),
            tmp_path / "other",
            spec,
            TrainConfig(epochs=1, copy_percents=True, output_vocab=300),
        )


def test_sql_mentions_are_stored_values_with_their_spans(geo_db: Path) -> None:
    from parseinstr.environments.sql import SqlEnvironment

    env = SqlEnvironment(geo_db)
    question = "how many people live in New York and in austin"
    spans = {question[s:e]: v for s, e, v in env.mention_values(question)}
    assert spans["New York"] == "new york" and spans["austin"] == "austin"
    frame = copy_frame(question, env)
    assert frame.marked == "how many people live in <v0> New York and in <v1> austin"
    assert frame.abstract('WHERE c = "new york" OR c = "austin"') == (
        'WHERE c = "<v0>" OR c = "<v1>"'
    )


def test_names_are_mentions_only_when_asked() -> None:
    text = "Add a column Total that multiplies 2 by Price"
    assert copy_frame(text, None).values == {"<v0>": "2"}
    named = copy_frame(text, None, names=True)
    assert sorted(named.values.values()) == ["2", "Price", "Total"]
    assert named.abstract('add column "Total" = 2*[Price]').count("<v") == 3


def test_mention_frame_counts_letters_in_references_and_names() -> None:
    """The frame that ranks equivalent forms counts a column letter written inside a
    reference, a row number inside one, and a name the instruction gives."""
    from parseinstr.copying import mention_frame

    text = 'Column F (rows 2 to 11): column D minus column C, named "Gap".'
    frame = mention_frame(text, None)
    assert frame.used("fill F2:F11 = D2-C2") == 5  # F, 2, 11, D, C
    assert frame.used("fill [Stock] = [Units]-[Price]") == 0
    assert mention_frame("the median of column C", None).used("ask MEDIAN(C2:C12)") == 1
    assert copy_frame("the median of column C", None).used("ask MEDIAN(C2:C12)") == 0
    many = " ".join(f"column {chr(65 + i)}" for i in range(12))
    assert len(mention_frame(many, None).values) == 12  # no slot limit when counting


def test_mention_frame_counts_a_percentage_as_the_factor_a_formula_writes() -> None:
    """ "5% of Units" is written ``[Units]*0.05``: the factor counts as the mention, the bare
    5 does not (it misreads the rate); a number also said without a percent sign keeps its
    own value, and a frame that copies (training's) is unchanged."""
    from parseinstr.copying import mention_frame

    frame = mention_frame("a new column: 5% of Units, rounded to 2 places", None)
    assert frame.used("add column = ROUND([Units]*0.05, 2)") == 3
    assert frame.used("add column = ROUND([Units]*5, 2)") == 2
    assert mention_frame("12 percent of Stock", None).used("ask [Stock]*0.12") == 2
    assert mention_frame("10% of C", None).used("ask C2*0.1") == 2
    both = mention_frame("add 10% of Stock to a column, then add 10 more", None)
    assert both.used("ask [Stock]*0.1+10") == 2 and both.used("ask [Stock]*10+10") == 2
    assert copy_frame("5% of Units", None).values == {"<v0>": "5"}
