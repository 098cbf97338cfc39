"""Lexemes a search may try for the sheet grammar's open terminals, for one instruction.

Learning from denotations starts by enumerating small forms (``parseinstr.learn_search``).
The sheet grammar's strings, numbers, cells and column letters have infinitely many
lexemes; the search may only try those the instruction and the sheet make plausible:
numbers the instruction writes (in digits or in words), cells and column letters it
names, the sheet's own values and headers it names, quoted text, and criteria strings
built from those numbers and values (``">=148"``, ``"<>West"``, ``"Al*"``), which is how
the sheet language writes conditions. This is a lexicon of the language's literals, not a
reading of the instruction: which lexemes go where is left to the search.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from .sheet_gen_tables import words
from .sheet_values import number_text

_ONES = {
    w: i
    for i, w in enumerate(
        words(
            "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
            "fifteen sixteen seventeen eighteen nineteen"
        )
    )
}
_TENS = {
    w: 10 * i
    for i, w in enumerate(words("_ _ twenty thirty forty fifty sixty seventy eighty ninety"))
    if w != "_"
}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_DIGITS = re.compile(r"(?<![\w.])-?\d+(?:,\d{3})*(?:\.\d+)?(?![\w])")
#: A cell the text names (``C10``, ``$C$10``): its letters and row.
CELL_MENTION = re.compile(r"(?<![\w$])\$?([A-Z]{1,3})\$?([1-9][0-9]*)(?!\w)")
#: ``column D`` / ``Columns D``: a column named by its letter.
COLUMN_LETTER = re.compile(r"\b(?i:columns?)\s+([A-Z]{1,3})\b")
_COLS = re.compile(r"(?<!\w)\$?[A-Z]{1,3}:\$?[A-Z]{1,3}(?![\w:])")
_QUOTED = re.compile(r"\"([^\"]{1,40})\"|'([^']{1,40})'|“([^”]{1,40})”")
COMPARATORS = (">", ">=", "<", "<=")


def numbers_in(text: str) -> list[float]:
    """The numbers ``text`` writes, in digits (``1,250.5``) or in words (``two hundred
    sixty-nine``), in order of appearance, without repeats."""
    found: list[tuple[int, float]] = []
    for m in _DIGITS.finditer(text):
        found.append((m.start(), float(m.group().replace(",", ""))))
    found.extend(_word_numbers(text))
    out: list[float] = []
    for _, x in sorted(found):
        if x not in out:
            out.append(x)
    return out


def _word_numbers(text: str) -> Iterable[tuple[int, float]]:
    """Runs of number words (``one hundred twenty-five``) and where each starts."""
    tokens = [(m.start(), m.group().lower()) for m in re.finditer(r"[A-Za-z]+", text)]
    i = 0
    while i < len(tokens):
        start, word = tokens[i]
        if word not in _ONES and word not in _TENS:
            i += 1
            continue
        total = current = 0
        j = i
        while j < len(tokens):
            w = tokens[j][1]
            if w in _ONES:
                current += _ONES[w]
            elif w in _TENS:
                current += _TENS[w]
            elif w in _SCALES and j > i:
                scale = _SCALES[w]
                if scale == 100:
                    current *= 100
                else:
                    total += current * scale
                    current = 0
            elif w == "and" and j > i and j + 1 < len(tokens) and tokens[j + 1][1] in _ONES:
                pass
            else:
                break
            j += 1
        yield start, float(total + current)
        i = j


def quote(text: str) -> str:
    """A text as the grammar's string literal."""
    return '"' + text.replace('"', '""') + '"'


def sheet_search_lexemes(
    instruction: str, headers: Sequence[str], named_values: Sequence[str]
) -> dict[str, list[str]]:
    """Terminal -> lexemes for a search over forms of ``instruction`` on a sheet with
    ``headers`` (already bracketed) whose cells hold ``named_values`` that the
    instruction names (as the sheet spells them)."""
    numbers = numbers_in(instruction)
    number_lexemes = _unique(number_text(abs(x)) for x in numbers)
    quoted = _unique(
        next(g for g in m.groups() if g is not None) for m in _QUOTED.finditer(instruction)
    )
    texts = _unique([*named_values, *quoted])
    strings = [quote(t) for t in texts]
    strings += [quote(f"<>{t}") for t in texts]
    strings += [quote(f"{t}*") for t in quoted]
    strings += [quote(f"{op}{n}") for n in number_lexemes for op in COMPARATORS]
    cells = _unique(f"{c}{r}" for c, r in CELL_MENTION.findall(instruction))
    letters = _unique(COLUMN_LETTER.findall(instruction))
    rows = [n for n in number_lexemes if re.fullmatch(r"[1-9][0-9]*", n)]
    return {
        "HEADER": list(headers),
        "STRING": _unique(strings),
        "NUMBER": number_lexemes,
        "CELL": cells,
        "COLS": _unique(_COLS.findall(instruction)),
        "LETTERS": letters,
        "ROWNUM": rows,
        "ORDER": ["asc", "desc"],
        "ERROR": [],
    }


def _unique(items: Iterable[str]) -> list[str]:
    out: list[str] = []
    for x in items:
        if x and x not in out:
            out.append(x)
    return out
