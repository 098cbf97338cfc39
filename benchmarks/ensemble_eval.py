"""Trained models alone and pooled, on one evaluation file, in one run.

Members trained apart (for example ``bench_sheet --seed 1``, ``--seed 2`` on the same
split) are copied into an ensemble (:func:`parseinstr.ensemble.assemble`); each member and
the ensemble are evaluated with constrained beam search + execution, the ensemble also
with greedy members. Prints a table and writes ``benchmarks/results/<results>.json``.

    python -m benchmarks.ensemble_eval --task sheet --data TEST.jsonl --models A B C \\
        [--beams 5] [--prefer-mentions] [--results sheet_ensemble3] [--out runs/bench_ensemble]

``--prefer-mentions``: execution-guided selection prefers the candidate that writes the
most of the instruction's mentions (``evaluate --prefer-mentions``), for every row.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from parseinstr import get_task
from parseinstr.ensemble import EnsembleParser, assemble
from parseinstr.evaluate import evaluate_task
from parseinstr.parser import Parser

from .common import results_path, run_metadata, write_results


def _score(parser: Parser, task: Any, beams: int, mentions: bool = False) -> dict[str, Any]:
    started = time.monotonic()
    report = evaluate_task(parser, task, beams, mentions=mentions)
    return {
        "execution_accuracy": report["execution_accuracy"],
        "fails_to_execute": report["fails_to_execute"],
        "n": report["n"],
        "seconds": round(time.monotonic() - started, 1),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--task", required=True, help="sheet, text2sql, scan, ...")
    ap.add_argument("--data", type=Path, required=True, help="evaluation data file")
    ap.add_argument("--models", type=Path, nargs="+", required=True, help="trained folders")
    ap.add_argument("--db", type=Path, default=None, help="database (text2sql)")
    ap.add_argument("--beams", type=int, default=5)
    ap.add_argument(
        "--prefer-mentions",
        action="store_true",
        help="selection prefers the candidate using most of the instruction's mentions",
    )
    ap.add_argument("--results", default="ensemble")
    ap.add_argument("--out", type=Path, default=Path("runs/bench_ensemble"))
    args = ap.parse_args(argv if argv is not None else sys.argv[1:])
    if len(args.models) < 2:
        ap.error("give at least two models")
    results: dict[str, Any] = {
        **run_metadata("full", [sys.argv[0], *(argv if argv is not None else sys.argv[1:])]),
        "task": args.task,
        "data": str(args.data),
        "models": [str(m) for m in args.models],
        "beams": args.beams,
        "prefer_mentions": args.prefer_mentions,
    }
    options: dict[str, Any] = {"data": args.data}
    if args.db is not None:
        options["db"] = args.db
    task = get_task(args.task).from_options(**options)
    scores: dict[str, dict[str, Any]] = {}
    mentions = args.prefer_mentions
    for k, folder in enumerate(args.models):
        scores[f"member {k}"] = _score(Parser.load(folder), task, args.beams, mentions)
    pooled = args.out / "ensemble"
    if pooled.exists():
        shutil.rmtree(pooled)
    folders = assemble(pooled, args.models)
    scores["ensemble"] = _score(Parser.load(pooled), task, args.beams, mentions)
    greedy = EnsembleParser([Parser.load(f) for f in folders], member_beams=1)
    scores["ensemble, greedy members"] = _score(greedy, task, args.beams, mentions)
    selection = f"constrained beam {args.beams} + execution" + (" + mentions" if mentions else "")
    results["scores"] = scores
    results["summary"] = [
        {
            "metric": f"{args.task} execution accuracy ({args.data.name})",
            "setting": f"{name}, {selection}",
            "value": s["execution_accuracy"],
        }
        for name, s in scores.items()
    ]
    print("| model | exec. acc. | fails | seconds |\n|---|---|---|---|")
    for name, s in scores.items():
        print(
            f"| {name} | {s['execution_accuracy']:.3f} | {s['fails_to_execute']:.3f} "
            f"| {s['seconds']} |"
        )
    write_results(results_path(args.results), results)
    print(f"wrote {results_path(args.results)}")
    return results


if __name__ == "__main__":
    main()
