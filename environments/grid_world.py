"""The grid world's data model: layout, objects, doors, the agent, and cell queries.

Coordinates are ``(x, y)`` with ``x`` growing to the east and ``y`` to the south (image
order, as in BabyAI); ``(0, 0)`` is the north-west corner. Headings are indices into
:data:`HEADINGS` (east, south, west, north): turning right adds one, turning left subtracts
one. Cells outside the grid count as walls.

A :class:`GridWorld` is a fixed layout (size and walls) plus a :class:`GridState` (agent,
objects, doors), all immutable: execution works on a mutable copy and returns a new state.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

Pos = tuple[int, int]

HEADINGS: tuple[str, ...] = ("east", "south", "west", "north")
VECTORS: tuple[Pos, ...] = ((1, 0), (0, 1), (-1, 0), (0, -1))
COLOURS: tuple[str, ...] = ("red", "green", "blue", "purple", "yellow", "grey")
PORTABLE_TYPES: tuple[str, ...] = ("ball", "box", "key")
OBJECT_TYPES: tuple[str, ...] = (*PORTABLE_TYPES, "door")
LOCATIONS: tuple[str, ...] = ("front", "behind", "left", "right")

#: The default world: an open square, large enough that no SCAN program reaches its edge
#: (SCAN's longest trace has 48 actions and no action moves more than two cells).
DEFAULT_SIZE = 201


def step(pos: Pos, heading: int, cells: int = 1) -> Pos:
    """The cell ``cells`` steps from ``pos`` in direction ``heading``."""
    dx, dy = VECTORS[heading % 4]
    return (pos[0] + dx * cells, pos[1] + dy * cells)


def neighbours(pos: Pos) -> list[Pos]:
    """The four cells next to ``pos`` in heading order (east, south, west, north)."""
    return [step(pos, h) for h in range(4)]


@dataclass(frozen=True)
class Thing:
    """An object as a type and colour, without a place (what the agent carries)."""

    kind: str
    colour: str

    def __str__(self) -> str:
        return f"{self.colour} {self.kind}"


@dataclass(frozen=True)
class Obj:
    """A portable object (ball, box or key) lying on a cell."""

    kind: str
    colour: str
    pos: Pos

    @property
    def thing(self) -> Thing:
        return Thing(self.kind, self.colour)

    def __str__(self) -> str:
        return f"{self.colour} {self.kind} at {self.pos}"


@dataclass(frozen=True)
class Door:
    """A door on a cell: passable when open; a locked door opens only with its key."""

    colour: str
    pos: Pos
    locked: bool = False
    is_open: bool = False

    kind = "door"

    def __str__(self) -> str:
        state = "open" if self.is_open else "locked" if self.locked else "closed"
        return f"{self.colour} door at {self.pos} ({state})"


@dataclass(frozen=True)
class GridState:
    """Everything that execution changes: the agent's pose and hands, objects, doors."""

    agent: Pos
    heading: int
    carrying: Thing | None = None
    objects: tuple[Obj, ...] = ()
    doors: tuple[Door, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The state in the world file's notation (see ``grid_worldfile``)."""
        return {
            "agent": {
                "pos": list(self.agent),
                "heading": HEADINGS[self.heading],
                "carrying": (
                    None
                    if self.carrying is None
                    else {"type": self.carrying.kind, "colour": self.carrying.colour}
                ),
            },
            "objects": [
                {"type": o.kind, "colour": o.colour, "pos": list(o.pos)} for o in self.objects
            ],
            "doors": [
                {"colour": d.colour, "pos": list(d.pos), "locked": d.locked, "open": d.is_open}
                for d in self.doors
            ],
        }


@dataclass(frozen=True)
class GridWorld:
    """A layout (size and walls) and the state the agent starts from.

    Example:
        >>> w = GridWorld.open_grid(5, 5, agent=(2, 2))
        >>> w.is_wall((0, 0)), w.is_wall((5, 0))
        (False, True)
    """

    width: int
    height: int
    walls: frozenset[Pos]
    state: GridState
    name: str = ""

    @classmethod
    def open_grid(
        cls, width: int = DEFAULT_SIZE, height: int | None = None, agent: Pos | None = None
    ) -> GridWorld:
        """An empty grid without walls; the agent in the centre (or at ``agent``) facing east."""
        height = width if height is None else height
        start = agent if agent is not None else (width // 2, height // 2)
        return cls(width, height, frozenset(), GridState(start, 0), name="open grid")

    def with_state(self, state: GridState) -> GridWorld:
        """The same layout with another state (for example a denotation's final state)."""
        return replace(self, state=state)

    def inside(self, pos: Pos) -> bool:
        return 0 <= pos[0] < self.width and 0 <= pos[1] < self.height

    def is_wall(self, pos: Pos) -> bool:
        """Whether ``pos`` is a wall or outside the grid."""
        return not self.inside(pos) or pos in self.walls

    def cells(self) -> list[Pos]:
        """Every cell that is not a wall, row by row."""
        return [
            (x, y)
            for y in range(self.height)
            for x in range(self.width)
            if (x, y) not in self.walls
        ]


@dataclass(frozen=True)
class Description:
    """An object description of a program: type, optional colour, optional location.

    The location (``front``, ``behind``, ``left``, ``right``) is relative to the agent's
    position and heading when the action that names the object starts, as in BabyAI: an
    object is "on the left" when it lies anywhere in the half-plane to the agent's left.
    """

    kind: str
    colour: str | None = None
    location: str | None = None

    def matches(self, kind: str, colour: str, pos: Pos, agent: Pos, heading: int) -> bool:
        """Whether an object of ``kind`` and ``colour`` at ``pos`` fits the description."""
        if kind != self.kind or (self.colour is not None and colour != self.colour):
            return False
        if self.location is None:
            return True
        v = (pos[0] - agent[0], pos[1] - agent[1])
        fwd, right = VECTORS[heading % 4], VECTORS[(heading + 1) % 4]
        ahead = v[0] * fwd[0] + v[1] * fwd[1]
        side = v[0] * right[0] + v[1] * right[1]
        return {
            "front": ahead > 0,
            "behind": ahead < 0,
            "right": side > 0,
            "left": side < 0,
        }[self.location]

    def fits(self, thing: Thing) -> bool:
        """Whether a carried ``thing`` fits (type and colour; a location never does)."""
        return (
            self.location is None
            and thing.kind == self.kind
            and (self.colour is None or thing.colour == self.colour)
        )

    def __str__(self) -> str:
        words = [w for w in (self.colour, self.kind) if w]
        where = {
            None: "",
            "front": " in front of you",
            "behind": " behind you",
            "left": " on your left",
            "right": " on your right",
        }[self.location]
        return " ".join(words) + where
