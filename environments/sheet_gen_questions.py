"""Question kinds of the sheet task generator: aggregates, conditional counts and sums,
lookups, superlatives, lists. Each computes its answer in plain Python from the grid.
"""

from __future__ import annotations

import math
import statistics
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .sheet_gen_core import ORDINALS, Ctx, excel_text, fmt_number, is_num, kind
from .sheet_gen_tables import Value, words

MONTHS = words(
    "January February March April May June July August September October November December"
)

# Comparison words: (phrase, operator, negated wording?)
GREATER = (("above", ">"), ("over", ">"), ("more than", ">"), ("greater than", ">"))
GREATER_EQ = (("at least", ">="), ("no less than", ">="))
LESS = (("below", "<"), ("under", "<"), ("less than", "<"), ("lower than", "<"))
LESS_EQ = (("at most", "<="), ("no more than", "<="))
COMPARATORS = GREATER + GREATER_EQ + LESS + LESS_EQ
_TESTS = {
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}


def nums(ctx: Ctx, header: str) -> list[float]:
    return [v for v in ctx.grid.column(header) if is_num(v)]  # type: ignore[misc]


def threshold(ctx: Ctx, header: str) -> float:
    """A round threshold inside the column's range, so counts are neither all nor none."""
    xs = sorted(nums(ctx, header))
    pick = xs[ctx.rng.randrange(1, len(xs) - 1)] if len(xs) > 2 else xs[0]
    return float(math.floor(pick)) if abs(pick) >= 1 else round(pick, 1)


def comparison(ctx: Ctx) -> tuple[str, str]:
    phrase, op = ctx.one(COMPARATORS)
    if phrase.startswith("no "):
        ctx.tags.add("negation")
    return phrase, op


def round_half_up(x: float, digits: int) -> float:
    """Excel's ROUND: half away from zero on the number's 15 significant digits."""
    exact = Decimal(f"{x:.15g}")
    return float(exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def category(ctx: Ctx) -> str | None:
    cats = ctx.headers("category")
    return ctx.one(cats) if cats else None


def _lower(v: Value) -> Value:
    return v.lower() if isinstance(v, str) else v


def count_where(ctx: Ctx, header: str, test) -> int:
    return sum(1 for v in ctx.grid.column(header) if test(v))


# ---------------------------------------------------------------- plain aggregates


@kind("sum_col", "aggregate")
def sum_col(ctx: Ctx) -> dict[str, Any] | None:
    h = ctx.one(ctx.numeric())
    t = ctx.pick(
        [
            "What is the sum of {col}?",
            "Add up {col}.",
            "What is the total of {col}?",
            "How much is {col} altogether?",
            "Give me the total of {col}.",
            "What do the values of {col} add up to?",
            "Calculate the sum of {col}.",
            "Total {col}.",
            "What's the combined total of {col}?",
            "I need the sum of every value in {col}.",
        ]
    )
    return ctx.answer(
        t.format(col=ctx.col(h)), f"ask SUM({ctx.rng_ref(h)})", math.fsum(nums(ctx, h))
    )


@kind("average_col", "aggregate")
def average_col(ctx: Ctx) -> dict[str, Any] | None:
    h = ctx.one(ctx.numeric())
    t = ctx.pick(
        [
            "What is the average of {col}?",
            "What is the mean {col}?",
            "Compute the average of {col}.",
            "On average, what is {col}?",
            "Find the mean of {col}.",
            "What's the typical {col}, as an arithmetic mean?",
            "Tell me the mean value of {col}.",
            "What do the values in {col} average out to?",
            "I need the arithmetic mean of {col}.",
            "If you average all of {col}, what do you get?",
        ]
    )
    xs = nums(ctx, h)
    return ctx.answer(
        t.format(col=ctx.col(h)), f"ask AVERAGE({ctx.rng_ref(h)})", math.fsum(xs) / len(xs)
    )


@kind("max_col", "aggregate", "superlative")
def max_col(ctx: Ctx) -> dict[str, Any] | None:
    h = ctx.one(ctx.numeric())
    t = ctx.pick(
        [
            "What is the highest value of {col}?",
            "What is the largest {col}?",
            "Find the maximum of {col}.",
            "What's the biggest number in {col}?",
            "Which value of {col} is the greatest?",
            "Give me the top {col}.",
            "Tell me the maximum value in {col}.",
            "What's the peak value in {col}?",
            "How high does {col} go at most?",
            "I need the largest number found in {col}.",
        ]
    )
    return ctx.answer(t.format(col=ctx.col(h)), f"ask MAX({ctx.rng_ref(h)})", max(nums(ctx, h)))


@kind("min_col", "aggregate", "superlative")
def min_col(ctx: Ctx) -> dict[str, Any] | None:
    h = ctx.one(ctx.numeric())
    t = ctx.pick(
        [
            "What is the lowest value of {col}?",
            "What is the smallest {col}?",
            "Find the minimum of {col}.",
            "What's the least {col}?",
            "Which value of {col} is the lowest?",
            "Tell me the minimum value in {col}.",
            "What's the smallest number found in {col}?",
            "Give me the minimum of {col}.",
            "I need the least value that appears in {col}.",
            "Across all rows, what is the lowest figure in {col}?",
        ]
    )
    return ctx.answer(t.format(col=ctx.col(h)), f"ask MIN({ctx.rng_ref(h)})", min(nums(ctx, h)))


@kind("median_col", "aggregate")
def median_col(ctx: Ctx) -> dict[str, Any] | None:
    h = ctx.one(ctx.numeric())
    t = ctx.pick(
        [
            "What is the median of {col}?",
            "Find the median of {col}.",
            "What is the middle value of {col}?",
            "Give me the median of {col}.",
            "What's the median value in {col}?",
            "Tell me the median of {col}.",
            "Compute the median for {col}.",
            "I need the median of the numbers in {col}.",
            "Across all rows, what is the median of {col}?",
            "Show the median of {col}.",
        ]
    )
    return ctx.answer(
        t.format(col=ctx.col(h)),
        f"ask MEDIAN({ctx.rng_ref(h)})",
        float(statistics.median(nums(ctx, h))),
    )


@kind("count_rows", "count")
def count_rows(ctx: Ctx) -> dict[str, Any] | None:
    h = ctx.grid.data_headers[0]
    t = ctx.pick(
        [
            "How many {entities} are there?",
            "Count the {entities}.",
            "How many {entities} does the table list?",
            "What is the number of {entities}?",
            "How many entries are in {col}?",
            "Tell me how many {entities} there are.",
            "What's the total number of {entities} in the table?",
            "Give me the count of {entities}.",
            "How many {entities} are listed in total?",
            "Count the entries in {col}.",
        ]
    )
    text = t.format(entities=ctx.grid.spec.entities, col=ctx.col(h))
    return ctx.answer(text, f"ask COUNTA({ctx.rng_ref(h)})", len(ctx.grid.rows))


@kind("spread", "aggregate", "superlative")
def spread(ctx: Ctx) -> dict[str, Any] | None:
    h = ctx.one(ctx.numeric())
    t = ctx.pick(
        [
            "What is the difference between the highest and the lowest {col}?",
            "How far apart are the largest and smallest values of {col}?",
            "What is the range of {col} (maximum minus minimum)?",
            "By how much does the maximum of {col} exceed its minimum?",
            "Give me the maximum of {col} minus its minimum.",
            "What's the gap between the highest and the lowest values in {col}?",
            "Find the range of {col}, that is, the highest value minus the lowest.",
            "I need the difference between the max and min of {col}.",
            "How much bigger is the largest value in {col} than the smallest?",
            "In {col}, how far is the lowest value from the highest?",
        ]
    )
    r = ctx.rng_ref(h)
    xs = nums(ctx, h)
    return ctx.answer(t.format(col=ctx.col(h)), f"ask MAX({r})-MIN({r})", max(xs) - min(xs))


@kind("max_min_pair", "aggregate", "superlative", "list")
def max_min_pair(ctx: Ctx) -> dict[str, Any] | None:
    h = ctx.one(ctx.numeric())
    t = ctx.pick(
        [
            "What are the highest and the lowest {col}?",
            "Give me the maximum and then the minimum of {col}.",
            "Find the largest and smallest values of {col}.",
            "Tell me the maximum and the minimum of {col}.",
            "What's the largest value of {col}, and what's the smallest?",
            "Show the highest value in {col} followed by the lowest.",
            "I need both the max and the min of {col}, in that order.",
            "For {col}, give the biggest and then the smallest value.",
            "List the maximum and minimum of {col}.",
            "Which values of {col} are the highest and the lowest?",
        ]
    )
    r = ctx.rng_ref(h)
    xs = nums(ctx, h)
    return ctx.answer(t.format(col=ctx.col(h)), f"ask MAX({r}), MIN({r})", [max(xs), min(xs)])


@kind("round_average", "aggregate", "rounding")
def round_average(ctx: Ctx) -> dict[str, Any] | None:
    h = ctx.one(ctx.numeric())
    d = ctx.rng.randint(0, 2)
    places = {0: "the nearest whole number", 1: "one decimal place", 2: "two decimal places"}[d]
    t = ctx.pick(
        [
            "What is the average of {col}, rounded to {places}?",
            "Round the mean of {col} to {places}.",
            "Give me the average {col} to {places}.",
            "Tell me the mean of {col} rounded to {places}.",
            "What's the average of {col} to {places}?",
            "Find the average of {col} and round it to {places}.",
            "I need the mean of {col}, rounded off to {places}.",
            "Rounded to {places}, what is the mean of {col}?",
            "Compute the average of {col} to {places}.",
            "To {places}, what do the values of {col} average?",
        ]
    )
    xs = nums(ctx, h)
    value = round_half_up(math.fsum(xs) / len(xs), d)
    return ctx.answer(
        t.format(col=ctx.col(h), places=places), f"ask ROUND(AVERAGE({ctx.rng_ref(h)}), {d})", value
    )


@kind("sumproduct", "aggregate", "arithmetic")
def sumproduct(ctx: Ctx) -> dict[str, Any] | None:
    numeric = [h for h in ctx.numeric() if ctx.grid.roles[h] != "derived"]
    if len(numeric) < 2:
        return None
    a, b = ctx.rng.sample(numeric, 2)
    t = ctx.pick(
        [
            "What is the sum of {a} times {b} over all rows?",
            "Multiply {a} by {b} in each row and add the results up.",
            "What is the total of {a} multiplied by {b}, row by row?",
            "Tell me the sum over all rows of {a} times {b}.",
            "For every row multiply {a} by {b}; what do the products add up to?",
            "What is the sum of the products of {a} and {b}?",
            "Compute the sumproduct of {a} and {b}.",
            "Find the total you get by multiplying {a} and {b} row by row and summing.",
            "I need {a} multiplied by {b} for each row, summed over the table.",
            "If you multiply {a} by {b} in every row and total the results, what do you get?",
        ]
    )
    value = math.fsum(x * y for x, y in zip(ctx.grid.column(a), ctx.grid.column(b), strict=True))  # type: ignore[operator]
    return ctx.answer(
        t.format(a=ctx.col(a), b=ctx.col(b)),
        f"ask SUMPRODUCT({ctx.rng_ref(a)}, {ctx.rng_ref(b)})",
        value,
    )


# ---------------------------------------------------------------- conditional counts


@kind("count_eq", "count", "condition")
def count_eq(ctx: Ctx) -> dict[str, Any] | None:
    h = category(ctx)
    if h is None:
        return None
    v = ctx.one(ctx.grid.column(h))
    t = ctx.pick(
        [
            "How many {entities} have {col} equal to {v}?",
            "Count the rows where {col} is {v}.",
            "How many {v} {entities} are there?",
            "In how many rows is {col} {v}?",
            "How many times does {v} appear in {col}?",
            "Tell me how many {entities} have {v} in {col}.",
            "What's the number of rows with {col} equal to {v}?",
            "Count how many times {col} equals {v}.",
            "For how many {entities} is {col} {v}?",
            "How many rows list {v} under {col}?",
        ]
    )
    text = t.format(entities=ctx.entities(), col=ctx.col(h), v=v)
    n = count_where(ctx, h, lambda x: _lower(x) == v.lower())
    return ctx.answer(text, f"ask COUNTIF({ctx.rng_ref(h)}, {excel_text(v)})", n)


@kind("count_not", "count", "condition", "negation")
def count_not(ctx: Ctx) -> dict[str, Any] | None:
    h = category(ctx)
    if h is None:
        return None
    v = ctx.one(ctx.grid.column(h))
    t = ctx.pick(
        [
            "How many {entities} are not {v}?",
            "Count the rows where {col} is not {v}.",
            "How many {entities} have {col} other than {v}?",
            "Excluding {v}, how many {entities} are there?",
            "How many rows have anything but {v} in {col}?",
            "Count every row except the {v} ones.",
            "How many {entities} aren't {v}?",
            "Tell me how many rows have {col} different from {v}.",
            "What's the number of {entities} where {col} isn't {v}?",
            "Apart from the {v} ones, how many {entities} are in the table?",
        ]
    )
    text = t.format(entities=ctx.entities(), col=ctx.col(h), v=v)
    text = text[0].upper() + text[1:]
    n = count_where(ctx, h, lambda x: _lower(x) != v.lower())
    return ctx.answer(text, f'ask COUNTIF({ctx.rng_ref(h)}, "<>{v}")', n)


@kind("count_neither", "count", "condition", "negation", "multi_condition")
def count_neither(ctx: Ctx) -> dict[str, Any] | None:
    h = category(ctx)
    if h is None:
        return None
    values = list(dict.fromkeys(ctx.grid.column(h)))
    if len(values) < 3:
        return None
    a, b = ctx.rng.sample(values, 2)
    t = ctx.pick(
        [
            "How many {entities} are neither {a} nor {b}?",
            "Count the rows whose {col} is neither {a} nor {b}.",
            "How many {entities} have {col} other than {a} and {b}?",
            "Leaving out {a} and {b}, how many {entities} remain?",
            "Count the {entities} that are not {a} and not {b}.",
            "In how many rows is {col} neither {a} nor {b}?",
            "What's the count of {entities} that are neither {a} nor {b}?",
            "Ignoring the {a} and {b} rows, how many {entities} are left?",
            "How many {entities} don't have {a} or {b} in {col}?",
            "Excluding both {a} and {b}, how many {entities} does the table have?",
        ]
    )
    text = t.format(entities=ctx.entities(), col=ctx.col(h), a=a, b=b)
    r = ctx.rng_ref(h)
    n = count_where(ctx, h, lambda x: _lower(x) not in (a.lower(), b.lower()))
    return ctx.answer(text, f'ask COUNTIFS({r}, "<>{a}", {r}, "<>{b}")', n)


@kind("count_cmp", "count", "condition", "comparison")
def count_cmp(ctx: Ctx) -> dict[str, Any] | None:
    h = ctx.one(ctx.numeric())
    x = threshold(ctx, h)
    phrase, op = comparison(ctx)
    t = ctx.pick(
        [
            "How many {entities} have {col} {cmp} {n}?",
            "Count the rows where {col} is {cmp} {n}.",
            "In how many rows is {col} {cmp} {n}?",
            "How many values of {col} are {cmp} {n}?",
            "Count the {entities} for which {col} is {cmp} {n}.",
            "What's the number of rows with {col} {cmp} {n}?",
            "For how many {entities} is {col} {cmp} {n}?",
            "Tell me how many values in {col} are {cmp} {n}.",
            "How many times is {col} {cmp} {n}?",
            "I need the count of {entities} where {col} is {cmp} {n}.",
        ]
    )
    text = t.format(entities=ctx.entities(), col=ctx.col(h), cmp=phrase, n=ctx.number(x))
    n = count_where(ctx, h, lambda v: is_num(v) and _TESTS[op](v, x))
    return ctx.answer(text, f'ask COUNTIF({ctx.rng_ref(h)}, "{op}{fmt_number(x)}")', n)


@kind("count_between", "count", "condition", "multi_condition")
def count_between(ctx: Ctx) -> dict[str, Any] | None:
    h = ctx.one(ctx.numeric())
    lo, hi = sorted((threshold(ctx, h), threshold(ctx, h)))
    if lo == hi:
        return None
    t = ctx.pick(
        [
            "How many {entities} have {col} between {lo} and {hi} inclusive?",
            "Count the rows where {col} is at least {lo} and at most {hi}.",
            "How many values of {col} lie from {lo} to {hi}, both included?",
            "Count the {entities} where {col} is anywhere from {lo} to {hi}, inclusive.",
            "How many rows have {col} no lower than {lo} and no higher than {hi}?",
            "Tell me how many values in {col} fall between {lo} and {hi}, ends included.",
            "What's the number of {entities} with {col} in the range {lo} to {hi} inclusive?",
            "In how many rows is {col} at least {lo} but at most {hi}?",
            "For how many {entities} does {col} lie between {lo} and {hi}, counting both limits?",
            "I need the count of values in {col} that are {lo} or more and {hi} or less.",
        ]
    )
    text = t.format(entities=ctx.entities(), col=ctx.col(h), lo=ctx.number(lo), hi=ctx.number(hi))
    r = ctx.rng_ref(h)
    n = count_where(ctx, h, lambda v: is_num(v) and lo <= v <= hi)
    form = f'ask COUNTIFS({r}, ">={fmt_number(lo)}", {r}, "<={fmt_number(hi)}")'
    return ctx.answer(text, form, n)


@kind("count_prefix", "count", "wildcard")
def count_prefix(ctx: Ctx) -> dict[str, Any] | None:
    h = ctx.one(ctx.headers("key", "category"))
    letter = ctx.one([str(v)[0] for v in ctx.grid.column(h)])
    t = ctx.pick(
        [
            "How many {entities} have {col} starting with {L}?",
            "Count the values of {col} that begin with the letter {L}.",
            'How many entries in {col} start with "{L}"?',
            "Count the {entities} for which {col} begins with {L}.",
            "How many values in {col} start with the letter {L}?",
            "Tell me how many entries of {col} begin with {L}.",
            "What's the number of {entities} with {col} beginning with {L}?",
            "In {col}, how many values start with {L}?",
            "How many entries in {col} have {L} as their first letter?",
            "I need the count of rows where {col} starts with the letter {L}.",
        ]
    )
    text = t.format(entities=ctx.entities(), col=ctx.col(h), L=letter)
    n = count_where(ctx, h, lambda v: isinstance(v, str) and v.lower().startswith(letter.lower()))
    return ctx.answer(text, f'ask COUNTIF({ctx.rng_ref(h)}, "{letter}*")', n)


@kind("count_month", "count", "date", "wildcard")
def count_month(ctx: Ctx) -> dict[str, Any] | None:
    dates = ctx.headers("date")
    if not dates:
        return None
    h = ctx.one(dates)
    month = ctx.one([str(v)[:7] for v in ctx.grid.column(h)])
    name = f"{MONTHS[int(month[5:]) - 1]} {month[:4]}"
    t = ctx.pick(
        [
            "How many {entities} have a {col} in {m}?",
            "Count the rows whose {col} falls in {m}.",
            "How many {entities} are dated {m}?",
            "How many rows have {col} during {m}?",
            "Count the {entities} with {col} in {m}.",
            "Tell me how many values of {col} are in {m}.",
            "What's the number of {entities} where {col} is in {m}?",
            "For {m}, how many rows have {col} in that month?",
            "How many dates in {col} fall within {m}?",
            "I need the count of rows where {col} is sometime in {m}.",
        ]
    )
    text = t.format(entities=ctx.entities(), col=ctx.col(h), m=name)
    n = count_where(ctx, h, lambda v: str(v).startswith(month))
    return ctx.answer(text, f'ask COUNTIF({ctx.rng_ref(h)}, "{month}*")', n)


@kind("count_before", "count", "date", "comparison")
def count_before(ctx: Ctx) -> dict[str, Any] | None:
    dates = ctx.headers("date")
    if not dates:
        return None
    h = ctx.one(dates)
    day = ctx.one(sorted(str(v) for v in ctx.grid.column(h))[1:-1] or [str(ctx.grid.column(h)[0])])
    after = ctx.rng.random() < 0.5
    t = ctx.pick(
        [
            "How many {entities} have {col} {rel} {d}?",
            "Count the rows with {col} {rel} {d}.",
            "What's the number of {entities} with {col} {rel} {d}?",
            "In how many rows is {col} {rel} {d}?",
            "How many values in {col} are {rel} {d}?",
            "Count the {entities} for which {col} is {rel} {d}.",
            "For how many {entities} does {col} fall {rel} {d}?",
            "I need the count of dates in {col} that are {rel} {d}.",
            "Looking at {col}, how many {entities} are {rel} {d}?",
            "Give me the number of rows where {col} is {rel} {d}.",
        ]
    )
    rel = ctx.one(["after", "later than"]) if after else ctx.one(["before", "earlier than"])
    text = t.format(entities=ctx.entities(), col=ctx.col(h), rel=rel, d=day)
    op = ">" if after else "<"
    n = count_where(ctx, h, lambda v: str(v) > day if after else str(v) < day)
    return ctx.answer(text, f'ask COUNTIF({ctx.rng_ref(h)}, "{op}{day}")', n)


@kind("count_bool", "count", "boolean")
def count_bool(ctx: Ctx) -> dict[str, Any] | None:
    flags = ctx.headers("bool")
    if not flags:
        return None
    h = ctx.one(flags)
    yes, no = ctx.bool_words(h)
    truth = ctx.rng.random() < 0.5
    word = yes if truth else no
    if not truth and ("not" in no or "out" in no):
        ctx.tags.add("negation")
    t = ctx.pick(
        [
            "How many {entities} are {w}?",
            "Count the {entities} that are {w}.",
            "How many rows are marked {w}?",
            "Tell me how many {entities} are {w}.",
            "What's the number of {w} {entities}?",
            "How many of the {entities} are {w}?",
            "Count how many {entities} are marked as {w}.",
            "Give me the count of {entities} that are {w}.",
            "Among all {entities}, how many are {w}?",
            "I need the number of rows that are {w}.",
        ]
    )
    text = t.format(entities=ctx.grid.spec.entities, w=word)
    n = count_where(ctx, h, lambda v: v is truth)
    return ctx.answer(text, f"ask COUNTIF({ctx.rng_ref(h)}, {'TRUE' if truth else 'FALSE'})", n)


@kind("share", "count", "condition", "arithmetic")
def share(ctx: Ctx) -> dict[str, Any] | None:
    h = category(ctx)
    if h is None:
        return None
    v = ctx.one(ctx.grid.column(h))
    t = ctx.pick(
        [
            "What fraction of the {entities} are {v}?",
            "What share of rows have {col} equal to {v}?",
            "Which proportion of {entities} is {v}?",
            "What proportion of rows have {col} equal to {v}?",
            "Tell me the fraction of {entities} that are {v}.",
            "Out of all {entities}, what fraction are {v}?",
            "What share of the {entities} have {v} in {col}?",
            "Give me the proportion of rows where {col} is {v}.",
            "Divide the number of {v} {entities} by the total number of {entities}.",
            "I need the fraction of all {entities} for which {col} is {v}.",
        ]
    )
    text = t.format(entities=ctx.grid.spec.entities, col=ctx.col(h), v=v)
    r = ctx.rng_ref(h)
    column = ctx.grid.column(h)
    value = sum(1 for x in column if _lower(x) == v.lower()) / len(column)
    return ctx.answer(text, f"ask COUNTIF({r}, {excel_text(v)})/COUNTA({r})", value)


# ---------------------------------------------------------------- conditional sums


def _cat_and_measure(ctx: Ctx) -> tuple[str, str, str] | None:
    h = category(ctx)
    if h is None:
        return None
    return h, ctx.one(ctx.numeric()), ctx.one(ctx.grid.column(h))


def _sum_where(ctx: Ctx, m: str, h: str, test) -> list[float]:
    return [
        x
        for x, c in zip(ctx.grid.column(m), ctx.grid.column(h), strict=True)
        if is_num(x) and test(c)
    ]  # type: ignore[misc]


@kind("sum_if", "aggregate", "condition")
def sum_if(ctx: Ctx) -> dict[str, Any] | None:
    picked = _cat_and_measure(ctx)
    if picked is None:
        return None
    h, m, v = picked
    t = ctx.pick(
        [
            "What is the total {m} for {v}?",
            "Add up {m} where {col} is {v}.",
            "Sum {m} over the rows with {col} equal to {v}.",
            "What is the total of {m} for the {v} {entities}?",
            "For {v}, what is the sum of {m}?",
            "Tell me the total of {m} for rows where {col} is {v}.",
            "What does {m} add up to for the {v} {entities}?",
            "Give me the sum of {m} across all {v} {entities}.",
            "I need {m} totalled over the rows with {col} equal to {v}.",
            "Considering only {v}, how much is {m} altogether?",
        ]
    )
    text = t.format(m=ctx.col(m), col=ctx.col(h), v=v, entities=ctx.entities())
    value = math.fsum(_sum_where(ctx, m, h, lambda c: _lower(c) == v.lower()))
    form = f"ask SUMIF({ctx.rng_ref(h)}, {excel_text(v)}, {ctx.rng_ref(m)})"
    return ctx.answer(text, form, value)


@kind("sum_if_not", "aggregate", "condition", "negation")
def sum_if_not(ctx: Ctx) -> dict[str, Any] | None:
    picked = _cat_and_measure(ctx)
    if picked is None:
        return None
    h, m, v = picked
    t = ctx.pick(
        [
            "What is the total {m} excluding {v}?",
            "Add up {m} for every row except the {v} ones.",
            "Sum {m} where {col} is not {v}.",
            "What is the sum of {m} for {entities} other than {v}?",
            "Tell me the sum of {m} over the rows where {col} is not {v}.",
            "What does {m} add up to when the {v} {entities} are left out?",
            "Give me the total of {m} for all {entities} except {v}.",
            "Leaving out {v}, how much is {m} altogether?",
            "I need the total of {m} for rows with {col} other than {v}.",
            "Ignoring the {v} rows, what is the sum of {m}?",
        ]
    )
    text = t.format(m=ctx.col(m), col=ctx.col(h), v=v, entities=ctx.entities())
    value = math.fsum(_sum_where(ctx, m, h, lambda c: _lower(c) != v.lower()))
    form = f'ask SUMIF({ctx.rng_ref(h)}, "<>{v}", {ctx.rng_ref(m)})'
    return ctx.answer(text, form, value)


@kind("average_if", "aggregate", "condition")
def average_if(ctx: Ctx) -> dict[str, Any] | None:
    picked = _cat_and_measure(ctx)
    if picked is None:
        return None
    h, m, v = picked
    t = ctx.pick(
        [
            "What is the average {m} for {v}?",
            "What is the mean of {m} where {col} is {v}?",
            "Among the {v} {entities}, what is the average {m}?",
            "Tell me the mean of {m} for the {v} {entities}.",
            "For {v}, what is {m} on average?",
            "Find the average of {m} over rows where {col} is {v}.",
            "What's the average value of {m} among rows with {col} equal to {v}?",
            "I need the arithmetic mean of {m} across the {v} {entities}.",
            "Considering only the {v} {entities}, what does {m} average?",
            "Give me the average of {m} where {col} equals {v}.",
        ]
    )
    text = t.format(m=ctx.col(m), col=ctx.col(h), v=v, entities=ctx.entities())
    xs = _sum_where(ctx, m, h, lambda c: _lower(c) == v.lower())
    form = f"ask AVERAGEIF({ctx.rng_ref(h)}, {excel_text(v)}, {ctx.rng_ref(m)})"
    return ctx.answer(text, form, math.fsum(xs) / len(xs))


@kind("sumifs_two", "aggregate", "condition", "multi_condition", "comparison")
def sumifs_two(ctx: Ctx) -> dict[str, Any] | None:
    picked = _cat_and_measure(ctx)
    if picked is None:
        return None
    h, m, v = picked
    m2 = ctx.one(ctx.numeric())
    x = threshold(ctx, m2)
    phrase, op = comparison(ctx)
    t = ctx.pick(
        [
            "What is the total {m} for {v} rows with {m2} {cmp} {n}?",
            "Add up {m} where {col} is {v} and {m2} is {cmp} {n}.",
            "Sum {m} over the {entities} that are {v} and have {m2} {cmp} {n}.",
            "Tell me the sum of {m} for the {v} {entities} where {m2} is {cmp} {n}.",
            "For {v}, what is the total of {m} over rows with {m2} {cmp} {n}?",
            "Among rows where {col} is {v} and {m2} is {cmp} {n}, what does {m} add up to?",
            "Give me the total of {m} where {col} equals {v} and {m2} is {cmp} {n}.",
            "I need {m} summed over the {v} {entities} with {m2} {cmp} {n}.",
            "Considering only {v} rows with {m2} {cmp} {n}, how much is {m} altogether?",
            "What's the sum of {m} when {col} is {v} and {m2} is {cmp} {n}?",
        ]
    )
    text = t.format(
        m=ctx.col(m),
        m2=ctx.col(m2),
        col=ctx.col(h),
        v=v,
        cmp=phrase,
        n=ctx.number(x),
        entities=ctx.entities(),
    )
    rows = zip(ctx.grid.column(m), ctx.grid.column(h), ctx.grid.column(m2), strict=True)
    value = math.fsum(
        a
        for a, c, b in rows
        if is_num(a) and _lower(c) == v.lower() and is_num(b) and _TESTS[op](b, x)
    )  # type: ignore[misc]
    form = (
        f"ask SUMIFS({ctx.rng_ref(m)}, {ctx.rng_ref(h)}, {excel_text(v)}, "
        f'{ctx.rng_ref(m2)}, "{op}{fmt_number(x)}")'
    )
    return ctx.answer(text, form, value)


@kind("countifs_bool", "count", "condition", "multi_condition", "boolean")
def countifs_bool(ctx: Ctx) -> dict[str, Any] | None:
    h = category(ctx)
    flags = ctx.headers("bool")
    if h is None or not flags:
        return None
    f = ctx.one(flags)
    v = ctx.one(ctx.grid.column(h))
    yes, no = ctx.bool_words(f)
    truth = ctx.rng.random() < 0.5
    t = ctx.pick(
        [
            "How many {v} {entities} are {w}?",
            "Count the rows where {col} is {v} and the {entity} is {w}.",
            "Among the {v} {entities}, how many are {w}?",
            "Tell me how many {v} {entities} are {w}.",
            "What's the number of {entities} that are both {v} and {w}?",
            "Count the {entities} with {col} equal to {v} that are {w}.",
            "For how many rows is {col} {v} while the {entity} is {w}?",
            "How many {entities} that are {w} have {col} equal to {v}?",
            "Considering only {v}, how many {entities} are {w}?",
            "Give me the number of {v} {entities} marked {w}.",
        ]
    )
    text = t.format(
        v=v,
        entities=ctx.grid.spec.entities,
        w=yes if truth else no,
        col=ctx.col(h),
        entity=ctx.grid.spec.entity,
    )
    pairs = zip(ctx.grid.column(h), ctx.grid.column(f), strict=True)
    n = sum(1 for c, b in pairs if _lower(c) == v.lower() and b is truth)
    form = (
        f"ask COUNTIFS({ctx.rng_ref(h)}, {excel_text(v)}, {ctx.rng_ref(f)}, "
        f"{'TRUE' if truth else 'FALSE'})"
    )
    return ctx.answer(text, form, n)


@kind("max_if", "aggregate", "condition", "superlative")
def max_if(ctx: Ctx) -> dict[str, Any] | None:
    picked = _cat_and_measure(ctx)
    if picked is None:
        return None
    h, m, v = picked
    highest = ctx.rng.random() < 0.5
    t = ctx.pick(
        [
            "What is the {best} {m} among the {v} {entities}?",
            "For {v}, what is the {best} value of {m}?",
            "Find the {best} {m} where {col} is {v}.",
            "Tell me the {best} value of {m} for {v}.",
            "Among rows where {col} is {v}, what is the {best} value in {m}?",
            "What's the {best} value of {m} for the {v} {entities}?",
            "Considering only {v}, which value of {m} is the {best}?",
            "Give me the {best} value in {m} where {col} equals {v}.",
            "I need the {best} figure in {m} among the {v} {entities}.",
            "Of the {v} {entities}, what is the {best} value recorded in {m}?",
        ]
    )
    best = ctx.one(
        ["highest", "largest", "maximum"] if highest else ["lowest", "smallest", "minimum"]
    )
    text = t.format(best=best, m=ctx.col(m), v=v, entities=ctx.entities(), col=ctx.col(h))
    xs = _sum_where(ctx, m, h, lambda c: _lower(c) == v.lower())
    fn = "MAXIFS" if highest else "MINIFS"
    form = f"ask {fn}({ctx.rng_ref(m)}, {ctx.rng_ref(h)}, {excel_text(v)})"
    return ctx.answer(text, form, max(xs) if highest else min(xs))


# ---------------------------------------------------------------- lookups and lists


def _key(ctx: Ctx) -> str | None:
    keys = ctx.headers("key")
    return keys[0] if keys else None


@kind("lookup_index", "lookup")
def lookup_index(ctx: Ctx) -> dict[str, Any] | None:
    k = _key(ctx)
    if k is None:
        return None
    m = ctx.one([h for h in ctx.grid.data_headers if h != k])
    i = ctx.rng.randrange(len(ctx.grid.rows))
    name = ctx.grid.column(k)[i]
    t = ctx.pick(
        [
            "What is the {m} of {name}?",
            "Look up {m} for {name}.",
            "What does the table say for {name}'s {m}?",
            "Find {name} and tell me its {m}.",
            "Tell me the value of {m} for {name}.",
            "What value of {m} does {name} have?",
            "Give me {m} from the row for {name}.",
            "For {name}, what is listed under {m}?",
            "I need to know {m} for {name}.",
            "Find the value of {m} on {name}'s row.",
        ]
    )
    text = t.format(m=ctx.col(m), name=name)
    form = f"ask INDEX({ctx.rng_ref(m)}, MATCH({excel_text(str(name))}, {ctx.rng_ref(k)}, 0))"
    return ctx.answer(text, form, ctx.grid.column(m)[i])


@kind("lookup_vlookup", "lookup")
def lookup_vlookup(ctx: Ctx) -> dict[str, Any] | None:
    k = _key(ctx)
    if k is None or ctx.grid.data_headers[0] != k:
        return None
    m = ctx.one(ctx.grid.data_headers[1:])
    i = ctx.rng.randrange(len(ctx.grid.rows))
    name = ctx.grid.column(k)[i]
    t = ctx.pick(
        [
            "Use a lookup to find the {m} of {name}.",
            "Look {name} up in the first column and return its {m}.",
            "What {m} is listed next to {name}?",
            "Do a VLOOKUP for {name} and return {m}.",
            "Search the first column for {name} and give me the value in {m}.",
            "Using a vertical lookup on {name}, what value do you get from {m}?",
            "Find {name} in the leftmost column and read off {m}.",
            "With VLOOKUP, get {m} for {name}.",
            "Look up {name} in the table's first column; what is in {m} on that row?",
            "Match {name} in the first column and return the value in {m}.",
        ]
    )
    text = t.format(m=ctx.col(m), name=name)
    n = ctx.grid.headers.index(m) + 1
    form = f"ask VLOOKUP({excel_text(str(name))}, {ctx.table_range()}, {n}, FALSE)"
    return ctx.answer(text, form, ctx.grid.column(m)[i])


@kind("argbest", "lookup", "superlative")
def argbest(ctx: Ctx) -> dict[str, Any] | None:
    k = _key(ctx)
    if k is None:
        return None
    m = ctx.one(ctx.numeric())
    xs = ctx.grid.column(m)
    highest = ctx.rng.random() < 0.5
    best = max(xs) if highest else min(xs)  # type: ignore[type-var]
    if xs.count(best) > 1:
        return None
    word = ctx.one(["highest", "largest", "most"] if highest else ["lowest", "smallest", "least"])
    t = ctx.pick(
        [
            "Which {entity} has the {w} {m}?",
            "Who or what has the {w} value of {m}?",
            "Name the {entity} with the {w} {m}.",
            "Of all {entities}, which one has the {w} {m}?",
            "Tell me which {entity} has the {w} {m}.",
            "The {w} {m} belongs to which {entity}?",
            "Give me the name of the {entity} with the {w} {m}.",
            "I need the {entity} that has the {w} {m}.",
            "What {entity} comes out with the {w} {m}?",
            "Identify the {entity} with the {w} {m}.",
        ]
    )
    text = t.format(
        entity=ctx.grid.spec.entity, entities=ctx.grid.spec.entities, w=word, m=ctx.col(m)
    )
    fn = "MAX" if highest else "MIN"
    r = ctx.rng_ref(m)
    form = f"ask INDEX({ctx.rng_ref(k)}, MATCH({fn}({r}), {r}, 0))"
    return ctx.answer(text, form, ctx.grid.column(k)[xs.index(best)])


@kind("nth_largest", "aggregate", "superlative")
def nth_largest(ctx: Ctx) -> dict[str, Any] | None:
    m = ctx.one(ctx.numeric())
    xs = nums(ctx, m)
    k = ctx.rng.randint(2, min(3, len(xs)))
    largest = ctx.rng.random() < 0.5
    t = ctx.pick(
        [
            "What is the {nth} {w} value of {m}?",
            "Find the {nth} {w} {m}.",
            "Which {m} ranks {nth} from the {end}?",
            "Tell me the {nth} {w} value in {m}.",
            "What's the {nth} {w} number in {m}?",
            "In {m}, which value is the {nth} {w}?",
            "Ranked from the {end}, what is the {nth} value of {m}?",
            "Give me the {nth} {w} entry of {m}.",
            "I need the value of {m} that is {nth} {w}.",
            "What value of {m} comes {nth} when ranked from the {end}?",
        ]
    )
    nth = ORDINALS[k] if ctx.rng.random() < 0.7 else f"{k}{'nd' if k == 2 else 'rd'}"
    text = t.format(
        nth=nth,
        w="highest" if largest else "lowest",
        m=ctx.col(m),
        end="top" if largest else "bottom",
    )
    value = sorted(xs, reverse=largest)[k - 1]
    return ctx.answer(text, f"ask {'LARGE' if largest else 'SMALL'}({ctx.rng_ref(m)}, {k})", value)


@kind("unique_list", "list")
def unique_list(ctx: Ctx) -> dict[str, Any] | None:
    h = category(ctx)
    if h is None:
        return None
    t = ctx.pick(
        [
            "List the distinct values of {col}.",
            "Which different {col} values appear?",
            "Show each {col} once.",
            "What are the unique entries in {col}?",
            "Tell me every distinct value in {col}.",
            "Give me the unique values of {col}.",
            "What different values does {col} contain?",
            "List each value of {col} once, without repeats.",
            "Show the values in {col} with duplicates removed.",
            "I need the set of distinct entries in {col}.",
        ]
    )
    values = list(dict.fromkeys(ctx.grid.column(h)))
    return ctx.answer(t.format(col=ctx.col(h)), f"ask UNIQUE({ctx.rng_ref(h)})", values)


@kind("count_unique", "count", "list")
def count_unique(ctx: Ctx) -> dict[str, Any] | None:
    h = category(ctx)
    if h is None:
        return None
    t = ctx.pick(
        [
            "How many different values does {col} have?",
            "Count the distinct entries of {col}.",
            "How many unique {col} values are there?",
            "Tell me how many distinct values appear in {col}.",
            "What's the number of unique entries in {col}?",
            "How many different entries occur in {col}?",
            "Count how many distinct values {col} contains.",
            "Give me the count of unique values in {col}.",
            "Ignoring repeats, how many values are in {col}?",
            "I need the number of different values found in {col}.",
        ]
    )
    n = len(dict.fromkeys(ctx.grid.column(h)))
    return ctx.answer(t.format(col=ctx.col(h)), f"ask COUNTA(UNIQUE({ctx.rng_ref(h)}))", n)


@kind("filter_list", "list", "condition", "comparison")
def filter_list(ctx: Ctx) -> dict[str, Any] | None:
    k = _key(ctx)
    if k is None:
        return None
    m = ctx.one(ctx.numeric())
    x = threshold(ctx, m)
    phrase, op = comparison(ctx)
    keep = [
        name
        for name, v in zip(ctx.grid.column(k), ctx.grid.column(m), strict=True)
        if _TESTS[op](v, x)
    ]
    if not keep:
        return None
    t = ctx.pick(
        [
            "List the {entities} with {m} {cmp} {n}.",
            "Which {entities} have {m} {cmp} {n}?",
            "Show {key} for every row where {m} is {cmp} {n}.",
            "Tell me which {entities} have {m} {cmp} {n}.",
            "Give me the {entities} for which {m} is {cmp} {n}.",
            "Find all {entities} where {m} is {cmp} {n}.",
            "List {key} for the rows with {m} {cmp} {n}.",
            "I need {key} for every row where {m} is {cmp} {n}.",
            "Name all {entities} with {m} {cmp} {n}.",
            "Which of the {entities} have {m} {cmp} {n}?",
        ]
    )
    text = t.format(
        entities=ctx.grid.spec.entities, m=ctx.col(m), cmp=phrase, n=ctx.number(x), key=ctx.col(k)
    )
    form = f"ask FILTER({ctx.rng_ref(k)}, {ctx.rng_ref(m)} {op} {fmt_number(x)})"
    return ctx.answer(text, form, keep)


@kind("cell_value", "cell")
def cell_value(ctx: Ctx) -> dict[str, Any] | None:
    h = ctx.one(ctx.grid.data_headers)
    i = ctx.rng.randrange(len(ctx.grid.rows))
    addr = f"{ctx.grid.letter(h)}{i + 2}"
    t = ctx.pick(
        [
            "What is in cell {a}?",
            "What value does {a} hold?",
            "Read cell {a} for me.",
            "Tell me the content of {a}.",
            "What's the value of cell {a}?",
            "Give me the contents of {a}.",
            "Show me what {a} contains.",
            "What does cell {a} contain?",
            "I need the value in {a}.",
            "Which value is stored in {a}?",
        ]
    )
    return ctx.answer(t.format(a=addr), f"ask {addr}", ctx.grid.column(h)[i])
