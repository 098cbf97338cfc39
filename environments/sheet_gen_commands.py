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
            "Cell {a} needs to say {v}.",
            "Please change {a} so that it contains {v}.",
            "Plug {v} into {a}.",
            "Swap the current contents of {a} for {v}.",
            "Let's have {v} in {a}.",
            "Can you make cell {a} read {v}?",
            "{a} should now contain {v}.",
            "Assign {v} to cell {a}.",
            "Edit {a}: the new value is {v}.",
            "Would you set cell {a} to {v}, please?",
            "Please store {v} in {a}.",
            "Give {a} the value {v}.",
            "{a} = {v}",
            "The correct value for {a} is {v}; please fix it.",
            "Substitute {v} for the current entry in {a}.",
            "I'd like cell {a} to read {v}.",
            "Update {a} with the value {v}.",
            "Fill in {a} with {v}.",
            "Instead of what's there now, {a} should hold {v}.",
            "Amend cell {a} to {v}.",
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
            "{name}'s {col} needs changing to {v}.",
            "Please make {col} read {v} for {name}.",
            "On the {name} row, set {col} to {v}.",
            "Change {name}: {col} becomes {v}.",
            "Locate the row for {name} and change its {col} to {v}.",
            "The {col} value for {name} should be {v}.",
            "Could you set {col} to {v} on the row for {name}?",
            "{v} is now the {col} value for {name}.",
            "Record {v} as {name}'s {col}.",
            "Where {name} is listed, change {col} to {v}.",
            "Please assign {v} to {name}'s {col}.",
            "I'd like {name}'s {col} set to {v}.",
            "{col} needs to be {v} for {name}.",
            "Edit the {name} row so that {col} reads {v}.",
            "Overwrite {col} for {name} with {v}.",
            "{name}'s {col} is out of date; it's now {v}.",
            "For the row belonging to {name}, enter {v} under {col}.",
            "Look up {name} and replace its {col} with {v}.",
            "Adjust {name}'s {col} to {v}, please.",
            "Would you change {name}'s {col} so it reads {v}?",
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
            "Into cell {a}, put a formula for the {w} of {col}.",
            "Please make {a} return the {w} of {col}.",
            "Can you place the {w} of {col} in {a}?",
            "I'd like {a} to give the {w} of {col}.",
            "{a}: the {w} of {col}.",
            "Drop a formula into {a} computing the {w} of {col}.",
            "Figure out the {w} of {col} and record it in {a}.",
            "Set {a} to the {w} of {col}.",
            "Make cell {a} equal to the {w} of {col}.",
            "Would you enter the {w} for {col} into {a}?",
            "Cell {a} needs a formula giving the {w} of {col}.",
            "Write a formula for the {w} of {col}; it belongs in {a}.",
            "Using cell {a}, work out the {w} of {col}.",
            "Let {a} report the {w} of {col}.",
            "Please calculate the {w} across {col} and place it in {a}.",
            "I want to see the {w} of {col} appear in cell {a}.",
            "Can {a} hold a formula for the {w} of {col}?",
            "Place in {a} the {w} of {col}, as a formula.",
            "Get {a} to show the {w} of {col}.",
            "Record in {a} what the {w} of {col} is.",
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
            "Please set up a new column {n} giving {a} {w} {b} on each row.",
            'For each row, work out {a} {w} {b} and place it in a new column "{n}".',
            'Can you create a "{n}" column containing the {noun} of {a} and {b}?',
            "I would like a column named {n} where every row shows {a} {w} {b}.",
            "Extend the table with a column {n} = {a} {w} {b}.",
            'Need a new "{n}" column: the {noun} of {a} and {b}, row by row.',
            'Calculate {a} {w} {b} in a fresh column titled "{n}".',
            'Add "{n}" as a new column, defined as {a} {w} {b}.',
            "New column, heading {n}, that shows the {noun} of {a} and {b} for every row.",
            "Would you add a column, {n}, where each row gets {a} {w} {b}?",
            'Build a column "{n}" out of {a} {w} {b}.',
            "Add a column at the right called {n}; fill it with the {noun} of {a} and {b}.",
            'Make room for a new column "{n}" and have it compute {a} {w} {b}.',
            'In a new column headed "{n}", give {a} {w} {b} for each row.',
            "Create {n} as an extra column holding {a} {w} {b} per row.",
            'Please insert a calculated column called "{n}" for {a} {w} {b}.',
            'Each row should get a value in a new column "{n}": {a} {w} {b}.',
            "Can I get a new column {n} that works out the {noun} of {a} and {b}?",
            'Add a formula column "{n}" that takes {a} {w} {b}.',
            'Use a new column named "{n}" to show {a} {w} {b} across all rows.',
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
            'Please add a {n} column; put "{y}" in it when {m} is {cmp} {k}, and "{o}" when it '
            "isn't.",
            'New column "{n}": "{y}" if {m} {cmp} {k}, otherwise "{o}".',
            'I would like a new column called {n} that reads "{y}" for rows having {m} {cmp} {k}; '
            'every other row should read "{o}".',
            'Can you add a column {n} which returns "{y}" if {m} is {cmp} {k} and "{o}" in every '
            "other case?",
            'Create a new "{n}" column, filled with "{y}" for each row whose {m} is {cmp} {k} and '
            'with "{o}" elsewhere.',
            'Whenever {m} is {cmp} {k}, show "{y}" in a new column {n}; show "{o}" in the other '
            "rows.",
            'Add a column named "{n}" using an IF formula: "{y}" when {m} is {cmp} {k}, "{o}" '
            "when it is not.",
            'Give each row a "{n}" value: "{y}" if {m} is {cmp} {k}, "{o}" otherwise.',
            'Flag with "{y}" in a new column "{n}" every row whose {m} is {cmp} {k}, and put '
            '"{o}" in the remaining rows.',
            'Add a column {n} that is "{y}" exactly when {m} is {cmp} {k}, and "{o}" otherwise.',
            'Could we have a new column "{n}" where rows with {m} {cmp} {k} are marked "{y}" and '
            'the rest "{o}"?',
            'I need a column called "{n}" that returns "{y}" if the row\'s {m} is {cmp} {k}, or '
            '"{o}" if not.',
            'Append a column "{n}" that checks {m} against {k}: "{y}" if it is {cmp} {k}, "{o}" '
            "otherwise.",
            'In a new column {n}, write "{y}" next to rows where {m} is {cmp} {k} and "{o}" next '
            "to the others.",
            'Make a new column titled "{n}" holding "{y}" when {m} is {cmp} {k}, "{o}" in any '
            "other row.",
            'Add "{n}" as a column: "{y}" where {m} is {cmp} {k}, and "{o}" everywhere else.',
            'Rows with {m} {cmp} {k} should be labelled "{y}" in a new column {n}; label the '
            'others "{o}".',
            'Please create a column "{n}" that tests whether {m} is {cmp} {k}, giving "{y}" if '
            'true and "{o}" if false.',
            'If a row\'s {m} is {cmp} {k}, a new column "{n}" should read "{y}"; if it isn\'t, it '
            'should read "{o}".',
            'Use a new column, {n}, to mark rows "{y}" when {m} is {cmp} {k} and "{o}" when not.',
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
                "Fill a new column, {n}, with {c} rewritten in capitals.",
                "Capitalise every letter of {c} in a new column called {n}.",
                "Please create a new {n} column where each entry is the text from {c} in upper "
                "case.",
                'I\'d like a new column, "{n}", that repeats {c} in uppercase letters.',
                "Would you add an uppercase copy of {c} as a new column named {n}?",
                'At the end of the table, add a column "{n}" with the contents of {c} in capital '
                "letters.",
                "Uppercase {c} into a fresh column, {n}.",
                "Need a column {n} = {c} in caps.",
                'Build a column named "{n}" from {c}, turning every letter into a capital.',
                'A new column "{n}" with {c} all uppercase, please.',
                "Can you generate {n} as a new column containing {c} in upper case?",
                "The text in {c}, converted to capitals, should go into a new column {n} for "
                "every row.",
                "Add {n} as a new column and fill it with {c} in uppercase form.",
                'Show {c} in capital letters in an additional column titled "{n}".',
                'Please produce a column "{n}" whose entries are {c} set in upper case.',
                "In a new column, {n}, write out {c} using only capital letters.",
                "Could a column named {n} be added that gives {c} in uppercase?",
                'Upper-case version of {c} in a new column "{n}", please.',
                "Turn {c} into all capitals and save it as a new column {n}.",
                "{n} should be a new column: {c} with all letters capitalised.",
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
                "Add a new column {n} holding a {k}-character prefix of {c}.",
                'Could you make a column "{n}" that shows only the opening {k} characters of {c}?',
                "Take the leading {k} characters of {c} for each row and place them in a new "
                "column {n}.",
                'I\'d like a "{n}" column containing the beginning of {c}, {k} characters long.',
                "Please shorten {c} to its first {k} characters in a new column named {n}.",
                "{n}: a new column with the first {k} characters of {c}, nothing more.",
                'Would you add a column "{n}" holding just the initial {k} characters of {c}?',
                "Abbreviate {c} to {k} characters (counting from the left) in a new column {n}.",
                "Need a new column {n}: leftmost {k} chars of {c}.",
                'From {c}, copy the first {k} characters of every entry into a new column "{n}".',
                "Make a {k}-character code from the start of {c} in a new column {n}.",
                'The first {k} characters of {c} are what the new column "{n}" should contain.',
                "Can I have a new column {n} with everything in {c} cut off after {k} characters?",
                'Add a column "{n}" that clips {c} to its first {k} characters.',
                "Please fill a new column {n} by taking {c} and dropping everything after "
                "character {k}.",
                'A new column "{n}" showing the left-hand {k} characters of {c}, please.',
                "Starting from the left of {c}, keep {k} characters and put them in a new column "
                "{n}.",
                "Set up a column named {n} whose values are the first {k} characters of {c}.",
                'Grab the first {k} characters from {c} and store them in a new "{n}" column.',
                "Shorten each value in {c} to {k} characters from the left, in a new column {n}.",
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
                'Add a column "{n}" that reports how long {c} is in each row, counting characters.',
                "Could you put the number of characters of {c} in a fresh column named {n}?",
                'I\'d like to see the character length of {c} in a new column, "{n}".',
                "{n} should be a new column giving the count of characters in {c}.",
                "Count how many characters {c} contains on every row; the counts go in a new "
                "column {n}.",
                'Please fill a new column "{n}" with the length of the text in {c}.',
                "Need a new column {n}: character count of {c}.",
                "How long is {c} in each row? Show it, in characters, in a new column called {n}.",
                "Create {n} as a new column holding the string length of {c}.",
                'Would you add a "{n}" column with the total number of characters in {c}?',
                "Tally the characters in {c} row by row and record each total in a new column {n}.",
                'A new column "{n}" with the length of {c}, please.',
                "For {c}, compute the length in characters of every entry and write it into a new "
                "column {n}.",
                'Set up a new column named "{n}" that holds how many characters are in {c}.',
                "In a new column {n}, record the character count of each value in {c}.",
                "Can you make a column {n} showing the number of characters that {c} has on each "
                "row?",
                'Measure {c} in characters and list the result for each row in a new column "{n}".',
                "Add {n} as a new column: the length of {c}, counted in characters.",
                "Each row's character count for {c} belongs in a new column, {n}.",
                'Find the length of {c} for each row and put it in a newly added column "{n}".',
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
                'Add a column "{n}" where {c} appears entirely in lowercase letters.',
                "Could you put a lower-case copy of {c} into a new column called {n}?",
                "{n} should be a new column holding {c}, converted entirely to small letters.",
                'I\'d like {c} in lowercase form in a new column "{n}".',
                "Please lowercase {c} into a new column named {n}.",
                "Need a new column {n} in which no letter of {c} is capitalised.",
                'Build a new "{n}" column by converting {c} to small letters.',
                "Would you add a column {n} giving {c} without any uppercase letters?",
                'Take the text in {c}, make it lowercase, and save it to a new column "{n}".',
                "Set up a new column named {n} whose values are {c} in lowercase.",
                'A lowercase version of {c} in a new column "{n}", please.',
                "In a new column, {n}, write {c} out in lower-case letters.",
                'Can I get a column called "{n}" with {c} lowercased for every row?',
                "Create {n} as an additional column that gives {c} in all lower case.",
                'Show {c} in small letters in a new column titled "{n}".',
                "Turn every letter of {c} into lowercase and store it in a fresh column {n}.",
                'The text from {c} should be lowercased into a new column "{n}", row by row.',
                "Add {n} as a new column, filled with the contents of {c} in lower case.",
                "Generate a new column {n} containing {c}, all in lowercase letters.",
                'Using LOWER, give me a new column "{n}" made from {c}.',
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
            'Please fill a new column "{n}" with {a} and {b} joined together, "{s}" in between.',
            'Could you create {n} as a new column where each entry is {a}, the text "{s}", and '
            "{b}, run together?",
            'I\'d like a new column, "{n}", made of {a} and {b} with the separator "{s}" placed '
            "between them.",
            'New column {n}: {a}, "{s}", {b}, all strung together.',
            'Join {a} with {b} in a fresh column named "{n}", putting "{s}" between the two '
            "values.",
            'Build a {n} column: start with {a}, add "{s}", and finish with {b}.',
            'Would you add a column called "{n}" that stitches {a} and {b} together using "{s}"?',
            '{n} should be a new column containing {a} then {b}, separated by "{s}".',
            'Set up a new column "{n}" by concatenating {a} with {b}, with "{s}" as the delimiter.',
            'For each row, combine {a} and {b} (in that order) with a "{s}" separator, and put '
            "the result in a new column {n}.",
            'Using "{s}" as the glue, join {a} to {b} in a new column called "{n}".',
            'Make a new column named {n} in which {a} comes first, then "{s}", then {b}.',
            'A new "{n}" column with {a} and {b} joined by "{s}", please.',
            "Can I get a column {n} where {a} and {b} are merged into one text, {a} first and "
            '"{s}" between them?',
            'Add {n} as a new column, formed by {a}, the separator "{s}", and {b}, one after '
            "another.",
            'Write {a}, followed by "{s}", followed by {b}, into a new column named "{n}" for '
            "every row.",
            'Put "{s}" between {a} and {b} and store the joined text in a new column {n}.',
            'Need a new column "{n}": {a} and {b} concatenated with "{s}" in the middle.',
            'Create a combined column, {n}, that puts {a} before {b} with "{s}" separating them.',
            "In a new column called {n}, show {a} and {b} as one string, {a} on the left, divided "
            'by "{s}".',
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
            'Please add a column "{n}" in which {m} is multiplied by {r} and the product rounded '
            "to {places}.",
            "Could you set up {n} as a new column that takes {p}% of {m} and rounds it to "
            "{places}?",
            'I\'d like {p} per cent of {m} worked out in a new column named "{n}", rounded to '
            "{places}.",
            'Rounded to {places}: {p}% of {m}, in a new column "{n}".',
            "Round {m} times {r} to {places} and put the result in a new column {n}.",
            "Add one more column, {n}, where each row holds {p}% of {m} after rounding to "
            "{places}.",
            "{n} is a new column I need, computed as {m} times {r} and rounded to {places}.",
            "Would you calculate {p}% of {m} for each row and save it, rounded to {places}, in a "
            'new column "{n}"?',
            "Set up a column called {n} whose values are {m} scaled by {r} and rounded to "
            "{places}.",
            'Compute a new column "{n}" as {r} times {m}, rounding each result to {places}.',
            "Take {p}% of {m}, round to {places}, and record it in a new column named {n}.",
            'Can I have a new "{n}" column with {m} multiplied by {r}, rounded to {places}?',
            "Make {n} a new column holding {p} percent of {m}, with rounding to {places}.",
            "Per row, I want {p}% of {m} as a new column {n}; round it to {places}.",
            "Need {n} added as a column: {m} * {r}, rounded to {places}.",
            'Show {p} percent of {m} in an extra column titled "{n}", rounded to {places}.',
            'Based on {m}, work out a {p}% {n} for every row and put it in a new column "{n}", '
            "rounded to {places}.",
            "Generate a new column {n} equal to {m} times {r}; the values should be rounded to "
            "{places}.",
            'Fill a new column "{n}" by applying a {p}% rate to {m}, then rounding to {places}.',
            "In a new column named {n}, put {p}% of the value in {m}, rounded to {places}.",
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
            'Please add one more column, "{n}", without filling in any values.',
            "Could you put a new column called {n} at the far right and leave its cells empty?",
            'I\'d like a blank "{n}" column added to the end of the table.',
            'New column "{n}", blank.',
            "{n} needs to be added as a new, empty column at the end.",
            "Would you create an additional column named {n} with no data underneath the header?",
            'Just add the header "{n}" as a new last column; no values below it.',
            "Start a new column titled {n} after the last one and don't put anything in it.",
            'Make room for a column "{n}" at the end of the table, header only.',
            "Add an extra column, {n}, to the right of everything else, empty for now.",
            'Can you tack on a blank column with the title "{n}"?',
            'Create an empty "{n}" column as the last column in the sheet.',
            "Need an empty column {n} at the end.",
            'A column named "{n}" should be added after the existing columns, with its cells left '
            "blank.",
            'Put in a blank column with the header "{n}" after the final column.',
            "Please append {n} as a new column without any entries.",
            'Would it be possible to add an unfilled column called "{n}" to the table?',
            "Add the heading {n} to the next free column, and nothing else.",
            'One more column at the end, please: "{n}", left empty.',
            'Extend the table with a blank column labelled "{n}".',
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
            "Please calculate, for every cell in {r}, column {a} {w} column {b} on the same row.",
            "Could you fill {t}2 through {t}{last} with {a}2{op}{b}2, adjusting the row each time?",
            "I'd like {r} filled with the row-by-row result of column {a} {w} column {b}.",
            "Rows 2-{last} of column {t}: {a}2{op}{b}2, copied down.",
            "Starting at {t}2 and going down to {t}{last}, enter column {a} {w} column {b} for "
            "each row.",
            "Put the formula ={a}2{op}{b}2 in {t}2 and copy it down through row {last}.",
            "Each cell in {r} should contain column {a} {w} column {b}, taken from the same row.",
            "Would you fill column {t} for rows 2 to {last} with the result of column {a} {w} "
            "column {b}?",
            "Compute column {a} {w} column {b} on every row and enter the answers in {r}.",
            "Fill down {r} with {a}2{op}{b}2.",
            "Need the cells {r} to show column {a} {w} column {b} for their own rows.",
            "Can you populate column {t} from row 2 down to row {last} with {a}2{op}{b}2, "
            "adjusted for each row?",
            "Set each cell of {r} to the value in column {a} {w} the value in column {b} on that "
            "row.",
            "Use the formula {a}2{op}{b}2 for {t}2 and extend it down to {t}{last}.",
            "For every row from 2 to {last}, work out column {a} {w} column {b} and write it in "
            "column {t}.",
            "Go through {r} and make each cell equal column {a} {w} column {b} for its row.",
            "{r} needs the per-row result of column {a} {w} column {b}.",
            "Copy the formula {a}2{op}{b}2 down {r}, one row at a time.",
            "Write column {a} {w} column {b} into {r}, matching each row.",
            "In column {t}, rows 2 to {last}, enter the formula {a}2{op}{b}2 so it adjusts per "
            "row.",
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
            "Please rearrange the table by {col}, {o}.",
            "Could you re-sort the {entities} by {col} ({o})?",
            "I'd like the rows ordered {o} by {col}.",
            "Sorted by {col}, {o}, please.",
            "Use {col} to order the rows, {o}.",
            "Sort everything on {col} so that it runs {o}.",
            "Would you sort the sheet by {col} ({o})?",
            "Shift the rows around until {col} is in order, {o}.",
            "Is it possible to have the {entities} arranged on {col}, {o}?",
            "Apply a sort on {col}, {o}, to the whole table.",
            "Rearrange the {entities} according to {col}, {o}.",
            "I need a sort: key {col}, order {o}.",
            "Order everything by {col} ({o}), moving whole rows together.",
            "With {col} as the sort key, arrange the {entities} {o}.",
            "Can you reorder the table based on {col}, {o}?",
            "Have the rows sorted by {col}, {o}.",
            "Re-sort the data on {col}, {o}, keeping rows intact.",
            "The table needs sorting by {col}, {o}.",
            "By {col}, {o}: that is how the rows should be sorted.",
            "A sort on {col} ({o}) would be great.",
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
            "Please sort the table by {a} ({oa}), and for rows with equal values in {a}, by {b} "
            "({ob}).",
            "Could you sort the {entities} by {a}, {oa}, then use {b}, {ob}, as a tiebreak?",
            "First key {a} ({oa}), second key {b} ({ob}): sort the rows that way.",
            "I'd like a multi-level sort with {a} {oa} at the top level and {b} {ob} beneath it.",
            "Rearrange the rows so {a} runs {oa} and, among rows that tie on {a}, {b} runs {ob}.",
            "Sort by two columns: {a} first ({oa}), {b} second ({ob}).",
            "Would you sort the {entities} by {a} ({oa}) and, if that's a tie, by {b} ({ob})?",
            "The main sort is {a}, {oa}; ties are settled by {b}, {ob}.",
            "Group the {entities} by {a} ({oa}), then order each group by {b} ({ob}).",
            "Can you sort on {a} ({oa}) and after that on {b} ({ob})?",
            "Order by {a} {oa}; secondary order by {b} {ob}.",
            "Need the rows sorted: {a} {oa}, and then {b} {ob}.",
            "Using {a} ({oa}) as the first sort level and {b} ({ob}) as the second, reorder the "
            "table.",
            "Rearrange the {entities} by {a}, {oa}, with {b} ({ob}) deciding the order among rows "
            "that tie.",
            "Put the rows in order by {a} ({oa}), and by {b} ({ob}) whenever two rows match on "
            "{a}.",
            "Do a sort with {a} {oa} as the primary key, followed by {b} {ob}.",
            "Arrange the data by {a}, {oa}; rows that share a value in {a} should then be "
            "arranged by {b}, {ob}.",
            "Two-key sort please: {a} ({oa}), then {b} ({ob}).",
            "Reorder everything by {a} {oa}, falling back on {b} {ob} when {a} is tied.",
            "Sort the {entities} on {a} ({oa}) first and on {b} ({ob}) second.",
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
            "Please remove any row that has {col} equal to {v}.",
            "Could you delete each of the {entities} where the value in {col} is {v}?",
            "I'd like the {v} rows gone from the table.",
            "Rows with {v} in {col}: delete them.",
            "Delete each row in which {col} holds {v}.",
            "Would you strip out every {v} entry in {col}, removing the whole row?",
            "Purge the {entities} that are marked {v} in {col}.",
            "Remove from the table all {entities} where {col} = {v}.",
            "Need the {v} rows deleted.",
            "Eliminate all rows where {col} is equal to {v}.",
            "Can the {entities} having {v} in {col} be removed?",
            "If a row's {col} is {v}, delete it.",
            "Strike every {v} row from the table.",
            "Discard the rows whose value in {col} is {v}.",
            "All {entities} listed as {v} under {col} need to be removed.",
            "Please take every {v} row out of the table.",
            "Delete whichever rows show {v} under {col}.",
            "Go through {col} and remove the row each time you see {v}.",
            "After this, no row should have {v} in {col}; delete the ones that do.",
            "Would you remove the {entities} for which {col} is {v}?",
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
            "Please delete every row whose {col} is something besides {v}.",
            "Could you reduce the table to just the rows with {v} in {col}?",
            "I'd like to keep the {v} {entities} and get rid of everything else.",
            "Only the {v} rows should survive; delete the others.",
            "Anything in {col} that isn't {v}: delete that row.",
            "Retain just the rows where {col} equals {v} and delete the remainder.",
            "Would you delete any row whose {col} differs from {v}?",
            "Strip the table down to the {v} entries in {col}.",
            "Leave nothing but the {entities} where {col} is {v}.",
            "Need only the {v} rows kept; the others can be deleted.",
            "Except for rows with {v} in {col}, delete everything.",
            "Can you cut the table down so only {entities} with {col} = {v} remain?",
            "Keep the rows where {col} is {v}, and delete every other row.",
            "Every row where {col} is different from {v} should be removed.",
            "Get rid of the rows not matching {v} in {col}.",
            "Where {col} is anything but {v}, remove the row.",
            "Reduce the {entities} to the {v} ones by deleting all others.",
            "So that only {v} is left in {col}, delete the rows that have other values.",
            "Remove whichever {entities} have a value other than {v} in {col}.",
            "The table should end up with just the {v} rows; delete all the others.",
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
            "Please purge the sheet of any row where {m} is {cmp} {n}.",
            "Every row whose {m} value is {cmp} {n} must be removed.",
            "Which rows have {m} {cmp} {n}? Delete all of them.",
            "Condition for deletion: {m} {cmp} {n}.",
            "Anything with {m} {cmp} {n} should be cut from the table.",
            "Would you delete each of the {entities} where the {m} figure is {cmp} {n}?",
            "I'd like all {entities} with {m} {cmp} {n} wiped from the table.",
            "Scan down {m} and, whenever a value is {cmp} {n}, remove that row.",
            "Please eliminate each row in which the {m} value is {cmp} {n}.",
            "Cull the {entities} with {m} {cmp} {n}.",
            "Those {entities} whose {m} is {cmp} {n} aren't needed, so delete them.",
            "The table should be left with no rows where {m} is {cmp} {n}.",
            "Strike out every entry whose {m} is {cmp} {n}.",
            "Would you remove from the table all the {entities} showing {m} {cmp} {n}?",
            "For each row, check {m}: if it's {cmp} {n}, delete the row.",
            "No row with {m} {cmp} {n} should remain in the sheet.",
            "Whenever {m} is {cmp} {n}, the whole row should come out.",
            "Cut from the sheet any row whose {m} is {cmp} {n}.",
            "Are you able to delete the lines where {m} is {cmp} {n}?",
            "Bin every row with {m} {cmp} {n}, leaving the others untouched.",
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
            "Please delete any {entities} marked as {w}.",
            "All {entities} that are {w} can be removed from the sheet.",
            "Purge the {entities} flagged {w}.",
            "Would you remove each row showing {w}?",
            "Rows showing {w}: delete them.",
            "I'd like to get rid of the {entities} that are {w}.",
            "Whichever {entities} are {w} should be deleted.",
            "Any of the {entities} listed as {w} should come out of the table.",
            "Get the ones that are {w} out of the table.",
            "Strip the table of every row that's {w}.",
            "For every row that is {w}, delete the row.",
            "Please eliminate the {entities} recorded as {w}.",
            "Can the rows marked as {w} be deleted?",
            "Which {entities} are {w}? Remove those rows.",
            "Axe each of the {entities} that's {w}.",
            "Remove from the sheet any row labelled {w}.",
            "Every row that shows as {w} needs deleting.",
            "I'd rather not keep the {entities} that are {w}; delete those rows.",
            "Bin all the {entities} listed as {w}.",
            "Would you purge the rows where the {entities} are {w}?",
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
            "Please change {old}{where} so it says {new}.",
            "{old}{where} should become {new}.",
            "Rewrite each {old}{where} as {new}.",
            "Can every instance of {old}{where} be replaced by {new}?",
            "Each time {old} shows up{where}, use {new} instead.",
            "Use {new} in place of {old}{where}.",
            "Turn all the {old} values{where} into {new}.",
            "We're calling {old} {new} from now on, so update every occurrence{where}.",
            "Relabel {old} as {new}{where}.",
            "Edit every {old}{where} to read {new}.",
            "Could you put {new} wherever there's {old}{where}?",
            "{old} needs to be {new}{where}.",
            "Run a find/replace{where} turning {old} into {new}.",
            "Every cell{where} holding {old} should say {new} instead.",
            "Convert {old} to {new}{where}.",
            "I'd like each {old}{where} replaced by {new}.",
            "Switch {old} over to {new}{where}.",
            "The value {old}{where} should be changed to {new} in every case.",
            "Would you exchange {old} for {new}{where}?",
            "Cells reading {old}{where} need to show {new}.",
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
            "Please blank {L}{a} to {L}{b}.",
            "Empty rows {a} through {b} of {col}, leaving the rows themselves in place.",
            "Remove the data from {col} between rows {a} and {b}, inclusive.",
            "Can you clear the {col} cells on rows {a} to {b}?",
            "The cells {L}{a} to {L}{b} need their contents deleted.",
            "I'd like {L}{a}:{L}{b} wiped clean.",
            "For rows {a}-{b}, empty out {col}.",
            "Erase the {col} entries for rows {a} through {b}.",
            "Please take the values out of {L}{a}:{L}{b} and leave those cells empty.",
            "Would you blank the range {L}{a} to {L}{b}?",
            "Set {L}{a} through {L}{b} to blank.",
            "Range {L}{a}:{L}{b}: clear the contents.",
            "Nothing should be left in {col} from row {a} to row {b}.",
            "Zap the contents of {L}{a} through {L}{b}.",
            "Could the {col} values in rows {a} to {b} be erased?",
            "Empty cells {L}{a} down to {L}{b}, keeping the rows.",
            "In rows {a} through {b}, remove whatever {col} contains.",
            "I need {L}{a} to {L}{b} cleared of their values.",
            "Wipe the values out of {col}, rows {a} to {b} only.",
            "Clean out {col} across rows {a}-{b}.",
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
            "Please empty every data cell in {col}; leave the header alone.",
            "Keep {col}'s header, but clear out all of its values.",
            "Can all the values under the {col} header be erased?",
            "The data in {col} should be cleared, but its header should not.",
            "I'd like {col} emptied of data, with the heading left as is.",
            "Leave only the header in {col} and remove everything below it.",
            "Could everything beneath the header of {col} be blanked?",
            "Delete all entries in {col} (not the header).",
            "Header of {col} stays; all other cells in it get cleared.",
            "Set every value in {col} to blank, but don't touch the header.",
            "Would you erase the data in {col} while leaving its title in place?",
            "Strip all data out of {col}, heading excepted.",
            "Please wipe every value in {col} and keep just its header.",
            "Clear the data cells of {col} while its header stays put.",
            "Every cell in {col} apart from the header needs to be empty.",
            "Make {col} blank from the first data row down, leaving the header.",
            "Is it possible to clear {col} but not its header?",
            "What I need: {col} emptied, header kept.",
            "Reset {col} to empty below the header.",
            "Beneath its header, {col} should have no values left.",
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
            "Please add {k} at row {r}, pushing the existing rows down.",
            "Can {k} be inserted at row {r}?",
            "At row {r}, put in {k}.",
            "Shift rows {r} onward down to fit {k}.",
            "I'd like {k} added just above the current row {r}.",
            "Insert: {k} at row {r}.",
            "We need {k} at row {r}; move the data below down.",
            "Insert {k} so that the new space begins at row {r}.",
            "Add {k} ahead of row {r}.",
            "Please make space for {k} directly above row {r}.",
            "Would you insert {k} immediately above row {r}?",
            "Stick {k} in at row {r}.",
            "Put {k} into the table at row {r}, moving what's there downward.",
            "Above the current row {r}, insert {k}.",
            "Can you fit {k} in at row {r}?",
            "There should be {k} at row {r}, with the existing rows shifted down.",
            "Add {k} to the sheet, starting at row {r}.",
            "Nudge everything from row {r} down and leave {k} in the gap.",
            "Row {r}: insert {k} above it.",
            "Is it possible to insert {k} right at row {r}?",
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
                "Please purge {name} from the table.",
                "Can the row for {name} be removed?",
                "{name} is no longer needed; take that row out.",
                "Delete the whole row where {name} appears.",
                "Would you delete the line for {name}?",
                "I'd like the {name} entry gone from the table.",
                "Please remove the record belonging to {name}.",
                "Locate {name} and remove the whole row.",
                "Delete whichever row holds {name}.",
                "Get {name}'s row out of the table.",
                "The table shouldn't have a row for {name} any more; delete it.",
                "Purge {name}'s record.",
                "Axe the row for {name}.",
                "Kindly drop {name} from the list.",
                "Can you delete {name} entirely?",
                "Remove {name} completely, row and all.",
                "{name}'s row needs to be deleted.",
                "Take out the line with {name}.",
                "Is it possible to remove {name} from the table?",
                "Cut {name}'s row from the sheet.",
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
                "Please delete row {r}, shifting the rows underneath up.",
                "Can row {r} be removed?",
                "Row {r}: delete it.",
                "I'd like row {r} gone.",
                "Axe row {r}.",
                "Would you delete the row numbered {r}?",
                "Remove sheet row {r} in its entirety.",
                "Row {r} isn't needed, so please remove it.",
                "Please cut row {r} from the sheet.",
                "Delete row number {r}.",
                "Is it possible to delete row {r}?",
                "Get row {r} out of the sheet and close the gap.",
                "Row number {r} should come out.",
                "Purge row {r}.",
                "Could you drop row {r} from the table?",
                "Row {r} can go.",
                "Take row {r} away, moving the rows below it up one.",
                "Discard row {r}.",
                "I'd prefer row {r} removed entirely.",
                "Strike row {r} from the sheet.",
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
                "Please delete rows {r} through {s}, shifting the rest up.",
                "Can rows {r} to {s} be removed?",
                "Rows {r}-{s}: delete.",
                "I'd like rows {r} through {s} gone.",
                "Purge rows {r} to {s}.",
                "Would you cut out rows {r} through {s}?",
                "Remove the block of rows from {r} to {s}.",
                "Row {r} down to row {s} should be deleted.",
                "Delete both row {r} and row {s}.",
                "Please remove rows {r} and {s} from the sheet.",
                "Get rid of the rows numbered {r} to {s}.",
                "Is it possible to delete rows {r} through {s}?",
                "The rows from {r} up to and including {s} should be removed.",
                "Discard rows {r}:{s} and close up the table.",
                "Rows {r} through {s} aren't needed; please delete them.",
                "Strike rows {r} to {s} from the table.",
                "Take rows {r}-{s} out completely.",
                "Starting at row {r} and ending at row {s}, delete the rows.",
                "Can you drop rows {r} through {s}, shifting everything below up?",
                "I'd prefer to have rows {r} to {s} deleted.",
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
            "Please add a blank column immediately to the left of {col}.",
            "Can an empty column go in right before {col}?",
            "Left of {col}, insert one empty column.",
            "I'd like a fresh blank column placed ahead of {col}.",
            "Insert one new empty column so that it sits directly left of {col}.",
            "Would you add a blank column in front of {col}, moving {col} and what follows it to "
            "the right?",
            "Slide {col} and the columns after it one place right, leaving an empty column where "
            "{col} was.",
            "Empty column needed just left of {col}.",
            "Can you make space for a blank column ahead of {col}?",
            "Stick an empty column in immediately to the left of {col}.",
            "A new blank column has to be added in front of {col}.",
            "Is it possible to insert an empty column just ahead of {col}?",
            "Add one column, with nothing in it, right before {col}.",
            "On the left-hand side of {col}, put a new blank column.",
            "I need space for an extra column in front of {col}; insert it empty.",
            "Move {col} over one to the right by adding a blank column before it.",
            "Squeeze a blank column in ahead of {col}.",
            "Just before {col}, there should be a new empty column.",
            "Create space: one empty column directly to the left of {col}.",
            "Could we get an empty column right in front of {col}?",
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
            "Please remove {col} from the table entirely.",
            "Can {col} be deleted?",
            "Axe {col}.",
            "I'd like {col} gone, with the columns to its right shifting over.",
            "Purge {col} from the sheet.",
            "Would you delete the whole of {col}?",
            "Remove {col}, header and all.",
            "Is it possible to get rid of {col}?",
            "There's no use for {col} any longer; remove it.",
            "Discard {col} completely.",
            "Cut out {col}, shifting the later columns left.",
            "Take away {col} along with everything in it.",
            "Please drop {col}; it's obsolete.",
            "Delete {col}, including its header, and close up the space.",
            "Bin {col}.",
            "The sheet should no longer contain {col}; delete it.",
            "Excise {col} from the table.",
            "I'd prefer the table without {col}; please delete it.",
            "Could you delete {col} and move the following columns one place left?",
            "Have {col} removed from the sheet.",
        ]
    )
    text = t.format(col=ctx.col(h))
    after = g.copy()
    after.headers.remove(h)
    if after.derived is not None and h == after.derived.header:
        after.derived = None
    return ctx.change(text, f"delete column {ctx.column_ref(h)}", after)
