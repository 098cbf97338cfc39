"""The grid world environment: an agent that walks, turns, fetches and opens on a grid.

Programs are terms of ``grammars/grid.lark`` (``seq(twice(around(left, jump)), walk)``,
``putnext(ball(red), box(blue))``); their trees mirror the instructions they carry out.

- **World.** A rectangle of cells with walls, coloured doors (open, closed or locked) and
  coloured balls, boxes and keys, and an agent with a cell, a heading and at most one
  carried object (``grid_world``). A person writes one as JSON (``grid_worldfile``); some
  are bundled under ``environments/data/grid`` and may be named without a path
  (``--world two_rooms``).
- **Default world** (no ``--world``): an open 201 x 201 grid without walls, the agent in
  the centre facing east. No SCAN program reaches its edge (a SCAN trace has at most 48
  actions, each moving at most two cells), so SCAN programs never bump into anything.
- **Execution** (``grid_exec``, evaluated by rule name) yields a trace of primitive actions
  and the final state (:class:`GridDenotation`). Invalid primitive moves (into a wall, an
  object, a closed door) are recorded and change nothing; object instructions that cannot
  be carried out (nothing matches, unreachable, hands full, locked without the key) raise
  :class:`~parseinstr.errors.ExecutionError` naming the instruction (``grid_run``,
  ``grid_exec``).
- **Navigation** (``grid_nav``): shortest paths on a networkx graph of cells; closed doors
  are opened on the way; locked doors only when the agent carries the key of their colour.
- **Budget.** At most 10,000 primitive actions and 100,000 evaluated nodes within 10 s,
  else :class:`~parseinstr.errors.TimeLimitError`.
- **Comparison** (:func:`same_trace`): equal traces, and equal final states where both
  have one.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

from parseinstr.environment import Demo, Environment
from parseinstr.errors import DataError, ExecutionError, UsageError
from parseinstr.grammar import Grammar
from parseinstr.registry import register_environment

from .grid_denotation import GridDenotation, same_trace
from .grid_exec import run_program
from .grid_explain import explain_tree
from .grid_render import frames, picture, save_gif, save_png, text_map
from .grid_run import DEFAULT_LIMITS, Limits
from .grid_world import HEADINGS, GridWorld
from .grid_worldfile import load_world

__all__ = ["GridDenotation", "GridEnvironment", "bundled_worlds", "resolve_world", "same_trace"]

PICTURE_SUFFIXES = (".png", ".gif")


@functools.lru_cache(maxsize=1)
def _grammar() -> Grammar:
    return Grammar.load("grid")


def _world_dir() -> Any:
    return resources.files("parseinstr.environments").joinpath("data", "grid")


def bundled_worlds() -> list[str]:
    """Names of the world files shipped in ``environments/data/grid``."""
    return sorted(p.name[:-5] for p in _world_dir().iterdir() if p.name.endswith(".json"))


def resolve_world(world: GridWorld | str | Path | None) -> GridWorld:
    """A world from a world object, a file path, a bundled world's name, or None (default).

    Raises:
        DataError: the file does not exist (and is no bundled name) or is malformed.
    """
    if world is None:
        return GridWorld.open_grid()
    if isinstance(world, GridWorld):
        return world
    path = Path(world)
    if not path.exists() and path.suffix == "" and str(path) in bundled_worlds():
        with resources.as_file(_world_dir().joinpath(f"{path}.json")) as bundled:
            return load_world(bundled)
    if not path.exists():
        raise DataError(
            f"--world {path}: no such file (bundled worlds: {', '.join(bundled_worlds())})"
        )
    return load_world(path)


@register_environment
class GridEnvironment(Environment):
    """An agent on a grid, driven by programs of the grid language.

    Args:
        world: a :class:`GridWorld`, a world file, a bundled world's name, or None for the
            default open grid.
        picture: where :meth:`export` writes the path: ``.png`` (a still) or ``.gif`` (one
            frame per step).
        limits: the execution budget.

    Example:
        >>> env = GridEnvironment()
        >>> env.execute("seq(jump(left), twice(walk))").actions
        ('turn_left', 'jump', 'walk', 'walk')
        >>> env.explain("seq(jump(left), twice(walk))")
        'turn left and jump, then walk twice'
    """

    name: ClassVar[str] = "grid"
    option_names: ClassVar[tuple[str, ...]] = ("world", "picture")
    bundled_model: ClassVar[str | None] = "models/grid"
    bundled_model_command: ClassVar[str | None] = (
        "parseinstr train scan --data tests/data/scan/tasks_train_simple.txt.gz "
        "--supervision denotation --out environments/models/grid --max-minutes 25 --half"
    )

    @classmethod
    def demo(cls) -> Demo:
        """SCAN-style commands in a small room; each path is drawn to a picture."""
        return Demo(
            "Commands in a grid world",
            {"world": Path(__file__).resolve().parent / "data/grid/room.json"},
            [
                "walk thrice",
                "look around right and walk twice",
                "jump and walk right thrice",
            ],
        )

    def __init__(
        self,
        world: GridWorld | str | Path | None = None,
        picture: str | Path | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        if picture is not None and Path(picture).suffix.lower() not in PICTURE_SUFFIXES:
            raise UsageError(
                f"--picture {picture}: use a .png file (a still) or a .gif file (animated)"
            )
        self.world = resolve_world(world)
        self.picture = Path(picture) if picture is not None else None
        self.limits = limits

    def grammar(self) -> Grammar:
        """The grid grammar (the same for every world; loaded once)."""
        return _grammar()

    def execute(self, form: str) -> GridDenotation:
        """Parse ``form`` and run it from the world's start state.

        Raises:
            ParseError: ``form`` is not a grid program.
            ExecutionError: an object instruction could not be carried out.
            TimeLimitError: the program ran past its budget.
        """
        return GridDenotation.from_run(run_program(self.world, self.parse(form), self.limits))

    def same_denotation(self, a: GridDenotation, b: GridDenotation) -> bool:  # type: ignore[override]
        """Equal traces, and equal final states where both have one (see ``same_trace``)."""
        return same_trace(a, b)

    def describe(self) -> str:
        """The world as text: size, agent, objects and doors with colours and cells."""
        s = self.world.state
        carrying = f"the {s.carrying}" if s.carrying else "nothing"
        lines = [
            f"grid {self.world.width}x{self.world.height}"
            + (f" '{self.world.name}'" if self.world.name else "")
            + f", {len(self.world.walls)} wall cells",
            f"agent at {s.agent} facing {HEADINGS[s.heading]}, carrying {carrying}",
        ]
        if s.objects:
            lines.append("objects: " + "; ".join(str(o) for o in s.objects))
        if s.doors:
            lines.append("doors: " + "; ".join(str(d) for d in s.doors))
        return "\n".join(lines)

    def explain(self, form: str) -> str:
        """The program in plain English (see ``grid_explain``).

        Raises:
            ParseError: ``form`` is not a grid program.
        """
        tree = self.parse(form)
        try:
            return explain_tree(tree)
        except RecursionError:
            raise ExecutionError("the program is nested too deeply to explain") from None

    def render_text(self, denotation: GridDenotation | None = None) -> str:
        """The world (after ``denotation``, with its path marked) as text for a terminal."""
        if denotation is None or denotation.final is None:
            return text_map(self.world, self.world.state)
        return text_map(self.world, denotation.final, denotation.poses)

    def export(self, denotation: GridDenotation) -> list[str]:  # type: ignore[override]
        """Write the picture asked for with ``picture`` (PNG still or animated GIF)."""
        if self.picture is None:
            return []
        start = self.world.state
        poses = denotation.poses or ((*start.agent, start.heading),)
        if self.picture.suffix.lower() == ".gif":
            states = [denotation.state_at(i) or start for i in range(len(poses))]
            save_gif(self.picture, frames(self.world, states, poses))
        else:
            save_png(self.picture, picture(self.world, denotation.final or start, poses))
        return [str(self.picture)]
