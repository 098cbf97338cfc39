"""World files: the bundled ones load, round-trip, describe themselves; errors name the field."""

from __future__ import annotations

import contextlib
import copy
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parseinstr.environments.grid import GridEnvironment, bundled_worlds, resolve_world
from parseinstr.environments.grid_world import DEFAULT_SIZE, GridWorld
from parseinstr.environments.grid_worldfile import load_world, world_from_json, world_to_json
from parseinstr.errors import DataError, ExecutionError

GOOD = {
    "name": "demo",
    "map": ["#####", "#...#", "#...#", "#####"],
    "agent": {"pos": [1, 1], "heading": "south", "carrying": {"type": "key", "colour": "red"}},
    "objects": [
        {"type": "ball", "colour": "purple", "pos": [2, 1]},
        {"type": "box", "colour": "grey", "pos": [3, 2]},
    ],
    "doors": [{"colour": "red", "pos": [4, 1], "locked": True}],
}


def test_bundled_worlds_load_and_round_trip():
    assert {"room", "two_rooms", "locked"} <= set(bundled_worlds())
    for name in bundled_worlds():
        world = resolve_world(name)
        assert world.name
        again = world_from_json(json.loads(json.dumps(world_to_json(world))))
        assert again == world


def test_world_file_fields(tmp_path):
    path = tmp_path / "demo.json"
    path.write_text(json.dumps(GOOD))
    world = load_world(path)
    assert (world.width, world.height) == (5, 4)
    assert (4, 1) not in world.walls  # the door replaces the wall
    assert world.state.heading == 1 and str(world.state.carrying) == "red key"
    assert [str(o) for o in world.state.objects] == ["purple ball at (2, 1)", "grey box at (3, 2)"]
    assert str(world.state.doors[0]) == "red door at (4, 1) (locked)"
    assert world_from_json(world_to_json(world)) == world


def test_size_and_walls_instead_of_a_map():
    world = world_from_json({"size": [4, 3], "walls": [[1, 1]], "agent": {"pos": [0, 0]}})
    assert world.walls == frozenset({(1, 1)}) and world.is_wall((4, 0))


def test_default_world_is_a_large_open_grid():
    world = GridEnvironment().world
    assert world == GridWorld.open_grid()
    assert (world.width, world.height) == (DEFAULT_SIZE, DEFAULT_SIZE)
    assert not world.walls and world.state.agent == (100, 100) and world.state.heading == 0


def test_describe_lists_agent_objects_and_doors():
    text = GridEnvironment(world="two_rooms").describe()
    assert text.splitlines() == [
        "grid 11x7 'two rooms', 36 wall cells",
        "agent at (2, 3) facing east, carrying nothing",
        "objects: red ball at (8, 2); purple box at (8, 5); blue key at (1, 5)",
        "doors: green door at (5, 3) (closed)",
    ]


def _with(change):
    data = copy.deepcopy(GOOD)
    change(data)
    return data


@pytest.mark.parametrize(
    "data, message",
    [
        (
            _with(lambda d: d["objects"][1].update(colour="pruple")),
            "objects[1].colour: unknown colour 'pruple' (did you mean 'purple'?)",
        ),
        (
            _with(lambda d: d["objects"][0].update(type="bal")),
            "objects[0].type: unknown object type 'bal' (did you mean 'ball'?)",
        ),
        (
            _with(lambda d: d["objects"][0].update(type="door")),
            "objects[0].type: doors are listed under 'doors', not 'objects'",
        ),
        (
            _with(lambda d: d["objects"][0].update(pos=[9, 1])),
            "objects[0].pos[0]: 9 is out of range [0, 4]",
        ),
        (_with(lambda d: d["objects"][0].update(pos=[0, 0])), "objects[0].pos: [0, 0] is a wall"),
        (
            _with(lambda d: d["objects"][0].update(pos=[3, 2])),
            "objects[1].pos: [3, 2] is already taken by objects[0]",
        ),
        (_with(lambda d: d["objects"][0].pop("colour")), "objects[0].colour: missing"),
        (
            _with(lambda d: d["objects"][0].update(size=2)),
            "objects[0].size: unknown field (use one of: type, colour, pos)",
        ),
        (_with(lambda d: d.update(obejcts=[])), "obejcts: unknown field (did you mean 'objects'?)"),
        (
            _with(lambda d: d["agent"].update(heading="eats")),
            "agent.heading: unknown heading 'eats' (did you mean 'east'?)",
        ),
        (
            _with(lambda d: d["agent"].update(pos=[2, 1])),
            "agent.pos: [2, 1] is taken by objects[0]",
        ),
        (_with(lambda d: d["agent"].update(pos=[4, 1])), "agent.pos: [4, 1] is taken by doors[0]"),
        (_with(lambda d: d["agent"].update(pos="1,1")), "agent.pos: expected [x, y], got '1,1'"),
        (_with(lambda d: d.pop("agent")), "agent: missing (give at least its pos)"),
        (
            _with(lambda d: d["agent"]["carrying"].update(type="door")),
            "agent.carrying.type: unknown object type 'door' (use one of: ball, box, key)",
        ),
        (
            _with(lambda d: d["doors"][0].update(open=True)),
            "doors[0]: a door cannot be both locked and open",
        ),
        (
            _with(lambda d: d["doors"][0].update(locked="yes")),
            "doors[0].locked: expected true or false, got 'yes'",
        ),
        (_with(lambda d: d["map"].__setitem__(1, "#..#")), "map[1]: has 4 cells, map[0] has 5"),
        (
            _with(lambda d: d["map"].__setitem__(2, "#.x.#")),
            "map[2][2]: unknown cell 'x' (use '#' or '.')",
        ),
        (_with(lambda d: d.update(size=[6, 4])), "size: [6, 4] differs from the map's [5, 4]"),
        (_with(lambda d: d.pop("map")), "size: missing (give 'map' or 'size')"),
        (_with(lambda d: d.update(objects={})), "objects: expected a list [...], got an object"),
        ([], "world: expected an object {...}, got a list"),
    ],
)
def test_world_file_errors_name_the_field(data, message):
    with pytest.raises(DataError) as info:
        world_from_json(data, source="w.json")
    assert str(info.value) == f"w.json: {message}"


def test_unreadable_world_files(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(DataError, match=r"bad.json: not JSON"):
        load_world(bad)
    with pytest.raises(DataError, match=r"no such file \(bundled worlds: locked, room, two_rooms"):
        resolve_world(tmp_path / "missing.json")
    with pytest.raises(DataError, match="no such file"):
        resolve_world("roomm")


JSON_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-3, 12),
        st.floats(allow_nan=False),
        st.sampled_from(["red", "ball", "east", "#..", "door", ""]),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["pos", "type", "colour", "x"]), inner, max_size=3),
    ),
    max_leaves=6,
)
FIELD_PATHS = [
    ("name",),
    ("map",),
    ("map", 0),
    ("size",),
    ("walls",),
    ("agent",),
    ("agent", "pos"),
    ("agent", "pos", 0),
    ("agent", "heading"),
    ("agent", "carrying"),
    ("objects",),
    ("objects", 0),
    ("objects", 0, "pos"),
    ("objects", 1, "type"),
    ("doors", 0),
    ("doors", 0, "locked"),
    ("doors", 0, "pos", 1),
    ("extra",),
]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(FIELD_PATHS), JSON_VALUES)
def test_any_field_value_gives_a_world_or_a_data_error(path, value):
    data = copy.deepcopy(GOOD)
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    try:
        world = world_from_json(data, source="w.json")
    except DataError as exc:
        assert str(exc).startswith("w.json: ")
        return
    with contextlib.suppress(ExecutionError):  # a loaded world runs; only typed errors
        GridEnvironment(world=world).execute("seq(walk, goto(ball), turn(left))")
