"""The SQL tables environment: read-only questions over a SQLite or DuckDB database.

Logical forms are SELECT queries in text2sql-data's MySQL dialect, admitted by
``grammars/sql.lark`` specialised to the database's schema (see ``sql_schema``), and run
on a read-only backend (see ``sql_backends``).

Denotations (:class:`SqlDenotation`) are the result rows. Comparison
(:func:`same_result`) ignores column names and keeps column order; rows are a multiset
unless the outermost query has ORDER BY, in which case their order matters; numbers are
equal within a relative tolerance of 1e-6 (an integer equals the same real number), text
must match exactly, NULL equals NULL.
"""

from __future__ import annotations

import functools
import math
import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.table import Table as RichTable

from parseinstr.decoding.restrict import instruction_spans, quoted
from parseinstr.environment import CrossCheck, Demo, Environment
from parseinstr.errors import ExecutionError, ParseError, UsageError
from parseinstr.grammar import Grammar
from parseinstr.registry import register_environment

from .sql_backends import Backend, DuckDBBackend, SQLiteBackend, open_database
from .sql_corrupt import sql_corruptions
from .sql_doubts import sql_doubt
from .sql_explain import explain_tree
from .sql_link import ValueIndex
from .sql_schema import Schema, specialise
from .sql_worlds import fictitious_copy

if TYPE_CHECKING:  # pragma: no cover
    from parseinstr.synthesis import SamplingPolicy

REL_TOL = 1e-6


@dataclass(frozen=True)
class SqlDenotation:
    """Result rows of a query; ``ordered`` when the outermost query has ORDER BY."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    ordered: bool = False
    truncated: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "columns": list(self.columns),
            "rows": [list(r) for r in self.rows],
            "ordered": self.ordered,
            "truncated": self.truncated,
        }

    def is_empty(self) -> bool:
        return not self.rows or all(all(v is None for v in r) for r in self.rows)

    def __rich__(self) -> RichTable:
        table = RichTable(
            *self.columns,
            title=f"{len(self.rows)} row{'' if len(self.rows) == 1 else 's'}"
            + (" (truncated)" if self.truncated else ""),
        )
        for row in self.rows[:50]:
            table.add_row(*("NULL" if v is None else str(v) for v in row))
        if len(self.rows) > 50:
            table.caption = f"showing 50 of {len(self.rows)} rows"
        return table


def _norm(value: Any) -> Any:
    """A value in comparable form: numbers as float (bool as int), others unchanged."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    try:  # Decimal and other numeric types from drivers
        from decimal import Decimal

        if isinstance(value, Decimal):
            return float(value)
    except ImportError:  # pragma: no cover
        pass
    return value


def _value_equal(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-12)
    return type(a) is type(b) and a == b


def _sort_key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    key = []
    for v in row:
        if v is None:
            key.append((0, 0.0, ""))
        elif isinstance(v, float):
            key.append((1, float(f"{v:.5g}") if math.isfinite(v) else v, ""))
        else:
            key.append((2, 0.0, str(v)))
    return tuple(key)


def same_result(a: SqlDenotation, b: SqlDenotation) -> bool:
    """Whether two results are equal (see the module docstring for the rules)."""
    if len(a.rows) != len(b.rows):
        return False
    rows_a = [tuple(_norm(v) for v in r) for r in a.rows]
    rows_b = [tuple(_norm(v) for v in r) for r in b.rows]
    if any(len(r) != len(rows_a[0]) for r in rows_a + rows_b) if rows_a else False:
        return False
    if not (a.ordered or b.ordered):
        # Multiset: exact matches first (cheap), the rest paired after sorting.
        ca, cb = Counter(rows_a), Counter(rows_b)
        common = ca & cb
        rows_a = sorted((ca - common).elements(), key=_sort_key)
        rows_b = sorted((cb - common).elements(), key=_sort_key)
    return all(
        len(ra) == len(rb) and all(_value_equal(x, y) for x, y in zip(ra, rb, strict=True))
        for ra, rb in zip(rows_a, rows_b, strict=True)
    )


@functools.lru_cache(maxsize=32)
def _specialised(base: Grammar, schema: Schema) -> Grammar:
    return specialise(base, schema)


# A column (``alias.COLUMN`` or ``COLUMN``) compared by = or <> with a string literal.
_TEXT_COMPARISON = re.compile(
    r"""(?:\b\w+\.)?(\w+)\s*(?:=|<>|!=)\s*(?:"((?:[^"]|"")*)"|'((?:[^']|'')*)')"""
)
_ACCEPTED_CAP = 4096  # forms remembered as in the grammar, per environment


@register_environment
class SqlEnvironment(Environment):
    """Questions over one database, answered by read-only SELECT queries.

    Args:
        db: a SQLite file, a DuckDB file, or a folder of CSV files (one table each).
        backend: ``sqlite`` (default) or ``duckdb``.
        time_limit: seconds a query may run before it is stopped.
        max_rows: rows fetched at most; a longer result is marked ``truncated``.

    Example:
        >>> env = SqlEnvironment("geo.sqlite")                      # doctest: +SKIP
        >>> env.execute("SELECT COUNT( * ) FROM state").rows        # doctest: +SKIP
        ((51,),)
    """

    name: ClassVar[str] = "sql"
    option_names: ClassVar[tuple[str, ...]] = ("db", "backend")
    bundled_model: ClassVar[str | None] = "models/sql"
    bundled_model_command: ClassVar[str | None] = (
        "parseinstr train text2sql --data environments/data/sql/geography/geography.json "
        "--split question --part train --out environments/models/sql --epochs 80 --synthetic 6000 "
        "--synthetic-ratio 1.0 --max-minutes 28 --half --output-split spaces"
    )

    @classmethod
    def demo(cls) -> Demo:
        """Questions over the bundled GeoQuery database."""
        return Demo(
            "Questions over GeoQuery's US geography database",
            {"db": Path(__file__).resolve().parent / "data/sql/geography/geography.sqlite"},
            [
                "what is the capital of texas",
                "how many states border colorado",
                "what is the population of the largest city in california",
                "which rivers run through utah",
                "what is the highest point in the smallest state",
            ],
        )

    def __init__(
        self,
        db: str | Path,
        backend: str = "sqlite",
        time_limit: float = 10.0,
        max_rows: int = 10_000,
    ) -> None:
        limits = {"time_limit": time_limit, "max_rows": max_rows}
        self._setup(Path(db), backend, limits, open_database(Path(db), backend, **limits))

    def _setup(self, db: Path, backend_name: str, limits: dict[str, Any], backend: Backend) -> None:
        self.db = db
        self.backend_name = backend_name
        self.limits = limits
        self.backend: Backend = backend
        self._other: Backend | None = None
        self._values: ValueIndex | None = None
        self._accepted: dict[str, None] = {}  # forms known to parse (insertion-ordered)

    @classmethod
    def _from_options(cls, **options: Any) -> SqlEnvironment:
        if "db" not in options:
            raise UsageError("the sql environment needs --db PATH (SQLite/DuckDB file, CSV folder)")
        return cls(**options)

    @property
    def schema(self) -> Schema:
        """The database's tables and columns."""
        return self.backend.schema()

    def grammar(self) -> Grammar:
        """The SQL grammar specialised to this database (cached per schema)."""
        return _specialised(self.base_grammar(), self.schema)

    def execute(self, form: str) -> SqlDenotation:
        """Parse ``form`` with the specialised grammar, then run it read-only.

        A form that parsed once is remembered (the grammar of an instance never changes),
        so running the chosen candidate again after execution-guided selection does not
        parse it twice; forms that fail are parsed (and raise) every time. The backend's
        read-only checks run on every call regardless.
        """
        if form not in self._accepted:
            self.parse(form)
            if len(self._accepted) >= _ACCEPTED_CAP:
                self._accepted.pop(next(iter(self._accepted)))
            self._accepted[form] = None
        return self.run_unchecked(form)

    def run_unchecked(self, form: str, backend: Backend | None = None) -> SqlDenotation:
        """Run ``form`` without the grammar; the backend's own safety layers still apply."""
        backend = backend or self.backend
        result = backend.run(form)
        # The backend has checked and translated the form: reuse its parse (cached).
        ordered = backend.translation(form).ordered
        return SqlDenotation(result.columns, result.rows, ordered, result.truncated)

    def same_denotation(self, a: SqlDenotation, b: SqlDenotation) -> bool:  # type: ignore[override]
        return same_result(a, b)

    def fictitious(  # type: ignore[override]
        self, rng: random.Random, literals: Sequence[str] = ()
    ) -> SqlEnvironment | None:
        """An in-memory copy of the database with its number columns redrawn
        (:func:`sql_worlds.fictitious_copy`); None on a DuckDB file."""
        if not isinstance(self.backend, SQLiteBackend):
            return None
        conn = fictitious_copy(self.backend.conn, self.schema, rng, literals)
        env = SqlEnvironment.__new__(SqlEnvironment)
        env._setup(self.db, "sqlite", dict(self.limits), SQLiteBackend(conn=conn, **self.limits))
        return env

    def describe(self) -> str:
        """One line per table: ``table: column (type), ...``."""
        return "\n".join(
            f"{t.name}: " + ", ".join(f"{c.name} ({c.kind})" for c in t.columns)
            for t in self.schema.tables
        )

    def link(self, instruction: str) -> str:
        """Columns holding the values the instruction names (see ``sql_link``)."""
        if self._values is None:
            self._values = ValueIndex(self.backend)
        return self._values.link(instruction)

    def mention_values(self, instruction: str) -> list[tuple[int, int, str]]:
        """Spans naming stored values, spelled as stored (for copy slots)."""
        if self._values is None:
            self._values = ValueIndex(self.backend)
        return self._values.mentions(instruction)

    def literal_lexemes(self, instruction: str) -> dict[str, list[str]]:
        """String literals a query for ``instruction`` may hold: the stored values the
        instruction names (as the database spells them), or, when it names none, any span
        of its words as typed. Constrained decoding copies values instead of recalling them
        (so "dallas" cannot come out as "san franc")."""
        if self._values is None:
            self._values = ValueIndex(self.backend)
        values = self._values.values_named(instruction) or instruction_spans(instruction)
        return {"STRING": quoted(values)}

    def explain(self, form: str) -> str:
        """The query in plain English (see ``sql_explain``)."""
        return explain_tree(self.parse(form))

    def sampling_policy(self) -> SamplingPolicy:
        """Sampled queries favouring negations and superlatives (see ``sql_synth``)."""
        from .sql_synth import SqlPolicy

        return SqlPolicy(self)

    def verbalize(self, form: str, rng: random.Random, meta: Any = None) -> list[str]:
        """Varied English for a sampled query (see ``sql_synth``)."""
        from .sql_synth import verbalize

        return verbalize(self, form, rng, meta)

    def doubt(self, form: str, denotation: SqlDenotation) -> str | None:  # type: ignore[override]
        """A text column compared (``=``, ``<>``) with a value it never holds: the query
        runs (an empty list, a count of 0, every row), but the value belongs to another
        column ("texas" as a city) or the column is the wrong one. Also a column
        compared with itself (:mod:`.sql_doubts`)."""
        reason = sql_doubt(form)
        if reason is not None:
            return reason
        if self._values is None:
            self._values = ValueIndex(self.backend)
        for match in _TEXT_COMPARISON.finditer(form):
            column = match.group(1)
            if match.group(2) is not None:
                value = match.group(2).replace('""', '"')
            else:
                value = match.group(3).replace("''", "'")
            if self._values.holds(column, value) is False:
                return f'{column} never holds "{value}"'
        return None

    def is_trivial(self, form: str, denotation: SqlDenotation) -> bool:  # type: ignore[override]
        """Whether the query's WHERE keeps every row of its table (see ``sql_synth``)."""
        from .sql_synth import is_trivial

        return is_trivial(self, form, denotation)

    def corruptions(self, form: str) -> list[tuple[str, str]]:
        """Wrong variants of ``form`` (CONVENTIONS, SQL): a column of another table, a
        string compared with a number column, an alias out of scope, a missing table."""
        return sql_corruptions(self.schema, form)

    def other_backend(self) -> Backend:
        """The second backend for cross-checks (DuckDB for SQLite data), opened once."""
        if self._other is None:
            if isinstance(self.backend, SQLiteBackend):
                self._other = DuckDBBackend(source=self.backend, **self.limits)
            else:
                raise UsageError("cross-checking needs SQLite data (a DuckDB file has one backend)")
        return self._other

    def crosscheck(self, form: str, denotation: SqlDenotation) -> CrossCheck | None:  # type: ignore[override]
        """Run ``form`` on DuckDB too and compare (only for SQLite-backed data)."""
        if not isinstance(self.backend, SQLiteBackend):
            return None
        try:
            other = self.run_unchecked(form, self.other_backend())
        except (ExecutionError, ParseError) as exc:
            return CrossCheck("duckdb", compared=False, agree=False, reason=str(exc))
        agree = same_result(denotation, other)
        reason = (
            None
            if agree
            else (
                f"sqlite {denotation.to_json()['rows'][:5]} vs duckdb {other.to_json()['rows'][:5]}"
            )
        )
        return CrossCheck("duckdb", True, agree, not denotation.is_empty(), reason)

    def close(self) -> None:
        self.backend.close()
        if self._other is not None:
            self._other.close()
