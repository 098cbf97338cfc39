"""Doubts about sheet forms that run (``SheetEnvironment.doubt``) and how execution-guided
selection uses them."""

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


@pytest.mark.parametrize(
    ("form", "reason"),
    [
        ("ask SUM([Item])", "SUM reads numbers from A2:A4"),
        ('ask MAXIFS([Category], [Category], "Kitchen")', "MAXIFS reads numbers from B2:B4"),
        ("ask INDEX([Item], MATCH(MIN([Category]), [Category], 0))", "MIN reads numbers"),
        ('ask SUMIF([Category], "Kitchen", [Item])', "SUMIF reads numbers from A2:A4"),
        ('ask COUNTIF(B2:B4, "B")', '"B" matches no cell of B2:B4'),
        ('ask SUMIFS([Stock], [Item], "Stock")', "matches no cell of A2:A4"),
        ('ask COUNTIF([Stock], "<>Kitchen")', "compares with texts, and C2:C4 holds none"),
        ('ask COUNTIF([Category], ">5")', "compares with numbers, and B2:B4 holds none"),
        ("set C5 = AVERAGE([Category])", "AVERAGE reads numbers"),
        ('delete rows where COUNTIF([Item], "Hammer") > 0', "matches no cell"),
    ],
)
def test_forms_a_person_would_hardly_mean_are_doubted(env, form, reason):
    env.execute(form)  # Excel answers them all without an error
    doubt = env.doubt(form)
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
        "not a form",
    ],
)
def test_plausible_forms_and_bad_input_raise_no_doubt(env, form):
    assert env.doubt(form) is None


def test_doubt_reads_the_sheet_without_changing_it(env):
    before = {a: env.value(a) for a in CELLS}
    assert env.doubt("ask SUM([Item])")
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


def test_environments_doubt_nothing_by_default(shop_db):
    with SqlEnvironment(shop_db) as sql:
        assert sql.doubt("SELECT name FROM customer") is None


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
