"""Pictures: PNG of a bundled world with a path, animated GIF of the steps, text maps."""

from __future__ import annotations

import pytest
from PIL import Image

from parseinstr.environments.grid import GridEnvironment
from parseinstr.environments.grid_render import CELL, FULL_VIEW
from parseinstr.errors import UsageError


def test_png_of_a_bundled_world_with_a_path(tmp_path):
    out = tmp_path / "path.png"
    env = GridEnvironment(world="two_rooms", picture=out)
    d = env.execute("putnext(key(blue), box(purple))")
    assert env.export(d) == [str(out)]
    with Image.open(out) as img:
        img.verify()
    with Image.open(out) as img:
        assert img.format == "PNG"
        assert img.size == (11 * CELL, 7 * CELL)
        colours = {c for _, c in img.convert("RGB").getcolors(maxcolors=100_000)}
    assert (255, 140, 0) in colours  # the path is drawn
    assert (40, 170, 60) in colours  # the green door


def test_gif_has_a_frame_per_step(tmp_path):
    out = tmp_path / "steps.gif"
    env = GridEnvironment(world="room", picture=out)
    d = env.execute("seq(pickup(ball(grey)), turn(left), drop)")
    env.export(d)
    with Image.open(out) as img:
        assert img.format == "GIF"
        assert img.n_frames == len(d.actions) + 1
        assert img.size == (8 * CELL, 8 * CELL)


def test_default_world_picture_is_cropped_to_the_path(tmp_path):
    out = tmp_path / "scan.png"
    env = GridEnvironment(picture=out)
    env.export(env.execute("twice(around(left, jump))"))
    with Image.open(out) as img:
        width, height = img.size
    assert width < FULL_VIEW * CELL and height < FULL_VIEW * CELL
    assert (width // CELL, height // CELL) == (7, 7)  # 3x3 cells of path + 2 margin a side


def test_picture_needs_png_or_gif():
    with pytest.raises(UsageError, match=r"--picture out.jpg: use a .png file"):
        GridEnvironment(picture="out.jpg")


def test_no_picture_asked_writes_nothing():
    env = GridEnvironment()
    assert env.export(env.execute("walk")) == []


def test_text_map_shows_walls_things_path_and_agent():
    env = GridEnvironment(world="two_rooms")
    assert env.render_text() == "\n".join(
        [
            "######################",
            "##. . . . ##. . . . ##",
            "##. . . . ##. . Br. ##",
            "##. > . . Dg. . . . ##",
            "##. . . . ##. . . . ##",
            "##Kb. . . ##. . Xp. ##",
            "######################",
        ]
    )
    after = env.render_text(env.execute("goto(ball(red))"))
    assert after.splitlines()[3] == "##. o o o Ogo o ^ . ##"  # door opened, facing the ball
