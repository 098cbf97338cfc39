"""One execution in the grid world: mutable state, primitive actions, trace and budget.

Primitive actions are what a trace records, one entry each:

================  ===================================================================
``walk``          one cell forward
``run``           two cells forward; both must be free
``jump``          two cells forward over the cell in between, which may hold an object
                  but not a wall or a closed door; the landing cell must be free
``look``          nothing changes (the agent looks ahead)
``turn_left``     heading minus one (a quarter turn anticlockwise)
``turn_right``    heading plus one
``pickup``        take the object in front into the (empty) hands
``drop``          put what the hands hold on the free floor cell in front
``open``          open the closed door in front; a locked door needs its key in hands
                  (the key unlocks it and stays in hands)
================  ===================================================================

A *free* cell is inside the grid and holds no wall, object or closed door (an open door is
free). **A primitive that cannot act is recorded in the trace and changes nothing**: walking
into a wall, running into an object, opening an open door. Its index is listed in the
denotation's ``blocked``. (Object instructions check their preconditions before acting and
raise :class:`~parseinstr.errors.ExecutionError` instead; see ``grid_exec``.)

**Budget.** A run may record at most ``max_steps`` primitive actions and evaluate at most
``max_evaluations`` program nodes (``repeat(1000000, goto(ball))`` records few actions but
evaluates many nodes), within ``time_limit`` seconds; past any of them it stops with
:class:`~parseinstr.errors.TimeLimitError`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from parseinstr.errors import TimeLimitError

from .grid_world import Door, GridState, GridWorld, Obj, Pos, Thing, step

Pose = tuple[int, int, int]


@dataclass(frozen=True)
class Limits:
    """How much one execution may do before it is stopped."""

    max_steps: int = 10_000
    max_evaluations: int = 100_000
    time_limit: float = 10.0


DEFAULT_LIMITS = Limits()


class Run:
    """The mutable state of one execution, with its trace so far.

    Args:
        world: the layout and the start state (not changed).
        limits: the budget.
    """

    def __init__(self, world: GridWorld, limits: Limits = DEFAULT_LIMITS) -> None:
        self.world = world
        self.limits = limits
        s = world.state
        self.agent: Pos = s.agent
        self.heading: int = s.heading
        self.carrying: Thing | None = s.carrying
        self.objects: list[Obj] = list(s.objects)
        self.doors: list[Door] = list(s.doors)
        self.actions: list[str] = []
        self.blocked: list[int] = []
        self.poses: list[Pose] = [(*s.agent, s.heading)]
        #: (number of actions done, state after) for every action that changed more than
        #: the agent's pose: enough to redraw any step.
        self.changes: list[tuple[int, GridState]] = []
        self.evaluations = 0
        self._deadline = time.monotonic() + limits.time_limit

    # ------------------------------------------------------------ queries
    def object_at(self, pos: Pos) -> int | None:
        """Index in ``objects`` of the object on ``pos``, if any."""
        return next((i for i, o in enumerate(self.objects) if o.pos == pos), None)

    def door_at(self, pos: Pos) -> int | None:
        """Index in ``doors`` of the door on ``pos``, if any."""
        return next((i for i, d in enumerate(self.doors) if d.pos == pos), None)

    def free(self, pos: Pos) -> bool:
        """Whether the agent may stand on ``pos``: no wall, object or closed door."""
        if self.world.is_wall(pos) or self.object_at(pos) is not None:
            return False
        door = self.door_at(pos)
        return door is None or self.doors[door].is_open

    def floor(self, pos: Pos) -> bool:
        """Whether an object may be put on ``pos``: free, and not a doorway."""
        return self.free(pos) and self.door_at(pos) is None and pos != self.agent

    def has_key(self, colour: str) -> bool:
        return self.carrying == Thing("key", colour)

    @property
    def front(self) -> Pos:
        return step(self.agent, self.heading)

    def state(self) -> GridState:
        """A frozen snapshot of the current state."""
        return GridState(
            self.agent, self.heading, self.carrying, tuple(self.objects), tuple(self.doors)
        )

    # ------------------------------------------------------------ budget
    def tick(self, where: str) -> None:
        """Count one program node evaluated; stop when over budget."""
        self.evaluations += 1
        if self.evaluations > self.limits.max_evaluations:
            raise TimeLimitError(
                f"{where}: stopped after evaluating {self.limits.max_evaluations} program "
                "nodes (max_evaluations)"
            )
        if self.evaluations % 256 == 0 and time.monotonic() > self._deadline:
            raise TimeLimitError(
                f"{where}: stopped after {self.limits.time_limit:g} s (time_limit)"
            )

    # ------------------------------------------------------------ acting
    def act(self, action: str) -> bool:
        """Do one primitive action and record it; returns whether it changed anything.

        Raises:
            TimeLimitError: the trace would exceed ``max_steps``.
        """
        if len(self.actions) >= self.limits.max_steps:
            raise TimeLimitError(
                f"stopped at the step budget of {self.limits.max_steps} primitive actions "
                "(max_steps)"
            )
        done = PRIMITIVES[action](self)
        if not done:
            self.blocked.append(len(self.actions))
        self.actions.append(action)
        self.poses.append((*self.agent, self.heading))
        if done and action in CHANGES_STATE:
            self.changes.append((len(self.actions), self.state()))
        return done


def _forward(cells: int, hop: bool = False) -> Callable[[Run], bool]:
    def move(run: Run) -> bool:
        path = [step(run.agent, run.heading, k) for k in range(1, cells + 1)]
        middle, landing = path[:-1], path[-1]
        ok = all(_hoppable(run, p) if hop else run.free(p) for p in middle) and run.free(landing)
        if ok:
            run.agent = landing
        return ok

    return move


def _hoppable(run: Run, pos: Pos) -> bool:
    """A cell one can jump over: no wall and no closed door (an object is fine)."""
    if run.world.is_wall(pos):
        return False
    door = run.door_at(pos)
    return door is None or run.doors[door].is_open


def _look(run: Run) -> bool:
    return True


def _turn(delta: int) -> Callable[[Run], bool]:
    def turn(run: Run) -> bool:
        run.heading = (run.heading + delta) % 4
        return True

    return turn


def _pickup(run: Run) -> bool:
    i = run.object_at(run.front)
    if i is None or run.carrying is not None:
        return False
    run.carrying = run.objects.pop(i).thing
    return True


def _drop(run: Run) -> bool:
    if run.carrying is None or not run.floor(run.front):
        return False
    run.objects.append(Obj(run.carrying.kind, run.carrying.colour, run.front))
    run.carrying = None
    return True


def _open(run: Run) -> bool:
    i = run.door_at(run.front)
    if i is None:
        return False
    door = run.doors[i]
    if door.is_open or (door.locked and not run.has_key(door.colour)):
        return False
    run.doors[i] = Door(door.colour, door.pos, locked=False, is_open=True)
    return True


#: Primitive actions that change objects, doors or hands (not only the agent's pose).
CHANGES_STATE = frozenset({"pickup", "drop", "open"})

#: Primitive action name -> what it does (returns False when it could not act).
PRIMITIVES: dict[str, Callable[[Run], bool]] = {
    "walk": _forward(1),
    "run": _forward(2),
    "jump": _forward(2, hop=True),
    "look": _look,
    "turn_left": _turn(-1),
    "turn_right": _turn(+1),
    "pickup": _pickup,
    "drop": _drop,
    "open": _open,
}
