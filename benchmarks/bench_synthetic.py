"""Synthetic training data (issue #12): the same parser trained with and without it, one run.

Both parsers train on GeoQuery's train split (question split, values as typed) for the same
number of epochs over it, with the same seed, model and validation (a seeded 10% of train;
dev chooses nothing); the second also sees synthetic examples sampled from the database's
grammar (``parseinstr.synthesis``). Both are evaluated on GeoQuery dev and on the
hand-written negation / rewording dev set (``benchmarks/data``), per tag. Prints a table and
writes ``benchmarks/results/synthetic.json``.

    python -m benchmarks.bench_synthetic [--quick] [--epochs 40] [--synthetic 3000] [--ratio 1]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from parseinstr import get_task
from parseinstr.evaluate import evaluate_task
from parseinstr.model import ModelSpec
from parseinstr.parser import Parser
from parseinstr.synthesis import synthetic_examples
from parseinstr.training import TrainConfig, train_parser

from .common import REPO, results_path, run_metadata, write_results

GEO = REPO / "environments" / "data" / "sql" / "geography" / "geography.json"
DB = GEO.with_suffix(".sqlite")
NEG = REPO / "benchmarks" / "data" / "geoquery_negation_rewording.json"


def evaluate(parser: Parser, task: Any, beams: int) -> dict[str, Any]:
    """Greedy and beam + execution accuracy, overall and per tag."""
    out: dict[str, Any] = {}
    settings = {
        "constrained greedy": dict(n_best=1, constrained=True, execution_guided=False),
        f"constrained beam {beams} + execution": dict(
            n_best=beams, constrained=True, execution_guided=True
        ),
    }
    for name, kwargs in settings.items():
        report = evaluate_task(parser, task, **kwargs)
        out[name] = {
            "execution_accuracy": report["execution_accuracy"],
            "n": report["n"],
            "tags": report["tags"],
            "errors": [
                {"instruction": r["instruction"], "prediction": r["prediction"], "gold": r["gold"]}
                for r in report["examples"]
                if not r["correct"]
            ][:30],
        }
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="tiny model, 2 epochs, 200 synthetic")
    ap.add_argument("--epochs", type=int, default=40, help="epochs over the human data")
    ap.add_argument("--synthetic", type=int, default=3000, help="synthetic examples sampled")
    ap.add_argument("--ratio", type=float, default=1.0, help="synthetic per human per epoch")
    ap.add_argument(
        "--schedule",
        default="mixed",
        help="mixed or first; a comma list trains one synthetic arm per schedule",
    )
    ap.add_argument("--beams", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path("runs/bench_synthetic"))
    args = ap.parse_args(argv if argv is not None else sys.argv[1:])
    quick = args.quick
    epochs = 2 if quick else args.epochs
    n_synth = 200 if quick else args.synthetic
    spec = (
        ModelSpec(d_model=64, encoder_layers=1, decoder_layers=1, heads=2, ff=128)
        if quick
        else ModelSpec()
    )
    text2sql = get_task("text2sql")
    train = text2sql.from_options(data=GEO, part="train")
    dev = text2sql.from_options(data=GEO, part="dev")
    neg = text2sql.from_options(data=NEG, db=DB)

    started = time.monotonic()
    synth, report = synthetic_examples(train, n_synth, seed=args.seed)
    sampling = {**report.to_json(), "wall_seconds": round(time.monotonic() - started, 2)}
    tags: dict[str, int] = {}
    for e in synth:
        for t in e.tags:
            tags[t] = tags.get(t, 0) + 1
    sampling["tags"] = dict(sorted(tags.items()))
    sampling["sample"] = [
        {"instruction": e.instruction, "logical_form": e.logical_form, "tags": list(e.tags)}
        for e in synth[:: max(1, len(synth) // 25)][:25]
    ]
    print(f"sampled {len(synth)} synthetic examples in {sampling['wall_seconds']} s", flush=True)

    results: dict[str, Any] = {
        **run_metadata("quick" if quick else "full", [sys.argv[0], *(argv or sys.argv[1:])]),
        "data": "GeoQuery question split, train -> dev, values as typed; "
        "negation/rewording dev set over the GeoQuery database",
        "epochs": epochs,
        "synthetic_ratio": args.ratio,
        "synthetic_schedule": args.schedule,
        "sampling": sampling,
        "runs": {},
    }
    schedules = [s.strip() for s in args.schedule.split(",") if s.strip()]
    arms: list[tuple[str, list[Any], str]] = [("without synthetic", [], schedules[0])]
    for schedule in schedules:
        label = "with synthetic" if len(schedules) == 1 else f"with synthetic ({schedule})"
        arms.append((label, synth, schedule))
    for name, extra, schedule in arms:
        config = TrainConfig(
            epochs=epochs,
            eval_every=5 if not quick else 1,
            patience=10**6,
            seed=args.seed,
            synthetic_ratio=args.ratio,
            synthetic_schedule=schedule,
        )
        folder = args.out / "".join(c if c.isalnum() else "_" for c in name)
        t0 = time.monotonic()
        card = train_parser(
            train, folder, spec, config, command=results["command"], synthetic=extra
        )
        minutes = (time.monotonic() - t0) / 60
        parser = Parser.load(folder)
        results["runs"][name] = {
            "train_minutes": round(minutes, 2),
            "n_synthetic": len(extra),
            "schedule": schedule if extra else None,
            "card_metrics": card.get("metrics"),
            "history": card.get("history"),
            "geoquery_dev": evaluate(parser, dev, args.beams),
            "negation_rewording": evaluate(parser, neg, args.beams),
        }
        print(f"{name}: trained {minutes:.1f} min", flush=True)
    results["summary"] = summary(results)
    print_table(results)
    write_results(results_path("synthetic_quick" if quick else "synthetic"), results)
    return results


def summary(results: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per run and decoding: dev, negation, rewording accuracy."""
    rows = []
    for name, run in results["runs"].items():
        for setting, dev in run["geoquery_dev"].items():
            tags = run["negation_rewording"][setting]["tags"]
            rows.append(
                {
                    "run": name,
                    "decoding": setting,
                    "geoquery_dev": dev["execution_accuracy"],
                    "negation": tags.get("negation", {}).get("execution_accuracy"),
                    "rewording": tags.get("rewording", {}).get("execution_accuracy"),
                    "n_dev": dev["n"],
                    "n_negation": tags.get("negation", {}).get("n"),
                    "n_rewording": tags.get("rewording", {}).get("n"),
                }
            )
    return rows


def print_table(results: dict[str, Any]) -> None:
    """The summary as a Markdown table."""
    print(
        f"\nSynthetic data ({results['mode']}, {results['device']}, {results['date']}, "
        f"{results['epochs']} epochs, {results['sampling']['examples']} synthetic examples)"
    )
    print("| training data | decoding | GeoQuery dev | negation | rewording |")
    print("|---|---|---|---|---|")
    for r in results["summary"]:
        print(
            f"| {r['run']} | {r['decoding']} | {r['geoquery_dev']:.3f} | "
            f"{r['negation']:.3f} | {r['rewording']:.3f} |"
        )


if __name__ == "__main__":
    main()
