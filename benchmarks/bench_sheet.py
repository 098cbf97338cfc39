"""Parser accuracy on spreadsheet tasks whose phrasings were held out of training.

The sheet generator records which phrasing template wrote each instruction
(``template``, e.g. ``count_prefix/1``). About a quarter of the templates, chosen by a
stable hash and never all of one kind, are held out: training data comes from the other
templates (generator seed 0), test data only from the held-out ones (seed 1, so other
sheets and values too). One run trains a parser from scratch and ablates decoding:
unconstrained greedy, grammar-constrained greedy, constrained beam with execution-guided
selection. Prints a table and writes ``benchmarks/results/sheet_parser.json``.

    python -m benchmarks.bench_sheet [--quick] [--minutes 20] [--train 3000] [--test 400]
        [--copy-slots] [--encoder scratch|minilm] [--freeze-encoder [--tune-top-layers N]]

With ``--supervision denotation`` the parser learns from (instruction, sheet, expected
cells or answer) only: the search learner (``parseinstr.learning``) without gold forms,
or, with ``--gold-fraction F``, self-training from that share of gold forms
(``parseinstr.self_training``); the test is the same held-out phrasings. Results go to
``sheet_denotation[_gold<F>].json``.

Cross-fitting a memory (a parser that trained on an example's form mostly repeats it, so it
cannot correct it): ``--start-memory M --memory-fold 0/2 --search-only --no-refresh`` trains
on fold 0 of M and labels the other fold with that parser's n-best (and ``--memory-fold 1/2``
the other way round); ``--start-memory M F0 F1`` then starts from M with the folds' searched
forms in place of its own where they write as many of the instruction's mentions.
``--search-fold K/N`` splits one search between N runs side by side (each opens only its
fold's examples); their memories merge the same way.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from parseinstr import get_task
from parseinstr.copying import mention_frame
from parseinstr.environments.sheet import SheetEnvironment
from parseinstr.io import read_json
from parseinstr.model import ModelSpec, pick_device
from parseinstr.parser import Parser
from parseinstr.self_training import in_fold
from parseinstr.training import TrainConfig, device_name, train_parser

from .bench_parser import ablation, latency, spec_for
from .common import results_path, run_metadata, write_results
from .spurious import Remembered, verdict

# The word curriculum of the search learner reaches every sheet instruction at once.
SHEET_ENUM_WORDS = 80


def held_out_templates(rows: list[dict[str, Any]], share: int = 4) -> set[str]:
    """Templates to hold out: those whose hash falls in 1/``share`` of the range, keeping at
    least one template of every kind for training."""
    by_kind: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        by_kind[r["kind"]].add(r["template"])
    held: set[str] = set()
    for templates in by_kind.values():
        ordered = sorted(templates)
        out = [t for t in ordered if int(hashlib.sha1(t.encode()).hexdigest(), 16) % share == 0]
        if len(out) == len(ordered):
            out = out[1:]
        held.update(out)
    return held


# The held-out templates are chosen among those of the pool that this many training tasks
# draw from. A larger pool meets templates a smaller one lacks, and a quarter of those
# would join the held-out set and change the test; fixing the pool at the default's size
# keeps one test for every training size from here up (templates met only in a larger
# pool are training templates: they are never in the test).
HELD_OUT_POOL_TRAIN = 3000


def split_by_template(n_train: int, n_test: int) -> tuple[list[dict], list[dict], set[str]]:
    """(train rows, test rows, held-out templates).

    The test is the same for every ``n_train`` of at least :data:`HELD_OUT_POOL_TRAIN`.
    """
    sheet = get_task("sheet")
    pool_size = max(4 * n_train, 2000)
    held_pool_size = max(4 * min(n_train, HELD_OUT_POOL_TRAIN), 2000)
    pool = sheet.generate(pool_size, 0)
    held_pool = pool if held_pool_size == pool_size else sheet.generate(held_pool_size, 0)
    held = held_out_templates(held_pool)
    train = [r for r in pool if r["template"] not in held][:n_train]
    test_pool = sheet.generate(max(8 * n_test, 2000), 1)
    test = [r for r in test_pool if r["template"] in held][:n_test]
    return train, test, held


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="a tiny model for one minute")
    ap.add_argument("--minutes", type=float, default=20.0, help="training budget")
    ap.add_argument(
        "--epochs",
        type=int,
        default=None,
        help="train this many epochs, the learning rate decaying over them (the same run on "
        "any machine); --minutes stays an upper bound",
    )
    ap.add_argument("--train", type=int, default=3000, help="training tasks")
    ap.add_argument("--test", type=int, default=400, help="test tasks (held-out phrasings)")
    ap.add_argument("--beams", type=int, default=5)
    ap.add_argument("--out", type=Path, default=Path("runs/bench_sheet"))
    ap.add_argument(
        "--copy-slots", action="store_true", help="train with copy slots (parseinstr.copying)"
    )
    ap.add_argument(
        "--copy-parts",
        action="store_true",
        help="with --copy-slots: values also copy into cell references (F and 11 of F11)",
    )
    ap.add_argument(
        "--copy-percents",
        action="store_true",
        help="with --copy-slots: a number given only as a percentage copies as its factor",
    )
    ap.add_argument(
        "--encoder",
        default="scratch",
        help="scratch or minilm (the pip-installed pretrained encoder, fine-tuned)",
    )
    ap.add_argument(
        "--freeze-encoder",
        action="store_true",
        help="keep the pretrained encoder fixed, encoding each input once",
    )
    ap.add_argument(
        "--tune-top-layers", type=int, default=0, help="with --freeze-encoder: layers trained"
    )
    ap.add_argument(
        "--output-split", default="bytelevel", help="output tokenizer: bytelevel or spaces"
    )
    ap.add_argument("--precision", default="auto", help="auto, bf16 or fp32 (training)")
    ap.add_argument("--supervision", default="logical-form", help="logical-form or denotation")
    ap.add_argument(
        "--gold-fraction", type=float, default=0.0, help="denotation: share keeping gold forms"
    )
    ap.add_argument("--rounds", type=int, default=3, help="self-training rounds")
    ap.add_argument(
        "--prior",
        type=int,
        default=0,
        help="denotation: self-train from synthetic forms, this many per training sheet",
    )
    ap.add_argument(
        "--prior-ratio", type=float, default=1.0, help="synthetic examples per task per epoch"
    )
    ap.add_argument(
        "--final-minutes", type=float, default=None, help="self-training: the last round's budget"
    )
    ap.add_argument("--search-beam", type=int, default=10, help="self-training: n-best searched")
    ap.add_argument(
        "--prior-search",
        type=int,
        default=0,
        help="self-training: forms drawn from the anchored prior for a task the n-best misses",
    )
    ap.add_argument(
        "--samples",
        type=int,
        default=0,
        help="self-training: forms drawn from the parser for a task its n-best misses",
    )
    ap.add_argument(
        "--temperature", type=float, default=1.0, help="self-training: sampling temperature"
    )
    ap.add_argument(
        "--no-refresh",
        action="store_true",
        help="self-training: search only the tasks without a form yet",
    )
    ap.add_argument(
        "--start-memory",
        type=Path,
        nargs="+",
        default=None,
        help="self-training: continue from an earlier run's memory.json; with several, a later "
        "file's searched forms replace the earlier ones (unless they write fewer mentions)",
    )
    ap.add_argument(
        "--memory-fold",
        default=None,
        metavar="K/N",
        help="self-training: keep only the start memory's fold K of N (by example id); the run "
        "searches the rest with a parser trained on that fold (cross-fitting)",
    )
    ap.add_argument(
        "--search-fold",
        default=None,
        metavar="K/N",
        help="self-training: searches open only the examples of fold K of N (by example id), "
        "so N runs may search one memory side by side (merge with --start-memory A B C)",
    )
    ap.add_argument(
        "--defer-ambiguous",
        action="store_true",
        help="self-training: leave an example whose consistent candidates mean different "
        "things on fictitious sheets for a later round's parser",
    )
    ap.add_argument(
        "--search-only",
        action="store_true",
        help="self-training: every round searches, none trains a final parser; no evaluation",
    )
    ap.add_argument(
        "--start-parser",
        type=Path,
        default=None,
        help="self-training: the first round searches with this model folder (no training)",
    )
    ap.add_argument(
        "--init-from",
        type=Path,
        default=None,
        help="start training from this model folder's weights (fresh optimizer and schedule)",
    )
    ap.add_argument("--seed", type=int, default=0, help="training seed (the data stay the same)")
    ap.add_argument(
        "--edits", type=int, default=0, help="denotation: edit search around the top K candidates"
    )
    ap.add_argument(
        "--workers", type=int, default=1, help="denotation: processes enumerating side by side"
    )
    ap.add_argument(
        "--enum-seconds", type=float, default=420.0, help="denotation: enumeration per round"
    )
    ap.add_argument(
        "--per-input", type=float, default=6.0, help="denotation: enumeration seconds per input"
    )
    ap.add_argument(
        "--beam-inputs", type=int, default=100, help="denotation: inputs searched by beam a round"
    )
    ap.add_argument(
        "--interleave",
        action="store_true",
        help="denotation: fill each enumeration cell from every expansion in turn",
    )
    ap.add_argument(
        "--cell-cap", type=int, default=4000, help="denotation: forms per enumeration cell"
    )
    ap.add_argument(
        "--retrain-minutes",
        type=float,
        default=0.0,
        help="denotation: then retrain this recipe (--encoder ...) on the remembered forms",
    )
    ap.add_argument(
        "--retrain-rounds",
        type=int,
        default=1,
        help="denotation: retrainings, each after the last model searched the uncovered tasks",
    )
    ap.add_argument(
        "--search-minutes",
        type=float,
        default=0.0,
        help="with --memory: first enumerate for the tasks it does not cover, this long",
    )
    ap.add_argument(
        "--memory",
        type=Path,
        default=None,
        help="denotation: no search; retrain on this memory.json of an earlier run",
    )
    ap.add_argument(
        "--device", default="auto", help="auto, cpu or cuda: where training and evaluation run"
    )
    ap.add_argument("--batch-size", type=int, default=16, help="examples per optimizer step")
    ap.add_argument("--results", default=None, help="results file name (default from options)")
    ap.add_argument(
        "--evaluate-model",
        type=Path,
        default=None,
        help="evaluate this model folder (trained by an earlier run on the same split) "
        "instead of training one",
    )
    args = ap.parse_args(argv)
    if args.supervision not in ("logical-form", "denotation"):
        ap.error(f"--supervision {args.supervision!r}: use logical-form or denotation")
    if args.evaluate_model and not (args.evaluate_model / "model_card.json").is_file():
        ap.error(f"--evaluate-model {args.evaluate_model}: no model folder (no model_card.json)")
    if args.epochs is not None and args.epochs < 1:
        ap.error(f"--epochs {args.epochs}: train at least one epoch")
    if args.memory_fold is not None and not args.start_memory:
        ap.error("--memory-fold needs --start-memory")
    for name, fold in (("--memory-fold", args.memory_fold), ("--search-fold", args.search_fold)):
        k, _, n = (fold or "0/1").partition("/")
        if not (k.isdigit() and n.isdigit() and 0 <= int(k) < int(n)):
            ap.error(f"{name} {fold!r}: use K/N with 0 <= K < N")
    if args.search_only and args.supervision != "denotation":
        ap.error("--search-only: only with --supervision denotation")
    device = pick_device(args.device)  # a missing CUDA fails before any work
    quick = args.quick
    n_train, n_test = (300, 40) if quick else (args.train, args.test)
    minutes = 1.0 if quick else args.minutes
    train_rows, test_rows, held = split_by_template(n_train, n_test)
    overlap = {r["template"] for r in train_rows} & {r["template"] for r in test_rows}
    assert not overlap, overlap
    sheet = get_task("sheet")
    train = sheet.from_options(data=write_jsonl(args.out / "train.jsonl", train_rows))
    test = sheet.from_options(data=write_jsonl(args.out / "test.jsonl", test_rows))
    spec = (
        ModelSpec(d_model=64, encoder_layers=1, decoder_layers=1, heads=2, ff=128)
        if quick
        else spec_for(args.encoder, quick)
    )
    config = TrainConfig(
        epochs=args.epochs or 400,
        batch_size=args.batch_size,
        eval_every=2,
        max_minutes=minutes,
        patience=12,
        lr=5e-4 if args.encoder == "scratch" else 3e-4,
        copy_slots=args.copy_slots,
        copy_parts=args.copy_parts,
        copy_percents=args.copy_percents,
        freeze_encoder=args.freeze_encoder,
        tune_top_layers=args.tune_top_layers,
        output_split=args.output_split,
        precision=args.precision,
        seed=args.seed,
        device=args.device,
        init_from=None if args.init_from is None else str(args.init_from),
    )
    # Provenance as the run starts: the commit that trains is the one recorded.
    metadata = run_metadata("quick" if quick else "full", sys.argv)
    started = time.monotonic()
    learning: dict[str, Any] | None = None
    model_dir = args.out / "model"
    if args.evaluate_model is not None:
        model_dir = args.evaluate_model
        card = json.loads((model_dir / "model_card.json").read_text(encoding="utf-8"))
        log_path = model_dir / "learning_log.json"
        learning = {"evaluated_model": str(model_dir), "trained_by": card.get("command")}
        if log_path.exists():
            learning.update(json.loads(log_path.read_text(encoding="utf-8")))
    elif args.supervision == "denotation":
        if args.memory is None:
            card, learning = learn(train, model_dir, args, spec, config, minutes)
            memory_path = model_dir / "memory.json"
            if args.prior or args.gold_fraction:
                learning["memory_report"] = memory_report(train_rows, memory_path)
            if args.search_only:
                print(f"searched only: memory in {memory_path}; no parser to evaluate")
                return {"learning": learning, "memory": str(memory_path)}
        else:
            card, learning, memory_path = {}, {"memory": str(args.memory)}, args.memory
            if args.search_minutes:
                learning["search"], memory_path = search_more(train, args, args.search_minutes)
        if args.retrain_minutes or args.memory is not None:
            card, learning["retrained"] = retrain(
                train_rows,
                memory_path,
                args.out,
                spec,
                config,
                args.retrain_minutes or minutes,
                args.retrain_rounds,
                args.edits,
            )
            model_dir = args.out / "retrained"
    else:
        card = train_parser(train, model_dir, spec, config, command=" ".join(sys.argv))
    trained = (time.monotonic() - started) / 60
    parser = Parser.load(model_dir, device)
    results: dict[str, Any] = {
        **metadata,
        "data": (
            f"generated sheet tasks: {len(train_rows)} train (seed 0) from "
            f"{len({r['template'] for r in train_rows})} templates; {len(test_rows)} test "
            f"(seed 1) from {len(held)} held-out templates"
        ),
        "held_out_templates": sorted(held),
        "budget_minutes": minutes,
        "budget_epochs": args.epochs,
        "copy_slots": args.copy_slots,
        "copy_parts": args.copy_parts,
        "copy_percents": args.copy_percents,
        "encoder": args.encoder,
        "freeze_encoder": args.freeze_encoder,
        "tune_top_layers": args.tune_top_layers,
        "precision": args.precision,
        "seed": args.seed,
        "edit_candidates": args.edits,
        "supervision": args.supervision,
        "gold_fraction": args.gold_fraction if args.supervision == "denotation" else 1.0,
        "learning": learning,
        "train_minutes": round(trained, 2),
        "device_used": device_name(device),
        "training_throughput": card.get("throughput"),
        "card_metrics": card.get("metrics"),
        "history": card.get("history"),
        "ablation": ablation(parser, test, args.beams, per_example=True),
        "latency": latency(parser, test, args.beams, 10 if quick else 50),
    }
    best = results["ablation"][list(results["ablation"])[-1]]
    results["by_kind"], results["by_training_phrasings"] = breakdown(
        train_rows, test_rows, best.pop("correct")
    )
    for r in results["ablation"].values():
        r.pop("correct", None)
    results["summary"] = [
        {
            "metric": "sheet execution accuracy, held-out phrasings",
            "setting": name,
            "value": r["execution_accuracy"],
        }
        for name, r in results["ablation"].items()
    ] + [
        {
            "metric": f"sheet run latency median ms ({'GPU' if device == 'cuda' else 'CPU'})",
            "setting": f"beam {args.beams} + execution",
            "value": round(results["latency"]["median_ms"], 1),
        }
    ]
    print_table(results)
    name = "sheet_parser" if args.supervision == "logical-form" else "sheet_denotation"
    if args.supervision == "denotation" and args.gold_fraction:
        name += f"_gold{args.gold_fraction:g}"
    if args.supervision == "denotation" and args.prior:
        name += f"_prior{args.prior}"
    name += "" if args.encoder == "scratch" else f"_{args.encoder}"
    if args.freeze_encoder:
        name += f"_top{args.tune_top_layers}" if args.tune_top_layers else "_frozen"
    if args.output_split != "bytelevel":
        name += f"_{args.output_split}"
    name = args.results or name
    write_results(results_path(f"{name}_quick" if quick else name), results)
    return results


def search_more(train: Any, args: Any, minutes: float) -> tuple[dict[str, Any], Path]:
    """Enumerate (the learner's search, with the bench's search settings) for the training
    tasks that ``args.memory`` does not cover, for ``minutes``, skipping those that the
    search record beside it (``search.json``) says were searched; returns the round's counts
    and the grown memory's path (its record beside it)."""
    from parseinstr.learning import SEARCH_RECORD, Learner, Memory, examples_for_learning

    out = args.out / "search"
    out.mkdir(parents=True, exist_ok=True)
    items = examples_for_learning(train, train.examples())
    learner = Learner(items, [], search_config(args, minutes), out)
    learner.memory = Memory.load(args.memory)
    record = Path(args.memory).with_name(SEARCH_RECORD)  # the earlier search's, if kept
    skipped = learner.load_search_record(record) if record.exists() else 0
    dropped = learner.forget_coincidences()
    before = learner.coverage()
    stats = learner.enumerate_round(0, SHEET_ENUM_WORDS, minutes * 60)
    learner.memory.save(out / "memory.json")
    learner.save_search_record(out / SEARCH_RECORD)
    stats.update(
        searched_before=skipped,
        coincidences_dropped=dropped,
        coverage_before=before,
        coverage=learner.coverage(),
        minutes=minutes,
    )
    print(f"search: {stats}", flush=True)
    return stats, out / "memory.json"


def search_config(args: Any, minutes: float) -> Any:
    """The search learner's settings for sheets: every instruction is enumerated (shortest
    first), up to forms of four words and names."""
    from parseinstr.learning import LearnConfig

    return LearnConfig(
        max_minutes=minutes,
        enum_max_words=SHEET_ENUM_WORDS,
        enum_words_cap=SHEET_ENUM_WORDS,
        enum_max_size=4,
        enum_seconds=args.enum_seconds,
        enum_seconds_per_input=args.per_input,
        enum_workers=args.workers,
        enum_kept=8,  # an enumerator per instruction: keeping them all fills the memory
        enum_interleave=args.interleave,
        enum_cell_cap=args.cell_cap,
        beam_inputs=args.beam_inputs,
        edit_candidates=args.edits,
    )


def retrain(
    train_rows: list[dict[str, Any]],
    memory_path: Path,
    out: Path,
    spec: ModelSpec,
    config: TrainConfig,
    minutes: float,
    rounds: int = 1,
    edits: int = 0,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Train the bench's recipe on the forms a search remembered (no gold form is read);
    with ``rounds`` > 1, between trainings the model searches the uncovered training tasks
    (10-best, and one-token edits of its top ``edits``) and what it finds is remembered.
    Returns the last model card and what each round trained on and found."""
    from parseinstr.learning import (
        Memory,
        examples_for_learning,
        remembered_rows,
        search_with_parser,
    )

    memory = Memory.load(memory_path)
    gold = {str(r["id"]): r["logical_form"] for r in train_rows}  # for the report only
    sheet = get_task("sheet")
    history: list[dict[str, Any]] = []
    card: dict[str, Any] = {}
    for round_ in range(rounds):
        rows = remembered_rows(train_rows, memory)
        data = sheet.from_options(data=write_jsonl(out / f"remembered_{round_}.jsonl", rows))
        folder = out / ("retrained" if round_ == rounds - 1 else f"retrained_{round_}")
        card = train_parser(
            data,
            folder,
            spec,
            dataclasses.replace(config, max_minutes=minutes),
            command=" ".join(sys.argv),
        )
        entry: dict[str, Any] = {
            "round": round_,
            "examples": len(rows),
            "forms_unlike_gold": sum(r["logical_form"] != gold[str(r["id"])] for r in rows),
            "validation": (card.get("metrics") or {}).get("validation_execution_accuracy"),
        }
        if round_ < rounds - 1:
            task = sheet.from_options(data=write_jsonl(out / "search.jsonl", train_rows))
            items = examples_for_learning(task, task.examples())  # expected cells only
            started = time.monotonic()
            entry["search"] = search_with_parser(
                Parser.load(folder), items, memory, 10, round_ + 1, edits
            )
            entry["search"]["minutes"] = round((time.monotonic() - started) / 60, 2)
            memory.save(out / "memory_retrained.json")
            print(f"retraining round {round_}: {entry}", flush=True)
        history.append(entry)
    last = history[-1]
    return card, {
        "memory": str(memory_path),
        "examples": last["examples"],
        "of": len(train_rows),
        "forms_unlike_gold": last["forms_unlike_gold"],
        "minutes": minutes,
        "rounds": history,
    }


def memory_report(
    train_rows: list[dict[str, Any]], memory_path: Path, sample: int = 12
) -> dict[str, Any]:
    """How the forms self-training remembered compare with the generator's (read here for
    the report only; the learner never saw them): how many equal it, how many differ, and of
    those how many are spurious (they part from the generator's form on fictitious sheets,
    :func:`benchmarks.spurious.verdict`) rather than equivalent, by task kind, with a sample
    of those that differ and of the spurious ones."""
    memory = read_json(memory_path)
    rows = {str(r["id"]): r for r in train_rows}
    same = differ = spurious = 0
    by_kind: dict[str, dict[str, int]] = defaultdict(
        lambda: {"same": 0, "differ": 0, "spurious": 0}
    )
    unlike: list[dict[str, str]] = []
    wrong: list[dict[str, str]] = []
    for key, entry in sorted(memory.items()):
        row = rows.get(key)
        if row is None or entry.get("source") == "gold":
            continue
        equal = entry["form"] == row["logical_form"]
        same += equal
        differ += not equal
        by_kind[row["kind"]]["same" if equal else "differ"] += 1
        if not equal:
            pair = {
                "instruction": row["instruction"],
                "remembered": entry["form"],
                "generator": row["logical_form"],
            }
            unlike.append(pair)
            env = SheetEnvironment.from_cells(row["sheet"]["cells"])
            item = Remembered(key, row["instruction"], entry["form"], row["logical_form"], env)
            if verdict(item) == "spurious":
                spurious += 1
                by_kind[row["kind"]]["spurious"] += 1
                wrong.append(pair)
    step = max(1, len(unlike) // sample)
    wrong_step = max(1, len(wrong) // sample)
    return {
        "found": same + differ,
        "equal_to_generator": same,
        "unlike_generator": differ,
        "spurious": spurious,
        "by_kind": dict(sorted(by_kind.items())),
        "sample_unlike": unlike[::step][:sample],
        "sample_spurious": wrong[::wrong_step][:sample],
    }


def start_memory(
    paths: Sequence[Path] | None, train: Any = None, fold: str | None = None
) -> dict[str, str] | None:
    """Example id -> form from self-training ``memory.json`` files, or their gzipped
    ``memory.json.gz`` copies (None without one).

    The first file is the base; a later file's forms that its run searched (not carried
    over from an earlier run, not gold) replace the base's unless they write fewer of the
    instruction's mentions. ``fold`` ``"K/N"`` keeps only the ids in that fold.
    """
    if not paths:
        return None
    frames: dict[str, Any] = {}
    if len(paths) > 1 and train is not None:
        frames = {
            e.id: mention_frame(e.instruction, train.environment_for(e)) for e in train.examples()
        }
    memory: dict[str, str] = {}
    for n, path in enumerate(paths):
        for key, entry in read_json(path).items():
            source = entry.get("source", "")
            if source == "gold" or (n > 0 and source == "earlier run"):
                continue
            old, new = memory.get(key), entry["form"]
            frame = frames.get(key)
            if old is not None and frame is not None and frame.used(new) < frame.used(old):
                continue
            memory[key] = new
    if fold is not None:
        memory = {key: form for key, form in memory.items() if in_fold(key, fold)}
    return memory


def learn(
    train: Any, out: Path, args: Any, spec: ModelSpec, config: TrainConfig, minutes: float
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Learn from denotations (search learner, or self-training with a gold share); returns
    the model card and the per-round log."""
    command = " ".join(sys.argv)
    if args.gold_fraction > 0 or args.prior > 0:
        from parseinstr.self_training import self_train
        from parseinstr.synthesis import synthetic_per_instance

        synthetic: list[Any] = []
        prior: dict[str, Any] = {}
        if args.prior > 0:
            # Only the training sheets are read: no form, no expected result.
            synthetic, report = synthetic_per_instance(
                train, args.prior, args.seed, per_form=1, drop_doubted=True
            )
            prior = {"per_sheet": args.prior, **report.to_json()}
            print(f"synthetic prior: {prior}", flush=True)
        log = self_train(
            train,
            out,
            args.gold_fraction,
            rounds=args.rounds,
            minutes_per_round=minutes / args.rounds,
            final_minutes=args.final_minutes,
            beam=args.search_beam,
            spec=spec,
            config=config,
            command=command,
            edit_candidates=args.edits,
            synthetic=synthetic,
            synthetic_per_epoch=(
                round(args.prior_ratio * len(train.examples())) if synthetic else None
            ),
            keep_doubted=args.prior == 0,
            start_memory=start_memory(args.start_memory, train, args.memory_fold),
            refresh=not args.no_refresh,
            prior_samples=args.prior_search,
            parser_samples=args.samples,
            temperature=args.temperature,
            start_parser=args.start_parser,
            search_only=args.search_only,
            defer_ambiguous=args.defer_ambiguous,
            search_fold=args.search_fold,
        )
        log["prior"] = prior
        card = json.loads((out / "model_card.json").read_text(encoding="utf-8"))
        return card, log
    from parseinstr.learning import learn_from_denotations

    config = search_config(args, minutes)
    card = learn_from_denotations(train, out, config, command=command)
    log = json.loads((out / "learning_log.json").read_text(encoding="utf-8"))
    return card, log


def breakdown(
    train_rows: list[dict[str, Any]], test_rows: list[dict[str, Any]], correct: list[bool]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Held-out accuracy per task kind, and per number of phrasings the kind had in
    training (is a kind's accuracy on new phrasings a matter of how many it saw?)."""
    seen: dict[str, set[str]] = defaultdict(set)
    for r in train_rows:
        seen[r["kind"]].add(r["template"])
    kinds: dict[str, list[bool]] = defaultdict(list)
    for r, ok in zip(test_rows, correct, strict=True):
        kinds[r["kind"]].append(ok)
    by_kind = {
        k: {
            "n": len(v),
            "execution_accuracy": round(sum(v) / len(v), 3),
            "training_phrasings": len(seen[k]),
        }
        for k, v in sorted(kinds.items())
    }
    groups: dict[int, list[bool]] = defaultdict(list)
    for k, v in kinds.items():
        groups[min(len(seen[k]), 4)].extend(v)
    by_count = {
        ("4+" if c == 4 else str(c)): {
            "n": len(v),
            "execution_accuracy": round(sum(v) / len(v), 3),
        }
        for c, v in sorted(groups.items())
    }
    return by_kind, by_count


def print_table(results: dict[str, Any]) -> None:
    """A Markdown table of the decoding ablation."""
    print(
        f"\nSheet, held-out phrasings ({results['mode']}, {results['device']}, {results['date']})"
    )
    print("| decoding | exec. acc. | exact | fails to execute |")
    print("|---|---|---|---|")
    for name, r in results["ablation"].items():
        print(
            f"| {name} | {r['execution_accuracy']:.3f} | {r.get('exact_match', 0):.3f} | "
            f"{r['fails_to_execute']:.3f} |"
        )
    print(f"run latency median {results['latency']['median_ms']:.0f} ms")
    print(
        "held-out accuracy by the kind's phrasings in training: "
        + ", ".join(
            f"{c}: {r['execution_accuracy']:.3f} (n={r['n']})"
            for c, r in results.get("by_training_phrasings", {}).items()
        )
    )


if __name__ == "__main__":
    main()
