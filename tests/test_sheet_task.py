"""The ``sheet`` task: the JSONL format, its loader, and the generator of training tasks."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from parseinstr.check import check_task
from parseinstr.environments.sheet import SheetEnvironment
from parseinstr.environments.sheet_lf import build, to_form
from parseinstr.environments.sheet_task import SheetTask
from parseinstr.errors import DataError, UsageError
from parseinstr.registry import get_task

N = 300


@pytest.fixture(scope="module")
def generated() -> list[dict]:
    return SheetTask.generate(N, seed=0)


@pytest.fixture(scope="module")
def generated_file(generated: list[dict], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sheet") / "tasks.jsonl"
    path.write_text("".join(json.dumps(t) + "\n" for t in generated))
    return path


def test_generate_is_reproducible_by_seed(generated: list[dict]) -> None:
    assert len(generated) == N
    assert SheetTask.generate(40, seed=0) == generated[:40]
    assert SheetTask.generate(40, seed=1) != generated[:40]
    assert len({t["id"] for t in generated}) == N


def test_generated_tasks_cover_kinds_tables_and_phrasings(generated: list[dict]) -> None:
    kinds = Counter(t["kind"] for t in generated)
    assert len(kinds) >= 25
    questions = {t["kind"] for t in generated if "answer" in t["expected"]}
    commands = {t["kind"] for t in generated if "cells" in t["expected"]}
    assert len(questions) >= 12 and len(commands) >= 12
    assert len({t["topic"] for t in generated}) >= 6
    for t in generated:
        assert re.fullmatch(rf"{t['kind']}/[a-z]*\d+", t["template"]), t["template"]
    phrasings = {k: {t["template"] for t in generated if t["kind"] == k} for k in kinds}
    assert sum(len(p) > 1 for p in phrasings.values()) >= 25
    tags = Counter(tag for t in generated for tag in t["tags"])
    for tag in ("negation", "superlative", "by_letter", "number_words", "date", "boolean"):
        assert tags[tag] > 0, tag
    more = SheetTask.generate(1500, seed=0)  # forty phrasings a list: words need a bigger sample
    negations = [t["instruction"] for t in more if "negation" in t["tags"]]
    for word in ("not", "except", "other than", "neither"):
        assert any(word in s.lower() for s in negations), word


def test_every_kind_has_many_phrasings() -> None:
    """Held-out-phrasing splits leave a kind its other templates: with few, a parser cannot
    learn what varies in the wording."""
    from parseinstr.environments.sheet_gen_core import KINDS

    tasks = SheetTask.generate(4000, seed=3)
    per_kind = Counter(t["kind"] for t in tasks)
    templates = {k: {t["template"] for t in tasks if t["kind"] == k} for k in per_kind}
    assert set(per_kind) == set(KINDS)
    assert min(len(v) for v in templates.values()) >= 8, min(
        templates.items(), key=lambda kv: len(kv[1])
    )


def test_every_phrasing_list_has_forty_templates() -> None:
    """Every ``ctx.pick`` list of the generator holds at least forty distinct templates (a
    quarter of them held out still leaves thirty to learn the kind's wording from)."""
    import ast

    from parseinstr.environments import sheet_gen_commands, sheet_gen_questions

    for module in (sheet_gen_questions, sheet_gen_commands):
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        lists = [
            [ast.literal_eval(e) for e in node.args[0].elts]
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and getattr(node.func, "attr", "") == "pick"
            and node.args
            and isinstance(node.args[0], ast.List)
        ]
        assert len(lists) >= 25
        for templates in lists:
            assert len({t.lower() for t in templates}) == len(templates) >= 40, templates[0]


def test_column_names_read_naturally_in_instructions(generated: list[dict]) -> None:
    from parseinstr.environments.sheet_gen_core import tidy

    assert tidy("What is Vera's the Age column?") == "What is Vera's Age?"
    assert tidy("Rows whose the Date column is in May") == "Rows whose Date is in May"
    assert tidy("Change the the Age column of Vera") == "Change the Age of Vera"
    assert tidy("Sort the Rain column.") == "Sort the Rain column."
    assert tidy("Total the Low column.") == "Total the Low column."
    assert tidy("What is the total the Amount column?") == "What is the total Amount?"
    assert tidy("How many unique the Author column values?") == "How many unique Author values?"
    assert tidy("What's the least the Reorder Level column?") == "What's the least Reorder Level?"
    # A contraction is no possessive; "maximum" reads like the other superlatives.
    assert tidy("What's the median value in column C?") == "What's the median value in column C?"
    assert tidy("Find the maximum the Salary column.") == "Find the maximum Salary."
    for t in SheetTask.generate(2000, seed=5):
        assert not re.search(r"\b(the|whose|most|least|maximum) the\b", t["instruction"]), t
        lost_the = r"\bWhat's (median|number|largest|smallest|highest|lowest|average|total|sum)\b"
        assert not re.search(lost_the, t["instruction"]), t


def test_generated_sheets_have_text_numbers_booleans_and_dates(generated: list[dict]) -> None:
    values = [v for t in generated for v in t["sheet"]["cells"].values()]
    assert any(isinstance(v, bool) for v in values)
    assert any(isinstance(v, float) for v in values)
    assert any(isinstance(v, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", v) for v in values)
    assert any(isinstance(v, str) and v.startswith("=") for v in values)


def test_gold_forms_parse_execute_and_match(generated_file: Path) -> None:
    report = check_task(get_task("sheet")(data=generated_file))
    assert report["failures"] == []
    assert report["accept"] == report["execute"] == report["match"] == 1.0
    assert report["counts"]["with_expected"] == N


def test_gold_forms_are_canonical(generated: list[dict]) -> None:
    for t in generated:
        env = SheetEnvironment.from_cells(t["sheet"]["cells"])
        assert to_form(build(env.parse(t["logical_form"]))) == t["logical_form"]


def test_check_notices_wrong_expectations(generated: list[dict], tmp_path: Path) -> None:
    wrong = []
    for t in generated[:60]:
        t = json.loads(json.dumps(t))
        if "answer" in t["expected"]:
            t["expected"]["answer"] = "surely not this"
        else:
            t["expected"]["cells"]["ZZ999"] = 1
        wrong.append(t)
    path = tmp_path / "wrong.jsonl"
    path.write_text("".join(json.dumps(t) + "\n" for t in wrong))
    report = check_task(SheetTask(data=path))
    assert report["match"] == 0.0


def _line(**fields: object) -> str:
    task = {
        "id": "t1",
        "instruction": "Put the total in C4",
        "sheet": {"cells": {"A1": "Units", "A2": 3, "A3": 4, "B2": "=A2*2"}},
        "logical_form": "set C4 = SUM([Units])",
        "expected": {"cells": {"C4": 7}},
    }
    task.update(fields)
    return json.dumps(task)


def _load(tmp_path: Path, *lines: str) -> SheetTask:
    path = tmp_path / "data.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return SheetTask(data=path)


def test_loader_reads_the_format(tmp_path: Path) -> None:
    task = _load(tmp_path, _line(), "", _line(id="t2", expected={"answer": [3, 4]}, tags=["x"]))
    examples = task.examples()
    assert [e.id for e in examples] == ["t1", "t2"] and examples[1].tags == ("x",)
    report = check_task(task)
    assert report["match"] == 0.5  # t2's gold form sets C4, not an answer


@pytest.mark.parametrize(
    ("expected", "matches"),
    [
        ({"cells": {"C4": 7}}, True),
        ({"cells": {"C4": 7.0000001, "A2": 3}}, True),  # unchanged cells may be listed
        ({"cells": {"C4": "=SUM(A2:A3)"}}, True),  # a formula is compared as a formula
        ({"cells": {"C4": "=A2+A3"}}, False),
        ({"cells": {"C4": 7, "A3": None}}, False),  # A3 must be empty
        ({"cells": {"C4": 8}}, False),
        ({"cells": {}}, False),  # C4 changed although nothing was expected to
        ({"answer": 7}, False),
    ],
)
def test_expected_cells_semantics(tmp_path: Path, expected: dict, matches: bool) -> None:
    report = check_task(_load(tmp_path, _line(expected=expected)))
    assert report["match"] == (1.0 if matches else 0.0), report["failures"]


def test_clearing_matches_null(tmp_path: Path) -> None:
    line = _line(logical_form="clear A2", expected={"cells": {"A2": None, "B2": 0}})
    assert check_task(_load(tmp_path, line))["match"] == 1.0


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "expected a JSON object"),
        (_line(instruction=None), "'instruction'"),
        (_line(sheet={"cells": {"1A": 3}}), "not a cell address"),
        (_line(sheet={"cells": {"A1": [1]}}), "not a number, text or boolean"),
        (_line(expected={"rows": []}), "'expected' must be"),
        (_line(expected={"answer": {"x": 1}}), "not a cell value"),
        (_line(tags="negation"), "'tags'"),
    ],
)
def test_loader_errors_name_the_line(tmp_path: Path, line: str, message: str) -> None:
    with pytest.raises(DataError, match=re.escape(message)) as exc:
        _load(tmp_path, _line(id="ok"), line)
    assert "data.jsonl:2" in str(exc.value)


def test_loader_refuses_missing_file_and_duplicate_ids(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file"):
        SheetTask(data=tmp_path / "none.jsonl")
    with pytest.raises(DataError, match="appears twice"):
        _load(tmp_path, _line(), _line())
    with pytest.raises(UsageError, match="--data"):
        SheetTask()
