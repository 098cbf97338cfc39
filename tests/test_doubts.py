"""Doubts about forms that run (``Environment.doubt``: sheet and SQL) and how
execution-guided selection uses them."""

from __future__ import annotations

import pytest

from parseinstr.environments.sheet import SheetEnvironment
from parseinstr.environments.sql import SqlEnvironment
from parseinstr.parser import Candidate, select_by_execution

CELLS = {
    "A1": "Item", "B1": "Category", "C1": "Stock", "D1": "Remote", "E1": "Low",
    "A2": "Pliers", "B2": "Tools", "C2": 12, "D2": False, "E2": 3,
    "A3": "Kettle", "B3": "Kitchen", "C3": 4, "D3": False, "E3": -2,
    "A4": "Toaster", "B4": "Kitchen", "C4": 9, "D4": False, "E4": 5,
}  # fmt: skip


@pytest.fixture
def env() -> SheetEnvironment:
    return SheetEnvironment.from_cells(CELLS)


def ran(env, form):
    """The form's doubt, asked as selection asks it: after a run, on the sheet as it was."""
    try:
        with env.isolated():
            denotation = env.execute(form)
    except Exception:  # a form that does not run is never asked about
        denotation = None
    return env.doubt(form, denotation)


@pytest.mark.parametrize(
    ("form", "reason"),
    [
        ("ask SUM([Item])", "SUM reads numbers from A2:A4"),
        ('ask MAXIFS([Category], [Category], "Kitchen")', "MAXIFS reads numbers from B2:B4"),
        ("ask INDEX([Item], MATCH(MIN([Category]), [Category], 0))", "the answer is #N/A"),
        ("ask MIN([Category])", "MIN reads numbers"),
        ('ask SUMIF([Category], "Kitchen", [Item])', "SUMIF reads numbers from A2:A4"),
        ('ask COUNTIF(B2:B4, "B")', '"B" matches no cell of B2:B4'),
        ('ask SUMIFS([Stock], [Item], "Stock")', "matches no cell of A2:A4"),
        ('ask COUNTIF([Stock], "<>Kitchen")', "compares with texts, and C2:C4 holds none"),
        ('ask COUNTIF([Category], ">5")', "compares with numbers, and B2:B4 holds none"),
        ("set C5 = AVERAGE([Category])", "it writes #DIV/0! into C5"),
        ("set C5 = SUM([Category])", "SUM reads numbers"),
        ('delete rows where COUNTIF([Item], "Hammer") > 0', "matches no cell"),
        ('ask VLOOKUP("Item", A2:C4, 3, FALSE)', "the answer is #N/A"),
        ('ask MINIFS(C2:C4, B2:B5, "Tools")', "the answer is #VALUE!"),
        ("set C4 = SUM(C2:C4)", "it writes #CYCLE! into C4"),
        ("insert rows 3:2", "rows 3:2 are written backwards"),
        ("delete rows 4:3", "rows 4:3 are written backwards"),
        ('ask SUMIF([Category], "<>Pliers", [Stock])', "excludes no cell of B2:B4"),
        ('delete rows where [Category] = "Garden"', 'no cell of B2:B4 holds "Garden"'),
        ('delete rows where B2 <> "B"', 'no cell of B2:B4 holds "B"'),
        ("ask 11, A2:A4", "it asks for 11, which reads nothing"),
        ("sort by [Stock] desc, [Stock] asc", "it sorts by one column twice"),
        ("fill F2:F4 = C2+C2", "it computes C2+C2, one operand twice"),
        ('add column "Net" = [Stock]-[Stock]', "one operand twice"),
        ("ask SUMPRODUCT(C2:C4, C2:C4)", "multiplies a range by itself"),
        ('ask COUNTIFS([Category], "<>Tools", [Category], "<>Tools")', "one criterion twice"),
        ("set C5 = FALSE - 10.7", "arithmetic on TRUE or FALSE"),
        ("ask TRUE ^ AND([Remote])", "arithmetic on TRUE or FALSE"),
        ("ask AND([Stock])", "AND reads truth values from C2:C4, which holds none"),
        ("ask OR([Low])", "OR reads truth values from E2:E4"),
        ("ask COUNTBLANK([Item])", "COUNTBLANK counts blanks in A2:A4, which has none"),
        ("set A5 = 2024-01-07", "2024-01-07 is a subtraction here"),
        ("fill F2:F4 = 2024-11-04", "a date is written in quotes"),
        # A range cut short: the column's data runs to row 4.
        ("ask SUM(C2:C3)", "SUM reads C2:C3, which stops at row 3 while the table's data runs"),
        ('ask COUNTIF(B2:B3, "Kitchen")', "COUNTIF reads B2:B3, which stops at row 3"),
        ("set C6 = MAX(C2:C3)", "MAX reads C2:C3"),
        ('ask VLOOKUP("Kettle", A2:C3, 3, FALSE)', "VLOOKUP reads A2:C3"),
    ],
)
def test_forms_a_person_would_hardly_mean_are_doubted(env, form, reason):
    with env.isolated():
        env.execute(form)  # Excel answers them all without an error
    doubt = ran(env, form)
    assert doubt is not None and reason in doubt


@pytest.mark.parametrize(
    "form",
    [
        "ask SUM([Stock])",
        'ask MAXIFS([Stock], [Category], "Kitchen")',
        'ask COUNTIF([Category], "kit*")',
        "ask COUNTIF([Remote], TRUE)",  # a boolean that no row has: none may be the answer
        'ask COUNTIF([Low], "<=-7")',  # a threshold nothing passes: the same
        'ask COUNTIFS([Category], "Kitchen", [Stock], ">100")',
        "ask COUNT([Item])",  # counting numbers in a text column is a real question
        "sort by [Stock] desc",
        "ask [Stock]*2",
        'ask IFERROR(VLOOKUP("Hammer", A2:C4, 3, FALSE), 0)',
        "insert rows 2:3",
        "set C5 = SUM(C2:C4)",
        'ask SUMIF([Category], "<>Tools", [Stock])',
        'delete rows where [Category] = "kitchen"',  # text compares in any case
        'delete rows where B2 <> "Tools"',
        "ask 11",  # a constant alone is for is_trivial to judge
        "ask MAX([Stock]), 2*MIN([Stock])",
        "sort by [Stock] desc, [Low] asc",
        "fill F2:F4 = C2+E2",
        "ask SUMPRODUCT(C2:C4, E2:E4)",
        'ask COUNTIFS([Category], "<>Tools", [Category], "<>Kitchen")',
        'ask IFERROR(VLOOKUP("Hammer", A2:C4, 3, FALSE), 0)',
        "insert rows 2:3",
        "set C5 = SUM(C2:C4)",
        "not a form",
        "ask AND([Remote])",
        "ask IF([Remote], 1, 0)",
        "set C5 = -10.7",
        "ask OR(D2:D4, C2 > 5)",
        "ask COUNTBLANK(A2:A6)",  # rows 5 and 6 are empty
        'set A5 = "2024-01-07"',
        "set C5 = 100-12-3",  # not a date
        "set F5 = C2-1-2",
        "ask SUM(C2:C4)",  # the whole column, also
        "ask SUM(C2:C9)",  # past the table's end (empty cells)
        "ask SUM(C3:C4)",  # not from the first data row: a choice of rows
        "clear C2:C3",  # a range a command writes, not one a function reads
        "fill F2:F3 = C2+E2",
    ],
)
def test_plausible_forms_and_bad_input_raise_no_doubt(env, form):
    assert ran(env, form) is None


def test_doubt_reads_the_sheet_without_changing_it(env):
    before = {a: env.value(a) for a in CELLS}
    assert ran(env, "ask SUM([Item])")
    assert {a: env.value(a) for a in CELLS} == before


def test_selection_prefers_a_form_without_doubt(env):
    cands = [
        Candidate('ask MAXIFS([Category], [Category], "Kitchen")', -0.1),
        Candidate('ask MAXIFS([Stock], [Category], "Kitchen")', -0.4),
    ]
    best, alts, _ = select_by_execution(env, cands)
    assert best == 1 and alts[1].denotation.answer == (9.0,)
    assert alts[0].doubt and alts[0].denotation is not None and alts[1].doubt is None
    # With only doubted forms that run, the best of them is still chosen.
    best, alts, _ = select_by_execution(env, cands[:1])
    assert best == 0 and alts[0].doubt
    best, _, _ = select_by_execution(env, cands, prefer_nonempty=False)
    assert best == 1
    best, alts, _ = select_by_execution(env, cands, doubts=False)  # the ablation
    assert best == 0 and alts[0].doubt is None


def test_environments_doubt_nothing_by_default():
    from parseinstr.environment import Environment

    assert Environment.doubt(object(), "anything", None) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("form", "doubt"),
    [
        ("SELECT name FROM customer", None),
        ("SELECT name FROM customer WHERE city = 'paris'", None),
        ("SELECT name FROM customer WHERE city = 'PARIS'", None),  # case aside
        (
            "SELECT COUNT(*) FROM customer AS customeralias0 WHERE customeralias0.name = 'paris'",
            'name never holds "paris"',
        ),
        ("SELECT name FROM customer WHERE city <> 'pen'", 'city never holds "pen"'),
        ('SELECT title FROM product WHERE category = "office"', None),
        ("SELECT title FROM product WHERE price = 7", None),
    ],
)
def test_sql_doubts_a_text_column_compared_with_a_value_it_never_holds(shop_db, form, doubt):
    with SqlEnvironment(shop_db) as sql:
        assert sql.doubt(form, sql.execute(form)) == doubt  # every one runs


@pytest.mark.parametrize(
    ("form", "doubt"),
    [
        ("SELECT name FROM customer WHERE city = city", "it compares city with itself"),
        (
            "SELECT COUNT(*) FROM customer AS customeralias0 WHERE customeralias0.city = city",
            "it compares city with itself",
        ),
        (
            "SELECT title FROM product WHERE price >= ( SELECT MIN( productalias1.price ) FROM"
            " product AS productalias1 WHERE productalias1.price <> price )",
            "it compares price with itself",
        ),
        # Two aliases of one table, or two columns: a real condition, no doubt.
        (
            "SELECT COUNT(*) FROM customer AS customeralias0 , customer AS customeralias1"
            " WHERE customeralias0.city = customeralias1.city",
            None,
        ),
        ("SELECT name FROM customer WHERE city = name", None),
        ("SELECT title FROM product WHERE price = ( SELECT MAX( price ) FROM product )", None),
    ],
)
def test_sql_doubts_a_column_compared_with_itself(shop_db, form, doubt):
    """SQLite runs it (``city = city`` keeps every row with a city), so a search from
    denotations finds it matching by coincidence; the grammar admits it."""
    with SqlEnvironment(shop_db) as sql:
        assert sql.doubt(form, sql.execute(form)) == doubt


def test_sql_self_comparison_doubt_leaves_refused_queries_to_the_executor():
    """A query the executor refuses (not parsed, not read-only) gets no doubt, no crash."""
    from parseinstr.environments.sql_doubts import sql_doubt

    assert sql_doubt("SELECT FROM WHERE city = city (") is None
    assert sql_doubt("DELETE FROM customer WHERE city = city") is None
    assert sql_doubt("SELECT name FROM customer WHERE city = city ;") == (
        "it compares city with itself"
    )


def test_run_reports_the_doubt_of_a_form_chosen_despite_one(env, capsys, tmp_path, monkeypatch):
    """When every candidate that runs is doubted, the result (and the CLI) says why."""
    import json

    from parseinstr import cli
    from parseinstr.environments.sheet_io import save_sheet
    from parseinstr.parser import InstructionExecutor, Parser

    class Fixed(Parser):
        def __init__(self) -> None:  # no model: parse returns one fixed candidate
            pass

        def parse(self, *args, **kwargs):
            return [Candidate("ask SUM([Item])", -0.2)]

    result = InstructionExecutor(Fixed(), env, n_best=1).run("add up the items")
    assert result.doubt and "SUM reads numbers" in result.doubt
    assert result.to_json()["alternatives"][0]["doubt"] == result.doubt
    sheet = tmp_path / "s.xlsx"
    save_sheet(env.sheet, sheet)
    monkeypatch.setattr("parseinstr.learning.load_parser", lambda folder: Fixed())
    code = cli.main(["run", "sheet", "add up the items", "--sheet", str(sheet), "--model", "x"])
    out = capsys.readouterr().out
    assert code == 0 and "doubt:" in out and "SUM reads numbers" in out
    code = cli.main(
        ["run", "sheet", "add up the items", "--sheet", str(sheet), "--model", "x", "--json"]
    )
    assert json.loads(capsys.readouterr().out)["doubt"] == result.doubt


def test_cli_evaluate_no_doubts_is_the_ablation(tmp_path, monkeypatch, capsys):
    """The same candidates, selected with and without doubts: a lookup answering #N/A ranked
    first loses to the gold form only when doubts are on."""
    import json

    from parseinstr import cli
    from parseinstr.parser import Parser

    from conftest import write_sheet_tasks

    data = write_sheet_tasks(tmp_path / "tasks.jsonl", 6, 3)
    gold = {}
    for line in data.read_text().splitlines():
        row = json.loads(line)
        gold[row["instruction"]] = row["logical_form"]
    lookup = 'ask VLOOKUP("no such key", A2:A3, 1, FALSE)'

    class Fixed(Parser):
        def __init__(self) -> None:
            pass

        def parse_batch(self, instructions, envs, n_best=1, constrained=None):
            return [[Candidate(lookup, -0.1), Candidate(gold[i], -0.3)] for i in instructions]

    monkeypatch.setattr("parseinstr.learning.load_parser", lambda folder: Fixed())
    reports = {}
    for flag in ([], ["--no-doubts"]):
        out = tmp_path / f"r{len(flag)}.json"
        args = ["evaluate", "sheet", "--data", str(data), "--model", "x", "--json", str(out)]
        assert cli.main(args + flag) == 0, capsys.readouterr().err
        reports[bool(flag)] = json.loads(out.read_text())["execution_accuracy"]
    assert reports == {False: 1.0, True: 0.0}


def test_sql_cannot_doubt_a_column_too_large_to_index(shop_db, monkeypatch):
    """A column cut at MAX_VALUES distinct values may hold what the index lacks: no doubt."""
    from parseinstr.environments import sql_link

    monkeypatch.setattr(sql_link, "MAX_VALUES", 4)  # customer.name has 4 distinct values
    form = "SELECT COUNT(*) FROM customer AS customeralias0 WHERE customeralias0.name = 'paris'"
    with SqlEnvironment(shop_db) as sql:
        assert sql.doubt(form, sql.execute(form)) is None
        index = sql_link.ValueIndex(sql.backend)
    assert index.holds("name", "paris") is None  # cut: the index cannot tell
    assert index.holds("city", "paris") is True and index.holds("category", "paris") is False
    assert index.holds("price", "7") is None  # not a text column


def test_a_range_running_past_the_table_into_a_total_row_is_doubted():
    """A range from the first data row that reaches past the table's last data row into
    cells under it (a "Total" row after a blank one) reads what is not table data; one that
    stops at the table's end, or reaches only empty cells, does not."""
    cells = {**CELLS, "A6": "Total", "C6": "=SUM(C2:C4)"}
    env = SheetEnvironment.from_cells(cells)
    doubt = ran(env, 'ask COUNTIF(A2:A8, "<>Pliers")')
    assert doubt is not None and "runs past the table's last data row (4) into row 6" in doubt
    assert "runs past" in (ran(env, "ask SUM(C2:C7)") or "")
    assert ran(env, 'ask COUNTIF(A2:A4, "<>Pliers")') is None
    assert ran(env, "ask SUM(E2:E9)") is None  # nothing under column E
    # A range to the sheet's last row is judged by the cells the sheet holds.
    assert "into row 6" in (ran(env, "ask SUM(C2:C1048576)") or "")
    assert ran(env, "ask SUM(E2:E1048576)") is None
    assert ran(env, "ask SUM([Stock])") is None
