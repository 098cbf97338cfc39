"""SCAN: the loader, and the expressiveness of the grid language over SCAN's training file.

The expressiveness test translates every command of ``tasks_train_simple`` (16,728 lines)
with the reference translator in ``tests/scan_oracle.py`` and checks that the program's
trace equals the OUT side and that it has no more nodes than the command has words
(nodes as defined by ``grid_lang.program_size``: operators and tokens).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from scan_oracle import translate

from parseinstr import registry
from parseinstr.environments.grid_exec import run_program
from parseinstr.environments.grid_lang import program_size
from parseinstr.environments.scan import SCAN_ACTIONS, load_scan
from parseinstr.errors import DataError

from conftest import DATA, REPO

SCAN = DATA / "scan"
FULL = SCAN / "tasks_train_simple.txt.gz"


def test_every_scan_training_command_has_a_short_program():
    task = registry.get_task("scan").from_options(data=FULL)
    examples = task.examples()
    assert len(examples) == 16_728
    covered, worst, identical = 0, 0.0, []
    for example in examples:
        env = task.environment_for(example)
        program = translate(example.instruction)
        tree = env.parse(program)
        denotation = env.execute(program) if covered < 50 else None
        trace = tuple(run_program(env.world, tree, env.limits).actions)
        expected = task.expected_denotation(example, env)
        assert trace == expected.actions, (example.instruction, program)
        if denotation is not None:
            assert env.same_denotation(denotation, expected)
        words = len(example.instruction.split())
        size = program_size(tree)
        assert size <= words, (example.instruction, program, size)
        # CONVENTIONS: a command is not its own program. Only a one-word command ("walk")
        # and its program (the action walk) coincide; no longer command is even a program.
        if words > 1:
            assert not env.grammar().accepts(example.instruction), example.instruction
        elif program == example.instruction:
            identical.append(program)
        worst = max(worst, size / words)
        covered += 1
    assert covered == 16_728
    assert sorted(identical) == ["jump", "look", "walk"]  # "run" alone is not in this split
    assert worst == 1.0  # e.g. "walk" -> walk; most programs are shorter than their command


def test_oracle_lives_only_under_tests():
    package = [REPO / "parseinstr", REPO / "environments", REPO / "grammars"]
    for root in package:
        for path in root.rglob("*.py"):
            assert "scan_oracle" not in path.read_text(encoding="utf-8"), path


def test_sample_and_compressed_file_agree():
    sample = load_scan(SCAN / "sample.txt")
    assert len(sample) == 200
    full = load_scan(FULL)
    assert [e.instruction for e in sample] == [e.instruction for e in full[:200]]
    first = sample[0]
    assert first.instruction == "jump opposite right twice and turn opposite right thrice"
    assert first.expected == ("turn_right", "turn_right", "jump") * 2 + ("turn_right",) * 6
    assert first.logical_form is None


def test_scan_actions_map_onto_grid_primitives():
    assert set(SCAN_ACTIONS.values()) == {"walk", "run", "jump", "look", "turn_left", "turn_right"}


@pytest.mark.parametrize(
    "text, message",
    [
        ("walk OUT: I_WALK\n", "line 1: expected 'IN: <command> OUT: <actions>'"),
        ("IN: walk OUT: I_WALK\nIN: fly OUT: I_FLY\n", "line 2: unknown SCAN action 'I_FLY'"),
        ("IN: walk OUT: I_WALKK\n", "unknown SCAN action 'I_WALKK' (did you mean 'I_WALK'?)"),
        ("IN:  OUT: I_WALK\n", "line 1: the command after 'IN:' is empty"),
    ],
)
def test_malformed_scan_lines(tmp_path: Path, text, message):
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(DataError) as info:
        load_scan(path)
    assert message in str(info.value) and str(path) in str(info.value)


def test_missing_and_corrupt_files(tmp_path: Path):
    with pytest.raises(DataError, match="no such file"):
        load_scan(tmp_path / "none.txt")
    broken = tmp_path / "broken.txt.gz"
    broken.write_bytes(b"not gzip at all")
    with pytest.raises(DataError, match="cannot read it as SCAN text"):
        load_scan(broken)


def test_gzip_and_plain_text_read_the_same(tmp_path: Path):
    plain = (SCAN / "sample.txt").read_bytes()
    packed = tmp_path / "sample.txt.gz"
    packed.write_bytes(gzip.compress(plain))
    assert load_scan(packed) == load_scan(SCAN / "sample.txt")
