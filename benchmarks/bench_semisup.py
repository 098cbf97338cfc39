"""GeoQuery with a gold share (issue #7): 10% gold SQL, 90% denotations only.

Self-training (``parseinstr.self_training``): a parser trained on the gold share (plus
synthetic examples, which need no annotation) searches a constrained n-best list for every
denotation-only example, remembers the best candidate that executes to the expected rows,
and is retrained on gold + remembered forms, round after round. The final parser and a fully
supervised one (trained in the same run with the same model, synthetic data and time, or
given with ``--reference``) are evaluated side by side on GeoQuery dev. Prints a table and
writes ``benchmarks/results/semisup.json``.

    python -m benchmarks.bench_semisup [--quick] [--gold 0.1] [--rounds 3] [--minutes 9]
        [--beam 10] [--synthetic 3000] [--copy-slots] [--reference MODEL] [--final-minutes M]
        [--encoder scratch|minilm] [--freeze-encoder] [--output-split spaces]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from parseinstr import get_task
from parseinstr.io import read_json
from parseinstr.model import ModelSpec
from parseinstr.parser import Parser
from parseinstr.self_training import self_train
from parseinstr.synthesis import synthetic_examples
from parseinstr.training import TrainConfig, train_parser

from .bench_parser import spec_for
from .bench_synthetic import GEO, evaluate
from .common import results_path, run_metadata, write_results
from .spurious import classify, remembered_items


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="tiny model, two short rounds")
    ap.add_argument("--gold", type=float, default=0.1, help="share of examples keeping gold")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--minutes", type=float, default=9.0, help="training minutes per round")
    ap.add_argument("--final-minutes", type=float, default=None, help="the last round's budget")
    ap.add_argument("--beam", type=int, default=10, help="candidates searched per example")
    ap.add_argument("--synthetic", type=int, default=3000)
    ap.add_argument("--ratio", type=float, default=0.6, help="synthetic per human per epoch")
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--copy-slots", action="store_true")
    ap.add_argument("--output-split", default="bytelevel", help="bytelevel or spaces")
    ap.add_argument("--encoder", default="scratch", help="scratch or minilm")
    ap.add_argument(
        "--freeze-encoder", action="store_true", help="a frozen pretrained encoder (cached)"
    )
    ap.add_argument(
        "--tune-top-layers", type=int, default=0, help="with --freeze-encoder: layers trained"
    )
    ap.add_argument("--eval-every", type=int, default=2, help="epochs between evaluations")
    ap.add_argument("--precision", default="auto", help="auto, bf16 or fp32 (training)")
    ap.add_argument(
        "--patience", type=int, default=12, help="evaluations without gain before a round stops"
    )
    ap.add_argument("--reference", type=Path, help="a fully supervised model to compare")
    ap.add_argument(
        "--reference-results",
        type=Path,
        help="a bench_parser results JSON of the supervised recipe to compare with (no training)",
    )
    ap.add_argument("--supervised-minutes", type=float, default=28.0)
    ap.add_argument("--beams", type=int, default=5, help="beam of the dev evaluation")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--edits", type=int, default=0, help="search one token around the top K candidates"
    )
    ap.add_argument(
        "--samples", type=int, default=0, help="draws from the parser where the n-best misses"
    )
    ap.add_argument("--temperature", type=float, default=1.0, help="of the parser's draws")
    ap.add_argument(
        "--defer-ambiguous",
        action="store_true",
        help="leave an example whose consistent candidates mean different things on "
        "fictitious databases for a later round's parser",
    )
    ap.add_argument(
        "--drop-doubted",
        action="store_true",
        help="never remember a form the environment doubts (a column compared with itself)",
    )
    ap.add_argument("--results", default=None, help="results file name (default from the options)")
    ap.add_argument("--out", type=Path, default=Path("runs/bench_semisup"))
    args = ap.parse_args(argv if argv is not None else sys.argv[1:])
    quick = args.quick
    spec = (
        ModelSpec(d_model=64, encoder_layers=1, decoder_layers=1, heads=2, ff=128)
        if quick
        else spec_for(args.encoder, quick)
    )
    text2sql = get_task("text2sql")
    train = text2sql.from_options(data=GEO, part="train")
    dev = text2sql.from_options(data=GEO, part="dev")
    n_synth = 100 if quick else args.synthetic
    synth, _ = synthetic_examples(train, n_synth, seed=args.seed)
    # Rounds are bounded by time; the epoch count only bounds the supervised reference.
    config = TrainConfig(
        epochs=2 if quick else 400,
        seed=args.seed,
        synthetic_ratio=args.ratio,
        copy_slots=args.copy_slots,
        half=True,
        lr=5e-4 if args.encoder == "scratch" else 3e-4,
        freeze_encoder=args.freeze_encoder,
        tune_top_layers=args.tune_top_layers,
        eval_every=args.eval_every,
        output_split=args.output_split,
        precision=args.precision,
        patience=args.patience,
    )
    results: dict[str, Any] = {
        **run_metadata("quick" if quick else "full", [sys.argv[0], *(argv or sys.argv[1:])]),
        "data": "GeoQuery question split, train -> dev, values as typed",
        "gold_fraction": args.gold,
        "synthetic": len(synth),
        "copy_slots": args.copy_slots,
        "encoder": args.encoder,
        "freeze_encoder": args.freeze_encoder,
        "tune_top_layers": args.tune_top_layers,
        "output_split": args.output_split,
        "precision": args.precision,
        "edit_candidates": args.edits,
        "parser_samples": args.samples,
        "temperature": args.temperature,
        "drop_doubted": args.drop_doubted,
        "defer_ambiguous": args.defer_ambiguous,
        "patience": args.patience,
    }
    t0 = time.monotonic()
    log = self_train(
        train,
        args.out / "semisup",
        args.gold,
        rounds=2 if quick else args.rounds,
        minutes_per_round=0.5 if quick else args.minutes,
        beam=3 if quick else args.beam,
        final_minutes=None if quick else args.final_minutes,
        spec=spec,
        config=config,
        synthetic=synth,
        synthetic_per_epoch=round(args.ratio * len(train.examples())),
        edit_candidates=args.edits,
        command=results["command"],
        parser_samples=args.samples,
        temperature=args.temperature,
        keep_doubted=not args.drop_doubted,
        defer_ambiguous=args.defer_ambiguous,
    )
    results["semisup"] = {
        "minutes": round((time.monotonic() - t0) / 60, 2),
        "history": log["history"],
        "geoquery_dev": evaluate(Parser.load(log["model"]), dev, args.beams),
        # Read for the report only: the remembered forms against the gold SQL, by meaning.
        "memory": classify(
            remembered_items(train, read_json(args.out / "semisup" / "memory.json"))
        ),
    }
    if args.reference_results is not None:
        results["supervised"] = reference_from_results(args.reference_results, args.encoder)
    elif args.reference is not None:
        reference, how = args.reference, f"given: {args.reference}"
    else:
        reference = args.out / "supervised"
        minutes = 0.5 if quick else args.supervised_minutes
        train_parser(
            train,
            reference,
            spec,
            TrainConfig(**{**config.__dict__, "max_minutes": minutes, "epochs": args.epochs}),
            command=results["command"],
            synthetic=synth,
        )
        how = f"trained in this run on all gold forms ({minutes} min budget)"
    if args.reference_results is None:
        results["supervised"] = {
            "model": how,
            "geoquery_dev": evaluate(Parser.load(reference), dev, args.beams),
        }
    labels = {"semisup": f"{args.gold:.0%} gold + denotations", "supervised": "all gold"}
    results["summary"] = [
        {
            "metric": "GeoQuery dev execution accuracy",
            "setting": f"{label}, {name}",
            "value": r["execution_accuracy"],
        }
        for arm, label in labels.items()
        for name, r in results[arm]["geoquery_dev"].items()
    ]
    print_table(results)
    name = "semisup" + ("" if args.encoder == "scratch" else f"_{args.encoder}")
    name += "_frozen" if args.freeze_encoder else ""
    name += "" if args.output_split == "bytelevel" else f"_{args.output_split}"
    name = args.results or name
    write_results(results_path(f"{name}_quick" if quick else name), results)
    return results


def reference_from_results(path: Path, encoder: str) -> dict[str, Any]:
    """The supervised figures of an earlier ``bench_parser`` run of the same recipe, named
    as this benchmark names its own (beam + execution is its ``constrained beam 5 +
    execution``); used instead of training a reference in this run."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    runs = data.get("encoders") or {}
    if encoder not in runs:
        raise SystemExit(f"{path}: no {encoder!r} parser in it (it has {sorted(runs)})")
    ablation = runs[encoder]["ablation"]
    names = {
        "constrained beam": "constrained beam 5",
        "constrained beam + execution": "constrained beam 5 + execution",
    }
    return {
        "model": f"from {path} (commit {data.get('commit')}, {data.get('date')})",
        "geoquery_dev": {
            ours: {"execution_accuracy": ablation[theirs]["execution_accuracy"]}
            for theirs, ours in names.items()
            if theirs in ablation
        },
    }


def print_table(results: dict[str, Any]) -> None:
    """Dev accuracy of both parsers, and the learning rounds."""
    print(f"\nGeoQuery dev, {results['gold_fraction']:.0%} gold ({results['date']})")
    print("| parser | decoding | exec. acc. |")
    print("|---|---|---|")
    for arm in ("semisup", "supervised"):
        for name, r in results[arm]["geoquery_dev"].items():
            print(f"| {arm} | {name} | {r['execution_accuracy']:.3f} |")
    print("| round | labelled | found/searched | coverage | validation |")
    print("|---|---|---|---|---|")
    for h in results["semisup"]["history"]:
        print(
            f"| {h['round']} | {h['labelled']} | {h['found']}/{h['searched']} | "
            f"{h['coverage']:.3f} | {h['validation_execution_accuracy']:.3f} |"
        )


if __name__ == "__main__":
    main()
