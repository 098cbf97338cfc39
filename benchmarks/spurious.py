"""How many remembered forms are spurious: the right result on their example for the wrong
reason.

A form that a learner from denotations remembered is compared with the example's reference
form (read here for the report only; the learner never saw it): *equal* when written the
same, *equivalent* when the two agree on the example's instance and on fictitious
instances of its schema (``parseinstr.worlds``: other data, same headers or tables), and
*spurious* when they part somewhere. Counting every form written unlike the reference as
wrong overstates the problem (``SUM([Science])`` for ``SUM(D2:D6)``); this separates the
two.

    python -m benchmarks.spurious --task sheet --data train.jsonl --memory memory.json.gz
    python -m benchmarks.spurious --task text2sql --data GEO --part train --memory memory.json

Prints a table and writes ``benchmarks/results/spurious_<name>.json``.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parseinstr.environment import Environment
from parseinstr.io import read_json
from parseinstr.registry import get_task
from parseinstr.worlds import same_meaning

from .common import RESULTS, run_metadata, write_results

VERDICTS = ("equal", "equivalent", "spurious", "unknown")


@dataclass(frozen=True)
class Remembered:
    """One remembered form beside its example's reference form."""

    id: str
    instruction: str
    form: str
    reference: str
    env: Environment
    tags: tuple[str, ...] = ()


def verdict(item: Remembered, worlds: int = 8, seed: int = 0) -> str:
    """``equal``, ``equivalent``, ``spurious`` or ``unknown`` (no fictitious instances)."""
    if " ".join(item.form.split()) == " ".join(item.reference.split()):
        return "equal"
    same = same_meaning(item.env, item.form, item.reference, worlds, seed)
    if same is None:
        return "unknown"
    return "equivalent" if same else "spurious"


def classify(items: Iterable[Remembered], worlds: int = 8, sample: int = 12) -> dict[str, Any]:
    """Counts of each verdict, overall and by tag, with samples of spurious and
    equivalent forms."""
    counts: Counter[str] = Counter()
    by_tag: dict[str, Counter[str]] = defaultdict(Counter)
    kept: dict[str, list[dict[str, str]]] = {"spurious": [], "equivalent": []}
    for item in items:
        v = verdict(item, worlds)
        counts[v] += 1
        for tag in item.tags:
            by_tag[tag][v] += 1
        if v in kept:
            kept[v].append(
                {
                    "instruction": item.instruction,
                    "remembered": item.form,
                    "reference": item.reference,
                }
            )
    out: dict[str, Any] = {v: counts[v] for v in VERDICTS}
    out["remembered"] = sum(counts.values())
    out["worlds"] = worlds
    out["by_tag"] = {t: {v: c[v] for v in VERDICTS if c[v]} for t, c in sorted(by_tag.items())}
    for v, rows in kept.items():
        step = max(1, len(rows) // sample)
        out[f"sample_{v}"] = rows[::step][:sample]
    return out


def remembered_items(task: Any, memory: dict[str, Any]) -> list[Remembered]:
    """The memory's searched forms (gold ones left out) beside their examples' references.

    Reads both memory files: self-training's (id -> {"form", "source"}) and the search
    learner's (``{"forms": {id: [form rows, the one retrained on first]}}``).
    """
    if isinstance(memory.get("forms"), dict):  # the search learner's memory
        memory = {k: rows[0] for k, rows in memory["forms"].items() if rows}
    items = []
    for example in task.examples():
        entry = memory.get(str(example.id))
        if entry is None or entry.get("source") == "gold" or not example.logical_form:
            continue
        form = entry["form"]
        items.append(
            Remembered(
                str(example.id),
                example.instruction,
                form,
                example.logical_form,
                task.environment_for(example),
                tuple(example.tags),
            )
        )
    return items


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--task", required=True, help="sheet, text2sql, ...")
    ap.add_argument("--data", required=True, help="the task's data (GEO: the bundled GeoQuery)")
    ap.add_argument("--part", default=None, help="text2sql: train, dev or test")
    ap.add_argument("--memory", type=Path, required=True, help="memory.json or .json.gz")
    ap.add_argument("--worlds", type=int, default=8, help="fictitious instances per form")
    ap.add_argument("--name", default=None, help="results file: spurious_<name>.json")
    args = ap.parse_args(argv if argv is not None else sys.argv[1:])
    options: dict[str, Any] = {"data": args.data}
    if args.data == "GEO":
        from .bench_synthetic import GEO

        options["data"] = GEO
    if args.part:
        options["part"] = args.part
    task = get_task(args.task).from_options(**options)
    memory = read_json(args.memory)
    report = classify(remembered_items(task, memory), args.worlds)
    results = {
        **run_metadata("full", [sys.argv[0], *(argv or sys.argv[1:])]),
        "task": args.task,
        "memory": str(args.memory),
        **report,
    }
    setting = f"{args.task} memory {args.memory.name}, {args.worlds} fictitious instances"
    results["summary"] = [
        {"metric": f"remembered forms {v}", "setting": setting, "value": report[v]}
        for v in ("remembered", *VERDICTS[:3])
    ] + [
        {
            "metric": "spurious share",
            "setting": setting,
            "value": round(report["spurious"] / max(report["remembered"], 1), 4),
        }
    ]
    print(f"| {args.task} memory | " + " | ".join(VERDICTS) + " | remembered |")
    print("|---|" + "---|" * (len(VERDICTS) + 1))
    print(
        f"| {args.memory.name} | "
        + " | ".join(str(report[v]) for v in VERDICTS)
        + f" | {report['remembered']} |"
    )
    name = args.name or args.memory.parent.name
    path = RESULTS / f"spurious_{name}.json"
    write_results(path, results)
    return results


if __name__ == "__main__":
    main()
