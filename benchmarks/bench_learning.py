"""Learning from denotations on SCAN: splits held out from the simple training file.

For each split the learner sees only (command, action sequence) pairs of its training
part, searches for grid programs that reproduce the actions, remembers them and retrains,
within a time budget; the parser it leaves is then scored on the held-out part (action
sequence accuracy: the chosen program's trace equals the expected actions).

Splits, all taken from ``tasks_train_simple.txt`` (no other evaluation file is read):

- ``simple``: a seeded 20% of the commands held out;
- ``length``: train on commands with at most 22 actions, test on the longer ones;
- ``addprim_jump``: train on every command without "jump" plus the bare command "jump",
  test on the other commands with "jump".

Memorised forms are compared with a reference translation (``tests/scan_oracle.py``, read
here only to *report* spurious forms: consistent with the actions, different from the
reference); the learner never sees it. Prints a table and writes
``benchmarks/results/learning.json``.

    python -m benchmarks.bench_learning [--quick] [--minutes 25] [--splits simple,length]
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from parseinstr.environments.scan import ScanTask, parse_scan_line
from parseinstr.learning import (
    LearnConfig,
    _check,
    examples_for_learning,
    learn_from_denotations,
    load_parser,
    predict,
)

from .common import REPO, results_path, run_metadata, write_results

SCAN_FILE = REPO.parent / "shared" / "data" / "scan" / "tasks_train_simple.txt"
SCAN_GZ = REPO / "tests" / "data" / "scan" / "tasks_train_simple.txt.gz"
TARGETS = {"simple": 0.99, "length": 0.95, "addprim_jump": 0.90}


def scan_lines() -> list[str]:
    """The lines of SCAN's simple training file (the shared copy, else the test copy)."""
    if SCAN_FILE.exists():
        text = SCAN_FILE.read_text(encoding="utf-8")
    else:
        with gzip.open(SCAN_GZ, "rt", encoding="utf-8") as f:
            text = f.read()
    return [line.strip() for line in text.splitlines() if line.strip()]


def make_split(name: str, lines: list[str], seed: int = 0) -> tuple[list[str], list[str]]:
    """(train lines, test lines) of a split (see the module docstring)."""
    if name == "simple":
        order = list(range(len(lines)))
        random.Random(seed).shuffle(order)
        held = set(order[: len(lines) // 5])
        return [x for i, x in enumerate(lines) if i not in held], [lines[i] for i in sorted(held)]
    if name == "length":
        n_actions = [len(parse_scan_line(x, "scan")[1]) for x in lines]
        return (
            [x for x, n in zip(lines, n_actions, strict=True) if n <= 22],
            [x for x, n in zip(lines, n_actions, strict=True) if n > 22],
        )
    if name == "addprim_jump":
        commands = [parse_scan_line(x, "scan")[0] for x in lines]
        has_jump = ["jump" in c.split() for c in commands]
        train = [x for x, j in zip(lines, has_jump, strict=True) if not j]
        train += [x for x, c in zip(lines, commands, strict=True) if c == "jump"]
        test = [x for x, c, j in zip(lines, commands, has_jump, strict=True) if j and c != "jump"]
        return train, test
    raise SystemExit(f"unknown split {name!r} (simple, length, addprim_jump)")


def _oracle() -> Any:
    spec = importlib.util.spec_from_file_location("scan_oracle", REPO / "tests" / "scan_oracle.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def canonical(form: str) -> str:
    """A grid form with ``after(a, b)`` written ``seq(b, a)`` and nested ``seq`` flattened:
    two forms equal here differ only in how they spell an order."""
    from parseinstr.environments.grid import GridEnvironment

    tree = GridEnvironment().parse(form)

    def walk(node: Any) -> str:
        if not hasattr(node, "data"):
            return str(node)
        kids = [walk(c) for c in node.children]
        name = str(node.data)
        if name == "after":
            name, kids = "seq", kids[::-1]
        if name == "seq":
            flat: list[str] = []
            for k in kids:
                flat.extend(k[4:-1].split(" ; ") if k.startswith("seq(") else [k])
            return "seq(" + " ; ".join(flat) + ")"
        if name in ("start", "prog"):
            return kids[0]
        return f"{name}(" + ", ".join(kids) + ")"

    return walk(tree)


def spurious_report(out: Path, train_file: Path, sample: int = 10) -> dict[str, Any]:
    """Memorised forms that differ from the reference translation (consistent, but for
    another reason), with a sample."""
    oracle = _oracle()
    memory = json.loads((out / "memory.json").read_text())["forms"]
    commands = {e.id: e.instruction for e in ScanTask(train_file).examples()}
    differ, order_only, first_spurious, rows = 0, 0, 0, []
    total = 0
    for key, forms in memory.items():
        reference = oracle.translate(commands[key])
        total += len(forms)
        for k, f in enumerate(forms):
            if f["form"].replace(" ", "") == reference.replace(" ", ""):
                continue
            differ += 1
            if canonical(f["form"]) == canonical(reference):
                order_only += 1  # seq(b, a) for "a after b": another spelling of one order
                continue
            first_spurious += k == 0
            if len(rows) < 500:
                rows.append(
                    {
                        "command": commands[key],
                        "memorised": f["form"],
                        "reference": reference,
                        "rank_in_memory": k,
                        "source": f["source"],
                    }
                )
    random.Random(0).shuffle(rows)
    return {
        "forms": total,
        "differ_from_reference": differ,
        "differ_only_in_spelling_order": order_only,
        "spurious": differ - order_only,
        "examples_whose_first_form_is_spurious": first_spurious,
        "sample": rows[:sample],
    }


def run_split(
    name: str, lines: list[str], config: LearnConfig, quick: bool, folder: Path, beam: int
) -> dict[str, Any]:
    """Learn on the split's training part, score on its test part."""
    train, test = make_split(name, lines)
    if quick:
        rng = random.Random(0)
        train = rng.sample(train, min(len(train), 400))
        test = rng.sample(test, min(len(test), 100))
    train_file, test_file = folder / f"{name}_train.txt", folder / f"{name}_test.txt"
    train_file.write_text("\n".join(train) + "\n")
    test_file.write_text("\n".join(test) + "\n")
    out = folder / f"model_{name}"
    started = time.monotonic()
    card = learn_from_denotations(ScanTask(train_file), out, config)
    learn_minutes = (time.monotonic() - started) / 60
    parser = load_parser(out)
    test_task = ScanTask(test_file)
    items = examples_for_learning(test_task, test_task.examples())
    started = time.monotonic()
    forms = predict(parser, items, beam)
    correct = [f is not None and _check(it, f) for it, f in zip(items, forms, strict=True)]
    eval_minutes = (time.monotonic() - started) / 60
    oracle = _oracle()
    other_reason = sum(
        ok and canonical(f) != canonical(oracle.translate(it.instruction))
        for it, f, ok in zip(items, forms, correct, strict=True)
    )
    errors = [
        {"command": it.instruction, "predicted": f}
        for it, f, ok in zip(items, forms, correct, strict=True)
        if not ok
    ][:10]
    last = card["history"][-1]
    return {
        "split": name,
        "n_train": len(train),
        "n_test": len(items),
        "test_accuracy": sum(correct) / len(items) if items else 0.0,
        "target": TARGETS[name],
        "learn_minutes": round(learn_minutes, 2),
        "eval_minutes": round(eval_minutes, 2),
        "coverage": last["coverage"],
        "memory_size": last["memory_size"],
        "validation_accuracy": last["dev_execution_accuracy"],
        "rounds": card["history"],
        "correct_but_not_the_reference_program": other_reason,
        "test_errors_sample": errors,
        "spurious": spurious_report(out, train_file),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write its results."""
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a smoke run on small samples")
    ap.add_argument("--minutes", type=float, default=25.0, help="learning budget per split")
    ap.add_argument("--splits", default="simple,length,addprim_jump")
    ap.add_argument("--slots", default="on", help="on, off or on,off (ablation)")
    ap.add_argument("--objective", default="hard-em", help="hard-em or mml")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    ap.add_argument("--beam", type=int, default=4, help="beam at test time")
    ap.add_argument("--out", type=Path, default=None, help="keep models here")
    args = ap.parse_args(argv)
    lines = scan_lines()
    results: dict[str, Any] = {**run_metadata("quick" if args.quick else "full", [__file__, *argv])}
    results["runs"] = []
    folder = args.out or Path(tempfile.mkdtemp(prefix="bench_learning_"))
    folder.mkdir(parents=True, exist_ok=True)
    for slots in args.slots.split(","):
        for name in args.splits.split(","):
            config = LearnConfig(
                max_minutes=1.5 if args.quick else args.minutes,
                slots=slots == "on",
                objective=args.objective,
                threads=args.threads,
                **(
                    dict(d_model=64, layers=1, ff=128, min_steps_per_round=60, enum_seconds=20)
                    if args.quick
                    else {}
                ),
            )
            sub = folder / f"slots_{slots}"
            sub.mkdir(exist_ok=True)
            row = run_split(name, lines, config, args.quick, sub, args.beam)
            row["slots"] = slots
            row["measured"] = {k: results[k] for k in ("commit", "date", "command", "device")}
            row["machine"] = "2-core CPU shared with other jobs"
            results["runs"].append(row)
            print(
                f"{name:13s} slots {slots:3s} test acc {row['test_accuracy']:.4f} "
                f"(target {row['target']}) n={row['n_test']} coverage {row['coverage']:.3f} "
                f"learn {row['learn_minutes']:.1f} min",
                flush=True,
            )
    print()
    header = ("split", "slots", "test acc", "target", "coverage", "min")
    print("{:13s} {:5s} {:>8s} {:>6s} {:>8s} {:>5s}".format(*header))
    for row in results["runs"]:
        print(
            f"{row['split']:13s} {row['slots']:5s} {row['test_accuracy']:8.4f} "
            f"{row['target']:6.2f} {row['coverage']:8.3f} {row['learn_minutes']:5.1f}"
        )
    name = "learning_quick" if args.quick else "learning"
    path = results_path(name)
    if path.exists():  # keep the runs of other splits measured by earlier invocations
        kept = json.loads(path.read_text()).get("runs", [])
        done = {(r["split"], r["slots"]) for r in results["runs"]}
        results["runs"] = [
            r for r in kept if (r["split"], r.get("slots", "on")) not in done
        ] + results["runs"]
    write_results(path, results)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
