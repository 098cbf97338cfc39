"""The workbook model: recalculation of dependants only, cycles, structural edits,
transactions and undo, through the model and through the environment's commands."""

from __future__ import annotations

import pytest

from parseinstr.environments import sheet_commands
from parseinstr.environments.sheet import SheetDenotation, SheetEnvironment, same_denotation
from parseinstr.environments.sheet_model import Formula, Sheet
from parseinstr.environments.sheet_values import CYCLE, ErrorValue
from parseinstr.errors import ExecutionError, ParseError, TimeLimitError

F = Formula.from_text


def state(env: SheetEnvironment) -> tuple[dict, dict]:
    """Contents and values, for comparing whole sheets."""
    return dict(env.sheet.content), dict(env.sheet.values)


def sales() -> SheetEnvironment:
    return SheetEnvironment.from_cells(
        {
            "A1": "Region", "B1": "Units", "C1": "Price", "D1": "Revenue",
            "A2": "West", "B2": 10, "C2": 2.5, "D2": "=B2*C2",
            "A3": "East", "B3": 20, "C3": 1.5, "D3": "=B3*C3",
            "A4": "West", "B4": 5, "C4": 4, "D4": "=B4*C4",
            "A6": "Total", "B6": "=SUM(B2:B4)", "D6": "=SUM(D2:D4)",
        }
    )  # fmt: skip


# ---------------------------------------------------------------- recalculation


def test_edit_recalculates_all_dependants_and_only_them() -> None:
    sheet = Sheet(
        {
            (1, 1): 1.0,
            (2, 1): 2.0,
            (1, 2): F("=A1*2"),  # B1 <- A1
            (2, 2): F("=B1+A2"),  # B2 <- B1 <- A1
            (1, 3): F("=SUM(A1:A2)"),  # C1 <- range A1:A2
            (1, 4): F("=A2*10"),  # D1 <- A2 only
            (1, 5): F("=D1+1"),  # E1 <- D1
        }
    )
    sheet.write({(1, 1): 10.0})
    assert set(sheet.recalculated) == {(1, 2), (2, 2), (1, 3)}
    assert [sheet.value(a) for a in [(1, 2), (2, 2), (1, 3), (1, 4)]] == [20.0, 22.0, 12.0, 20.0]
    # Topological order: B1 before B2, which reads it.
    assert sheet.recalculated.index((1, 2)) < sheet.recalculated.index((2, 2))


def test_new_cell_inside_a_watched_range_recalculates_its_readers() -> None:
    sheet = Sheet({(1, 1): 1.0, (1, 2): F("=SUM(A1:A5)"), (1, 3): F("=SUM(A:A)"), (1, 4): 7.0})
    sheet.write({(4, 1): 5.0})  # A4 did not exist when the ranges were linked
    assert set(sheet.recalculated) == {(1, 2), (1, 3)}
    assert sheet.value((1, 2)) == 6.0 and sheet.value((1, 3)) == 6.0
    sheet.write({(9, 4): 1.0})  # outside every range: nothing to recalculate
    assert sheet.recalculated == []


def test_a_formula_and_new_cells_in_its_range_written_together_are_linked() -> None:
    sheet = Sheet({(1, 1): 1.0, (1, 5): F("=SUM(A:A)")})
    sheet.write({(1, 2): F("=SUM(A1:A5)"), (3, 1): 2.0, (4, 1): F("=A3*10")})
    assert sheet.value((1, 2)) == 23.0 and sheet.value((1, 5)) == 23.0
    sheet.write({(3, 1): 3.0})  # A3 is read by A4, B1 and E1, all linked by that one write
    assert set(sheet.recalculated) == {(4, 1), (1, 2), (1, 5)}
    assert sheet.value((1, 2)) == 34.0 and sheet.value((1, 5)) == 34.0


def test_clearing_a_cell_recalculates_readers() -> None:
    sheet = Sheet({(1, 1): 4.0, (1, 2): F("=A1+1")})
    sheet.write({(1, 1): None})
    assert sheet.value((1, 2)) == 1.0 and sheet.recalculated == [(1, 2)]


def test_cycle_is_an_error_value_and_propagates() -> None:
    sheet = Sheet(
        {
            (1, 1): F("=B1+1"),
            (1, 2): F("=A1+1"),
            (1, 3): F("=A1*2"),  # reads the cycle
            (1, 4): F("=IFERROR(A1, 0)"),
            (2, 1): F("=A2"),  # a cell reading itself
            (3, 1): F("=SUM(C:C)"),  # a whole column containing itself? no: C3 is in column A
            (3, 3): F("=SUM(C:C)"),  # C3 reads column C, itself included
        }
    )
    assert sheet.value((1, 1)) == CYCLE and sheet.value((1, 2)) == CYCLE
    assert sheet.value((1, 3)) == CYCLE
    assert sheet.value((1, 4)) == 0.0
    assert sheet.value((2, 1)) == CYCLE
    assert sheet.value((3, 3)) == CYCLE
    assert sheet.value((3, 1)) == CYCLE  # C3 is in column C
    sheet.write({(1, 2): 5.0})  # breaking the cycle
    assert sheet.value((1, 1)) == 6.0 and sheet.value((1, 3)) == 12.0


def test_cycle_through_a_command_gives_error_not_exception() -> None:
    env = SheetEnvironment.from_cells({"A1": 1, "B1": "=A1*2"})
    denotation = env.execute("set A1 = B1+1")
    assert denotation.cells == {"A1": CYCLE, "B1": CYCLE}


def test_error_values_propagate_through_cells() -> None:
    sheet = Sheet({(1, 1): F("=1/0"), (1, 2): F("=A1+1"), (1, 3): F("=SUM(A1:B1)")})
    assert sheet.value((1, 2)) == ErrorValue("#DIV/0!") == sheet.value((1, 3))


# ---------------------------------------------------------------- structure


def test_insert_and_delete_rows_rewrite_references() -> None:
    env = sales()
    env.execute("insert row 3")
    assert env.formula("B7") == "=SUM(B2:B5)"
    assert env.formula("D4") == "=B4*C4"  # the old row 3 moved down with its formula
    assert env.value("B7") == 35
    env.execute("delete rows 2:3")
    assert env.formula("B5") == "=SUM(B2:B3)"
    assert env.value("B5") == 25 and env.value("D5") == 50
    env.execute("delete row 2")
    env.execute("set F1 = B2")
    env.execute("delete row 2")
    assert env.formula("F1") == "=#REF!"
    assert env.value("F1") == ErrorValue("#REF!")


def test_insert_and_delete_columns_rewrite_references() -> None:
    env = sales()
    env.execute("insert column B")
    assert env.formula("E2") == "=C2*D2" and env.value("E2") == 25
    env.execute("delete column D")  # Price; the blank column B ends the table's headers
    assert env.formula("D2") == "=C2*#REF!"
    assert env.value("D2") == ErrorValue("#REF!")


def test_sort_moves_formulas_with_their_rows() -> None:
    env = sales()
    d = env.execute("sort by [Revenue] desc")
    assert [env.value(f"A{r}") for r in (2, 3, 4)] == ["East", "West", "West"]
    assert [env.value(f"D{r}") for r in (2, 3, 4)] == [30, 25, 20]
    assert env.formula("D2") == "=B2*C2"
    assert env.value("D6") == 75  # the total outside the sorted block is unchanged
    assert "D6" not in d.cells


def test_fill_moves_relative_references_only() -> None:
    env = sales()
    env.execute("fill E2:F4 = B2*$C$2 + [Units]")
    assert env.formula("E2") == "=B2*$C$2+$B2"
    assert env.formula("F4") == "=C4*$C$2+$B4"
    assert env.value("F4") == 4 * 2.5 + 5


def test_set_reads_headers_in_the_target_row() -> None:
    env = sales()
    env.execute("set E3 = [Units]*2 + SUM([Units])")
    assert env.formula("E3") == "=B3*2+SUM(B2:B4)"
    assert env.value("E3") == 75


def test_delete_rows_where_reads_each_row() -> None:
    env = sales()
    d = env.execute('delete rows where [Region] = "West"')
    assert env.value("A2") == "East" and env.value("A3") is None
    assert env.formula("B4") == "=SUM(B2:B2)" and env.value("B4") == 20
    assert d.cells["A2"] == "East"


def test_delete_rows_where_with_a_cell_condition_moves_down_the_rows() -> None:
    env = sales()
    env.execute("delete rows where B2 < 15")  # written for row 2, read in each row
    assert env.value("A2") == "East" and env.value("B2") == 20


# ---------------------------------------------------------------- transactions and undo


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ("delete rows where [Units]/([Units]-20) > 0", ExecutionError),  # #DIV/0! in row 3
        ('delete rows where [Region] & "x"', ExecutionError),  # text, not TRUE/FALSE
        ('add column "Units"', ExecutionError),  # the header exists
        ("set XFE1 = 1", ExecutionError),  # outside the sheet
        ("set A1 = ZZZ5", ExecutionError),  # a reference outside the sheet
        ("ask SUM(A1:A1048577)", ExecutionError),
        ("ask SUM([Nope])", ParseError),  # no such header
        ("ask NOPE(1)", ParseError),  # no such function
        ("sort by [Units] sideways", ParseError),
    ],
)
def test_failing_command_leaves_the_sheet_unchanged(form: str, error: type) -> None:
    env = sales()
    before = state(env)
    with pytest.raises(error):
        env.execute(form)
    assert state(env) == before


@pytest.mark.parametrize(
    "form",
    [
        "fill E1:H20000 = SUM(A:D)",  # 80,000 formulas each reading 80,000 cells
        "fill F1:F2000 = SUM(A1:A2)",  # 2,000 readers of ranges, then...
    ],
)
def test_a_command_too_large_is_stopped_and_changes_nothing(form: str) -> None:
    env = sales()
    if form.startswith("fill F1"):
        env.execute(form)  # 4,000 links: allowed
        form = "fill G1:G2000 = 1"  # ...2,000 new cells, each checked against 2,000 ranges
    before = state(env)
    with pytest.raises(TimeLimitError, match="too large"):
        env.execute(form)
    assert state(env) == before


def test_work_limit_bounds_writes_only_inside_its_block() -> None:
    sheet = Sheet({(r, 1): float(r) for r in range(1, 101)})
    running = {(r, 2): F(f"=SUM($A$1:A{r})") for r in range(1, 101)}  # 5,050 cells read
    with sheet.work_limit(20_000):
        sheet.write(running)
    assert sheet.value((100, 2)) == 5050.0
    with sheet.work_limit(5_000), pytest.raises(TimeLimitError, match="5,000 cells"):
        sheet.write({(r, 3): F(f"=SUM($A$1:A{r})") for r in range(1, 101)})
    sheet.write({(r, 4): F(f"=SUM($A$1:A{r})") for r in range(1, 101)})  # no limit outside
    assert sheet.value((100, 4)) == 5050.0


def test_failure_half_way_is_rolled_back(monkeypatch: pytest.MonkeyPatch) -> None:
    env = sales()
    before = state(env)

    def write_then_fail(sheet, command, table) -> None:
        sheet.write({(2, 2): 99.0, (9, 9): "junk"})
        sheet.restructure("row", 2, -1)
        raise ExecutionError("failed after changing cells")

    monkeypatch.setitem(sheet_commands.HANDLERS, sheet_commands.Clear, write_then_fail)
    with pytest.raises(ExecutionError, match="after changing"):
        env.execute("clear A1")
    assert state(env) == before
    env.execute("set B2 = 11")  # the restored sheet still recalculates
    assert env.value("D2") == 27.5 and env.value("B6") == 36


def test_inserting_rows_off_the_sheet_is_refused() -> None:
    env = SheetEnvironment.from_cells({"A1": 1, "A1048576": "last"})
    before = state(env)
    with pytest.raises(ExecutionError, match="off the sheet"):
        env.execute("insert row 2")
    assert state(env) == before


def test_undo_restores_each_earlier_state() -> None:
    env = sales()
    states = [state(env)]
    for form in [
        'add column "Double" = [Units]*2',
        "sort by [Units] asc",
        'delete rows where [Region] = "East"',
        "clear B2:B3",
        "insert column A",
    ]:
        env.execute(form)
        states.append(state(env))
    for expected in reversed(states[:-1]):
        env.undo()
        assert state(env) == expected
    with pytest.raises(ExecutionError, match="nothing to undo"):
        env.undo()


def test_undo_form_reports_the_cells_it_restores() -> None:
    env = sales()
    env.execute("set B2 = 100")
    d = env.execute("undo")
    assert d.cells == {"B2": 10, "D2": 25, "B6": 35, "D6": 75}
    assert env.value("B2") == 10


def test_isolated_rolls_back_commands_tried_inside() -> None:
    env = sales()
    env.execute("set B2 = 1")
    before = state(env)
    with env.isolated():
        env.execute('delete rows where [Region] = "West"')
        env.execute("undo")
        env.execute("clear A1:D6")
        assert env.sheet.content == {}
    assert state(env) == before
    env.undo()  # the history from before the block is still there
    assert env.value("B2") == 10


def test_questions_do_not_change_the_sheet_or_the_undo_stack() -> None:
    env = sales()
    before = state(env)
    env.execute("ask SUM([Units])")
    assert state(env) == before
    with pytest.raises(ExecutionError):
        env.undo()


# ---------------------------------------------------------------- denotations


def test_command_denotation_lists_changed_cells_with_values() -> None:
    env = sales()
    d = env.execute("set B3 = 30")
    assert d.to_json() == {"cells": {"B3": 30, "D3": 45, "B6": 45, "D6": 90}}
    assert not d.is_empty()
    assert env.execute("set B3 = 30").is_empty()  # same value: nothing changed


def test_same_denotation_rules() -> None:
    a = SheetDenotation(answer=(725.0,))
    assert same_denotation(a, SheetDenotation(answer=(725.0000001,)))
    assert not same_denotation(a, SheetDenotation(answer=(725.01,)))
    assert not same_denotation(a, SheetDenotation(answer=("725",)))
    assert not same_denotation(SheetDenotation(answer=(True,)), SheetDenotation(answer=(1.0,)))
    assert same_denotation(
        SheetDenotation(answer=(0.1 + 0.2 - 0.3,)), SheetDenotation(answer=(0.0,))
    )
    cells = SheetDenotation(cells={"A1": 1.0, "B1": None})
    assert same_denotation(cells, SheetDenotation(cells={"A1": 1.0, "B1": None}))
    assert not same_denotation(cells, SheetDenotation(cells={"A1": 1.0}))
    assert not same_denotation(cells, a)
    err = SheetDenotation(cells={"A1": ErrorValue("#N/A")})
    assert same_denotation(err, SheetDenotation(cells={"A1": "#N/A"}))
    wanted = SheetDenotation(required_formulas={"C1": "=A1*2"})
    got = SheetDenotation(cells={"C1": 2.0}, formulas={"C1": "=A1*2"})
    assert same_denotation(got, wanted) and same_denotation(wanted, got)
    assert not same_denotation(SheetDenotation(cells={"C1": 2.0}, formulas={"C1": "=2"}), wanted)
