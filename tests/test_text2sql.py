"""The text2sql-data loader and `check` over a database the code has never seen."""

from __future__ import annotations

import json

import pytest

from parseinstr import DataError, UsageError, get_task
from parseinstr.check import check_task
from parseinstr.environments.text2sql import fill_variables, load_text2sql

from conftest import DATA


def test_fill_variables_whole_words_only():
    assert fill_variables('x = "city0" AND y = city01', {"city0": "paris"}) == (
        'x = "paris" AND y = city01'
    )
    assert fill_variables("from city0 to city01", {"city0": "a", "city01": "b"}) == "from a to b"


def test_loader_fills_values_by_default():
    examples = load_text2sql(DATA / "shop.json")
    first = examples[0]
    assert first.instruction == "who lives in paris"
    assert '= "paris"' in first.logical_form
    assert len(examples) == 7


def test_loader_keeps_placeholders_when_anonymized():
    first = load_text2sql(DATA / "shop.json", anonymized=True)[0]
    assert first.instruction == "who lives in city0"
    assert '"city0"' in first.logical_form


def test_loader_selects_split_and_parts():
    dev = load_text2sql(DATA / "shop.json", "question", {"dev"})
    assert [e.instruction for e in dev] == ["customers from lyon", "which customers never ordered"]
    by_query = load_text2sql(DATA / "shop.json", "query", {"dev", "test"})
    assert len(by_query) == 2
    assert by_query[0].tags == ()
    tagged = load_text2sql(DATA / "shop.json", "question", {"dev"})[1]
    assert tagged.tags == ("negation",)


def test_loader_errors(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        load_text2sql(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(DataError, match="not JSON"):
        load_text2sql(bad)
    bad.write_text(json.dumps([{"sentences": []}]))
    with pytest.raises(DataError, match="record 0"):
        load_text2sql(bad)
    with pytest.raises(UsageError, match="--split"):
        load_text2sql(DATA / "shop.json", split="random")


def test_check_on_unseen_database(shop_db):
    task = get_task("text2sql").from_options(data=DATA / "shop.json", db=shop_db)
    report = check_task(task)
    assert report["accept"] == 1.0, report["failures"]
    assert report["execute"] == 1.0
    assert report["nonempty"] == 1.0
    duck = report["crosscheck_duckdb"]
    assert duck["compared"] == 7 and duck["agree"] == 1.0 and duck["nonempty_compared"] == 7
    assert report["failures"] == []


def test_check_on_bundled_geoquery(geo_data, geo_db):
    report = check_task(get_task("text2sql").from_options(data=geo_data, db=geo_db))
    assert report["counts"]["gold"] == 598
    assert report["accept"] >= 0.99
    duck = report["crosscheck_duckdb"]
    assert duck["agree"] == 1.0 and duck["compared"] >= 590
    assert all(f["reason"] for f in report["failures"])


def test_geoquery_code_names_no_geoquery_table():
    import pathlib

    import parseinstr

    roots = [pathlib.Path(parseinstr.__file__).parent]
    roots.append(pathlib.Path(__import__("parseinstr.environments").environments.__file__).parent)
    for root in roots:
        for path in root.glob("*.py"):
            text = path.read_text().lower()
            for table in ("border_info", "highlow", "mountain_altitude", "state_name"):
                assert table not in text, f"{path} names {table}"


def test_check_reports_rejected_corruptions(shop_db):
    report = check_task(get_task("text2sql").from_options(data=DATA / "shop.json", db=shop_db))
    corrupted = report["corrupted"]
    for kind in (
        "column of another table",
        "table that does not exist",
        "string compared with a number column",
    ):
        assert corrupted[kind]["n"] >= 1
        assert corrupted[kind]["rejected_by_grammar"] == 1.0, kind
    # Alias scope is context-sensitive: not the grammar's job, but the executor catches it.
    scope = corrupted["alias out of scope"]
    assert scope["rejected_by_grammar"] == 0.0
    assert scope["rejected_by_grammar_or_executor"] == 1.0
