"""Fictitious databases: the same schema and names, other numbers and pairings.

Two queries that return the same rows on one database may mean different things
(``population > 30`` keeps every state, as "how many states are there" does, only
because no state is that small; the state whose capital is Denver is the state Denver is
in). On a copy whose number columns are redrawn and whose text columns have some values
swapped between rows they part. Text columns keep their values (names are what tables
join on; redrawing them would empty every join): a fifth of each column's values change
rows, and a text the compared queries name may take a row's place. Each number column is
redrawn over its own span, whole where it was whole, with the numbers the queries name
set into it half the time (so ``> 750`` and ``>= 750`` part); a column whose values all
differ keeps them all different (a maximum stays one row). The copy lives in memory; the
database file is never opened for writing.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Sequence
from typing import Any

from parseinstr.worlds import redraw_numbers

from .sql_schema import Schema


def _numbers(literals: Sequence[str]) -> list[float]:
    out = []
    for literal in literals:
        try:
            out.append(float(literal))
        except ValueError:
            continue
    return out


def _texts(literals: Sequence[str]) -> list[str]:
    return [t for t in literals if _numbers([t]) == []]


def _shuffle_some(
    copy: sqlite3.Connection, table: str, column: str, extra: list[str], rng: random.Random
) -> None:
    """Swap a fifth of a text column's values between rows, and let a named text in."""
    rowids = [
        r for (r,) in copy.execute(f'SELECT rowid FROM "{table}" WHERE "{column}" IS NOT NULL')
    ]
    if len(rowids) < 2:
        return
    names = [d[1] for d in copy.execute(f'PRAGMA table_info("{table}")')]
    for _ in range(max(1, len(rowids) // 5)):
        a, b = rng.sample(rowids, 2)
        va, vb = (_cell(copy, table, column, r) for r in (a, b))
        if _new_fact(copy, table, column, names, a, vb, b) or _new_fact(
            copy, table, column, names, b, va, a
        ):
            continue
        _set(copy, table, column, [(vb, a), (va, b)])
    for text in extra:
        row = rng.choice(rowids)
        if rng.random() < 0.25 and not _new_fact(copy, table, column, names, row, text, row):
            _set(copy, table, column, [(text, row)])


def _cell(copy: sqlite3.Connection, table: str, column: str, rowid: int) -> Any:
    return copy.execute(f'SELECT "{column}" FROM "{table}" WHERE rowid = ?', (rowid,)).fetchone()[0]


def _new_fact(
    copy: sqlite3.Connection,
    table: str,
    column: str,
    names: list[str],
    rowid: int,
    value: Any,
    other: int,
) -> bool:
    """Whether giving row ``rowid`` ``value`` in ``column`` would repeat, with some other
    column, a pair another row (not ``other``, which changes too) already has: a real
    table lists a fact once, and a repeated one would part ``DISTINCT`` from its absence."""
    row = dict(
        zip(
            names,
            copy.execute(f'SELECT * FROM "{table}" WHERE rowid = ?', (rowid,)).fetchone(),
            strict=True,
        )
    )
    for name in names:
        if name == column:
            continue
        hit = copy.execute(
            f'SELECT 1 FROM "{table}" WHERE rowid NOT IN (?, ?) AND "{column}" IS ? '
            f'AND "{name}" IS ? LIMIT 1',
            (rowid, other, value, row[name]),
        ).fetchone()
        if hit:
            return True
    return False


def _set(copy: sqlite3.Connection, table: str, column: str, changes: list[tuple[Any, int]]) -> None:
    """Write the changes, or none of them where a constraint refuses one."""
    copy.execute("SAVEPOINT change")
    try:
        copy.executemany(f'UPDATE "{table}" SET "{column}" = ? WHERE rowid = ?', changes)
    except sqlite3.IntegrityError:
        copy.execute("ROLLBACK TO change")
    copy.execute("RELEASE change")


def fictitious_copy(
    source: sqlite3.Connection, schema: Schema, rng: random.Random, literals: Sequence[str] = ()
) -> sqlite3.Connection:
    """An in-memory copy of ``source`` with each number column of ``schema`` redrawn."""
    copy = sqlite3.connect(":memory:", check_same_thread=False)
    source.backup(copy)
    extra = _numbers(literals)
    texts = _texts(literals)
    for table in schema.tables:
        for column in table.columns:
            if column.kind != "num":
                _shuffle_some(copy, table.name, column.name, texts, rng)
                continue
            rows = copy.execute(
                f'SELECT rowid, "{column.name}" FROM "{table.name}" '
                f"WHERE typeof(\"{column.name}\") IN ('integer', 'real')"
            ).fetchall()
            if not rows:
                continue
            drawn = redraw_numbers([float(v) for _, v in rows], extra, rng)
            whole = all(float(v).is_integer() for _, v in rows)
            copy.executemany(
                f'UPDATE "{table.name}" SET "{column.name}" = ? WHERE rowid = ?',
                [
                    (int(x) if whole else x, rowid)
                    for (rowid, _), x in zip(rows, drawn, strict=True)
                ],
            )
    copy.commit()
    return copy
