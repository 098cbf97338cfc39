"""One error root for parseinstr, with one subclass per phase.

The API raises these; the CLI turns any of them into one line on stderr and a
non-zero exit. Messages name the argument, show the value and say how to fix it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence


class ParseInstrError(Exception):
    """Root of every error parseinstr raises on purpose."""

    exit_code = 1


class UsageError(ParseInstrError):
    """An argument, option or file given by the user is not usable."""

    exit_code = 2


class UnknownNameError(UsageError):
    """A name (environment, task, table, ...) that is not registered; suggests the closest."""

    def __init__(self, kind: str, name: str, known: Iterable[str]) -> None:
        self.kind, self.name, self.known = kind, name, sorted(known)
        close = difflib.get_close_matches(name, self.known, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        super().__init__(
            f"unknown {kind} {name!r}.{hint} Known: {', '.join(self.known) or '(none)'}."
        )


class DataError(ParseInstrError):
    """A data, world or sheet file is malformed; the message names the file and the field."""


class GrammarError(ParseInstrError):
    """A grammar is malformed or cannot be specialised."""


class ParseError(ParseInstrError):
    """A logical form is not a sentence of the environment's grammar.

    Attributes:
        text: the logical form.
        line, column: 1-based position of the first offending character.
        expected: terminals (or literal strings) the grammar would have accepted there.
    """

    def __init__(
        self,
        message: str,
        text: str = "",
        line: int | None = None,
        column: int | None = None,
        expected: Sequence[str] = (),
    ) -> None:
        self.text, self.line, self.column = text, line, column
        self.expected = sorted(set(expected))
        where = f" at line {line}, column {column}" if line is not None else ""
        snippet = ""
        if line is not None and column is not None and text:
            src = text.splitlines()[line - 1] if text.splitlines() else text
            start = max(0, column - 21)
            snippet = f" near {src[start : column + 20]!r}"
        exp = ""
        if self.expected:
            shown = ", ".join(self.expected[:12])
            more = f" (+{len(self.expected) - 12} more)" if len(self.expected) > 12 else ""
            exp = f"; expected one of: {shown}{more}"
        super().__init__(f"{message}{where}{snippet}{exp}")


class ExecutionError(ParseInstrError):
    """A well-formed logical form failed when run in its environment."""


class UnsafeOperationError(ExecutionError):
    """The environment refused an operation that would change or escape the instance."""


class TimeLimitError(ExecutionError):
    """Execution ran past its time limit and was stopped."""


class ModelError(ParseInstrError):
    """A model folder is missing, corrupt or does not match the current grammar."""
