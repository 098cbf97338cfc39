"""Training and batched decoding throughput, side by side on each device named.

    python -m benchmarks.bench_throughput [--devices cuda,cpu] [--epochs 2]
        [--model DIR] [--task text2sql|sheet --data FILE] [--n 128] [--batches 1,8,32,128]
        [--quick] [--results NAME]

Training: the bundled sql model's recipe (from scratch, output split at spaces; bfloat16
autocast on CUDA, float32 on a CPU) trained for ``--epochs`` epochs on GeoQuery train on
each device; the model card's throughput (examples a second over the optimizer steps alone,
and the median step). Decoding: one trained model (``--model``, default the bundled model
of ``--task``) loaded on each device decodes the same ``--n`` instructions in batches of
each size, grammar-constrained greedy and beam 5, without execution; instructions a second
(the best of ``--repeats`` passes, after one warm-up batch). Devices default to the GPU
and the CPU where a GPU is, else the CPU alone. A CPU decodes with the parser's
own setting (one thread); training on a CPU uses torch's threads. Prints a table and writes
``benchmarks/results/throughput.json``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from parseinstr import get_task
from parseinstr.bundled import default_model
from parseinstr.model import pick_device, sized_spec
from parseinstr.parser import Parser
from parseinstr.registry import get_environment
from parseinstr.training import TrainConfig, device_name, train_parser

from .bench_parser import GEO
from .common import results_path, run_metadata, write_results


def train_speed(device: str, epochs: int, out: Path) -> dict[str, Any]:
    """The card's training throughput of the bundled sql recipe for ``epochs`` epochs."""
    task = get_task("text2sql").from_options(data=GEO, part="train")
    spec = sized_spec("scratch")
    config = TrainConfig(
        epochs=epochs,
        eval_every=epochs,
        lr=5e-4,
        half=True,
        output_split="spaces",
        device=device,
    )
    card = train_parser(task, out, spec, config, log=lambda m: None)
    return card["throughput"]


def decode_speed(
    parser: Parser,
    instructions: list[str],
    envs: list[Any],
    batch: int,
    beams: int,
    repeats: int,
) -> dict[str, Any]:
    """Instructions a second for constrained decoding in batches of ``batch`` (best pass)."""
    parser.parse_batch(instructions[:batch], envs[:batch], beams, True)  # warm-up
    passes = []
    for _ in range(repeats):
        started = time.perf_counter()
        for i in range(0, len(instructions), batch):
            parser.parse_batch(instructions[i : i + batch], envs[i : i + batch], beams, True)
        passes.append(time.perf_counter() - started)
    best = min(passes)
    return {
        "batch": batch,
        "beams": beams,
        "instructions_per_second": round(len(instructions) / best, 1),
        "ms_per_instruction": round(1000 * best / len(instructions), 2),
        "passes_s": [round(p, 3) for p in passes],
    }


def decoding_inputs(task_name: str, data: Path | None, n: int) -> tuple[list[str], list[Any]]:
    """The first ``n`` instructions of the data (GeoQuery dev, then train, by default)."""
    task = get_task(task_name)
    if data is None and task_name == "text2sql":
        examples = [
            *task.from_options(data=GEO, part="dev").examples(),
            *task.from_options(data=GEO, part="train").examples(),
        ]
        source = task.from_options(data=GEO, part="train")
    elif data is None:
        raise SystemExit(f"--data is needed for --task {task_name}")
    else:
        source = task.from_options(data=data)
        examples = source.examples()
    examples = examples[:n]
    return [e.instruction for e in examples], [source.environment_for(e) for e in examples]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument(
        "--devices", default="auto", help="comma-separated cuda, cpu; auto: both, or cpu alone"
    )
    ap.add_argument(
        "--epochs", type=int, default=2, help="training epochs per device (0: decoding only)"
    )
    ap.add_argument("--model", type=Path, default=None, help="model to decode with")
    ap.add_argument("--task", default="text2sql", help="task of --model and --data")
    ap.add_argument("--data", type=Path, default=None, help="instructions to decode")
    ap.add_argument("--n", type=int, default=128, help="instructions decoded per setting")
    ap.add_argument("--batches", default="1,8,32,128", help="comma-separated batch sizes")
    ap.add_argument("--beams", default="1,5", help="comma-separated beam sizes")
    ap.add_argument("--repeats", type=int, default=2, help="passes per setting (best kept)")
    ap.add_argument("--cpu-batches", default="1,32", help="batch sizes decoded on a CPU")
    ap.add_argument("--out", type=Path, default=Path("runs/bench_throughput"))
    ap.add_argument("--quick", action="store_true", help="one epoch, 16 instructions")
    ap.add_argument("--results", default="throughput", help="results file name")
    args = ap.parse_args(argv)
    if args.devices == "auto":
        devices = ["cuda", "cpu"] if pick_device("auto") == "cuda" else ["cpu"]
    else:
        devices = [pick_device(d) for d in args.devices.split(",")]
    epochs, n = (1, 16) if args.quick else (args.epochs, args.n)
    model = args.model or default_model(get_environment(get_task(args.task).environment))
    path = results_path(f"{args.results}_quick" if args.quick else args.results)
    instructions, envs = decoding_inputs(args.task, args.data, n)
    results: dict[str, Any] = {
        **run_metadata("quick" if args.quick else "full", sys.argv),
        "training": {},
        "decoding": {},
        "decoding_model": str(model),
        "decoding_task": args.task,
        "n_instructions": len(instructions),
    }
    for device in devices:
        if epochs:
            print(f"training on {device} ...", flush=True)
            results["training"][device] = train_speed(device, epochs, args.out / device)
        parser = Parser.load(model, device)
        sizes = args.batches if device == "cuda" else args.cpu_batches
        results["decoding"][device] = {
            "device": device_name(device)
            if device == "cuda"
            else f"cpu, {parser.threads or 'all'} thread(s) (the parser's setting)",
            "runs": [
                decode_speed(parser, instructions, envs, int(b), int(k), args.repeats)
                for k in args.beams.split(",")
                for b in sizes.split(",")
            ],
        }
        # Written after each device too, so a run cut short still leaves what it measured.
        results["summary"] = summary(results)
        write_results(path, results)
    print_table(results)
    return results


def summary(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows for the README's results table: training examples a second per device, and the
    best decoding rate per device and beam size."""
    rows = [
        {
            "metric": "training examples/s (sql recipe)",
            "setting": t["device"],
            "value": t["examples_per_second"],
        }
        for t in results["training"].values()
    ]
    for d in results["decoding"].values():
        for beams in sorted({r["beams"] for r in d["runs"]}):
            best = max((r for r in d["runs"] if r["beams"] == beams), key=_rate)
            rows.append(
                {
                    "metric": f"constrained decoding instructions/s, beam {beams}",
                    "setting": f"{d['device']}, batch {best['batch']}",
                    "value": best["instructions_per_second"],
                }
            )
    return rows


def _rate(run: dict[str, Any]) -> float:
    return run["instructions_per_second"]


def print_table(results: dict[str, Any]) -> None:
    """Two Markdown tables: training, then decoding."""
    print(f"\nThroughput ({results['mode']}, {results['device']}, {results['date']})")
    print("| training on | examples/s | median step ms | bf16 |")
    print("|---|---|---|---|")
    for t in results["training"].values():
        print(
            f"| {t['device']} | {t['examples_per_second']} | {t['median_step_ms']} | "
            f"{t['bf16_autocast']} |"
        )
    print(f"\ndecoding {results['n_instructions']} instructions ({results['decoding_model']})")
    print("| device | beams | batch | instructions/s | ms/instruction |")
    print("|---|---|---|---|---|")
    for d in results["decoding"].values():
        for r in d["runs"]:
            print(
                f"| {d['device']} | {r['beams']} | {r['batch']} | "
                f"{r['instructions_per_second']} | {r['ms_per_instruction']} |"
            )


if __name__ == "__main__":
    main()
