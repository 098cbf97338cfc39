"""Hypothesis strategies for grid programs, written from ``grammars/grid.lark`` (tests only).

``motion_programs`` draws from motion and composition rules only: their traces do not
depend on the state. ``programs`` adds object instructions with any description;
``programs_in(world)`` describes things that exist in ``world``, so that most object
instructions can be carried out. All print programs in the
canonical spelling of ``grid_lang.unparse`` (", " between arguments).
"""

from __future__ import annotations

from hypothesis import strategies as st

from parseinstr.environments.grid_world import GridWorld

ACTIONS = st.sampled_from(["walk", "run", "jump", "look"])
DIRS = st.sampled_from(["left", "right"])
COLOURS = st.sampled_from(["red", "green", "blue", "purple", "yellow", "grey"])
WHERE = st.sampled_from(["front", "behind", "left", "right"])
PORTABLE_KINDS = st.sampled_from(["ball", "box", "key"])
DOOR_KIND = st.just("door")


def call(name: str, *args: str) -> str:
    return f"{name}({', '.join(args)})"


def _attrs() -> st.SearchStrategy[list[str]]:
    return st.one_of(
        st.just([]),
        COLOURS.map(lambda c: [c]),
        WHERE.map(lambda w: [w]),
        st.tuples(COLOURS, WHERE).map(list),
    )


def _described(kinds: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.builds(lambda k, a: call(k, *a) if a else k, kinds, _attrs())


def _from_world(pairs: list[tuple[str, str]]) -> st.SearchStrategy[str]:
    """Descriptions of things that exist: type, maybe its colour, rarely a location."""

    def spell(pair: tuple[str, str], colour: bool, where: str | None) -> str:
        attrs = [pair[1]] if colour else []
        attrs += [where] if where else []
        return call(pair[0], *attrs) if attrs else pair[0]

    return st.builds(
        spell, st.sampled_from(pairs), st.booleans(), st.one_of(st.none(), st.none(), WHERE)
    )


def _object_leaves(
    portable: st.SearchStrategy[str], door: st.SearchStrategy[str] | None
) -> st.SearchStrategy[str]:
    thing = st.one_of(portable, door) if door is not None else portable
    leaves = [
        thing.map(lambda t: call("goto", t)),
        portable.map(lambda t: call("pickup", t)),
        portable.map(lambda t: call("seq", call("pickup", t), "drop")),
        st.just("drop"),
        portable.map(lambda t: call("drop", t)),
        st.builds(lambda a, b: call("putnext", a, b), portable, thing),
    ]
    if door is not None:
        leaves.append(door.map(lambda t: call("open", t)))
    return st.one_of(*leaves)


MOTION_LEAVES = st.one_of(
    ACTIONS,
    st.builds(lambda a, d: call(a, d), ACTIONS, DIRS),
    DIRS.map(lambda d: call("turn", d)),
    DIRS.map(lambda d: call("around", d)),
    DIRS.map(lambda d: call("opposite", d)),
)


def _compose(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.builds(lambda d, p: call("around", d, p), DIRS, children),
        st.builds(lambda d, p: call("opposite", d, p), DIRS, children),
        st.lists(children, min_size=2, max_size=4).map(lambda ps: call("seq", *ps)),
        st.builds(lambda a, b: call("after", a, b), children, children),
        st.builds(lambda n, p: call("repeat", str(n), p), st.integers(0, 6), children),
        children.map(lambda p: call("twice", p)),
        children.map(lambda p: call("thrice", p)),
    )


def programs_in(world: GridWorld) -> st.SearchStrategy[str]:
    """Programs whose object instructions mostly name things that exist in ``world``."""
    objects = [(o.kind, o.colour) for o in world.state.objects]
    doors = [("door", d.colour) for d in world.state.doors]
    leaves = _object_leaves(_from_world(objects), _from_world(doors) if doors else None)
    return st.recursive(st.one_of(MOTION_LEAVES, leaves, leaves, leaves), _compose, max_leaves=8)


motion_programs = st.recursive(MOTION_LEAVES, _compose, max_leaves=10)
programs = st.recursive(
    st.one_of(MOTION_LEAVES, _object_leaves(_described(PORTABLE_KINDS), _described(DOOR_KIND))),
    _compose,
    max_leaves=10,
)
