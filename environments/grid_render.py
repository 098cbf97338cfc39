"""Pictures of a grid world and a program's path: plain text, PNG and animated GIF.

Large worlds (over :data:`FULL_VIEW` cells a side, such as the default open grid) are drawn
cropped to the part that matters: the path, objects and doors, with a margin.

Text uses two characters per cell: ``##`` wall, ``. `` floor, ``o `` a cell the path
crossed, ``>``/``v``/``<``/``^`` the agent, and for things a type letter and a colour
letter: ``B`` ball, ``X`` box, ``K`` key, ``D`` closed door, ``L`` locked door, ``O`` open
door; colours ``r`` red, ``g`` green, ``b`` blue, ``p`` purple, ``y`` yellow, ``e`` grey.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw

from parseinstr.io import write_atomic

from .grid_run import Pose
from .grid_world import GridState, GridWorld, Pos

FULL_VIEW = 40
MARGIN = 2
CELL = 32
MAX_FRAMES = 400

TYPE_LETTERS = {"ball": "B", "box": "X", "key": "K"}
COLOUR_LETTERS = {"red": "r", "green": "g", "blue": "b", "purple": "p", "yellow": "y", "grey": "e"}
AGENT_LETTERS = (">", "v", "<", "^")
RGB = {
    "red": (220, 40, 40),
    "green": (40, 170, 60),
    "blue": (40, 90, 220),
    "purple": (130, 60, 200),
    "yellow": (230, 190, 20),
    "grey": (120, 120, 120),
}
FLOOR, GRIDLINE, WALL = (245, 245, 240), (215, 215, 210), (70, 70, 75)
PATH, AGENT = (255, 140, 0), (20, 20, 20)

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 (inclusive)


def view_box(world: GridWorld, states: Sequence[GridState], poses: Sequence[Pose]) -> Box:
    """The cells to draw: the whole grid when small, else what matters plus a margin."""
    if world.width <= FULL_VIEW and world.height <= FULL_VIEW:
        return (0, 0, world.width - 1, world.height - 1)
    cells = [(x, y) for x, y, _ in poses]
    for s in states:
        cells += [s.agent] + [o.pos for o in s.objects] + [d.pos for d in s.doors]
    xs, ys = [c[0] for c in cells], [c[1] for c in cells]
    return (
        max(0, min(xs) - MARGIN),
        max(0, min(ys) - MARGIN),
        min(world.width - 1, max(xs) + MARGIN),
        min(world.height - 1, max(ys) + MARGIN),
    )


def text_map(world: GridWorld, state: GridState, poses: Sequence[Pose] = ()) -> str:
    """The world in ``state`` as text, with the cells of ``poses`` marked (see module doc)."""
    x0, y0, x1, y1 = view_box(world, [world.state, state], poses)
    visited = {(x, y) for x, y, _ in poses}
    things: dict[Pos, str] = {
        o.pos: TYPE_LETTERS[o.kind] + COLOUR_LETTERS[o.colour] for o in state.objects
    }
    for d in state.doors:
        things[d.pos] = ("O" if d.is_open else "L" if d.locked else "D") + COLOUR_LETTERS[d.colour]
    rows = []
    for y in range(y0, y1 + 1):
        row = []
        for x in range(x0, x1 + 1):
            if (x, y) == state.agent:
                row.append(AGENT_LETTERS[state.heading] + " ")
            elif (x, y) in things:
                row.append(things[(x, y)])
            elif (x, y) in world.walls:
                row.append("##")
            else:
                row.append("o " if (x, y) in visited else ". ")
        rows.append("".join(row).rstrip())
    return "\n".join(rows)


def _draw(
    world: GridWorld, state: GridState, box: Box, trail: Sequence[Pose], start: Pose | None
) -> Image.Image:
    x0, y0, x1, y1 = box
    img = Image.new("RGB", ((x1 - x0 + 1) * CELL, (y1 - y0 + 1) * CELL), FLOOR)
    pen = ImageDraw.Draw(img)

    def cell(pos: Pos, inset: int = 0) -> Box:
        left, top = (pos[0] - x0) * CELL, (pos[1] - y0) * CELL
        return (left + inset, top + inset, left + CELL - 1 - inset, top + CELL - 1 - inset)

    def centre(pos: Pos) -> tuple[int, int]:
        return ((pos[0] - x0) * CELL + CELL // 2, (pos[1] - y0) * CELL + CELL // 2)

    for y in range(y0, y1 + 1):
        for x in range(x0, x1 + 1):
            fill = WALL if (x, y) in world.walls else FLOOR
            pen.rectangle(cell((x, y)), fill=fill, outline=GRIDLINE)
    for d in state.doors:
        colour = RGB[d.colour]
        if d.is_open:
            pen.rectangle(cell(d.pos, 2), outline=colour, width=3)
        else:
            pen.rectangle(
                cell(d.pos, 2), fill=colour if not d.locked else WALL, outline=colour, width=3
            )
            if d.locked:  # a keyhole
                cx, cy = centre(d.pos)
                pen.ellipse((cx - 4, cy - 6, cx + 4, cy + 2), fill=colour)
                pen.rectangle((cx - 2, cy, cx + 2, cy + 8), fill=colour)
    for o in state.objects:
        _draw_thing(pen, o.kind, RGB[o.colour], cell(o.pos, 6))
    points = [centre((x, y)) for x, y, _ in trail]
    if len(points) > 1:
        pen.line(points, fill=PATH, width=4, joint="curve")
    if start is not None:
        sx, sy = centre(start[:2])
        pen.ellipse((sx - 5, sy - 5, sx + 5, sy + 5), outline=PATH, width=3)
    _draw_agent(pen, state, cell(state.agent, 5))
    return img


def _draw_thing(pen: ImageDraw.ImageDraw, kind: str, colour: tuple[int, int, int], b: Box) -> None:
    if kind == "ball":
        pen.ellipse(b, fill=colour)
    elif kind == "box":
        pen.rectangle(b, outline=colour, width=4)
    else:  # key: a ring and a bar with a tooth
        x0, y0, x1, y1 = b
        mid = (y0 + y1) // 2
        pen.ellipse((x0, mid - 5, x0 + 10, mid + 5), outline=colour, width=3)
        pen.rectangle((x0 + 9, mid - 1, x1, mid + 2), fill=colour)
        pen.rectangle((x1 - 5, mid + 2, x1 - 2, mid + 7), fill=colour)


def _draw_agent(pen: ImageDraw.ImageDraw, state: GridState, b: Box) -> None:
    x0, y0, x1, y1 = b
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    shapes = {
        0: [(x1, cy), (x0, y0), (x0, y1)],
        1: [(cx, y1), (x1, y0), (x0, y0)],
        2: [(x0, cy), (x1, y1), (x1, y0)],
        3: [(cx, y0), (x0, y1), (x1, y1)],
    }
    pen.polygon(shapes[state.heading], fill=AGENT, outline=(255, 255, 255))
    if state.carrying is not None:
        pen.ellipse((cx - 4, cy - 4, cx + 4, cy + 4), fill=RGB[state.carrying.colour])


def picture(world: GridWorld, final: GridState, poses: Sequence[Pose]) -> Image.Image:
    """The final state with the path drawn from the start (a ring) to the agent."""
    box = view_box(world, [world.state, final], poses)
    return _draw(world, final, box, poses, poses[0] if poses else None)


def frames(
    world: GridWorld, states: Sequence[GridState], poses: Sequence[Pose]
) -> list[Image.Image]:
    """One image per step (``states[i]`` after ``i`` actions), at most :data:`MAX_FRAMES`."""
    box = view_box(world, [world.state, *states[-1:]], poses)
    stride = max(1, -(-len(states) // MAX_FRAMES))
    chosen = list(range(0, len(states), stride))
    if chosen[-1] != len(states) - 1:
        chosen.append(len(states) - 1)
    return [_draw(world, states[i], box, poses[: i + 1], poses[0]) for i in chosen]


def save_png(path: str | Path, image: Image.Image) -> Path:
    """Write ``image`` as PNG, atomically."""
    return write_atomic(path, lambda tmp: image.save(tmp, format="PNG"))


def save_gif(path: str | Path, images: Sequence[Image.Image], ms_per_frame: int = 200) -> Path:
    """Write ``images`` as a looping animated GIF, atomically."""
    first, *rest = images
    return write_atomic(
        path,
        lambda tmp: first.save(
            tmp, format="GIF", save_all=True, append_images=rest, duration=ms_per_frame, loop=0
        ),
    )
