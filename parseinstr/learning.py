"""Learning from denotations: search for consistent logical forms, remember them, retrain.

Given (instruction, environment, expected denotation) and no logical forms, each round

1. **explores**: candidates come from the current parser's grammar-constrained beam search
   (and, optionally, sampling) and, for instructions still without a consistent form, from
   a bounded enumeration of small forms, shortest first (``learn_search``), in a curriculum
   from short to long instructions; each candidate is executed and compared with the
   expected denotation (``env.same_denotation``);
2. **remembers**: consistent forms enter a per-example :class:`Memory` that persists across
   rounds (and on disk, as JSON), shortest first (a length prior); matches on an empty
   denotation are weak evidence and weigh less;
3. **retrains** the parser on the memory, hard-EM (the form in memory the model likes best,
   shortest at first) or marginal likelihood over the memory's forms;
4. **logs** coverage (share of training examples with a consistent form), memory size and
   the execution accuracy on held-out validation examples.

Examples that share their model input (after :mod:`learn_slots` abstraction, words of the
instruction that are lexemes of the grammar become slots) share their search: candidates
are proposed once and checked on each example's own denotation.

The denotation-only path reads instructions and expected denotations, never a logical
form (:func:`examples_for_learning`); with ``gold_fraction`` a seeded share keeps its gold
form, which enters the memory as is (semi-supervised). The learner names no environment:
environments provide grammar, execution and comparison only.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import random
import re
import sys
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from . import __version__
from .edits import nearest_consistent
from .environment import Denotation, Environment, Example, Task
from .errors import ParseInstrError, UsageError
from .io import write_json_atomic
from .learn_search import Enumerator, form_size, templates
from .learn_slots import SlotSpec, SlottedEnvironment
from .model import LoadedModel, ModelSpec, build_model, load_model, save_model, spec_to_dict
from .parser import Candidate, Parser
from .tokenization import train_input_tokenizer, train_output_tokenizer

Log = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------- config


@dataclass(frozen=True)
class LearnConfig:
    """Settings of the learning loop (budgets in minutes and seconds)."""

    rounds: int = 6
    max_minutes: float = 25.0
    objective: str = "hard-em"  # or "mml" (marginal likelihood over the memory)
    # Exploration.
    beam: int = 6
    beam_inputs: int = 100  # uncovered inputs searched with the beam per round, shortest first
    beam_words_ahead: int = 2  # ... up to this many words past the enumeration's reach
    split_seconds: float = 240.0  # composition of parsed parts, per round
    samples: int = 0  # sampled candidates per input, beside the beam
    edit_candidates: int = 0  # one-token edits around this many top candidates (0: none)
    enum_max_words: int = 5  # round 0 enumerates for instructions up to this many words
    enum_words_step: int = 1  # ... and each later round one more word
    enum_words_cap: int = 6  # ... up to this many (longer ones: beam and composition)
    enum_slack: int = 1  # forms at most (words + slack) in size
    enum_max_size: int = 0  # ... and at most this size (0: no cap beyond words + slack)
    enum_seconds: float = 240.0  # enumeration budget per round
    enum_seconds_per_input: float = 20.0
    enum_workers: int = 1  # processes enumerating side by side (forked; 1: in this one)
    enum_kept: int = 0  # enumerators kept for reuse (0: all; each holds what it built)
    enum_interleave: bool = False  # fill each cell from every expansion in turn
    enum_cell_cap: int = 4000  # forms kept per (nonterminal, size)
    dedupe: bool = True  # keep one enumerated form per denotation
    # Memory.
    max_forms: int = 6
    size_slack: int = 2  # keep forms at most this much longer than the shortest
    weak_weight: float = 0.3  # weight of examples whose denotation is empty
    # Model and training.
    slots: bool = True
    d_model: int = 128
    layers: int = 2
    heads: int = 4
    ff: int = 512
    dropout: float = 0.1
    lr: float = 5e-4
    batch_size: int = 32
    explore_share: float = 0.7  # of the time budget, for exploration rounds
    epochs_per_round: int = 12
    min_steps_per_round: int = 300
    final_epochs: int = 20
    label_smoothing: float = 0.0
    validation_share: float = 0.1
    eval_beam: int = 1
    eval_examples: int = 400  # validation examples scored per round (all at the end)
    seed: int = 0
    device: str = "cpu"
    threads: int | None = None  # torch CPU threads (1 is fastest on a busy machine)


# ---------------------------------------------------------------------------- items


@dataclass
class Item:
    """One training example as the learner sees it: no logical form unless it is gold."""

    id: str
    instruction: str
    instance_key: str
    env: Environment
    expected: Denotation
    gold: str | None = None
    abstract: str = ""
    mapping: dict[str, str] = field(default_factory=dict)

    @property
    def weak(self) -> bool:
        """An empty expected denotation: many wrong forms match it."""
        return bool(self.expected.is_empty())


def examples_for_learning(
    task: Task,
    examples: Sequence[Example],
    gold_fraction: float = 0.0,
    seed: int = 0,
    log: Log = _stderr,
) -> list[Item]:
    """Items with expected denotations; the denotation-only path never reads a gold form.

    The expected denotation is the task's (SCAN actions, sheet cells); only when the task
    has none and the example is to keep its gold form (``gold_fraction``), or to compute
    the denotation from it (text2sql), is the form read: executed once, then discarded
    unless the example is in the seeded gold share.
    """
    rng = random.Random(seed)
    keep_gold = {
        i for i in range(len(examples)) if gold_fraction > 0 and rng.random() < gold_fraction
    }
    items: list[Item] = []
    skipped = 0
    for i, example in enumerate(examples):
        env = task.environment_for(example)
        expected = task.expected_denotation(example, env)
        gold = None
        if expected is None or i in keep_gold:
            form = example.logical_form  # only read here: no task denotation, or gold share
            if expected is None and form:
                try:
                    with env.isolated():
                        expected = env.execute(form)
                except ParseInstrError:
                    expected = None
            gold = form if i in keep_gold else None
        if expected is None:
            skipped += 1
            continue
        items.append(
            Item(example.id, example.instruction, example.instance_key, env, expected, gold)
        )
    if skipped:
        log(f"{skipped} examples have no expected denotation and are skipped")
    return items


# ---------------------------------------------------------------------------- memory


def remembered_rows(rows: Sequence[dict[str, Any]], memory: Memory) -> list[dict[str, Any]]:
    """Task-file rows that ``memory`` covers, each with its remembered form (the shortest)
    as ``logical_form``; rows it does not cover are left out, and no other form survives.

    A supervised training set distilled from what the search found: any training recipe
    (a pretrained encoder, copy slots, the sheet's links) can then retrain on it.
    """
    out: list[dict[str, Any]] = []
    for row in rows:
        found = memory.get(str(row["id"]))
        if found:
            out.append({**row, "logical_form": found[0].form})
    return out


@dataclass
class Remembered:
    """A consistent form of one example."""

    form: str
    size: int
    source: str  # "enumeration", "beam", "sample", "gold"
    round: int


# The enumeration's search record, written beside ``memory.json``.
SEARCH_RECORD = "search.json"


class Memory:
    """Per-example consistent forms, shortest first; persists across rounds (JSON on disk).

    A form enters only if it is no more than ``size_slack`` longer than the shortest known
    form of its example; at most ``max_forms`` are kept (the shortest, then the oldest).
    """

    def __init__(self, max_forms: int = 6, size_slack: int = 2) -> None:
        self.max_forms, self.size_slack = max_forms, size_slack
        self.forms: dict[str, list[Remembered]] = {}

    def add(self, example_id: str, form: str, source: str, round_: int) -> bool:
        """Remember ``form`` for ``example_id``; True when it is new and kept."""
        kept = self.forms.setdefault(example_id, [])
        if any(r.form == form for r in kept):
            return False
        entry = Remembered(form, form_size(form), source, round_)
        kept.append(entry)
        kept.sort(key=lambda r: (r.size, r.round))
        shortest = kept[0].size
        kept[:] = [r for r in kept if r.size <= shortest + self.size_slack][: self.max_forms]
        return entry in kept

    def get(self, example_id: str) -> list[Remembered]:
        """The forms of ``example_id``, shortest first (empty if none)."""
        return self.forms.get(example_id, [])

    def covered(self, example_id: str) -> bool:
        """Whether ``example_id`` has at least one consistent form."""
        return bool(self.forms.get(example_id))

    def size(self) -> int:
        """Forms remembered in all."""
        return sum(len(v) for v in self.forms.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "max_forms": self.max_forms,
            "size_slack": self.size_slack,
            "forms": {k: [asdict(r) for r in v] for k, v in self.forms.items() if v},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Memory:
        memory = cls(data.get("max_forms", 6), data.get("size_slack", 2))
        for key, rows in data.get("forms", {}).items():
            memory.forms[key] = [Remembered(**r) for r in rows]
        return memory

    def save(self, path: Path) -> None:
        """Write the memory as JSON (atomically)."""
        write_json_atomic(path, self.to_json())

    @classmethod
    def load(cls, path: Path) -> Memory:
        """Read a memory written by :meth:`save`."""
        return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))


# ---------------------------------------------------------------------------- parser


class SlottedParser(Parser):
    """A parser whose model reads and writes slots (see :mod:`learn_slots`).

    Instructions are abstracted before encoding, decoding is constrained by the slotted
    grammar restricted to the instruction's slots, and slots in the candidates are filled
    with the instruction's words. Identical model inputs are decoded once. A card without
    ``lexeme_slots`` (an empty spec) makes it behave like :class:`Parser`.
    """

    def __init__(self, loaded: LoadedModel, device: str = "cpu") -> None:
        super().__init__(loaded, device)
        self.spec = SlotSpec.from_json(loaded.card.get("lexeme_slots") or {})

    @classmethod
    def load(cls, folder: str | Path, device: str = "cpu") -> SlottedParser:
        return cls(load_model(Path(folder), device), device)

    def parse_batch(
        self,
        instructions: Sequence[str],
        envs: Sequence[Environment | None],
        n_best: int = 1,
        constrained: bool | None = None,
    ) -> list[list[Candidate]]:
        abstracted = [self.spec.abstract(i) for i in instructions]
        views: dict[int, Environment] = {}
        unique: dict[tuple[str, int], int] = {}
        inputs: list[str] = []
        input_envs: list[Environment | None] = []
        where = []
        for (text, _), env in zip(abstracted, envs, strict=True):
            view = None
            if env is not None:
                view = views.setdefault(id(env), SlottedEnvironment(env, self.spec))
            key = (text, id(env))
            if key not in unique:
                unique[key] = len(inputs)
                inputs.append(text)
                input_envs.append(view)
            where.append(unique[key])
        decoded = super().parse_batch(inputs, input_envs, n_best, constrained)
        out = []
        for (_, mapping), j in zip(abstracted, where, strict=True):
            out.append([Candidate(self.spec.fill(c.form, mapping), c.score) for c in decoded[j]])
        return out


def load_parser(folder: str | Path, device: str = "cpu") -> Parser:
    """A model folder as a parser: :class:`SlottedParser` when the card has slots."""
    return Parser.load(folder, device)


# ---------------------------------------------------------------------------- training


def _sequence_logprobs(
    model: Any, batch: dict[str, torch.Tensor], label_smoothing: float = 0.0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-row summed log-probability of the labels, and the per-row training loss."""
    logits = model(
        input_ids=batch["input_ids"],
        attention_mask=batch["attention_mask"],
        decoder_input_ids=batch["decoder_input_ids"],
    ).logits.float()
    labels = batch["labels"]
    mask = labels != -100
    logp = torch.log_softmax(logits, dim=-1)
    picked = logp.gather(-1, labels.clamp(min=0).unsqueeze(-1)).squeeze(-1) * mask
    seq = picked.sum(dim=1)
    if label_smoothing > 0:
        smooth = -(logp.mean(dim=-1) * mask).sum(dim=1)
        loss = -(1 - label_smoothing) * seq + label_smoothing * smooth
    else:
        loss = -seq
    return seq, loss


class _Trainer:
    """The model, its tokenizers and optimiser; kept across rounds (warm start)."""

    def __init__(
        self,
        config: LearnConfig,
        inputs: Sequence[str],
        form_corpus: Sequence[str],
        card: dict[str, Any],
    ) -> None:
        self.config = config
        self.device = config.device
        self.input_tok = train_input_tokenizer(list(inputs), 2000)
        self.output_tok = train_output_tokenizer(list(form_corpus), 600)
        self.spec = ModelSpec(
            d_model=config.d_model,
            encoder_layers=config.layers,
            decoder_layers=config.layers,
            heads=config.heads,
            ff=config.ff,
            dropout=config.dropout,
        )
        self.model = build_model(self.spec, self.input_tok, self.output_tok).to(self.device)
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=config.lr, weight_decay=0.01)
        self.steps = 0
        self.card = card
        self.card["spec"] = spec_to_dict(self.spec)

    def parser(self) -> SlottedParser:
        self.model.eval()
        return SlottedParser(
            LoadedModel(self.model, self.input_tok, self.output_tok, self.card), self.device
        )

    def _batch(self, rows: Sequence[tuple[str, str]]) -> dict[str, torch.Tensor]:
        enc = self.input_tok(
            [r[0] for r in rows], truncation=True, max_length=512, padding=True, return_tensors="pt"
        )
        labels = self.output_tok(
            [r[1] for r in rows], truncation=True, max_length=512, padding=True, return_tensors="pt"
        )["input_ids"]
        labels[labels == self.output_tok.pad_token_id] = -100
        decoder_in = torch.full_like(labels, self.output_tok.pad_token_id)
        decoder_in[:, 0] = self.output_tok.bos_token_id
        decoder_in[:, 1:] = labels[:, :-1].masked_fill(
            labels[:, :-1] == -100, self.output_tok.pad_token_id
        )
        return {
            "input_ids": enc["input_ids"].to(self.device),
            "attention_mask": enc["attention_mask"].to(self.device),
            "labels": labels.to(self.device),
            "decoder_input_ids": decoder_in.to(self.device),
        }

    @torch.no_grad()
    def score(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        """Log-probability of each (input, form) pair under the model."""
        self.model.eval()
        out: list[float] = []
        for i in range(0, len(pairs), 128):
            seq, _ = _sequence_logprobs(self.model, self._batch(pairs[i : i + 128]))
            out.extend(seq.tolist())
        return out

    def train(
        self,
        groups: Sequence[tuple[str, Sequence[str], float]],
        epochs: int,
        deadline: float,
        rng: random.Random,
        until_deadline: bool = False,
    ) -> float:
        """Train on (input, forms, weight) groups: one form each (hard-EM) or all (MML).

        Returns the mean loss of the last epoch.
        """
        self.model.train()
        mml = self.config.objective == "mml"
        rows: list[tuple[int, str, str, float]] = []
        for g, (text, forms, weight) in enumerate(groups):
            for form in forms if mml else forms[:1]:
                rows.append((g, text, form, weight))
        if not rows:
            return float("nan")
        last = float("nan")
        size = self.config.batch_size
        per_epoch = max(1, math.ceil(len(rows) / size))
        epochs = max(epochs, math.ceil(self.config.min_steps_per_round / per_epoch))
        began = time.monotonic()
        if until_deadline:  # the final model: train while time remains, the rate decaying
            epochs = 10**6
        for _ in range(epochs):
            if time.monotonic() > deadline:
                break
            # Whole groups stay in one batch (for the marginal likelihood).
            order = list(range(len(groups)))
            rng.shuffle(order)
            by_group: dict[int, list[int]] = defaultdict(list)
            for r, row in enumerate(rows):
                by_group[row[0]].append(r)
            batches, current = [], []
            for g in order:
                current.extend(by_group[g])
                if len(current) >= size:
                    batches.append(current)
                    current = []
            if current:
                batches.append(current)
            losses = []
            for chunk in batches:
                picked = [rows[r] for r in chunk]
                batch = self._batch([(p[1], p[2]) for p in picked])
                seq, loss_rows = _sequence_logprobs(self.model, batch, self.config.label_smoothing)
                weights = torch.tensor([p[3] for p in picked], device=self.device)
                if mml:
                    ids = [p[0] for p in picked]
                    loss_terms = []
                    for g in dict.fromkeys(ids):
                        idx = torch.tensor([k for k, x in enumerate(ids) if x == g])
                        loss_terms.append(-torch.logsumexp(seq[idx], 0) * weights[idx[0]])
                    loss = torch.stack(loss_terms).mean()
                else:
                    loss = (loss_rows * weights).sum() / weights.sum()
                loss.backward()
                self.steps += 1
                rate = self.config.lr * min(1.0, self.steps / 100)  # linear warm-up
                if until_deadline:  # then linear decay to a tenth by the deadline
                    left = (deadline - time.monotonic()) / max(1.0, deadline - began)
                    rate *= 0.1 + 0.9 * max(0.0, left)
                for group in self.optimizer.param_groups:
                    group["lr"] = rate
                torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
                self.optimizer.step()
                self.optimizer.zero_grad(set_to_none=True)
                losses.append(loss.item())
            last = float(np.mean(losses))
        self.model.eval()
        return last


# ---------------------------------------------------------------------------- the learner


# The learner, its groups to enumerate and the deadline, for forked enumeration workers
# (set in the parent just before it forks; a child reads its copy).
_FORKED: tuple[Learner, list[list[Item]], float] | None = None


def _enumerate_forked(i: int) -> tuple[int, tuple[list[str], bool] | None]:
    """In a forked worker: the forms of group ``i`` (None once the deadline has passed)."""
    assert _FORKED is not None
    learner, todo, deadline = _FORKED
    if time.monotonic() > deadline:
        return i, None
    return i, learner._enumerate_group(todo[i], deadline)


def _check(item: Item, form: str) -> bool:
    """Whether ``form`` runs in the item's environment to its expected denotation."""
    try:
        with item.env.isolated():
            denotation = item.env.execute(form)
    except ParseInstrError:
        return False
    except RecursionError:
        return False
    return bool(item.env.same_denotation(denotation, item.expected))


def _coincidence(env: Environment, form: str, denotation: Any) -> bool:
    """Whether ``form`` gives ``denotation`` without saying anything about the instance
    (``Environment.is_trivial``) or in a way the environment doubts (``Environment.doubt``:
    a sum over a column of names is 0 whatever was asked), so it is kept out of memory and
    does not take the place of a real form among forms de-duplicated by denotation."""
    return bool(env.is_trivial(form, denotation)) or env.doubt(form, denotation) is not None


def _only_operators(template: str) -> bool:
    """Whether every word of a template applies to arguments (``twice(``), so no constant
    program (``drop``) pads it."""
    tokens = re.findall(r"<[LR]>|[A-Za-z0-9_]+\(?", template)
    return all(t.startswith("<") or t.endswith("(") for t in tokens)


def _execute(item: Item, form: str) -> Denotation | None:
    try:
        with item.env.isolated():
            return item.env.execute(form)
    except (ParseInstrError, RecursionError):
        return None


def predict(
    parser: Parser, items: Sequence[Item], n_best: int, batch_size: int = 512
) -> list[str | None]:
    """The chosen form per item: the best candidate that runs (non-empty first).

    Items go in large chunks ordered by length, so that a :class:`SlottedParser` decodes
    each distinct model input once and batches pad little.
    """
    from .parser import select_by_execution

    order = sorted(range(len(items)), key=lambda i: (len(items[i].instruction), i))
    chosen: list[str | None] = [None] * len(items)
    for start in range(0, len(order), batch_size):
        chunk = [items[i] for i in order[start : start + batch_size]]
        nbest = parser.parse_batch(
            [it.instruction for it in chunk], [it.env for it in chunk], n_best, True
        )
        for i, it, cands in zip(order[start : start + batch_size], chunk, nbest, strict=True):
            best, alts, _ = select_by_execution(it.env, cands)
            chosen[i] = alts[best].form if best is not None else None
    return chosen


def search_with_parser(
    parser: Parser,
    items: Sequence[Item],
    memory: Memory,
    n_best: int = 10,
    round_: int = 0,
    edit_candidates: int = 0,
    batch: int = 32,
) -> dict[str, int]:
    """Candidates from any trained parser's constrained n-best for the items ``memory``
    does not cover; consistent ones without a coincidence enter the memory (source
    ``parser``). With ``edit_candidates`` K, where none fits, one-token edits of the top K
    (:func:`parseinstr.edits.nearest_consistent`, source ``edit``).

    The learner's own rounds use its slot parser; this serves a parser retrained on the
    memory with another recipe (:func:`remembered_rows`), which then proposes for what the
    search has not covered yet: the search-remember-retrain loop with a stronger model.
    """
    todo = [it for it in items if not memory.covered(it.id)]
    stats = {"inputs": len(todo), "found": 0, "found_by_edits": 0}
    for start in range(0, len(todo), batch):
        chunk = todo[start : start + batch]
        nbest = parser.parse_batch(
            [it.instruction for it in chunk], [it.env for it in chunk], n_best, True
        )
        for it, cands in zip(chunk, nbest, strict=True):
            hit = False
            for cand in cands:
                if _check(it, cand.form) and not _coincidence(it.env, cand.form, it.expected):
                    hit = memory.add(it.id, cand.form, "parser", round_) or hit
            if not hit and edit_candidates > 0 and cands:
                form = _nearest_for(parser, it, [c.form for c in cands[:edit_candidates]])
                if form is not None and memory.add(it.id, form, "edit", round_):
                    hit = True
                    stats["found_by_edits"] += 1
            stats["found"] += hit
    return stats


def _nearest_for(
    parser: Parser,
    item: Item,
    forms: list[str],
    text: str | None = None,
    env: Environment | None = None,
    fill: Callable[[str], str] = lambda form: form,
) -> str | None:
    """The parser's favourite one-token neighbour of ``forms`` that fits ``item`` without
    being a coincidence (:func:`parseinstr.edits.nearest_consistent`). ``text`` and ``env``
    are what the parser reads (default: the item's own); ``fill`` turns a form as the parser
    writes it into one the item's environment runs (slots filled)."""
    text = item.instruction if text is None else text
    env = item.env if env is None else env

    def run(form: str) -> Denotation | None:
        return _execute(item, fill(form))

    def consistent(form: str, denotation: Denotation) -> bool:
        same = item.env.same_denotation(denotation, item.expected)
        return bool(same) and not _coincidence(item.env, fill(form), denotation)

    def score(candidates: list[str]) -> list[float]:
        n = len(candidates)
        return parser.score_forms([text] * n, [env] * n, candidates)

    return nearest_consistent(env.grammar(), forms, text, run, consistent, score, 1500)


def accuracy(parser: Parser, items: Sequence[Item], n_best: int) -> float:
    """Execution accuracy: share of items whose chosen form gives the expected denotation."""
    if not items:
        return 0.0
    forms = predict(parser, items, n_best)
    return sum(f is not None and _check(it, f) for it, f in zip(items, forms, strict=True)) / len(
        items
    )


class Learner:
    """The search-remember-retrain loop over ``items`` (see the module docstring)."""

    def __init__(
        self,
        items: Sequence[Item],
        validation: Sequence[Item],
        config: LearnConfig,
        out: Path,
        command: str = "",
        task_name: str = "",
        log: Log = _stderr,
    ) -> None:
        if not items:
            raise UsageError("no training examples with an expected denotation")
        self.items, self.validation = list(items), list(validation)
        self.config, self.out, self.log = config, Path(out), log
        self.rng = random.Random(config.seed)
        torch.manual_seed(config.seed)
        if config.threads:
            torch.set_num_threads(config.threads)
        env0 = self.items[0].env
        self.grammar = env0.grammar()
        self.spec = SlotSpec.from_grammar(self.grammar)  # narrows enumeration either way
        self.model_spec = self.spec if config.slots else SlotSpec(())
        for it in [*self.items, *self.validation]:
            it.abstract, it.mapping = self.model_spec.abstract(it.instruction)
        self.memory = Memory(config.max_forms, config.size_slack)
        memory_path = self.out / "memory.json"
        if memory_path.exists():
            self.memory = Memory.load(memory_path)
            log(f"memory: {self.memory.size()} forms read from {memory_path}")
        for it in self.items:
            if it.gold and _check(it, it.gold):
                self.memory.add(it.id, it.gold, "gold", 0)
        self.groups: dict[tuple[str, str], list[Item]] = defaultdict(list)
        for it in self.items:
            self.groups[(it.abstract, it.instance_key)].append(it)
        self.history: list[dict[str, Any]] = []
        # Enumerators by lexemes, the latest last; one holds every part it built, so with
        # ``enum_kept`` only that many are kept.
        self.enumerators: OrderedDict[Any, tuple[Enumerator, dict[str, str]]] = OrderedDict()
        # id(group) -> (size limit searched to, whether the search ran to its end, key).
        self.enumerated: dict[int, tuple[int, bool, Any]] = {}
        self.card: dict[str, Any] = {
            "task": task_name,
            "environment": env0.name,
            "parseinstr_version": __version__,
            "grammar": env0.base_grammar().name,
            "grammar_hash": env0.base_grammar().hash,
            "command": command,
            "supervision": "denotation",
            "learning": {k: v for k, v in asdict(config).items()},
            "with_description": False,
            "with_links": False,
            "max_output_tokens": 96,
            "lexeme_slots": self.model_spec.to_json(),
            "validation": f"seeded {config.validation_share:.0%} of the training data held out "
            f"(seed {config.seed}, {len(self.validation)} examples)",
        }
        self.trainer: _Trainer | None = None

    # ------------------------------------------------------------------ exploration

    @staticmethod
    def _run(item: Item, form: str) -> Denotation | None:
        return _execute(item, form)

    def _verify(self, group: list[Item], abstract_form: str, source: str, round_: int) -> int:
        """Check an abstract form on each item of a group; returns how many it fits."""
        found = 0
        for it in group:
            form = self.model_spec.fill(abstract_form, it.mapping)
            # A form that says nothing about the instance matches by coincidence (its
            # denotation is the expected one once ``_check`` holds).
            if _check(it, form) and not _coincidence(it.env, form, it.expected):
                self.memory.add(it.id, form, source, round_)
                found += 1
        return found

    def _enum_key(self, group: list[Item]) -> tuple[Any, dict[str, list[str]]]:
        """The key of the group's enumerator (its instance and lexemes), and the lexemes."""
        rep = group[0]
        slots = self.model_spec.slots_by_terminal(rep.mapping)
        words = rep.instruction.lower().split()
        if self.config.slots:
            allowed = {t: slots.get(t, []) for t, _ in self.spec.terminals}
        else:  # the instruction's own words (the same narrowing, without slots)
            allowed = {t: [w for w in lex if w in words] for t, lex in self.spec.terminals}
        # What the instance holds and the instruction names, spelled for the grammar
        # (strings, numbers in words, headers): the environment knows its literals.
        allowed.update(rep.env.search_lexemes(rep.instruction))
        key = (rep.instance_key, tuple(sorted((t, tuple(v)) for t, v in allowed.items())))
        return key, allowed

    def _enumerator(self, group: list[Item]) -> tuple[Enumerator, dict[str, str]]:
        """The enumerator for the group's lexemes (shared by groups with the same slots), and
        the words its executions (and de-duplication) used."""
        rep = group[0]
        key, allowed = self._enum_key(group)
        if key not in self.enumerators:
            sg = self.model_spec.slotted_grammar(rep.env.decoding_grammar())
            env = rep.env
            mapping = dict(rep.mapping)

            def run(form: str) -> Any:
                with env.isolated():
                    return env.execute(self.model_spec.fill(form, mapping))

            def keep(form: str, den: Any) -> bool:
                return not _coincidence(env, self.model_spec.fill(form, mapping), den)

            enum = Enumerator(
                sg,
                run,
                allowed=allowed,
                words=rep.abstract.split(),
                dedupe=self.config.dedupe,
                interleave=self.config.enum_interleave,
                max_per_cell=self.config.enum_cell_cap,
                keep=keep,
                part_program=lambda name, form: env.part_program(
                    name, self.model_spec.fill(form, mapping)
                ),
            )
            self.enumerators[key] = (enum, mapping)
            while 0 < self.config.enum_kept < len(self.enumerators):
                self.enumerators.popitem(last=False)
        self.enumerators.move_to_end(key)
        return self.enumerators[key]

    def enumerate_round(self, round_: int, max_words: int, seconds: float) -> dict[str, int]:
        """Cold-start search: small forms, shortest first, for short uncovered instructions."""
        deadline = time.monotonic() + seconds
        todo = [
            g
            for (text, _), g in self.groups.items()
            if len(text.split()) <= max_words
            and not all(self.memory.covered(i.id) for i in g)
            and not self._would_repeat(g)
        ]
        todo.sort(key=lambda g: (len(g[0].abstract.split()), g[0].abstract))
        stats = {"inputs": 0, "inputs_found": 0, "examples_found": 0}
        for group, (forms, ended) in self._enumerate_all(todo, deadline):
            stats["inputs"] += 1
            self.enumerated[id(group)] = (self._enum_limit(group), ended, self._enum_key(group)[0])
            for form in forms:
                stats["examples_found"] += self._verify(group, form, "enumeration", round_)
            stats["inputs_found"] += bool(forms)
        return stats

    def _enumerate_all(
        self, todo: list[list[Item]], deadline: float
    ) -> Iterator[tuple[list[Item], tuple[list[str], bool]]]:
        """(group, (its smallest consistent forms, whether the search ran to its end)) for
        the groups of ``todo`` searched before ``deadline``, in order; with ``enum_workers``
        > 1, forked processes search groups side by side (each on a copy of the learner) and
        only the forms come back."""
        workers = min(self.config.enum_workers, len(todo))
        if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
            for group in todo:
                if time.monotonic() > deadline:
                    return
                yield group, self._enumerate_group(group, deadline)
            return
        global _FORKED
        _FORKED = (self, todo, deadline)
        try:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                for i, result in pool.imap(_enumerate_forked, range(len(todo))):
                    if result is not None:
                        yield todo[i], result
        finally:
            _FORKED = None

    def save_search_record(self, path: Path) -> None:
        """Write which instructions the enumeration searched, to what size, and whether each
        search ran to its end (JSON, atomically), so a later learner on the same data skips
        what it would only repeat (:meth:`load_search_record`)."""
        keys = {id(g): key for key, g in self.groups.items()}
        rows = [
            {"instruction": keys[gid][0], "instance": keys[gid][1], "limit": lim, "ended": ended}
            for gid, (lim, ended, _) in self.enumerated.items()
            if gid in keys
        ]
        write_json_atomic(path, {"searched": rows})

    def load_search_record(self, path: Path) -> int:
        """Take in a record written by :meth:`save_search_record`; returns how many of its
        instructions are among this learner's. Their enumerators are gone, so a search cut by
        time is not resumed either: each is searched again only to a larger size limit."""
        rows = json.loads(Path(path).read_text(encoding="utf-8")).get("searched", [])
        taken = 0
        for row in rows:
            group = self.groups.get((row["instruction"], row["instance"]))
            if group is not None:
                self.enumerated[id(group)] = (int(row["limit"]), bool(row["ended"]), None)
                taken += 1
        return taken

    def _would_repeat(self, group: list[Item]) -> bool:
        """Whether searching ``group`` again would only repeat a search: one ran to its end
        at this size limit, or ran out of time and its enumerator (which would resume) is
        gone (forked workers keep theirs; a bounded cache drops old ones)."""
        searched = self.enumerated.get(id(group))
        if searched is None:
            return False
        limit, ended, key = searched
        return limit >= self._enum_limit(group) and (ended or key not in self.enumerators)

    def _enum_limit(self, group: list[Item]) -> int:
        """The largest form size enumerated for a group: its words plus ``enum_slack``, at
        most ``enum_max_size`` (when set)."""
        limit = len(group[0].instruction.split()) + self.config.enum_slack
        return min(limit, self.config.enum_max_size) if self.config.enum_max_size else limit

    def _enumerate_group(self, group: list[Item], deadline: float) -> tuple[list[str], bool]:
        """The smallest (abstract) forms the enumeration finds consistent with the group's
        representative, within ``enum_seconds_per_input`` and ``deadline``; and whether the
        search ended before its time did (found, or every form up to the limit tried)."""
        enum, mapping = self._enumerator(group)
        rep = next((it for it in group if it.mapping == mapping), group[0])
        limit = self._enum_limit(group)
        best = None
        found: list[str] = []
        budget = min(self.config.enum_seconds_per_input, max(0.0, deadline - time.monotonic()))
        ends = time.monotonic() + budget
        for form, size, den in enum.forms(limit, budget):
            if best is not None and size > best:
                break
            if rep.mapping != mapping:  # run it with this group's own words
                den = self._run(rep, self.model_spec.fill(form, rep.mapping))
            if den is None or not rep.env.same_denotation(den, rep.expected):
                continue  # (coincidences never come out: the enumerator keeps none)
            best = size
            found.append(form)
        return found, bool(found) or time.monotonic() < ends

    def beam_round(self, round_: int, parser: Parser, max_words: int) -> dict[str, int]:
        """Candidates from the parser's constrained beam for uncovered inputs, shortest first
        (a curriculum), at most ``beam_inputs`` of them."""
        todo = [
            g
            for (text, _), g in self.groups.items()
            if len(text.split()) <= max_words and not all(self.memory.covered(i.id) for i in g)
        ]
        todo.sort(key=lambda g: (len(g[0].abstract.split()), self.rng.random()))
        todo = todo[: self.config.beam_inputs]
        stats = {"inputs": len(todo), "inputs_found": 0, "examples_found": 0, "edits_found": 0}
        reps = [g[0] for g in todo]
        for i in range(0, len(reps), 64):
            chunk = reps[i : i + 64]
            nbest = Parser.parse_batch(
                parser,
                [r.abstract for r in chunk],
                [SlottedEnvironment(r.env, self.model_spec) for r in chunk],
                self.config.beam,
                True,
            )
            for rep, cands in zip(chunk, nbest, strict=True):
                group = self.groups[(rep.abstract, rep.instance_key)]
                hit = 0
                for cand in cands:
                    hit += self._verify(group, cand.form, "beam", round_)
                if not hit and self.config.edit_candidates > 0:
                    form = self._edit_search(parser, rep, cands[: self.config.edit_candidates])
                    if form is not None:
                        hit = self._verify(group, form, "edit", round_)
                        stats["edits_found"] += hit > 0
                stats["examples_found"] += hit
                stats["inputs_found"] += hit > 0
        return stats

    def _edit_search(self, parser: Parser, rep: Item, cands: Sequence[Any]) -> str | None:
        """The parser's favourite one-token neighbour of ``cands`` (abstract forms) that
        fits ``rep`` without being a coincidence (:func:`_nearest_for`)."""
        return _nearest_for(
            parser,
            rep,
            [c.form for c in cands],
            rep.abstract,
            SlottedEnvironment(rep.env, self.model_spec),
            lambda form: self.model_spec.fill(form, rep.mapping),
        )

    def split_round(self, round_: int, parser: Parser, seconds: float) -> dict[str, int]:
        """Compositional candidates for uncovered inputs, shortest first: the instruction is
        cut in two contiguous parts (one word between them may be left out, such as a
        connective), the current parser parses each part, and the grammar's own small
        combinators (:func:`templates`: ``seq(<L>, <R>)``, ``twice(<L>)``...) join them.

        Joins that use every part of a cut come first, then the smallest; parts are parsed
        once per round (by their model input)."""
        deadline = time.monotonic() + seconds
        todo = [g for g in self.groups.values() if not all(self.memory.covered(i.id) for i in g)]
        todo.sort(key=lambda g: (len(g[0].abstract.split()), self.rng.random()))
        shapes = [
            t
            for t in templates(self.model_spec.slotted_grammar(self.grammar))
            if _only_operators(t)
        ]
        parsed: dict[tuple[str, str], str | None] = {}  # (model input, instance) -> form
        stats = {"inputs": 0, "inputs_found": 0, "examples_found": 0}
        for start in range(0, len(todo), 64):
            if time.monotonic() > deadline:
                break
            chunk = todo[start : start + 64]
            plans = []
            wanted: dict[tuple[str, str], Environment] = {}
            for group in chunk:
                rep = group[0]
                words = rep.instruction.split()
                cuts = []
                for i in range(1, len(words)):
                    for j in (i, i + 1):
                        cuts.append((" ".join(words[:i]), " ".join(words[j:])))
                cuts.append((" ".join(words[1:]), ""))
                for part in {p for cut in cuts for p in cut if p}:
                    key = (self.model_spec.abstract(part)[0], rep.instance_key)
                    if key not in parsed:
                        wanted[key] = rep.env
                plans.append((group, cuts))
            keys = list(wanted)
            for k in range(0, len(keys), 256):
                some = keys[k : k + 256]
                # Model inputs in, slotted forms out (slot names are no instruction words).
                nbest = parser.parse_batch(
                    [key[0] for key in some], [wanted[key] for key in some], 1, True
                )
                for key, cands in zip(some, nbest, strict=True):
                    parsed[key] = cands[0].form if cands else None
            for group, cuts in plans:
                if time.monotonic() > deadline:
                    break
                stats["inputs"] += 1
                rep = group[0]
                forms = {}
                for part in {p for cut in cuts for p in cut if p}:
                    text, mapping = self.model_spec.abstract(part)
                    form = parsed.get((text, rep.instance_key))
                    forms[part] = self.model_spec.fill(form, mapping) if form else None
                hit = self._compose(group, rep, cuts, forms, shapes, round_)
                stats["inputs_found"] += hit > 0
                stats["examples_found"] += hit
        return stats

    def _compose(
        self,
        group: list[Item],
        rep: Item,
        cuts: list[tuple[str, str]],
        forms: dict[str, str | None],
        shapes: Sequence[str],
        round_: int,
    ) -> int:
        tried: set[str] = set()
        # Joins that use every part of the cut first (they explain all the words), then
        # the smallest (a length prior).
        order = [
            (shape, cut)
            for covering in (True, False)
            for shape in shapes
            for cut in cuts
            if (("<R>" in shape) == bool(cut[1]) and "<L>" in shape) == covering
        ]
        for shape, (left, right) in order:
            fl = forms.get(left)
            fr = forms.get(right) if right else None
            if fl is None or ("<R>" in shape and fr is None):
                continue
            candidate = shape.replace("<L>", fl).replace("<R>", fr or "")
            if candidate in tried:
                continue
            tried.add(candidate)
            den = self._run(rep, candidate)
            if den is None or not rep.env.same_denotation(den, rep.expected):
                continue
            try:
                abstract = self.model_spec.to_slots(candidate, rep.mapping, self.grammar)
            except ParseInstrError:
                continue
            return self._verify(group, abstract, "composition", round_)
        return 0

    # ------------------------------------------------------------------ training

    def _training_groups(self) -> list[tuple[str, list[str], float]]:
        """(model input, abstract forms best first, weight), one per distinct input and form."""
        assert self.trainer is not None
        seen: dict[tuple[str, tuple[str, ...]], float] = {}
        per_item: list[tuple[Item, list[str]]] = []
        for it in self.items:
            forms = self.memory.get(it.id)
            if not forms:
                continue
            abstract = []
            for r in forms:
                try:
                    abstract.append(self.model_spec.to_slots(r.form, it.mapping, self.grammar))
                except ParseInstrError:
                    continue
            if abstract:
                per_item.append((it, list(dict.fromkeys(abstract))))
        if self.config.objective == "hard-em" and self.history:
            # Best in memory: the form the current model scores highest (ties: shortest).
            pairs = sorted({(it.abstract, f) for it, fs in per_item for f in fs if len(fs) > 1})
            scores = dict(zip(pairs, self.trainer.score(pairs), strict=True)) if pairs else {}
            ranked = []
            for it, fs in per_item:
                if len(fs) > 1:
                    fs = sorted(
                        fs, key=lambda f: (-round(scores[(it.abstract, f)], 3), form_size(f))
                    )
                ranked.append((it, fs))
            per_item = ranked
        for it, fs in per_item:
            key = (it.abstract, tuple(fs))
            weight = self.config.weak_weight if it.weak else 1.0
            seen[key] = max(seen.get(key, 0.0), weight)
        return [(text, list(fs), w) for (text, fs), w in seen.items()]

    def _ensure_trainer(self) -> _Trainer:
        if self.trainer is None:
            from .decoding.sampling import GrammarSampler

            sg = self.model_spec.slotted_grammar(self.grammar)
            corpus = GrammarSampler(sg, seed=self.config.seed).sentences(3000, validate=False)
            for forms in self.memory.forms.values():
                corpus.extend(r.form for r in forms[:1])
            for it in self.items[:2000]:
                corpus.extend(
                    self.model_spec.to_slots(r.form, it.mapping, self.grammar)
                    for r in self.memory.get(it.id)[:1]
                )
            inputs = sorted({it.abstract for it in self.items})
            self.trainer = _Trainer(self.config, inputs, corpus, self.card)
        return self.trainer

    # ------------------------------------------------------------------ the loop

    def forget_coincidences(self) -> int:
        """Drop remembered forms that the environment now calls coincidences (its doubts may
        have grown since they were found: ``AND([Pages])`` answering TRUE); returns how
        many were dropped."""
        dropped = 0
        for it in self.items:
            kept = self.memory.forms.get(it.id)
            if not kept:
                continue
            keep = [r for r in kept if not _coincidence(it.env, r.form, it.expected)]
            dropped += len(kept) - len(keep)
            self.memory.forms[it.id] = keep
        return dropped

    def coverage(self) -> float:
        """Share of training examples with at least one consistent form."""
        return sum(self.memory.covered(it.id) for it in self.items) / len(self.items)

    def run(self) -> dict[str, Any]:
        """Rounds of explore, remember, retrain and evaluate; then save the model and logs."""
        cfg = self.config
        started = time.monotonic()
        deadline = started + cfg.max_minutes * 60
        # Exploration rounds use the first part of the budget; the rest trains the final model.
        explore_until = started + cfg.max_minutes * 60 * cfg.explore_share
        self.out.mkdir(parents=True, exist_ok=True)
        for round_ in range(cfg.rounds):
            t0 = time.monotonic()
            entry: dict[str, Any] = {"round": round_}
            max_words = min(cfg.enum_max_words + round_ * cfg.enum_words_step, cfg.enum_words_cap)
            if self.trainer is not None:
                parser = self.trainer.parser()
                remaining = max(0.0, explore_until - time.monotonic())
                entry["composition"] = self.split_round(
                    round_, parser, min(cfg.split_seconds, remaining * 0.5)
                )
                entry["beam"] = self.beam_round(round_, parser, max_words + cfg.beam_words_ahead)
            remaining = max(0.0, deadline - time.monotonic())
            entry["enumeration"] = self.enumerate_round(
                round_, max_words, min(cfg.enum_seconds, remaining * 0.5)
            )
            self.memory.save(self.out / "memory.json")
            self.save_search_record(self.out / SEARCH_RECORD)
            trainer = self._ensure_trainer()
            groups = self._training_groups()
            longest = max(
                (len(trainer.output_tok(f)["input_ids"]) for g in groups for f in g[1]), default=32
            )
            self.card["max_output_tokens"] = min(128, 2 * longest + 8)
            last_round = (
                round_ == cfg.rounds - 1
                or (self.coverage() == 1.0 and round_ > 0)
                or time.monotonic() > explore_until
            )
            epochs = cfg.final_epochs if last_round else cfg.epochs_per_round
            reserve = max(60.0, 0.08 * cfg.max_minutes * 60)  # for the final evaluation
            stop = deadline - reserve if last_round else explore_until
            entry["loss"] = trainer.train(groups, epochs, stop, self.rng, last_round)
            entry["training_inputs"] = len(groups)
            parser = trainer.parser()
            entry["coverage"] = self.coverage()
            entry["memory_size"] = self.memory.size()
            last_round = last_round or time.monotonic() > deadline - 30
            dev = self.validation
            if not last_round and len(dev) > cfg.eval_examples:
                dev = random.Random(cfg.seed).sample(dev, cfg.eval_examples)
            entry["dev_execution_accuracy"] = accuracy(parser, dev, cfg.eval_beam)
            entry["dev_examples"] = len(dev)
            entry["minutes"] = round((time.monotonic() - started) / 60, 2)
            entry["round_minutes"] = round((time.monotonic() - t0) / 60, 2)
            self.history.append(entry)
            self.log(
                f"round {round_}: coverage {entry['coverage']:.3f}, memory "
                f"{entry['memory_size']}, dev accuracy {entry['dev_execution_accuracy']:.3f}, "
                f"{entry['minutes']:.1f} min"
            )
            # The latest model is trained on the most memory: keep it.
            self.card["metrics"] = {
                "validation_execution_accuracy": entry["dev_execution_accuracy"],
                "validation_examples": len(dev),
                "round": round_,
                "coverage": entry["coverage"],
            }
            save_model(self.out, trainer.model, trainer.input_tok, trainer.output_tok, self.card)
            self._write_log()
            if time.monotonic() > deadline - 30:
                self.log("time budget spent")
                break
            if last_round and round_ > 0:
                break
        self.card["history"] = self.history
        self.card["train_minutes"] = round((time.monotonic() - started) / 60, 2)
        write_json_atomic(self.out / "model_card.json", self.card)
        self._write_log()
        plot_learning_curve(self.history, self.out / "learning_curve.png")
        return self.card

    def _write_log(self) -> None:
        write_json_atomic(
            self.out / "learning_log.json",
            {
                "config": asdict(self.config),
                "command": self.card["command"],
                "rounds": self.history,
            },
        )


def plot_learning_curve(history: Sequence[dict[str, Any]], path: Path) -> bool:
    """A PNG of coverage and dev accuracy per round (False when matplotlib is missing)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    rounds = [h["round"] for h in history]
    fig, ax = plt.subplots(figsize=(5, 3.2), dpi=120)
    ax.plot(rounds, [h["coverage"] for h in history], "o-", label="coverage (train)")
    ax.plot(rounds, [h["dev_execution_accuracy"] for h in history], "s-", label="dev accuracy")
    ax.set_xlabel("round")
    ax.set_xticks(rounds)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


def learn_from_denotations(
    task: Task,
    out: Path,
    config: LearnConfig | None = None,
    dev_examples: Sequence[Example] | None = None,
    gold_fraction: float = 0.0,
    command: str = "",
    log: Log = _stderr,
) -> dict[str, Any]:
    """Train a parser on ``task`` from denotations only (plus a gold share, if asked).

    Without ``dev_examples`` a seeded share (``validation_share``) of the examples is held
    out for validation. Writes the model folder, ``memory.json``, ``learning_log.json``
    and ``learning_curve.png`` to ``out``; returns the model card.
    """
    config = config or LearnConfig()
    examples = task.examples()
    items = examples_for_learning(task, examples, gold_fraction, config.seed, log)
    if dev_examples is None:
        order = list(range(len(items)))
        random.Random(config.seed).shuffle(order)
        k = max(1, math.ceil(len(items) * config.validation_share)) if len(items) > 1 else 0
        held = set(order[:k])
        validation = [items[i] for i in sorted(held)]
        items = [it for i, it in enumerate(items) if i not in held]
    else:
        validation = examples_for_learning(task, dev_examples, 0.0, config.seed, log)
        for it in validation:
            it.gold = None
    log(
        f"learning from denotations: {len(items)} training examples "
        f"({sum(it.gold is not None for it in items)} with gold forms), "
        f"{len(validation)} validation examples"
    )
    learner = Learner(items, validation, config, out, command, task.name, log)
    return learner.run()


def pick_supervision(task: Task, supervision: str | None, gold_fraction: float = 0.0) -> str:
    """``logical-form`` or ``denotation``: as asked, else by whether gold forms exist.

    Raises:
        UsageError: an unknown mode, or ``--gold-fraction`` without denotations.
    """
    if supervision is None:
        if gold_fraction > 0:
            return "denotation"
        has_gold = any(e.logical_form for e in task.examples())
        return "logical-form" if has_gold else "denotation"
    if supervision not in ("logical-form", "denotation"):
        raise UsageError(f"--supervision {supervision!r}: use logical-form or denotation")
    if supervision == "logical-form" and gold_fraction > 0:
        raise UsageError("--gold-fraction applies to --supervision denotation")
    return supervision


def learn_cli(
    task: Task,
    out: Path,
    dev: Sequence[Example] | None,
    gold_fraction: float,
    max_minutes: float | None,
    seed: int,
    device: str,
    echo: Callable[[str], None],
    edit_candidates: int = 0,
    enum_workers: int = 1,
) -> dict[str, Any]:
    """``parseinstr train TASK --supervision denotation``: learn and print a summary."""
    from .model import pick_device

    config = LearnConfig(
        max_minutes=max_minutes if max_minutes is not None else LearnConfig.max_minutes,
        seed=seed,
        device=pick_device(device),
        edit_candidates=edit_candidates,
        enum_workers=enum_workers,
    )
    command = " ".join(["parseinstr", *sys.argv[1:]])
    card = learn_from_denotations(task, Path(out), config, dev, gold_fraction, command)
    last = card["history"][-1] if card.get("history") else {}
    echo(
        f"learned from denotations: coverage {last.get('coverage', 0):.3f}, "
        f"validation execution accuracy "
        f"{card.get('metrics', {}).get('validation_execution_accuracy', 0):.3f}; "
        f"model, memory.json, learning_log.json and learning_curve.png in {out}"
    )
    return card
