"""Every spreadsheet function against values computed by hand, plus criteria and errors."""

from __future__ import annotations

import pytest

from parseinstr.environments.sheet import SheetEnvironment
from parseinstr.environments.sheet_criteria import matcher
from parseinstr.environments.sheet_functions import load_all
from parseinstr.environments.sheet_model import Formula, Sheet
from parseinstr.environments.sheet_values import ErrorValue, same_value

# Region | Units | Price | Date | Paid | Name | Sorted
ROWS = [
    ("Region", "Units", "Price", "Date", "Paid", "Name", "Sorted"),
    ("West", 10, 2.5, "2024-01-15", True, "Alice", 1),
    ("East", 20, 1.5, "2024-02-03", False, "Bob", 3),
    ("west", 5, 4, "2024-02-20", True, "Carla", 5),
    ("North", 15, 3, "2024-03-01", False, "Dan", 7),
    ("East", 0, 10, "2024-02-11", True, "Eve", 9),
]


def _cells() -> dict[str, object]:
    return {f"{'ABCDEFG'[c]}{r + 1}": v for r, row in enumerate(ROWS) for c, v in enumerate(row)}


@pytest.fixture(scope="module")
def env() -> SheetEnvironment:
    return SheetEnvironment.from_cells(_cells())


# (formula, hand-computed value); ranges: A region, B units, C price, D date, E paid, F name,
# G sorted odd numbers.
CASES = [
    ("SUM(B2:B6)", 50),
    ("SUM(B2:B6, 1, TRUE)", 52),  # a typed TRUE counts as 1, in a range it would not
    ("SUM([Units])", 50),
    ("AVERAGE(B2:B6)", 10),
    ("AVERAGE([Price])", 4.2),
    ("MIN(B2:B6)", 0),
    ("MAX(C2:C6)", 10),
    ("MEDIAN(B2:B6)", 10),
    ("MEDIAN(C2:C5)", 2.75),
    ("COUNT(A2:C6)", 10),
    ("COUNTA(A2:A9)", 5),
    ("COUNTBLANK(A2:A9)", 3),
    ('COUNTIF(A2:A6, "West")', 2),  # any case
    ('COUNTIF(A2:A6, "<>West")', 3),
    ('COUNTIF(A2:A6, "w*")', 2),
    ('COUNTIF(F2:F6, "?ob")', 1),
    ('COUNTIF(D2:D6, "2024-02*")', 3),
    ('COUNTIF(B2:B6, ">10")', 2),
    ('COUNTIF(B2:B6, "<=5")', 2),
    ('COUNTIF(B2:B6, "<>10")', 4),
    ("COUNTIF(E2:E6, TRUE)", 3),
    ('COUNTIF(D2:D6, "<2024-02-11")', 2),  # ISO dates compare as text
    ('COUNTIFS(A2:A6, "East", B2:B6, ">0")', 1),
    ('COUNTIFS(A2:A6, "<>West", A2:A6, "<>North")', 2),
    ('SUMIF(A2:A6, "East", B2:B6)', 20),
    ('SUMIF(A2:A6, "<>East", B2:B6)', 30),
    ('SUMIF(B2:B6, ">=10")', 45),
    ('SUMIFS(B2:B6, A2:A6, "<>North", E2:E6, TRUE)', 15),
    ('AVERAGEIF(A2:A6, "west", C2:C6)', 3.25),
    ('AVERAGEIFS(C2:C6, B2:B6, ">=10")', 7 / 3),
    ('MINIFS(B2:B6, A2:A6, "East")', 0),
    ('MAXIFS(C2:C6, D2:D6, ">=2024-02-01")', 10),
    ('MAXIFS(C2:C6, A2:A6, "South")', 0),
    ("SUMPRODUCT(B2:B6, C2:C6)", 120),
    ('SUMPRODUCT((A2:A6 = "East")*B2:B6)', 20),
    ('IF(B2 > 5, "big", "small")', "big"),
    ('IF(B4 > 5, "big")', False),
    ("IF(TRUE, 1, 1/0)", 1),  # the branch not taken may be an error
    ("AND(E2:E6)", False),
    ("OR(E2:E6)", True),
    ("AND(TRUE, 1)", True),
    ("NOT(E3)", True),
    ("ROUND(2.5, 0)", 3),
    ("ROUND(-2.5, 0)", -3),
    ("ROUND(2.675, 2)", 2.68),  # just below 2.675 in binary; Excel rounds up
    ("ROUND(0.125, 2)", 0.13),
    ("ROUND(1234.5678, -2)", 1200),
    ("ROUND(1E+300, 2)", 1e300),  # more digits than Decimal's precision: nothing to round
    ("ROUND(12.5, -400)", 0),
    ("ROUND(1.45, 1)", 1.5),
    ("ABS(-3.5)", 3.5),
    ("MOD(-3, 2)", 1),
    ("LARGE(B2:B6, 2)", 15),
    ("SMALL(C2:C6, 2)", 2.5),
    ("INDEX(F2:F6, 3)", "Carla"),
    ("INDEX(A2:F6, 2, 6)", "Bob"),
    ('MATCH("Dan", F2:F6, 0)', 4),
    ('MATCH("c*", F2:F6, 0)', 3),
    ("MATCH(6, G2:G6)", 3),  # approximate: the largest value <= 6 in sorted data
    ("MATCH(9, G2:G6, 1)", 5),
    ('VLOOKUP("bob", F2:G6, 2, FALSE)', 3),
    ("VLOOKUP(6, G2:G6, 1)", 5),
    ('IFERROR(VLOOKUP("Zed", F2:G6, 2, FALSE), "none")', "none"),
    ('LEN("hello")', 5),
    ("LEN(B3)", 2),
    ('UPPER("abc")', "ABC"),
    ('LOWER("AbC")', "abc"),
    ('LEFT("hello", 2)', "he"),
    ('LEFT("hello")', "h"),
    ('RIGHT("hello", 3)', "llo"),
    ('MID("hello", 2, 3)', "ell"),
    ('TRIM("  a   b ")', "a b"),
    ('CONCAT(A2:A3, "-", 1.5)', "WestEast-1.5"),
    ('"n=" & 2 & TRUE', "n=2TRUE"),
    ("IFERROR(1/0, 0)", 0),
    ("-2^2", 4),  # negation binds tighter than ^, as in Excel
    ("2^-1", 0.5),
    ('"a" = "A"', True),
    ('"b" > "A"', True),
    ('1 < "a"', True),  # numbers sort before text
    ('"a" < TRUE', True),  # and text before booleans
    ('"3" + 1', 4),
    ("TRUE + TRUE", 2),
    ("A9 + 1", 1),  # an empty cell is 0
    ("COUNTA(UNIQUE(A2:A6))", 3),
]

LISTS = [
    ("UNIQUE(A2:A6)", ["West", "East", "North"]),  # "west" is "West" to UNIQUE
    ("FILTER(F2:F6, B2:B6 > 10)", ["Bob", "Dan"]),
    ("LEN(F2:F4)", [5, 3, 5]),  # a scalar function over a range, element by element
    ("B2:B3*2", [20, 40]),
]

ERRORS = [
    ("1/0", "#DIV/0!"),
    ("SUM(B2, 1/0)", "#DIV/0!"),
    ('"a" + 1', "#VALUE!"),
    ('SUM(B2, "x")', "#VALUE!"),
    ("INDEX(F2:F6, 9)", "#REF!"),
    ('MATCH("Zed", F2:F6, 0)', "#N/A"),
    ("MATCH(0, G2:G6)", "#N/A"),
    ('VLOOKUP("Zed", F2:G6, 2, FALSE)', "#N/A"),
    ("MEDIAN(A2:A6)", "#NUM!"),
    ("AVERAGE(A2:A6)", "#DIV/0!"),
    ('AVERAGEIF(A2:A6, "South", B2:B6)', "#DIV/0!"),
    ("LARGE(B2:B6, 9)", "#NUM!"),
    ("FILTER(F2:F6, B2:B6 > 100)", "#CALC!"),
    ("ROUND(1/0, 2)", "#DIV/0!"),
    ('LEFT("abc", -1)', "#VALUE!"),
    ("SUMPRODUCT(B2:B6, C2:C5)", "#VALUE!"),
    ('COUNTIFS(A2:A6, "x", B2:B5, ">1")', "#VALUE!"),
    ("(-8)^0.5", "#NUM!"),
    ("AND(A2:A6)", "#VALUE!"),
]


@pytest.mark.parametrize(("formula", "expected"), CASES)
def test_function_values(env: SheetEnvironment, formula: str, expected: object) -> None:
    (got,) = env.execute(f"ask {formula}").answer  # type: ignore[misc]
    assert same_value(got, expected), f"{formula} gave {got!r}, expected {expected!r}"


@pytest.mark.parametrize(("formula", "expected"), LISTS)
def test_array_results(env: SheetEnvironment, formula: str, expected: list[object]) -> None:
    got = list(env.execute(f"ask {formula}").answer or ())
    assert len(got) == len(expected) and all(map(same_value, got, expected)), got


@pytest.mark.parametrize(("formula", "code"), ERRORS)
def test_error_values_are_values(env: SheetEnvironment, formula: str, code: str) -> None:
    (got,) = env.execute(f"ask {formula}").answer  # type: ignore[misc]
    assert isinstance(got, ErrorValue) and got.code == code, f"{formula} gave {got!r}"


def test_every_listed_function_is_covered() -> None:
    required = [
        "SUM",
        "AVERAGE",
        "MIN",
        "MAX",
        "MEDIAN",
        "COUNT",
        "COUNTA",
        "COUNTIF",
        "COUNTIFS",
        "SUMIF",
        "SUMIFS",
        "AVERAGEIF",
        "AVERAGEIFS",
        "MINIFS",
        "MAXIFS",
        "SUMPRODUCT",
        "IF",
        "AND",
        "OR",
        "NOT",
        "ROUND",
        "ABS",
        "INDEX",
        "MATCH",
        "VLOOKUP",
        "UNIQUE",
        "LEN",
        "UPPER",
        "LOWER",
        "LEFT",
        "RIGHT",
        "CONCAT",
    ]
    registered = load_all()
    assert set(required) <= set(registered)
    tested = " ".join(f for f, _ in CASES + LISTS + ERRORS)
    for name in registered:
        assert f"{name}(" in tested, f"{name} has no hand-computed case"


def test_unknown_function_in_a_cell_is_name_error() -> None:
    sheet = Sheet({(1, 1): Formula.from_text("=FOO(1)"), (1, 2): Formula.from_text("=A1+1")})
    assert sheet.value((1, 1)) == ErrorValue("#NAME?")
    assert sheet.value((1, 2)) == ErrorValue("#NAME?")  # and it propagates


def test_wrong_arity_in_a_cell_is_value_error() -> None:
    sheet = Sheet({(1, 1): Formula.from_text("=ROUND(1)")})
    assert sheet.value((1, 1)) == ErrorValue("#VALUE!")


@pytest.mark.parametrize(
    ("criterion", "value", "matches"),
    [
        ("<>West", "East", True),
        ("<>West", "west", False),
        ("<>West", None, True),
        ("<>West", 3.0, True),
        ("2024-02*", "2024-02-11", True),
        ("2024-02*", "2024-03-01", False),
        ("a?c", "ABC", True),
        ("a~*", "a*", True),
        ("a~*", "ab", False),
        (">3", 4.0, True),
        (">3", "4", False),  # text never passes a numeric inequality
        ("=3", "3", True),
        (3.0, 3.0, True),
        ("", None, True),
        ("", "", True),
        ("=", "", False),
        ("<>", "", True),
        (True, True, True),
        (True, 1.0, False),
    ],
)
def test_criteria(criterion: object, value: object, matches: bool) -> None:
    assert matcher(criterion)(value) is matches  # type: ignore[arg-type]
