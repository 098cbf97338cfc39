"""Selection over one n-best: the parser's order or reranked, with or without mentions.

Each model decodes the evaluation file once per beam size; on that n-best this script scores
execution-guided selection in the parser's order and, where the model folder has a
reconstructor (``parseinstr reconstructor``), in its reranked order (parser score + fitted
weights), each with and without the preference for the instruction's mentions
(``--prefer-mentions``). Scoring every selection on the same n-best compares them side by
side, without the noise of separate decodings. It also reports the n-best oracle (a right
form anywhere in the n-best), the headroom of selection. Prints a table and writes
``benchmarks/results/<results>.json``.

    python -m benchmarks.selection_eval --task sheet --data TEST.jsonl --models A B \\
        [--beams 5 10] [--results selection_eval]
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from parseinstr import get_task
from parseinstr.copying import mention_frame
from parseinstr.environment import Example, Task
from parseinstr.evaluate import expected_of, gives_expected
from parseinstr.parser import Candidate, Parser, select_by_execution

from .common import results_path, run_metadata, write_results


def decode(
    parser: Parser, task: Task, examples: Sequence[Example], beams: int, chunk: int = 32
) -> list[list[Candidate]]:
    """The n-best of every example in the parser's own order (no reconstructor)."""
    out: list[list[Candidate]] = []
    for i in range(0, len(examples), chunk):
        part = examples[i : i + chunk]
        envs = [task.environment_for(e) for e in part]
        out += parser.parse_batch([e.instruction for e in part], envs, beams, None)
        print(f"  decoded {len(out)}/{len(examples)}", file=sys.stderr)
    return out


def score(
    task: Task, examples: Sequence[Example], nbest: Sequence[Sequence[Candidate]], mentions: bool
) -> dict[str, float]:
    """Execution accuracy of selection over ``nbest`` and the n-best oracle."""
    right = reach = 0
    for example, cands in zip(examples, nbest, strict=True):
        env = task.environment_for(example)
        frame = mention_frame(example.instruction, env) if mentions else None
        best, alts, _ = select_by_execution(env, cands, mentions=frame)
        expected = expected_of(task, example)
        good = [gives_expected(env, a, expected) for a in alts]
        right += best is not None and good[best]
        reach += any(good)
    n = max(1, len(examples))
    return {"execution_accuracy": right / n, "n_best_oracle": reach / n}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--task", default="sheet")
    ap.add_argument("--data", type=Path, required=True, help="evaluation data")
    ap.add_argument("--models", type=Path, nargs="+", required=True, help="trained folders")
    ap.add_argument("--beams", type=int, nargs="+", default=[5])
    ap.add_argument("--results", default="selection_eval")
    args = ap.parse_args(argv if argv is not None else sys.argv[1:])
    task = get_task(args.task).from_options(data=args.data)
    examples = task.examples()
    results: dict[str, Any] = {
        **run_metadata("full", [sys.argv[0], *(argv if argv is not None else sys.argv[1:])]),
        "data": str(args.data),
        "n": len(examples),
        "scores": [],
        "summary": [],
    }
    rows = []
    for folder in args.models:
        parser = Parser.load(folder)
        rec, parser.reconstructor = parser.reconstructor, None
        for beams in args.beams:
            start = time.perf_counter()
            nbest = decode(parser, task, examples, beams)
            seconds = time.perf_counter() - start
            orders = {"parser": nbest}
            rerank_seconds: dict[str, float] = {}
            if rec is not None:
                instructions = [e.instruction for e in examples]
                envs = [task.environment_for(e) for e in examples]
                start = time.perf_counter()
                orders["reranked"] = parser.rerank(instructions, nbest, rec, envs=envs)
                rerank_seconds["rerank_seconds"] = round(time.perf_counter() - start, 1)
                if rec.similarity_weight:  # what the similarity term costs, side by side
                    plain = copy.copy(rec)
                    plain.card = {**rec.card, "similarity_weight": 0.0}
                    start = time.perf_counter()
                    parser.rerank(instructions, nbest, plain, envs=envs)
                    rerank_seconds["rerank_seconds_without_similarity"] = round(
                        time.perf_counter() - start, 1
                    )
            for order, lists in orders.items():
                for mentions in (False, True):
                    got = score(task, examples, lists, mentions)
                    entry = {
                        "model": str(folder),
                        "beams": beams,
                        "order": order,
                        "weights": (
                            {
                                "weight": rec.weight,
                                "mention_weight": rec.mention_weight,
                                "similarity_weight": rec.similarity_weight,
                            }
                            if order == "reranked" and rec is not None
                            else None
                        ),
                        "prefer_mentions": mentions,
                        **got,
                        "decode_seconds": round(seconds, 1),
                        **(rerank_seconds if order == "reranked" else {}),
                    }
                    results["scores"].append(entry)
                    setting = f"{folder}, beam {beams}, {order} order" + (
                        ", mentions first" if mentions else ""
                    )
                    for metric in ("execution_accuracy", "n_best_oracle"):
                        results["summary"].append(
                            {"metric": metric, "setting": setting, "value": got[metric]}
                        )
                    rows.append(
                        f"| {folder} | {beams} | {order} | {'yes' if mentions else 'no'} "
                        f"| {got['execution_accuracy']:.3f} | {got['n_best_oracle']:.3f} |"
                    )
    print(f"Selection on one n-best ({results['device']}, {results['date']})")
    print("| model | beam | order | mentions first | exec. acc. | right in n-best |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))
    path = results_path(args.results)
    write_results(path, results)
    return results


if __name__ == "__main__":
    main()
