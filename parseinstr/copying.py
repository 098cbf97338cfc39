"""Copy slots: values the instruction names, copied into the logical form by one token.

A small model trained from scratch on a few thousand examples learns *where* a value goes
far sooner than it learns to spell an arbitrary value token by token ("Ivanhoe" came out
as "Ulysses", "47500" as "39600"). So, before encoding, the spans of the instruction that
may be copied (*mentions*) are marked with slot tokens (``find <v0> Ivanhoe and ...``); in
training targets, each occurrence of a mention's value as a whole word of the logical form
becomes that slot (``MATCH("<v0>", A2:A7, 0)``); the decoder may emit the slot token, which
stands for the value's bytes, and :meth:`CopyFrame.fill` writes the value back.

Mentions come from the instruction's text alone (quoted strings, words with digits, numbers
in words) and from the environment (``Environment.mention_values``: its stored values and
names that the instruction says, spelled as the environment spells them). Nothing here
decides where a value goes: that is the model's job, and constrained decoding checks every
slot's bytes against the grammar like any other token.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

#: How many slots a model has: mentions beyond this many are left unmarked.
MAX_SLOTS = 8


def slot_token(i: int) -> str:
    """The token of slot ``i`` (in both tokenizers)."""
    return f"<v{i}>"


SLOT_TOKENS = tuple(slot_token(i) for i in range(MAX_SLOTS))
_SLOT_RE = re.compile(r"<v(\d+)>")


@dataclass(frozen=True)
class Mention:
    """A span ``[start, end)`` of the instruction that stands for ``value`` in a form."""

    start: int
    end: int
    value: str


# ---------------------------------------------------------------- generic mentions

_QUOTED = re.compile(r"\"([^\"\n]+)\"|“([^”\n]+)”")
# Words holding digits: numbers, cells, ranges, dates, formulas of cells ("E2-C2").
_DIGITS = re.compile(r"(?<![\w.])[A-Za-z]*\d+[A-Za-z]*(?:[.,:/\-][A-Za-z]*\d+[A-Za-z]*)*(?!\w)")
_UNITS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
    )
}
_TENS = {
    w: 10 * (i + 2)
    for i, w in enumerate(
        ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
    )
}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_NUMBER_WORD = "|".join([*_UNITS, *_TENS, *_SCALES])
_NUMBER_WORDS = re.compile(
    rf"\b(?:{_NUMBER_WORD})(?:(?:[\s-]+|\s+and\s+)(?:{_NUMBER_WORD}))*\b", re.IGNORECASE
)


def number_from_words(text: str) -> int | None:
    """The integer that English number words spell ("one hundred ninety" -> 190).

    Example:
        >>> number_from_words("thirty-five"), number_from_words("two thousand and ten")
        (35, 2010)
    """
    total, current, seen = 0, 0, False
    for word in re.split(r"[\s-]+", text.lower()):
        if word == "and":
            continue
        if word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word in _SCALES:
            total += max(current, 1) * _SCALES[word]
            current = 0
        else:
            return None
        seen = True
    return total + current if seen else None


# A capitalised word after the first: a name the instruction gives ("a column Total").
_NAME = re.compile(r"(?<=\s)[A-Z][A-Za-z0-9_]*(?![\w'])")


def generic_mentions(instruction: str, names: bool = False) -> list[Mention]:
    """Quoted strings, words with digits and numbers in words (as digits); with ``names``
    also capitalised words after the first (names the instruction gives)."""
    out = []
    if names:
        out += [Mention(m.start(), m.end(), m.group(0)) for m in _NAME.finditer(instruction)]
    for m in _QUOTED.finditer(instruction):
        g = 1 if m.group(1) is not None else 2
        out.append(Mention(m.start(g), m.end(g), m.group(g)))
    for m in _DIGITS.finditer(instruction):
        text = m.group(0)
        value = text.replace(",", "") if re.fullmatch(r"\d{1,3}(,\d{3})+", text) else text
        out.append(Mention(m.start(), m.end(), value))
    for m in _NUMBER_WORDS.finditer(instruction):
        n = number_from_words(m.group(0))
        if n is not None:
            out.append(Mention(m.start(), m.end(), str(n)))
    return out


def _non_overlapping(mentions: Sequence[Mention]) -> list[Mention]:
    """Longest spans first, then left to right; overlapping spans are dropped."""
    taken: list[Mention] = []
    for m in sorted(mentions, key=lambda m: (-(m.end - m.start), m.start)):
        if m.value and all(m.end <= t.start or m.start >= t.end for t in taken):
            taken.append(m)
    return sorted(taken, key=lambda m: m.start)


# ---------------------------------------------------------------- frames


# A letter-digit compound (``F11``, ``AB7``): capital letters then digits, a word of its own
# (not a name in brackets like ``[Q5]``, not part of ``$B$2`` or ``1.5``).
_COMPOUND = re.compile(r"(?<![\w.$\[])([A-Z]{1,3})(\d+)(?![\w.\]$])")


def _word_pattern(value: str) -> re.Pattern[str]:
    # A value is replaced only as a whole word of the form: not inside a longer name or
    # number ("7" in "C7" or "0.75", "Lamp" in "Lamps").
    return re.compile(rf"(?<![\w.]){re.escape(value)}(?![\w]|\.\d)")


@dataclass
class CopyFrame:
    """One instruction's mentions as slots: its marked text, and slot token -> value."""

    instruction: str
    marked: str
    values: dict[str, str] = field(default_factory=dict)
    parts: bool = False

    def abstract(self, form: str) -> str:
        """``form`` with each slot's value, where it is a whole word, replaced by the slot.

        Longer values go first, so a value inside another ("7" in "7A") keeps the longer one.
        With ``parts``, a value also stands for a part of a letter-digit compound where the
        letters meet the digits: ``F`` and ``11`` in ``F11``, so ``column F (rows 2 to 11)``
        gives ``<v0><v1>:<v0><v2>`` for ``F2:F11`` and the decoder copies a reference it
        would otherwise have to recall letter by letter.
        """
        for slot, value in sorted(self.values.items(), key=lambda kv: -len(kv[1])):
            form = _word_pattern(value).sub(slot, form)
        if self.parts:
            form = self._abstract_parts(form)
        return form

    def _abstract_parts(self, form: str) -> str:
        slot_of = {value: slot for slot, value in self.values.items()}

        def piece(m: re.Match[str]) -> str:
            letters, digits = m.group(1), m.group(2)
            return slot_of.get(letters, letters) + slot_of.get(digits, digits)

        return _COMPOUND.sub(piece, form)

    def used(self, form: str) -> int:
        """How many of the mentions' values ``form`` writes (as whole words)."""
        return len(set(_SLOT_RE.findall(self.abstract(form))))

    def fill(self, form: str) -> str:
        """``form`` with every slot token replaced by its value (unknown slots stay)."""
        return _SLOT_RE.sub(lambda m: self.values.get(m.group(0), m.group(0)), form)


def copy_frame(
    instruction: str,
    env: Any,
    slots: int = MAX_SLOTS,
    names: bool = False,
    parts: bool = False,
    percents: bool = False,
) -> CopyFrame:
    """Find the instruction's mentions and mark them with slot tokens.

    Mentions with the same value share a slot; at most ``slots`` distinct values get one
    (in order of appearance). ``names``: capitalised words are mentions too (models trained
    since names were added record ``copy_names`` in their card). ``percents``: a number the
    instruction gives only as a percentage stands for its factor ("8%" copies ``0.08``), as
    a formula writes it; models trained so record ``copy_percents``.

    Example:
        >>> frame = copy_frame('find "Ivanhoe" and count rows over forty', None)
        >>> frame.marked
        'find "<v0> Ivanhoe" and count rows over <v1> forty'
        >>> frame.fill('ask COUNTIF(A2:A9, ">" & <v1>)'), frame.abstract('x = "Ivanhoe"')
        ('ask COUNTIF(A2:A9, ">" & 40)', 'x = "<v0>"')
    """
    found = generic_mentions(instruction, names)
    hook = getattr(env, "mention_values", None)
    if callable(hook):
        found += [Mention(s, e, v) for s, e, v in hook(instruction)]
    by_value: dict[str, str] = {}
    pieces, last = [], 0
    for m in _non_overlapping(found):
        slot = by_value.get(m.value)
        if slot is None:
            if len(by_value) >= slots:
                continue
            slot = by_value[m.value] = slot_token(len(by_value))
        pieces += [instruction[last : m.start], f"{slot} ", instruction[m.start : m.end]]
        last = m.end
    pieces.append(instruction[last:])
    values = {s: v for v, s in by_value.items()}
    frame = CopyFrame(instruction, "".join(pieces), values, parts)
    return _percents_as_factors(frame) if percents else frame


def mention_frame(instruction: str, env: Any) -> CopyFrame:
    """The frame that *counts* the mentions a form writes (:meth:`CopyFrame.used`), for
    choosing among forms with the same result: every mention, names included (a column
    letter, a new column's name), inside letter-digit compounds too, with no slot limit.

    "The median of column C" is written by ``MEDIAN(C2:C12)`` and not by
    ``MEDIAN([Age])``: on this sheet both give the same answer, but only the first says
    what the instruction says, so it is the one a search keeps and a selection prefers.

    Example:
        >>> mention_frame("the median of column C", None).used("ask MEDIAN(C2:C12)")
        1
        >>> mention_frame("the median of column C", None).used("ask MEDIAN([Age])")
        0
    """
    return copy_frame(instruction, env, slots=1_000, names=True, parts=True, percents=True)


# "5%" or "12 percent": a rate that a formula writes as the factor 0.05 or 0.12.
_PERCENT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s?(?:%|per ?cent\b)", re.IGNORECASE)


def _percents_as_factors(frame: CopyFrame) -> CopyFrame:
    """``frame`` with each number that the instruction only gives as a percentage counted
    as the factor a formula multiplies by ("5% of Units" is written ``[Units]*0.05``, and
    ``[Units]*5`` misreads it). A number also given without a percent sign stays as it is.

    Example:
        >>> frame = mention_frame("a new column: 5% of Units", None)
        >>> frame.used("add column = [Units]*0.05"), frame.used("add column = [Units]*5")
        (2, 1)
    """
    text = frame.instruction
    rates = {m.group(1) for m in _PERCENT.finditer(text)}
    if not rates:
        return frame
    values = dict(frame.values)
    for slot, value in frame.values.items():
        if value not in rates:
            continue
        bare = re.compile(rf"(?<![\w.]){re.escape(value)}(?![\w%]|\.\d|\s?%|\s?per ?cent)", re.I)
        if bare.search(text):
            continue  # also said as a plain number
        factor = format(Decimal(value) / 100, "f")
        values[slot] = factor.rstrip("0").rstrip(".") if "." in factor else factor
    return replace(frame, values=values)


def slot_expansions(frames: Sequence[CopyFrame], output_tok: Any) -> list[Mapping[int, list[int]]]:
    """Per frame: slot token id -> the output token ids that spell its value."""
    out = []
    for frame in frames:
        table = {}
        for slot, value in frame.values.items():
            ids = output_tok(value, add_special_tokens=False)["input_ids"]
            if ids:
                table[output_tok.convert_tokens_to_ids(slot)] = list(ids)
        out.append(table)
    return out


def slot_ids(output_tok: Any) -> list[int]:
    """The ids of every slot token in ``output_tok`` (empty without copy slots)."""
    vocab = output_tok.get_vocab()
    return [vocab[t] for t in SLOT_TOKENS if t in vocab]
