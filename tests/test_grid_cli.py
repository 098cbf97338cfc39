"""``parseinstr execute grid`` and ``check scan``: output, JSON, pictures, one-line errors."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from parseinstr.cli import main

from conftest import DATA


def run(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_execute_prints_trace_state_and_map(capsys):
    code, out, err = run(capsys, "execute", "grid", "seq(twice(around(left, jump)), walk)")
    assert code == 0, err
    assert "17 actions" in out
    assert "turn_left jump turn_left jump" in out
    assert "agent at (101, 100) facing east, carrying nothing" in out
    assert "o . o" in out  # the path on the map


def test_execute_json(capsys):
    code, out, err = run(
        capsys, "execute", "grid", "pickup(ball(red))", "--world", "room", "--json"
    )
    assert code == 0, err
    result = json.loads(out)
    assert result["environment"] == "grid"
    den = result["denotation"]
    assert den["actions"][-1] == "pickup"
    assert den["final"]["agent"]["carrying"] == {"type": "ball", "colour": "red"}
    assert den["path"][0] == [1, 1, "east"]
    assert result["outputs"] == []


def test_execute_with_world_file_and_picture(capsys, tmp_path):
    world = tmp_path / "w.json"
    world.write_text(
        json.dumps(
            {
                "map": ["#####", "#...#", "#####"],
                "agent": {"pos": [1, 1]},
                "objects": [{"type": "key", "colour": "blue", "pos": [3, 1]}],
            }
        )
    )
    png = tmp_path / "out" / "path.png"
    code, out, err = run(capsys, "execute", "grid", "goto(key)", "--world", world, "--picture", png)
    assert code == 0, err
    assert f"wrote {png}" in out
    with Image.open(png) as img:
        assert img.format == "PNG" and img.size == (5 * 32, 3 * 32)


def test_execute_gif_with_json(capsys, tmp_path):
    gif = tmp_path / "steps.gif"
    code, out, err = run(capsys, "execute", "grid", "twice(walk)", "--picture", gif, "--json")
    assert code == 0, err
    assert json.loads(out)["outputs"] == [str(gif)]
    with Image.open(gif) as img:
        assert img.n_frames == 3


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["execute", "grid", "seq(walk"],
            "error: not a valid grid logical form: unexpected end of input at line 1",
        ),
        (["execute", "grid", "walk left"], "at line 1, column 6"),
        (["execute", "grid", "goto(ball)"], "error: goto(ball): there is no ball in the world"),
        (["execute", "grid", "goto(ball(green))", "--world", "room"], "there is no green ball"),
        (
            ["execute", "grid", "walk", "--world", "{bad}"],
            "objects[0].colour: unknown colour 'pruple' (did you mean 'purple'?)",
        ),
        (["execute", "grid", "walk", "--world", "/nonexistent/w.json"], "no such file"),
        (["execute", "grid", "walk", "--picture", "x.jpg"], "use a .png file"),
        (
            ["execute", "grid", "walk", "--db", "x.sqlite"],
            "--db does not apply to environment 'grid'",
        ),
        (["execute", "gird", "walk"], "Did you mean 'grid'"),
        (["execute", "grid", "repeat(20000, walk)"], "max_steps"),
        (["check", "scan", "--data", "/nonexistent.txt"], "no such file"),
    ],
)
def test_errors_are_one_line(capsys, tmp_path, args, message):
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "size": [3, 3],
                "agent": {"pos": [0, 0]},
                "objects": [{"type": "ball", "colour": "pruple", "pos": [1, 1]}],
            }
        )
    )
    code, out, err = run(capsys, *[a.replace("{bad}", str(bad)) for a in args])
    assert code != 0
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err and "internal error" not in err


def test_check_scan_sample(capsys, tmp_path):
    report = tmp_path / "report.json"
    code, out, err = run(
        capsys, "check", "scan", "--data", DATA / "scan" / "sample.txt", "--json", report
    )
    assert code == 0, err
    data = json.loads(report.read_text())
    assert data["counts"] == {"no_gold": 200}  # SCAN has no gold programs
    assert data["failures"] == []
