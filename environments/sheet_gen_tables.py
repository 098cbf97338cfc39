"""Tables for generated sheet tasks, and a plain-Python model of a sheet to compute answers.

Eight topics (sales, staff, inventory, grades, expenses, weather, books, projects) of
different shapes, with text, numbers, booleans and ISO dates. A :class:`Grid` is the
generator's own model of one sheet: a list of row dictionaries, an optional computed column
(a formula per row in the sheet, a Python function here) and an optional totals row below a
blank row. Expected results are computed on this model directly in Python, never by the
sheet environment, so ``parseinstr check sheet`` compares two independent computations.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field

Value = float | int | str | bool | None


def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_NAMES = words(
    "Alice Bruno Chen Dana Elena Farid Grace Hugo Ines Jonas Kira Liam Maya Nadia Omar Paula "
    "Quinn Rosa Sami Tara Umar Vera Wes Xena Yusuf Zoe Amir Bea Carl Dora Emil Fay Gus Hana "
    "Ivan Jade Kofi Lena Milo Nora"
)


def _money(rng: random.Random, lo: float, hi: float) -> float:
    return round(rng.uniform(lo, hi), 2)


def _decimal(rng: random.Random, lo: float, hi: float) -> float:
    return round(rng.uniform(lo, hi), 1)


def _date(rng: random.Random, start: str, days: int) -> str:
    return (dt.date.fromisoformat(start) + dt.timedelta(days=rng.randrange(days))).isoformat()


@dataclass(frozen=True)
class ColumnSpec:
    """A column of a topic: header, role and how a value is drawn.

    Roles: ``key`` (unique text naming a row), ``category`` (few repeated values), ``int``,
    ``money``, ``decimal`` (numbers), ``date`` (ISO text), ``bool``.
    """

    header: str
    role: str
    draw: Callable[[random.Random], Value] | None = None
    pool: tuple[str, ...] = ()
    #: Words for the boolean column: (true phrase, false phrase), e.g. ("paid", "unpaid").
    words: tuple[str, str] = ("", "")


@dataclass(frozen=True)
class Derived:
    """A computed column: a formula in each row of the sheet, ``compute`` here."""

    header: str
    inputs: tuple[str, ...]
    compute: Callable[..., Value]
    #: Formula for row ``r`` given the input columns' letters, e.g. ``"=D{r}*E{r}"``.
    formula: Callable[[tuple[str, ...], int], str]


@dataclass(frozen=True)
class TableSpec:
    topic: str
    entity: str
    entities: str
    columns: tuple[ColumnSpec, ...]
    rows: tuple[int, int]
    derived: Derived | None = None
    total: str | None = None


def _num(v: Value) -> float:
    """A value as arithmetic reads it (empty is 0)."""
    if v is None:
        return 0.0
    if isinstance(v, bool):
        return float(v)
    return float(v)  # type: ignore[arg-type]


SPECS: tuple[TableSpec, ...] = (
    TableSpec(
        "sales",
        "sale",
        "sales",
        (
            ColumnSpec("Region", "category", pool=("North", "South", "East", "West", "Central")),
            ColumnSpec("Rep", "key"),
            ColumnSpec(
                "Product",
                "category",
                pool=("Laptop", "Monitor", "Keyboard", "Printer", "Tablet", "Headset"),
            ),
            ColumnSpec("Units", "int", lambda r: r.randint(5, 200)),
            ColumnSpec("Price", "money", lambda r: _money(r, 5, 500)),
            ColumnSpec("Date", "date", lambda r: _date(r, "2024-01-01", 180)),
            ColumnSpec("Paid", "bool", lambda r: r.random() < 0.6, words=("paid", "unpaid")),
        ),
        (6, 14),
        Derived(
            "Revenue",
            ("Units", "Price"),
            lambda u, p: _num(u) * _num(p),
            lambda c, r: f"={c[0]}{r}*{c[1]}{r}",
        ),
        total="Units",
    ),
    TableSpec(
        "staff",
        "employee",
        "employees",
        (
            ColumnSpec("Name", "key"),
            ColumnSpec("Department", "category", pool=("Sales", "Finance", "IT", "HR", "Support")),
            ColumnSpec("Salary", "int", lambda r: r.randrange(30000, 120000, 500)),
            ColumnSpec("Age", "int", lambda r: r.randint(21, 65)),
            ColumnSpec("Start Date", "date", lambda r: _date(r, "2012-01-01", 4000)),
            ColumnSpec("Remote", "bool", lambda r: r.random() < 0.4, words=("remote", "on site")),
        ),
        (5, 12),
        Derived(
            "Monthly",
            ("Salary",),
            lambda s: _num(s) / 12,
            lambda c, r: f"={c[0]}{r}/12",
        ),
        total="Salary",
    ),
    TableSpec(
        "inventory",
        "item",
        "items",
        (
            ColumnSpec(
                "Item",
                "key",
                pool=words(
                    "Hammer Wrench Drill Saw Pliers Rake Shovel Kettle Toaster Blender Stapler "
                    "Binder Ladder Hose Lamp"
                ),
            ),
            ColumnSpec("Category", "category", pool=("Tools", "Garden", "Kitchen", "Office")),
            ColumnSpec("Stock", "int", lambda r: r.randint(0, 400)),
            ColumnSpec("Reorder Level", "int", lambda r: r.randrange(10, 110, 10)),
            ColumnSpec("Unit Cost", "money", lambda r: _money(r, 1, 90)),
            ColumnSpec("Supplier", "category", pool=("Acme", "Globex", "Initech", "Umbrella")),
            ColumnSpec(
                "Discontinued",
                "bool",
                lambda r: r.random() < 0.25,
                words=("discontinued", "still sold"),
            ),
        ),
        (6, 13),
        Derived(
            "Value",
            ("Stock", "Unit Cost"),
            lambda s, c: _num(s) * _num(c),
            lambda c, r: f"={c[0]}{r}*{c[1]}{r}",
        ),
    ),
    TableSpec(
        "grades",
        "student",
        "students",
        (
            ColumnSpec("Student", "key"),
            ColumnSpec("Class", "category", pool=("7A", "7B", "8A", "8B")),
            ColumnSpec("Math", "int", lambda r: r.randint(35, 100)),
            ColumnSpec("Science", "int", lambda r: r.randint(35, 100)),
            ColumnSpec("English", "int", lambda r: r.randint(35, 100)),
        ),
        (5, 14),
        Derived(
            "Total",
            ("Math", "Science", "English"),
            lambda a, b, c: _num(a) + _num(b) + _num(c),
            lambda c, r: f"={c[0]}{r}+{c[1]}{r}+{c[2]}{r}",
        ),
    ),
    TableSpec(
        "expenses",
        "expense",
        "expenses",
        (
            ColumnSpec("Date", "date", lambda r: _date(r, "2024-01-01", 120)),
            ColumnSpec("Payee", "category", pool=("Airline", "Hotel", "Cafe", "Taxi", "Bookshop")),
            ColumnSpec("Category", "category", pool=("Travel", "Meals", "Software", "Training")),
            ColumnSpec("Amount", "money", lambda r: _money(r, 4, 900)),
            ColumnSpec(
                "Reimbursed",
                "bool",
                lambda r: r.random() < 0.5,
                words=("reimbursed", "not reimbursed"),
            ),
        ),
        (6, 14),
        total="Amount",
    ),
    TableSpec(
        "weather",
        "city",
        "cities",
        (
            ColumnSpec(
                "City",
                "key",
                pool=words(
                    "Oslo Lisbon Madrid Dublin Vienna Prague Rome Paris Berlin Athens Warsaw "
                    "Riga Sofia Bern"
                ),
            ),
            ColumnSpec("Date", "date", lambda r: _date(r, "2024-03-01", 60)),
            ColumnSpec("High", "decimal", lambda r: _decimal(r, 2, 32)),
            ColumnSpec("Low", "decimal", lambda r: _decimal(r, -8, 2)),
            ColumnSpec("Rain", "decimal", lambda r: _decimal(r, 0, 25)),
            ColumnSpec("Sunny", "bool", lambda r: r.random() < 0.5, words=("sunny", "cloudy")),
        ),
        (5, 12),
        Derived(
            "Spread",
            ("High", "Low"),
            lambda h, lo: _num(h) - _num(lo),
            lambda c, r: f"={c[0]}{r}-{c[1]}{r}",
        ),
    ),
    TableSpec(
        "books",
        "book",
        "books",
        (
            ColumnSpec(
                "Title",
                "key",
                pool=words(
                    "Dune Emma Ulysses Beloved Rebecca Persuasion Middlemarch Walden Kindred "
                    "Solaris Matilda Frankenstein Dracula Ivanhoe"
                ),
            ),
            ColumnSpec("Author", "category", pool=("Austen", "Orwell", "Woolf", "Tolstoy")),
            ColumnSpec("Year", "int", lambda r: r.randint(1811, 2020)),
            ColumnSpec("Pages", "int", lambda r: r.randint(90, 900)),
            ColumnSpec("Rating", "decimal", lambda r: _decimal(r, 1, 5)),
            ColumnSpec(
                "In Stock", "bool", lambda r: r.random() < 0.7, words=("in stock", "out of stock")
            ),
        ),
        (5, 12),
    ),
    TableSpec(
        "projects",
        "project",
        "projects",
        (
            ColumnSpec(
                "Project",
                "key",
                pool=words(
                    "Apollo Borealis Cascade Delta Ember Falcon Granite Horizon Indigo Juniper "
                    "Keystone Lumen Meridian"
                ),
            ),
            ColumnSpec("Owner", "category", pool=("Ana", "Ben", "Cleo", "Dev")),
            ColumnSpec("Budget", "int", lambda r: r.randrange(5000, 90000, 100)),
            ColumnSpec("Spent", "int", lambda r: r.randrange(1000, 60000, 100)),
            ColumnSpec("Due", "date", lambda r: _date(r, "2024-06-01", 365)),
            ColumnSpec("Done", "bool", lambda r: r.random() < 0.35, words=("done", "not done")),
        ),
        (5, 13),
        Derived(
            "Remaining",
            ("Budget", "Spent"),
            lambda b, s: _num(b) - _num(s),
            lambda c, r: f"={c[0]}{r}-{c[1]}{r}",
        ),
    ),
)

NUMERIC_ROLES = ("int", "money", "decimal", "derived")


def col_letter(index: int) -> str:
    """0-based column index -> letters (0 -> A)."""
    out, n = "", index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


@dataclass
class Grid:
    """The generator's model of a sheet: header order, row dictionaries, computed column,
    totals row. ``None`` in ``headers`` is an inserted blank column; ``None`` in ``rows`` an
    inserted blank row."""

    spec: TableSpec
    headers: list[str | None]
    rows: list[dict[str, Value] | None]
    roles: dict[str, str]
    derived: Derived | None = None
    total: str | None = None
    extra: dict[str, Value] = field(default_factory=dict)

    def copy(self) -> Grid:
        return copy.deepcopy(self)

    @property
    def last_row(self) -> int:
        """The sheet row of the last data row."""
        return 1 + len(self.rows)

    @property
    def data_headers(self) -> list[str]:
        return [h for h in self.headers if h is not None]

    def letter(self, header: str) -> str:
        return col_letter(self.headers.index(header))

    def value(self, row: dict[str, Value] | None, header: str | None) -> Value:
        """The value a row shows in a column (computed columns computed)."""
        if row is None or header is None:
            return None
        if self.derived is not None and header == self.derived.header:
            return self.derived.compute(*(row.get(h) for h in self.derived.inputs))
        return row.get(header)

    def column(self, header: str) -> list[Value]:
        """The column's values, one per data row."""
        return [self.value(row, header) for row in self.rows]

    def total_row(self) -> int:
        return self.last_row + 2

    def total_value(self) -> float:
        assert self.total is not None
        return sum(
            v
            for v in self.column(self.total)
            if isinstance(v, int | float) and not isinstance(v, bool)
        )

    def values(self) -> dict[str, Value]:
        """Every non-empty cell's value by address, as the sheet should show it."""
        out: dict[str, Value] = {}
        for c, h in enumerate(self.headers):
            if h is None:
                continue
            letter = col_letter(c)
            out[f"{letter}1"] = h
            for i, row in enumerate(self.rows):
                v = self.value(row, h)
                if v is not None:
                    out[f"{letter}{i + 2}"] = v
        if self.total is not None:
            first = next(h for h in self.headers if h is not None)
            out[f"{self.letter(first)}{self.total_row()}"] = "Total"
            out[f"{self.letter(self.total)}{self.total_row()}"] = self.total_value()
        out.update({k: v for k, v in self.extra.items()})
        return {k: v for k, v in out.items() if v is not None}

    def cells(self) -> dict[str, object]:
        """The sheet in the task format: values, with formulas for computed cells."""
        out: dict[str, object] = dict(self.values())
        if self.derived is not None:
            letters = tuple(self.letter(h) for h in self.derived.inputs)
            d = self.letter(self.derived.header)
            for i in range(len(self.rows)):
                out[f"{d}{i + 2}"] = self.derived.formula(letters, i + 2)
        if self.total is not None:
            t = self.letter(self.total)
            out[f"{t}{self.total_row()}"] = f"=SUM({t}2:{t}{self.last_row})"
        return out


def make_grid(rng: random.Random) -> Grid:
    """A random sheet: a topic, its columns (some shuffled), rows, maybe a computed column
    and a totals row."""
    spec = rng.choice(SPECS)
    n = rng.randint(*spec.rows)
    columns = list(spec.columns)
    if rng.random() < 0.3:  # shuffle the columns after the first for other letters
        rest = columns[1:]
        rng.shuffle(rest)
        columns = [columns[0], *rest]
    if rng.random() < 0.2 and len(columns) > 5:  # a narrower table
        drop = rng.choice([c for c in columns[1:] if c.role not in ("key",)])
        columns.remove(drop)
    rows: list[dict[str, Value] | None] = []
    pools = {
        c.header: rng.sample(c.pool, k=min(len(c.pool), rng.randint(3, len(c.pool))))
        for c in columns
        if c.role == "category"
    }
    keys: list[str] = []
    for col in columns:
        if col.role == "key":
            source = list(col.pool or FIRST_NAMES)
            keys = rng.sample(source, k=min(n, len(source)))
    n = len(keys) if keys else n
    for i in range(n):
        row: dict[str, Value] = {}
        for col in columns:
            if col.role == "key":
                row[col.header] = keys[i]
            elif col.role == "category":
                row[col.header] = rng.choice(pools[col.header])
            else:
                assert col.draw is not None
                row[col.header] = col.draw(rng)
        rows.append(row)
    headers: list[str | None] = [c.header for c in columns]
    roles = {c.header: c.role for c in columns}
    derived = None
    usable = spec.derived is not None and all(h in roles for h in spec.derived.inputs)
    if usable and rng.random() < 0.45:
        derived = spec.derived
        headers.append(derived.header)
        roles[derived.header] = "derived"
    total = spec.total if spec.total in roles and rng.random() < 0.3 else None
    return Grid(spec, headers, rows, roles, derived, total)


def spec_column(spec: TableSpec, header: str) -> ColumnSpec | None:
    """The column spec of a header (None for a computed column)."""
    return next((c for c in spec.columns if c.header == header), None)
