"""Gold logical forms replayed through the specialised grammars and the executors.

What ``parseinstr check`` reports, as a benchmark: for GeoQuery (every question of the
bundled text2sql file) the share of gold SQL the specialised grammar accepts, the share
that executes, agreement of SQLite and DuckDB on the same query, and the share of
corrupted forms (a column of another table, a missing table, a string compared with a
number column, an alias out of scope) the grammar, or the grammar and executor together,
reject; for sheets, the same replay over generated tasks (a seed's worth), whose gold
forms must also give the expected cells or answer. These numbers bound what a parser can
reach: a form the grammar rejects can never be decoded.

    python -m benchmarks.bench_grammar [--quick] [--sheet-tasks N] [--seed S] [--results NAME]

``--quick`` checks GeoQuery's dev part and 200 sheet tasks. Prints a Markdown table and
writes ``benchmarks/results/grammar.json`` (``grammar_quick.json`` with ``--quick``).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from parseinstr import get_task
from parseinstr.check import check_task

from .common import REPO, results_path, run_metadata, write_results

GEO = REPO / "environments" / "data" / "sql" / "geography" / "geography.json"


def _summary(name: str, report: dict[str, Any]) -> list[dict[str, Any]]:
    """Summary rows (metric, setting, value, counts) of one ``check_task`` report."""
    counts = report["counts"]
    gold = counts.get("gold", 0)
    rows: list[dict[str, Any]] = [
        {
            "metric": f"{name}: gold forms {stage}",
            "setting": "specialised grammar, executor",
            "value": report[stage],
            "n": gold,
            "k": counts.get(stage, 0),
        }
        for stage in ("accept", "execute")
    ]
    if "match" in report:
        rows.append(
            {
                "metric": f"{name}: gold forms give the expected denotation",
                "setting": "executor",
                "value": report["match"],
                "n": counts.get("with_expected", 0),
                "k": counts.get("match", 0),
            }
        )
    for key, value in report.items():
        if key.startswith("crosscheck_"):
            rows.append(
                {
                    "metric": f"{name}: same denotation on {key[11:]}",
                    "setting": "both backends executed",
                    "value": value["agree"],
                    "n": value["compared"],
                    "n_nonempty": value["nonempty_compared"],
                }
            )
    for kind, value in report.get("corrupted", {}).items():
        for by in ("rejected_by_grammar", "rejected_by_grammar_or_executor"):
            rows.append(
                {
                    "metric": f"{name}: corrupted forms ({kind}) {by.replace('_', ' ')}",
                    "setting": "one corruption per gold form where it applies",
                    "value": value[by],
                    "n": value["n"],
                }
            )
    return rows


def _check(task: Any) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    report = check_task(task)
    return report, round(time.monotonic() - started, 1)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Replay the gold forms, print the table, write the results file."""
    argv = sys.argv[1:] if argv is None else list(argv)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="GeoQuery dev and 200 sheet tasks")
    ap.add_argument("--sheet-tasks", type=int, default=None, help="generated sheet tasks")
    ap.add_argument("--seed", type=int, default=0, help="seed of the sheet generator")
    ap.add_argument("--results", default=None, help="results file name")
    args = ap.parse_args(argv)
    n_sheet = args.sheet_tasks or (200 if args.quick else 5000)
    mode = "quick" if args.quick else "full"
    results: dict[str, Any] = {
        **run_metadata(mode, ["bench_grammar", *argv]),
        "geoquery": {"data": str(GEO.relative_to(REPO)), "part": "dev" if args.quick else "all"},
        "sheet": {"generated": n_sheet, "seed": args.seed},
    }
    geo_options: dict[str, Any] = {"data": GEO, "split": "question"}
    if args.quick:
        geo_options["part"] = "dev"
    geo, geo_seconds = _check(get_task("text2sql").from_options(**geo_options))
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "sheet.jsonl"
        rows = get_task("sheet").generate(n_sheet, args.seed)
        data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        sheet, sheet_seconds = _check(get_task("sheet").from_options(data=data))
    for name, report, seconds in (
        ("geoquery", geo, geo_seconds),
        ("sheet", sheet, sheet_seconds),
    ):
        results[name].update(report, seconds=seconds)
    results["summary"] = _summary("GeoQuery", geo) + _summary("sheet (generated)", sheet)
    print("| check | share | of |\n|---|---|---|")
    for row in results["summary"]:
        print(f"| {row['metric']} | {row['value']:.2%} | {row['n']} |")
    name = args.results or ("grammar_quick" if args.quick else "grammar")
    write_results(results_path(name), results)
    return results


if __name__ == "__main__":
    main()
