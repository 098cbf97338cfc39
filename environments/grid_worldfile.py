"""The grid world file format (JSON), written by hand or by a program, and its checks.

A world file is one JSON object::

    {
      "name": "two rooms",                      (optional)
      "map": ["#######",                        '#' wall, '.' floor; one string per row
              "#..#..#",
              "#######"],
      "size": [7, 3],                           (optional with "map"; else required)
      "walls": [[3, 1]],                        (optional: more walls, as [x, y])
      "agent": {"pos": [1, 1], "heading": "east", "carrying": null},
      "objects": [{"type": "ball", "colour": "red", "pos": [5, 1]}],
      "doors": [{"colour": "yellow", "pos": [3, 1], "locked": true, "open": false}]
    }

``x`` counts columns from the west, ``y`` rows from the north. Headings are ``east``,
``south``, ``west``, ``north`` (default east); ``carrying`` is null or ``{"type", "colour"}``.
Objects are balls, boxes and keys; doors are listed apart. A door may stand on a wall cell
of the map (it replaces the wall). At most one object or door per cell; the agent starts on
a free cell (not a wall, an object or a closed door).

Every error is a :class:`DataError` naming the file and the field, e.g.
``world.json: objects[2].colour: unknown colour 'pruple' (did you mean 'purple'?)``.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from parseinstr.errors import DataError

from .grid_world import (
    COLOURS,
    HEADINGS,
    PORTABLE_TYPES,
    Door,
    GridState,
    GridWorld,
    Obj,
    Pos,
    Thing,
)

MAX_SIDE = 1000
TOP_FIELDS = ("name", "map", "size", "walls", "agent", "objects", "doors")
AGENT_FIELDS = ("pos", "heading", "carrying")
OBJECT_FIELDS = ("type", "colour", "pos")
DOOR_FIELDS = ("colour", "pos", "locked", "open")
CARRY_FIELDS = ("type", "colour")


class _Checker:
    """Reads fields of a parsed JSON value, failing with the file and the field's path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, message: str) -> DataError:
        return DataError(f"{self.source}: {where}: {message}")

    def mapping(self, value: Any, where: str, allowed: Sequence[str]) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, f"expected an object {{...}}, got {_kind(value)}")
        for key in value:
            if key not in allowed:
                raise self.fail(
                    f"{where}.{key}" if where != "world" else key,
                    f"unknown field{_hint(str(key), allowed)}",
                )
        return value

    def choice(self, value: Any, where: str, what: str, options: Sequence[str]) -> str:
        if not isinstance(value, str) or value not in options:
            shown = repr(value) if isinstance(value, str) else _kind(value)
            raise self.fail(where, f"unknown {what} {shown}{_hint(value, options)}")
        return value

    def flag(self, value: Any, where: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(where, f"expected true or false, got {_kind(value)}")
        return value

    def integer(self, value: Any, where: str, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(where, f"expected a whole number, got {_kind(value)}")
        if not low <= value <= high:
            raise self.fail(where, f"{value} is out of range [{low}, {high}]")
        return value

    def pair(self, value: Any, where: str, high: tuple[int, int]) -> Pos:
        if not isinstance(value, list) or len(value) != 2:
            raise self.fail(where, f"expected [x, y], got {_kind(value)}")
        x = self.integer(value[0], f"{where}[0]", 0, high[0])
        y = self.integer(value[1], f"{where}[1]", 0, high[1])
        return (x, y)

    def items(self, value: Any, where: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(where, f"expected a list [...], got {_kind(value)}")
        return value


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return repr(value)
    return {list: "a list", dict: "an object"}.get(type(value), type(value).__name__)


def _hint(value: Any, options: Iterable[str]) -> str:
    options = list(options)
    close = difflib.get_close_matches(value, options, n=1) if isinstance(value, str) else []
    if close:
        return f" (did you mean {close[0]!r}?)"
    return f" (use one of: {', '.join(options)})"


def load_world(path: str | Path) -> GridWorld:
    """Read and check a world file.

    Raises:
        DataError: the file is missing, not JSON, or a field is wrong (named in the message).
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"--world {path}: no such file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"--world {path}: not JSON ({exc})") from None
    return world_from_json(data, source=str(path), default_name=path.stem)


def world_from_json(data: Any, source: str = "world", default_name: str = "") -> GridWorld:
    """Build a world from the parsed JSON of a world file (see the module docstring).

    Raises:
        DataError: a field is missing or wrong; the message names it.
    """
    c = _Checker(source)
    top = c.mapping(data, "world", TOP_FIELDS)
    width, height, walls = _layout(c, top)
    bound = (width - 1, height - 1)
    taken: dict[Pos, str] = {}

    def place(pos: Pos, where: str, what: str) -> None:
        if pos in taken:
            raise c.fail(where, f"{list(pos)} is already taken by {taken[pos]}")
        taken[pos] = what

    doors = []
    for i, raw in enumerate(c.items(top.get("doors", []), "doors")):
        where = f"doors[{i}]"
        d = c.mapping(raw, where, DOOR_FIELDS)
        _require(c, d, where, ("colour", "pos"))
        colour = c.choice(d["colour"], f"{where}.colour", "colour", COLOURS)
        pos = c.pair(d["pos"], f"{where}.pos", bound)
        locked = c.flag(d.get("locked", False), f"{where}.locked")
        is_open = c.flag(d.get("open", False), f"{where}.open")
        if locked and is_open:
            raise c.fail(where, "a door cannot be both locked and open")
        place(pos, f"{where}.pos", where)
        walls.discard(pos)
        doors.append(Door(colour, pos, locked, is_open))
    objects = []
    for i, raw in enumerate(c.items(top.get("objects", []), "objects")):
        where = f"objects[{i}]"
        o = c.mapping(raw, where, OBJECT_FIELDS)
        _require(c, o, where, OBJECT_FIELDS)
        if o["type"] == "door":
            raise c.fail(f"{where}.type", "doors are listed under 'doors', not 'objects'")
        kind = c.choice(o["type"], f"{where}.type", "object type", PORTABLE_TYPES)
        colour = c.choice(o["colour"], f"{where}.colour", "colour", COLOURS)
        pos = c.pair(o["pos"], f"{where}.pos", bound)
        if pos in walls:
            raise c.fail(f"{where}.pos", f"{list(pos)} is a wall")
        place(pos, f"{where}.pos", where)
        objects.append(Obj(kind, colour, pos))
    if "agent" not in top:
        raise c.fail("agent", "missing (give at least its pos)")
    a = c.mapping(top["agent"], "agent", AGENT_FIELDS)
    _require(c, a, "agent", ("pos",))
    agent = c.pair(a["pos"], "agent.pos", bound)
    heading = HEADINGS.index(
        c.choice(a.get("heading", "east"), "agent.heading", "heading", HEADINGS)
    )
    if agent in walls:
        raise c.fail("agent.pos", f"{list(agent)} is a wall")
    blocker = taken.get(agent)
    if blocker is not None and not any(d.pos == agent and d.is_open for d in doors):
        raise c.fail("agent.pos", f"{list(agent)} is taken by {blocker}")
    carrying = None
    if a.get("carrying") is not None:
        h = c.mapping(a["carrying"], "agent.carrying", CARRY_FIELDS)
        _require(c, h, "agent.carrying", CARRY_FIELDS)
        carrying = Thing(
            c.choice(h["type"], "agent.carrying.type", "object type", PORTABLE_TYPES),
            c.choice(h["colour"], "agent.carrying.colour", "colour", COLOURS),
        )
    name = top.get("name", default_name)
    if not isinstance(name, str):
        raise c.fail("name", f"expected text, got {_kind(name)}")
    state = GridState(agent, heading, carrying, tuple(objects), tuple(doors))
    return GridWorld(width, height, frozenset(walls), state, name)


def _require(c: _Checker, value: Mapping[str, Any], where: str, keys: Iterable[str]) -> None:
    for key in keys:
        if key not in value:
            raise c.fail(f"{where}.{key}", "missing")


def _layout(c: _Checker, top: Mapping[str, Any]) -> tuple[int, int, set[Pos]]:
    """Size and walls from ``map``, ``size`` and ``walls``."""
    walls: set[Pos] = set()
    size: tuple[int, int] | None = None
    if "map" in top:
        rows = c.items(top["map"], "map")
        if not rows:
            raise c.fail("map", "is empty")
        for y, row in enumerate(rows):
            if not isinstance(row, str):
                raise c.fail(f"map[{y}]", f"expected a string of '#' and '.', got {_kind(row)}")
            if len(row) != len(rows[0]):
                raise c.fail(f"map[{y}]", f"has {len(row)} cells, map[0] has {len(rows[0])}")
            for x, ch in enumerate(row):
                if ch not in "#.":
                    raise c.fail(f"map[{y}][{x}]", f"unknown cell {ch!r} (use '#' or '.')")
                if ch == "#":
                    walls.add((x, y))
        size = (len(rows[0]), len(rows))
        if not 1 <= size[0] <= MAX_SIDE or size[1] > MAX_SIDE:
            raise c.fail("map", f"size {size[0]}x{size[1]} is out of range [1, {MAX_SIDE}]")
    if "size" in top:
        given = c.pair(top["size"], "size", (MAX_SIDE, MAX_SIDE))
        if min(given) < 1:
            raise c.fail("size", f"{list(given)}: width and height must be at least 1")
        if size is not None and given != size:
            raise c.fail("size", f"{list(given)} differs from the map's {list(size)}")
        size = given
    if size is None:
        raise c.fail("size", "missing (give 'map' or 'size')")
    for i, raw in enumerate(c.items(top.get("walls", []), "walls")):
        walls.add(c.pair(raw, f"walls[{i}]", (size[0] - 1, size[1] - 1)))
    return size[0], size[1], walls


def world_to_json(world: GridWorld) -> dict[str, Any]:
    """The world file for ``world`` (``load`` of it gives back an equal world)."""
    door_cells = {d.pos for d in world.state.doors}
    out: dict[str, Any] = {"name": world.name}
    if world.walls:
        out["map"] = [
            "".join(
                "#" if (x, y) in world.walls or (x, y) in door_cells else "."
                for x in range(world.width)
            )
            for y in range(world.height)
        ]
    else:
        out["size"] = [world.width, world.height]
    out.update(world.state.to_json())
    return out
