"""What a grid program denotes: its trace of primitive actions and the final state.

Comparison (:func:`same_trace`) is a pure function:

- the action traces must be equal as lists (same actions, same order, same length);
- the final states (agent cell, heading, carried object, objects and doors) must be equal
  when both denotations have one; a denotation built from an action list alone (SCAN's
  ``OUT`` side) has none, and then the trace decides;
- ``blocked`` and the path are not compared: from one start state they follow from the
  trace.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.console import Group
from rich.text import Text

from .grid_run import Pose, Run
from .grid_world import HEADINGS, GridState, GridWorld


@dataclass(frozen=True)
class GridDenotation:
    """The trace of primitive actions of a run, where it went, and the state it left.

    Attributes:
        actions: primitive action names, in order (see ``grid_run``).
        blocked: indices into ``actions`` of actions that could not act (no effect).
        poses: ``(x, y, heading)`` before the first action and after each one.
        final: the state after the last action; None for a bare action list.
        world: the world it ran in (for pictures; not compared).
        changes: ``(step, state)`` after each action that moved an object or opened a door
            (for animations; not compared).
    """

    actions: tuple[str, ...]
    blocked: tuple[int, ...] = ()
    poses: tuple[Pose, ...] = ()
    final: GridState | None = None
    world: GridWorld | None = field(default=None, compare=False, repr=False)
    changes: tuple[tuple[int, GridState], ...] = field(default=(), compare=False, repr=False)

    @classmethod
    def from_run(cls, run: Run) -> GridDenotation:
        """The denotation of a finished run."""
        return cls(
            tuple(run.actions),
            tuple(run.blocked),
            tuple(run.poses),
            run.state(),
            run.world,
            tuple(run.changes),
        )

    def state_at(self, step: int) -> GridState | None:
        """The state after ``step`` actions (None without a world or a path)."""
        if self.world is None or step >= len(self.poses):
            return None
        state = self.world.state
        for done, changed in self.changes:
            if done > step:
                break
            state = changed
        x, y, heading = self.poses[step]
        return GridState((x, y), heading, state.carrying, state.objects, state.doors)

    def to_json(self) -> dict[str, Any]:
        return {
            "actions": list(self.actions),
            "blocked": list(self.blocked),
            "path": [[x, y, HEADINGS[h]] for x, y, h in self.poses],
            "final": None if self.final is None else self.final.to_json(),
        }

    def is_empty(self) -> bool:
        return not self.actions

    def __rich__(self) -> Group:
        from .grid_render import text_map

        head = Text(f"{len(self.actions)} actions", style="bold")
        if self.blocked:
            head.append(f" ({len(self.blocked)} blocked)", style="yellow")
        parts: list[Any] = [head, Text(" ".join(self.actions) or "(none)")]
        if self.final is not None:
            carrying = self.final.carrying or "nothing"
            parts.append(
                Text(
                    f"agent at {self.final.agent} facing {HEADINGS[self.final.heading]}, "
                    f"carrying {carrying}"
                )
            )
        if self.world is not None and self.final is not None:
            parts.append(Text(text_map(self.world, self.final, self.poses)))
        return Group(*parts)


def same_trace(a: GridDenotation, b: GridDenotation) -> bool:
    """Whether two denotations are equal (rules in the module docstring).

    Example:
        >>> same_trace(GridDenotation(("walk",)), GridDenotation(("walk",)))
        True
    """
    if a.actions != b.actions:
        return False
    return a.final is None or b.final is None or a.final == b.final
