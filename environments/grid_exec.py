"""The grid executor: runs a program tree top-down, one method per grammar rule.

Motion and composition (``move``, ``turn``, ``around``, ``opposite``, ``seq``, ``after``,
``repeat``, ``twice``, ``thrice``) expand to primitive actions (see ``grid_run``); their
traces never depend on the state, so blocked moves are recorded and change nothing.

Object instructions plan their moves (see ``grid_nav``) and **raise**
:class:`~parseinstr.errors.ExecutionError`, naming the failing part of the program, when
they cannot be carried out:

- ``goto(d)``: go by a shortest path to a cell beside the nearest reachable object matching
  ``d`` and face it. No object matching ``d``, or none reachable, is an error.
- ``pickup(d)``: ``goto(d)``, then ``pickup``. Full hands are an error (drop first).
- ``drop`` / ``drop(d)``: put the carried object on the cell in front. Empty hands, a carried
  object not matching ``d``, or a cell in front that is not free floor is an error.
- ``open(d)``: ``goto(d)`` (a door), then ``open``. A locked door without its key in hand is an
  error; opening an open door is recorded and changes nothing, like a blocked move.
- ``putnext(a, b)``: pick up ``a`` (unless it is already in hand), go to a cell from which a
  free floor cell beside the nearest reachable ``b`` is in front, face it and drop.

Locations in descriptions (front, behind, left, right) are relative to the agent's pose
when the object instruction starts.

Evaluation recurses once per level of nesting: a program nested more than about 200
levels deep fails with :class:`~parseinstr.errors.ExecutionError` instead of exhausting
Python's stack (instructions nest a few levels).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import lark
from lark.visitors import Interpreter

from parseinstr.errors import ExecutionError, TimeLimitError

from .grid_lang import unparse
from .grid_nav import face, follow, route_or_explain
from .grid_run import DEFAULT_LIMITS, Limits, Run
from .grid_world import Description, Door, GridWorld, Obj, Pos, neighbours

Located = Obj | Door


class Executor(Interpreter):
    """Evaluates a grid program tree on a :class:`Run`; method name = rule name."""

    def __init__(self, run: Run) -> None:
        super().__init__()
        self.run = run

    def visit(self, tree: lark.Tree) -> Any:
        self.run.tick(str(tree.data))
        return super().visit(tree)

    # ------------------------------------------------------------ motion
    def start(self, tree: lark.Tree) -> None:
        self.visit(tree.children[0])

    def move(self, tree: lark.Tree) -> None:
        action, *direction = tree.children
        if direction:
            self.run.act(f"turn_{direction[0]}")
        self.run.act(str(action))

    def turn(self, tree: lark.Tree) -> None:
        self.run.act(f"turn_{tree.children[0]}")

    def around(self, tree: lark.Tree) -> None:
        direction, *body = tree.children
        for _ in range(4):
            self.run.act(f"turn_{direction}")
            if body:
                self.visit(body[0])

    def opposite(self, tree: lark.Tree) -> None:
        direction, *body = tree.children
        self.run.act(f"turn_{direction}")
        self.run.act(f"turn_{direction}")
        if body:
            self.visit(body[0])

    # ------------------------------------------------------------ composition
    def seq(self, tree: lark.Tree) -> None:
        for child in tree.children:
            self.visit(child)

    def after(self, tree: lark.Tree) -> None:
        later, first = tree.children
        self.visit(first)
        self.visit(later)

    def repeat(self, tree: lark.Tree) -> None:
        count, body = tree.children
        self._times(int(count), body)

    def twice(self, tree: lark.Tree) -> None:
        self._times(2, tree.children[0])

    def thrice(self, tree: lark.Tree) -> None:
        self._times(3, tree.children[0])

    def _times(self, n: int, body: lark.Tree) -> None:
        for _ in range(n):
            self.visit(body)

    # ------------------------------------------------------------ descriptions
    def portable(self, tree: lark.Tree) -> Description:
        return self._description(tree)

    def door(self, tree: lark.Tree) -> Description:
        return self._description(tree)

    def attrs(self, tree: lark.Tree) -> dict[str, str]:
        return {
            ("colour" if token.type == "COLOUR" else "location"): str(token)
            for token in tree.children
        }

    def _description(self, tree: lark.Tree) -> Description:
        kind, *rest = tree.children
        return Description(str(kind), **(self.visit(rest[0]) if rest else {}))

    # ------------------------------------------------------------ objects
    def goto(self, tree: lark.Tree) -> None:
        with _blame(tree):
            self._goto(self.visit(tree.children[0]), self._pose())

    def pickup(self, tree: lark.Tree) -> None:
        with _blame(tree):
            self._pickup(self.visit(tree.children[0]), self._pose())

    def drop(self, tree: lark.Tree) -> None:
        with _blame(tree):
            run = self.run
            if run.carrying is None:
                raise ExecutionError("the hands are empty")
            if tree.children:
                wanted: Description = self.visit(tree.children[0])
                if wanted.location is not None:
                    raise ExecutionError("a carried object has no location")
                if not wanted.fits(run.carrying):
                    raise ExecutionError(f"carrying the {run.carrying}, not a {wanted}")
            if not run.floor(run.front):
                raise ExecutionError(f"cannot drop on {run.front}: {self._what_is(run.front)}")
            run.act("drop")

    def open(self, tree: lark.Tree) -> None:
        with _blame(tree):
            target = self._goto(self.visit(tree.children[0]), self._pose())
            door = self.run.doors[self.run.door_at(target.pos)]  # type: ignore[index]
            if door.locked and not self.run.has_key(door.colour):
                raise ExecutionError(
                    f"the {door.colour} door at {door.pos} is locked; carry the "
                    f"{door.colour} key to open it"
                )
            self.run.act("open")

    def putnext(self, tree: lark.Tree) -> None:
        with _blame(tree):
            run, pose = self.run, self._pose()
            moved: Description = self.visit(tree.children[0])
            anchor: Description = self.visit(tree.children[1])
            if run.carrying is None:
                self._pickup(moved, pose)
            elif not moved.fits(run.carrying):
                raise ExecutionError(
                    f"hands full: carrying the {run.carrying}, not a {moved}; drop it first"
                )
            goals: dict[Pos, tuple[Pos, Located]] = {}
            for target in self._candidates(anchor, pose):
                for spot in neighbours(target.pos):
                    if run.free(spot) and run.door_at(spot) is None:
                        for stand in neighbours(spot):
                            if stand != target.pos:
                                goals.setdefault(stand, (spot, target))
            if not goals:
                raise ExecutionError(f"no free floor beside the {anchor} to put it on")
            path, (spot, _) = route_or_explain(run, goals, f"a free cell beside the {anchor}")
            follow(run, path)
            face(run, spot)
            run.act("drop")

    # ------------------------------------------------------------ helpers
    def _pose(self) -> tuple[Pos, int]:
        return self.run.agent, self.run.heading

    def _candidates(self, wanted: Description, pose: tuple[Pos, int]) -> list[Located]:
        """Objects or doors matching ``wanted``; an error when there are none."""
        pool: Sequence[Located] = self.run.doors if wanted.kind == "door" else self.run.objects
        found = [t for t in pool if wanted.matches(t.kind, t.colour, t.pos, *pose)]
        if found:
            return found
        alike = [
            t
            for t in pool
            if Description(wanted.kind, wanted.colour).matches(t.kind, t.colour, t.pos, *pose)
        ]
        if wanted.location is not None and alike:
            places = ", ".join(str(t.pos) for t in alike)
            raise ExecutionError(f"no {wanted} (others match at {places})")
        held = self.run.carrying is not None and Description(wanted.kind, wanted.colour).fits(
            self.run.carrying
        )
        extra = " (the agent is carrying it)" if held else ""
        raise ExecutionError(f"there is no {wanted} in the world{extra}")

    def _goto(self, wanted: Description, pose: tuple[Pos, int]) -> Located:
        """Go beside the nearest reachable object matching ``wanted`` and face it."""
        found = self._candidates(wanted, pose)
        goals: dict[Pos, Located] = {}
        for target in found:
            for cell in neighbours(target.pos):
                goals.setdefault(cell, target)
        avoid = [t.pos for t in found if isinstance(t, Door)]
        path, target = route_or_explain(self.run, goals, f"the {wanted}", avoid)
        follow(self.run, path)
        face(self.run, target.pos)
        return target

    def _pickup(self, wanted: Description, pose: tuple[Pos, int]) -> None:
        if self.run.carrying is not None:
            raise ExecutionError(f"hands full: carrying the {self.run.carrying}; drop it first")
        self._goto(wanted, pose)
        self.run.act("pickup")

    def _what_is(self, pos: Pos) -> str:
        run = self.run
        if not run.world.inside(pos):
            return "it is outside the grid"
        if pos in run.world.walls:
            return "it is a wall"
        i, j = run.object_at(pos), run.door_at(pos)
        if i is not None:
            return f"the {run.objects[i].colour} {run.objects[i].kind} is there"
        if j is not None:
            return f"it is the doorway of the {run.doors[j]}"
        return "it is taken"  # pragma: no cover - floor() covers every other case


@contextlib.contextmanager
def _blame(tree: lark.Tree) -> Iterator[None]:
    """Prefix an :class:`ExecutionError` raised inside with the failing instruction."""
    try:
        yield
    except TimeLimitError:
        raise
    except ExecutionError as exc:
        raise ExecutionError(f"{unparse(tree)}: {exc}") from None


def run_program(world: GridWorld, tree: lark.Tree, limits: Limits = DEFAULT_LIMITS) -> Run:
    """Execute a parsed program in ``world`` and return the finished run.

    Raises:
        ExecutionError: an object instruction could not be carried out.
        TimeLimitError: the program ran past its budget.
    """
    run = Run(world, limits)
    try:
        Executor(run).visit(tree)
    except RecursionError:
        raise ExecutionError("the program is nested too deeply to run") from None
    return run
