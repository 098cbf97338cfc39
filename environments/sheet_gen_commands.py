"""Command kinds of the sheet task generator: set, put a result in a cell, add and fill
columns, sort, delete rows by condition, replace, insert and delete rows and columns, clear.
Each applies the change to a copy of the grid in plain Python; the expected cells are the
difference between the two grids (``Ctx.change``).
"""

from __future__ import annotations

from typing import Any

from .sheet_gen_core import Ctx, excel_text, fmt_number, is_num, kind, number_words
from .sheet_gen_questions import _TESTS, comparison, round_half_up, threshold
from .sheet_gen_tables import Grid, Value, col_letter

_ORDER_RANK = {float: 0, int: 0, str: 1, bool: 2}


def _sort_key(v: Value) -> tuple[int, object]:
    """Excel's ascending order: numbers, text in any case, FALSE, TRUE."""
    return _ORDER_RANK[type(v)], v.lower() if isinstance(v, str) else v


def _editable(ctx: Ctx) -> list[str]:
    return [h for h in ctx.grid.data_headers if ctx.grid.roles[h] != "derived"]


def _dependent(ctx: Ctx, header: str) -> bool:
    """Whether a computed column or the totals row reads ``header``."""
    g = ctx.grid
    return (g.derived is not None and header in g.derived.inputs) or g.total == header


def _new_value(ctx: Ctx, header: str, old: Value) -> Value:
    role = ctx.grid.roles[header]
    if role == "bool":
        return not old
    if role in ("int", "money", "decimal"):
        x = float(old) + ctx.rng.choice([-1, 1]) * ctx.rng.randint(1, 50)  # type: ignore[arg-type]
        return round(x, 2) if role == "money" else round(x, 1) if role == "decimal" else int(x)
    if role == "date":
        return f"2024-{ctx.rng.randint(1, 12):02d}-{ctx.rng.randint(1, 28):02d}"
    others = [v for v in dict.fromkeys(ctx.grid.column(header)) if v != old]
    return ctx.one(others) if others and role == "category" else f"{old} II"


def _literal(v: Value) -> str:
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if is_num(v):
        return fmt_number(v)  # type: ignore[arg-type]
    return excel_text(str(v))


def _spoken(ctx: Ctx, v: Value) -> str:
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if is_num(v):
        return ctx.number(v) if v >= 0 else fmt_number(v)  # type: ignore[arg-type, operator]
    return str(v)


# ---------------------------------------------------------------- setting cells


@kind("set_value", "set")
def set_value(ctx: Ctx) -> dict[str, Any] | None:
    h = ctx.one(_editable(ctx))
    i = ctx.rng.randrange(len(ctx.grid.rows))
    row = ctx.grid.rows[i]
    assert row is not None
    new = _new_value(ctx, h, row[h])
    addr = f"{ctx.grid.letter(h)}{i + 2}"
    t = ctx.pick(
        [
            "Set {a} to {v}.",
            "Change cell {a} to {v}.",
            "Put {v} into {a}.",
            "Enter {v} in cell {a}.",
            "Replace whatever is in {a} with {v}.",
            "Make {a} equal {v}.",
            "Update cell {a} so that it reads {v}.",
            "Write {v} in cell {a}.",
            "I want {v} in cell {a}.",
            "Overwrite {a} with {v}.",
            "{a} -> {v}",
            "Could you type {v} into {a}?",
            "The value in {a} should be {v}.",
            "{a} is wrong; it should read {v}.",
            "Record {v} in cell {a}, please.",
            "In {a}, enter {v} instead of the current value.",
            "Can {a} be changed to {v}?",
            "I need {a} updated to {v}.",
            "Fix cell {a} so it holds {v}.",
            "Go to {a} and key in {v}.",
        ]
    )
    after = ctx.grid.copy()
    after.rows[i][h] = new  # type: ignore[index]
    if _dependent(ctx, h):
        ctx.tags.add("recalc")
    return ctx.change(t.format(a=addr, v=_spoken(ctx, new)), f"set {addr} = {_literal(new)}", after)


@kind("set_by_key", "set", "lookup")
def set_by_key(ctx: Ctx) -> dict[str, Any] | None:
    keys = ctx.headers("key")
    if not keys:
        return None
    k = keys[0]
    h = ctx.one([x for x in _editable(ctx) if x != k])
    i = ctx.rng.randrange(len(ctx.grid.rows))
    row = ctx.grid.rows[i]
    assert row is not None
    new = _new_value(ctx, h, row[h])
    t = ctx.pick(
        [
            "Change the {col} of {name} to {v}.",
            "Set {name}'s {col} to {v}.",
            "Update {col} for {name}: it should be {v}.",
            "{name} now has {col} {v}; record that.",
            "Set {col} for {name} to {v}.",
            "For {name}, change {col} to {v}.",
            "Put {v} in {col} for {name}.",
            "In the row for {name}, update {col} to {v}.",
            "I need {col} for {name} changed to {v}.",
            "Let's record {v} under {col} for {name}.",
            "{name}'s {col} should be {v}.",
            "Could you change {col} to {v} in {name}'s row?",
            "{col} for {name} is now {v}, so please update it.",
            "Type {v} into {col} on {name}'s row.",
            "What's recorded under {col} for {name} is wrong; it should be {v}.",
            "Find {name} and set {col} to {v}.",
            "{name} should have {v} in {col}.",
            "Correct {name}'s {col} to {v}.",
            "Can you update {name} so that {col} is {v}?",
            "{name}: {col} -> {v}",
        ]
    )
    text = t.format(col=ctx.col(h), name=row[k], v=_spoken(ctx, new))
    text = text[0].upper() + text[1:]
    after = ctx.grid.copy()
    after.rows[i][h] = new  # type: ignore[index]
    if _dependent(ctx, h):
        ctx.tags.add("recalc")
    addr = f"{ctx.grid.letter(h)}{i + 2}"
    return ctx.change(text, f"set {addr} = {_literal(new)}", after)


def _free_cell(ctx: Ctx) -> str:
    """A cell outside the table (and its totals row) for a result."""
    g = ctx.grid
    if ctx.rng.random() < 0.5:
        row = g.last_row + (3 if g.total else 2)
        return f"{col_letter(ctx.rng.randrange(len(g.headers)))}{row}"
    return f"{col_letter(len(g.headers) + 1)}{ctx.rng.randint(1, 3)}"


_AGGREGATES = (
    ("SUM", ("total", "sum"), lambda xs: sum(xs)),
    ("AVERAGE", ("average", "mean"), lambda xs: sum(xs) / len(xs)),
    ("MAX", ("highest", "maximum", "largest"), max),
    ("MIN", ("lowest", "minimum", "smallest"), min),
    ("COUNT", ("count", "number of values"), len),
)


@kind("put_aggregate", "set", "aggregate")
def put_aggregate(ctx: Ctx) -> dict[str, Any] | None:
    h = ctx.one(ctx.numeric())
    fn, words, compute = ctx.one(_AGGREGATES)
    if fn in ("MAX", "MIN"):
        ctx.tags.add("superlative")
    cell = _free_cell(ctx)
    t = ctx.pick(
        [
            "Put the {w} of {col} in {a}.",
            "Write the {w} of {col} into cell {a}.",
            "In {a}, calculate the {w} of {col}.",
            "Add a formula in {a} that gives the {w} of {col}.",
            "Show the {w} of {col} in {a}.",
            "Enter a formula in {a} for the {w} of {col}.",
            "Calculate the {w} of {col} and put it in cell {a}.",
            "I want the {w} of {col} in cell {a}.",
            "Use {a} to hold the {w} of {col}.",
            "Let's compute the {w} of {col} in {a}.",
            "{a} should contain the {w} of {col}.",
            "Could you get the {w} of {col} into {a}?",
            "Store the {w} of {col} in cell {a}.",
            "I need a formula in {a} that works out the {w} of {col}.",
            "Type a formula into {a} that returns the {w} of {col}.",
            "Work out the {w} of {col} and drop the result in {a}.",
            "Fill {a} with the {w} of {col}.",
            "The {w} of {col} goes in {a}.",
            "Have cell {a} display the {w} of {col}.",
            "In cell {a}, I'd like to see the {w} of {col}.",
        ]
    )
    xs = [v for v in ctx.grid.column(h) if is_num(v)]
    after = ctx.grid.copy()
    after.extra[cell] = compute(xs)
    text = t.format(w=ctx.one(words), col=ctx.col(h), a=cell)
    return ctx.change(text, f"set {cell} = {fn}({ctx.rng_ref(h)})", after)


# ---------------------------------------------------------------- new columns


def _fresh(ctx: Ctx, names: list[str]) -> str | None:
    free = [n for n in names if n not in ctx.grid.headers]
    return ctx.one(free) if free else None


def _with_column(ctx: Ctx, name: str, values: list[Value], role: str) -> Grid:
    after = ctx.grid.copy()
    after.headers.append(name)
    after.roles[name] = role
    for row, v in zip(after.rows, values, strict=True):
        if row is not None:
            row[name] = v
    return after


def _two_measures(ctx: Ctx) -> tuple[str, str] | None:
    numeric = [h for h in ctx.numeric() if ctx.grid.roles[h] != "derived"]
    if len(numeric) < 2:
        return None
    a, b = ctx.rng.sample(numeric, 2)
    return a, b


_ARITH = (
    ("*", ("times", "multiplied by"), "product", lambda a, b: a * b),
    ("+", ("plus", "added to"), "sum", lambda a, b: a + b),
    ("-", ("minus", "less"), "difference", lambda a, b: a - b),
)


@kind("add_arith_column", "add_column", "arithmetic")
def add_arith_column(ctx: Ctx) -> dict[str, Any] | None:
    pair = _two_measures(ctx)
    name = _fresh(ctx, ["Result", "Combined", "Calc", "Derived", "Score", "Metric"])
    if pair is None or name is None:
        return None
    a, b = pair
    op, words, noun, compute = ctx.one(_ARITH)
    t = ctx.pick(
        [
            'Add a column "{n}" equal to {a} {w} {b}.',
            "Add a new column called {n} with {a} {w} {b} for each row.",
            "Create a column {n} that holds the {noun} of {a} and {b}.",
            'Make a column named "{n}": {a} {w} {b}.',
            "Insert a column {n} at the end computing {a} {w} {b} in every row.",
            "Append a column {n} that computes {a} {w} {b}.",
            'I want a new column "{n}" with {a} {w} {b} in each row.',
            'Create a column called "{n}" whose value is {a} {w} {b}.',
            "Make a new column {n} and fill it with {a} {w} {b}.",
            "Let's add a column named {n} equal to the {noun} of {a} and {b}.",
            'Could you add a "{n}" column that calculates {a} {w} {b}?',
            "I need a {n} column at the end: {a} {w} {b} on every row.",
            'Put {a} {w} {b} for every row into a new column called "{n}".',
            "New column {n} = {a} {w} {b}",
            'Give every row a new "{n}" field holding {a} {w} {b}.',
            "Compute {a} {w} {b} row by row and store it in a new column named {n}.",
            "Can we have an extra column, {n}, with the {noun} of {a} and {b}?",
            'Tack a "{n}" column onto the end, equal to {a} {w} {b}.',
            "With a new column {n}, show {a} {w} {b} for each row.",
            'The table needs one more column, "{n}", holding {a} {w} {b}.',
        ]
    )
    text = t.format(n=name, a=ctx.col(a), b=ctx.col(b), w=ctx.one(words), noun=noun)
    values = [compute(x, y) for x, y in zip(ctx.grid.column(a), ctx.grid.column(b), strict=True)]
    form = f'add column "{name}" = {ctx.row_ref(a)}{op}{ctx.row_ref(b)}'
    return ctx.change(text, form, _with_column(ctx, name, values, "decimal"))


@kind("add_if_column", "add_column", "condition", "comparison")
def add_if_column(ctx: Ctx) -> dict[str, Any] | None:
    m = ctx.one(ctx.numeric())
    name = _fresh(ctx, ["Flag", "Big", "Level", "Check", "Status"])
    if name is None:
        return None
    x = threshold(ctx, m)
    phrase, op = comparison(ctx)
    yes, no = ctx.one([("yes", "no"), ("high", "low"), ("ok", "check"), ("Y", "N")])
    t = ctx.pick(
        [
            'Add a column "{n}" that says "{y}" when {m} is {cmp} {k} and "{o}" otherwise.',
            'Add a column {n}: "{y}" if {m} is {cmp} {k}, else "{o}".',
            'Create a column called {n} showing "{y}" for rows with {m} {cmp} {k}, else "{o}".',
            'Create a column {n} that shows "{y}" if {m} is {cmp} {k} and "{o}" if not.',
            'Insert a column called "{n}": write "{y}" where {m} is {cmp} {k}, otherwise "{o}".',
            'I want a column "{n}" saying "{y}" where {m} is {cmp} {k} and "{o}" for the rest.',
            'Make a column named {n} that is "{y}" whenever {m} is {cmp} {k}, and "{o}" otherwise.',
            'Add a new column {n}. If {m} is {cmp} {k}, it should say "{y}"; if not, "{o}".',
            'Mark each row in a new column "{n}": "{y}" when {m} is {cmp} {k}, "{o}" when not.',
            'Append a column {n} with "{o}" by default, but "{y}" in rows where {m} is {cmp} {k}.',
            'Could you flag rows in a new column "{n}": "{y}" if {m} is {cmp} {k}, "{o}" if not?',
            'I need a {n} column: "{y}" for any row with {m} {cmp} {k}, "{o}" for the others.',
            'For every row, put "{y}" in a new column "{n}" if {m} is {cmp} {k}, else "{o}".',
            'Where {m} is {cmp} {k}, a new column {n} should say "{y}"; elsewhere "{o}".',
            'Label each row in a new column {n}: "{y}" if its {m} is {cmp} {k}, "{o}" if not.',
            'Build a column "{n}" with an IF: {m} {cmp} {k} gives "{y}", anything else "{o}".',
            'Can we get a {n} column with "{y}" for rows whose {m} is {cmp} {k}, "{o}" otherwise?',
            'Test if {m} is {cmp} {k} in each row; new column {n} gets "{y}" if so, "{o}" if not.',
            'Set up a column {n}: rows with {m} {cmp} {k} get "{y}", the rest get "{o}".',
            'A new column "{n}" should show "{o}", except "{y}" where {m} is {cmp} {k}.',
        ]
    )
    text = t.format(n=name, y=yes, o=no, m=ctx.col(m), cmp=phrase, k=ctx.number(x))
    values = [yes if _TESTS[op](v, x) else no for v in ctx.grid.column(m)]
    form = (
        f'add column "{name}" = IF({ctx.row_ref(m)} {op} {fmt_number(x)}, '
        f"{excel_text(yes)}, {excel_text(no)})"
    )
    return ctx.change(text, form, _with_column(ctx, name, values, "category"))


@kind("add_text_column", "add_column", "text")
def add_text_column(ctx: Ctx) -> dict[str, Any] | None:
    texts = ctx.headers("key", "category")
    if not texts:
        return None
    h = ctx.one(texts)
    variant = ctx.rng.randrange(4)
    name = _fresh(ctx, ["Code", "Label", "Tag", "Short"])
    if name is None:
        return None
    col = ctx.col(h)
    ref = ctx.row_ref(h)
    column = [str(v) for v in ctx.grid.column(h)]
    if variant == 0:
        t = ctx.pick(
            [
                'Add a column "{n}" with {c} in capital letters.',
                "Add a column {n} holding {c} in upper case.",
                'Create a column "{n}" containing {c} in upper case.',
                "Add a new column {n} that shows {c} in all caps.",
                "Insert a column called {n} with {c} converted to uppercase.",
                'I want a column "{n}" that is {c} written in capitals.',
                "Make a column {n} with the uppercase version of {c}.",
                'Append a column "{n}" holding {c} in capitals.',
                "Let's add a column {n} showing {c} in block capitals.",
                "Put {c} in upper case into a new column {n}.",
                'Could {c} be copied into a new column "{n}" in all capitals?',
                "I need {c} in upper case in a new column called {n}.",
                "New column {n}: {c}, uppercased.",
                'Convert {c} to uppercase and put the result in a new column "{n}".',
                "Copy {c} into a new column {n}, but all in capital letters.",
                'The new column "{n}" should hold {c} with every letter in upper case.',
                "Make an all-caps copy of {c} in a new column {n}.",
                'For each row, write {c} in uppercase into a new "{n}" column.',
                "Can we have a column {n} that turns {c} into upper case?",
                'Use UPPER on {c} to fill a new column "{n}".',
            ],
            "upper",
        )
        values: list[Value] = [v.upper() for v in column]
        form = f"UPPER({ref})"
    elif variant == 1:
        k = ctx.rng.randint(1, 3)
        t = ctx.pick(
            [
                'Add a column "{n}" with the first {k} letters of {c}.',
                "Add a column {n} that keeps only the first {k} characters of {c}.",
                'Create a column "{n}" containing the first {k} characters of {c}.',
                "Add a new column {n} with the leftmost {k} letters of {c}.",
                "Insert a column called {n} that takes the first {k} letters from {c}.",
                'I want a column "{n}" with just the first {k} characters of {c} in each row.',
                "Make a column {n} showing {c} cut down to its first {k} characters.",
                'Append a column "{n}" with the left {k} characters of {c}.',
                "Let's add a column {n}: the first {k} letters of {c}.",
                "Put the first {k} characters of {c} in a new column {n}.",
                'Could I get the first {k} characters of {c} in a new column "{n}"?',
                "I need a new column {n} that keeps the first {k} characters of {c} and drops the "
                "rest.",
                "New column {n}: the first {k} characters of {c}.",
                'Take {c}, keep its first {k} characters, and put them in a new column "{n}".',
                "Truncate {c} to {k} characters in a new column {n}.",
                'For every row, copy just the first {k} letters of {c} into a new column "{n}".',
                "Can we get a column {n} with {c} trimmed to its first {k} characters?",
                'Extract the first {k} characters from {c} into a column called "{n}".',
                'The new column "{n}" should show the first {k} characters of {c}.',
                "Use LEFT to put the first {k} characters of {c} in a new column {n}.",
            ],
            "left",
        )
        values = [v[:k] for v in column]
        form = f"LEFT({ref}, {k})"
        t = t.replace("{k}", number_words(k) if ctx.rng.random() < 0.5 else str(k))
    elif variant == 2:
        t = ctx.pick(
            [
                'Add a column "{n}" giving the length of {c}.',
                "Add a column {n} that counts the characters in {c}.",
                'Create a column "{n}" with the number of characters in {c}.',
                "Add a new column {n} showing how many characters {c} has in each row.",
                "Insert a column called {n} with the character count of {c}.",
                'I want a column "{n}" that gives the length of {c} in characters.',
                "Make a column {n} holding the text length of {c}.",
                'Append a column "{n}" with the length of {c} for each row.',
                "Let's add a column {n} that counts how many characters are in {c}.",
                "Put the length of {c} into a new column {n}.",
                'Could you add a column "{n}" that tells how long {c} is, in characters?',
                "I need the character count of {c} in a new column called {n}.",
                "New column {n}: the length of {c}.",
                'Count the characters in {c} for each row and put the count in a new column "{n}".',
                "Use LEN on {c} to fill a new column {n}.",
                'How many characters does {c} have in each row? Put that in a new column "{n}".',
                "For every row, write the length of {c} into a new column {n}.",
                "Can we have a column {n} that measures the length of {c}?",
                'The new column "{n}" should show how many characters are in {c}, row by row.',
                "Work out the length of {c} in characters and store it in a new column {n}.",
            ],
            "len",
        )
        values = [len(v) for v in column]
        form = f"LEN({ref})"
    else:
        t = ctx.pick(
            [
                'Add a column "{n}" with {c} in lower case.',
                "Add a column {n} holding {c} in small letters.",
                'Create a column "{n}" containing {c} in lowercase.',
                "Add a new column {n} with {c} converted to lower case.",
                "Insert a column called {n} holding {c} in all lowercase letters.",
                'I want a column "{n}" that shows {c} with no capital letters.',
                "Make a column {n} with the lowercase version of {c}.",
                'Append a column "{n}" with {c} all in lower case.',
                "Let's add a column {n} showing {c} in lowercase.",
                "Put {c} in lower case into a new column {n}.",
                'Could you give me {c} in lowercase, in a new column "{n}"?',
                "I need a new column called {n} with {c} in small letters.",
                "New column {n}: {c}, lowercased.",
                'Convert {c} to lowercase and store the result in a new column "{n}".',
                "Copy {c} into a new column {n}, but with no capitals.",
                'The new column "{n}" should hold {c} with every letter in lower case.',
                "Make a lowercased copy of {c} in a new column {n}.",
                'For each row, write {c} in lower case into a new "{n}" column.',
                "Can we have a column {n} that turns {c} into lowercase?",
                'Use LOWER on {c} to fill a new column "{n}".',
            ],
            "lower",
        )
        values = [v.lower() for v in column]
        form = f"LOWER({ref})"
    text = t.format(n=name, c=col)
    return ctx.change(
        text, f'add column "{name}" = {form}', _with_column(ctx, name, values, "category")
    )


@kind("add_label_column", "add_column", "text")
def add_label_column(ctx: Ctx) -> dict[str, Any] | None:
    texts = ctx.headers("key", "category")
    name = _fresh(ctx, ["Label", "Summary", "Caption"])
    if len(texts) < 2 or name is None:
        return None
    a, b = ctx.rng.sample(texts, 2)
    sep = ctx.one([" - ", " / ", ", "])
    t = ctx.pick(
        [
            'Add a column "{n}" joining {a} and {b} with "{s}" between them.',
            'Add a column {n} that reads {a}, then "{s}", then {b}.',
            'Create a column "{n}" that combines {a} and {b}, separated by "{s}".',
            'Add a new column {n} with {a} followed by "{s}" and then {b}.',
            'Insert a column called {n} that joins {a} to {b} using "{s}" as the separator.',
            'I want a column "{n}" that puts {a} first, then "{s}", then {b}.',
            'Make a column {n} by concatenating {a}, "{s}" and {b}, in that order.',
            'Append a column "{n}": {a}, then "{s}", then {b}.',
            'Let\'s add a column {n} that links {a} and {b} with "{s}" in between.',
            'Put {a} and {b} together in a new column {n}, with "{s}" between them.',
            'Could you add a column "{n}" that glues {a} and {b} together with "{s}" in the '
            "middle?",
            'New column {n} = {a} & "{s}" & {b}',
            'I need a {n} column built from {a}, a "{s}" separator, and {b}.',
            'Concatenate {a} and {b} with "{s}" between them into a new column "{n}".',
            'For every row, write {a} followed by "{s}" and {b} in a new column {n}.',
            'Combine {a} with {b}, in that order and separated by "{s}", in a new column "{n}".',
            'Can we get a column {n} that shows {a} and then {b}, joined by "{s}"?',
            'The new column "{n}" should contain {a}, then the separator "{s}", then {b}.',
            'Use "{s}" to join {a} and {b} in a new column {n}, with {a} first.',
            'Merge {a} and {b} into one new column, {n}, putting "{s}" between the two.',
        ]
    )
    text = t.format(n=name, a=ctx.col(a), b=ctx.col(b), s=sep)
    values = [f"{x}{sep}{y}" for x, y in zip(ctx.grid.column(a), ctx.grid.column(b), strict=True)]
    form = f'add column "{name}" = {ctx.row_ref(a)} & {excel_text(sep)} & {ctx.row_ref(b)}'
    return ctx.change(text, form, _with_column(ctx, name, values, "category"))


@kind("add_rate_column", "add_column", "arithmetic", "rounding")
def add_rate_column(ctx: Ctx) -> dict[str, Any] | None:
    m = ctx.one([h for h in ctx.numeric() if ctx.grid.roles[h] != "derived"])
    name = _fresh(ctx, ["Tax", "Fee", "Bonus", "Share"])
    if name is None:
        return None
    pct = ctx.one([5, 8, 10, 12, 15, 20, 25])
    d = ctx.rng.randint(0, 2)
    t = ctx.pick(
        [
            'Add a column "{n}" with {p}% of {m}, rounded to {places}.',
            "Add a column {n} equal to {p} percent of {m}, rounded to {places}.",
            'Create a column "{n}": {m} times {r}, rounded to {places}.',
            'Create a column "{n}" that is {p}% of {m}, rounded to {places}.',
            "Add a new column {n}: take {p} percent of {m} and round it to {places}.",
            "Insert a column called {n} with {m} multiplied by {r}, rounded to {places}.",
            'I want a column "{n}" holding {p}% of {m}, rounded to {places}.',
            "Make a column {n} with {p} percent of {m}, rounded off to {places}.",
            'Append a column "{n}" equal to {m} times {r}, with the result rounded to {places}.',
            "Let's add a column {n} that computes {p}% of {m}; round it to {places}.",
            'Could you add a column "{n}" that works out {p}% of {m}, rounded to {places}?',
            "New column {n} = {m} * {r}, rounded to {places}",
            "I need a {n} column: {p} percent of {m}, rounded to {places}.",
            'Multiply {m} by {r}, round to {places}, and put it in a new column "{n}".',
            "For every row, take {p}% of {m}, round it to {places} and store it in a new column "
            "{n}.",
            'Work out {p} percent of {m} for each row in a new column "{n}" (rounded to {places}).',
            "Can we get a column {n} showing {m} times {r}, rounded to {places}?",
            'The new column "{n}" should hold {p}% of {m}, with results rounded to {places}.',
            "Use ROUND so that a new column {n} shows {p}% of {m} rounded to {places}.",
            'Calculate {n} as {p}% of {m} in a new column "{n}", rounded to {places}.',
        ]
    )
    places = ("whole numbers", "one decimal place", "two decimal places")[d]
    text = t.format(n=name, p=pct, m=ctx.col(m), places=places, r=fmt_number(pct / 100))
    rate = pct / 100
    values = [round_half_up(v * rate, d) for v in ctx.grid.column(m)]  # type: ignore[operator]
    form = f'add column "{name}" = ROUND({ctx.row_ref(m)}*{fmt_number(rate)}, {d})'
    ctx.tags.add("percent")
    return ctx.change(text, form, _with_column(ctx, name, values, "decimal"))


@kind("add_empty_column", "add_column")
def add_empty_column(ctx: Ctx) -> dict[str, Any] | None:
    name = _fresh(ctx, ["Notes", "Comments", "Owner Notes", "Remarks", "Checked"])
    if name is None:
        return None
    t = ctx.pick(
        [
            'Add an empty column called "{n}".',
            "Add a new column {n} at the end, left blank.",
            "Create a blank column with the header {n}.",
            'Insert a new empty column named "{n}" at the end.',
            "Add a column with the header {n} and leave it empty.",
            'Create a new column called "{n}" with no values in it.',
            'I want an empty column "{n}" added after the last column.',
            "Make a blank column named {n}.",
            'Append an empty column with the heading "{n}".',
            "Let's add a column {n}, but leave its cells blank.",
            'Could you stick a blank "{n}" column after the last one?',
            "New empty column at the end: {n}.",
            'I need an extra column headed "{n}", with nothing in it yet.',
            'Put a new header "{n}" in the first free column and leave the cells under it empty.',
            "Tack an empty {n} column onto the right side of the table.",
            "Can we have a column for {n}? Just the header, no data.",
            'At the end of the table, insert a column titled "{n}" and keep it empty.',
            "Set up an empty column called {n} after the existing ones.",
            'The table should get one more column, "{n}", left blank for now.',
            'Reserve a blank column named "{n}" to the right of the data.',
        ]
    )
    return ctx.change(
        t.format(n=name),
        f'add column "{name}"',
        _with_column(ctx, name, [None] * len(ctx.grid.rows), "text"),
    )


@kind("fill_range", "fill", "arithmetic", "by_letter")
def fill_range(ctx: Ctx) -> dict[str, Any] | None:
    pair = _two_measures(ctx)
    if pair is None:
        return None
    a, b = pair
    op, words, _noun, compute = ctx.one(_ARITH)
    g = ctx.grid
    target = col_letter(len(g.headers))
    la, lb = g.letter(a), g.letter(b)
    rng = f"{target}2:{target}{g.last_row}"
    t = ctx.pick(
        [
            "Fill {r} with {a}2 {w} {b}2, copied down.",
            "In {r}, put column {a} {w} column {b} for each row.",
            "Fill cells {r} with the formula {a}2{op}{b}2 adjusted for every row.",
            "For rows 2 to {last}, write {a} {w} {b} into column {t}.",
            "Write the formula {a}2{op}{b}2 into {r}, adjusting it for each row.",
            "In every cell of {r}, calculate column {a} {w} column {b} for that row.",
            "Populate {r} with column {a} {w} column {b}, row by row.",
            "Fill column {t} from row 2 to row {last} with column {a} {w} column {b}.",
            "Enter {a}2{op}{b}2 in {t}2 and fill it down to {t}{last}.",
            "Let's fill {r}: each row gets column {a} {w} column {b}.",
            "Could you fill {r} so each cell is column {a} {w} column {b} from the same row?",
            "{r} = {a}2{op}{b}2, filled down",
            "I need column {t}, rows 2 through {last}, to show column {a} {w} column {b}.",
            "Column {t} (rows 2 to {last}): column {a} {w} column {b} in each row.",
            "Type {a}2{op}{b}2 into {t}2, then drag it down to row {last}.",
            "Can we get column {a} {w} column {b} in every cell of {r}?",
            "Calculate column {a} {w} column {b} for rows 2-{last} and write the results in "
            "column {t}.",
            "Row by row, {r} should equal column {a} {w} column {b}.",
            "Use {r} for column {a} {w} column {b}, one result per row.",
            "Down column {t}, from row 2 to {last}, work out column {a} {w} column {b}.",
        ]
    )
    text = t.format(r=rng, a=la, b=lb, w=ctx.one(words), op=op, last=g.last_row, t=target)
    after = g.copy()
    for i, (x, y) in enumerate(zip(g.column(a), g.column(b), strict=True)):
        after.extra[f"{target}{i + 2}"] = compute(x, y)
    return ctx.change(text, f"fill {rng} = {la}2{op}{lb}2", after)


# ---------------------------------------------------------------- sorting


def _sorted_grid(ctx: Ctx, keys: list[tuple[str, bool]]) -> Grid | None:
    """The grid sorted by ``keys`` (stable, last key first); None if the order is unchanged
    (a task that changes nothing is weak evidence for a parser)."""
    after = ctx.grid.copy()
    rows = list(after.rows)
    for h, descending in reversed(keys):
        rows.sort(key=lambda r, h=h: _sort_key(after.value(r, h)), reverse=descending)
    if rows == after.rows:
        return None
    after.rows = rows
    return after


def _order_words(ctx: Ctx, h: str, descending: bool) -> str:
    role = ctx.grid.roles[h]
    if role in ("key", "category"):
        options = (
            ["from Z to A", "in reverse alphabetical order"]
            if descending
            else ["alphabetically", "from A to Z"]
        )
    elif role == "date":
        options = (
            ["newest first", "latest first"] if descending else ["oldest first", "earliest first"]
        )
    elif role == "bool":
        options = ["TRUE first"] if descending else ["FALSE first"]
    else:
        options = (
            ["from highest to lowest", "largest first", "descending"]
            if descending
            else ["from lowest to highest", "smallest first", "ascending"]
        )
    return ctx.one(options)


@kind("sort_col", "sort")
def sort_col(ctx: Ctx) -> dict[str, Any] | None:
    h = ctx.one(ctx.grid.data_headers)
    descending = ctx.rng.random() < 0.5
    t = ctx.pick(
        [
            "Sort the table by {col}, {o}.",
            "Sort the rows by {col} {o}.",
            "Order the {entities} by {col}, {o}.",
            "Arrange the rows {o} by {col}.",
            "Reorder the data so {col} goes {o}.",
            "Sort by {col}, {o}.",
            "I want the {entities} sorted by {col}, {o}.",
            "Put the rows in order by {col}, {o}.",
            "Reorder the rows by {col} ({o}).",
            "Let's sort the {entities} on {col}, {o}.",
            "Could you put the {entities} in order of {col}, {o}?",
            "Rank the {entities} by {col}, {o}.",
            "I need the table ordered on {col}, {o}.",
            "Arrange everything according to {col} ({o}).",
            "The {entities} should be listed by {col}, {o}.",
            "Using {col} as the key, sort the rows {o}.",
            "Can you do a sort on {col}, {o}?",
            "Sort on {col} ({o}), keeping each row together.",
            "Move the rows around so they're ordered by {col}, {o}.",
            "Organize the {entities} by {col}, {o}.",
        ]
    )
    text = t.format(
        col=ctx.col(h), o=_order_words(ctx, h, descending), entities=ctx.grid.spec.entities
    )
    form = f"sort by {ctx.column_ref(h)} {'desc' if descending else 'asc'}"
    after = _sorted_grid(ctx, [(h, descending)])
    return ctx.change(text, form, after) if after is not None else None


@kind("sort_two", "sort", "multi_condition")
def sort_two(ctx: Ctx) -> dict[str, Any] | None:
    first = ctx.headers("category", "bool")
    if not first:
        return None
    a = ctx.one(first)
    b = ctx.one([h for h in ctx.grid.data_headers if h != a])
    da, db = ctx.rng.random() < 0.3, ctx.rng.random() < 0.6
    t = ctx.pick(
        [
            "Sort by {a} {oa}, then by {b} {ob}.",
            "Order the rows by {a} ({oa}) and, within each {a}, by {b} ({ob}).",
            "Sort the {entities} on {a} {oa}; break ties by {b} {ob}.",
            "Sort the table first by {a} {oa} and then by {b} {ob}.",
            "Order the {entities} by {a}, {oa}, and then by {b}, {ob}.",
            "Arrange the rows by {a} ({oa}); where {a} is the same, sort by {b} ({ob}).",
            "I want the rows sorted by {a} {oa}, with ties broken by {b} {ob}.",
            "Sort the table using {a} ({oa}) as the main key and {b} ({ob}) as the tiebreaker.",
            "Let's order the data by {a} {oa} and then by {b} {ob}.",
            "Reorder the {entities}: primary key {a} {oa}, secondary key {b} {ob}.",
            "Could you do a two-level sort: {a} {oa}, then {b} {ob}?",
            "I need the {entities} grouped by {a} ({oa}) and sorted by {b} ({ob}) in each group.",
            "Primary sort: {a}, {oa}. Secondary sort: {b}, {ob}.",
            "Arrange the table on two keys: {a} ({oa}) and then {b} ({ob}).",
            "When two rows have the same value in {a}, order them by {b} ({ob}); otherwise sort "
            "by {a} ({oa}).",
            "With {a} as the first key ({oa}) and {b} as the second ({ob}), sort the rows.",
            "Can you rank the {entities} by {a}, {oa}, using {b}, {ob}, to settle ties?",
            "Organize the {entities} by {a} {oa}, and by {b} {ob} where {a} is tied.",
            "The rows should end up sorted by {a} ({oa}), then by {b} ({ob}).",
            "Sort the {entities} with two levels: level 1 is {a} ({oa}), level 2 is {b} ({ob}).",
        ]
    )
    ca = ctx.col(a)
    text = t.format(
        a=ca,
        b=ctx.col(b),
        oa=_order_words(ctx, a, da),
        ob=_order_words(ctx, b, db),
        entities=ctx.grid.spec.entities,
    )
    form = (
        f"sort by {ctx.column_ref(a)} {'desc' if da else 'asc'}, "
        f"{ctx.column_ref(b)} {'desc' if db else 'asc'}"
    )
    after = _sorted_grid(ctx, [(a, da), (b, db)])
    return ctx.change(text, form, after) if after is not None else None


# ---------------------------------------------------------------- deleting rows


def _without(ctx: Ctx, keep) -> Grid | None:
    after = ctx.grid.copy()
    after.rows = [r for r in after.rows if keep(r)]
    if len(after.rows) in (0, len(ctx.grid.rows)):
        return None
    return after


@kind("delete_where_eq", "delete_rows", "condition")
def delete_where_eq(ctx: Ctx) -> dict[str, Any] | None:
    cats = ctx.headers("category")
    if not cats:
        return None
    h = ctx.one(cats)
    v = ctx.one(ctx.grid.column(h))
    after = _without(ctx, lambda r: str(r[h]).lower() != v.lower())
    if after is None:
        return None
    t = ctx.pick(
        [
            "Delete the rows where {col} is {v}.",
            "Remove all {v} {entities}.",
            "Get rid of every row with {v} in {col}.",
            "Drop the {entities} whose {col} equals {v}.",
            "Delete all rows for {v}.",
            "Remove the {entities} where {col} says {v}.",
            "I want every row with {col} equal to {v} deleted.",
            "In {col}, find every {v} and delete those rows.",
            "Let's drop all {entities} with {col} set to {v}.",
            "Take out the rows that have {v} in {col}.",
            "Could you remove every row whose {col} is {v}?",
            "Any row with {col} = {v} has to go.",
            "I need all the {entities} with {v} under {col} removed.",
            "Throw out the {entities} where {col} reads {v}.",
            "Rows whose {col} matches {v} should be deleted.",
            "Wherever {col} says {v}, delete the whole row.",
            "Can you delete each row that has {v} for {col}?",
            "Search {col} for {v} and remove each matching row.",
            "Only rows without {v} in {col} should stay.",
            "Clean out all rows listing {v} in {col}.",
        ]
    )
    text = t.format(col=ctx.col(h), v=v, entities=ctx.entities())
    return ctx.change(text, f"delete rows where {ctx.row_ref(h)} = {excel_text(v)}", after)


@kind("keep_only", "delete_rows", "condition", "negation")
def keep_only(ctx: Ctx) -> dict[str, Any] | None:
    cats = ctx.headers("category")
    if not cats:
        return None
    h = ctx.one(cats)
    v = ctx.one(ctx.grid.column(h))
    after = _without(ctx, lambda r: str(r[h]).lower() == v.lower())
    if after is None:
        return None
    t = ctx.pick(
        [
            "Keep only the {v} rows.",
            "Delete every row except the {v} ones.",
            "Remove all rows other than {v}.",
            "Delete the rows where {col} is not {v}.",
            "Drop everything that isn't {v} in {col}.",
            "Leave just the {entities} with {col} {v}; delete the rest.",
            "Remove every row where {col} is anything other than {v}.",
            "I only want the {entities} where {col} is {v}; delete all the others.",
            "Filter the table down to the {v} rows by deleting the rest.",
            "Get rid of all {entities} except those with {col} equal to {v}.",
            "Could you delete all rows except those where {col} is {v}?",
            "Only {v} should remain in {col}; remove every other row.",
            "I need just the {entities} with {v} in {col} left; delete everything else.",
            "If {col} is not {v}, the row goes.",
            "Trim the table down to the rows where {col} is {v}.",
            "Throw away all rows but the ones where {col} says {v}.",
            "Everything apart from rows where {col} is {v} should be deleted.",
            "Can you get rid of any row where {col} is something other than {v}?",
            "Delete all the non-{v} {entities}, going by {col}.",
            "Narrow the table to {v} in {col} by removing all other rows.",
        ]
    )
    text = t.format(col=ctx.col(h), v=v, entities=ctx.entities())
    return ctx.change(text, f"delete rows where {ctx.row_ref(h)} <> {excel_text(v)}", after)


@kind("delete_where_cmp", "delete_rows", "condition", "comparison")
def delete_where_cmp(ctx: Ctx) -> dict[str, Any] | None:
    m = ctx.one(ctx.numeric())
    x = threshold(ctx, m)
    phrase, op = comparison(ctx)
    test = _TESTS[op]
    after = _without(ctx, lambda r: not test(ctx.grid.value(r, m), x))
    if after is None:
        return None
    t = ctx.pick(
        [
            "Delete the {entities} with {m} {cmp} {n}.",
            "Remove every row where {m} is {cmp} {n}.",
            "Drop rows whose {m} is {cmp} {n}.",
            "Get rid of all rows where {m} is {cmp} {n}.",
            "Take out the {entities} where {m} is {cmp} {n}.",
            "I want every row with {m} {cmp} {n} deleted.",
            "Delete any row in which {m} is {cmp} {n}.",
            "If a row has {m} {cmp} {n}, remove it.",
            "Let's drop the {entities} that have {m} {cmp} {n}.",
            "Remove rows with {m} {cmp} {n} from the table.",
            "Could you delete all rows whose {m} is {cmp} {n}?",
            "Any row where {m} is {cmp} {n} needs to go.",
            "I need the {entities} with {m} {cmp} {n} removed from the sheet.",
            "Throw out all rows where the value in {m} is {cmp} {n}.",
            "Rows with {m} {cmp} {n} should be deleted.",
            "Go through {m} and delete every row where the value is {cmp} {n}.",
            "Can you get rid of the {entities} whose {m} is {cmp} {n}?",
            "Where {m} is {cmp} {n}, drop the row.",
            "Clean out every row that has {m} {cmp} {n}.",
            "Rows to delete: {m} {cmp} {n}.",
        ]
    )
    text = t.format(entities=ctx.entities(), m=ctx.col(m), cmp=phrase, n=ctx.number(x))
    return ctx.change(text, f"delete rows where {ctx.row_ref(m)} {op} {fmt_number(x)}", after)


@kind("delete_where_bool", "delete_rows", "boolean")
def delete_where_bool(ctx: Ctx) -> dict[str, Any] | None:
    flags = ctx.headers("bool")
    if not flags:
        return None
    h = ctx.one(flags)
    truth = ctx.rng.random() < 0.5
    after = _without(ctx, lambda r: r[h] is not truth)
    if after is None:
        return None
    yes, no = ctx.bool_words(h)
    if not truth and ("not" in no or "out" in no):
        ctx.tags.add("negation")
    t = ctx.pick(
        [
            "Delete the {entities} that are {w}.",
            "Remove every row that is {w}.",
            "Get rid of the rows marked {w}.",
            "Drop every row that is marked as {w}.",
            "Remove all the {entities} which are {w} from the table.",
            "Let's delete every row that is {w}.",
            "Delete all {entities} that are {w}.",
            "If a row is {w}, delete it.",
            "I want the rows that are {w} removed.",
            "Take out every row that is {w}.",
            "Could you remove the rows flagged as {w}?",
            "Is it possible to delete the rows that are {w}?",
            "I need the {entities} that are {w} taken out of the table.",
            "Throw away each row that's marked {w}.",
            "Where a row is {w}, get rid of it.",
            "Can you delete every one of the {entities} that is {w}?",
            "Strip out all the {entities} that are currently {w}.",
            "Rows marked {w} have to go.",
            "Clean up the table by deleting everything that is {w}.",
            "Remove {entities} that are {w}, leaving only the others.",
        ]
    )
    text = t.format(w=yes if truth else no, entities=ctx.grid.spec.entities)
    ref = ctx.row_ref(h)
    form = f"delete rows where {ref}" if truth else f"delete rows where NOT({ref})"
    return ctx.change(text, form, after)


# ---------------------------------------------------------------- replace, clear


@kind("replace_value", "replace")
def replace_value(ctx: Ctx) -> dict[str, Any] | None:
    cats = ctx.headers("category")
    if not cats:
        return None
    h = ctx.one(cats)
    old = ctx.one(ctx.grid.column(h))
    new = ctx.one([old.upper(), old[:3] + ".", f"{old} Team", f"New {old}"])
    if new.lower() == old.lower():
        new = f"{old} (old)"
    scoped = ctx.rng.random() < 0.6
    t = ctx.pick(
        [
            "Replace {old} with {new}{where}.",
            "Rename {old} to {new}{where}.",
            "Change every {old} to {new}{where}.",
            "Wherever it says {old}{where}, write {new} instead.",
            "Swap out {old} for {new}{where}.",
            "Update every {old}{where} to {new}.",
            "Find every {old}{where} and replace it with {new}.",
            "I want {new} wherever {old} appears{where}.",
            "Let's rename all {old} entries{where} to {new}.",
            "Change all occurrences of {old}{where} into {new}.",
            "Could {old}{where} be changed to {new} throughout?",
            "Replace{where}: {old} -> {new}",
            "I need {new} in place of every {old}{where}.",
            "Every {old}{where} should read {new} instead.",
            "Substitute {new} for {old}{where}.",
            "Search{where} for {old} and put {new} in its place.",
            "Can you find all the {old} values{where} and make them {new} instead?",
            "Overwrite each {old}{where}, writing {new} in its place.",
            "{old} has been renamed {new}; update it everywhere{where}.",
            "Do a find and replace{where}: {new} for every {old}.",
        ]
    )
    where = f" in {ctx.col(h)}" if scoped else ""
    after = ctx.grid.copy()
    columns = [h] if scoped else [x for x in after.data_headers if after.roles[x] != "derived"]
    for row in after.rows:
        for c in columns:
            if row is not None and isinstance(row.get(c), str) and row[c].lower() == old.lower():
                row[c] = new
    target = f" in {ctx.rng_ref(h)}" if scoped else ""
    form = f"replace {excel_text(old)} with {excel_text(new)}{target}"
    return ctx.change(t.format(old=old, new=new, where=where), form, after)


@kind("clear_cells", "clear")
def clear_cells(ctx: Ctx) -> dict[str, Any] | None:
    h = ctx.one(_editable(ctx))
    g = ctx.grid
    a = ctx.rng.randint(2, g.last_row - 1)
    b = ctx.rng.randint(a + 1, min(g.last_row, a + 3))
    letter = g.letter(h)
    t = ctx.pick(
        [
            "Clear {L}{a}:{L}{b}.",
            "Erase {col} in rows {a} to {b}.",
            "Empty the cells {L}{a} through {L}{b}.",
            "Blank out {col} for rows {a}-{b}.",
            "Delete the contents of {L}{a}:{L}{b}.",
            "Remove the values in {col} from row {a} to row {b}.",
            "Wipe {L}{a} to {L}{b}.",
            "I want cells {L}{a}:{L}{b} emptied.",
            "In {col}, clear rows {a} through {b}.",
            "Make {L}{a} through {L}{b} blank.",
            "Could the cells {L}{a} to {L}{b} be emptied?",
            "{L}{a}:{L}{b} should be empty.",
            "I need rows {a} to {b} of {col} blanked out.",
            "Delete what's in {col} for rows {a} through {b}, but keep the rows.",
            "Get rid of the values from {L}{a} down to {L}{b}.",
            "From row {a} to row {b}, wipe out the {col} values.",
            "Can you empty {col} on rows {a}-{b}?",
            "Clear out the range {L}{a}:{L}{b}, leaving the cells blank.",
            "Erase whatever is in cells {L}{a} through {L}{b}.",
            "Rows {a} to {b} in {col} need to be cleared.",
        ]
    )
    text = t.format(L=letter, a=a, b=b, col=ctx.col(h))
    after = g.copy()
    for r in range(a, b + 1):
        after.rows[r - 2][h] = None  # type: ignore[index]
    if _dependent(ctx, h):
        ctx.tags.add("recalc")
    return ctx.change(text, f"clear {letter}{a}:{letter}{b}", after)


@kind("clear_column", "clear")
def clear_column(ctx: Ctx) -> dict[str, Any] | None:
    h = ctx.one(_editable(ctx))
    t = ctx.pick(
        [
            "Clear all the values in {col}, keeping the header.",
            "Erase the data in {col} but leave its header.",
            "Empty {col} below the header.",
            "Remove every value from {col} but keep the header.",
            "Delete the contents of {col}, leaving the header in place.",
            "Blank out the cells of {col} below its header.",
            "Wipe the data in {col}; the header stays.",
            "I want {col} emptied, except for its header.",
            "Make every cell in {col} blank, apart from the header.",
            "Let's clear {col} but keep its header.",
            "Could you wipe out everything in {col} except the header?",
            "Only the header of {col} should remain; clear the rest.",
            "I need all the data in {col} cleared, but the header stays.",
            "Empty out every value in {col} while keeping its header.",
            "Erase every entry below the header of {col}, but not the header itself.",
            "Can you strip the values out of {col} but leave its header alone?",
            "Keep the header of {col} but blank every cell beneath it.",
            "Remove the contents of every data cell in {col}, but leave the header as it is.",
            "Everything under the header in {col} should be cleared.",
            "Clear {col} of all its values without touching the header.",
        ]
    )
    after = ctx.grid.copy()
    for row in after.rows:
        if row is not None:
            row[h] = None
    if _dependent(ctx, h):
        ctx.tags.add("recalc")
    return ctx.change(t.format(col=ctx.col(h)), f"clear {ctx.rng_ref(h)}", after)


# ---------------------------------------------------------------- rows and columns


@kind("insert_rows", "structure")
def insert_rows(ctx: Ctx) -> dict[str, Any] | None:
    g = ctx.grid
    r = ctx.rng.randint(2, g.last_row)
    n = ctx.one([1, 1, 2, 3])
    t = ctx.pick(
        [
            "Insert {k} at row {r}.",
            "Add {k} above row {r}.",
            "Put {k} before row {r}.",
            "Make room: insert {k} starting at row {r}.",
            "Insert {k} above row {r}.",
            "I want {k} inserted at row {r}.",
            "Before row {r}, insert {k}.",
            "Let's insert {k} right above row {r}.",
            "Add {k} at row {r}, moving the existing rows down.",
            "Create {k} at row {r} and shift the rows below down.",
            "Could you squeeze {k} in at row {r}?",
            "I need {k} above row {r}.",
            "Push row {r} and everything below it down to make space for {k}.",
            "Row {r} needs {k} inserted directly above it.",
            "Open up {k} at row {r}.",
            "Can you put {k} in front of row {r}?",
            "Add in {k} directly above what is now row {r}.",
            "Slot {k} into the sheet at row {r}.",
            "Give me {k} at row {r}, shifting everything below down.",
            "Where row {r} is now, insert {k} and move the existing data down.",
        ]
    )
    count = "a blank row" if n == 1 else f"{ctx.number(n)} blank rows"
    after = g.copy()
    for _ in range(n):
        after.rows.insert(r - 2, None)
    if g.total:
        ctx.tags.add("recalc")
    form = f"insert row {r}" if n == 1 else f"insert rows {r}:{r + n - 1}"
    return ctx.change(t.format(k=count, r=r), form, after)


@kind("delete_rows", "structure")
def delete_rows(ctx: Ctx) -> dict[str, Any] | None:
    g = ctx.grid
    if len(g.rows) < 3:
        return None
    r = ctx.rng.randint(2, g.last_row)
    n = ctx.one([1, 1, 2])
    n = min(n, g.last_row - r + 1)
    keys = ctx.headers("key")
    if n == 1 and keys and ctx.rng.random() < 0.4:
        ctx.tags.add("lookup")
        t = ctx.pick(
            [
                "Delete the row for {name}.",
                "Remove {name}'s row.",
                "Delete {name} from the table.",
                "Get rid of the row for {name}.",
                "Remove the entry for {name}.",
                "Drop {name}'s row from the table.",
                "I want {name} removed from the sheet.",
                "Take {name} out of the table.",
                "Let's delete the row belonging to {name}.",
                "{name} should no longer be in the table; delete that row.",
                "Could you take {name} off the sheet?",
                "{name} has to go; remove that row.",
                "I need the {name} row deleted.",
                "Find {name} and delete that row.",
                "Can you get rid of the record for {name}?",
                "Strike {name} from the list.",
                "The entry for {name} should be removed entirely.",
                "Remove the row that has {name} in it.",
                "Eliminate {name}'s row from the sheet.",
                "Scrap the {name} entry.",
            ],
            "key",
        )
    elif n == 1:
        t = ctx.pick(
            [
                "Delete row {r}.",
                "Remove row {r}.",
                "Get rid of row {r}.",
                "Drop row {r}.",
                "Delete the entire row {r}.",
                "Take out row {r}.",
                "I want row {r} deleted.",
                "Let's remove row {r} from the sheet.",
                "Row {r} should be deleted.",
                "Remove row {r} and shift the rows below up.",
                "Row {r} has to go.",
                "I don't need row {r} any more; delete it.",
                "Delete the whole of row {r}.",
                "Can you get row {r} out of the table?",
                "Wipe out row {r} completely, moving everything below it up.",
                "Scrap row {r}.",
                "Could you cut row {r} out entirely?",
                "Row {r} was entered by mistake, so remove it.",
                "Eliminate row {r} from the sheet.",
                "Get row {r} deleted and shift the rest up.",
            ],
            "one",
        )
    else:
        t = ctx.pick(
            [
                "Delete rows {r} to {s}.",
                "Remove rows {r} through {s}.",
                "Delete the rows from {r} to {s}.",
                "Drop rows {r} to {s}.",
                "Get rid of rows {r} through {s}.",
                "Delete rows {r}-{s}.",
                "I want rows {r} to {s} removed.",
                "Remove every row from {r} through {s}.",
                "Let's delete rows {r} through {s}, inclusive.",
                "Take out rows {r} to {s} and move the rest up.",
                "Rows {r} to {s} have to go.",
                "Could you remove rows {r} through {s} completely?",
                "I don't need rows {r}-{s} any more; delete them.",
                "Can you delete every row from {r} down to {s}?",
                "Scrap rows {r}:{s}.",
                "Wipe out rows {r} to {s} and close up the gap.",
                "From row {r} to row {s}, remove the rows entirely.",
                "Rows {r} through {s} were entered by mistake, so remove them.",
                "Eliminate rows {r} to {s} (both included).",
                "Cut rows {r}-{s} out of the sheet.",
            ],
            "many",
        )
    name = g.rows[r - 2][keys[0]] if keys else ""  # type: ignore[index]
    text = t.format(r=r, s=r + n - 1, name=name)
    after = g.copy()
    del after.rows[r - 2 : r - 2 + n]
    if g.total or g.derived:
        ctx.tags.add("recalc")
    form = f"delete row {r}" if n == 1 else f"delete rows {r}:{r + n - 1}"
    return ctx.change(text, form, after)


@kind("insert_column", "structure")
def insert_column(ctx: Ctx) -> dict[str, Any] | None:
    h = ctx.one(ctx.grid.data_headers)
    t = ctx.pick(
        [
            "Insert a blank column before {col}.",
            "Add an empty column to the left of {col}.",
            "Put a new empty column in front of {col}.",
            "Add a blank column just before {col}.",
            "Insert an empty column to the left of {col}.",
            "Create a new blank column immediately left of {col}.",
            "I want an empty column right before {col}.",
            "Shift {col} one place to the right by inserting an empty column in front of it.",
            "Let's insert a blank column immediately before {col}.",
            "Make room for a new empty column to the left of {col}.",
            "Could you slip an empty column in just before {col}?",
            "I need a new blank column directly in front of {col}.",
            "Push {col} one column to the right so there's an empty column where it was.",
            "To the left of {col}, add a blank column.",
            "An empty column should go immediately before {col}.",
            "Can you open up a blank column right before {col}?",
            "New empty column before {col}, please.",
            "Put in a blank column on the left side of {col}.",
            "Before {col}, add one blank column and move {col} and everything after it right.",
            "Give {col} an empty column on its left.",
        ]
    )
    after = ctx.grid.copy()
    after.headers.insert(after.headers.index(h), None)
    if ctx.grid.derived or ctx.grid.total:
        ctx.tags.add("recalc")
    return ctx.change(t.format(col=ctx.col(h)), f"insert column {ctx.column_ref(h)}", after)


@kind("delete_column", "structure")
def delete_column(ctx: Ctx) -> dict[str, Any] | None:
    g = ctx.grid
    used = set(g.derived.inputs) if g.derived else set()
    options = [
        h for h in g.data_headers if h not in used and h != g.total and h != g.data_headers[0]
    ]
    if not options:
        return None
    h = ctx.one(options)
    t = ctx.pick(
        [
            "Delete {col}.",
            "Remove {col} entirely.",
            "Get rid of {col}.",
            "Drop {col} from the sheet.",
            "Delete {col} from the table.",
            "Take {col} out of the sheet.",
            "I don't need {col} any more; delete it.",
            "Let's remove {col} completely.",
            "Drop {col} and shift the remaining columns left.",
            "Remove {col} and close the gap.",
            "Could you get {col} out of the sheet completely?",
            "We no longer use {col}, so delete it.",
            "Eliminate {col} from the sheet.",
            "I need {col} deleted and the columns after it moved left.",
            "Scrap {col}.",
            "Can you remove {col}? It isn't needed any more.",
            "Cut {col} out of the table and let the columns to its right move over.",
            "Strip {col} out of the table altogether.",
            "Delete {col} outright, so the columns after it shift left.",
            "Throw away {col} and close up the table.",
        ]
    )
    text = t.format(col=ctx.col(h))
    after = g.copy()
    after.headers.remove(h)
    if after.derived is not None and h == after.derived.header:
        after.derived = None
    return ctx.change(text, f"delete column {ctx.column_ref(h)}", after)
