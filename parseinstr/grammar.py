"""Lark grammars of the environments: loading, specialisation and parsing.

A :class:`Grammar` is immutable. Specialisation (:meth:`Grammar.with_rules`) is a pure
function returning a new grammar in which some definitions are replaced, for example the
rule for table names by the tables of one database; the base grammar is never mutated, and
compiled parsers are cached by the hash of the grammar text so each is built once.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

import lark
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from .errors import GrammarError, ParseError, UnknownNameError

# A definition starts at column 0 with an optional "?" or "!" and a name followed by ":"
# (rules are lower case, terminals upper case; an optional ".priority" is not portable
# and not used here).
_DEFINITION = re.compile(r"^[?!]?([A-Za-z_][A-Za-z0-9_]*)\s*:", re.MULTILINE)


def bundled_grammar_names() -> list[str]:
    """Names of the `.lark` files shipped in ``parseinstr.grammars``."""
    root = resources.files("parseinstr.grammars")
    return sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".lark"))


def quote_literal(value: str) -> str:
    """A Lark string literal matching ``value`` exactly (case-insensitively with ``i``)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class Grammar:
    """An immutable Lark grammar (LALR) with its name and start rule.

    Example:
        >>> g = Grammar("demo", 'start: "walk" | "run"\\n%ignore " "')
        >>> g.accepts("walk")
        True
    """

    name: str
    text: str
    start: str = "start"

    @classmethod
    def load(cls, name: str) -> Grammar:
        """Load ``grammars/<name>.lark`` from the installed package."""
        names = bundled_grammar_names()
        if name not in names:
            raise UnknownNameError("grammar", name, names)
        text = resources.files("parseinstr.grammars").joinpath(f"{name}.lark").read_text("utf-8")
        grammar = cls(name, text)
        grammar.parser()  # validate up front, never in a hot loop
        return grammar

    @property
    def hash(self) -> str:
        """SHA-256 of the grammar text and start rule (hex, 16 characters)."""
        return hashlib.sha256(f"{self.start}\n{self.text}".encode()).hexdigest()[:16]

    def definitions(self) -> dict[str, str]:
        """Map every rule and terminal name to its full definition text."""
        matches = list(_DEFINITION.finditer(self.text))
        out: dict[str, str] = {}
        for i, m in enumerate(matches):
            end = matches[i + 1].start() if i + 1 < len(matches) else len(self.text)
            block = self.text[m.start() : end]
            # Trailing directives (%ignore, %import) and comments belong to no definition.
            kept = []
            for line in block.splitlines():
                if line.startswith(("%", "//")) and kept:
                    break
                kept.append(line)
            out[m.group(1)] = "\n".join(kept).rstrip()
        return out

    def with_rules(self, rules: Mapping[str, str], name: str | None = None) -> Grammar:
        """Return a new grammar whose definitions for ``rules`` keys are replaced.

        Args:
            rules: name -> body (the text after the colon), e.g. ``{"table": '"city" | "state"'}``.
                A name not yet defined is appended as a new definition.
            name: name of the new grammar (default: the same name).

        Raises:
            GrammarError: if the result is not a valid LALR grammar.
        """
        text = self.text
        defs = self.definitions()
        for rule, body in rules.items():
            if not body.strip():
                raise GrammarError(f"specialising {self.name!r}: rule {rule!r} would be empty")
            new_def = f"{rule}: {body}"
            if rule in defs:
                text = text.replace(defs[rule], new_def, 1)
            else:
                text = text.rstrip("\n") + "\n" + new_def + "\n"
        grammar = Grammar(name or self.name, text, self.start)
        grammar.parser()
        return grammar

    def parser(self) -> lark.Lark:
        """The compiled LALR parser, built once per grammar text."""
        return _compile(self.text, self.start)

    def parse(self, text: str) -> lark.Tree:
        """Parse a logical form to a tree.

        Raises:
            ParseError: with line, column and the terminals expected there.
        """
        try:
            return self.parser().parse(text)
        except UnexpectedInput as exc:
            raise _parse_error(self, text, exc) from None

    def accepts(self, text: str) -> bool:
        """Whether ``text`` is a complete sentence of the grammar."""
        try:
            self.parser().parse(text)
        except UnexpectedInput:
            return False
        return True


def _parse_error(grammar: Grammar, text: str, exc: UnexpectedInput) -> ParseError:
    expected: set[str] = set()
    parser = grammar.parser()
    pretty = {t.name: _describe_terminal(t) for t in parser.terminals}
    if isinstance(exc, UnexpectedToken):
        expected = {pretty.get(n, n) for n in exc.accepts or exc.expected}
        what = (
            "unexpected end of input"
            if exc.token.type == "$END"
            else (f"unexpected {exc.token.value!r}")
        )
    elif isinstance(exc, UnexpectedCharacters):
        expected = {pretty.get(n, n) for n in exc.allowed or ()}
        what = f"unexpected character {text[exc.pos_in_stream]!r}"
    elif isinstance(exc, UnexpectedEOF):
        expected = {pretty.get(n, n) for n in exc.expected}
        what = "unexpected end of input"
    else:  # pragma: no cover - lark has no other subclasses today
        what = str(exc)
    line = getattr(exc, "line", None)
    column = getattr(exc, "column", None)
    if line is None or line < 1:
        line, column = _end_position(text)
    return ParseError(
        f"not a valid {grammar.name} logical form: {what}", text, line, column, sorted(expected)
    )


def _end_position(text: str) -> tuple[int, int]:
    lines = text.splitlines() or [""]
    return len(lines), len(lines[-1]) + 1


def _describe_terminal(term: lark.lexer.TerminalDef) -> str:
    pattern = term.pattern
    if isinstance(pattern, lark.lexer.PatternStr):
        return repr(pattern.value)
    return term.name


@functools.lru_cache(maxsize=64)
def _compile(text: str, start: str) -> lark.Lark:
    try:
        return lark.Lark(
            text,
            parser="lalr",
            lexer="contextual",
            start=start,
            propagate_positions=False,
            maybe_placeholders=False,
        )
    except lark.exceptions.GrammarError as exc:
        raise GrammarError(f"invalid grammar: {exc}") from None
    except lark.exceptions.LarkError as exc:
        raise GrammarError(f"invalid grammar: {exc}") from None
