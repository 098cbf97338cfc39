"""Models side by side on one evaluation file: all tasks, and the tasks copy parts reach.

Copy parts (``--copy-parts``, :meth:`parseinstr.copying.CopyFrame.abstract`) let a value the
instruction names fill the letters or digits of a cell reference (``F`` and ``11`` of
``F11``). They can only matter for a task whose reference form changes under them (with
``names``, as training marks mentions); this script scores each model on every task and on
that subset, with greedy or beam search + execution, one n-best list per model and setting.
Prints a table and writes ``benchmarks/results/<results>.json``.

    python -m benchmarks.copy_parts_eval --task sheet --data TEST.jsonl --models A B \\
        [--beams 1 5] [--prefer-mentions] [--results copy_parts_eval]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from parseinstr import get_task
from parseinstr.copying import copy_frame
from parseinstr.evaluate import predict_and_score
from parseinstr.parser import Parser

from .common import results_path, run_metadata, write_results


def parts_reach(instruction: str, form: str, env: Any = None) -> bool:
    """Whether copy parts change how ``form`` is written for ``instruction``.

    Example:
        >>> parts_reach("Column F (rows 2 to 11): D minus C", "fill F2:F11 = D2-C2")
        True
        >>> parts_reach("Sum the Price column", "ask SUM([Price])")
        False
    """
    whole = copy_frame(instruction, env, names=True).abstract(form)
    return whole != copy_frame(instruction, env, names=True, parts=True).abstract(form)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--task", default="sheet")
    ap.add_argument("--data", type=Path, required=True, help="evaluation data with forms")
    ap.add_argument("--models", type=Path, nargs="+", required=True, help="trained folders")
    ap.add_argument("--beams", type=int, nargs="+", default=[5])
    ap.add_argument("--prefer-mentions", action="store_true")
    ap.add_argument("--results", default="copy_parts_eval")
    args = ap.parse_args(argv if argv is not None else sys.argv[1:])
    task = get_task(args.task).from_options(data=args.data)
    examples = task.examples()
    reached = {
        e.id
        for e in examples
        if e.logical_form and parts_reach(e.instruction, e.logical_form, task.environment_for(e))
    }
    results: dict[str, Any] = {
        **run_metadata("full", [sys.argv[0], *(argv if argv is not None else sys.argv[1:])]),
        "task": args.task,
        "data": str(args.data),
        "n": len(examples),
        "n_reached_by_parts": len(reached),
        "prefer_mentions": args.prefer_mentions,
        "scores": {},
    }
    print("| model | copy parts | setting | all | reached by parts | seconds |")
    print("|---|---|---|---|---|---|")
    for folder in args.models:
        parser = Parser.load(folder)
        for beams in args.beams:
            started = time.monotonic()
            rows = predict_and_score(
                parser,
                task,
                examples,
                beams,
                True,
                execution_guided=beams > 1,
                mentions=args.prefer_mentions,
            )
            setting = "constrained greedy" if beams == 1 else f"beam {beams} + execution"
            right = sum(r["correct"] for r in rows)
            right_reached = sum(r["correct"] for r in rows if r["id"] in reached)
            score = {
                "copy_parts": getattr(parser, "copy_parts", False),
                "execution_accuracy": right / len(rows),
                "reached_by_parts": right_reached / max(1, len(reached)),
                "right": right,
                "right_reached_by_parts": right_reached,
                "seconds": round(time.monotonic() - started, 1),
            }
            results["scores"][f"{folder} | {setting}"] = score
            print(
                f"| {folder} | {score['copy_parts']} | {setting} | {right}/{len(rows)} "
                f"({score['execution_accuracy']:.3f}) | {right_reached}/{len(reached)} "
                f"({score['reached_by_parts']:.3f}) | {score['seconds']} |"
            )
    results["summary"] = [
        {
            "metric": f"{args.task} execution accuracy ({args.data.name})",
            "setting": f"{name}{', copy parts' if s['copy_parts'] else ''}",
            "value": s["execution_accuracy"],
        }
        for name, s in results["scores"].items()
    ]
    write_results(results_path(args.results), results)
    return results


if __name__ == "__main__":
    main()
