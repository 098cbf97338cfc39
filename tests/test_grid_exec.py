"""Execution: primitive moves, blocked moves, budget, and properties of random programs."""

from __future__ import annotations

import re
import time

import pytest
from grid_strategies import call, motion_programs, programs, programs_in
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parseinstr.environments.grid import GridEnvironment, resolve_world
from parseinstr.environments.grid_denotation import GridDenotation, same_trace
from parseinstr.environments.grid_lang import program_size, unparse
from parseinstr.environments.grid_run import Limits
from parseinstr.environments.grid_world import GridWorld
from parseinstr.environments.grid_worldfile import world_from_json
from parseinstr.errors import ExecutionError, TimeLimitError

WORLDS = {name: resolve_world(name) for name in ("room", "two_rooms", "locked")}


def _in_world(n: int = 1) -> st.SearchStrategy[tuple[str, list[str]]]:
    """A bundled world's name and ``n`` programs naming things that exist there."""
    return st.sampled_from(sorted(WORLDS)).flatmap(
        lambda w: st.tuples(st.just(w), st.lists(programs_in(WORLDS[w]), min_size=n, max_size=n))
    )


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# A corridor: agent at (1, 1) facing east, a ball at (3, 1), a wall at (5, 1), a door at (1, 2).
CORRIDOR = world_from_json(
    {
        "map": ["#######", "#.....#", "#.#####", "#######"],
        "walls": [[5, 1]],
        "agent": {"pos": [1, 1]},
        "objects": [{"type": "ball", "colour": "red", "pos": [3, 1]}],
        "doors": [{"colour": "blue", "pos": [1, 2]}],
    }
)


@pytest.mark.parametrize(
    "program, agent, heading, blocked",
    [
        ("walk", (2, 1), 0, ()),
        ("seq(walk, walk)", (2, 1), 0, (1,)),  # the ball blocks the second walk
        ("run", (1, 1), 0, (0,)),  # the ball is on the landing cell
        ("seq(walk, jump)", (4, 1), 0, ()),  # jumps over the ball
        ("seq(walk, jump, walk)", (4, 1), 0, (2,)),  # into the wall at (5, 1)
        ("walk(right)", (1, 1), 1, (1,)),  # into the closed door
        ("walk(left)", (1, 1), 3, (1,)),  # into the outer wall
        ("look", (1, 1), 0, ()),
        ("opposite(left, walk)", (1, 1), 2, (2,)),
        ("around(right)", (1, 1), 0, ()),
    ],
)
def test_primitive_moves_and_blocked_moves(program, agent, heading, blocked):
    """A move that cannot act is recorded and changes nothing (grid_run's rule)."""
    d = GridEnvironment(world=CORRIDOR).execute(program)
    assert d.final.agent == agent and d.final.heading == heading
    assert d.blocked == blocked
    assert len(d.poses) == len(d.actions) + 1


def test_step_budget_stops_long_programs():
    env = GridEnvironment(limits=Limits(max_steps=100))
    with pytest.raises(TimeLimitError, match="max_steps"):
        env.execute("repeat(101, walk)")
    assert len(env.execute("repeat(100, walk)").actions) == 100


def test_default_budget_stops_huge_repeats_quickly():
    start = time.monotonic()
    with pytest.raises(TimeLimitError):
        GridEnvironment().execute("repeat(999999999, repeat(999999999, jump))")
    assert time.monotonic() - start < 5


def test_evaluation_budget_stops_programs_that_record_nothing():
    """``repeat`` of an instruction with no actions still ends: nodes are counted too."""
    env = GridEnvironment(world="room", limits=Limits(max_evaluations=5000))
    with pytest.raises(TimeLimitError, match="max_evaluations"):
        env.execute("seq(goto(ball(red)), repeat(100000, goto(ball(red))))")


def test_time_limit_is_an_execution_error():
    assert issubclass(TimeLimitError, ExecutionError)


def test_deep_nesting_is_an_error_not_a_crash():
    program = "twice(" * 3000 + "walk" + ")" * 3000
    with pytest.raises(ExecutionError):
        GridEnvironment().execute(program)


def test_same_trace_rules():
    env = GridEnvironment()
    a, b = env.execute("twice(walk)"), env.execute("seq(walk, walk)")
    assert same_trace(a, b) and env.same_denotation(a, b)
    assert same_trace(a, GridDenotation(("walk", "walk")))  # no final state: trace decides
    assert not same_trace(a, GridDenotation(("walk",)))
    assert not same_trace(a, env.execute("seq(walk, run)"))
    moved = GridEnvironment(world=GridWorld.open_grid(9)).execute("twice(walk)")
    assert not same_trace(a, moved)  # same trace, different final state


def test_denotation_json_and_empty():
    d = GridEnvironment().execute("jump(left)")
    j = d.to_json()
    assert j["actions"] == ["turn_left", "jump"]
    assert j["path"][0] == [100, 100, "east"] and j["path"][-1] == [100, 98, "north"]
    assert j["final"]["agent"]["pos"] == [100, 98]
    assert not d.is_empty()
    assert GridEnvironment().execute("repeat(0, walk)").is_empty()


# ---------------------------------------------------------------- properties


def _run(world: GridWorld, program: str) -> GridDenotation | ExecutionError:
    try:
        return GridEnvironment(world=world).execute(program)
    except ExecutionError as exc:
        return exc


@FAST
@given(_in_world())
def test_random_programs_end_within_the_budget(case):
    world, (program,) = case
    limits = Limits(max_steps=300)
    env = GridEnvironment(world=WORLDS[world], limits=limits)
    try:
        d = env.execute(program)
    except ExecutionError:  # object instruction impossible here, or over budget
        return
    assert len(d.actions) <= limits.max_steps
    assert len(d.poses) == len(d.actions) + 1
    assert all(0 <= i < len(d.actions) for i in d.blocked)


@FAST
@given(motion_programs, st.integers(0, 4))
def test_repeat_repeats_the_trace(program, n):
    env = GridEnvironment()
    once = env.execute(program).actions
    assert env.execute(call("repeat", str(n), program)).actions == once * n
    assert env.execute(call("twice", program)).actions == once * 2
    assert env.execute(call("thrice", program)).actions == once * 3


@FAST
@given(st.lists(motion_programs, min_size=2, max_size=4))
def test_sequence_concatenates_traces(parts):
    env = GridEnvironment()
    traces = [env.execute(p).actions for p in parts]
    assert env.execute(call("seq", *parts)).actions == sum(traces, ())
    assert env.execute(call("after", parts[0], parts[1])).actions == traces[1] + traces[0]


@FAST
@given(st.integers(2, 3).flatmap(_in_world))
def test_sequence_runs_each_part_from_the_state_the_last_left(case):
    """With object instructions traces depend on the state: seq(a, b) = a, then b from a's end."""
    world, parts = case
    whole = _run(WORLDS[world], call("seq", *parts))
    state, trace = WORLDS[world], ()
    for part in parts:
        d = _run(state, part)
        if isinstance(d, ExecutionError):
            assert isinstance(whole, ExecutionError)
            return
        trace += d.actions
        state = state.with_state(d.final)
    assert not isinstance(whole, ExecutionError)
    assert whole.actions == trace and whole.final == state.state


@FAST
@given(_in_world(), st.integers(0, 3))
def test_repeat_runs_the_body_again_from_where_it_left(case, n):
    world, (program,) = case
    whole = _run(WORLDS[world], call("repeat", str(n), program))
    state, trace = WORLDS[world], ()
    for _ in range(n):
        d = _run(state, program)
        if isinstance(d, ExecutionError):
            assert isinstance(whole, ExecutionError)
            return
        trace += d.actions
        state = state.with_state(d.final)
    assert not isinstance(whole, ExecutionError)
    assert whole.actions == trace and whole.final == state.state


@FAST
@given(_in_world())
def test_execution_is_deterministic(case):
    world, (program,) = case
    first = _run(WORLDS[world], program)
    again = _run(resolve_world(world), program)
    if isinstance(first, ExecutionError):
        assert type(again) is type(first) and str(again) == str(first)
    else:
        assert first.to_json() == again.to_json() and same_trace(first, again)


@FAST
@given(programs)
def test_programs_print_back_and_size_counts_words(program):
    env = GridEnvironment()
    tree = env.parse(program)
    assert unparse(tree) == program
    assert env.parse(unparse(tree)) == tree
    assert program_size(tree) == len(re.findall(r"[a-z]+|[0-9]+", program))
    assert isinstance(env.explain(program), str)
