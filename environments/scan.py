"""The ``scan`` task: SCAN commands (Lake and Baroni, 2018) run in the grid world.

A data file (``.txt``, or ``.txt.gz`` compressed) has one example per line::

    IN: jump opposite left twice OUT: I_TURN_LEFT I_TURN_LEFT I_JUMP I_TURN_LEFT I_TURN_LEFT I_JUMP

SCAN's action words map onto the grid's primitive actions (:data:`SCAN_ACTIONS`). An
example's denotation is its action sequence, compared exactly with the trace of a program
run in the default open grid (it has no final state, so only the trace counts). SCAN has
no gold programs: ``logical_form`` is None and a parser learns from the denotations.
Splits are separate files (``--data tasks_train_simple.txt``).
"""

from __future__ import annotations

import difflib
import gzip
from pathlib import Path
from typing import ClassVar

from parseinstr.environment import Example, Task
from parseinstr.errors import DataError
from parseinstr.registry import register_task

from .grid import GridEnvironment
from .grid_denotation import GridDenotation

#: SCAN action word -> grid primitive action.
SCAN_ACTIONS: dict[str, str] = {
    "I_WALK": "walk",
    "I_RUN": "run",
    "I_JUMP": "jump",
    "I_LOOK": "look",
    "I_TURN_LEFT": "turn_left",
    "I_TURN_RIGHT": "turn_right",
}


def _read_lines(path: Path) -> list[str]:
    try:
        if path.name.endswith(".gz"):
            with gzip.open(path, "rt", encoding="utf-8") as f:
                return f.read().splitlines()
        return path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise DataError(f"--data {path}: no such file") from None
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise DataError(f"--data {path}: cannot read it as SCAN text ({exc})") from None


def parse_scan_line(line: str, where: str) -> tuple[str, tuple[str, ...]]:
    """The command and the grid actions of one ``IN: ... OUT: ...`` line.

    Raises:
        DataError: the line is not in the format or names an unknown action (``where``
            says which file and line).
    """
    if not line.startswith("IN:") or " OUT:" not in line:
        raise DataError(f"{where}: expected 'IN: <command> OUT: <actions>', got {line[:60]!r}")
    command, _, out = line[3:].partition(" OUT:")
    command = " ".join(command.split())
    if not command:
        raise DataError(f"{where}: the command after 'IN:' is empty")
    actions = []
    for word in out.split():
        if word not in SCAN_ACTIONS:
            close = difflib.get_close_matches(word, SCAN_ACTIONS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise DataError(f"{where}: unknown SCAN action {word!r}{hint}")
        actions.append(SCAN_ACTIONS[word])
    return command, tuple(actions)


def load_scan(path: str | Path) -> list[Example]:
    """Examples of a SCAN file (``.txt`` or ``.txt.gz``), one per non-empty line.

    Raises:
        DataError: the file is missing, unreadable, or a line is malformed (named).
    """
    path = Path(path)
    examples = []
    for number, line in enumerate(_read_lines(path), start=1):
        if not line.strip():
            continue
        command, actions = parse_scan_line(line.strip(), f"--data {path}: line {number}")
        examples.append(
            Example(
                id=str(number),
                instruction=command,
                logical_form=None,
                expected=actions,
                instance_key="default",
            )
        )
    return examples


@register_task
class ScanTask(Task):
    """SCAN commands with their action sequences; no gold programs.

    Args:
        data: a SCAN split file, ``.txt`` or ``.txt.gz``.
    """

    name: ClassVar[str] = "scan"
    environment: ClassVar[str] = "grid"
    option_names: ClassVar[tuple[str, ...]] = ("data",)

    def __init__(self, data: str | Path) -> None:
        self.data = Path(data)
        self._env: GridEnvironment | None = None

    def examples(self) -> list[Example]:
        return load_scan(self.data)

    def environment_for(self, example: Example) -> GridEnvironment:
        """The default open grid, shared by every example."""
        if self._env is None:
            self._env = GridEnvironment()
        return self._env

    def expected_denotation(self, example: Example, env: object) -> GridDenotation:
        """The example's action sequence as a denotation without a final state."""
        return GridDenotation(tuple(example.expected))
