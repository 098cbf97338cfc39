"""``parseinstr check``: replay a task's gold logical forms through grammar and executor.

Reports, over the examples that carry a gold form, the share the specialised grammar
accepts, the share that executes, the share with a non-empty denotation, the share whose
denotation matches the expected one (where examples carry one) and any environment
cross-check (a second SQL backend), with every failure and its reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from .environment import Task
from .errors import ExecutionError, ParseError, ParseInstrError


def _share(k: int, n: int) -> float:
    return k / n if n else 0.0


def check_task(
    task: Task, progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None
) -> dict[str, Any]:
    """Replay gold logical forms of ``task`` and return the report (CONVENTIONS keys)."""
    counts: Counter[str] = Counter()
    failures: list[dict[str, Any]] = []
    cross: dict[str, Counter[str]] = {}
    corrupted: dict[str, Counter[str]] = {}
    examples = task.examples()
    iterable: Iterable[Any] = progress(examples) if progress else examples
    for example in iterable:
        if example.logical_form is None:
            counts["no_gold"] += 1
            continue
        counts["gold"] += 1
        form = example.logical_form

        def fail(stage: str, reason: str, ex=example, form=form) -> None:
            failures.append({"id": ex.id, "stage": stage, "logical_form": form, "reason": reason})

        try:
            env = task.environment_for(example)
            env.parse(form)
        except ParseError as exc:
            fail("accept", str(exc))
            continue
        except ParseInstrError as exc:
            fail("environment", str(exc))
            continue
        counts["accept"] += 1
        _check_corruptions(env, form, corrupted)
        try:
            denotation = env.execute(form)
        except (ExecutionError, ParseError) as exc:
            fail("execute", f"{type(exc).__name__}: {exc}")
            continue
        counts["execute"] += 1
        if not denotation.is_empty():
            counts["nonempty"] += 1
        try:
            expected = task.expected_denotation(example, env)
        except ParseInstrError as exc:
            fail("expected", str(exc))
            expected = None
        if expected is not None:
            counts["with_expected"] += 1
            if env.same_denotation(denotation, expected):
                counts["match"] += 1
            else:
                fail("match", f"got {denotation.to_json()!r}, expected {expected.to_json()!r}")
        result = env.crosscheck(form, denotation)
        if result is not None:
            c = cross.setdefault(result.name, Counter())
            if not result.compared:
                c["not_compared"] += 1
                fail(f"crosscheck:{result.name}", result.reason or "did not run")
            else:
                c["compared"] += 1
                c["agree"] += result.agree
                c["nonempty_compared"] += result.nonempty
                if not result.agree:
                    fail(f"crosscheck:{result.name}", result.reason or "denotations differ")
    task.close()
    gold = counts["gold"]
    report: dict[str, Any] = {
        "accept": _share(counts["accept"], gold),
        "execute": _share(counts["execute"], gold),
        "nonempty": _share(counts["nonempty"], gold),
        "counts": dict(counts),
        "failures": failures,
    }
    if counts["with_expected"]:
        report["match"] = _share(counts["match"], counts["with_expected"])
    for name, c in cross.items():
        report[f"crosscheck_{name}"] = {
            "agree": _share(c["agree"], c["compared"]),
            "compared": c["compared"],
            "nonempty_compared": c["nonempty_compared"],
            "not_compared": c["not_compared"],
        }
    if corrupted:
        report["corrupted"] = {
            kind: {
                "n": c["n"],
                "rejected_by_grammar": _share(c["grammar"], c["n"]),
                "rejected_by_grammar_or_executor": _share(c["either"], c["n"]),
            }
            for kind, c in sorted(corrupted.items())
        }
    return report


def _check_corruptions(env: Any, form: str, corrupted: dict[str, Counter[str]]) -> None:
    """Count, per kind, corrupted variants of ``form`` rejected by grammar or executor."""
    for kind, bad in env.corruptions(form):
        c = corrupted.setdefault(kind, Counter())
        c["n"] += 1
        if not env.grammar().accepts(bad):
            c["grammar"] += 1
            c["either"] += 1
            continue
        try:
            env.execute(bad)
        except ParseInstrError:
            c["either"] += 1
