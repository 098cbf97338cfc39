"""Navigation for object instructions: shortest paths on a networkx graph of cells.

The graph has a node per non-wall cell and an edge between cells side by side; it is built
once per layout. A plan runs on a view of it holding the cells the agent may cross now:

- cells with an object are left out (objects block the way; the agent goes round them);
- an open door is crossed; a closed, unlocked door is opened on the way (an ``open``
  action, then ``walk``);
- **a locked door is crossed only when the agent carries the key of its colour** (it is
  unlocked and opened on the way, and the key stays in hand); otherwise it is a wall, and
  a goal behind it is unreachable with an error that names the door and the key.

Paths are shortest in cells moved (every edge weighs one; turns and door openings are not
counted). Among goals the nearest wins; ties go to the goal listed first, and the search
order is fixed, so the same world and program give the same path every time. The agent
follows a path turning the short way (one left or right turn; a half turn is two left
turns) and walking.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

import networkx as nx

from parseinstr.errors import ExecutionError

from .grid_run import Run
from .grid_world import GridWorld, Pos, neighbours

T = TypeVar("T")


@functools.lru_cache(maxsize=16)
def _base_graph(width: int, height: int, walls: frozenset[Pos]) -> nx.Graph:
    graph = nx.Graph()
    cells = [(x, y) for y in range(height) for x in range(width) if (x, y) not in walls]
    graph.add_nodes_from(cells)
    for x, y in cells:
        for nxt in ((x + 1, y), (x, y + 1)):
            if nxt[0] < width and nxt[1] < height and nxt not in walls:
                graph.add_edge((x, y), nxt)
    return graph


def cell_graph(world: GridWorld) -> nx.Graph:
    """Every non-wall cell of ``world``'s layout, linked to its side neighbours (cached)."""
    return _base_graph(world.width, world.height, world.walls)


def _crossable(run: Run, avoid: frozenset[Pos], ignore_locks: bool) -> Callable[[Pos], bool]:
    blocked = {o.pos for o in run.objects} | set(avoid)
    doors = {d.pos: d for d in run.doors}

    def ok(pos: Pos) -> bool:
        if pos == run.agent:
            return True
        if pos in blocked:
            return False
        door = doors.get(pos)
        return door is None or not door.locked or ignore_locks or run.has_key(door.colour)

    return ok


def shortest_route(
    run: Run, goals: Mapping[Pos, T], avoid: Iterable[Pos] = (), ignore_locks: bool = False
) -> tuple[list[Pos], T] | None:
    """The shortest path from the agent to one of ``goals`` and that goal's value.

    Args:
        goals: cell -> value (for example the object the cell is next to); order breaks ties.
        avoid: cells not to cross (the door being gone to).
        ignore_locks: plan as if locked doors were unlocked (to explain a failure).

    Returns:
        ``(path, value)`` with ``path[0]`` the agent's cell, or None when no goal is reachable.
    """
    view = nx.subgraph_view(
        cell_graph(run.world), filter_node=_crossable(run, frozenset(avoid), ignore_locks)
    )
    sources = [g for g in goals if g in view]
    if not sources or run.agent not in view:
        return None
    try:
        _, path = nx.multi_source_dijkstra(view, sources, target=run.agent)
    except nx.NetworkXNoPath:
        return None
    path = list(reversed(path))
    return path, goals[path[-1]]


def route_or_explain(
    run: Run, goals: Mapping[Pos, T], what: str, avoid: Iterable[Pos] = ()
) -> tuple[list[Pos], T]:
    """:func:`shortest_route`, or an :class:`ExecutionError` saying why there is none."""
    avoid = list(avoid)
    found = shortest_route(run, goals, avoid)
    if found is not None:
        return found
    unlocked = shortest_route(run, goals, avoid, ignore_locks=True)
    if unlocked is not None:
        locked = [d for d in run.doors if d.locked and d.pos in unlocked[0]]
        names = ", ".join(f"the {d.colour} door at {d.pos}" for d in locked)
        keys = " or ".join(f"the {d.colour} key" for d in locked)
        verb = "is" if len(locked) == 1 else "are"
        raise ExecutionError(f"cannot reach {what}: {names} {verb} locked (carry {keys} first)")
    raise ExecutionError(f"cannot reach {what}: no path leads there from {run.agent}")


def face(run: Run, target: Pos) -> None:
    """Turn the short way until ``target`` (a side neighbour) is in front."""
    heading = neighbours(run.agent).index(target)
    turns = {0: [], 1: ["turn_right"], 2: ["turn_left", "turn_left"], 3: ["turn_left"]}
    for action in turns[(heading - run.heading) % 4]:
        run.act(action)


def follow(run: Run, path: list[Pos]) -> None:
    """Walk along ``path`` (from the agent's cell), opening closed doors on the way."""
    for nxt in path[1:]:
        face(run, nxt)
        door = run.door_at(nxt)
        if door is not None and not run.doors[door].is_open:
            run.act("open")
        if not run.act("walk"):  # pragma: no cover - the plan only crosses free cells
            raise ExecutionError(f"internal: planned path blocked at {nxt}")
