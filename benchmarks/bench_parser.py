"""Parser accuracy on GeoQuery (question split, values as typed): train, then evaluate on dev.

One run compares encoders (from scratch and the pip-installed MiniLM) under the same time
budget, and ablates decoding on each: unconstrained greedy, grammar-constrained beam, and
constrained beam with execution-guided selection; it also measures the latency of one
``run`` on CPU after loading. Prints a table and writes ``benchmarks/results/parser.json``.

    python -m benchmarks.bench_parser [--quick] [--minutes 25] [--encoders scratch,minilm]
        [--synthetic N --synthetic-ratio R] [--epochs N --patience N --eval-every N] [--half]
        [--freeze-encoder [--tune-top-layers N]] [--output-split spaces] [--decoder-width W]
        [--members N] [--results NAME]

The recipe options are ``parseinstr train``'s; ``--results NAME`` writes
``benchmarks/results/NAME.json`` (default ``parser``). Latency runs each dev question once
with the SQL caches cleared first, as a new question would. ``--members N`` trains N parsers
side by side (one process each, sharing the cores, each within ``--minutes``) as one ensemble
(:mod:`parseinstr.ensemble`) and evaluates the ensemble, the ensemble with greedy members
(``member_beams`` 1, the fast setting) and every member alone.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from parseinstr import get_task
from parseinstr.ensemble import EnsembleParser
from parseinstr.evaluate import evaluate_task
from parseinstr.model import ModelSpec, sized_spec
from parseinstr.parser import InstructionExecutor, Parser
from parseinstr.training import TrainConfig, train_parser

from .bench_latency import cold_start
from .common import REPO, results_path, run_metadata, write_results

GEO = REPO / "environments" / "data" / "sql" / "geography" / "geography.json"


def spec_for(encoder: str, quick: bool, decoder_width: int | None = None) -> ModelSpec:
    """The model size used for each encoder: ``parseinstr train``'s (``decoder_width`` as
    its ``--decoder-width``), or a tiny one for ``--quick``."""
    if quick:
        return ModelSpec(
            d_model=64, encoder_layers=1, decoder_layers=1, heads=2, ff=128, encoder=encoder
        )
    return sized_spec(encoder, decoder_width)


def ablation(parser: Parser, task: Any, beams: int, per_example: bool = False) -> dict[str, Any]:
    """Dev execution accuracy, failure shares and instructions a second (the evaluation is
    batched) for the decoding settings; with ``per_example``, each setting also lists every
    example's correctness in task order."""
    settings = {
        "unconstrained greedy": dict(n_best=1, constrained=False, execution_guided=False),
        "constrained beam": dict(n_best=beams, constrained=True, execution_guided=False),
        "constrained beam + execution, no doubts": dict(
            n_best=beams, constrained=True, execution_guided=True, doubts=False
        ),
        "constrained beam + execution": dict(n_best=beams, constrained=True, execution_guided=True),
        "constrained beam + execution + mentions": dict(
            n_best=beams, constrained=True, execution_guided=True, mentions=True
        ),
    }
    out = {}
    if not constrained_available():
        settings = {
            "unconstrained greedy": settings["unconstrained greedy"],
            "unconstrained beam + execution": dict(
                n_best=beams, constrained=False, execution_guided=True
            ),
        }
    for name, kwargs in settings.items():
        started = time.perf_counter()
        report = evaluate_task(parser, task, **kwargs)
        seconds = time.perf_counter() - started
        out[name] = {
            k: report[k] for k in ("execution_accuracy", "exact_match", "fails_to_execute", "n")
        }
        # Batched decoding (and execution) throughput of the whole evaluation.
        out[name]["seconds"] = round(seconds, 2)
        out[name]["instructions_per_second"] = round(report["n"] / seconds, 1)
        out[name]["errors"] = [
            {"instruction": r["instruction"], "prediction": r["prediction"], "gold": r["gold"]}
            for r in report["examples"]
            if not r["correct"]
        ][:20]
        if per_example:
            out[name]["correct"] = [bool(r["correct"]) for r in report["examples"]]
    return out


def constrained_available() -> bool:
    """Whether the grammar-constrained decoder is installed."""
    try:
        from parseinstr.decoding.hf import grammar_logits_processor  # noqa: F401
    except ImportError:
        return False
    return True


def latency(parser: Parser, task: Any, beams: int, repeats: int) -> dict[str, float]:
    """Median and p90 milliseconds of one ``InstructionExecutor.run`` (after loading)."""
    examples = task.examples()[:repeats]
    env = task.environment_for(examples[0])
    executor = InstructionExecutor(
        parser, env, n_best=beams, constrained=None if constrained_available() else False
    )
    executor.run(examples[0].instruction)  # warm up
    times = []
    for e in examples:
        cold_start(env)
        t = time.perf_counter()
        executor.run(e.instruction)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return {
        "median_ms": statistics.median(times),
        "p90_ms": times[int(0.9 * (len(times) - 1))],
        "n": len(times),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="tiny models, one minute each")
    ap.add_argument("--minutes", type=float, default=25.0, help="training budget per encoder")
    ap.add_argument("--encoders", default="scratch,minilm")
    ap.add_argument("--beams", type=int, default=5)
    ap.add_argument("--links", default="on", help="on, off, or on,off to compare")
    ap.add_argument("--out", type=Path, default=Path("runs/bench_parser"))
    ap.add_argument("--synthetic", type=int, default=0, help="synthetic examples sampled")
    ap.add_argument("--synthetic-ratio", type=float, default=1.0)
    ap.add_argument("--epochs", type=int, default=400)
    ap.add_argument("--patience", type=int, default=40, help="evaluations without gain")
    ap.add_argument("--eval-every", type=int, default=5, help="epochs between evaluations")
    ap.add_argument("--half", action="store_true", help="store weights in float16")
    ap.add_argument("--freeze-encoder", action="store_true")
    ap.add_argument("--tune-top-layers", type=int, default=0)
    ap.add_argument("--output-split", default="bytelevel", help="bytelevel or spaces")
    ap.add_argument("--decoder-width", type=int, default=None)
    ap.add_argument("--precision", default="auto", help="auto, bf16 or fp32 (training)")
    ap.add_argument(
        "--seed", type=int, default=0, help="seed of the training and the synthetic sample"
    )
    ap.add_argument(
        "--members",
        type=int,
        default=1,
        help="train an ensemble of N members side by side (parseinstr train --members N), "
        "each within --minutes; each member is also evaluated alone",
    )
    ap.add_argument("--results", default="parser", help="results file name")
    args = ap.parse_args(argv)
    minutes = 1.0 if args.quick else args.minutes
    text2sql = get_task("text2sql")
    train = text2sql.from_options(data=GEO, part="train")
    dev = text2sql.from_options(data=GEO, part="dev")
    results: dict[str, Any] = {
        **run_metadata("quick" if args.quick else "full", sys.argv),
        "data": "GeoQuery question split, train -> dev, values as typed",
        "budget_minutes": minutes,
        "encoders": {},
    }
    synth: list[Any] = []
    if args.synthetic and args.members == 1:  # members sample their own (seeded apart)
        from parseinstr.synthesis import synthetic_examples

        synth, _ = synthetic_examples(train, 100 if args.quick else args.synthetic, args.seed)
    runs = [(e, links) for e in args.encoders.split(",") for links in args.links.split(",")]
    for encoder, links in runs:
        name = encoder if args.links == "on" else f"{encoder}, links {links}"
        spec = spec_for(encoder, args.quick, args.decoder_width)
        config = TrainConfig(
            epochs=args.epochs,
            eval_every=args.eval_every,
            max_minutes=minutes,
            patience=args.patience,
            lr=5e-4 if encoder == "scratch" else 3e-4,
            with_links=links == "on",
            synthetic_ratio=args.synthetic_ratio,
            half=args.half,
            freeze_encoder=args.freeze_encoder and encoder != "scratch",
            tune_top_layers=args.tune_top_layers if encoder != "scratch" else 0,
            output_split=args.output_split,
            precision=args.precision,
            seed=args.seed,
        )
        # An encoder given as a folder is named by its last part (never written into).
        folder = args.out / Path(name).name.replace(", ", "-").replace(" ", "_")
        started = time.monotonic()
        # Early stopping uses a seeded 10% of train; dev chooses nothing.
        if args.members > 1:
            card = train_ensemble(args, encoder, folder, minutes)
        else:
            card = train_parser(
                train, folder, spec, config, command=" ".join(sys.argv), synthetic=synth
            )
        trained = (time.monotonic() - started) / 60
        parser = Parser.load(folder)
        row = {
            "train_minutes": round(trained, 2),
            "recipe": {
                "spec": asdict(spec),
                "synthetic": len(synth),
                **{k: v for k, v in asdict(config).items() if k != "device"},
            }
            if args.members == 1
            else {  # each member's own settings, as parseinstr train recorded them
                "members": args.members,
                "spec": card.get("spec"),
                "synthetic": args.synthetic,
                **card.get("train", {}),
            },
            "card_metrics": card.get("metrics"),
            "history": card.get("history"),
            "ablation": ablation(parser, dev, args.beams),
            "latency": latency(parser, dev, args.beams, 10 if args.quick else 49),
        }
        if args.members > 1:
            for k, member in enumerate(parser.members):
                results["encoders"][f"{name}, member {k}"] = {
                    "ablation": ablation(member, dev, args.beams),
                    "latency": latency(member, dev, args.beams, 10 if args.quick else 49),
                }
            # The same members searching greedily (member_beams 1): the fast setting.
            greedy = EnsembleParser(parser.members, member_beams=1)
            results["encoders"][f"{name}, ensemble of {args.members}, greedy members"] = {
                "ablation": ablation(greedy, dev, args.beams),
                "latency": latency(greedy, dev, args.beams, 10 if args.quick else 49),
            }
            name = f"{name}, ensemble of {args.members}"
        results["encoders"][name] = row
    results["summary"] = [
        {
            "metric": "GeoQuery dev execution accuracy",
            "setting": f"{enc}, {name}",
            "value": r["execution_accuracy"],
        }
        for enc, row in results["encoders"].items()
        for name, r in row["ablation"].items()
    ] + [
        {
            "metric": "run latency median ms (CPU)",
            "setting": enc,
            "value": round(row["latency"]["median_ms"], 1),
        }
        for enc, row in results["encoders"].items()
    ]
    print_table(results)
    write_results(results_path(args.results), results)
    return results


def train_ensemble(args: argparse.Namespace, encoder: str, folder: Path, minutes: float) -> dict:
    """Train ``args.members`` parsers side by side through ``parseinstr train --members``
    (the recipe options passed on) and return the first member's card."""
    import json

    from parseinstr.cli import main as cli_main

    argv = [
        "train", "text2sql", "--data", str(GEO), "--split", "question", "--part", "train",
        "--out", str(folder), "--encoder", encoder, "--members", str(args.members),
        "--max-minutes", str(minutes), "--epochs", str(args.epochs),
        "--patience", str(args.patience), "--output-split", args.output_split,
        "--precision", args.precision,
    ]  # fmt: skip
    if args.synthetic:
        argv += ["--synthetic", str(args.synthetic), "--synthetic-ratio", str(args.synthetic_ratio)]
    if args.half:
        argv.append("--half")
    if args.freeze_encoder and encoder != "scratch":
        argv += ["--freeze-encoder", "--tune-top-layers", str(args.tune_top_layers)]
    if args.decoder_width:
        argv += ["--decoder-width", str(args.decoder_width)]
    if cli_main(argv) != 0:
        raise SystemExit(f"ensemble training failed: parseinstr {' '.join(argv)}")
    return json.loads((folder / "member-0" / "model_card.json").read_text())


def print_table(results: dict[str, Any]) -> None:
    """A Markdown table of the ablation per encoder."""
    print(f"\nGeoQuery dev ({results['mode']}, {results['device']}, {results['date']})")
    print("| encoder | decoding | exec. acc. | exact | fails to execute | run median ms |")
    print("|---|---|---|---|---|---|")
    for enc, row in results["encoders"].items():
        for name, r in row["ablation"].items():
            print(
                f"| {enc} | {name} | {r['execution_accuracy']:.3f} | {r['exact_match']:.3f} | "
                f"{r['fails_to_execute']:.3f} | {row['latency']['median_ms']:.0f} |"
            )


if __name__ == "__main__":
    main()
