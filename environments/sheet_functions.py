"""The table of spreadsheet functions: registration by decorator, signatures, dispatch.

Each function is a small typed Python function registered with :func:`function`, which
records its name, the kind of each parameter and its arity (STYLE 7, 13). The grammar groups
function names by arity; ``tests/test_sheet_grammar.py`` checks the two agree.

Parameter kinds decide how an argument is evaluated and passed:

- ``scalar``: one value. Given an array (``LEN(A2:A9)``, ``IF([Units]>5, ...)``) the
  function is applied element by element, as Excel's dynamic arrays do. Error values are
  returned at once unless the function is registered with ``errors_ok`` (IF, IFERROR).
- ``values``: an aggregate's argument, passed as it is: an :class:`Array` (a range, where
  text and booleans are skipped) or a scalar typed directly (which is coerced). A single
  cell reference counts as a range, as in Excel (``SUM(A1)`` skips text in A1).
- ``array``: always an :class:`Array` (a scalar becomes 1x1).

In a row context (``fill``, ``add column``) a ``[Header]`` in a scalar position is the cell of
that row, and one in a ``values``/``array`` position the column's range.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .sheet_values import (
    CALC,
    NAME,
    VALUE,
    Array,
    ErrorValue,
    ExcelError,
    Result,
    Value,
    checked,
    elementwise,
)

KINDS = ("scalar", "values", "array")


@dataclass(frozen=True)
class Signature:
    """Parameter kinds: ``fixed`` ones in order, then ``repeat`` as a group any number of
    times (SUM: one value after another; SUMIFS: range and criterion pairs)."""

    fixed: tuple[str, ...]
    min_args: int
    repeat: tuple[str, ...] = ()

    def kind(self, position: int) -> str:
        """The kind of the argument at ``position`` (0-based)."""
        if position < len(self.fixed):
            return self.fixed[position]
        return self.repeat[(position - len(self.fixed)) % len(self.repeat)]

    def accepts(self, n: int) -> bool:
        """Whether a call with ``n`` arguments is well formed."""
        if n < self.min_args:
            return False
        if not self.repeat:
            return n <= len(self.fixed)
        return n >= len(self.fixed) and (n - len(self.fixed)) % len(self.repeat) == 0


@dataclass(frozen=True)
class Function:
    """A registered function: implementation, signature and how it is written in .xlsx."""

    name: str
    impl: Callable[..., Result]
    signature: Signature
    errors_ok: bool = False
    #: Functions newer than Excel 2007 are stored with this prefix in .xlsx files.
    xlsx_prefix: str = ""


FUNCTIONS: dict[str, Function] = {}


def function(
    name: str,
    *fixed: str,
    min_args: int | None = None,
    repeat: tuple[str, ...] = (),
    errors_ok: bool = False,
    xlsx_prefix: str = "",
) -> Callable[[Callable[..., Result]], Callable[..., Result]]:
    """Register the decorated implementation as spreadsheet function ``name``.

    Args:
        name: the name in formulas (upper case).
        fixed: kinds of the parameters in order (see the module docstring).
        min_args: arguments required (default: all fixed ones).
        repeat: kinds of a group of parameters that may follow any number of times.
        errors_ok: pass error values in scalar parameters to the implementation.
        xlsx_prefix: prefix in .xlsx files (``_xlfn.`` for post-2007 functions).
    """
    for kind in fixed + repeat:
        if kind not in KINDS:
            raise ValueError(f"function {name}: unknown parameter kind {kind!r}")

    def register(impl: Callable[..., Result]) -> Callable[..., Result]:
        sig = Signature(tuple(fixed), len(fixed) if min_args is None else min_args, repeat)
        FUNCTIONS[name] = Function(name, impl, sig, errors_ok, xlsx_prefix)
        return impl

    return register


def _as_array(value: Result) -> Array:
    return value if isinstance(value, Array) else Array(((value,),))


def _finish(result: Result) -> Result:
    if isinstance(result, Array):
        return result.map(_finish)  # type: ignore[arg-type]
    if isinstance(result, int | float) and not isinstance(result, bool):
        try:
            return checked(float(result))
        except ExcelError as exc:
            return exc.error
    return result


def _call_scalar(fn: Function, args: list[Result]) -> Result:
    if not fn.errors_ok:
        for i, a in enumerate(args):
            if isinstance(a, ErrorValue) and fn.signature.kind(i) == "scalar":
                return a
    try:
        return _finish(fn.impl(*args))
    except ExcelError as exc:
        return exc.error


def call_function(name: str, args: list[Result]) -> Result:
    """Apply function ``name`` to evaluated arguments (error values, never exceptions)."""
    fn = FUNCTIONS.get(name)
    if fn is None:
        return NAME
    if not fn.signature.accepts(len(args)):
        return VALUE
    prepared = [_as_array(a) if fn.signature.kind(i) == "array" else a for i, a in enumerate(args)]
    lifted = [
        i
        for i, a in enumerate(prepared)
        if fn.signature.kind(i) == "scalar" and isinstance(a, Array)
    ]
    if not lifted:
        return _call_scalar(fn, prepared)

    # Apply element by element over the scalar parameters given arrays.
    def one(*elements: Value) -> Value:
        call = list(prepared)
        for i, e in zip(lifted, elements, strict=True):
            call[i] = e
        out = _call_scalar(fn, call)
        if isinstance(out, Array):  # an array per element: its first value, as Excel shows
            return out.rows[0][0] if out.rows and out.rows[0] else CALC
        return out

    return elementwise(one, *(prepared[i] for i in lifted))


def load_all() -> dict[str, Function]:
    """The function table with every implementation module imported."""
    from . import sheet_fn_lookup, sheet_fn_math, sheet_fn_text  # noqa: F401 - they register

    return FUNCTIONS
