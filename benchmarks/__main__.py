"""Run every benchmark, then assemble RESULTS.md and PNG plots from the results files.

    python -m benchmarks [--quick] [--only parser,decoding]
    python -m benchmarks --report [--quick] [--results DIR]

Each ``benchmarks/bench_<name>.py`` module has ``main(argv)`` that prints its own table and
writes its JSON file under ``benchmarks/results/``. The report is always built from those
files, not from what ``main`` returns (some return an exit code, and files measured by
earlier or partial runs belong in it too): ``--report`` builds it alone, without importing
any benchmark module; a run ends by building it. ``--quick`` reports ``*_quick.json`` files
(in place of the full ones) into ``RESULTS-quick.md``; without it they are left out.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import time
import traceback
from pathlib import Path

from .common import RESULTS


def bench_modules() -> list[str]:
    """Names of the ``bench_*`` modules in this package (found on disk, not imported)."""
    here = Path(__file__).parent
    return sorted(
        m.name[6:] for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_")
    )


def run_benchmarks(names: list[str], quick: bool) -> list[str]:
    """Run the named benchmarks one after another; the names of those that failed (a
    failure is printed and the others still run, so a long run still ends in a report)."""
    failed = []
    for name in names:
        started = time.monotonic()
        print(f"== {name}", flush=True)
        try:
            module = importlib.import_module(f"benchmarks.bench_{name}")
            module.main(["--quick"] if quick else [])
        except Exception:  # noqa: BLE001 - report the failure, run the rest
            traceback.print_exc()
            failed.append(name)
        print(f"== {name}: {time.monotonic() - started:.0f} s", flush=True)
    return failed


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks (unless ``--report``), then write the report; 1 if any failed."""
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a smoke run of every benchmark")
    ap.add_argument("--only", default="", help="comma list of benchmark names to run")
    ap.add_argument(
        "--report",
        action="store_true",
        help="only assemble RESULTS.md and plots from the results files (run nothing)",
    )
    ap.add_argument(
        "--results",
        type=Path,
        default=RESULTS,
        help="folder of the results files the report reads and is written to",
    )
    args = ap.parse_args(argv)
    failed: list[str] = []
    if not args.report:
        wanted = [n for n in args.only.split(",") if n]
        unknown = sorted(set(wanted) - set(bench_modules()))
        if unknown:
            ap.error(f"unknown benchmarks {unknown}; known: {bench_modules()}")
        names = [n for n in bench_modules() if not wanted or n in wanted]
        failed = run_benchmarks(names, args.quick)
    from .report import write_report

    write_report(args.results, args.quick, command=" ".join(["python -m benchmarks", *argv]))
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
