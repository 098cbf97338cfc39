"""The parser: instruction (and environment description) in, scored logical forms out.

``Parser.parse`` returns an n-best list from beam search over the model; with a grammar
matcher available (``parseinstr.decoding``) decoding is constrained to the environment's
specialised grammar. ``InstructionExecutor`` runs the candidates and picks the best one that
executes (execution-guided selection), flagging ``ambiguous`` results.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from transformers import LogitsProcessor

from . import fast_beam
from .copying import CopyFrame, copy_frame, mention_frame, slot_expansions, slot_ids
from .environment import Denotation, Environment
from .errors import ParseInstrError, UsageError
from .model import LoadedModel, load_model
from .reconstruction import FOLDER as RECONSTRUCTOR
from .reconstruction import Reconstructor, reconstruction_input, rerank_order
from .similarity import explanation_similarities

MAX_INPUT = 512
#: Rows scored in one forward pass by ``Parser.score_forms``.
_SCORE_ROWS = 64


@dataclass(frozen=True)
class Candidate:
    """A logical form with its log-probability under the model."""

    form: str
    score: float


def model_input(
    instruction: str, env: Environment | None, with_description: bool, with_links: bool = False
) -> tuple[str, str | None]:
    """The (first, second) text segments fed to the encoder.

    The second holds the environment's links for this instruction (``Environment.link``)
    and, with ``with_description``, its description; None when both are absent.
    """
    if env is None:
        return instruction, None
    parts = []
    if with_links:
        parts.append(env.link(instruction))
    if with_description:
        parts.append(env.describe())
    second = " | ".join(p for p in parts if p)
    return instruction, second or None


class Renormalise(LogitsProcessor):
    """Log-softmax over the tokens the grammar left: scores of the constrained distribution.

    Generation hands processors log-probabilities; after masking they no longer sum to one,
    so a hypothesis forced through a value the model did not expect (a city copied from the
    instruction, spelled in several tokens) would pay for every token, although the grammar
    allowed nothing else. Renormalising makes a forced token free, so beam search ranks
    hypotheses by what the model chose among the valid continuations.
    """

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        return torch.log_softmax(scores, dim=-1)


class SlotMask(LogitsProcessor):
    """Unconstrained decoding with copy slots: only the slots an instruction has."""

    def __init__(self, expansions: Sequence[Any], ids: Sequence[int], rows_per_item: int) -> None:
        self.blocked = [sorted(set(ids) - set(e)) for e in expansions for _ in range(rows_per_item)]

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        for row, ids in enumerate(self.blocked):
            if ids:
                scores[row, ids] = float("-inf")
        return scores


def output_budget(model: Any, card: dict[str, Any]) -> int:
    """Tokens a decoding may write: the card's ``max_output_tokens`` (default 256), within
    the decoder's learned positions when it has them (a small output vocabulary makes long
    forms, and a position past the table fails inside the model)."""
    budget = int(card.get("max_output_tokens", 256))
    decoder = getattr(getattr(model, "config", None), "decoder", None)
    positions = getattr(decoder, "max_position_embeddings", None)
    return min(budget, positions - 1) if positions else budget


@contextlib.contextmanager
def decoding_threads(device: str, threads: int | None) -> Iterator[None]:
    """Run a block with ``threads`` intra-op CPU threads, then restore the setting.

    Step-by-step decoding of a small model is latency-bound: one thread avoids the
    synchronisation cost of several (a tenfold slowdown when the cores are busy).
    """
    if device != "cpu" or not threads or threads == torch.get_num_threads():
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class Parser:
    """A trained model with its tokenizers; maps instructions to n-best logical forms."""

    def __init__(self, loaded: LoadedModel, device: str = "cpu", threads: int | None = 1) -> None:
        self.loaded = loaded
        self.threads = threads
        self.model = loaded.model
        self.input_tok = loaded.input_tok
        self.output_tok = loaded.output_tok
        self.card = loaded.card
        self.device = device
        self.with_description = bool(loaded.card.get("with_description", False))
        self.with_links = bool(loaded.card.get("with_links", False))
        self.max_output_tokens = output_budget(loaded.model, loaded.card)
        #: Copy slots (``parseinstr.copying``): how many, 0 for a model without them.
        self.copy_slots = int(loaded.card.get("copy_slots", 0))
        self.copy_names = bool(loaded.card.get("copy_names", False))
        self.copy_parts = bool(loaded.card.get("copy_parts", False))
        self.copy_percents = bool(loaded.card.get("copy_percents", False))
        #: p(instruction | form) for reranking the n-best (``parseinstr.reconstruction``),
        #: loaded from the model folder's ``reconstructor/`` when there is one.
        self.reconstructor: Reconstructor | None = None

    @classmethod
    def load(cls, folder: str | Path, device: str = "cpu") -> Parser:
        """Load a model folder (raises ``ModelError`` naming the rebuild command).

        A model learned with lexeme slots (its card has ``lexeme_slots``) reads and writes
        slots, so ``Parser.load`` gives it the parser that fills them
        (:class:`parseinstr.learning.SlottedParser`), and a folder holding ``ensemble.json``
        gives :class:`parseinstr.ensemble.EnsembleParser`; every caller gets the right one.
        """
        if cls is Parser:
            from .ensemble import EnsembleParser, is_ensemble

            if is_ensemble(folder):
                return EnsembleParser.load(folder, device)
        loaded = load_model(Path(folder), device)
        if cls is Parser and loaded.card.get("lexeme_slots"):
            from .learning import SlottedParser

            parser: Parser = SlottedParser(loaded, device)
        else:
            parser = cls(loaded, device)
        if (Path(folder) / RECONSTRUCTOR).is_dir():
            parser.reconstructor = Reconstructor.load(Path(folder) / RECONSTRUCTOR, device)
        return parser

    def frames(
        self, instructions: Sequence[str], envs: Sequence[Environment | None]
    ) -> list[CopyFrame] | None:
        """Each instruction's copy slots, or None for a model without them."""
        if not self.copy_slots:
            return None
        return [
            copy_frame(i, e, self.copy_slots, self.copy_names, self.copy_parts, self.copy_percents)
            for i, e in zip(instructions, envs, strict=True)
        ]

    def encode(
        self,
        instructions: Sequence[str],
        envs: Sequence[Environment | None],
        frames: Sequence[CopyFrame] | None = None,
    ) -> dict[str, torch.Tensor]:
        """Tokenised, padded encoder inputs on the model's device (instructions marked with
        their copy slots when ``frames`` are given)."""
        pairs = [
            model_input(i, e, self.with_description, self.with_links)
            for i, e in zip(instructions, envs, strict=True)
        ]
        firsts = [p[0] for p in pairs] if frames is None else [f.marked for f in frames]
        seconds = [p[1] for p in pairs]
        kwargs: dict[str, Any] = dict(
            padding=True, truncation=True, max_length=MAX_INPUT, return_tensors="pt"
        )
        if any(s is not None for s in seconds):
            batch = self.input_tok(
                firsts,
                [s or "" for s in seconds],
                truncation="only_second",
                padding=True,
                max_length=MAX_INPUT,
                return_tensors="pt",
            )
        else:
            batch = self.input_tok(firsts, **kwargs)
        batch.pop("token_type_ids", None)
        return {k: v.to(self.device) for k, v in batch.items()}

    def logits_processors(
        self,
        instructions: Sequence[str],
        envs: Sequence[Environment | None],
        num_beams: int,
        constrained: bool | None,
        frames: Sequence[CopyFrame] | None = None,
    ) -> list[Any]:
        """Processors constraining decoding to each environment's grammar.

        ``constrained=None`` constrains when a grammar matcher is installed; ``True`` requires
        one (``UsageError`` otherwise), so no result claims constraints it did not have.
        """
        slots = self._slot_args(frames)
        if constrained is False:
            return [SlotMask(slots[0], slots[1], num_beams)] if frames is not None else []
        try:
            from .decoding.hf import grammar_logits_processor  # type: ignore[import-not-found]
        except ImportError:
            if constrained:
                raise UsageError(
                    "constrained decoding is not available in this build (parseinstr.decoding)"
                ) from None
            return [SlotMask(slots[0], slots[1], num_beams)] if frames is not None else []
        grammar = grammar_logits_processor(
            self.output_tok, instructions, envs, num_beams, slots[0], slots[1]
        )
        return [grammar, Renormalise()]

    def _slot_args(self, frames: Sequence[CopyFrame] | None) -> tuple[Any, list[int]]:
        if frames is None:
            return None, []
        return slot_expansions(frames, self.output_tok), slot_ids(self.output_tok)

    @torch.no_grad()
    def parse_batch(
        self,
        instructions: Sequence[str],
        envs: Sequence[Environment | None],
        n_best: int = 1,
        constrained: bool | None = None,
    ) -> list[list[Candidate]]:
        """The ``n_best`` highest-scoring forms for each instruction, best first.

        A CPU decodes beams one instruction at a time: a batch of beams runs every row until
        its longest item ends and moves every row's cached keys and values at each step, so
        on one thread it is slower (128 GeoQuery questions, beam 5: 21.4 a second one at a
        time, 9.4 in batches of 32; ``python -m benchmarks.bench_throughput``). Greedy
        decoding gains from batches and keeps them; so does a GPU.
        """
        if not instructions:
            return []
        if max(n_best, 1) > 1 and self.device == "cpu" and len(instructions) > 1:
            return [
                self._parse_chunk([text], [env], n_best, constrained)[0]
                for text, env in zip(instructions, envs, strict=True)
            ]
        return self._parse_chunk(instructions, envs, n_best, constrained)

    @torch.no_grad()
    def _parse_chunk(
        self,
        instructions: Sequence[str],
        envs: Sequence[Environment | None],
        n_best: int,
        constrained: bool | None,
    ) -> list[list[Candidate]]:
        """:meth:`parse_batch` for instructions decoded together."""
        frames = self.frames(instructions, envs)
        batch = self.encode(instructions, envs, frames)
        beams = max(n_best, 1)
        processors = self.logits_processors(instructions, envs, beams, constrained, frames)
        with decoding_threads(self.device, self.threads):
            out = self._generate(batch, beams, processors)
        seqs = out.sequences
        if beams > 1:
            scores = out.sequences_scores.tolist()
        else:
            with decoding_threads(self.device, self.threads):
                logp = self.model.compute_transition_scores(
                    seqs, out.scores, normalize_logits=not processors
                )
            scores = [float(row[torch.isfinite(row)].sum()) for row in logp]
        texts, keep = self._decoded(seqs, processors, frames, beams)
        result: list[list[Candidate]] = []
        for i in range(len(instructions)):
            cands = [
                Candidate(texts[i * beams + k].strip(), float(scores[i * beams + k]))
                for k in range(beams)
                if keep[i * beams + k]
            ]
            seen: set[str] = set()
            unique = [c for c in cands if not (c.form in seen or seen.add(c.form))]
            result.append(unique[:n_best])
        if self.reconstructor is not None and self.reconstructor.reorders and n_best > 1:
            result = self.rerank(instructions, result, self.reconstructor, envs=envs)
        return result

    @torch.no_grad()
    def sample_batch(
        self,
        instructions: Sequence[str],
        envs: Sequence[Environment | None],
        samples: int,
        temperature: float = 1.0,
        seed: int = 0,
        constrained: bool | None = None,
    ) -> list[list[Candidate]]:
        """Up to ``samples`` distinct forms per instruction drawn from the parser (ancestral
        sampling at ``temperature`` under the same grammar constraints as
        :meth:`parse_batch`), likeliest first. A search for forms that give an expected
        result reaches past the n-best this way: beams crowd around one reading; draws
        spread over the readings the parser gives some weight to."""
        if not instructions or samples < 1:
            return [[] for _ in instructions]
        frames = self.frames(instructions, envs)
        batch = self.encode(instructions, envs, frames)
        batch = {k: v.repeat_interleave(samples, dim=0) for k, v in batch.items()}
        processors = self.logits_processors(instructions, envs, samples, constrained, frames)
        with decoding_threads(self.device, self.threads):
            seqs, scores = fast_beam.sample(
                self.model, batch, processors, self.max_output_tokens, temperature, seed
            )
        texts, ended = self._decoded(seqs, processors, frames, samples)
        result: list[list[Candidate]] = []
        for i in range(len(instructions)):
            best: dict[str, float] = {}
            for j in range(i * samples, (i + 1) * samples):
                form = texts[j].strip()
                if ended[j] and form and math.isfinite(scores[j]):
                    best[form] = max(best.get(form, -math.inf), float(scores[j]))
            ranked = sorted(best.items(), key=lambda kv: -kv[1])
            result.append([Candidate(f, sc) for f, sc in ranked])
        return result

    def _decoded(
        self,
        seqs: torch.Tensor,
        processors: Sequence[Any],
        frames: Sequence[CopyFrame] | None,
        rows_per_item: int,
    ) -> tuple[list[str], list[bool]]:
        """Each row's text (copy slots filled) and whether it ended. Under grammar
        constraints only sequences that ended (end-of-sequence, which the grammar allows only
        after a whole sentence) are sentences: one cut at the length limit is a prefix, such
        as ``repeat`` followed by ignored whitespace, and is dropped."""
        texts = self.output_tok.batch_decode(seqs, skip_special_tokens=True)
        if frames is not None:
            texts = [frames[j // rows_per_item].fill(t) for j, t in enumerate(texts)]
        ended = [True] * len(texts)
        if any(isinstance(p, Renormalise) for p in processors):
            ended = (seqs[:, 1:] == self.output_tok.eos_token_id).any(dim=1).tolist()
        return texts, ended

    def rerank(
        self,
        instructions: Sequence[str],
        nbest: Sequence[Sequence[Candidate]],
        reconstructor: Reconstructor,
        weight: float | None = None,
        envs: Sequence[Environment | None] | None = None,
    ) -> list[list[Candidate]]:
        """Each n-best reordered by parser score + ``weight`` x reconstruction score (the
        reconstructor's fitted weight by default) + its fitted mention weight x the
        instruction's mentions the form writes + its fitted similarity weight x the cosine
        between the instruction and the form's explanation (:mod:`parseinstr.similarity`);
        a candidate's score becomes that sum, so the ambiguity margin of execution-guided
        selection compares like with like."""
        w = reconstructor.weight if weight is None else weight
        envs = envs if envs is not None else [None] * len(nbest)
        m, g = reconstructor.mention_weight, reconstructor.similarity_weight
        forms = [
            reconstruction_input(env, c.form)
            for env, cands in zip(envs, nbest, strict=True)
            for c in cands
        ]
        texts = [t for t, cands in zip(instructions, nbest, strict=True) for _ in cands]
        with decoding_threads(self.device, self.threads):
            rec = iter(reconstructor.score(forms, texts))
            forms_of = [[c.form for c in cands] for cands in nbest]
            sims = (
                iter(explanation_similarities(instructions, envs, forms_of, self.device))
                if g
                else None
            )
        out = []
        for text, env, cands in zip(instructions, envs, nbest, strict=True):
            scores = [c.score for c in cands]
            if m:
                frame = mention_frame(text, env)
                scores = [s + m * frame.used(c.form) for s, c in zip(scores, cands, strict=True)]
            if sims is not None:
                scores = [s + g * c for s, c in zip(scores, next(sims), strict=True)]
            recs = [next(rec) for _ in cands]
            order = rerank_order(scores, recs, w)
            out.append([Candidate(cands[i].form, scores[i] + w * recs[i]) for i in order])
        return out

    @torch.no_grad()
    def score_forms(
        self,
        instructions: Sequence[str],
        envs: Sequence[Environment | None],
        forms: Sequence[str],
    ) -> list[float]:
        """Each form's log-probability per output token given its instruction (teacher
        forcing, unconstrained), the length-normalised score that beam search ranks by.

        An ensemble (:mod:`parseinstr.ensemble`) uses it to score one member's candidates
        under another member. A form the tokenizer cannot spell scores ``-inf``.
        """
        if len(forms) > _SCORE_ROWS:
            return [
                s
                for i in range(0, len(forms), _SCORE_ROWS)
                for s in self.score_forms(
                    instructions[i : i + _SCORE_ROWS],
                    envs[i : i + _SCORE_ROWS],
                    forms[i : i + _SCORE_ROWS],
                )
            ]
        if not forms:
            return []
        # Each distinct instruction is encoded once, however many forms it has.
        where: dict[tuple[str, int], int] = {}  # (instruction, env) -> its encoder row
        firsts: list[int] = []
        for i, key in enumerate(zip(instructions, map(id, envs), strict=True)):
            if key not in where:
                where[key] = len(firsts)
                firsts.append(i)
        rows = torch.tensor(
            [where[k] for k in zip(instructions, map(id, envs), strict=True)], device=self.device
        )
        texts, text_envs = [instructions[i] for i in firsts], [envs[i] for i in firsts]
        frames = self.frames(texts, text_envs)
        batch = self.encode(texts, text_envs, frames)
        targets = list(forms)
        if frames is not None:
            targets = [frames[int(r)].abstract(form) for r, form in zip(rows, forms, strict=True)]
        labels = self.output_tok(
            targets, padding=True, truncation=True, max_length=512, return_tensors="pt"
        )["input_ids"].to(self.device)
        pad, unk = self.output_tok.pad_token_id, self.output_tok.unk_token_id
        mask = labels != pad
        decoder_in = torch.full_like(labels, pad)
        decoder_in[:, 0] = self.output_tok.bos_token_id
        decoder_in[:, 1:] = labels[:, :-1].masked_fill(~mask[:, :-1], pad)
        with decoding_threads(self.device, self.threads):
            states = self.model.encoder(
                input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]
            ).last_hidden_state
            logits = self.model(
                encoder_outputs=(states.index_select(0, rows),),
                attention_mask=batch["attention_mask"].index_select(0, rows),
                decoder_input_ids=decoder_in,  # padding trails: the causal mask hides it
            ).logits.float()
        logp = torch.log_softmax(logits, dim=-1).gather(-1, labels.unsqueeze(-1)).squeeze(-1)
        total = (logp * mask).sum(dim=1)
        lengths = mask.sum(dim=1).clamp(min=1)
        scores = (total / lengths).tolist()
        if unk is not None:
            spelt = ((labels == unk) & mask).any(dim=1).tolist()
            scores = [-math.inf if bad else s for s, bad in zip(scores, spelt, strict=True)]
        return scores

    def _generate(self, batch: dict[str, torch.Tensor], beams: int, processors: list[Any]) -> Any:
        """Beam search (greedy for one beam) as ``model.generate`` does it, through the lean
        decoder of :mod:`parseinstr.fast_beam` where it supports the model (same candidates
        and scores, about twice as fast on CPU), else ``generate`` itself."""
        return fast_beam.generate_output(
            self.model, batch, beams, processors, self.max_output_tokens
        )

    def parse(
        self,
        instruction: str,
        env: Environment | None = None,
        n_best: int = 5,
        constrained: bool | None = None,
    ) -> list[Candidate]:
        """The n-best logical forms for one instruction, best first."""
        return self.parse_batch([instruction], [env], n_best, constrained)[0]


@dataclass
class Alternative:
    """A candidate with its denotation (or the error it raised)."""

    form: str
    score: float
    denotation: Denotation | None = None
    error: str | None = None
    #: Why the form, though it runs, is probably not what was meant (``Environment.doubt``).
    doubt: str | None = None


@dataclass
class RunResult:
    """What ``InstructionExecutor.run`` returns."""

    instruction: str
    logical_form: str | None
    denotation: Denotation | None
    explanation: str | None
    alternatives: list[Alternative] = field(default_factory=list)
    ambiguous: bool = False
    error: str | None = None
    #: Why the chosen form is probably not what was meant, when every candidate that ran
    #: had such a doubt (:meth:`Environment.doubt`).
    doubt: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "instruction": self.instruction,
            "logical_form": self.logical_form,
            "denotation": self.denotation.to_json() if self.denotation is not None else None,
            "explanation": self.explanation,
            "ambiguous": self.ambiguous,
            "error": self.error,
            "doubt": self.doubt,
            "alternatives": [
                {
                    "logical_form": a.form,
                    "score": a.score,
                    "denotation": a.denotation.to_json() if a.denotation is not None else None,
                    "error": a.error,
                    "doubt": a.doubt,
                }
                for a in self.alternatives
            ],
        }


def preferred(
    alts: Sequence[Alternative],
    prefer_nonempty: bool = True,
    used: Sequence[int] | None = None,
) -> int | None:
    """Index of the alternative execution-guided selection takes from executed ``alts``
    (best first): the first that runs with a non-empty denotation and no doubt, else the
    first non-empty one, else the first that runs; None when none runs. With ``used`` (how
    many of the instruction's mentions each alternative writes), the one of that group that
    uses the most, the first among equals."""
    runs = [i for i, a in enumerate(alts) if a.denotation is not None]
    # An empty result is weak evidence (many wrong forms give one): prefer one with content;
    # and one the environment has no doubt about (a SUM over names runs, but is rarely meant).
    nonempty = [i for i in runs if not alts[i].denotation.is_empty()] if prefer_nonempty else runs
    trusted = [i for i in nonempty if alts[i].doubt is None]
    group = trusted or nonempty or runs
    if not group:
        return None
    if used is None:
        return group[0]
    return max(group, key=lambda i: (used[i], -i))


def select_by_execution(
    env: Environment,
    candidates: Sequence[Candidate],
    margin: float = 1.0,
    prefer_nonempty: bool = True,
    doubts: bool = True,
    mentions: CopyFrame | None = None,
) -> tuple[int | None, list[Alternative], bool]:
    """Execute candidates; return (index of the best that runs, alternatives, ambiguous).

    The best is the highest-scoring candidate that runs with a non-empty denotation and no
    doubt (:meth:`Environment.doubt`), else the highest-scoring one that runs with a
    non-empty denotation, else the highest-scoring one that runs (``prefer_nonempty=False``:
    the first that runs without a doubt, else the first that runs). ``doubts=False`` asks
    the environment for none (an ablation). With ``mentions`` (the instruction's copy
    frame), the chosen group's candidate that writes the most of the instruction's mentions
    wins, the parser's order breaking ties: a count that ignores both numbers of "between
    412 and 696" is more likely wrong than a lower-scored one that uses them.

    ``ambiguous`` is True when another candidate that runs has a different denotation and a
    score within ``margin`` (log-probability) of the chosen one.
    """
    alts: list[Alternative] = []
    for cand in candidates:
        try:
            with env.isolated():  # each candidate sees the instance as it was
                denotation = env.execute(cand.form)
        except ParseInstrError as exc:
            alts.append(Alternative(cand.form, cand.score, None, f"{type(exc).__name__}: {exc}"))
            continue
        doubt = env.doubt(cand.form, denotation) if doubts else None
        alts.append(Alternative(cand.form, cand.score, denotation, doubt=doubt))
    used = [mentions.used(a.form) for a in alts] if mentions is not None else None
    best = preferred(alts, prefer_nonempty, used)
    ambiguous = False
    if best is not None:
        chosen = alts[best]
        for a in alts[best + 1 :]:
            if a.denotation is None or math.isinf(a.score):
                continue
            if chosen.score - a.score <= margin and not env.same_denotation(
                chosen.denotation, a.denotation
            ):
                ambiguous = True
                break
    return best, alts, ambiguous


class InstructionExecutor:
    """Parse an instruction, run it in the environment, explain it.

    Example:
        >>> executor = InstructionExecutor(Parser.load("models/geo"), env)   # doctest: +SKIP
        >>> executor.run("what is the capital of texas").denotation.rows     # doctest: +SKIP
        (('austin',),)
    """

    def __init__(
        self,
        parser: Parser,
        env: Environment,
        n_best: int = 5,
        execution_guided: bool = True,
        constrained: bool | None = None,
        prefer_mentions: bool = False,
    ) -> None:
        self.parser, self.env = parser, env
        self.n_best, self.execution_guided, self.constrained = n_best, execution_guided, constrained
        self.prefer_mentions = prefer_mentions

    def run(self, instruction: str) -> RunResult:
        """Parse, execute and explain ``instruction``."""
        candidates = self.parser.parse(instruction, self.env, self.n_best, self.constrained)
        if self.execution_guided:
            frame = mention_frame(instruction, self.env) if self.prefer_mentions else None
            best, alts, ambiguous = select_by_execution(self.env, candidates, mentions=frame)
        else:
            best, alts, ambiguous = select_by_execution(self.env, candidates[:1])
            alts += [Alternative(c.form, c.score) for c in candidates[1:]]
        if best is None:
            first = alts[0] if alts else None
            return RunResult(
                instruction,
                first.form if first else None,
                None,
                None,
                alts,
                False,
                first.error
                if first
                else "no candidate: no complete logical form within the output length limit",
            )
        chosen = alts[best]
        # Candidates ran in isolation: run the chosen one for real (a sheet keeps its change).
        chosen.denotation = self.env.execute(chosen.form)
        try:
            explanation = self.env.explain(chosen.form)
        except (NotImplementedError, ParseInstrError):
            explanation = None
        return RunResult(
            instruction,
            chosen.form,
            chosen.denotation,
            explanation,
            alts,
            ambiguous,
            doubt=chosen.doubt,
        )
