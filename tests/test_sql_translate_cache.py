"""The cached SQL translation keeps every read-only check and agrees with a fresh one."""

from __future__ import annotations

import hashlib

import pytest

from parseinstr import ParseError, UnsafeOperationError
from parseinstr.environments.sql import SqlEnvironment
from parseinstr.environments.sql_backends import (
    _mysql_semantics,
    parse_read_only,
    translate_query,
)

QUERIES = [
    "SELECT title FROM product ORDER BY price DESC LIMIT 2",
    "SELECT id / 4 FROM product",
    "SELECT category , COUNT( * ) FROM product GROUP BY category",
    "SELECT name FROM customer UNION SELECT title FROM product",
]


@pytest.mark.parametrize("dialect", ["sqlite", "duckdb"])
@pytest.mark.parametrize("sql", QUERIES)
def test_cached_translation_equals_fresh(sql: str, dialect: str) -> None:
    fresh = _mysql_semantics(parse_read_only(sql), dialect).sql(dialect=dialect)
    first, again = translate_query(sql, dialect), translate_query(sql, dialect)
    assert first is again and first.sql == fresh
    assert first.ordered == (parse_read_only(sql).args.get("order") is not None)


def test_refusals_are_never_cached() -> None:
    before = translate_query.cache_info().currsize
    for _ in range(2):
        with pytest.raises(UnsafeOperationError):
            translate_query("SELECT name FROM customer ; DELETE FROM customer", "sqlite")
    assert translate_query.cache_info().currsize == before


def test_environment_runs_twice_and_stays_read_only(shop_db) -> None:
    digest = hashlib.sha256(shop_db.read_bytes()).hexdigest()
    with SqlEnvironment(shop_db) as env:
        form = "SELECT title FROM product ORDER BY price DESC"
        first, second = env.execute(form), env.execute(form)
        assert first.rows == second.rows and first.ordered and second.ordered
        for _ in range(2):  # a form outside the grammar is refused every time
            with pytest.raises(ParseError):
                env.execute("DELETE FROM customer")
        with pytest.raises(UnsafeOperationError):
            env.run_unchecked("DELETE FROM customer")
    assert hashlib.sha256(shop_db.read_bytes()).hexdigest() == digest
