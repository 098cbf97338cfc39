"""``parseinstr evaluate``: execution accuracy of a parser on a task, per tag.

An example is correct when the chosen logical form executes to the expected denotation:
the task's own (sheet cells, SCAN actions) or, failing that, the gold form's. Exact match
is reported where gold forms exist. The report keys follow CONVENTIONS.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from .copying import mention_frame
from .environment import Denotation, Environment, Example, Task
from .errors import ParseInstrError
from .parser import Alternative, Parser, select_by_execution


def _normalise_form(form: str) -> str:
    return " ".join(form.replace(";", " ").split()).lower()


def expected_of(task: Task, example: Example) -> Denotation | None:
    """The expected denotation: the task's, else the gold form's (None if neither runs)."""
    env = task.environment_for(example)
    try:
        expected = task.expected_denotation(example, env)
        if expected is None and example.logical_form:
            with env.isolated():
                expected = env.execute(example.logical_form)
    except ParseInstrError:
        return None
    return expected


def gives_expected(env: Environment, alt: Alternative | None, expected: Denotation | None) -> bool:
    """Whether ``alt`` ran to the expected denotation (False when either is missing)."""
    return bool(
        alt is not None
        and alt.denotation is not None
        and expected is not None
        and env.same_denotation(alt.denotation, expected)
    )


def predict_and_score(
    parser: Parser,
    task: Task,
    examples: Sequence[Example],
    n_best: int = 1,
    constrained: bool | None = None,
    execution_guided: bool = False,
    batch_size: int = 32,
    doubts: bool = True,
    mentions: bool = False,
) -> list[dict[str, Any]]:
    """One row per example: prediction, its denotation or error, and whether it is right.
    ``mentions``: execution-guided selection prefers the candidate that writes the most of
    the instruction's mentions (:func:`parseinstr.parser.select_by_execution`)."""
    rows = []
    for i in range(0, len(examples), batch_size):
        chunk = list(examples[i : i + batch_size])
        envs = [task.environment_for(e) for e in chunk]
        nbest = parser.parse_batch([e.instruction for e in chunk], envs, n_best, constrained)
        for example, env, cands in zip(chunk, envs, nbest, strict=True):
            pool = cands if execution_guided else cands[:1]
            frame = mention_frame(example.instruction, env) if mentions else None
            best, alts, ambiguous = select_by_execution(env, pool, doubts=doubts, mentions=frame)
            chosen = alts[best] if best is not None else (alts[0] if alts else None)
            expected = expected_of(task, example)
            correct = gives_expected(env, chosen, expected)
            # Whether any candidate selection saw gives the expected result: the headroom
            # of selection over search.
            reachable = correct or any(gives_expected(env, a, expected) for a in alts)
            rows.append(
                {
                    "id": example.id,
                    "instruction": example.instruction,
                    "prediction": chosen.form if chosen else None,
                    "gold": example.logical_form,
                    "denotation": chosen.denotation.to_json()
                    if chosen and chosen.denotation is not None
                    else None,
                    "error": chosen.error if chosen else "no candidate",
                    "correct": correct,
                    "exact_match": bool(
                        example.logical_form
                        and chosen
                        and _normalise_form(chosen.form) == _normalise_form(example.logical_form)
                    ),
                    "ambiguous": ambiguous,
                    "tags": list(example.tags),
                    "fails_to_execute": chosen is None or chosen.denotation is None,
                    "reachable": reachable,
                }
            )
    return rows


def evaluate_task(
    parser: Parser,
    task: Task,
    n_best: int = 5,
    constrained: bool | None = None,
    execution_guided: bool = True,
    doubts: bool = True,
    mentions: bool = False,
    examples: Sequence[Example] | None = None,
) -> dict[str, Any]:
    """The evaluation report (``execution_accuracy``, ``exact_match``, ``n``, ``tags``, ...);
    ``doubts=False``: execution-guided selection without the environment's doubts;
    ``mentions``: it prefers the candidate using the most of the instruction's mentions;
    ``examples``: those of the task to evaluate (default: all of them)."""
    examples = task.examples() if examples is None else examples
    rows = predict_and_score(
        parser,
        task,
        examples,
        n_best,
        constrained,
        execution_guided,
        doubts=doubts,
        mentions=mentions,
    )
    n = len(rows)
    report: dict[str, Any] = {
        "execution_accuracy": sum(r["correct"] for r in rows) / n if n else 0.0,
        "n": n,
        "fails_to_execute": sum(r["fails_to_execute"] for r in rows) / n if n else 0.0,
    }
    if execution_guided:
        # Share of examples whose n-best holds a candidate with the expected result.
        report["n_best_oracle"] = sum(r["reachable"] for r in rows) / n if n else 0.0
    if any(e.logical_form for e in examples):
        report["exact_match"] = sum(r["exact_match"] for r in rows) / n if n else 0.0
    tags: dict[str, list[bool]] = defaultdict(list)
    for r in rows:
        for tag in r["tags"]:
            tags[tag].append(r["correct"])
    report["tags"] = {
        t: {"n": len(v), "execution_accuracy": sum(v) / len(v)} for t, v in sorted(tags.items())
    }
    report["examples"] = rows
    return report
