"""Read-only SQL backends: SQLite (the embedded default) and DuckDB.

Safety in depth. The grammar admits only SELECT; below it, every backend:

1. parses the query with sqlglot and refuses anything but one SELECT (or a set operation
   of SELECTs), so INSERT, UPDATE, DELETE, DROP, ATTACH and PRAGMA never reach a driver;
2. opens databases read-only (SQLite ``mode=ro`` URI; DuckDB ``read_only=True``);
3. SQLite: an authorizer that denies every action but reading, selecting and calling
   functions (so no write, ATTACH or PRAGMA even if the first layer is bypassed);
   DuckDB copies of SQLite data live in memory with external access disabled and the
   configuration locked;
4. stops a query at its time limit (SQLite progress handler; DuckDB ``interrupt``) and
   fetches at most ``max_rows`` rows (the result says when it was truncated).

Queries are written in text2sql-data's MySQL dialect (strings in double quotes) and are
transpiled by sqlglot to the backend's dialect; literal values are quoted by sqlglot's
generator, never spliced in as text. MySQL semantics are kept where backends differ:
``/`` divides as real numbers and ``LIKE`` ignores case.
"""

from __future__ import annotations

import csv
import functools
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import sqlglot
from sqlglot import exp

from parseinstr.errors import (
    DataError,
    ExecutionError,
    TimeLimitError,
    UnknownNameError,
    UnsafeOperationError,
)

from .sql_schema import Column, Schema, Table, affinity_kind

SOURCE_DIALECT = "mysql"
_READ_ONLY_ROOTS = (exp.Select, exp.Union, exp.Intersect, exp.Except)


@dataclass(frozen=True)
class RawResult:
    """Columns and rows a backend returned; ``truncated`` when the row cap cut it."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    truncated: bool


def parse_read_only(sql: str) -> exp.Expression:
    """Parse ``sql`` (MySQL dialect) and return its tree if it is one read-only query.

    Raises:
        UnsafeOperationError: it is not a single SELECT (or UNION/INTERSECT/EXCEPT of them),
            or it contains a write, ATTACH, PRAGMA or other command anywhere inside.
        ExecutionError: sqlglot cannot parse it.
    """
    first_word = sql.lstrip(" \t\r\n(").split(None, 1)[0].upper() if sql.strip() else ""
    if first_word not in {"SELECT", "WITH"}:
        shown = first_word or "an empty query"
        raise UnsafeOperationError(f"refused: only SELECT queries may run, not {shown}")
    try:
        statements = sqlglot.parse(sql, read=SOURCE_DIALECT)
    except sqlglot.errors.ParseError as exc:
        first = str(exc).splitlines()[0]
        raise ExecutionError(f"cannot parse SQL: {first}") from None
    statements = [s for s in statements if s is not None]
    if len(statements) != 1:
        raise UnsafeOperationError(
            f"refused: expected exactly one SELECT statement, got {len(statements)} statements"
        )
    tree = statements[0]
    if not isinstance(tree, _READ_ONLY_ROOTS):
        kind = tree.key.upper() if hasattr(tree, "key") else type(tree).__name__
        raise UnsafeOperationError(f"refused: only SELECT queries may run, not {kind}")
    banned = (
        exp.Insert,
        exp.Update,
        exp.Delete,
        exp.Drop,
        exp.Create,
        exp.Alter,
        exp.Command,
        exp.Pragma,
        exp.Attach,
        exp.Detach,
        exp.Into,
        exp.Set,
    )
    for node in tree.walk():
        if isinstance(node, banned):
            raise UnsafeOperationError(f"refused: {node.key.upper()} is not allowed in a query")
    return tree


def _mysql_semantics(tree: exp.Expression, dialect: str, copy: bool = True) -> exp.Expression:
    """Rewrite a query so every backend computes the same, well-defined result.

    - ``/`` divides as real numbers (MySQL), also on SQLite where int/int truncates;
    - ``LIKE`` ignores case (MySQL, SQLite), also on DuckDB;
    - ORDER BY ... LIMIT breaks ties by the selected columns, so which rows survive the
      limit does not depend on the engine (SQL leaves ties unspecified);
    - on DuckDB, a selected column that is neither grouped nor aggregated is wrapped in
      ANY_VALUE, as SQLite and MySQL read it.
    """

    def fix(node: exp.Expression) -> exp.Expression:
        if dialect == "sqlite" and isinstance(node, exp.Div):
            left = exp.Cast(this=node.this, to=exp.DataType.build("REAL"))
            return exp.Div(this=left, expression=node.expression)
        if dialect == "duckdb" and isinstance(node, exp.Like):
            return exp.ILike(this=node.this, expression=node.expression)
        if isinstance(node, exp.Select):
            if dialect == "duckdb":
                _any_value_for_bare_columns(node)
            _break_ties(node)
        return node

    return tree.transform(fix, copy=copy)


@dataclass(frozen=True)
class Translation:
    """A query checked as read-only and written in one backend's dialect."""

    sql: str
    ordered: bool  # the outermost query has ORDER BY (its rows' order is part of the result)


@functools.lru_cache(maxsize=4096)
def translate_query(sql: str, dialect: str) -> Translation:
    """``sql`` (MySQL dialect) checked by :func:`parse_read_only`, rewritten by
    :func:`_mysql_semantics` and written in ``dialect``.

    A pure function of its two strings, so it is cached: execution-guided selection runs
    the chosen candidate twice and evaluation sees the same queries again, and sqlglot's
    parse, rewrite and generation were most of the cost of running a GeoQuery query. A
    query that fails a check raises and is not cached (it is checked again every time),
    so the cache never lets an unchecked string through. The tree is parsed here and
    rewritten in place (no copy).
    """
    tree = parse_read_only(sql)
    ordered = tree.args.get("order") is not None
    fixed = _mysql_semantics(tree, dialect, copy=False)
    return Translation(fixed.sql(dialect=dialect), ordered)


def _break_ties(select: exp.Select) -> None:
    order, limit = select.args.get("order"), select.args.get("limit")
    if order is None or limit is None:
        return
    keys = {o.this.sql() for o in order.expressions}
    for item in select.expressions:
        target = item.this if isinstance(item, exp.Alias) else item
        if isinstance(target, exp.Star) or target.sql() in keys:
            continue
        keys.add(target.sql())
        order.append("expressions", exp.Ordered(this=target.copy(), desc=False))


def _any_value_for_bare_columns(select: exp.Select) -> None:
    group = select.args.get("group")
    if group is None:
        return
    grouped = {g.sql().lower() for g in group.expressions}
    for item in select.expressions:
        target = item.this if isinstance(item, exp.Alias) else item
        if isinstance(target, exp.Column) and target.sql().lower() not in grouped:
            target.replace(exp.AnyValue(this=target.copy()))


class Backend:
    """A read-only connection to one database; subclasses differ by dialect and driver."""

    dialect: ClassVar[str]

    def __init__(self, time_limit: float = 10.0, max_rows: int = 10_000) -> None:
        self.time_limit = time_limit
        self.max_rows = max_rows

    def schema(self) -> Schema:
        """The database's tables and columns."""
        raise NotImplementedError

    def translation(self, sql: str) -> Translation:
        """``sql`` (MySQL dialect) checked as read-only, in this dialect (cached)."""
        return translate_query(sql, self.dialect)

    def translate(self, sql: str) -> str:
        """``sql`` (MySQL dialect) checked as read-only and written in this dialect."""
        return self.translation(sql).sql

    def run(self, sql: str) -> RawResult:
        """Check, translate and execute ``sql``; raise ``ExecutionError`` subclasses."""
        return self._execute(self.translate(sql))

    def _execute(self, sql: str) -> RawResult:
        """Execute SQL already in this dialect (still read-only at the driver level)."""
        raise NotImplementedError

    def close(self) -> None:
        """Close the connection."""


# --------------------------------------------------------------------------- SQLite

_SQLITE_ALLOWED = {
    sqlite3.SQLITE_SELECT,
    sqlite3.SQLITE_READ,
    sqlite3.SQLITE_FUNCTION,
    getattr(sqlite3, "SQLITE_RECURSIVE", 33),
}


def _authorizer(action: int, *_: Any) -> int:
    return sqlite3.SQLITE_OK if action in _SQLITE_ALLOWED else sqlite3.SQLITE_DENY


def _sqlite_schema(conn: sqlite3.Connection) -> Schema:
    tables = []
    names = conn.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
        "AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
    ).fetchall()
    for (name,) in names:
        info = conn.execute(f'PRAGMA table_info("{name}")').fetchall()
        cols = tuple(Column(r[1], r[2] or "", affinity_kind(r[2] or "")) for r in info)
        tables.append(Table(name, cols))
    return Schema(tuple(tables))


def _csv_value(text: str) -> Any:
    if text == "":
        return None
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def load_csv_folder(folder: Path) -> sqlite3.Connection:
    """An in-memory SQLite database with one table per ``*.csv`` file of ``folder``.

    Column types are inferred: INTEGER if every non-empty value is an integer, REAL if a
    number, else TEXT. Header names become column names (spaces replaced by ``_``).
    """
    files = sorted(folder.glob("*.csv"))
    if not files:
        raise DataError(f"--db {folder}: the folder holds no .csv files")
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    for path in files:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            try:
                header = [h.strip().replace(" ", "_") for h in next(reader)]
            except StopIteration:
                raise DataError(f"{path}: empty CSV file (no header row)") from None
            rows = [[_csv_value(v) for v in row] for row in reader]
        for i, row in enumerate(rows, start=2):
            if len(row) != len(header):
                raise DataError(f"{path}, line {i}: {len(row)} fields, header has {len(header)}")
        types = []
        for j in range(len(header)):
            values = [r[j] for r in rows if r[j] is not None]
            if values and all(isinstance(v, int) for v in values):
                types.append("INTEGER")
            elif values and all(isinstance(v, (int, float)) for v in values):
                types.append("REAL")
            else:
                types.append("TEXT")
        cols = ", ".join(f'"{h}" {t}' for h, t in zip(header, types, strict=True))
        conn.execute(f'CREATE TABLE "{path.stem}" ({cols})')
        marks = ", ".join("?" * len(header))
        conn.executemany(f'INSERT INTO "{path.stem}" VALUES ({marks})', rows)
    conn.commit()
    return conn


class SQLiteBackend(Backend):
    """SQLite through the standard library, read-only URI plus a deny-writes authorizer."""

    dialect = "sqlite"

    def __init__(
        self, path: Path | None = None, conn: sqlite3.Connection | None = None, **limits: Any
    ) -> None:
        super().__init__(**limits)
        if conn is None:
            if path is None:
                raise DataError("SQLiteBackend needs a path or a connection")
            uri = f"{Path(path).resolve().as_uri()}?mode=ro"
            try:
                conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.DatabaseError as exc:
                raise DataError(f"--db {path}: not a readable SQLite database ({exc})") from None
        self.conn = conn
        self._schema = _sqlite_schema(conn)
        conn.set_authorizer(_authorizer)

    def schema(self) -> Schema:
        return self._schema

    def rows_of(self, table: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        """All rows of ``table`` (for copying into another backend)."""
        cur = self.conn.execute(f'SELECT * FROM "{table}"')
        return [d[0] for d in cur.description], cur.fetchall()

    def _execute(self, sql: str) -> RawResult:
        deadline = time.monotonic() + self.time_limit
        self.conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 2000)
        try:
            cur = self.conn.execute(sql)
            rows = cur.fetchmany(self.max_rows + 1)
        except sqlite3.OperationalError as exc:
            if "interrupted" in str(exc):
                raise TimeLimitError(
                    f"query stopped after its time limit of {self.time_limit:g} s"
                ) from None
            raise ExecutionError(f"SQLite: {exc}") from None
        except sqlite3.Error as exc:
            if "not authorized" in str(exc):
                raise UnsafeOperationError(f"refused by the SQLite authorizer: {exc}") from None
            raise ExecutionError(f"SQLite: {exc}") from None
        finally:
            self.conn.set_progress_handler(None, 0)
        columns = tuple(d[0] for d in cur.description or ())
        truncated = len(rows) > self.max_rows
        return RawResult(columns, tuple(rows[: self.max_rows]), truncated)

    def close(self) -> None:
        self.conn.close()


# --------------------------------------------------------------------------- DuckDB


def _duck_type(column: Column) -> str:
    t = column.declared.upper()
    if column.kind == "text":
        return "VARCHAR"
    if "INT" in t:
        return "BIGINT"
    return "DOUBLE"


def _duckdb() -> Any:
    """The duckdb module, imported on first use: SQLite-only work (and every other
    environment) never pays for loading it."""
    import duckdb

    return duckdb


class DuckDBBackend(Backend):
    """DuckDB: a DuckDB file opened ``read_only``, or tables copied from another backend.

    Copies go through Python (never DuckDB's sqlite extension, which would be downloaded
    at run time), with each column's type kept.
    """

    dialect = "duckdb"

    def __init__(
        self, path: Path | None = None, source: SQLiteBackend | None = None, **limits: Any
    ) -> None:
        super().__init__(**limits)
        duckdb = _duckdb()
        if source is not None:
            self.conn = duckdb.connect(":memory:")
            self._schema = source.schema()
            for table in self._schema.tables:
                self._copy_table(source, table)
        elif path is not None:
            try:
                self.conn = duckdb.connect(str(path), read_only=True)
            except duckdb.Error as exc:
                raise DataError(f"--db {path}: not a readable DuckDB database ({exc})") from None
            self._schema = self._read_schema()
        else:
            raise DataError("DuckDBBackend needs a path or a source backend")
        self.conn.execute("SET enable_external_access = false")
        self.conn.execute("SET lock_configuration = true")

    def _copy_table(self, source: SQLiteBackend, table: Table) -> None:
        cols = ", ".join(f'"{c.name}" {_duck_type(c)}' for c in table.columns)
        self.conn.execute(f'CREATE TABLE "{table.name}" ({cols})')
        _, rows = source.rows_of(table.name)
        if rows:
            kinds = [c.kind for c in table.columns]
            clean = [tuple(_coerce(v, k) for v, k in zip(r, kinds, strict=True)) for r in rows]
            marks = ", ".join("?" * len(table.columns))
            self.conn.executemany(f'INSERT INTO "{table.name}" VALUES ({marks})', clean)

    def _read_schema(self) -> Schema:
        rows = self.conn.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'main' ORDER BY table_name, ordinal_position"
        ).fetchall()
        tables: dict[str, list[Column]] = {}
        for table, column, dtype in rows:
            tables.setdefault(table, []).append(Column(column, dtype, affinity_kind(dtype)))
        return Schema(tuple(Table(t, tuple(c)) for t, c in tables.items()))

    def schema(self) -> Schema:
        return self._schema

    def _execute(self, sql: str) -> RawResult:
        duckdb = _duckdb()
        timer = threading.Timer(self.time_limit, self.conn.interrupt)
        timer.start()
        try:
            cur = self.conn.execute(sql)
            rows = cur.fetchmany(self.max_rows + 1)
            columns = tuple(d[0] for d in cur.description or ())
        except duckdb.InterruptException:
            raise TimeLimitError(
                f"query stopped after its time limit of {self.time_limit:g} s"
            ) from None
        except duckdb.Error as exc:
            if "read-only" in str(exc).lower() or "permission" in str(exc).lower():
                raise UnsafeOperationError(f"refused by DuckDB: {exc}") from None
            raise ExecutionError(f"DuckDB: {str(exc).splitlines()[0]}") from None
        finally:
            timer.cancel()
        truncated = len(rows) > self.max_rows
        return RawResult(columns, tuple(rows[: self.max_rows]), truncated)

    def close(self) -> None:
        self.conn.close()


def _coerce(value: Any, kind: str) -> Any:
    """A SQLite value as DuckDB must store it in a column of ``kind``."""
    if value is None:
        return None
    if kind == "text":
        return value if isinstance(value, str) else str(value)
    if isinstance(value, (int, float)):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def open_database(path: Path, backend: str = "sqlite", **limits: Any) -> Backend:
    """Open ``path`` (a SQLite file, a DuckDB file or a folder of CSV files) on ``backend``.

    SQLite data (files and CSV folders) can run on either backend: DuckDB gets an in-memory
    copy. A DuckDB file runs on DuckDB only.
    """
    path = Path(path)
    if backend not in BACKENDS:
        raise UnknownNameError("backend", backend, BACKENDS)
    if not path.exists():
        raise DataError(f"--db {path}: no such file or folder")
    if path.is_dir():
        source = SQLiteBackend(conn=load_csv_folder(path), **limits)
    else:
        with path.open("rb") as fh:
            magic = fh.read(16)
        if magic.startswith(b"SQLite format 3"):
            source = SQLiteBackend(path, **limits)
        elif backend == "duckdb":
            return DuckDBBackend(path, **limits)
        else:
            raise DataError(
                f"--db {path}: not a SQLite database nor a folder of CSV files "
                "(a DuckDB file needs --backend duckdb)"
            )
    return source if backend == "sqlite" else DuckDBBackend(source=source, **limits)


BACKENDS = ("sqlite", "duckdb")
