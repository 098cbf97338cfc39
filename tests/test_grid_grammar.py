"""The grid language: gold programs that parse, print back, execute and read in English;
grammar and executor agree rule by rule; the grammar is portable; bad programs fail."""

from __future__ import annotations

import re

import lark
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parseinstr.environments.grid import GridEnvironment
from parseinstr.environments.grid_exec import Executor
from parseinstr.environments.grid_explain import Explainer
from parseinstr.environments.grid_lang import program_size, unparse
from parseinstr.errors import ExecutionError, ParseError
from parseinstr.grammar import Grammar

GRAMMAR = Grammar.load("grid")

# (world, program, recorded trace, English). Traces were checked by hand against the
# bundled worlds (e.g. pickup(key) in "room": 7 walks, the Manhattan distance around the
# grey ball).
GOLD = [
    (None, "walk", "walk", "walk"),
    (None, "jump(left)", "turn_left jump", "turn left and jump"),
    (None, "turn(right)", "turn_right", "turn right"),
    (None, "around(right)", "turn_right " * 4, "turn right four times"),
    (None, "around(left, look)", "turn_left look " * 4, "look around to the left"),
    (
        None,
        "around(left, walk(right))",
        "turn_left turn_right walk " * 4,
        "(turn left and (turn right and walk)) four times",
    ),
    (None, "opposite(left)", "turn_left turn_left", "turn left twice"),
    (None, "opposite(right, run)", "turn_right turn_right run", "turn right twice and run"),
    (None, "seq(walk, run, look)", "walk run look", "walk, then run, then look"),
    (None, "after(walk, jump)", "jump walk", "jump, then walk"),
    (None, "repeat(3, turn(left))", "turn_left " * 3, "turn left three times"),
    (None, "repeat(0, walk)", "", "walk zero times"),
    (None, "repeat(12, look)", "look " * 12, "look 12 times"),
    (None, "twice(run(right))", "turn_right run " * 2, "(turn right and run) twice"),
    (None, "thrice(look)", "look " * 3, "look three times"),
    (
        None,
        "seq(twice(around(left, jump)), walk)",
        "turn_left jump " * 8 + "walk",
        "jump around to the left twice, then walk",
    ),
    ("room", "goto(ball(red))", "walk walk walk turn_right walk turn_left", "go to the red ball"),
    (
        "room",
        "pickup(key)",
        "walk walk walk turn_right walk walk walk walk turn_left pickup",
        "pick up the key",
    ),
    (
        "room",
        "seq(pickup(ball(grey)), drop)",
        "walk turn_right walk walk turn_left pickup drop",
        "pick up the grey ball, then drop what you carry",
    ),
    (
        "room",
        "seq(pickup(ball(grey)), drop(ball(grey)))",
        "walk turn_right walk walk turn_left pickup drop",
        "pick up the grey ball, then drop the grey ball",
    ),
    (
        "room",
        "goto(ball(grey, front))",
        "walk turn_right walk walk turn_left",
        "go to the grey ball in front of you",
    ),
    (
        "room",
        "goto(box(right))",
        "turn_right walk walk walk walk turn_left",
        "go to the box on your right",
    ),
    (
        "room",
        "putnext(box, ball(red))",
        "turn_right walk walk walk walk turn_left pickup turn_left walk turn_right walk walk walk "
        "walk turn_left drop",
        "put the box next to the red ball",
    ),
    ("two_rooms", "open(door)", "walk walk open", "open the door"),
    ("two_rooms", "goto(door(green, front))", "walk walk", "go to the green door in front of you"),
    (
        "two_rooms",
        "goto(box(purple))",
        "walk walk open walk walk walk turn_right walk walk turn_left",
        "go to the purple box",
    ),
    (
        "two_rooms",
        "putnext(key(blue), box(purple))",
        "turn_right walk walk turn_right pickup turn_right walk walk turn_right walk walk open walk "
        "walk turn_right walk walk turn_left drop",
        "put the blue key next to the purple box",
    ),
    (
        "locked",
        "seq(pickup(key(yellow)), open(door(yellow)))",
        "walk walk walk walk turn_left pickup turn_left walk walk walk turn_right walk walk walk open",
        "pick up the yellow key, then open the yellow door",
    ),
]


@pytest.mark.parametrize("world, program, trace, english", GOLD)
def test_gold_programs(world, program, trace, english):
    env = GridEnvironment(world=world)
    tree = env.parse(program)
    assert unparse(tree) == program  # prints back identically
    assert env.execute(program).actions == tuple(trace.split())
    assert env.explain(program) == english


def _tree_rules(tree: lark.Tree) -> set[tuple[str, int]]:
    return {(t.data, len(t.children)) for t in tree.iter_subtrees()}


def _allowed_arities() -> dict[str, set[tuple[int, bool]]]:
    """Rule -> {(children kept in the tree, whether more may follow)} from the grammar."""
    out: dict[str, set[tuple[int, bool]]] = {}
    for rule in GRAMMAR.parser().rules:
        name = rule.origin.name
        if rule.options.expand1 or name.startswith("_"):
            continue
        kept = [s for s in rule.expansion if not getattr(s, "filter_out", False)]
        helpers = [s for s in kept if s.name.startswith("_")]
        out.setdefault(name, set()).add((len(kept), bool(helpers)))
    return out


def test_every_rule_has_an_executor_and_a_reader():
    """STYLE 7/8: method name = rule name, both ways, for the executor and the explainer."""
    rules = set(_allowed_arities())
    for cls in (Executor, Explainer):
        own = {n for n in vars(cls) if not n.startswith("_") and callable(vars(cls)[n])}
        own -= {"visit"}
        assert own == rules, cls.__name__


def test_gold_table_covers_every_rule_and_arity():
    """Every alternative of every rule (by children count) is executed by a gold program."""
    seen: set[tuple[str, int]] = set()
    for _, program, _, _ in GOLD:
        seen |= _tree_rules(GRAMMAR.parse(program))
    for rule, arities in _allowed_arities().items():
        for count, more in arities:
            # A "+" helper holds one or more further children: seq(a, b) and seq(a, b, c).
            wanted = {count, count + 1} if more else {count}
            for n in wanted:
                assert (rule, n) in seen, f"no gold program uses {rule} with {n} children"


def test_grammar_is_portable_lark():
    text = GRAMMAR.text
    imports = re.findall(r"^%import\s+(\S+)", text, re.MULTILINE)
    assert imports and all(i.startswith("common.") for i in imports)
    assert not re.search(r"^[?!]?\w+\.\d+\s*:", text, re.MULTILINE), "priorities"
    assert not re.search(r"\(\?[=!<]", text), "lookarounds"
    assert not re.search(r"^[?!]?\w+\{", text, re.MULTILINE), "templates"
    assert GRAMMAR.start == "start"


def test_no_two_terminals_match_the_same_word():
    parser = GRAMMAR.parser()
    words = set(re.findall(r'"([a-z]+)"', GRAMMAR.text))
    for word in words:
        matching = [t.name for t in parser.terminals if re.fullmatch(t.pattern.to_regexp(), word)]
        assert len(matching) == 1, (word, matching)


@pytest.mark.parametrize(
    "program, size",
    [
        ("walk", 1),
        ("drop", 1),
        ("walk(left)", 2),
        ("turn(left)", 2),
        ("around(left)", 2),
        ("twice(around(left, jump))", 4),
        ("repeat(12, turn(left))", 4),
        ("seq(twice(around(left, jump)), walk)", 6),
        ("putnext(ball(red), box(blue, left))", 6),
    ],
)
def test_program_size_counts_words_and_numbers(program, size):
    assert program_size(GRAMMAR.parse(program)) == size
    assert size == len(re.findall(r"[a-z]+|[0-9]+", program))


@pytest.mark.parametrize(
    "program, line, column",
    [
        ("seq(walk", 1, None),
        ("walk walk", 1, 6),
        ("goto(ball(pruple))", 1, 11),
        ("pickup(door)", 1, 8),
        ("jump around left", 1, 6),
        ("repeat(two, walk)", 1, 8),
        ("seq(walk)", 1, 9),
        ("", 1, None),
        ("seq(walk,\n jmp)", 2, 2),
    ],
)
def test_malformed_programs_raise_parse_error_with_position(program, line, column):
    with pytest.raises(ParseError) as info:
        GridEnvironment().execute(program)
    err = info.value
    assert err.line == line
    if column is not None:
        assert err.column == column
    assert "not a valid grid logical form" in str(err)


def test_scan_command_text_is_not_a_program():
    """CONVENTIONS: the program for a SCAN command is not the command's own text."""
    for command in ("walk left", "jump around left twice", "walk and run", "look after jump"):
        assert not GRAMMAR.accepts(command)


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(
        st.text(alphabet="abdegijklmnoprstuwy(), 0123456789\n", max_size=40),
        st.lists(
            st.sampled_from(
                sorted(
                    set(re.findall(r'"([a-z]+)"', GRAMMAR.text))
                    | {"(", ")", ",", "2", "left", "red", "ball", "door"}
                )
            ),
            max_size=12,
        ).map(" ".join),
    )
)
def test_any_text_fails_only_with_typed_errors(text):
    """Garbage in: a ParseError (or, if it happens to parse, a result or ExecutionError)."""
    env = GridEnvironment(world="room")
    try:
        env.execute(text)
        env.explain(text)
    except ParseError as exc:
        assert exc.line is not None and exc.column is not None
    except ExecutionError:
        pass


@pytest.mark.parametrize(
    "module", ["grid", "grid_denotation", "grid_explain", "grid_lang", "grid_world"]
)
def test_docstring_examples_run(module):
    import doctest
    import importlib

    mod = importlib.import_module(f"parseinstr.environments.{module}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
