"""Sheet forms glossed for the reconstruction reranker."""

from __future__ import annotations

from parseinstr.environments.sheet import SheetEnvironment

CELLS = {
    "A1": "Title", "B1": "Pages", "C1": "Year",
    "A2": "Emma", "B2": 474, "C2": 1815,
    "A3": "Dune", "B3": 412, "C3": 1965,
    "A4": "Walden", "B4": 352, "C4": 1854,
}  # fmt: skip


def test_a_cell_is_glossed_with_its_header_and_row_key():
    env = SheetEnvironment.from_cells(CELLS)
    assert env.reconstruction_text("set B3 = 300") == "set B3 (Pages of Dune) = 300"
    assert "header Year" in env.reconstruction_text("ask C1")
    assert "below the table" in env.reconstruction_text("set B9 = 1")


def test_a_range_says_how_much_of_its_column_it_spans():
    env = SheetEnvironment.from_cells(CELLS)
    assert env.reconstruction_text("ask SUM(B2:B4)") == "ask SUM(B2:B4 (Pages, all rows))"
    assert "2 of 3 rows" in env.reconstruction_text("ask SUM(B2:B3)")
    assert "the table's 2 to 4" in env.reconstruction_text("ask SUM(B2:B9)")


def test_rows_are_counted_and_named_and_literals_left_alone():
    env = SheetEnvironment.from_cells(CELLS)
    assert env.reconstruction_text("insert rows 3:4") == "insert rows 3:4 (2 rows)"
    assert env.reconstruction_text("delete row 4") == "delete row 4 (Walden)"
    form = 'ask COUNTIF([Title], "B2")'
    assert env.reconstruction_text(form) == form


def test_the_default_is_the_form_itself(shop_db):
    from parseinstr.environments.sql import SqlEnvironment

    with SqlEnvironment(shop_db) as env:
        form = "SELECT name FROM customers ;"
        assert env.reconstruction_text(form) == form
