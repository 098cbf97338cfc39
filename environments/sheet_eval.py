"""Evaluating formula trees to values, as Excel does, with error values as values.

The evaluator reads cell values from a mapping (the sheet's computed values, kept current by
the model's recalculation) and dispatches on node type through a table. Operators work
element by element on arrays (``[Units]*[Price]`` in a question is an array), so SUMPRODUCT
and friends can take computed arrays. Whole-column references and very large ranges are cut
to the sheet's used rows and columns, which changes nothing but COUNTBLANK over them.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping

from .sheet_ast import (
    Area,
    Binary,
    Bool,
    Call,
    Cols,
    Err,
    Header,
    Node,
    Num,
    Ref,
    Str,
    Unary,
    area_bounds,
    walk,
)
from .sheet_functions import FUNCTIONS, call_function, load_all
from .sheet_refs import Addr
from .sheet_values import (
    DIV0,
    NAME,
    NUM,
    VALUE,
    Array,
    ExcelError,
    Result,
    Value,
    checked,
    compare,
    elementwise,
    to_number,
    to_text,
)

load_all()

# Ranges with more cells than this are cut to the used part of the sheet.
_CLIP_CELLS = 100_000


def _power(a: float, b: float) -> float:
    if a == 0 and b < 0:
        raise ExcelError(DIV0)
    if a < 0 and b != int(b):
        raise ExcelError(NUM)
    try:
        return checked(math.pow(a, b))
    except OverflowError:
        raise ExcelError(NUM) from None


def _divide(a: float, b: float) -> float:
    if b == 0:
        raise ExcelError(DIV0)
    return a / b


_ARITHMETIC: dict[str, Callable[[float, float], float]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": _divide,
    "^": _power,
}
_COMPARISON: dict[str, Callable[[int], bool]] = {
    "=": lambda c: c == 0,
    "<>": lambda c: c != 0,
    "<": lambda c: c < 0,
    "<=": lambda c: c <= 0,
    ">": lambda c: c > 0,
    ">=": lambda c: c >= 0,
}


def _scalar_op(op: str) -> Callable[[Value, Value], Value]:
    """The operator on two scalars, error values in, error values out."""

    def apply(a: Value, b: Value) -> Value:
        try:
            if op in _ARITHMETIC:
                # Excel reads the left operand first: its error is the one reported.
                x = to_number(a)
                return checked(_ARITHMETIC[op](x, to_number(b)))
            if op == "&":
                return to_text(a) + to_text(b)
            return _COMPARISON[op](compare(a, b))
        except ExcelError as exc:
            return exc.error

    return apply


_SCALAR_OPS = {op: _scalar_op(op) for op in (*_ARITHMETIC, "&", *_COMPARISON)}


def _negate(v: Value) -> Value:
    try:
        return -to_number(v)
    except ExcelError as exc:
        return exc.error


class Evaluator:
    """Evaluates formula trees against a sheet's values.

    Args:
        values: computed values by address (empty cells absent).
        used: ``(max_row, max_col)`` of the used part of the sheet.
    """

    def __init__(self, values: Mapping[Addr, Value], used: tuple[int, int]) -> None:
        self.values = values
        self.used = used
        self._handlers: dict[type, Callable[[Node], Result]] = {
            Num: lambda n: n.value,
            Str: lambda n: n.text,
            Bool: lambda n: n.value,
            Err: lambda n: n.error,
            Ref: lambda n: self.values.get((n.row, n.col)),
            Area: self._area,
            Cols: self._cols,
            Header: lambda n: NAME,  # only in logical forms, resolved before evaluation
            Unary: self._unary,
            Binary: self._binary,
            Call: self._call,
        }

    def evaluate(self, node: Node) -> Result:
        """The value (or array) of ``node``."""
        return self._handlers[type(node)](node)

    def cell_value(self, node: Node) -> Value:
        """The value a cell holding formula ``node`` shows: an array must be one cell
        (spilling into neighbours is not modelled: ``#VALUE!``), an empty result is 0."""
        result = self.evaluate(node)
        if isinstance(result, Array):
            if result.shape != (1, 1):
                return VALUE
            result = result.rows[0][0]
        return 0.0 if result is None else result

    def _cut(self, top: int, left: int, bottom: int, right: int) -> tuple[int, int]:
        """The bottom and right edges of a rectangle as read: cut to the used part when
        very large."""
        if (bottom - top + 1) * (right - left + 1) > _CLIP_CELLS:
            bottom = max(top - 1, min(bottom, self.used[0]))
            right = max(left - 1, min(right, self.used[1]))
        return bottom, right

    def cells_read(self, node: Node) -> int:
        """How many cells evaluating ``node`` reads (ranges counted as :meth:`block` cuts
        them): the cost of a formula, known before it is evaluated."""
        total = 0
        for n in walk(node):
            if isinstance(n, Ref):
                total += 1
            elif isinstance(n, Area | Cols):
                if isinstance(n, Area):
                    top, left, bottom, right = area_bounds(n)
                else:
                    top, bottom = 1, max(self.used[0], 1)
                    left, right = min(n.first, n.last), max(n.first, n.last)
                bottom, right = self._cut(top, left, bottom, right)
                total += max(0, bottom - top + 1) * max(0, right - left + 1)
        return total

    def block(self, top: int, left: int, bottom: int, right: int) -> Array:
        """The values of a rectangle, cut to the used part when very large."""
        bottom, right = self._cut(top, left, bottom, right)
        get = self.values.get
        return Array(
            tuple(
                tuple(get((r, c)) for c in range(left, right + 1)) for r in range(top, bottom + 1)
            )
        )

    def _area(self, n: Area) -> Array:
        return self.block(n.first.row, n.first.col, n.last.row, n.last.col)

    def _cols(self, n: Cols) -> Array:
        return self.block(1, n.first, max(self.used[0], 1), n.last)

    def _unary(self, n: Unary) -> Result:
        value = self.evaluate(n.operand)
        return value if n.op == "+" else elementwise(_negate, value)

    def _binary(self, n: Binary) -> Result:
        return elementwise(_SCALAR_OPS[n.op], self.evaluate(n.left), self.evaluate(n.right))

    def _call(self, n: Call) -> Result:
        fn = FUNCTIONS.get(n.name)
        if fn is None:
            return NAME
        if not fn.signature.accepts(len(n.args)):
            return VALUE
        args = [self._argument(a, fn.signature.kind(i)) for i, a in enumerate(n.args)]
        return call_function(n.name, args)

    def _argument(self, node: Node, kind: str) -> Result:
        # A single-cell reference given to an aggregate is a range, not a typed value.
        if kind != "scalar" and isinstance(node, Ref):
            return Array(((self.values.get((node.row, node.col)),),))
        return self.evaluate(node)
