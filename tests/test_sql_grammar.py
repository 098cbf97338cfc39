"""The SQL grammar: what the specialised grammar accepts and rejects, and specialisation."""

from __future__ import annotations

import pytest

from parseinstr import Grammar, ParseError
from parseinstr.environments.sql import SqlEnvironment
from parseinstr.environments.sql_schema import Column, Schema, Table, specialise

ACCEPT = [
    "SELECT CUSTOMERalias0.NAME FROM CUSTOMER AS CUSTOMERalias0 WHERE CUSTOMERalias0.CITY = 'paris'",
    "SELECT name FROM customer WHERE city IS NOT NULL ORDER BY name DESC LIMIT 2",
    "select customer.name from customer where customer.id between 1 and 3",
    "SELECT COUNT( * ) FROM orders ;",
    "SELECT product.title FROM product AS productalias0 , product",
    "SELECT PRODUCTalias0.TITLE FROM PRODUCT AS PRODUCTalias0 LEFT OUTER JOIN ORDERS AS ORDERSalias0"
    " ON ORDERSalias0.PRODUCT_ID = PRODUCTalias0.ID WHERE ORDERSalias0.ID IS NULL",
    "SELECT title FROM product WHERE title LIKE 'l%' UNION SELECT name FROM customer",
    "SELECT id FROM product INTERSECT SELECT product_id FROM orders EXCEPT SELECT 4 FROM orders",
    "SELECT name FROM customer AS CUSTOMERalias0 WHERE EXISTS ( SELECT * FROM orders AS ORDERSalias0"
    " WHERE ORDERSalias0.CUSTOMER_ID = CUSTOMERalias0.ID )",
    "SELECT name FROM customer WHERE NOT city IN ( 'paris' , 'lyon' )",
    "SELECT price * 2 + 1 , - price / 3 FROM product WHERE price % 2 > 0.5",
    "SELECT category , AVG( DISTINCT price ) FROM product GROUP BY category HAVING MIN( price ) < 50",
    "SELECT MAX( title ) FROM product",
    "SELECT DERIVED_TABLEalias0.category FROM ( SELECT category , COUNT( 1 ) AS DERIVED_FIELDalias0"
    " FROM product GROUP BY category ) AS DERIVED_TABLEalias0 WHERE"
    " DERIVED_TABLEalias0.DERIVED_FIELDalias0 > 1",
    "SELECT name FROM customer WHERE ( city = 'paris' OR vip = 1 ) AND NOT id = 2",
    'SELECT name FROM customer WHERE city = "paris"',
    "SELECT title FROM product WHERE price > ( SELECT AVG( price ) FROM product )",
]

REJECT = {
    "table that does not exist": "SELECT name FROM supplier",
    "column that does not exist": "SELECT email FROM customer",
    "column taken from another table": "SELECT CUSTOMERalias0.PRICE FROM CUSTOMER AS CUSTOMERalias0",
    "alias of another table": "SELECT name FROM customer AS PRODUCTalias0",
    "string compared with a number column": "SELECT title FROM product WHERE price = 'cheap'",
    "number compared with a text column": "SELECT title FROM product WHERE title > 3",
    "sum of a text column": "SELECT SUM( title ) FROM product",
    "two-column subquery as a value": "SELECT title FROM product WHERE price = ( SELECT id , price FROM product )",
    "text subquery after a number IN": "SELECT title FROM product WHERE id IN ( SELECT title FROM product )",
    "qualifier that names no table": "SELECT p.title FROM product AS productalias0",
    "insert": "INSERT INTO customer VALUES ( 5 , 'eve' , 'nice' , 0 )",
    "update": "UPDATE customer SET city = 'rome'",
    "delete": "DELETE FROM customer",
    "drop": "DROP TABLE customer",
    "attach": "ATTACH DATABASE 'x.db' AS x",
    "pragma": "PRAGMA writable_schema = 1",
    "two statements": "SELECT name FROM customer ; DELETE FROM customer",
    "truncated": "SELECT name FROM customer WHERE",
}


@pytest.fixture
def env(shop_db):
    with SqlEnvironment(shop_db) as e:
        yield e


@pytest.mark.parametrize("form", ACCEPT)
def test_specialised_grammar_accepts(env, form):
    assert env.grammar().accepts(form), form


@pytest.mark.parametrize("why", sorted(REJECT))
def test_specialised_grammar_rejects(env, why):
    with pytest.raises(ParseError):
        env.parse(REJECT[why])


def test_parse_error_has_position_and_expected(env):
    with pytest.raises(ParseError) as info:
        env.parse("SELECT name FROM supplier")
    err = info.value
    assert (err.line, err.column) == (1, 18)
    assert "'customer'" in err.expected and "'product'" in err.expected
    assert "line 1, column 18" in str(err)


def test_truncated_form_reports_end_of_input(env):
    with pytest.raises(ParseError) as info:
        env.parse("SELECT name FROM customer WHERE")
    assert "end of input" in str(info.value)
    assert info.value.expected


def test_specialisation_is_pure_and_per_schema():
    base = Grammar.load("sql")
    text_before = base.text
    one = Schema((Table("a", (Column("x", "INTEGER", "num"),)),))
    two = Schema((Table("b", (Column("y", "TEXT", "text"),)),))
    g1, g2 = specialise(base, one), specialise(base, two)
    assert base.text == text_before
    assert g1.accepts("SELECT x FROM a WHERE x > 1")
    assert not g1.accepts("SELECT y FROM b")
    assert g2.accepts("SELECT y FROM b WHERE y = 'q'")
    assert not g2.accepts("SELECT x FROM a")
    assert g1.hash != g2.hash != base.hash


def test_base_grammar_names_no_table():
    # The base grammar is generic: it admits only placeholders until specialised.
    base = Grammar.load("sql")
    assert not base.accepts("SELECT state_name FROM state")
    assert base.accepts("SELECT <text column> FROM <table>")


def test_unusual_names_are_refused_clearly():
    from parseinstr import DataError

    bad = Schema((Table("my table", (Column("x", "INTEGER", "num"),)),))
    with pytest.raises(DataError, match="my table"):
        specialise(Grammar.load("sql"), bad)
