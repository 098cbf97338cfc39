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
            "Sum up {col}.",
            "What does {col} come to in total?",
            "Could you tell me the grand total of {col}?",
            "Work out the total of {col}.",
            "Find the overall sum for {col}.",
            "I want to know the total across {col}.",
            "What figure do you get by summing {col}?",
            "Show me the sum of the numbers in {col}.",
            "Adding up all of {col}, what is the result?",
            "How much does {col} total?",
            "Please add together all the numbers in {col}.",
            "The sum of {col}, please.",
            "Can you total up {col} for me?",
            "When every entry in {col} is added together, what do you get?",
            "What's {col} summed over the whole table?",
            "Tell me the sum total of {col}.",
            "Could you figure out what {col} adds up to?",
            "Report the total for {col}.",
            "I'd like {col} totalled.",
            "Overall, how much does {col} amount to?",
            "Need the total of {col}.",
            "What is the aggregate of all the values in {col}?",
            "If I summed {col}, what number would I get?",
            "Let me know the sum of all entries in {col}.",
            "Taken together, what do the figures in {col} total?",
            "Please give the total sum of {col} across every row.",
            "Grand total for {col}?",
            "Run a sum over {col} and tell me the result.",
            "What is {col} when you add every row together?",
            "Summing down {col}, what total do you reach?",
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
            "Average of {col}?",
            "Mean {col}?",
            "Can you work out the average value in {col}?",
            "Across the whole table, what is the average {col}?",
            "Calculate the mean for {col}.",
            "Give me the average value found in {col}.",
            "How much is {col} on average?",
            "I'd like to know the mean of {col}.",
            "Sum {col} and divide by the count of its values.",
            "Tell me what {col} averages.",
            "What's the mean value across {col}?",
            "Please average {col}.",
            "Give the arithmetic mean of the numbers in {col}.",
            "Work out the mean of {col} for me.",
            "Can you tell me the average figure in {col}?",
            "What does {col} come to on average?",
            "Average value of {col}, please.",
            "Taking all rows into account, what is the mean of {col}?",
            "Report the average for {col}.",
            "I'm after the mean of {col}.",
            "Figure out the average of the values in {col}.",
            "What is the average across all entries in {col}?",
            "If the values in {col} were spread out evenly, what would each one be?",
            "Determine the mean value of {col}.",
            "Could you get me the mean of {col}?",
            "What's the overall average in {col}?",
            "Show the average of {col}.",
            "Let me know what the mean of {col} is.",
            "Average {col} across the table?",
            "How does {col} average out over all the rows?",
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
            "Max of {col}?",
            "Highest {col}?",
            "What is the maximum recorded in {col}?",
            "Show me the maximum in {col}.",
            "Of all the values in {col}, which is the largest?",
            "Get the biggest value out of {col}.",
            "What is the highest figure {col} reaches?",
            "I'm looking for the maximum value of {col}.",
            "Return the max of {col}.",
            "Sorting {col} from high to low, which value comes first?",
            "Please find the greatest value in {col}.",
            "Can you tell me the highest number in {col}?",
            "What's the most that appears in {col}?",
            "Report the maximum for {col}.",
            "Largest value in {col}, please.",
            "Look through {col} and tell me the biggest value.",
            "Which entry in {col} is the highest?",
            "What is the greatest figure anywhere in {col}?",
            "Identify the maximum value of {col}.",
            "I'd like to know the largest value in {col}.",
            "What's the record high in {col}?",
            "Pull out the maximum from {col}.",
            "Could you work out the max of {col}?",
            "Across every row, what is the highest {col}?",
            "Need the top value in {col}.",
            "What does {col} peak at?",
            "Find the largest entry in {col} for me.",
            "Which value in {col} is never exceeded by any other?",
            "What is {col} at its highest?",
            "Determine the greatest number that {col} contains.",
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
            "Min of {col}?",
            "Lowest {col}?",
            "What is the minimum recorded in {col}?",
            "Show me the smallest value in {col}.",
            "Of all the values in {col}, which is the lowest?",
            "Get the lowest number from {col}.",
            "How low does {col} go?",
            "Return the min of {col}.",
            "I'm looking for the smallest entry in {col}.",
            "Sorting {col} from low to high, which value comes first?",
            "Please find the smallest value in {col}.",
            "Can you tell me the lowest number in {col}?",
            "What's the least that appears in {col}?",
            "Report the minimum for {col}.",
            "Smallest value in {col}, please.",
            "Look through {col} and tell me the lowest value.",
            "Which entry in {col} is the smallest?",
            "Identify the minimum value of {col}.",
            "I'd like to know the smallest value in {col}.",
            "What's the record low in {col}?",
            "Pull out the minimum from {col}.",
            "Could you work out the min of {col}?",
            "Across every row, what is the smallest {col}?",
            "Need the lowest value in {col}.",
            "What does {col} bottom out at?",
            "Find the smallest entry in {col} for me.",
            "Which value in {col} is no larger than any other?",
            "What is {col} at its lowest?",
            "How small does {col} get?",
            "Determine the least number that {col} contains.",
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
            "Median {col}?",
            "Could you work out the median of {col}?",
            "What is the 50th percentile of {col}?",
            "Calculate {col}'s median.",
            "Get me the median for the values in {col}.",
            "In {col}, what's the median?",
            "I'd like the median of {col}, please.",
            "Report the median of {col}.",
            "What would the median of {col} be?",
            "Where does the median of {col} fall?",
            "Can you tell me the median value in {col}?",
            "Median of {col}, please.",
            "What's the median figure for {col}?",
            "Determine the median of {col}.",
            "Work out the median value across {col}.",
            "Figure out the median of the entries in {col}.",
            "I'm after the median of {col}.",
            "Let me know what the median of {col} is.",
            "What is the median across every row of {col}?",
            "Need the median of {col}.",
            "Please compute the median of all values in {col}.",
            "Which number is the median of {col}?",
            "Taking all the values in {col}, what's their median?",
            "Median for {col}, please.",
            "What value splits {col} into a lower half and an upper half?",
            "Can I get the median of {col}?",
            "Median value of {col}?",
            "Show me what the median of {col} comes to.",
            "For {col}, what is the median?",
            "Using every row, work out the median {col}.",
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
            "Number of {entities}?",
            "How many {entities} does this sheet have?",
            "Could you count how many {entities} there are?",
            "Tell me the number of records in the table.",
            "Find out how many {entities} the sheet contains.",
            "How many {entities} have something filled in under {col}?",
            "I'd like to know how many {entities} are recorded.",
            "How long is the list of {entities}?",
            "How many {entities} do we have?",
            "Tally up the {entities} for me.",
            "What's the number of {entities} in this table?",
            "How many {entities} are in the sheet?",
            "Please count how many {entities} are listed.",
            "Row count for the {entities}?",
            "How many {entities} appear in the table altogether?",
            "Can you tell me how many {entities} we've got?",
            "How many rows of {entities} are there?",
            "What's the count of entries in {col}?",
            "How many values does {col} contain?",
            "Report the number of {entities}.",
            "In total, how many {entities} are recorded in the sheet?",
            "How many {entities} are included here?",
            "Give me a count of all the {entities}.",
            "I need to know how many {entities} there are in total.",
            "Figure out how many {entities} the table holds.",
            "How many non-empty cells does {col} have?",
            "What is the total count of {entities} listed?",
            "How many {entities} in all?",
            "Let me know the number of {entities} in the table.",
            "The total number of {entities}, please.",
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
            "Range of {col} (max minus min)?",
            "How wide is the range of values in {col}, from the smallest to the largest?",
            "Subtract the minimum of {col} from its maximum.",
            "Take the lowest {col} away from the highest {col}; what's left?",
            "Could you tell me how much the highest and lowest values of {col} differ by?",
            "By what amount does the largest {col} beat the smallest?",
            "I'd like the difference between the biggest and the smallest {col}.",
            "What is the maximum of {col} less its minimum?",
            "How big is the gap from the minimum to the maximum in {col}?",
            "Tell me the distance between the highest and lowest figures in {col}.",
            "Please work out the range of {col}, highest minus lowest.",
            "How much does {col} vary from its lowest to its highest value?",
            "Max minus min for {col}?",
            "What do you get if you subtract the smallest {col} from the largest?",
            "Can you calculate the spread between the maximum and minimum of {col}?",
            "Tell me how much larger the maximum of {col} is than the minimum.",
            "Find the spread of {col}: its largest value less its smallest.",
            "Report the range (highest minus lowest) of {col}.",
            "From the lowest to the highest value in {col}, how big is the span?",
            "How much separates the smallest and largest values in {col}?",
            "Work out the highest {col} minus the lowest {col}.",
            "What's the full range covered by {col}, measured as max minus min?",
            "I'd like to know how wide the gap is between the maximum and minimum of {col}.",
            "Could you give me the range of {col}, i.e. the largest value minus the smallest?",
            "Largest minus smallest {col}?",
            "What is the spread of values in {col}, from minimum to maximum?",
            "Compute max minus min for {col}.",
            "By how much do the highest and lowest entries of {col} differ?",
            "What's the distance from the minimum of {col} up to its maximum?",
            "If the smallest {col} is subtracted from the largest, what's the result?",
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
            "Max and min of {col}?",
            "Highest and lowest {col}, in that order?",
            "Could you tell me the largest value in {col} and then the smallest?",
            "First the maximum of {col}, then the minimum, please.",
            "What are the maximum and minimum values found in {col}?",
            "Report the greatest and least values of {col}, greatest first.",
            "I'd like to see the largest {col} followed by the smallest.",
            "Get the max of {col} and then its min.",
            "Tell me how high {col} goes and how low it goes.",
            "Which is the biggest value in {col}, and which is the smallest?",
            "Please give the highest and then the lowest value in {col}.",
            "Maximum and minimum of {col}, in that order?",
            "What's the greatest value of {col}, and what's the least?",
            "Can you find the largest and then the smallest {col}?",
            "List the biggest and smallest values in {col}, biggest first.",
            "Report the max of {col} followed by its min.",
            "I want the highest {col} and the lowest {col}, highest first.",
            "Give me the extremes of {col}: maximum first, then minimum.",
            "What are the maximum value and the minimum value of {col}, respectively?",
            "Find the greatest value of {col}, then the least.",
            "Let me know both the largest and the smallest values of {col} (largest first).",
            "Could you show me the max and then the min of {col}?",
            "Highest value in {col}, and lowest?",
            "Tell me the upper and lower extremes of {col}, upper first.",
            "I'd like the maximum of {col} and, after that, its minimum.",
            "Return the largest then the smallest value found in {col}.",
            "Which are the greatest and least numbers in {col}, in that order?",
            "Pull the maximum and the minimum out of {col}, maximum first.",
            "For {col}, what are its highest and lowest values?",
            "Work out the max and min of {col}, max first.",
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
            "Average of {col} to {places}?",
            "Mean {col}, rounded to {places}?",
            "Could you work out the mean of {col} and round the result to {places}?",
            "What does {col} average, rounded to {places}?",
            "Calculate the average of {col}, then round it to {places}.",
            "I'd like the average value in {col} correct to {places}.",
            "Tell me the average {col}, rounding to {places}.",
            "Take the mean of {col} and round to {places}; what do you get?",
            "On average, what is {col} when rounded to {places}?",
            "What's {col}'s average, to {places}?",
            "Please give the mean of {col}, rounded to {places}.",
            "Average {col}, to {places}, please.",
            "Can you tell me the average of {col} rounded off to {places}?",
            "Work out the mean of {col} to {places}.",
            "I'm after the average of {col}, rounded to {places}.",
            "What is the mean value in {col} when rounded to {places}?",
            "Report the average of {col}, rounding it to {places}.",
            "Average the values in {col} and round the answer to {places}.",
            "What's the mean of {col}? Round it to {places}.",
            "Rounding to {places}, what's the average value of {col}?",
            "Figure out the average of {col}, rounded to {places}.",
            "Give the arithmetic mean of {col} correct to {places}.",
            "Mean of {col}, rounded to {places}, please.",
            "Could you average {col} and round to {places}?",
            "Determine the average {col} and express it to {places}.",
            "What does the mean of {col} come to, to {places}?",
            "Find the mean of {col}; round the result to {places}.",
            "Show me the average of {col} rounded to {places}.",
            "To {places}, what is the average across {col}?",
            "I need {col} averaged and rounded to {places}.",
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
            "SUMPRODUCT of {a} and {b}?",
            "Row by row, multiply {a} and {b}, then add everything up.",
            "Could you add up the products of {a} and {b} for every row?",
            "I want the sum of each row's {a} multiplied by its {b}.",
            "Work out {a} times {b} for each row, then sum those products.",
            "Multiply {a} and {b} row-wise and give me the grand total.",
            "Give me the total of the row-by-row products of {a} and {b}.",
            "Tell me the sum you get from {a} times {b} on each row.",
            "How much do the products of {a} and {b} come to when added up?",
            "What is the dot product of {a} and {b}?",
            "Please multiply {a} by {b} on each row and sum the products.",
            "Can you work out the total of {a} multiplied by {b} for each row?",
            "What do you get when each row's {a} is multiplied by its {b} and everything is "
            "summed?",
            "Add together the products of {a} and {b} across all rows.",
            "Give me the SUMPRODUCT of {a} with {b}.",
            "Report the sum of {a} times {b} taken over the table.",
            "What is the sum of {a} weighted by {b}?",
            "For each row, find {a} times {b}; then total those values.",
            "Calculate the sum over every row of {a} multiplied by {b}.",
            "I'd like the total of the per-row products of {a} and {b}.",
            "Take {a}, multiply it row by row with {b}, and add the lot together.",
            "How much is the sum of {a} times {b} across all the rows?",
            "Could you sumproduct {a} and {b}?",
            "Figure out the grand total of {a} times {b}, computed row by row.",
            "Sum {a} multiplied by {b} over the whole table.",
            "Products of {a} and {b}, summed?",
            "What's the total when {a} and {b} are multiplied together in each row?",
            "Take each row's product of {a} and {b} and tell me the sum.",
            "Need {a} times {b} summed over all rows.",
            "Pair up {a} and {b} in each row, multiply, and add up the results.",
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
            "Number of {entities} where {col} is {v}?",
            "Could you count the {entities} whose {col} is {v}?",
            "How often does {col} equal {v}?",
            "{v}: how many {entities}?",
            "Find the number of {entities} where {col} says {v}.",
            "I'd like a count of the {entities} where {col} reads {v}.",
            "Tally the {entities} with {col} set to {v}.",
            "In {col}, how many rows say {v}?",
            "What is the count of {v} in {col}?",
            "Get the number of rows in which {col} is {v}.",
            "Give me a count of {entities} whose {col} is {v}.",
            "How many of the {entities} fall under {v} in {col}?",
            "Please tally up every row that has {v} in {col}.",
            "{v} count in {col}?",
            "Looking only at {col}, how many rows contain {v}?",
            "Can you tell me how many {entities} are listed under {v} in {col}?",
            "Work out how many {entities} are recorded as {v} in {col}.",
            "Report the tally of {v} values found in {col}.",
            "I want to know the number of rows carrying {v} in {col}.",
            "Where {col} is {v}, how many {entities} are there?",
            "The count of {entities} with {v} in {col}, please.",
            "How many times is {v} entered under {col}?",
            "{v} in {col}: what's the count?",
            "Can you figure out how many rows show {v} for {col}?",
            "How many {entities} belong to the {v} group in {col}?",
            "Display how many rows hold the value {v} in {col}.",
            "What is the total number of {entities} marked {v} in {col}?",
            "Just the {v} {entities}: how many are there?",
            "Number of occurrences of {v} in {col}?",
            "Determine how many {entities} are categorized as {v} in {col}.",
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
            "Number of {entities} that are not {v}?",
            "Could you count the rows whose {col} isn't {v}?",
            "{entities} other than {v}: how many?",
            "How many {entities} have something besides {v} in {col}?",
            "Find how many rows don't have {v} in {col}.",
            "In {col}, how many values differ from {v}?",
            "Count all {entities} except those with {col} equal to {v}.",
            "What is the count of {entities} whose {col} is anything except {v}?",
            "I'd like to know how many {entities} are not listed as {v}.",
            "Tell me the number of non-{v} {entities}.",
            "{entities} whose {col} is something other than {v}: count them.",
            "Leaving out the {v} {entities}, how many are left?",
            "Please count the rows that don't say {v} in {col}.",
            "Give me the number of {entities} where {col} is anything other than {v}.",
            "Non-{v} count in {col}?",
            "Disregarding the {v} entries, tally the remaining {entities}.",
            "If you drop every {v} row, how many {entities} remain?",
            "What number of {entities} have {col} unequal to {v}?",
            "Could you tell me how many {entities} are something other than {v}?",
            "I'm after the count of rows where {col} does not read {v}.",
            "Work out how many {entities} have {col} not equal to {v}.",
            "Rows where {col} isn't {v}: how many?",
            "Count everything in {col} that is not {v}.",
            "How many {entities} don't fall under {v}?",
            "Skipping any row with {v} in {col}, how many rows are there?",
            "Among the {entities}, how many are not marked {v} in {col}?",
            "Tally every entry whose {col} is not {v}.",
            "Number of rows without {v} in {col}?",
            "Setting aside the {v} ones, what's the count of {entities}?",
            "Report how many {entities} do not have {col} equal to {v}.",
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
            "Number of {entities} that are neither {a} nor {b}?",
            "Would you count the {entities} whose {col} is something other than {a} or {b}?",
            "Not counting {a} or {b}, how many {entities} are there?",
            "How many rows have a value in {col} besides {a} and {b}?",
            "Find the number of rows where {col} is not {a} and also not {b}.",
            "{a} and {b} aside, how many {entities} does the sheet hold?",
            "Tell me how many {entities} belong to neither {a} nor {b}.",
            "I need a count of the {entities} where {col} isn't {a} or {b}.",
            "Give me the number of rows with {col} different from both {a} and {b}.",
            "Count how many {entities} have {col} equal to neither {a} nor {b}.",
            "Except for {a} and {b}, how many {entities} are in the sheet?",
            "Please tally the rows whose {col} is not {a} and is not {b} either.",
            "With {a} and {b} excluded, what's the count of {entities}?",
            "How many rows remain once the {a} and {b} rows are removed?",
            "{a} or {b} rows don't count: how many {entities} are left?",
            "Give me a count of {entities} whose {col} is anything but {a} or {b}.",
            "What number of {entities} have neither {a} nor {b} under {col}?",
            "Tally rows that match neither {a} nor {b} in {col}.",
            "I want the number of {entities} not labeled {a} and not labeled {b}.",
            "Tally up the {entities} outside the {a} and {b} groups.",
            "Can you figure out how many rows hold a value in {col} other than {a} and {b}?",
            "Omitting every {a} row and every {b} row, how many rows are there?",
            "Rows with neither {a} nor {b} in {col}: how many?",
            "Neither {a} nor {b}: what's the count of {entities}?",
            "Work out how many entries in {col} differ from {a} as well as from {b}.",
            "How many {entities} would be left if you dropped the {a} and {b} rows?",
            "Report the count of {entities} whose {col} is not among {a} and {b}.",
            "Please count the {entities} filed under something other than {a} and {b}.",
            "Of all the {entities}, how many are in neither {a} nor {b}?",
            "Count what's left in {col} after taking out {a} and {b}.",
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
            "Number of {entities} with {col} {cmp} {n}?",
            "Could you count the {entities} whose {col} is {cmp} {n}?",
            "Of the values in {col}, how many are {cmp} {n}?",
            "Find how many rows have {col} {cmp} {n}.",
            "Tell me the number of {entities} with a value {cmp} {n} in {col}.",
            "Looking at {col}, how many {entities} are {cmp} {n}?",
            "Across all {entities}, how many have {col} {cmp} {n}?",
            "I'd like to know how many entries in {col} are {cmp} {n}.",
            "Count up the {entities} where the value of {col} is {cmp} {n}.",
            "How many entries does {col} have that are {cmp} {n}?",
            "Just curious, how many rows in the table show {col} {cmp} {n}?",
            "Please tally all rows in which {col} is {cmp} {n}.",
            "Rows with {col} {cmp} {n}: how many are there?",
            "With {col} {cmp} {n}, how many {entities} qualify?",
            "Work out the number of {entities} whose {col} is {cmp} {n}.",
            "How many {entities} are recorded with {col} {cmp} {n}?",
            "Row count for {col} {cmp} {n}?",
            "Can you tally the entries of {col} that are {cmp} {n}?",
            "Report how many {entities} show a figure in {col} that is {cmp} {n}.",
            "If we keep only the rows with {col} {cmp} {n}, how many are there?",
            "What is the tally of {entities} having {col} {cmp} {n}?",
            "Please figure out how many of the numbers in {col} are {cmp} {n}.",
            "Among the {entities}, count those with {col} {cmp} {n}.",
            "I'd like a tally of the rows whose {col} is {cmp} {n}.",
            "Show how many {entities} are listed with {col} {cmp} {n}.",
            "Give the number of cells in {col} holding a value {cmp} {n}.",
            "Where {col} is {cmp} {n}, how many rows do we have?",
            "Determine how many {entities} in the table have {col} {cmp} {n}.",
            "How many {entities} does the sheet contain with {col} {cmp} {n}?",
            "What count of {entities} has {col} {cmp} {n}?",
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
            "Number of {entities} with {col} from {lo} to {hi}, inclusive?",
            "Would you count rows where {col} is between {lo} and {hi}, both inclusive?",
            "Find how many values in {col} are within the range {lo} to {hi}, endpoints included.",
            "Counting both ends, how many {entities} have {col} between {lo} and {hi}?",
            "Tell me how many {entities} are neither below {lo} nor above {hi} in {col}.",
            "I'd like the number of rows where {col} is {lo} at minimum and {hi} at maximum.",
            "In {col}, how many values reach at least {lo} without going over {hi}?",
            "How many values of {col} lie in the closed interval from {lo} to {hi}?",
            "Give the count of {entities} whose {col} sits between {lo} and {hi}, limits included.",
            "What is the count of rows with {col} at or above {lo} and at or below {hi}?",
            "Give me the number of {entities} whose {col} is no less than {lo} and no more than "
            "{hi}.",
            "Please count the rows with {col} from {lo} through {hi}, inclusive of both.",
            "How many {entities} fall in the inclusive range {lo} to {hi} on {col}?",
            "Treating {lo} and {hi} as included, how many rows have {col} in between?",
            "Tally the {entities} whose {col} is not under {lo} and not over {hi}.",
            "What number of entries in {col} are greater than or equal to {lo} and less than or "
            "equal to {hi}?",
            "Work out how many {entities} have {col} somewhere from {lo} up to {hi}, with both "
            "endpoints counting.",
            "I want a count of rows where {col} is at or between {lo} and {hi}.",
            "Inclusive of {lo} and {hi}, how many {entities} have {col} in that span?",
            "Between {lo} and {hi} inclusive: how many values in {col}?",
            "Can you count the {entities} with {col} of {lo} or higher and {hi} or lower?",
            "How many rows does {col} place in the band from {lo} to {hi}, limits included?",
            "Report the number of {entities} with {col} bounded by {lo} and {hi}, inclusive.",
            "Count all {entities} where {col} is no smaller than {lo} and no bigger than {hi}.",
            "Please find how many cells in {col} hold values from {lo} to {hi}, both inclusive.",
            "For {col}, what's the count of values within {lo} and {hi} (ends included)?",
            "Taking {lo} as the minimum and {hi} as the maximum, both allowed, how many "
            "{entities} qualify by {col}?",
            "Tell me the number of rows in which {col} stays within {lo} and {hi}, inclusive.",
            "Of all {entities}, how many have {col} inside the range from {lo} to {hi} with both "
            "ends included?",
            "Get the number of {entities} whose {col} reaches {lo} and does not exceed {hi}.",
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
            "Number of {entities} whose {col} begins with {L}?",
            "Could you count the entries in {col} that start with {L}?",
            "How many values of {col} have the initial letter {L}?",
            "Find how many rows in {col} begin with the letter {L}.",
            "Of the values in {col}, how many begin with {L}?",
            "What is the count of rows whose {col} starts with {L}?",
            "Count the {entities} where the first letter of {col} is {L}.",
            "In how many rows does {col} start with {L}?",
            "How many names in {col} start with {L}?",
            'How many values in {col} match the pattern "{L}*"?',
            "Give me the number of entries in {col} whose first character is {L}.",
            "Please count the {entities} whose {col} opens with the letter {L}.",
            "Tally of values beginning with {L} in {col}?",
            "Starting letter {L}: how many entries in {col}?",
            "How many {entities} are there whose {col} starts with the letter {L}?",
            "Tally the values in {col} that have {L} as the opening letter.",
            "Work out how many {entities} show the letter {L} at the start of their entry in "
            "{col}.",
            "In {col}, count everything that starts with {L}.",
            "How many values does {col} contain that open with {L}?",
            "Can you find how many of the {entities} have an entry in {col} beginning with {L}?",
            "How many items in {col} begin with the character {L}?",
            "I'd like to know how many entries in {col} start off with {L}.",
            "Looking at the first letter of each entry in {col}, how many are {L}?",
            "Report the number of {entities} whose {col} has {L} as its initial.",
            "Count every value in {col} whose first letter is {L}.",
            "How many of the {entities} have a value in {col} that begins with {L}?",
            "Show me how many values in {col} begin with {L}, whatever comes after.",
            "{L} as the first letter in {col}: how many rows?",
            "Determine how many {entities} list something starting with {L} under {col}.",
            "What's the count of entries in {col} with {L} in first position?",
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
            "Number of {entities} in {m} according to {col}?",
            "Could you count the {entities} whose {col} is in {m}?",
            "How many dates in {col} are from {m}?",
            "Going by {col}, how many {entities} fall in {m}?",
            "Find the number of rows where {col} is within the month of {m}.",
            "I'd like a count of rows whose {col} lands in {m}.",
            "What is the count of {entities} for {m}, judging by {col}?",
            "How many entries in {col} are in the month of {m}?",
            "Count how many times {m} shows up in {col}.",
            "How many {entities} have {col} anywhere between the first and last day of {m}?",
            "Give me the number of {entities} recorded in {m} under {col}.",
            "In {m}, how many {entities} does {col} show?",
            "Please tally the rows whose {col} belongs to {m}.",
            "{m}: how many rows according to {col}?",
            "Count every date in {col} that falls inside {m}.",
            "What number of {entities} fall in the month of {m} as per {col}?",
            "Work out how many rows in {col} are {m} dates.",
            "Can you count the entries with {col} somewhere in {m}?",
            "Report how many {entities} have dates in {col} within {m}.",
            "How many {entities} fall into {m} based on {col}?",
            "Restricting {col} to {m}, how many {entities} are there?",
            "I'd like to know how many rows belong to {m} in {col}.",
            "Month of {m}: how many {entities} have {col} in it?",
            "Show how many dates in {col} occur in {m}.",
            "Tally the {entities} whose {col} is a day in {m}.",
            "How many {entities} were in {m}, judging by the dates in {col}?",
            "Within {m}, how many entries does {col} have?",
            "For the month of {m}, count the entries in {col}.",
            "Determine how many rows carry a {m} date in {col}.",
            "Find out how many {entities} have {col} on some day of {m}.",
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
            "Number of {entities} with {col} {rel} {d}?",
            "Could you count the {entities} whose {col} is {rel} {d}?",
            "Of the dates in {col}, how many come {rel} {d}?",
            "Find how many rows have a date {rel} {d} in {col}.",
            "Tell me how many {entities} are dated {rel} {d} according to {col}.",
            "How many rows show {col} falling {rel} {d}?",
            "I'd like to know how many times {col} is {rel} {d}.",
            "What is the count of {entities} where {col} lands {rel} {d}?",
            "Count up the entries in {col} that are {rel} {d}.",
            "Get the number of {entities} for which {col} comes {rel} {d}.",
            "Give me a count of {entities} whose {col} is {rel} {d}.",
            "Please go through {col} and count the dates {rel} {d}.",
            "With {col} {rel} {d}, how many {entities} are there?",
            "Dates {rel} {d} in {col}: how many?",
            "Can you work out the number of {entities} with dates in {col} {rel} {d}?",
            "Strictly {rel} {d}, how many dates does {col} hold?",
            "Report the number of {entities} dated {rel} {d} in {col}.",
            "Counting only dates {rel} {d}, how many {entities} does {col} have?",
            "Tell me how many {entities} got logged with {col} {rel} {d}.",
            "Tally the rows where the date in {col} is {rel} {d}.",
            "Determine how many rows have {col} {rel} {d}, not counting {d} itself.",
            "Among the {entities}, how many show {col} {rel} {d}?",
            "Tell me the count of rows whose {col} comes {rel} {d}.",
            "Quick count: {entities} with {col} {rel} {d}?",
            "I want to know how many {entities} have dates in {col} {rel} {d}.",
            "Display how many {entities} have a date {rel} {d} under {col}.",
            "Scanning {col}, how many dates come {rel} {d}?",
            "Figure out how many {entities} are on record with {col} {rel} {d}.",
            "How many rows are there where {col} is {rel} {d}?",
            "Of all {entities}, how many are {rel} {d} in terms of {col}?",
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
            "Number of {entities} that are {w}?",
            "Could you count how many {entities} are {w}?",
            "Find the number of {entities} listed as {w}.",
            "Of all the {entities}, how many count as {w}?",
            "Tell me the count of {entities} flagged as {w}.",
            "I'd like to know how many {entities} are {w}.",
            "How many {entities} show up as {w}?",
            "What is the total number of {entities} that are {w}?",
            "In the table, how many {entities} are {w}?",
            "How many {entities} would you classify as {w}?",
            "Report the number of {entities} recorded as {w}.",
            "Please tally the {entities} that are {w}.",
            "Quick question: how many {entities} are {w}?",
            "How many {entities} does the sheet list as {w}?",
            "Can you check how many {entities} are flagged {w} in the sheet?",
            "What's the tally of {entities} marked {w}?",
            "Determine how many {entities} fall into the {w} group.",
            "Out of the full list of {entities}, how many are {w}?",
            "I want to know the number of {entities} that are {w}.",
            "Show me how many {entities} have been marked {w}.",
            "Counting only the {entities} that are {w}, what do you get?",
            "In total, how many {entities} are {w}, according to the sheet?",
            "Please find how many {entities} have the status {w}.",
            "Work out how many {entities} qualify as {w}.",
            "Scan the {entities} and count the {w} ones.",
            "What count of {entities} are {w}?",
            "Figure out how many {entities} are labelled {w}.",
            "How many are {w} among the {entities}?",
            "Get me the {w} count for the {entities}.",
            "How many {entities} can be described as {w}?",
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
            "Fraction of {entities} that are {v}?",
            "Could you work out what proportion of the {entities} are {v}?",
            "What part of all rows has {col} set to {v}, as a fraction?",
            "How big a share of the rows have {v} in {col}?",
            "Find the ratio of {v} {entities} to all {entities}.",
            "Express the number of {v} {entities} as a fraction of all {entities}.",
            "I'd like the proportion of {entities} with {col} equal to {v}.",
            "What fraction of the rows list {v} under {col}?",
            "What is the {v} count divided by the total count of {entities}?",
            "Tell me what fraction of {col} is {v}.",
            "Give me the fraction represented by {v} among all {entities}.",
            "Work out the share of rows with {v} in {col}.",
            "Proportion that is {v}, across all {entities}?",
            "How much of the table, as a fraction of rows, has {col} equal to {v}?",
            "Of every row in the sheet, what fraction shows {v} in {col}?",
            "Calculate the count of {v} in {col} divided by the count of all entries in {col}.",
            "Can you tell me what proportion of the {entities} fall under {v}?",
            "In {col}, what share of the entries are {v}?",
            "Report the ratio of rows with {col} equal to {v} to the total number of rows.",
            "As a fraction of all {entities}, how many are {v}?",
            "Please compute the {v} share of all {entities}.",
            "Share of {entities} where {col} is {v}?",
            "What portion of the rows, expressed as a fraction, has {col} equal to {v}?",
            "Figure out what fraction of all entries in {col} are {v}.",
            "Among the {entities}, what proportion has {col} set to {v}?",
            "I'd like to know the fraction of rows in which {col} reads {v}.",
            "Determine the proportion of {entities} classed as {v} in {col}.",
            "How many {entities} are {v}, as a proportion of all {entities}?",
            "Show the fraction of {entities} that are {v} out of the whole table.",
            "{v} as a share of all rows in {col}?",
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
            "What is the {v} total for {m}?",
            "Could you add up {m} for the {v} {entities}?",
            "How much does {m} come to for {v}?",
            "Find the sum of {m} in rows where {col} equals {v}.",
            "When {col} is {v}, what do the {m} values total?",
            "I'd like the combined total of {m} over all {v} {entities}.",
            "Work out the sum of {m} restricted to {col} = {v}.",
            "Sum up {m} for just the {v} {entities}.",
            "Get me the {v} subtotal of {m}.",
            "What do the {v} {entities} total in {m}?",
            "Altogether, how much is recorded in {m} for the {v} {entities}?",
            "Please total {m} for {v} only.",
            "{v}: total {m}?",
            "Can you tally {m} across every row whose {col} is {v}?",
            "If only rows where {col} reads {v} are counted, what is the sum of {m}?",
            "Report the sum of {m} for {v}.",
            "I'd like to know what {m} comes to, summed over the {v} {entities}.",
            "Summed across the {v} {entities}, what does {m} amount to?",
            "The total of {m} where {col} = {v}, please.",
            "Figure out the {m} total for rows labelled {v}.",
            "Can you give me {m} added up over everything marked {v}?",
            "Only looking at {v}, what's the grand total of {m}?",
            "Please report how much {m} adds up to among {entities} whose {col} is {v}.",
            "What's the aggregate of {m} for {v}?",
            "For every row with {v} in {col}, add the {m} values together; what's the result?",
            "Overall total of {m} for the {v} {entities}?",
            "Compute the total of {m}, limited to rows where {col} is {v}.",
            "The {v} {entities} have what total in {m}?",
            "Tally up {m} for {v}.",
            "Across the rows marked {v} in {col}, how large is the sum of {m}?",
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
            "What is the total {m} once {v} is excluded?",
            "Could you add up {m} for everything except {v}?",
            "What do the non-{v} {entities} add up to in {m}?",
            "Except for {v}, what is the total of {m}?",
            "I'd like {m} summed over all rows where {col} differs from {v}.",
            "Tell me the {m} total for all {entities} that aren't {v}.",
            "Work out {m} in total, skipping the {v} {entities}.",
            "Add together {m} for the {entities} whose {col} is something other than {v}.",
            "What is the sum of {m} when {col} is anything but {v}?",
            "Get the total of {m}, not counting the {v} ones.",
            "What do all the {entities} apart from {v} total in {m}?",
            "Please add up {m}, leaving the {v} rows out of it.",
            "Total {m} for everything that isn't {v}.",
            "Can you sum {m} across all rows whose {col} is not {v}?",
            "With {v} excluded, what does {m} come to?",
            "Report the sum of {m} for all {entities} besides {v}.",
            "Grand total of {m} without {v}?",
            "Disregarding any row where {col} is {v}, what is the sum of {m}?",
            "I'd like {m} added up for all the {entities} that are not {v}.",
            "Figure out the sum of {m} after dropping the {v} {entities}.",
            "What's the {m} total if we set aside {v}?",
            "Apart from {v}, what do the {m} figures add up to?",
            "Summing {m} where {col} isn't {v} gives what?",
            "Compute the {m} total over rows in which {col} does not equal {v}.",
            "Everything but {v}: what is the sum of {m}?",
            "Tally {m} over all {entities} not labelled {v}.",
            "Could you work out what {m} adds up to without counting the {v} rows?",
            "Excluding every {v} entry, how much is {m} in total?",
            "Give the sum of {m} over the remaining {entities} once the {v} ones are removed.",
            "Among rows where {col} is not {v}, tell me what {m} totals.",
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
            "Mean {m} for {v}?",
            "Could you work out the average {m} of the {v} {entities}?",
            "For rows where {col} is {v}, what is the mean of {m}?",
            "How much is {m} on average among the {v} {entities}?",
            "Find the {v} average for {m}.",
            "I'd like the average of {m}, counting only rows with {col} equal to {v}.",
            "Tell me what {m} averages for {v}.",
            "Restricting to {col} = {v}, what is the average of {m}?",
            "Get the mean {m} where {col} says {v}.",
            "What do the {v} {entities} average in {m}?",
            "On average, what is {m} for the {v} {entities}?",
            "Please compute the mean {m} of rows where {col} is {v}.",
            "Average of {m} for {v}?",
            "Can you figure out the average of {m} across {entities} whose {col} is {v}?",
            "What's the mean value of {m} once you filter to {v}?",
            "Report the average {m} for rows labelled {v}.",
            "If you take just the {v} {entities}, what does {m} average out to?",
            "I'd like to know the mean of {m} among {entities} with {col} set to {v}.",
            "Compute the average of {m}, using only rows whose {col} is {v}.",
            "Average {m} over the {v} {entities}.",
            "Among {entities} tagged {v}, what's the mean {m}?",
            "Give the mean value of {m} for {v}.",
            "Take the {v} rows only and average {m}; what do you get?",
            "Mean of {m}, {v} only?",
            "Work out the average that {m} takes over the {v} {entities}.",
            "Would you calculate the arithmetic average of {m} for {v}?",
            "What does {m} average when only {v} is considered?",
            "Where {col} reads {v}, how big is {m} on average?",
            "Let me know the average {m} across every row marked {v}.",
            "Restricted to {v}, {m} averages to what?",
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
            "What is the {v} total of {m} for rows with {m2} {cmp} {n}?",
            "Could you add up {m} for the {v} {entities} whose {m2} is {cmp} {n}?",
            "Sum {m} where {col} = {v} and {m2} {cmp} {n}.",
            "With {col} equal to {v} and {m2} {cmp} {n}, how much does {m} total?",
            "I'd like the sum of {m} over rows that are {v} and whose {m2} is {cmp} {n}.",
            "Find the total of {m}, counting only {v} {entities} where {m2} is {cmp} {n}.",
            "Tell me what {m} adds up to for {v} when {m2} is {cmp} {n}.",
            "Filtering to {v} with {m2} {cmp} {n}, what is the sum of {m}?",
            "Work out the {m} subtotal for {v} {entities} having {m2} {cmp} {n}.",
            "What do the {v} {entities} with {m2} {cmp} {n} add up to in {m}?",
            "Please total {m} for the {v} {entities}, but only those whose {m2} is {cmp} {n}.",
            "Of the {v} rows, take the ones with {m2} {cmp} {n} and add up {m} for them.",
            "{v} rows with {m2} {cmp} {n}: total {m}?",
            "Can you tally {m} wherever {col} is {v} and {m2} is {cmp} {n}?",
            "Report the sum of {m} over rows meeting two conditions: {col} is {v}, and {m2} is "
            "{cmp} {n}.",
            "What's the {m} total for {v} when {m2} is {cmp} {n}?",
            "I'd like to know how much {m} sums to across the {v} {entities} having {m2} {cmp} "
            "{n}.",
            "Only for {v} and only where {m2} is {cmp} {n}: what's the sum of {m}?",
            "Compute the total of {m} for rows that satisfy both {col} = {v} and {m2} {cmp} {n}.",
            "The sum of {m} for {v} with {m2} {cmp} {n}?",
            "Figure out what {m} comes to for {v} {entities} whose {m2} is {cmp} {n}.",
            "Taking the {v} {entities} with {m2} {cmp} {n}, how much does {m} add up to?",
            "Give the {m} sum for rows in {v} where {m2} is {cmp} {n}.",
            "Please add together {m} across entries that are {v} and have {m2} {cmp} {n}.",
            "When both conditions hold, {col} being {v} and {m2} being {cmp} {n}, what does {m} "
            "total?",
            "Would you work out the total of {m} for the {v} {entities}, counting only those with "
            "{m2} {cmp} {n}?",
            "Among the {v} {entities}, those with {m2} {cmp} {n} have what total in {m}?",
            "Sum {m} across the {v} {entities}, limited to rows whose {m2} is {cmp} {n}.",
            "{v} only, {m2} {cmp} {n}: what's the grand total of {m}?",
            "Tell me the aggregate of {m} for {entities} where {col} matches {v} and {m2} is "
            "{cmp} {n}.",
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
            "Number of {v} {entities} that are {w}?",
            "Could you tell me how many {entities} are {w} where {col} is {v}?",
            "Of the {entities} whose {col} is {v}, how many are {w}?",
            "Find how many {entities} are {w} and have {v} in {col}.",
            "{v} and {w}: how many {entities}?",
            "I'd like to know how many {entities} are {v} as well as {w}.",
            "Tell me the number of {entities} flagged {w} with {col} set to {v}.",
            "Just for {v}: how many {entities} are {w}?",
            "Get the count of {entities} where {col} equals {v} and the {entity} is also {w}.",
            "How many of the {v} {entities} turn out to be {w}?",
            "Please count the {v} {entities} that are {w}.",
            "How many {entities} are there that are {w} and whose {col} is {v}?",
            "Can you tally the {v} {entities} which are {w}?",
            "Tally of {entities} that are {w}, {v} only?",
            "{v} {entities} that are {w}: how many are there?",
            "I'd like a count of the {entities} listed as {w} among those with {col} equal to {v}.",
            "Report how many {entities} have {col} = {v} and are {w}.",
            "If you filter to {v} and keep only the {entities} that are {w}, how many remain?",
            "Work out the number of {entities} that are {w} within {v}.",
            "In how many rows does {col} equal {v} with the {entity} being {w}?",
            "Among {entities} with {col} set to {v}, count those that are {w}.",
            "Count every {entity} that is {w} and belongs to {v}.",
            "What number of {v} {entities} are {w}?",
            "Could you figure out how many {entities} whose {col} is {v} are {w}?",
            "Restricting to {v}, what's the count of {entities} that are {w}?",
            "Tell me, for {v}, the tally of {entities} that are {w}.",
            "How many are {w} among {entities} whose {col} reads {v}?",
            "Give a count: {entities} with {col} equal to {v} that are {w}.",
            "Show how many {entity} rows are {w} and have {col} equal to {v}.",
            "Of the {entities}, how many are simultaneously {v} and {w}?",
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
            "Could you find the {best} value of {m} among rows where {col} is {v}?",
            "For {v} only, what is the {best} number in {m}?",
            "Looking only at rows with {col} equal to {v}, find the {best} value of {m}.",
            "Tell me which value of {m} is the {best} for the {v} {entities}.",
            "{v} {entities}: what is the {best} value in {m}?",
            "Where {col} is {v}, what value of {m} is the {best}?",
            "Show me the {best} entry in {m} for {v}.",
            "Return the {best} value in {m} restricted to {v}.",
            "What is the {best} number appearing in {m} when {col} equals {v}?",
            "Of all {v} {entities}, what is the {best} value listed under {m}?",
            "Please find the {best} {m} recorded for {v}.",
            "{v} only: {best} {m}?",
            "Can you tell me the {best} {m} among rows whose {col} is {v}?",
            "Report the {best} value of {m} within the {v} {entities}.",
            "Looking across the {v} {entities}, what's the {best} number in {m}?",
            "What's the {best} {m} found in any row where {col} equals {v}?",
            "I'd like the {best} of the {m} values for {v}.",
            "Compute the {best} {m}, filtering to {col} = {v}.",
            "Among everything labelled {v}, which figure in {m} is the {best}?",
            "If you look only at {v}, what is the {best} {m} you find?",
            "What is the {best} amount of {m} among the {v} {entities}?",
            "Give the {best} {m} for rows tagged {v}.",
            "Tell me the {best} {m} within the {v} group.",
            "Out of all rows with {v} in {col}, what is the {best} {m}?",
            "Scan {m} for the {v} {entities} and tell me the {best} value.",
            "The {best} {m} for {v} is what?",
            "Work out the {best} figure of {m} when only {v} rows count.",
            "Would you check which is the {best} value in {m} for {col} equal to {v}?",
            "Restricting to {v}, what does {m} reach at its {best}?",
            "Where {col} matches {v}, pick out the {best} {m}.",
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
            "{name}'s {m}?",
            "Could you tell me {name}'s {m}?",
            "What's recorded in {m} for {name}?",
            "In the row for {name}, what is the value of {m}?",
            "Find the {m} entry for {name}.",
            "Get {name}'s {m}.",
            "Check what {m} says for {name}.",
            "{name}: what does {m} show?",
            "Tell me what {name} has in {m}.",
            "What value sits in {m} on the same row as {name}?",
            "Please report the {m} value for {name}.",
            "What is {name} listed with in {m}?",
            "Can you pull up {m} for {name}?",
            "Show me the {m} value recorded against {name}.",
            "What's in the {m} cell for {name}?",
            "Retrieve {name}'s entry under {m}.",
            "Need {m} for {name}.",
            "According to the sheet, what is {name}'s {m}?",
            "Value of {m} for {name}?",
            "Read off {name}'s {m} from the table.",
            "Across from {name}, what does {m} contain?",
            "Would you fetch the {m} belonging to {name}?",
            "Find out what {name}'s {m} is.",
            "Please return the value in {m} that corresponds to {name}.",
            "How is {name} recorded in {m}?",
            "Which value does {m} hold for {name}?",
            "Go to the row for {name}; what does it have under {m}?",
            "What has been entered in {m} against {name}?",
            "Quick check: {name}'s {m}?",
            "Show {m} for the row matching {name}.",
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
            "VLOOKUP {name}, return {m}.",
            "Could you look up {name} in column A and give me its {m}?",
            "Run a vertical lookup for {name} and bring back {m}.",
            "Find the row whose first cell is {name} and read {m} from it.",
            "Look {name} up and tell me the value of {m} that goes with it.",
            "I'd like a VLOOKUP on {name} that returns {m}.",
            "Using the first column as the key, what is {m} for {name}?",
            "Locate {name} in the leftmost column; what does {m} say there?",
            "What does a lookup of {name} give for {m}?",
            "Look up {name} by its key and return {m}.",
            "Please VLOOKUP {name} and return its {m}.",
            "Can you VLOOKUP {name} and tell me what {m} holds?",
            "Scan down the first column until you hit {name}, then give me {m}.",
            "Key on {name} in the first column: what is {m}?",
            "What comes back from {m} when you look up {name} in the key column?",
            "Vertical lookup of {name}, returning {m}?",
            "Report {m} for the row whose leftmost cell exactly matches {name}.",
            "I need a table lookup: find {name} in the key column and return {m}.",
            "By looking {name} up in the first column, what value of {m} do you get?",
            "Perform a VLOOKUP with {name} as the lookup value and {m} as the column to return.",
            "Look in the first column for {name} and read across to {m}.",
            "Lookup on {name} against the first column; what value comes back from {m}?",
            "Please do an exact-match lookup of {name} and return {m}.",
            "If you VLOOKUP {name}, what is returned from {m}?",
            "Via a lookup on the first column, find {name}'s {m}.",
            "Leftmost column lookup for {name}: what's {m}?",
            "Give me the {m} value that a VLOOKUP of {name} returns.",
            "Find where {name} sits in the first column and tell me what {m} holds on that row.",
            "Treat the first column as the lookup key: what is {name}'s {m}?",
            "Would you run {name} through a VLOOKUP and pull {m}?",
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
            "Looking at {m}, which {entity} has the {w}?",
            "If you compare all {entities} by {m}, which one has the {w}?",
            "I'd like to know which {entity} has the {w} {m}.",
            "Find the {entity} showing the {w} {m}.",
            "Point me to the {entity} with the {w} {m}.",
            "Which {entity} records the {w} {m}?",
            "Look up the {entity} with the {w} {m}.",
            "The {entity} with the {w} {m}: which is it?",
            "Show me which of the {entities} has the {w} {m}.",
            "Which {entity} stands out with the {w} {m}?",
            "Please name the {entity} whose {m} is the {w}.",
            "Can you tell me which {entity} ends up with the {w} {m}?",
            "The name of the {entity} with the {w} {m}, please.",
            "Report which {entity} has the {w} {m}.",
            "If the {entities} were sorted by {m}, which would have the {w}?",
            "Whose {m} is the {w}?",
            "The {w} {m} is held by which {entity}?",
            "Among the {entities}, who has the {w} {m}?",
            "Give the {entity} that registers the {w} {m}.",
            "Which {entity} is it that has the {w} {m}?",
            "Return the name of the {entity} having the {w} {m}.",
            "For {m}, which of the {entities} scores the {w}?",
            "I want to find out which {entity} posts the {w} {m}.",
            "Tell me the {entity} that has the {w} {m} of all.",
            "Whose row shows the {w} {m}?",
            "Work out which {entity} has the {w} {m}.",
            "Comparing {m}, who comes out with the {w}?",
            "Could you find out which {entity} has got the {w} {m}?",
            "What is the name of the {entity} that has the {w} {m}?",
            "Find out who has the {w} {m} among all {entities}.",
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
            "The {nth} {w} {m}?",
            "Could you find the {nth} {w} number in {m}?",
            "Rank {m} from the {end}; what value is in {nth} place?",
            "If you rank {m} with the {w} first, which value is {nth}?",
            "Find me the {nth}-{w} value in {m}.",
            "Among all values in {m}, which is {nth} {w}?",
            "What is the {nth} {w} figure you can find in {m}?",
            "Show the value ranked {nth} {w} in {m}.",
            "I'm after the {nth} {w} {m}.",
            "Looking at {m}, what's the {nth} {w}?",
            "Please report which value in {m} is {nth} {w}.",
            "Can you tell me what {m} holds as its {nth} {w} value?",
            "Counting from the {end} of {m}, what value comes {nth}?",
            "Value of {m} in {nth} place from the {end}?",
            "I'd like to know the {nth} {w} {m}.",
            "Give the {nth} {w} of the values in {m}.",
            "What value sits {nth} from the {end} in {m}?",
            "Report the value that ranks {nth} {w} in {m}.",
            "Work out the {nth} {w} value across {m}.",
            "Which number is {nth} {w} in {m}?",
            "When {m} is ordered from the {end}, what value lands in {nth} position?",
            "Tell me which entry in {m} is the {nth} {w}.",
            "Could you get me the {nth} {w} of {m}?",
            "Please compute the {nth} {w} value among the numbers in {m}.",
            "In {nth} place counting from the {end}, what does {m} have?",
            "Find which value of {m} is ranked {nth} {w}.",
            "Ranking: what is the {nth} {w} in {m}?",
            "What's {m}'s {nth} {w} value?",
            "What would be the {nth} {w} value if you ranked {m}?",
            "Pick out the {nth} {w} value from {m}.",
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
            "Distinct values of {col}?",
            "Could you list every different value that appears in {col}?",
            "What values show up in {col}, each listed once?",
            "Get the unique {col} entries.",
            "I'd like {col} deduplicated.",
            "Which values does {col} take?",
            "Tell me the different entries found in {col}, without duplicates.",
            "Show me the set of values used in {col}.",
            "What's in {col}, once each?",
            "Pull out the distinct entries from {col}.",
            "Which values occur in {col}? Give each just once.",
            "Please show me {col} without any duplicates.",
            "Can you pull a deduplicated list out of {col}?",
            "Ignoring repeats, what values are found in {col}?",
            "Unique entries in {col}, please.",
            "What are all the different things recorded in {col}?",
            "Give a list of the values in {col} with no value repeated.",
            "I'm after the distinct set of values in {col}.",
            "Would you list the values from {col}, skipping duplicates?",
            "Enumerate the distinct values found in {col}.",
            "Return the unique values from {col}.",
            "Could you tell me which values {col} contains, mentioning each only once?",
            "Across all rows, which distinct values does {col} have?",
            "In {col}, what values appear at least once?",
            "Name every value of {col}, leaving out repeats.",
            "Tell me what {col} looks like once duplicates are dropped.",
            "I want to see each different value in {col} a single time.",
            "Which categories turn up in {col}?",
            "Every distinct entry of {col}: what are they?",
            "Can I get the non-repeating list of values from {col}?",
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
            "Number of distinct values in {col}?",
            "Could you count how many different entries {col} has?",
            "How many unique values show up in {col}?",
            "Leaving out duplicates, how many values does {col} contain?",
            "Work out how many distinct values there are in {col}.",
            "I'd like to know how many different things appear in {col}.",
            "What is the distinct count for {col}?",
            "Count {col}'s unique values.",
            "In {col}, how many distinct values are there?",
            "How many kinds of value does {col} hold?",
            "Count up how many separate values {col} holds, repeats excluded.",
            "What number of different entries does {col} include?",
            "Please report how many distinct entries {col} has.",
            "If duplicates are ignored, how many entries remain in {col}?",
            "Unique value count for {col}?",
            "Can you figure out how many different values are used in {col}?",
            "How many separate values turn up in {col}?",
            "Determine the number of unique items listed in {col}.",
            "I'd like the count of different values in {col}, with repeats counted once.",
            "How many different {col} entries exist?",
            "Across the table, how many unique entries does {col} have?",
            "Counting each value only once, how many values does {col} have?",
            "Could you say how many distinct values {col} takes?",
            "How varied is {col}? Give the number of distinct values.",
            "What's the count of {col} once duplicates are removed?",
            "Please count the unique entries that appear in {col}.",
            "Distinct entries in {col}: how many?",
            "I want to know how many separate values {col} contains.",
            "Report the number of different values in {col}.",
            "Number of different {col} values?",
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
            "Show me all the {entities} that have {m} {cmp} {n}.",
            "Could you list all the {entities} whose {m} is {cmp} {n}?",
            "Pull up {key} for rows where {m} is {cmp} {n}.",
            "What are the {key} values where {m} is {cmp} {n}?",
            "Filter the {entities} to those with {m} {cmp} {n} and list them.",
            "I'd like the names of the {entities} with {m} {cmp} {n}.",
            "For which {entities} is {m} {cmp} {n}?",
            "Where {m} is {cmp} {n}, which entries appear in {key}?",
            "Return {key} wherever {m} is {cmp} {n}.",
            "Any {entities} with {m} {cmp} {n}? List them.",
            "Which {entities} are there whose {m} is {cmp} {n}?",
            "Among all {entities}, which ones show {m} {cmp} {n}?",
            "Give me a list of {key} where {m} is {cmp} {n}.",
            "I'm looking for the {entities} whose {m} is {cmp} {n}. Which are they?",
            "Only the {entities} with {m} {cmp} {n}, please: list them.",
            "Can you tell me the {entities} having {m} {cmp} {n}?",
            "Extract {key} for the rows in which {m} is {cmp} {n}.",
            "Which {entities} meet this condition: {m} is {cmp} {n}?",
            "Show the {key} of all rows whose {m} is {cmp} {n}.",
            "Would you list the {entities} for which {m} was {cmp} {n}?",
            "Identify every one of the {entities} with {m} {cmp} {n}.",
            "Keeping only rows where {m} is {cmp} {n}, list the {key}.",
            "Rows where {m} is {cmp} {n}: what do they have in {key}?",
            "Please point out the {entities} that have {m} {cmp} {n}.",
            "Which entries of {key} belong to rows with {m} {cmp} {n}?",
            "Filter on {m} {cmp} {n} and show me {key}.",
            "For all rows with {m} {cmp} {n}, give the {key}.",
            "List out whichever {entities} have {m} {cmp} {n}.",
            "Which {entities} would I get by filtering {m} to {cmp} {n}?",
            "In which rows is {m} {cmp} {n}? Give the {key} for those.",
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
            "Cell {a}?",
            "Could you tell me what's in {a}?",
            "What's sitting in cell {a}?",
            "Look at {a} and tell me its value.",
            "I'd like to know the value of {a}.",
            "Get the value from cell {a}.",
            "What's written in {a}?",
            "Check cell {a} for me: what does it say?",
            "Report what {a} holds.",
            "Peek at {a}: what's there?",
            "{a}: what's the value?",
            "Please report the entry in cell {a}.",
            "What do we have in {a}?",
            "Can you read out the contents of cell {a}?",
            "What's entered in cell {a}?",
            "Value of {a}?",
            "What shows up in cell {a}?",
            "Let me know what cell {a} says.",
            "Tell me what's recorded at {a}.",
            "What is the entry at {a}?",
            "Would you check what {a} contains?",
            "Return the value stored at cell {a}.",
            "Find cell {a} and give me its content.",
            "What's the current value in {a}?",
            "I'm curious what cell {a} holds.",
            "Quick one: what's in {a}?",
            "What was entered into {a}?",
            "In cell {a}, what value do we find?",
            "What does {a} read?",
            "Fetch the contents of cell {a}.",
        ]
    )
    return ctx.answer(t.format(a=addr), f"ask {addr}", ctx.grid.column(h)[i])
