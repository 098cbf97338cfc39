"""Give a trained parser a reconstructor and fit its reranking weight on held-out examples.

``parseinstr reconstructor TASK --data ... --model DIR`` splits the task's gold examples
as the parser's training did (the seeded 10% the parser validated on), trains
p(instruction | form) on the rest (:mod:`parseinstr.reconstruction`), decodes the held-out
examples once, and picks the weight that makes execution-guided selection most accurate on
them (ties go to the smaller weight: the parser's own order wins unless reranking helps).
The reconstructor is written to ``DIR/reconstructor`` only when it is complete.

A parser learned from denotations (``parseinstr train --supervision denotation``) has no
gold forms to learn from: with ``--memory DIR/memory.json`` the reconstructor trains on the
forms the learner remembered (instruction, found form), and the weight is fitted on the
seeded share the learner validated on, judged by the expected denotations alone; no gold
form is read.
"""

from __future__ import annotations

import gzip
import json
import math
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .copying import mention_frame
from .environment import Example, Task
from .errors import ModelError, UsageError
from .evaluate import expected_of, gives_expected
from .parser import Alternative, Candidate, Parser, preferred, select_by_execution
from .reconstruction import (
    FOLDER,
    Reconstructor,
    ReconstructorConfig,
    reconstruction_input,
    train_reconstructor,
)
from .similarity import ENCODER, explanation_similarities, sentence_encoder
from .training import data_hash, split_validation

#: Weights tried for the number of the instruction's mentions a candidate writes.
MENTION_WEIGHTS = (0.0, 0.5, 1.0, 2.0, 4.0)

#: The share of examples a learner from denotations validates on (``self_training``).
VALIDATION_SHARE = 0.1

#: Weights tried for the cosine between the instruction and a candidate's explanation.
SIMILARITY_WEIGHTS = (0.0, 0.5, 1.0, 2.0, 4.0)

#: Weights tried when fitting; 0 keeps the parser's order.
WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0)


def held_out_split(parser: Parser, task: Task) -> tuple[list[Example], list[Example]]:
    """(train, validation) of ``task``'s gold examples as the parser's training split them."""
    examples = [e for e in task.examples() if e.logical_form]
    if not examples:
        raise UsageError("no examples with gold logical forms to train a reconstructor on")
    return split_validation(examples, _train_seed(parser))


def read_memory(path: Path) -> dict[str, str]:
    """Example id -> remembered form, from a learner's ``memory.json`` (or ``.json.gz``),
    whose entries are a form or ``{"form": ...}``; ``UsageError`` when it is not one."""
    try:
        opener = gzip.open if str(path).endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as f:
            raw = json.load(f)
    except (OSError, ValueError) as exc:
        raise UsageError(f"memory {path}: cannot read it ({exc})") from None
    if not isinstance(raw, dict):
        raise UsageError(f"memory {path}: expected an object of example id -> form")
    out = {}
    for key, entry in raw.items():
        form = entry.get("form") if isinstance(entry, dict) else entry
        if isinstance(form, str) and form:
            out[str(key)] = form
    return out


def memory_split(
    parser: Parser, task: Task, memory: dict[str, str], share: float = VALIDATION_SHARE
) -> tuple[list[Example], list[Example]]:
    """(training examples, validation) for a parser learned from denotations: the seeded
    ``share`` of the examples that the learner held out to validate on (drawn as
    :func:`parseinstr.self_training.self_train` draws it), with their gold forms hidden,
    and the rest that the memory covers, each with its remembered form as its form."""
    from .learning import examples_for_learning
    from .self_training import with_form

    seed = _train_seed(parser)
    examples = task.examples()
    by_id = {e.id: e for e in examples}
    items = examples_for_learning(task, examples, 0.0, seed, log=lambda m: None)
    train, held = split_validation(items, seed, share)
    pairs = [with_form(by_id[it.id], memory[it.id]) for it in train if it.id in memory]
    if not pairs:
        raise UsageError("the memory covers none of the data's training examples")
    return pairs, [with_form(by_id[it.id], None) for it in held]


def _train_seed(parser: Parser) -> int:
    """The seed the parser's training split its examples with (0 when the card has none)."""
    train = parser.card.get("train")
    return int(train.get("seed", 0)) if isinstance(train, dict) else 0


@dataclass
class _Run:
    """One example's executed n-best: alternatives, reconstruction scores, how many of the
    instruction's mentions each writes, which give the expected result, and the cosine
    between the instruction and each one's explanation (0 where not computed)."""

    alts: list[Alternative]
    recs: list[float]
    used: list[int]
    right: list[bool]
    sims: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.sims:
            self.sims = [0.0] * len(self.alts)


def reranking_runs(
    parser: Parser,
    reconstructor: Reconstructor,
    task: Task,
    examples: Sequence[Example],
    beams: int = 5,
    similarity: bool = False,
) -> list[_Run]:
    """Decode ``examples`` once, run each candidate once, and score it by reconstruction
    (and, with ``similarity``, by its explanation's cosine to the instruction)."""
    envs = [task.environment_for(e) for e in examples]
    nbest: list[list[Candidate]] = []
    for i in range(0, len(examples), 32):
        nbest += parser.parse_batch(
            [e.instruction for e in examples[i : i + 32]], envs[i : i + 32], beams, None
        )
    forms = [
        reconstruction_input(env, c.form)
        for env, cands in zip(envs, nbest, strict=True)
        for c in cands
    ]
    texts = [e.instruction for e, cands in zip(examples, nbest, strict=True) for _ in cands]
    flat = iter(reconstructor.score(forms, texts))
    runs = []
    for example, env, cands in zip(examples, envs, nbest, strict=True):
        recs = [next(flat) for _ in cands]
        _, alts, _ = select_by_execution(env, cands)
        frame = mention_frame(example.instruction, env)
        expected = expected_of(task, example)
        right = [gives_expected(env, a, expected) for a in alts]
        runs.append(_Run(alts, recs, [frame.used(a.form) for a in alts], right))
    if similarity:
        sims = explanation_similarities(
            [e.instruction for e in examples],
            envs,
            [[a.form for a in run.alts] for run in runs],
            parser.device,
        )
        for run, row in zip(runs, sims, strict=True):
            run.sims = row
    return runs


def grid_accuracies(
    runs: Sequence[_Run],
    weights: Sequence[float] = WEIGHTS,
    mentions: bool = False,
    mention_weight: float = 0.0,
    similarity_weight: float = 0.0,
) -> dict[float, tuple[float, float]]:
    """For each reranking weight ``w``: execution accuracy of selection over candidates
    ordered by parser score + ``w`` x reconstruction + ``mention_weight`` x mentions written
    + ``similarity_weight`` x the explanation's cosine to the instruction, and the mean
    log-probability a softmax over those scores gives the right candidates, over runs whose
    n-best holds right and wrong ones (a smooth measure that still ranks weights when
    accuracies tie). ``mentions``: selection first takes the candidates
    writing the most mentions (``--prefer-mentions``), so the order counts within them."""
    out: dict[float, tuple[float, float]] = {}
    for w in weights:
        correct, likelihood, mixed = 0, 0.0, 0
        for run in runs:
            alts = run.alts
            combined = [
                a.score + w * r + mention_weight * u + similarity_weight * g
                for a, r, u, g in zip(alts, run.recs, run.used, run.sims, strict=True)
            ]
            order = sorted(range(len(alts)), key=lambda i, c=combined: -c[i])
            ranked_used = [run.used[i] for i in order] if mentions else None
            best = preferred([alts[i] for i in order], used=ranked_used)
            correct += best is not None and run.right[order[best]]
            live = [i for i, a in enumerate(alts) if a.denotation is not None]
            if any(run.right[i] for i in live) and not all(run.right[i] for i in live):
                top = max(combined[i] for i in live)
                total = sum(math.exp(combined[i] - top) for i in live)
                good = sum(math.exp(combined[i] - top) for i in live if run.right[i])
                likelihood += math.log(good / total)
                mixed += 1
        out[w] = (correct / max(1, len(runs)), likelihood / max(1, mixed))
    return out


def attach_reconstructor(
    model: Path,
    task: Task,
    config: ReconstructorConfig | None = None,
    beams: int = 5,
    device: str = "cpu",
    half: bool = False,
    reuse: Path | None = None,
    synthetic: Sequence[Example] = (),
    log: Callable[[str], None] = lambda m: print(m, file=sys.stderr),
    memory: dict[str, str] | None = None,
    mentions: bool = False,
    similarity: bool = True,
) -> dict[str, Any]:
    """Train a reconstructor for the parser in ``model``, fit its weight, save it there
    (``half``: float16 weights; ``reuse``: a trained reconstructor's folder, whose weight
    alone is refitted for this parser; ``synthetic``: generated examples trained on too);
    returns its card (weight, validation accuracy per weight, sizes, minutes).

    ``memory`` (example id -> form, a learner's memory): the parser learned from
    denotations, so the reconstructor trains on the remembered forms and the weight is
    fitted on the learner's validation share (:func:`memory_split`). ``mentions``: the
    weight is fitted for selection that prefers the instruction's mentions
    (``--prefer-mentions``), and the card says so. ``similarity``: a weight for the cosine
    between the instruction and each candidate's explanation (:mod:`parseinstr.similarity`)
    is fitted too, from 0, where the pretrained sentence encoder is installed."""
    if similarity:
        try:
            sentence_encoder(device)
        except ModelError as exc:
            log(f"no similarity weight fitted: {exc}")
            similarity = False
    parser = Parser.load(model, device)
    parser.reconstructor = None  # the weight is fitted on the parser's own order
    if memory is not None:
        train_ex, held = memory_split(parser, task, memory)
    else:
        train_ex, held = held_out_split(parser, task)
    if memory is None and parser.card.get("data_hash") not in (None, data_hash(train_ex)):
        log(
            "warning: these are not the examples the parser trained on (data hash differs); "
            "the weight is fitted on a seeded 10% of them all the same"
        )
    log(f"reconstructor: {len(train_ex)} training pairs, weight fitted on {len(held)} held out")
    if reuse is not None:  # a trained reconstructor (of another parser): refit the weight
        rec = Reconstructor.load(Path(reuse), device)
        rec.card = {k: v for k, v in rec.card.items() if k not in ("weight", "validation")}
        log(f"reconstructor from {reuse}; only its weight is fitted")
    else:
        pairs = [
            (reconstruction_input(task.environment_for(e), e.logical_form or ""), e.instruction)
            for e in [*train_ex, *synthetic]
            if e.logical_form
        ]
        rec = train_reconstructor(pairs, config, device, log)
    runs = reranking_runs(parser, rec, task, held, beams, similarity)
    # With --prefer-mentions selection counts mentions first; otherwise how much a mention
    # written is worth beside the scores is fitted too (0: not at all); so is the
    # explanation's similarity where there is a sentence encoder.
    grids = {
        (m, g): grid_accuracies(runs, WEIGHTS, mentions, m, g)
        for m in ((0.0,) if mentions else MENTION_WEIGHTS)
        for g in (SIMILARITY_WEIGHTS if similarity else (0.0,))
    }
    # Most accurate first; among equals the one that ranks right candidates highest; then
    # the smallest weights (the parser's own order unless reranking shows a gain).
    weight, mention_weight, similarity_weight = max(
        ((w, m, g) for (m, g), grid in grids.items() for w in grid),
        key=lambda wmg: (
            grids[wmg[1], wmg[2]][wmg[0]][0],
            round(grids[wmg[1], wmg[2]][wmg[0]][1], 6),
            -wmg[2],
            -wmg[1],
            -wmg[0],
        ),
    )
    measured = grids[mention_weight, similarity_weight]

    def best_by(index: int) -> dict[str, float]:
        """The best validation accuracy for each value of one of the two extra weights."""
        values = sorted({key[index] for key in grids})
        return {
            str(v): round(
                max(a for key, grid in grids.items() if key[index] == v for a, _ in grid.values()),
                4,
            )
            for v in values
        }

    rec.card.update(
        {
            "weight": weight,
            "mention_weight": mention_weight,
            "similarity_weight": similarity_weight,
            "similarity_encoder": ENCODER if similarity else None,
            "beams": beams,
            "validation": {str(w): round(a, 4) for w, (a, _) in measured.items()},
            "validation_log_likelihood": {str(w): round(ll, 6) for w, (_, ll) in measured.items()},
            "validation_by_mention_weight": best_by(0),
            "validation_by_similarity_weight": best_by(1),
            "n_validation": len(held),
            "trained_on": "memory" if memory is not None else "gold forms",
            "prefer_mentions": mentions,
        }
    )
    log(
        "reconstructor weights on held-out examples (accuracy, log-likelihood of the right): "
        + ", ".join(f"{w}: {a:.3f} {ll:.3f}" for w, (a, ll) in measured.items())
        + f"; chosen {weight}, mention weight {mention_weight}, "
        f"similarity weight {similarity_weight}"
    )
    target = Path(model) / FOLDER
    with tempfile.TemporaryDirectory(dir=model) as tmp:
        rec.save(Path(tmp) / FOLDER, half)
        if target.exists():
            shutil.rmtree(target)
        (Path(tmp) / FOLDER).rename(target)
    return rec.card
