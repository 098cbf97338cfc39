"""Execution accuracy of the bundled models (``environments/models``), decoded several ways.

The models ``parseinstr run`` and ``parseinstr demo`` use by default, each on the data it
was not trained on:

- sql: GeoQuery dev (49 questions) unconstrained greedy, grammar-constrained greedy, and
  constrained beam 5 + execution; our negation / rewording set
  (``benchmarks/data/geoquery_negation_rewording.json``, 84 questions) with beam 5 +
  execution, one row per tag;
- sheet: 200 freshly generated tasks (seed 7: the training phrasings on other sheets and
  values) and the hand-written tasks of ``environments/data/sheet/examples.jsonl``,
  constrained greedy and beam 5 + execution;
- grid: the seeded 10% of SCAN's simple training file the model held out while training
  (1,673 commands), constrained greedy.

    python -m benchmarks.bench_bundled [--quick] [--results NAME]

``--quick`` decodes the first 10 examples of each set. Prints a Markdown table and writes
``benchmarks/results/bundled.json`` (``bundled_quick.json`` with ``--quick``).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from parseinstr import get_environment, get_task
from parseinstr.bundled import default_model
from parseinstr.environment import Example, Task
from parseinstr.evaluate import evaluate_task
from parseinstr.parser import Parser
from parseinstr.training import split_validation

from .common import REPO, results_path, run_metadata, write_results

GEO = REPO / "environments" / "data" / "sql" / "geography" / "geography.json"
GEO_DB = GEO.with_name("geography.sqlite")
NEGATION = REPO / "benchmarks" / "data" / "geoquery_negation_rewording.json"
SHEET_HANDWRITTEN = REPO / "environments" / "data" / "sheet" / "examples.jsonl"
SCAN_TRAIN = REPO / "tests" / "data" / "scan" / "tasks_train_simple.txt.gz"

# (name, n_best, constrained, execution-guided)
UNCONSTRAINED_GREEDY = ("unconstrained greedy", 1, False, False)
GREEDY = ("constrained greedy", 1, None, False)
BEAM5 = ("constrained beam 5 + execution", 5, None, True)


def _score(
    parser: Parser,
    task: Task,
    examples: Sequence[Example],
    decoding: tuple[str, int, bool | None, bool],
) -> dict[str, Any]:
    """Accuracy of one decoding over ``examples`` (``evaluate_task``'s report), its time and
    the instructions it got wrong."""
    _, n_best, constrained, guided = decoding
    started = time.monotonic()
    report = evaluate_task(parser, task, n_best, constrained, guided, examples=examples)
    return {
        **{k: report[k] for k in ("execution_accuracy", "fails_to_execute", "n", "tags")},
        "seconds": round(time.monotonic() - started, 1),
        "wrong": [
            {"instruction": r["instruction"], "prediction": r["prediction"]}
            for r in report["examples"]
            if not r["correct"]
        ],
    }


def _sets(tmp: Path, quick: bool) -> list[tuple[str, str, Task, list[Example], list[tuple]]]:
    """(model environment, set name, task, examples, decodings) for every evaluation set."""
    sheet_file = tmp / "sheet_seed7.jsonl"
    rows = get_task("sheet").generate(200, 7)
    sheet_file.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    geo = get_task("text2sql").from_options(data=GEO, split="question", part="dev")
    negation = get_task("text2sql").from_options(data=NEGATION, db=GEO_DB)
    sheet = get_task("sheet").from_options(data=sheet_file)
    handwritten = get_task("sheet").from_options(data=SHEET_HANDWRITTEN)
    scan = get_task("scan").from_options(data=SCAN_TRAIN)
    _, scan_held = split_validation(scan.examples(), 0)
    sets = [
        ("sql", "GeoQuery dev", geo, geo.examples(), [UNCONSTRAINED_GREEDY, GREEDY, BEAM5]),
        ("sql", "negation / rewording", negation, negation.examples(), [BEAM5]),
        ("sheet", "200 generated (seed 7)", sheet, sheet.examples(), [GREEDY, BEAM5]),
        ("sheet", "hand-written", handwritten, handwritten.examples(), [GREEDY, BEAM5]),
        ("grid", "SCAN simple, held-out 10%", scan, scan_held, [GREEDY]),
    ]
    limit = 10 if quick else None
    return [(m, name, t, list(ex[:limit]), d) for m, name, t, ex, d in sets]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Evaluate every bundled model, print the table, write the results file."""
    argv = sys.argv[1:] if argv is None else list(argv)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10 examples per set")
    ap.add_argument("--results", default=None, help="results file name")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    mode = "quick" if args.quick else "full"
    results: dict[str, Any] = {**run_metadata(mode, ["bench_bundled", *argv]), "sets": []}
    summary: list[dict[str, Any]] = []
    parsers: dict[str, Parser] = {}
    print("| model | data | decoding | exec. acc. | fails | n | seconds |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for env_name, set_name, task, examples, decodings in _sets(Path(tmp), args.quick):
            if env_name not in parsers:
                folder = default_model(get_environment(env_name))
                parsers[env_name] = Parser.load(folder)
                # From the repository or from an installed copy: named the same either way.
                results.setdefault("models", {})[env_name] = "/".join(folder.parts[-3:])
            for decoding in decodings:
                score = _score(parsers[env_name], task, examples, decoding)
                results["sets"].append(
                    {"model": env_name, "data": set_name, "decoding": decoding[0], **score}
                )
                setting = f"bundled {env_name} model, {decoding[0]}"
                summary.append(
                    {
                        "metric": f"execution accuracy, {set_name}",
                        "setting": setting,
                        "value": score["execution_accuracy"],
                        "n": score["n"],
                    }
                )
                for tag, row in sorted(score["tags"].items()):
                    if set_name.startswith("negation"):
                        summary.append(
                            {
                                "metric": f"execution accuracy, {set_name}: {tag}",
                                "setting": setting,
                                "value": row["execution_accuracy"],
                                "n": row["n"],
                            }
                        )
                print(
                    f"| {env_name} | {set_name} | {decoding[0]} | "
                    f"{score['execution_accuracy']:.3f} | {score['fails_to_execute']:.3f} | "
                    f"{score['n']} | {score['seconds']} |",
                    flush=True,
                )
    results["summary"] = summary
    name = args.results or ("bundled_quick" if args.quick else "bundled")
    write_results(results_path(name), results)
    return results


if __name__ == "__main__":
    main()
