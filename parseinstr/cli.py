"""The ``parseinstr`` command line.

Every :class:`~parseinstr.errors.ParseInstrError` (and every usage error) is printed as one
line on stderr with a non-zero exit status; set ``PARSEINSTR_DEBUG=1`` for tracebacks.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from . import registry
from .bundled import default_model
from .errors import ExecutionError, ParseInstrError, UsageError
from .io import write_json_atomic
from .provenance import provenance

try:  # typer >= 0.20 vendors click as typer._click; older releases use click itself
    from typer._click import exceptions as click_exceptions
except ImportError:  # pragma: no cover
    from click import exceptions as click_exceptions

app = typer.Typer(
    name="parseinstr",
    help="Carry out plain-language instructions in SQL tables, a grid world or a spreadsheet.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(soft_wrap=True)

DbOpt = Annotated[Path | None, typer.Option("--db", help="SQLite/DuckDB file or CSV folder.")]
BackendOpt = Annotated[str | None, typer.Option("--backend", help="sql: sqlite or duckdb.")]
WorldOpt = Annotated[Path | None, typer.Option("--world", help="grid: world file (JSON).")]
PictureOpt = Annotated[Path | None, typer.Option("--picture", help="grid: PNG of the path.")]
SheetOpt = Annotated[Path | None, typer.Option("--sheet", help="sheet: .xlsx or .csv file.")]
SaveOpt = Annotated[Path | None, typer.Option("--save", help="sheet: save the result here.")]
ModelOpt = Annotated[
    Path | None,
    typer.Option("--model", help="Model folder (default: the environment's bundled model)."),
]
ExtraOpt = Annotated[
    list[str] | None,
    typer.Option("--option", "-o", help="Extra KEY=VALUE option for plug-in environments."),
]


def _extra(pairs: list[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--option expects KEY=VALUE, got {pair!r}")
        out[key.replace("-", "_")] = value
    return out


_ARGV: list[str] | None = None


def _command_line() -> list[str]:
    """The command as the user typed it (the arguments given to :func:`main`)."""
    return ["parseinstr", *(_ARGV if _ARGV is not None else sys.argv[1:])]


def _print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n")


@app.command()
def execute(
    environment: Annotated[str, typer.Argument(help="Environment: sql, grid, sheet, ...")],
    logical_form: Annotated[str, typer.Argument(help="The logical form to run.")],
    db: DbOpt = None,
    backend: BackendOpt = None,
    world: WorldOpt = None,
    picture: PictureOpt = None,
    sheet: SheetOpt = None,
    save: SaveOpt = None,
    option: ExtraOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Run a LOGICAL_FORM in an ENVIRONMENT and print its denotation."""
    env_cls = registry.get_environment(environment)
    options = dict(db=db, backend=backend, world=world, picture=picture, sheet=sheet, save=save)
    options.update(_extra(option))
    with env_cls.from_options(**options) as env:
        denotation = env.execute(logical_form)
        written = env.export(denotation)
    if as_json:
        _print_json(
            {
                "environment": environment,
                "logical_form": logical_form,
                "denotation": denotation.to_json(),
                "outputs": written,
            }
        )
        return
    render = getattr(denotation, "__rich__", None)
    console.print(render() if render else json.dumps(denotation.to_json(), indent=2, default=str))
    for path in written:
        console.print(f"wrote {path}")


@app.command()
def check(
    task: Annotated[str, typer.Argument(help="Task: text2sql, scan, sheet, ...")],
    data: Annotated[Path, typer.Option("--data", help="The task's data file.")],
    db: DbOpt = None,
    split: Annotated[str | None, typer.Option(help="text2sql: question or query.")] = None,
    part: Annotated[str | None, typer.Option(help="Comma list: train,dev or folds 0,1.")] = None,
    anonymized: Annotated[
        bool | None, typer.Option("--anonymized", help="Keep variable placeholders.")
    ] = None,
    option: ExtraOpt = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the report here.")] = None,
) -> None:
    """Replay the gold logical forms of a TASK: grammar acceptance, execution, results."""
    from .check import check_task

    task_cls = registry.get_task(task)
    options: dict[str, Any] = dict(data=data, db=db, split=split, part=part, anonymized=anonymized)
    options.update(_extra(option))
    instance = task_cls.from_options(**options)
    from rich.progress import track

    report = check_task(instance, progress=lambda xs: track(xs, description=f"check {task}"))
    report.update(provenance("full", _command_line()))
    counts = report["counts"]
    console.print(
        f"{task}: {counts.get('gold', 0)} gold forms; accepted {report['accept']:.2%}, "
        f"executed {report['execute']:.2%}, non-empty {report['nonempty']:.2%}"
        + (f", matched expected {report['match']:.2%}" if "match" in report else "")
    )
    for key, value in report.items():
        if key.startswith("crosscheck_"):
            console.print(
                f"{key[11:]}: same denotation on {value['agree']:.2%} of {value['compared']} "
                f"compared ({value['nonempty_compared']} non-empty), "
                f"{value['not_compared']} not compared"
            )
    for kind, value in report.get("corrupted", {}).items():
        console.print(
            f"corrupted ({kind}): {value['n']} forms, rejected by the grammar "
            f"{value['rejected_by_grammar']:.2%}, by grammar or executor "
            f"{value['rejected_by_grammar_or_executor']:.2%}"
        )
    for failure in report["failures"][:50]:
        console.print(f"  [{failure['stage']}] {failure['id']}: {failure['reason']}", markup=False)
    if len(report["failures"]) > 50:
        console.print(f"  ... {len(report['failures']) - 50} more failures (see --json)")
    if json_out:
        write_json_atomic(json_out, report)
        console.print(f"wrote {json_out}")


def _task(
    task: str,
    data: Path,
    db: Path | None,
    split: str | None,
    part: str | None,
    anonymized: bool | None,
    option: list[str] | None,
) -> Any:
    options: dict[str, Any] = dict(data=data, db=db, split=split, part=part, anonymized=anonymized)
    options.update(_extra(option))
    return registry.get_task(task).from_options(**options)


@app.command()
def train(
    task: Annotated[str, typer.Argument(help="Task: text2sql, sheet, scan, ...")],
    data: Annotated[Path, typer.Option("--data", help="Training data file.")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write the model to.")],
    db: DbOpt = None,
    split: Annotated[str | None, typer.Option(help="text2sql: question or query.")] = None,
    part: Annotated[str | None, typer.Option(help="Parts to train on, e.g. train.")] = None,
    dev_part: Annotated[
        str | None, typer.Option(help="Parts of the same data to validate on, e.g. dev.")
    ] = None,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda.")] = "auto",
    max_minutes: Annotated[float | None, typer.Option(help="Stop after this long.")] = None,
    epochs: Annotated[int, typer.Option(help="Training epochs at most.")] = 60,
    patience: Annotated[
        int, typer.Option(min=1, help="Stop after this many epochs without a better validation.")
    ] = 12,
    encoder: Annotated[
        str, typer.Option(help="scratch, minilm, or a local BERT checkpoint folder.")
    ] = "scratch",
    freeze_encoder: Annotated[
        bool,
        typer.Option(
            "--freeze-encoder",
            help="Keep the pretrained encoder fixed and encode each input once (fast on CPU).",
        ),
    ] = False,
    tune_top_layers: Annotated[
        int,
        typer.Option(min=0, help="With --freeze-encoder: top encoder layers still trained."),
    ] = 0,
    precision: Annotated[
        str,
        typer.Option(
            help="auto (bfloat16 autocast on CUDA), bf16 (also on a CPU with native "
            "bfloat16: about 2.5x faster steps) or fp32."
        ),
    ] = "auto",
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    members: Annotated[
        int,
        typer.Option(
            min=1,
            help="Train this many parsers side by side (seeds seed, seed+1, ...; one process "
            "each, sharing the CPU cores) and save them as one ensemble.",
        ),
    ] = 1,
    member_beams: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="With --members: beams each member searches with (1: greedy, about three "
            "times faster, a few points less accurate; default: the n-best asked for).",
        ),
    ] = None,
    batch_size: Annotated[
        int,
        typer.Option(
            min=1,
            help="Examples per optimizer step. A GPU gains from more than the default 16: "
            "a step of these small models is bound by kernel launches, not arithmetic.",
        ),
    ] = 16,
    resume: Annotated[bool, typer.Option("--resume", help="Continue from the checkpoint.")] = False,
    init_from: Annotated[
        Path | None,
        typer.Option(
            "--init-from",
            help="Start from this model folder's weights and tokenizers (same architecture "
            "and --copy-slots), with a fresh optimizer and schedule: train a parser further.",
        ),
    ] = None,
    synthetic: Annotated[
        int, typer.Option(min=0, help="Synthetic examples to sample from the grammar (0: none).")
    ] = 0,
    synthetic_per_instance: Annotated[
        int,
        typer.Option(
            min=0,
            help="Synthetic examples on every instance of the data (each sheet of a sheet "
            "task), this many each (0: none). With --learner self-training and no gold "
            "share they are the prior the first round trains on.",
        ),
    ] = 0,
    synthetic_ratio: Annotated[
        float, typer.Option(help="Synthetic examples per human example and epoch.")
    ] = 1.0,
    synthetic_schedule: Annotated[
        str, typer.Option(help="mixed (every epoch) or first (first half only).")
    ] = "mixed",
    half: Annotated[
        bool, typer.Option("--half", help="Store the weights in float16 (bundled models).")
    ] = False,
    copy_slots: Annotated[
        bool,
        typer.Option(
            "--copy-slots", help="Mark the instruction's values and copy them by one token."
        ),
    ] = False,
    copy_parts: Annotated[
        bool,
        typer.Option(
            "--copy-parts",
            help="With --copy-slots: values also copy into letter-digit compounds "
            "(the F and 11 of a cell F11).",
        ),
    ] = False,
    copy_percents: Annotated[
        bool,
        typer.Option(
            "--copy-percents",
            help="With --copy-slots: a number given only as a percentage copies as its "
            "factor (8% -> 0.08).",
        ),
    ] = False,
    decoder_width: Annotated[
        int | None,
        typer.Option(
            min=64,
            help="Hidden size of the decoder (default 256, or the pretrained encoder's): "
            "a narrower one decodes faster; heads and feed-forward follow.",
        ),
    ] = None,
    output_vocab: Annotated[
        int, typer.Option(min=300, help="Size of the output (logical form) tokenizer.")
    ] = 1000,
    output_split: Annotated[
        str,
        typer.Option(
            help="bytelevel (words, digits, punctuation apart) or spaces (merges run up to "
            "a space: fewer decoding steps)."
        ),
    ] = "bytelevel",
    supervision: Annotated[
        str | None,
        typer.Option(help="logical-form (default where gold exists) or denotation."),
    ] = None,
    gold_fraction: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="denotation: share keeping gold forms.")
    ] = 0.0,
    learner: Annotated[
        str,
        typer.Option(
            help="denotation: search (enumeration, composition, beam) or self-training "
            "(a parser trained on the gold share searches its n-best; forms too large to "
            "enumerate, such as SQL)."
        ),
    ] = "search",
    rounds: Annotated[int, typer.Option(min=1, help="self-training: rounds.")] = 3,
    final_minutes: Annotated[
        float | None,
        typer.Option(
            help="self-training: the last round's budget (the others share --max-minutes)."
        ),
    ] = None,
    edits: Annotated[
        int,
        typer.Option(
            min=0,
            help="denotation: when no candidate fits, search one token around the top K "
            "candidates (grammar-guided edits; 0: off).",
        ),
    ] = 0,
    workers: Annotated[
        int,
        typer.Option(min=1, help="denotation search: processes enumerating side by side."),
    ] = 1,
    prior_search: Annotated[
        int,
        typer.Option(
            min=0,
            help="self-training: for an example the n-best misses, draw this many forms "
            "from the environment's prior anchored in its instruction, and search again "
            "for a remembered form that leaves some of its mentions unused (0: off).",
        ),
    ] = 0,
    samples: Annotated[
        int,
        typer.Option(
            min=0,
            help="self-training: for an example the n-best misses, draw this many forms "
            "from the parser itself (ancestral sampling under the grammar; 0: off).",
        ),
    ] = 0,
    temperature: Annotated[
        float, typer.Option(min=0.01, help="self-training: temperature of --samples.")
    ] = 1.0,
    defer_ambiguous: Annotated[
        bool,
        typer.Option(
            help="self-training: every search but the last leaves an example without a form "
            "when its consistent candidates mean different things on fictitious instances "
            "of its schema (a later parser chooses).",
        ),
    ] = False,
    option: ExtraOpt = None,
) -> None:
    """Train a parser on a TASK's gold logical forms (and, with --synthetic, sampled ones)."""
    from .model import sized_spec
    from .training import TrainConfig, train_parser

    if members > 1:
        from .ensemble import train_members

        if supervision == "denotation" or resume:
            raise UsageError("--members trains from logical forms, without --resume")
        folders = train_members(_command_line()[1:], out, members, seed, member_beams=member_beams)
        console.print(f"ensemble of {len(folders)} members in {out}")
        return
    if member_beams is not None:
        raise UsageError("--member-beams goes with --members N (N at least 2)")
    train_task = _task(task, data, db, split, part, None, option)
    dev = None
    if dev_part:
        dev = _task(task, data, db, split, dev_part, None, option).examples()
    from .learning import learn_cli, pick_supervision

    if learner not in ("search", "self-training"):
        raise UsageError(f"--learner {learner!r}: use search or self-training")
    by_denotation = pick_supervision(train_task, supervision, gold_fraction) == "denotation"
    if by_denotation and learner == "search":
        learn_cli(
            train_task,
            out,
            dev,
            gold_fraction,
            max_minutes,
            seed,
            device,
            console.print,
            edits,
            workers,
        )
        return
    wide = encoder != "scratch"
    spec = sized_spec(encoder, decoder_width)
    if synthetic_schedule not in ("mixed", "first"):
        raise UsageError(f"--synthetic-schedule {synthetic_schedule!r}: use mixed or first")
    from .tokenization import OUTPUT_SPLITS

    if output_split not in OUTPUT_SPLITS:
        raise UsageError(f"--output-split {output_split!r}: use {' or '.join(OUTPUT_SPLITS)}")
    config = TrainConfig(
        epochs=epochs,
        batch_size=batch_size,
        patience=patience,
        max_minutes=max_minutes,
        seed=seed,
        device=device,
        lr=3e-4 if wide else 5e-4,
        synthetic_ratio=synthetic_ratio,
        synthetic_schedule=synthetic_schedule,
        half=half,
        copy_slots=copy_slots,
        copy_parts=copy_parts,
        copy_percents=copy_percents,
        freeze_encoder=freeze_encoder,
        tune_top_layers=tune_top_layers,
        precision=precision,
        output_vocab=output_vocab,
        output_split=output_split,
        init_from=None if init_from is None else str(init_from),
    )
    synth: list[Any] = []
    if synthetic:
        from .synthesis import synthetic_examples

        synth, report = synthetic_examples(train_task, synthetic, seed)
        console.print(
            f"sampled {len(synth)} synthetic examples in {report.seconds:.1f} s "
            f"({report.drawn} forms drawn)"
        )
    if synthetic_per_instance:
        from .synthesis import synthetic_per_instance as on_every_instance

        more, report = on_every_instance(
            train_task, synthetic_per_instance, seed, per_form=1, drop_doubted=True
        )
        synth += more
        console.print(
            f"sampled {len(more)} synthetic examples on every instance in "
            f"{report.seconds:.1f} s ({report.drawn} forms drawn)"
        )
    command = " ".join(_command_line())
    if by_denotation:
        from .self_training import self_train

        log = self_train(
            train_task,
            out,
            gold_fraction,
            rounds=rounds,
            minutes_per_round=(max_minutes or 30.0) / rounds,
            final_minutes=final_minutes,
            spec=spec,
            config=config,
            synthetic=synth,
            synthetic_per_epoch=round(synthetic_ratio * len(train_task.examples()))
            if synth
            else None,
            edit_candidates=edits,
            command=command,
            log=console.print,
            # Without a gold share nothing anchors the search: a match the environment
            # doubts is more likely a coincidence than what was meant.
            keep_doubted=gold_fraction > 0,
            prior_samples=prior_search,
            parser_samples=samples,
            temperature=temperature,
            defer_ambiguous=defer_ambiguous,
        )
        last = log["history"][-1]
        console.print(
            f"self-training: coverage {last['coverage']:.3f}, validation execution accuracy "
            f"{last['validation_execution_accuracy']:.3f}; model in {out}"
        )
        return
    card = train_parser(
        train_task, out, spec, config, dev, command=command, resume=resume, synthetic=synth
    )
    metrics = card.get("metrics", {})
    console.print(
        f"best validation execution accuracy {metrics.get('validation_execution_accuracy', 0):.3f}"
        f" (epoch {metrics.get('epoch')}); model in {out}"
    )


@app.command()
def evaluate(
    task: Annotated[str, typer.Argument(help="Task: text2sql, sheet, scan, ...")],
    data: Annotated[Path, typer.Option("--data", help="Evaluation data file.")],
    model: ModelOpt = None,
    db: DbOpt = None,
    split: Annotated[str | None, typer.Option(help="text2sql: question or query.")] = None,
    part: Annotated[str | None, typer.Option(help="Parts to evaluate, e.g. dev.")] = None,
    n_best: Annotated[int, typer.Option(help="Beam size / candidates.")] = 5,
    unconstrained: Annotated[bool, typer.Option("--unconstrained")] = False,
    no_execution_guided: Annotated[bool, typer.Option("--no-execution-guided")] = False,
    no_doubts: Annotated[
        bool,
        typer.Option(
            "--no-doubts",
            help="Execution-guided selection without the environment's doubts (ablation).",
        ),
    ] = False,
    prefer_mentions: Annotated[
        bool,
        typer.Option(
            "--prefer-mentions",
            help="Execution-guided selection prefers the candidate that writes the most of "
            "the instruction's numbers and names.",
        ),
    ] = False,
    option: ExtraOpt = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the report here.")] = None,
) -> None:
    """Execution accuracy of a model on a TASK (per tag, and exact match where gold exists)."""
    from .evaluate import evaluate_task
    from .learning import load_parser

    task_cls = registry.get_task(task)
    parser = load_parser(model or default_model(registry.get_environment(task_cls.environment)))
    report = evaluate_task(
        parser,
        _task(task, data, db, split, part, None, option),
        n_best,
        False if unconstrained else None,
        not no_execution_guided,
        doubts=not no_doubts,
        mentions=prefer_mentions,
    )
    report.update(provenance("full", _command_line()))
    console.print(
        f"{task}: execution accuracy {report['execution_accuracy']:.3f} over {report['n']}"
        + (f", exact match {report['exact_match']:.3f}" if "exact_match" in report else "")
        + f", fails to execute {report['fails_to_execute']:.3f}"
        + (
            f", right form in the {n_best}-best {report['n_best_oracle']:.3f}"
            if "n_best_oracle" in report
            else ""
        )
    )
    for tag, row in report["tags"].items():
        console.print(f"  tag {tag}: {row['execution_accuracy']:.3f} over {row['n']}")
    if json_out:
        write_json_atomic(json_out, report)
        console.print(f"wrote {json_out}")


@app.command()
def run(
    environment: Annotated[str, typer.Argument(help="Environment: sql, grid, sheet, ...")],
    instruction: Annotated[str, typer.Argument(help="The instruction, in plain language.")],
    model: ModelOpt = None,
    db: DbOpt = None,
    backend: BackendOpt = None,
    world: WorldOpt = None,
    picture: PictureOpt = None,
    sheet: SheetOpt = None,
    save: SaveOpt = None,
    n_best: Annotated[int, typer.Option(help="Candidates to consider.")] = 5,
    prefer_mentions: Annotated[
        bool,
        typer.Option(
            "--prefer-mentions",
            help="Among candidates that run, prefer the one that writes the most of the "
            "instruction's numbers and names.",
        ),
    ] = False,
    option: ExtraOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Parse an INSTRUCTION, run it in an ENVIRONMENT, and explain what ran."""
    from .learning import load_parser
    from .parser import InstructionExecutor

    env_cls = registry.get_environment(environment)
    options = dict(db=db, backend=backend, world=world, picture=picture, sheet=sheet, save=save)
    options.update(_extra(option))
    parser = load_parser(model or default_model(env_cls))
    with env_cls.from_options(**options) as env:
        executor = InstructionExecutor(parser, env, n_best=n_best, prefer_mentions=prefer_mentions)
        result = executor.run(instruction)
        written = env.export(result.denotation) if result.denotation is not None else []
    if as_json:
        _print_json({**result.to_json(), "outputs": written})
        return
    console.print(f"[bold]logical form[/bold]  {result.logical_form}", markup=True)
    if result.explanation:
        console.print(f"[bold]meaning[/bold]       {result.explanation}")
    if result.denotation is None:
        raise ExecutionError(f"no candidate executed: {result.error}")
    render = getattr(result.denotation, "__rich__", None)
    console.print(render() if render else json.dumps(result.denotation.to_json(), default=str))
    if result.doubt:
        console.print(f"[yellow]doubt:[/yellow] {escape(result.doubt)}")
    if result.ambiguous:
        console.print("[yellow]ambiguous:[/yellow] close alternatives disagree:")
        for alt in result.alternatives[1:]:
            console.print(f"  {alt.score:.2f}  {alt.form}", markup=False)
    for path in written:
        console.print(f"wrote {path}")


@app.command()
def generate(
    task: Annotated[str, typer.Argument(help="Task with a generator, e.g. sheet.")],
    out: Annotated[Path, typer.Option("--out", help="JSONL file to write.")],
    n: Annotated[int, typer.Option("--n", min=1, help="Number of examples.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
) -> None:
    """Generate N examples of a TASK in its data format (JSON lines), reproducibly by seed."""
    from .io import write_atomic

    rows = registry.get_task(task).generate(n, seed)
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    write_atomic(out, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    console.print(f"wrote {len(rows)} {task} examples to {out}")


@app.command()
def synthesize(
    task: Annotated[str, typer.Argument(help="Task whose instance to sample for, e.g. text2sql.")],
    data: Annotated[
        Path, typer.Option("--data", help="The task's data file (names the instance).")
    ],
    out: Annotated[Path, typer.Option("--out", help="File to write, in the task's format.")],
    db: DbOpt = None,
    n: Annotated[int, typer.Option("--n", min=1, help="Number of examples.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    option: ExtraOpt = None,
) -> None:
    """Sample N synthetic examples (logical forms from the grammar, in English) to inspect."""
    from .io import write_atomic
    from .synthesis import synthetic_examples

    instance = _task(task, data, db, None, None, None, option)
    examples, report = synthetic_examples(instance, n, seed)
    text = instance.dump_examples(examples)
    write_atomic(out, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    console.print(
        f"wrote {len(examples)} synthetic {task} examples ({report.forms} forms) to {out} "
        f"in {report.seconds:.1f} s; rejected: "
        + (", ".join(f"{k} {v}" for k, v in report.to_json()["rejected"].items()) or "none")
    )


@app.command()
def ensemble(
    members: Annotated[list[Path], typer.Argument(help="Trained model folders to pool.")],
    out: Annotated[Path, typer.Option("--out", help="New folder for the ensemble.")],
    member_beams: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Beams each member searches with (1: greedy, about three times faster, a "
            "few points less accurate; default: the n-best asked for).",
        ),
    ] = None,
) -> None:
    """Pool trained model folders into one ensemble model folder (copies them)."""
    from .ensemble import assemble

    folders = assemble(out, members, member_beams)
    console.print(f"ensemble of {len(folders)} members in {out}")


@app.command()
def reconstructor(
    task: Annotated[str, typer.Argument(help="Task the parser was trained on: text2sql, ...")],
    data: Annotated[Path, typer.Option("--data", help="The parser's training data file.")],
    model: Annotated[Path, typer.Option("--model", help="Trained model folder to extend.")],
    db: DbOpt = None,
    split: Annotated[str | None, typer.Option(help="text2sql: question or query.")] = None,
    part: Annotated[str | None, typer.Option(help="Parts trained on, e.g. train.")] = None,
    max_minutes: Annotated[float, typer.Option(help="Training budget in minutes.")] = 8.0,
    epochs: Annotated[int, typer.Option(min=1)] = 80,
    beams: Annotated[int, typer.Option(min=2, help="n-best reranked when fitting.")] = 5,
    seed: Annotated[int, typer.Option()] = 0,
    precision: Annotated[str, typer.Option(help="auto, bf16 or fp32 (as for train).")] = "auto",
    device: Annotated[str, typer.Option(help="auto, cpu or cuda.")] = "auto",
    half: Annotated[bool, typer.Option("--half", help="Store float16 weights.")] = False,
    reuse: Annotated[
        Path | None,
        typer.Option(help="A trained reconstructor folder: fit only its weight for MODEL."),
    ] = None,
    synthetic: Annotated[
        int, typer.Option(min=0, help="Synthetic examples (parseinstr.synthesis) to add.")
    ] = 0,
    width: Annotated[
        int, typer.Option(min=64, help="Model width (a multiple of 64; heads of 64).")
    ] = 256,
    memory: Annotated[
        Path | None,
        typer.Option(
            help="A parser learned from denotations: train on this memory.json of its "
            "learner (no gold forms read); the weight is fitted on its validation share."
        ),
    ] = None,
    prefer_mentions: Annotated[
        bool,
        typer.Option(
            "--prefer-mentions",
            help="Fit the weight for selection preferring the instruction's mentions.",
        ),
    ] = False,
    no_similarity: Annotated[
        bool,
        typer.Option(
            "--no-similarity",
            help="Fit no weight for the similarity between the instruction and each "
            "candidate's English explanation (pretrained sentence encoder).",
        ),
    ] = False,
    option: ExtraOpt = None,
) -> None:
    """Train p(instruction | form) for MODEL and fit the weights with which it reranks the
    n-best, on the examples the parser held out (saved in MODEL/reconstructor)."""
    from .model import pick_device
    from .reconstruction import ReconstructorConfig
    from .reranking import attach_reconstructor, read_memory
    from .training import autocast_bf16

    dev = pick_device(device)
    train_task = _task(task, data, db, split, part, None, option)
    synth = []
    if synthetic:
        from .synthesis import synthetic_examples

        synth, _ = synthetic_examples(train_task, synthetic, seed)
    if width % 64:
        raise UsageError(f"--width {width}: use a multiple of 64")
    config = ReconstructorConfig(
        d_model=width,
        heads=width // 64,
        epochs=epochs,
        max_minutes=max_minutes,
        seed=seed,
        bf16=autocast_bf16(precision, dev),
    )
    remembered = read_memory(memory) if memory is not None else None
    card = attach_reconstructor(
        model,
        train_task,
        config,
        beams,
        dev,
        half,
        reuse,
        synth,
        memory=remembered,
        mentions=prefer_mentions,
        similarity=not no_similarity,
    )
    console.print(
        f"reconstructor in {model / 'reconstructor'}: weight {card['weight']}, mention "
        f"weight {card['mention_weight']}, similarity weight {card['similarity_weight']} "
        f"(held-out accuracy {card['validation'][str(card['weight'])]:.3f}, "
        f"without reconstruction {card['validation']['0.0']:.3f})"
    )


@app.command("environments")
def list_environments() -> None:
    """List the registered environments and tasks."""
    for name in registry.environment_names():
        console.print(f"environment {name}")
    for name in registry.task_names():
        console.print(f"task {name} -> {registry.get_task(name).environment}")


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="Folder for pictures (grid paths).")] = Path(
        "parseinstr-demo"
    ),
    environment: Annotated[
        list[str] | None, typer.Option("--environment", "-e", help="Only these environments.")
    ] = None,
) -> None:
    """Run a handful of instructions in each environment with the bundled models."""
    from .demo import run_demo

    failures = run_demo(out, console, environment, lambda m: console.print(f"[red]{m}[/red]"))
    if failures:
        raise ExecutionError(f"the demo had {failures} failure(s); see above")


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI, turning errors into one line and an exit status."""
    global _ARGV
    debug = os.environ.get("PARSEINSTR_DEBUG") == "1"
    _ARGV = list(argv) if argv is not None else None
    try:
        app(args=argv, standalone_mode=False)
    except ParseInstrError as exc:
        if debug:
            raise
        sys.stderr.write(f"error: {exc}\n")
        return exc.exit_code
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        sys.stderr.write("error: aborted\n")
        return 130
    except click_exceptions.ClickException as exc:
        if debug:
            raise
        message = exc.format_message()
        if message:  # a bare "parseinstr" has already printed its help
            sys.stderr.write(f"error: {message}\n")
        return exc.exit_code
    except Exception as exc:  # never a traceback for users
        if debug:
            raise
        sys.stderr.write(
            f"internal error: {type(exc).__name__}: {exc} (PARSEINSTR_DEBUG=1 shows more)\n"
        )
        return 3
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
