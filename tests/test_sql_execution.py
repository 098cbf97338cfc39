"""SQL execution: both backends, denotations, safety in depth, time limit, CSV tables."""

from __future__ import annotations

import hashlib
import sqlite3

import duckdb
import pytest

from parseinstr import DataError, ExecutionError, TimeLimitError, UnsafeOperationError
from parseinstr.environments.sql import SqlDenotation, SqlEnvironment, same_result
from parseinstr.environments.sql_backends import DuckDBBackend, SQLiteBackend, parse_read_only

QUERIES = [
    "SELECT name FROM customer WHERE city = 'paris'",
    "SELECT category , SUM( price ) FROM product GROUP BY category",
    "SELECT title FROM product ORDER BY price DESC",
    "SELECT COUNT( DISTINCT customer_id ) FROM orders",
    "SELECT id / 4 FROM product",  # real division on both backends
    "SELECT title FROM product WHERE title LIKE 'L%'",  # case-insensitive on both
    "SELECT customer_id FROM orders GROUP BY customer_id ORDER BY COUNT( * ) DESC LIMIT 1",
    "SELECT name FROM customer WHERE city IS NULL",
]

WRITES = [
    "INSERT INTO customer VALUES ( 5 , 'eve' , 'nice' , 0 )",
    "UPDATE customer SET city = 'rome'",
    "DELETE FROM customer",
    "DROP TABLE customer",
    "ATTACH DATABASE 'evil.db' AS evil",
    "PRAGMA writable_schema = 1",
    "CREATE TABLE t ( x INT )",
    "SELECT name FROM customer ; DELETE FROM customer",
]


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("sql", QUERIES)
def test_sqlite_and_duckdb_agree(shop_db, sql):
    with SqlEnvironment(shop_db) as lite, SqlEnvironment(shop_db, backend="duckdb") as duck:
        a, b = lite.execute(sql), duck.execute(sql)
        assert lite.same_denotation(a, b), (a, b)
        check = lite.crosscheck(sql, a)
        assert check is not None and check.compared and check.agree


def test_real_division_and_case_insensitive_like(shop_db):
    with SqlEnvironment(shop_db) as env:
        assert env.execute("SELECT id / 4 FROM product WHERE id = 1").rows == ((0.25,),)
        assert env.execute("SELECT title FROM product WHERE title LIKE 'L%'").rows == (("lamp",),)


def test_ordered_only_with_order_by(shop_db):
    with SqlEnvironment(shop_db) as env:
        assert env.execute("SELECT title FROM product ORDER BY price").ordered
        assert not env.execute("SELECT title FROM product").ordered


def test_duckdb_copy_keeps_types(shop_db):
    with SqlEnvironment(shop_db, backend="duckdb") as env:
        types = dict(
            env.backend.conn.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = 'product'"
            ).fetchall()
        )
    assert types == {"id": "BIGINT", "title": "VARCHAR", "price": "DOUBLE", "category": "VARCHAR"}


def test_same_result_rules():
    bag = SqlDenotation(("a",), ((1,), (2,), (2,)))
    assert same_result(bag, SqlDenotation(("b",), ((2,), (1,), (2.0000000001,))))
    assert not same_result(bag, SqlDenotation(("a",), ((1,), (2,))))  # multiset, not set
    assert not same_result(bag, SqlDenotation(("a",), ((1,), (1,), (2,))))
    ordered = SqlDenotation(("a",), ((1,), (2,)), ordered=True)
    assert not same_result(ordered, SqlDenotation(("a",), ((2,), (1,))))
    assert same_result(ordered, SqlDenotation(("a",), ((1.0,), (2.0,)), ordered=True))
    assert not same_result(SqlDenotation(("a",), (("1",),)), SqlDenotation(("a",), ((1,),)))
    assert same_result(
        SqlDenotation(("a", "b"), ((None, "x"),)), SqlDenotation(("c", "d"), ((None, "x"),))
    )
    assert not same_result(SqlDenotation(("a",), ((1.0,),)), SqlDenotation(("a",), ((1.01,),)))


@pytest.mark.parametrize("sql", WRITES)
def test_writes_refused_by_grammar_and_engine(shop_db, sql):
    before = _sha(shop_db)
    for backend in ("sqlite", "duckdb"):
        with SqlEnvironment(shop_db, backend=backend) as env:
            with pytest.raises(Exception) as by_grammar:
                env.execute(sql)
            assert type(by_grammar.value).__name__ == "ParseError"
            with pytest.raises(UnsafeOperationError):  # the grammar skipped
                env.run_unchecked(sql)
    assert _sha(shop_db) == before


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM customer",
        "UPDATE customer SET city = 'x'",
        "DROP TABLE customer",
        "ATTACH DATABASE 'evil.db' AS evil",
        "PRAGMA writable_schema = 1",
    ],
)
def test_sqlite_driver_refuses_writes_even_below_the_checker(shop_db, sql, tmp_path):
    before = _sha(shop_db)
    backend = SQLiteBackend(shop_db)
    with pytest.raises(UnsafeOperationError):
        backend._execute(sql)  # the statement check skipped too: the authorizer refuses
    backend.close()
    assert _sha(shop_db) == before
    assert not (tmp_path / "evil.db").exists()


def test_duckdb_file_is_opened_read_only(tmp_path):
    path = tmp_path / "t.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t (x INTEGER, y VARCHAR)")
    con.execute("INSERT INTO t VALUES (1, 'a'), (2, 'b')")
    con.close()
    before = _sha(path)
    backend = DuckDBBackend(path)
    with pytest.raises(ExecutionError):
        backend._execute("DELETE FROM t")
    assert backend.run("SELECT SUM( x ) FROM t").rows == ((3,),)
    backend.close()
    assert _sha(path) == before
    with SqlEnvironment(path, backend="duckdb") as env:
        assert env.execute("SELECT y FROM t WHERE x = 2").rows == (("b",),)


def test_parse_read_only_rejects_hidden_writes():
    with pytest.raises(UnsafeOperationError):
        parse_read_only("WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x")


@pytest.mark.parametrize("backend", ["sqlite", "duckdb"])
def test_time_limit_stops_query_and_process_stays_usable(tmp_path, backend):
    path = tmp_path / "big.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE n (v INTEGER)")
    conn.executemany("INSERT INTO n VALUES (?)", [(i,) for i in range(2000)])
    conn.commit()
    conn.close()
    slow = (
        "SELECT COUNT( * ) FROM n AS nalias0 , n AS nalias1 , n AS nalias2 , n AS nalias3"
        " WHERE ( nalias0.v * nalias1.v + nalias2.v * nalias3.v ) % 1000 = 999"
    )
    with SqlEnvironment(path, backend=backend, time_limit=0.5) as env:
        with pytest.raises(TimeLimitError, match="time limit"):
            env.execute(slow)
        assert env.execute("SELECT COUNT( * ) FROM n").rows == ((2000,),)


def test_row_cap_truncates(shop_db):
    with SqlEnvironment(shop_db, max_rows=2) as env:
        result = env.execute("SELECT id FROM orders")
    assert len(result.rows) == 2 and result.truncated


def test_csv_folder_as_database(tmp_path):
    folder = tmp_path / "tables"
    folder.mkdir()
    (folder / "pets.csv").write_text("name,legs,weight\ncat,4,4.5\nbird,2,0.1\nsnake,0,\n")
    with SqlEnvironment(folder) as env:
        kinds = {c.name: c.kind for c in env.schema.table("pets").columns}
        assert kinds == {"name": "text", "legs": "num", "weight": "num"}
        assert env.execute("SELECT name FROM pets WHERE legs > 1 ORDER BY legs").rows == (
            ("bird",),
            ("cat",),
        )
        assert "pets: name (text), legs (num), weight (num)" in env.describe()


def test_bad_database_paths(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        SqlEnvironment(tmp_path / "missing.sqlite")
    junk = tmp_path / "junk.sqlite"
    junk.write_text("not a database")
    with pytest.raises(DataError, match="not a SQLite"):
        SqlEnvironment(junk)
    with pytest.raises(DataError, match="no .csv files"):
        SqlEnvironment(tmp_path)


def test_alias_out_of_scope_is_an_execution_error(shop_db):
    # Alias scope is context-sensitive: the grammar admits it, the engine reports it.
    with SqlEnvironment(shop_db) as env, pytest.raises(ExecutionError):
        env.execute("SELECT CUSTOMERalias1.NAME FROM CUSTOMER AS CUSTOMERalias0")


def test_link_names_columns_holding_mentioned_values(shop_db):
    with SqlEnvironment(shop_db) as env:
        assert env.link("who bought a desk in Paris?") == "desk: title | paris: city"
        assert env.link("nothing to see") == ""


def test_model_input_carries_links(shop_db):
    from parseinstr.parser import model_input

    with SqlEnvironment(shop_db) as env:
        assert model_input("lamps for bob", env, False, True) == ("lamps for bob", "bob: name")
        assert model_input("lamps for bob", env, False, False) == ("lamps for bob", None)
        first, second = model_input("lamps for bob", env, True, True)
        assert second.startswith("bob: name | customer: id (num)")


def test_sqlite_work_does_not_load_duckdb(tmp_path) -> None:
    """DuckDB is imported when a DuckDB backend is made, not by SQLite work (a machine
    without it can still run every other environment)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from parseinstr import get_task\n"
        "task = get_task('text2sql')\n"
        "assert 'duckdb' not in sys.modules, 'duckdb imported'\n"
        "from parseinstr.environments.sql_backends import DuckDBBackend, SQLiteBackend\n"
        "assert 'duckdb' not in sys.modules\n"
    )
    # Run away from the checkout, so the installed package is the one imported.
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
