"""The sheet grammar: portable Lark, functions that match the function table in name and
arity, canonical forms that print back identically, header specialisation, explanations."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from parseinstr.environments.sheet import SheetEnvironment
from parseinstr.environments.sheet_ast import parse_formula, to_text
from parseinstr.environments.sheet_functions import load_all
from parseinstr.environments.sheet_lf import build, to_form
from parseinstr.errors import ParseError
from parseinstr.grammar import Grammar

TEXT = resources.files("parseinstr.grammars").joinpath("sheet.lark").read_text("utf-8")
BASE = Grammar.load("sheet")

CANONICAL = [
    "ask SUM([Units])",
    "ask MAX([Units]), MIN([Units])",
    'ask COUNTIF([Region], "<>West")',
    'ask COUNTIFS([Region], "<>West", [Region], "<>East")',
    'ask SUMIFS([Units], [Region], "West", [Price], ">3")',
    "ask INDEX([Rep], MATCH(MAX([Units]), [Units], 0))",
    'ask VLOOKUP("Dana", A2:G9, 4, FALSE)',
    "ask ROUND(AVERAGE([Price]), 2)",
    'ask SUMPRODUCT(([Region] = "West")*[Units])',
    "ask FILTER([Rep], [Units] > 10), UNIQUE([Region])",
    'ask IF(AND([Units] > 1, NOT(FALSE)), "a" & "b""c", -1.5)',
    "ask -2^2+(1-(2-3))*4/2",
    "ask A1, $B$2, C:C, $D:E, #N/A",
    "set C10 = SUM(C2:C9)",
    'set A1 = "text"',
    "set B2:B4 = TRUE",
    "fill D2:D9 = B2*C2",
    "fill [Revenue] = [Units]*[Price]",
    'add column "Revenue" = [Units]*[Price]',
    'add column "Notes"',
    "sort by [Units] desc, [Rep] asc",
    "sort by C asc",
    'delete rows where [Region] = "West"',
    "delete rows where NOT([Paid])",
    'replace "West" with "W" in [Region]',
    "replace -5 with 0",
    "insert row 5",
    "insert rows 5:7",
    "insert column C",
    "insert columns C:D",
    "delete row 5",
    "delete rows 5:7",
    "delete column [Notes]",
    "delete columns C:D",
    "clear B2:B4",
    "clear [Notes]",
    "undo",
]


def test_grammar_is_portable_lark() -> None:
    code = "\n".join(line for line in TEXT.splitlines() if not line.lstrip().startswith("//"))
    imports = re.findall(r"^%import\s+(\S+)", code, re.MULTILINE)
    assert imports and all(i.startswith("common.") for i in imports)
    assert not re.search(r"^[?!]?\w+\.\d+\s*:", code, re.MULTILINE), "priorities"
    assert not re.search(r"^[?!]?\w+\{", code, re.MULTILINE), "templates"
    assert "(?=" not in code and "(?!" not in code and "(?<" not in code, "lookarounds"
    assert re.search(r"^start\s*:", code, re.MULTILINE)
    assert BASE.parser().options.parser == "lalr"


def _grammar_functions() -> dict[str, str]:
    """Function name -> the fn_* rule that lists it."""
    out = {}
    for rule, body in BASE.definitions().items():
        if rule.startswith("fn_"):
            for name in re.findall(r'"([A-Z]+)\("', body):
                out[name] = rule
    return out


def test_grammar_functions_are_the_function_table() -> None:
    assert set(_grammar_functions()) == set(load_all())


@pytest.mark.parametrize("name", sorted(load_all()))
def test_grammar_arity_matches_the_function_signature(name: str) -> None:
    signature = load_all()[name].signature
    for n in range(9):
        form = f"ask {name}({', '.join(['1'] * n)})"
        assert BASE.accepts(form) == signature.accepts(n), f"{name} with {n} arguments"


@pytest.mark.parametrize("form", CANONICAL)
def test_canonical_forms_print_back_identically(form: str) -> None:
    assert to_form(build(BASE.parse(form))) == form


def test_spacing_and_order_are_normalised() -> None:
    assert to_form(build(BASE.parse("ask  SUM( [Units] )+1"))) == "ask SUM([Units])+1"
    assert to_form(build(BASE.parse("sort by [Units]"))) == "sort by [Units] asc"
    assert to_form(build(BASE.parse("insert rows 7:5"))) == "insert rows 5:7"


@pytest.mark.parametrize(
    "formula",
    ["=SUM(A1:A3)+ROUND(B1,0)", "=-2^2", '=IF(A1>2,"a""b",C:C)', "=$A$2:B9", "=(1+2)*3-(4-5)"],
)
def test_cell_formulas_round_trip(formula: str) -> None:
    assert "=" + to_text(parse_formula(formula)) == formula


def test_cell_formulas_allow_unknown_functions() -> None:
    assert to_text(parse_formula("=LOG10(100)+TODAY()")) == "LOG10(100)+TODAY()"


def _sheet() -> SheetEnvironment:
    return SheetEnvironment.from_cells(
        {"A1": "Region", "B1": "Units", "C1": "Unit Cost", "A2": "West", "B2": 3, "C2": 1.5}
    )


SPECIALISED_CASES = [
    "ask SUM([Units])",
    "ask SUM([Unit Cost])",
    "ask SUM([Price])",
    "ask SUM([units])",
    'add column "Price" = [Units]*[Unit Cost]',
    "sort by [Region] desc",
    "sort by [Nope] desc",
    "delete column [Units]",
    "ask SUM(B2:B3)",
    "ask SUM(",
]


@pytest.mark.parametrize("form", SPECIALISED_CASES)
def test_header_check_accepts_what_the_specialised_grammar_accepts(form: str) -> None:
    for env in (_sheet(), SheetEnvironment()):
        try:
            env.parse(form)
            parsed = True
        except ParseError:
            parsed = False
        assert env.grammar().accepts(form) == parsed, form


def test_specialised_grammar_names_only_existing_headers() -> None:
    env = _sheet()
    assert env.grammar().accepts("ask SUM([Unit Cost])")
    assert not env.grammar().accepts("ask SUM([Price])")
    assert "[Unit Cost]" in env.grammar().text
    assert not SheetEnvironment().grammar().accepts("ask SUM([Units])")  # empty sheet: none
    assert SheetEnvironment().grammar().accepts("ask SUM(A1:A3)")


def test_parse_errors_have_position_and_expected() -> None:
    env = _sheet()
    with pytest.raises(ParseError) as exc:
        env.parse("ask SUM([Price])")
    assert (exc.value.line, exc.value.column) == (1, 9)
    assert '"[Units]"' in exc.value.expected
    with pytest.raises(ParseError, match="unknown function 'FOO'") as exc:
        env.parse("ask FOO(1)")
    assert exc.value.column == 5 and "'SUM('" in exc.value.expected
    with pytest.raises(ParseError, match="written in capitals: SUM"):
        env.parse("ask 1 + sum(1)")
    with pytest.raises(ParseError, match="unexpected '\\)'") as exc:
        env.parse("ask ROUND(1)")
    assert exc.value.expected == ["','"]


@pytest.mark.parametrize(
    ("form", "english"),
    [
        (
            'add column "Revenue" = [Units]*[Unit Cost]',
            "add a column Revenue equal to Units times Unit Cost",
        ),
        (
            'ask COUNTIF([Region], "<>West")',
            "what is the number of Region values that are not West",
        ),
        ("ask SUM([Units])", "what is the sum of Units"),
        ("sort by [Units] desc", "sort the table's rows by the Units column in descending order"),
        ('delete rows where [Region] = "West"', 'delete the rows where Region equals "West"'),
        ("set C10 = (B2+B3)*2", "set cell C10 to (B2 plus B3) times 2"),
        ("insert rows 5:7", "insert 3 blank rows at rows 5 to 7"),
        (
            'replace "West" with "" in [Region]',
            'replace "West" with nothing (clearing the cell) in the Region column',
        ),
        ("undo", "undo the last command"),
    ],
)
def test_explain_is_deterministic_english(form: str, english: str) -> None:
    assert _sheet().explain(form) == english
