"""Latency of ``InstructionExecutor.run`` with each bundled model: ``generate`` against the
lean decoder of ``parseinstr.fast_beam``, side by side in one run.

For each bundled model (sql on GeoQuery dev questions; sheet and grid on their demo
instructions) and for ``n_best`` 1 and 5, every instruction is run once per path, the two
paths alternating per instruction (so a change in machine load hits both), on one torch
thread. SQL execution caches are cleared before every timed run, so each run pays for
its queries as a new question would. Both paths must give the same candidates (forms,
order, scores within 1e-3); the table says how many instructions did.

    python -m benchmarks.bench_latency [--quick] [--repeats N] [--model sql=DIR] [--out NAME]

Prints a Markdown table and writes ``benchmarks/results/latency.json``
(``latency_quick.json`` with ``--quick``).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import torch

from parseinstr import fast_beam, get_environment, get_task
from parseinstr.environment import Environment
from parseinstr.parser import InstructionExecutor, Parser

from .common import REPO, results_path, run_metadata, write_results

GEO = REPO / "environments" / "data" / "sql" / "geography" / "geography.json"
MODELS = REPO / "environments" / "models"
PATHS = ("hf", "fast")
SCORE_TOLERANCE = 1e-3


def _fast_generate(
    self: Parser, batch: dict[str, torch.Tensor], beams: int, processors: list[Any]
) -> Any:
    """``Parser._generate`` through the fast decoder (:func:`fast_beam.generate_output`)."""
    return fast_beam.generate_output(self.model, batch, beams, processors, self.max_output_tokens)


def _hf_generate(
    self: Parser, batch: dict[str, torch.Tensor], beams: int, processors: list[Any]
) -> Any:
    """``Parser._generate`` through transformers' ``generate`` (the parser's former call)."""
    return fast_beam.hf_generate_output(
        self.model, batch, beams, processors, self.max_output_tokens
    )


@contextlib.contextmanager
def decoding_path(path: str) -> Iterator[None]:
    """Decode with ``generate`` (``"hf"``) or the fast decoder (``"fast"``), whichever
    ``Parser._generate`` does by itself: both paths are set explicitly."""
    original = Parser._generate
    Parser._generate = _hf_generate if path == "hf" else _fast_generate  # type: ignore[method-assign]
    try:
        yield
    finally:
        Parser._generate = original  # type: ignore[method-assign]


def cold_start(env: Environment) -> None:
    """Forget what earlier runs cached about SQL queries (translations, parsed forms)."""
    try:
        from parseinstr.environments import sql_backends
    except ImportError:  # pragma: no cover - the environments package ships with parseinstr
        return
    clear = getattr(getattr(sql_backends, "translate_query", None), "cache_clear", None)
    if clear is not None:
        clear()
    accepted = getattr(env, "_accepted", None)
    if isinstance(accepted, dict):
        accepted.clear()


def _candidates(result: Any) -> list[tuple[str, float]]:
    return [(a.form, a.score) for a in result.alternatives]


def _same(a: list[tuple[str, float]], b: list[tuple[str, float]]) -> bool:
    return len(a) == len(b) and all(
        fa == fb and abs(sa - sb) <= SCORE_TOLERANCE
        for (fa, sa), (fb, sb) in zip(a, b, strict=True)
    )


def _summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "median_ms": round(statistics.median(ordered), 1),
        "p90_ms": round(ordered[int(0.9 * (len(ordered) - 1))], 1),
        "n": len(ordered),
    }


def measure(
    parser: Parser,
    instructions: Sequence[str],
    make_env: Any,
    n_best: int,
    repeats: int,
    fresh_env: bool,
) -> dict[str, Any]:
    """Run every instruction ``repeats`` times on each path; times and agreement."""
    shared = None if fresh_env else make_env()
    times: dict[str, list[float]] = {p: [] for p in PATHS}
    agree = 0
    disagreements: list[dict[str, Any]] = []
    # A shared environment belongs to its task (which caches it): it is left open.
    for path in PATHS:  # warm up both (grammar compilation, packed weights)
        env = shared or make_env()
        with decoding_path(path):
            InstructionExecutor(parser, env, n_best=n_best).run(instructions[0])
        if env is not shared:
            env.close()
    for i, instruction in enumerate(instructions):
        seen: dict[str, list[tuple[str, float]]] = {}
        for r in range(repeats):
            order = PATHS if (i + r) % 2 == 0 else PATHS[::-1]
            for path in order:
                env = shared or make_env()
                cold_start(env)
                executor = InstructionExecutor(parser, env, n_best=n_best)
                with decoding_path(path):
                    started = time.perf_counter()
                    result = executor.run(instruction)
                    times[path].append((time.perf_counter() - started) * 1000)
                seen.setdefault(path, _candidates(result))
                if env is not shared:
                    env.close()
        if _same(seen["hf"], seen["fast"]):
            agree += 1
        else:
            disagreements.append({"instruction": instruction, **seen})
    return {
        **{p: _summary(t) for p, t in times.items()},
        "speedup_median": round(
            statistics.median(times["hf"]) / statistics.median(times["fast"]), 2
        ),
        "same_candidates": agree,
        "instructions": len(instructions),
        "disagreements": disagreements[:10],
    }


def workloads(quick: bool) -> list[tuple[str, list[str], Any, bool, int]]:
    """(model, instructions, environment factory, fresh environment per run, repeats)."""
    dev = get_task("text2sql").from_options(data=GEO, part="dev")
    examples = dev.examples()
    questions = [e.instruction for e in examples][: 10 if quick else None]
    out: list[tuple[str, list[str], Any, bool, int]] = [
        ("sql", questions, lambda: dev.environment_for(examples[0]), False, 1)
    ]
    for name in ("sheet", "grid"):
        env_cls = get_environment(name)
        demo = env_cls.demo()
        if demo is None:
            continue
        options = dict(demo.options)
        # A sheet keeps the changes a command makes: every run gets a fresh instance.
        out.append(
            (
                name,
                list(demo.instructions),
                lambda cls=env_cls, o=options: cls.from_options(**o),
                True,
                1 if quick else 3,
            )
        )
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="10 GeoQuery questions, one pass")
    ap.add_argument("--repeats", type=int, default=None, help="passes per sheet/grid prompt")
    ap.add_argument("--n-best", default="1,5", help="comma-separated n_best values")
    ap.add_argument(
        "--model",
        action="append",
        default=[],
        metavar="NAME=DIR",
        help="also time the model in DIR on NAME's workload (sql, sheet, grid), reported "
        "as NAME@DIR beside the bundled one; repeatable",
    )
    ap.add_argument("--out", default=None, help="results file name (default latency)")
    args = ap.parse_args(argv)
    extra: dict[str, list[Path]] = {}
    for spec in args.model:
        name, sep, folder = spec.partition("=")
        if not sep or not folder:
            ap.error(f"--model {spec!r}: use NAME=DIR")
        extra.setdefault(name, []).append(Path(folder))
    torch.set_num_threads(1)
    results: dict[str, Any] = {
        **run_metadata("quick" if args.quick else "full", sys.argv),
        "torch_threads": torch.get_num_threads(),
        "paths": {"hf": "transformers generate", "fast": "parseinstr.fast_beam"},
        "models": {},
    }
    for name, instructions, make_env, fresh, repeats in workloads(args.quick):
        for label, folder in [(name, MODELS / name)] + [
            (f"{name}@{f}", f) for f in extra.get(name, [])
        ]:
            if not (folder / "model.safetensors").exists():
                print(f"{label}: no model at {folder}, skipped")
                continue
            parser = Parser.load(folder)
            rows = {}
            for n_best in (int(n) for n in args.n_best.split(",")):
                rows[str(n_best)] = measure(
                    parser, instructions, make_env, n_best, args.repeats or repeats, fresh
                )
            results["models"][label] = {
                "folder": str(folder),
                "fast_supported": fast_beam.supports(parser.model),
                "n_best": rows,
            }
    results["summary"] = [
        {
            "metric": f"run latency median ms, n_best {nb} ({path})",
            "setting": name,
            "value": row[path]["median_ms"],
        }
        for name, model in results["models"].items()
        for nb, row in model["n_best"].items()
        for path in PATHS
    ] + [
        {
            "metric": f"share of instructions with the same candidates, n_best {nb}",
            "setting": f"{name}, hf vs fast",
            "value": round(row["same_candidates"] / row["instructions"], 3),
        }
        for name, model in results["models"].items()
        for nb, row in model["n_best"].items()
    ]
    print_table(results)
    name = args.out or ("latency_quick" if args.quick else "latency")
    write_results(results_path(name), results)
    return results


def print_table(results: dict[str, Any]) -> None:
    """A Markdown table: median and p90 per model, n_best and path."""
    print(f"\nRun latency ({results['mode']}, {results['device']}, {results['date']})")
    print(
        "| model | n_best | hf median ms | hf p90 ms | fast median ms | fast p90 ms "
        "| speedup | same candidates |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, model in results["models"].items():
        for nb, r in model["n_best"].items():
            print(
                f"| {name} | {nb} | {r['hf']['median_ms']:.1f} | {r['hf']['p90_ms']:.1f} | "
                f"{r['fast']['median_ms']:.1f} | {r['fast']['p90_ms']:.1f} | "
                f"{r['speedup_median']:.2f}x | {r['same_candidates']}/{r['instructions']} |"
            )


if __name__ == "__main__":
    main()
