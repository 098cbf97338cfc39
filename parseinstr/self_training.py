"""Learning from denotations with a seed: a few gold forms, the rest answers only.

Where the logical forms are too large to enumerate (SQL), the search of
:mod:`parseinstr.learning` has nothing to start from; a parser trained on a small gold
share (and on synthetic examples, which need no annotation) does. Round by round:

1. train a parser (:func:`parseinstr.training.train_parser`) on the gold forms and the
   consistent forms found so far (*memory*);
2. for every denotation-only example, decode a constrained n-best list, execute each
   candidate, and remember the highest-scoring one whose denotation equals the expected one
   (hard EM over the beam: a remembered form is replaced when the improved parser prefers
   another consistent one, and kept when the beam holds none; examples whose expected
   denotation is empty are left out, since almost anything matches them);
3. log coverage, memory size and validation execution accuracy.

Validation examples carry only their expected denotations; the denotation-only examples
never have their gold form read (their denotation is computed once by
:func:`parseinstr.learning.examples_for_learning`). Nothing here names an environment.
"""

from __future__ import annotations

import shutil
import sys
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from .copying import CopyFrame, mention_frame
from .edits import nearest_consistent
from .environment import Denotation, Environment, Example, Task
from .errors import ParseInstrError, UsageError
from .io import write_json_atomic
from .learning import examples_for_learning
from .model import ModelSpec
from .parser import Candidate, Parser
from .training import TrainConfig, execution_accuracy, split_validation, train_parser
from .worlds import meaning_classes

Log = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


class DenotationTask(Task):
    """A task over given examples whose expected denotations are known (by example id).

    It lets :func:`train_parser` train on found forms and validate on examples whose gold
    form it must not see.
    """

    def __init__(self, base: Task, examples: Sequence[Example], expected: dict[str, Any]):
        self.base = base
        self.name = base.name
        self.environment = base.environment
        self._examples = list(examples)
        self._expected = expected

    def examples(self) -> list[Example]:
        return list(self._examples)

    def environment_for(self, example: Example) -> Environment:
        return self.base.environment_for(example)

    def expected_denotation(self, example: Example, env: Environment) -> Denotation | None:
        return self._expected.get(example.id)


def with_form(source: Example, form: str | None) -> Example:
    """``source`` with ``form`` as its logical form (None: the gold form is not shown).

    Built field by field without reading the source's own form."""
    return Example(
        id=source.id,
        instruction=source.instruction,
        logical_form=form,
        expected=source.expected,
        tags=tuple(source.tags),
        instance=source.instance,
        instance_key=source.instance_key,
    )


def consistent_form(
    env: Environment,
    candidates: Sequence[Any],
    expected: Denotation,
    keep_doubted: bool = True,
    mentions: CopyFrame | None = None,
) -> str | None:
    """The first (highest-scoring) candidate whose execution gives ``expected`` and that
    the environment has no doubt about (:meth:`Environment.doubt`: a count of 0 from a
    value compared with the wrong column is right for the wrong reason), else (with
    ``keep_doubted``) the first that gives ``expected`` at all. With ``mentions`` (the
    instruction's copy frame), the consistent undoubted candidate that writes the most of
    the instruction's mentions, the first among equals."""
    doubted: str | None = None
    good: list[str] = []
    for cand in candidates:
        verdict = _match(env, cand.form, expected)
        if verdict == "undoubted":
            if mentions is None:
                return cand.form
            good.append(cand.form)
        if verdict == "doubted":
            doubted = doubted or cand.form
    if good and mentions is not None:
        used = [mentions.used(f) for f in good]
        return good[used.index(max(used))]
    return doubted if keep_doubted else None


def ambiguous(
    env: Environment,
    candidates: Sequence[Any],
    expected: Denotation,
    mentions: CopyFrame | None = None,
    worlds: int = 8,
) -> bool:
    """Whether the consistent, undoubted ``candidates`` (those writing the most of the
    instruction's ``mentions``) mean different things: they agree on this instance but
    part on fictitious instances of its schema (:func:`parseinstr.worlds.meaning_classes`).
    The denotation cannot say which was meant; a parser trained on examples that are not
    ambiguous may. False where the environment makes no fictitious instances."""
    forms = [c.form for c in candidates if _match(env, c.form, expected) == "undoubted"]
    forms = list(dict.fromkeys(forms))
    if mentions is not None and forms:
        used = [mentions.used(f) for f in forms]
        forms = [f for f, u in zip(forms, used, strict=True) if u == max(used)]
    if len(forms) < 2:
        return False
    classes = meaning_classes(env, forms, worlds)
    return classes is not None and len(classes) > 1


def _match(env: Environment, form: str, expected: Denotation) -> str | None:
    """``"undoubted"`` when ``form`` runs to ``expected`` and the environment has no doubt
    about it, ``"doubted"`` when it does, None when it fails or gives something else."""
    try:
        with env.isolated():
            got = env.execute(form)
    except ParseInstrError:
        return None
    if not env.same_denotation(got, expected):
        return None
    return "undoubted" if env.doubt(form, got) is None else "doubted"


def _edit_search(parser: Parser, item: Any, candidates: Sequence[Any]) -> str | None:
    """The parser's favourite one-token neighbour of ``candidates`` that executes to the
    item's expected denotation without a doubt (:func:`parseinstr.edits.nearest_consistent`)."""
    env = item.env

    def run(form: str) -> Denotation | None:
        try:
            with env.isolated():
                return env.execute(form)
        except ParseInstrError:
            return None

    def consistent(form: str, denotation: Denotation) -> bool:
        same = env.same_denotation(denotation, item.expected)
        return same and env.doubt(form, denotation) is None

    def score(forms: list[str]) -> list[float]:
        return parser.score_forms([item.instruction] * len(forms), [env] * len(forms), forms)

    return nearest_consistent(
        env.grammar(), [c.form for c in candidates], item.instruction, run, consistent, score
    )


def prior_search(
    parser: Parser, item: Any, samples: int, seed: int, keep_doubted: bool = False, keep: int = 16
) -> str | None:
    """A form for ``item`` drawn from its environment's prior, anchored in its instruction:
    the first of :func:`prior_finds`, or None."""
    finds = prior_finds(parser, item, samples, seed, keep_doubted, keep)
    return finds[0] if finds else None


def prior_finds(
    parser: Parser, item: Any, samples: int, seed: int, keep_doubted: bool = False, keep: int = 16
) -> list[str]:
    """Forms for ``item`` drawn from its environment's prior, anchored in its instruction,
    best first.

    ``samples`` forms come from ``item.env.form_sampler(seed, instruction=...)``; each is
    executed, and those that give the expected denotation (and, unless ``keep_doubted``, that
    the environment has no doubt about) are ranked first by how many of the instruction's
    mentions they use (:func:`parseinstr.copying.copy_frame`: its numbers, quoted text and
    the environment's names it says), then by the parser's score. A form that gives the
    right result while ignoring the numbers and names the instruction gives is more likely a
    coincidence (a count that happens to be 3); among the rest, the one the parser finds
    likeliest for these words. At most ``keep`` consistent forms are ranked. This is the
    cold start's sampling from the prior, kept for the examples the parser's n-best does not
    reach.
    """
    env = item.env
    sampler = env.form_sampler(seed, instruction=item.instruction)
    tried: set[str] = set()
    good: list[str] = []
    doubted: list[str] = []
    for _ in range(samples):
        sample = sampler.sample()
        if sample is None or sample.form in tried:
            continue
        tried.add(sample.form)
        verdict = _match(env, sample.form, item.expected)
        if verdict is None or env.is_trivial(sample.form, item.expected):
            continue
        if verdict == "undoubted":
            good.append(sample.form)
        elif keep_doubted:
            doubted.append(sample.form)
        if len(good) >= keep:
            break
    forms = good or doubted[:keep]
    if not forms:
        return []
    frame = mention_frame(item.instruction, env)
    used = [frame.used(f) for f in forms]
    scores = parser.score_forms([item.instruction] * len(forms), [env] * len(forms), forms)
    return [f for *_, f in sorted(zip(used, scores, forms, strict=True), reverse=True)]


def in_fold(example_id: str, fold: str) -> bool:
    """Whether ``example_id`` falls in fold ``"K/N"`` (a stable hash of the id, mod N)."""
    k, n = (int(x) for x in fold.split("/"))
    return zlib.crc32(example_id.encode("utf-8")) % n == k


def _unused_mentions(item: Any, form: str) -> bool:
    """Whether ``form`` leaves some of ``item``'s instruction mentions unwritten: a form
    that does may be a coincidence worth searching the prior again for."""
    frame = mention_frame(item.instruction, item.env)
    return frame.used(form) < len(frame.values)


def _using_at_least(frame: CopyFrame, form: str | None, least: int) -> str | None:
    """``form`` if it writes at least ``least`` of the instruction's mentions, else None."""
    return form if form and frame.used(form) >= least else None


def _upgrade(parser: Parser, item: Any, form: str | None, samples: int, seed: int) -> str | None:
    """A prior find that uses more of the instruction's mentions than the remembered
    ``form`` (see :func:`prior_search`), else None. A form that gives the right result while
    ignoring a number the instruction writes ("between 412 and 696" answered by
    ``COUNTIF(..., "<412")``) is more likely a coincidence than one that uses it."""
    if form is None or not _unused_mentions(item, form):
        return None
    found = prior_search(parser, item, samples, seed, keep_doubted=False)
    frame = mention_frame(item.instruction, item.env)
    return found if found is not None and frame.used(found) > frame.used(form) else None


def self_train(
    task: Task,
    out: Path,
    gold_fraction: float,
    rounds: int = 3,
    minutes_per_round: float = 10.0,
    beam: int = 10,
    final_minutes: float | None = None,
    spec: ModelSpec | None = None,
    config: TrainConfig | None = None,
    synthetic: Sequence[Example] = (),
    synthetic_per_epoch: int | None = None,
    validation_share: float = 0.1,
    edit_candidates: int = 0,
    command: str = "",
    log: Log = _stderr,
    keep_doubted: bool = True,
    start_memory: dict[str, str] | None = None,
    refresh: bool = True,
    prior_samples: int = 0,
    parser_samples: int = 0,
    temperature: float = 1.0,
    start_parser: str | Path | None = None,
    search_only: bool = False,
    defer_ambiguous: bool = False,
    search_fold: str | None = None,
) -> dict[str, Any]:
    """Learn a parser for ``task`` from a ``gold_fraction`` of gold forms and denotations.

    Each round trains for ``minutes_per_round`` (``config.epochs`` is only an upper bound),
    the last one for ``final_minutes`` when given: the final parser is trained once on
    everything found, so it may get the budget a supervised parser would have;
    with ``synthetic_per_epoch`` every epoch adds that many synthetic examples however few
    forms are labelled yet (else ``config.synthetic_ratio`` per labelled example).
    With ``edit_candidates`` K > 0, an example whose n-best list holds no consistent form
    is searched one token around its top K candidates (:mod:`parseinstr.edits`); the
    neighbour the parser scores best among those consistent and undoubted is remembered.
    With no gold form at all (``gold_fraction`` 0), the first round trains on the
    ``synthetic`` examples alone: a prior over forms that the search then grounds in the
    training instructions. With ``keep_doubted`` False, a consistent form the environment
    doubts (:meth:`Environment.doubt`) is never remembered: it is more likely a coincidence
    than what was meant. ``start_memory`` (example id ->
    form, as an earlier run's ``memory.json`` has them) continues from what an earlier run
    found; each form is executed again and kept only if it still gives the example's
    expected denotation. With ``refresh`` (hard EM) a round searches every example again
    and the n-best's consistent form replaces the remembered one unless it uses fewer of
    the instruction's mentions; with ``refresh`` False a round searches only the examples
    that have no form yet (faster). With
    ``prior_samples`` N > 0, an example still without a form after the n-best (and edits)
    gets N forms drawn from its environment's prior anchored in its instruction
    (:func:`prior_search`); of the consistent ones, the one that uses most of the
    instruction's mentions, then the parser's favourite, is remembered. A remembered form
    (not a gold one) that leaves some of the instruction's mentions unused is searched again
    the same way, and replaced by a find that uses more of them (source "prior upgrade"):
    a count that ignores both bounds of "between 412 and 696" is likely a coincidence.
    With ``parser_samples`` K > 0, an example whose n-best holds no consistent form gets K
    forms drawn from the parser itself (:meth:`Parser.sample_batch` at ``temperature``)
    before any edit or prior search. Among consistent forms of one list (n-best or draws),
    the one that writes the most of the instruction's mentions is remembered.
    With ``start_parser`` (an earlier run's model folder), the first round searches with
    that parser instead of training one: a run that adds examples to an earlier one's
    starts from the parser trained on its memory, not from a short first round.

    With ``search_only`` every round searches and none is a final training: the run
    relabels the examples its start memory lacks with parsers that never trained on them
    (cross-fitting: train on one fold, search the other; a parser that trained on an
    example's form mostly repeats it, right or wrong).

    With ``defer_ambiguous``, every search but the last leaves an example without a form
    when its consistent candidates (of the n-best, the parser's draws or the prior) that
    write the most mentions mean different things (:func:`ambiguous`: they part on
    fictitious instances of the example's schema): the denotation cannot tell a coincidence
    from what was meant, so the example waits for a parser trained on the examples that
    are not ambiguous; the last search takes its favourite. The first search also checks
    the forms taken from ``start_memory`` this way (with the n-best beside them) and
    forgets the ambiguous ones: the earlier run may not have checked them.

    With ``search_fold`` ``"K/N"`` a search opens only the examples of fold K of N (a
    stable hash of the id, :func:`in_fold`), so N processes may search one memory side by
    side and their memories be merged.

    Raises ``UsageError`` for ``start_parser`` with fewer than two rounds (unless
    ``search_only``) and for a ``search_fold`` that is not ``K/N`` with 0 <= K < N.

    Writes ``round-N/`` model folders, ``memory.json`` and ``learning_log.json`` to ``out``;
    the final model is the last round's, copied to ``out`` itself (so ``out`` loads as a
    model folder). Returns the log.
    """
    if search_fold is not None:
        k, _, n = search_fold.partition("/")
        if not (k.isdigit() and n.isdigit() and 0 <= int(k) < int(n)):
            raise UsageError(f"search_fold {search_fold!r}: use K/N with 0 <= K < N")
    if start_parser is not None and rounds < 2 and not search_only:
        raise UsageError("start_parser: needs at least two rounds (it searches; the last trains)")
    out = Path(out)
    config = config or TrainConfig()
    examples = task.examples()
    by_id = {e.id: e for e in examples}
    items = examples_for_learning(task, examples, gold_fraction, config.seed, log)
    train, validation = split_validation(items, config.seed, validation_share)
    expected = {it.id: it.expected for it in items}
    dev_examples = [with_form(by_id[it.id], None) for it in validation]
    memory: dict[str, str] = {it.id: it.gold for it in train if it.gold}
    sources = {i: "gold" for i in memory}
    for it in train:
        form = (start_memory or {}).get(it.id)
        if (
            form
            and it.id not in memory
            and consistent_form(it.env, [Candidate(form, 0.0)], it.expected, keep_doubted)
        ):
            memory[it.id], sources[it.id] = form, "earlier run"
    log(
        f"self-training: {len(train)} examples ({sum(it.gold is not None for it in train)} "
        f"with gold forms, {sum(v == 'earlier run' for v in sources.values())} forms from an "
        "earlier run), "
        f"{len(validation)} validation examples (denotations only)"
    )
    history: list[dict[str, Any]] = []
    started = time.monotonic()
    for r in range(rounds):
        labelled = [with_form(by_id[it.id], memory[it.id]) for it in train if it.id in memory]
        round_synthetic = synthetic
        earlier = r == 0 and start_parser is not None
        if labelled:
            round_task = DenotationTask(task, labelled, expected)
        elif synthetic:
            round_task, round_synthetic = DenotationTask(task, list(synthetic), expected), ()
        elif not earlier:
            raise UsageError(
                "nothing to train a round on: no gold or found forms and no synthetic examples"
            )
        folder = out / f"round-{r}"
        last_round = r + 1 == rounds and not search_only
        budget = final_minutes if last_round and final_minutes is not None else minutes_per_round
        round_config = replace(config, max_minutes=budget)
        if synthetic_per_epoch is not None and labelled and round_synthetic:
            ratio = synthetic_per_epoch / len(labelled)
            round_config = replace(round_config, synthetic_ratio=ratio)
        if earlier:
            folder = Path(start_parser)
            log(f"round 0: searching with the parser in {folder} (not trained again)")
            parser = Parser.load(folder)
            card = parser.card
        else:
            card = train_parser(
                round_task,
                folder,
                spec,
                round_config,
                dev_examples=dev_examples,
                command=command,
                log=log,
                synthetic=round_synthetic,
            )
            parser = Parser.load(folder)
        searched = found = changed = edited = sampled = upgraded = drew = deferred = 0
        # Every search but the last may leave an ambiguous example for a later parser.
        defer = defer_ambiguous and r < (rounds - 1 if search_only else rounds - 2)
        # The first deferring search also re-examines forms an earlier run remembered:
        # that run may not have checked them for ambiguity.
        recheck = defer and r == 0
        if not last_round:

            def wanted(it: Any) -> bool:
                """Whether ``it`` is searched for itself (not only to recheck its form)."""
                return (
                    refresh
                    or it.id not in memory
                    or (prior_samples > 0 and _unused_mentions(it, memory[it.id]))
                )

            open_items = [
                it
                for it in train
                if not it.gold
                and not it.weak
                and (search_fold is None or in_fold(it.id, search_fold))
                and (wanted(it) or (recheck and sources.get(it.id) == "earlier run"))
            ]
            searched = len(open_items)
            search_started = time.monotonic()
            every = 16 * max(1, -(-len(open_items) // 160))  # about ten progress lines
            for i in range(0, len(open_items), 16):
                if i and i % every == 0:
                    log(
                        f"  round {r} search: {i}/{len(open_items)} examples, {found} new, "
                        f"{changed} changed, {deferred} deferred, "
                        f"{(time.monotonic() - search_started) / 60:.1f} min"
                    )
                chunk = open_items[i : i + 16]
                nbest = parser.parse_batch(
                    [it.instruction for it in chunk], [it.env for it in chunk], beam, True
                )
                for it, cands in zip(chunk, nbest, strict=True):
                    seed = config.seed * 1_000_003 + r * 10_007 + len(memory)
                    frame = mention_frame(it.instruction, it.env)
                    # A remembered form is replaced only by one using as many of the
                    # instruction's mentions (refresh), or more (searched for an upgrade).
                    least = frame.used(memory[it.id]) + (not refresh) if it.id in memory else 0
                    rechecked = recheck and sources.get(it.id) == "earlier run"
                    if rechecked and ambiguous(
                        it.env, [*cands, Candidate(memory[it.id], 0.0)], it.expected, frame
                    ):
                        del memory[it.id], sources[it.id]
                        deferred += 1
                        continue
                    # A form that passes the recheck stays unless its n-best holds a better
                    # one; it was opened only to be rechecked, so it costs no more search.
                    rechecked_only = rechecked and not wanted(it)
                    form = consistent_form(it.env, cands, it.expected, keep_doubted, frame)
                    form = _using_at_least(frame, form, least)
                    how = "beam"
                    if defer and form and ambiguous(it.env, cands, it.expected, frame):
                        deferred += 1
                        continue
                    if form is None and parser_samples > 0 and not rechecked_only:
                        drawn = parser.sample_batch(
                            [it.instruction], [it.env], parser_samples, temperature, seed
                        )[0]
                        seen = {c.form for c in cands}
                        fresh = [c for c in drawn if c.form not in seen]
                        form = consistent_form(it.env, fresh, it.expected, keep_doubted, frame)
                        form = _using_at_least(frame, form, least)
                        if defer and form and ambiguous(it.env, fresh, it.expected, frame):
                            deferred += 1
                            continue
                        drew += form is not None
                        how = "sample"
                    if form is None and edit_candidates > 0 and it.id not in memory:
                        form = _edit_search(parser, it, cands[:edit_candidates])
                        edited += form is not None
                        how = "edit"
                    if form is None and prior_samples > 0 and it.id not in memory:
                        finds = prior_finds(parser, it, prior_samples, seed, keep_doubted)
                        as_cands = [Candidate(f, 0.0) for f in finds]
                        if defer and ambiguous(it.env, as_cands, it.expected, frame):
                            deferred += 1
                            continue
                        form = finds[0] if finds else None
                        sampled += form is not None
                        how = "prior"
                    if form is None and prior_samples > 0 and not rechecked_only:
                        form = _upgrade(parser, it, memory.get(it.id), prior_samples, seed)
                        upgraded += form is not None
                        how = "prior upgrade"
                    if form is None or memory.get(it.id) == form:
                        continue
                    if it.id in memory:
                        changed += 1
                    else:
                        found += 1
                    memory[it.id] = form
                    sources[it.id] = f"{how}, round {r}"
        val_task = DenotationTask(task, dev_examples, expected)
        acc = execution_accuracy(parser, val_task, dev_examples)
        entry = {
            "round": r,
            "labelled": len(labelled),
            "trained": not earlier,
            "searched": searched,
            "found": found,
            "changed": changed,
            "found_by_edits": edited,
            "found_by_prior": sampled,
            "found_by_sampling": drew,
            "upgraded_by_prior": upgraded,
            "deferred_as_ambiguous": deferred,
            "coverage": sum(it.id in memory for it in train) / max(len(train), 1),
            "validation_execution_accuracy": acc,
            "model_validation": (card.get("metrics") or {}).get("validation_execution_accuracy"),
            "minutes": round((time.monotonic() - started) / 60, 2),
        }
        history.append(entry)
        log(
            f"round {r}: "
            + ("an earlier parser" if earlier else f"trained on {entry['labelled']} forms")
            + f"; searched {searched}: "
            f"{found} new ({edited} by edits, {drew} by sampling the parser, {sampled} from the "
            f"prior), {changed} changed "
            f"({upgraded} by the prior for more of the instruction's mentions)"
            + (f", {deferred} ambiguous left for later" if defer else "")
            + "; "
            f"coverage {entry['coverage']:.3f}; validation {acc:.3f}"
        )
        write_json_atomic(
            out / "memory.json",
            {i: {"form": f, "source": sources[i]} for i, f in sorted(memory.items())},
        )
    result = {
        "command": command,
        "gold_fraction": gold_fraction,
        "rounds": rounds,
        "minutes_per_round": minutes_per_round,
        "final_minutes": final_minutes,
        "beam": beam,
        "edit_candidates": edit_candidates,
        "synthetic": len(synthetic),
        "keep_doubted": keep_doubted,
        "start_memory": len(start_memory or {}),
        "refresh": refresh,
        "prior_samples": prior_samples,
        "parser_samples": parser_samples,
        "temperature": temperature,
        "start_parser": None if start_parser is None else str(start_parser),
        "search_only": search_only,
        "defer_ambiguous": defer_ambiguous,
        "search_fold": search_fold,
        "config": asdict(config),
        "history": history,
        "model": str(out),
    }
    final = folder  # the last round's parser (an earlier run's, if it only searched)
    # This run's memory and log stay: an earlier run's folder holds its own of both.
    own = {"model_card.json", "memory.json", "learning_log.json"}
    for path in final.iterdir():
        if path.is_file() and path.name not in own:
            shutil.copy2(path, out / path.name)
        elif path.is_dir() and path.name != "checkpoint" and not path.name.startswith("round-"):
            shutil.copytree(path, out / path.name, dirs_exist_ok=True)
    shutil.copy2(final / "model_card.json", out / "model_card.json")  # the card last
    write_json_atomic(out / "learning_log.json", result)
    return result
