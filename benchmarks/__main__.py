"""Run every benchmark, then assemble a Markdown results table and plots.

    python -m benchmarks [--quick] [--only parser,decoding]

Each ``benchmarks/bench_<name>.py`` module has ``main(argv) -> dict`` that prints its own
table and writes ``benchmarks/results/<name>.json``; a ``summary`` list in that dict (rows
of ``metric``, ``setting``, ``value``) feeds ``benchmarks/results/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import time
from pathlib import Path
from typing import Any

from .common import RESULTS, run_metadata


def bench_modules() -> list[str]:
    """Names of the ``bench_*`` modules in this package."""
    here = Path(__file__).parent
    return sorted(
        m.name[6:] for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_")
    )


def results_markdown(results: dict[str, dict[str, Any]], meta: dict[str, Any]) -> str:
    """The summary rows of every benchmark as one Markdown table."""
    lines = [
        f"# Benchmark results ({meta['mode']})",
        "",
        f"commit {meta['commit']}, {meta['device']}, {meta['date']}",
        "",
        "| benchmark | metric | setting | value | command |",
        "|---|---|---|---|---|",
    ]
    for name, res in results.items():
        for row in res.get("summary", []):
            value = row["value"]
            shown = f"{value:.3f}" if isinstance(value, float) else str(value)
            lines.append(
                f"| {name} | {row['metric']} | {row.get('setting', '')} | {shown} | "
                f"`{res.get('command', '')}` |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="a smoke run of every benchmark")
    ap.add_argument("--only", default="", help="comma list of benchmark names")
    args = ap.parse_args(argv)
    names = [n for n in bench_modules() if not args.only or n in args.only.split(",")]
    results: dict[str, dict[str, Any]] = {}
    for name in names:
        started = time.monotonic()
        print(f"== {name}", flush=True)
        module = importlib.import_module(f"benchmarks.bench_{name}")
        results[name] = module.main(["--quick"] if args.quick else [])
        print(f"== {name}: {time.monotonic() - started:.0f} s", flush=True)
    meta = run_metadata("quick" if args.quick else "full", [sys.argv[0], *sys.argv[1:]])
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / ("RESULTS-quick.md" if args.quick else "RESULTS.md")
    out.write_text(results_markdown(results, meta), encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
