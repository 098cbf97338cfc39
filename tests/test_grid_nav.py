"""Object instructions: "go to" by shortest paths through doors, and clear errors.

Random worlds with walls, doors (closed, open, locked) and objects are checked against a
breadth-first search written here independently of the package's networkx planner.
"""

from __future__ import annotations

import random
from collections import deque

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parseinstr.environments.grid import GridEnvironment
from parseinstr.environments.grid_world import (
    COLOURS,
    PORTABLE_TYPES,
    Door,
    GridState,
    GridWorld,
    Obj,
    Thing,
    neighbours,
)
from parseinstr.environments.grid_worldfile import world_from_json
from parseinstr.errors import ExecutionError


def random_world(seed: int) -> GridWorld:
    """A walled rectangle with random inner walls, doors in walls, objects and an agent.

    Every object has its own type and colour, so ``goto(type(colour))`` names exactly one.
    """
    rng = random.Random(seed)
    width, height = rng.randint(6, 12), rng.randint(6, 12)
    walls = {
        (x, y)
        for x in range(width)
        for y in range(height)
        if x in (0, width - 1) or y in (0, height - 1) or rng.random() < 0.28
    }
    inner_walls = [w for w in sorted(walls) if 0 < w[0] < width - 1 and 0 < w[1] < height - 1]
    door_cells = rng.sample(inner_walls, min(len(inner_walls), rng.randint(1, 4)))
    walls -= set(door_cells)
    colours = rng.sample(COLOURS, len(door_cells))
    doors = tuple(
        Door(c, pos, locked=(kind == "locked"), is_open=(kind == "open"))
        for c, pos, kind in zip(
            colours,
            door_cells,
            rng.choices(["closed", "open", "locked"], k=len(door_cells)),
            strict=True,
        )
    )
    free = [
        (x, y)
        for x in range(width)
        for y in range(height)
        if (x, y) not in walls and (x, y) not in door_cells
    ]
    rng.shuffle(free)
    kinds = rng.sample([(k, c) for k in PORTABLE_TYPES for c in COLOURS], rng.randint(2, 6))
    objects = tuple(Obj(k, c, free.pop()) for k, c in kinds)
    agent = free.pop()
    carrying = None
    locked = [d for d in doors if d.locked]
    if locked and rng.random() < 0.5:
        carrying = Thing("key", locked[0].colour)
    state = GridState(agent, rng.randrange(4), carrying, objects, doors)
    return GridWorld(width, height, frozenset(walls), state, f"random {seed}")


def bfs_distance(world: GridWorld, goal_of: Obj | Door) -> int | None:
    """Fewest cells to move until beside ``goal_of`` (doors: closed ones open, locked ones
    only with the key in hand); None when no such cell can be reached."""
    s = world.state
    objects = {o.pos for o in s.objects}
    doors = {d.pos: d for d in s.doors}

    def crossable(pos: tuple[int, int]) -> bool:
        if world.is_wall(pos) or pos in objects or pos == goal_of.pos:
            return False
        door = doors.get(pos)
        return door is None or not door.locked or s.carrying == Thing("key", door.colour)

    goals = set(neighbours(goal_of.pos))
    seen, queue = {s.agent: 0}, deque([s.agent])
    while queue:
        cell = queue.popleft()
        if cell in goals:
            return seen[cell]
        for nxt in neighbours(cell):
            if nxt not in seen and crossable(nxt):
                seen[nxt] = seen[cell] + 1
                queue.append(nxt)
    return None


def _check_goto(world: GridWorld, target: Obj | Door) -> bool:
    """Run goto on ``target``; return whether it was reachable."""
    program = f"goto({target.kind}({target.colour}))"
    expected = bfs_distance(world, target)
    env = GridEnvironment(world=world)
    if expected is None:
        with pytest.raises(ExecutionError, match=r"cannot reach the") as info:
            env.execute(program)
        assert str(info.value).startswith(program + ": ")
        return False
    d = env.execute(program)
    assert d.actions.count("walk") == expected, (program, world)  # a shortest path
    assert not d.blocked
    ahead = neighbours(d.final.agent)[d.final.heading]
    assert ahead == target.pos  # beside the target and facing it
    opened = {x.pos for x in d.final.doors if x.is_open} - {
        x.pos for x in world.state.doors if x.is_open
    }
    assert d.actions.count("open") == len(opened)  # doors on the way were opened
    return True


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6))
def test_goto_takes_a_shortest_path_to_every_reachable_thing(seed):
    world = random_world(seed)
    for target in (*world.state.objects, *world.state.doors):
        _check_goto(world, target)


def test_random_worlds_have_both_reachable_and_unreachable_things():
    """The random worlds exercise both outcomes (so the property above is not vacuous)."""
    outcomes = set()
    for seed in range(60):
        world = random_world(seed)
        for target in world.state.objects:
            outcomes.add(_check_goto(world, target))
    assert outcomes == {True, False}


# A wall down the middle with a door in it; the red ball on the far side.
def _split_world(door: dict) -> GridWorld:
    return world_from_json(
        {
            "map": ["#######", "#..#..#", "#..#..#", "#..#..#", "#######"],
            "agent": {"pos": [1, 2], "heading": "east"},
            "doors": [door],
            "objects": [
                {"type": "ball", "colour": "red", "pos": [5, 2]},
                {"type": "key", "colour": "yellow", "pos": [1, 3]},
                {"type": "key", "colour": "blue", "pos": [1, 1]},
            ],
        }
    )


def test_closed_door_is_opened_on_the_way():
    d = GridEnvironment(world=_split_world({"colour": "green", "pos": [3, 2]})).execute(
        "goto(ball(red))"
    )
    assert d.actions == ("walk", "open", "walk", "walk")
    assert d.final.doors[0].is_open


def test_locked_door_needs_its_key():
    world = _split_world({"colour": "yellow", "pos": [3, 2], "locked": True})
    env = GridEnvironment(world=world)
    with pytest.raises(ExecutionError) as info:
        env.execute("goto(ball(red))")
    assert str(info.value) == (
        "goto(ball(red)): cannot reach the red ball: the yellow door at (3, 2) is locked "
        "(carry the yellow key first)"
    )
    with pytest.raises(ExecutionError, match="locked"):  # the wrong key does not open it
        env.execute("seq(pickup(key(blue)), goto(ball(red)))")
    d = env.execute("seq(pickup(key(yellow)), goto(ball(red)))")
    assert d.final.carrying == Thing("key", "yellow")  # the key stays in hand
    assert d.final.doors[0] == Door("yellow", (3, 2), locked=False, is_open=True)
    with pytest.raises(ExecutionError, match="carry the yellow key to open it"):
        env.execute("open(door)")


def test_walled_off_object_is_reported():
    world = world_from_json(
        {
            "map": ["######", "#.#..#", "######"],
            "agent": {"pos": [1, 1]},
            "objects": [{"type": "box", "colour": "grey", "pos": [4, 1]}],
        }
    )
    with pytest.raises(ExecutionError, match=r"^goto\(box\): cannot reach the box: no path"):
        GridEnvironment(world=world).execute("goto(box)")


def test_nearest_of_several_matches_is_chosen():
    env = GridEnvironment(world="room")
    d = env.execute("goto(ball)")  # grey (3, 3) is nearer than red (5, 2) from (1, 1)
    assert neighbours(d.final.agent)[d.final.heading] == (3, 3)


@pytest.mark.parametrize(
    "world, program, message",
    [
        ("room", "goto(ball(green))", "goto(ball(green)): there is no green ball in the world"),
        (
            "room",
            "goto(ball(behind))",
            "goto(ball(behind)): no ball behind you (others match at (5, 2), (3, 3))",
        ),
        ("room", "goto(door)", "goto(door): there is no door in the world"),
        (
            "room",
            "seq(pickup(ball(red)), pickup(key))",
            "pickup(key): hands full: carrying the red ball; drop it first",
        ),
        ("room", "drop", "drop: the hands are empty"),
        ("room", "seq(pickup(key), drop(ball))", "drop(ball): carrying the yellow key, not a ball"),
        (
            "room",
            "seq(pickup(key), drop(key(left)))",
            "drop(key(left)): a carried object has no location",
        ),
        (
            "room",
            "seq(pickup(ball(red)), goto(ball(red)))",
            "goto(ball(red)): there is no red ball in the world (the agent is carrying it)",
        ),
        (
            "room",
            "seq(pickup(key), walk(right), drop)",
            "drop: cannot drop on (4, 7): it is a wall",
        ),
        (
            "room",
            "seq(pickup(ball(grey)), goto(box), drop)",
            "drop: cannot drop on (2, 5): the blue box is there",
        ),
        (
            "room",
            "seq(pickup(key), putnext(ball, box))",
            "putnext(ball, box): hands full: carrying the yellow key, not a ball; drop it first",
        ),
        ("two_rooms", "seq(goto(door), drop(key))", "drop(key): the hands are empty"),
    ],
)
def test_impossible_object_instructions_are_errors(world, program, message):
    with pytest.raises(ExecutionError) as info:
        GridEnvironment(world=world).execute(program)
    assert str(info.value) == message


def test_putnext_leaves_the_object_beside_the_anchor():
    d = GridEnvironment(world="two_rooms").execute("putnext(key(blue), box(purple))")
    key = next(o for o in d.final.objects if o.kind == "key")
    assert key.pos in neighbours((8, 5)) and d.final.carrying is None
    # Already holding it: no second pickup.
    d2 = GridEnvironment(world="room").execute("seq(pickup(ball(red)), putnext(ball, key))")
    assert d2.actions.count("pickup") == 1
    ball = next(o for o in d2.final.objects if o.colour == "red")
    assert ball.pos in neighbours((5, 5))


def test_opening_an_open_door_is_recorded_and_changes_nothing():
    d = GridEnvironment(world="two_rooms").execute("twice(open(door))")
    assert d.actions == ("walk", "walk", "open", "open")
    assert d.blocked == (3,)
