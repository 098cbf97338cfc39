"""Synthetic training data: logical forms sampled from a grammar, executed, rendered in English.

Two layers, neither of which names an environment:

* :class:`DerivationSampler` draws random derivations of a :class:`~parseinstr.grammar.Grammar`
  (typically an environment's specialised grammar) under a depth and a size budget. A
  :class:`SamplingPolicy` steers it: weights for each expansion of a rule, the spelling of
  terminals (values the instance actually has), the order in which a rule's children are
  derived (so a scope can be known before the names that use it), and hooks on entering and
  leaving a rule. The default policy weighs expansions uniformly (preferring short ones
  past the depth budget) and spells terminals from ``Environment.sample_values()``, or by a
  random walk of their automaton. Every sampled sentence is checked with the grammar.
* :func:`synthesize` keeps the forms that execute to a meaningful denotation (not empty,
  not "everything" as the environment judges with ``Environment.is_trivial``), one form per
  denotation, and asks the environment for English (``Environment.verbalize``). The same
  seed gives the same examples.

The method is that of SEMPRE's "overnight" parsers (Wang, Berant and Liang, 2015) and
AutoQA (Xu et al., 2020): sample canonical forms, render them, vary the wording.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from .errors import ParseInstrError, UsageError
from .grammar import Grammar

if TYPE_CHECKING:  # pragma: no cover
    from .environment import Environment, Example, Task


class FormSampler(Protocol):
    """Anything that draws random logical forms (``Environment.form_sampler``)."""

    def sample(self, tries: int = 20) -> Sample | None:
        """One form, or None when none could be drawn."""
        ...


class Rejected(Exception):
    """A derivation the policy or the budgets could not complete (the sampler retries)."""


@dataclass(frozen=True)
class Expansion:
    """One alternative of a rule: the rule, its tree label (alias) and its symbols."""

    rule: str
    alias: str | None
    symbols: tuple[str, ...]
    is_terminal: tuple[bool, ...]
    height: int = 0

    @property
    def label(self) -> str:
        """The name of the tree node this expansion builds (alias, else rule)."""
        return self.alias or self.rule


class SamplingPolicy:
    """How a :class:`DerivationSampler` chooses; subclass and override what you need.

    The sampler calls, for every rule it derives: :meth:`enter`, :meth:`weights` over the
    rule's expansions, :meth:`chosen` with the one drawn, then derives the children in
    :meth:`order` (spelling terminals with :meth:`spell`), and finally :meth:`leave`.
    ``state`` is whatever :meth:`begin` returned for this sample; :meth:`finish` turns it
    into metadata handed to ``Environment.verbalize``.
    """

    def begin(self, rng: random.Random) -> Any:
        """Per-sample state (a plan, a scope stack...)."""
        return None

    def enter(self, rule: str, state: Any) -> None:
        """Called before a rule's expansion is chosen."""

    def weights(self, rule: str, expansions: Sequence[Expansion], state: Any) -> list[float]:
        """A non-negative weight per expansion (all zero rejects the sample)."""
        return [1.0] * len(expansions)

    def chosen(self, expansion: Expansion, state: Any) -> None:
        """Called with the expansion drawn, before its children are derived."""

    def order(self, expansion: Expansion, state: Any) -> Sequence[int]:
        """The order in which the expansion's symbols are derived (default: left to right)."""
        return range(len(expansion.symbols))

    def spell(self, terminal: str, state: Any, rng: random.Random) -> str | None:
        """The text of a terminal, or None for the sampler's default spelling."""
        return None

    def leave(self, rule: str, text: str, state: Any) -> None:
        """Called after a rule is derived, with the text it yields."""

    def separator(self, left: str, right: str) -> str:
        """What joins two adjacent terminals (by name) in the sentence."""
        return " "

    def finish(self, state: Any) -> Any:
        """Metadata kept with the sampled form (None by default)."""
        return None


class ValuePolicy(SamplingPolicy):
    """The default policy: uniform expansions, terminals spelled from a value table.

    Args:
        values: terminal name -> candidate spellings (for example column values), each
            drawn uniformly; terminals absent here are spelled by the sampler.
        weights: optional expansion label or rule name -> weight multiplier, to favour
            constructions (``{"not_": 3.0}``).
    """

    def __init__(
        self,
        values: Mapping[str, Sequence[str]] | None = None,
        weights: Mapping[str, float] | None = None,
    ) -> None:
        self.values = {k: list(v) for k, v in (values or {}).items() if v}
        self.boost = dict(weights or {})

    def weights(self, rule: str, expansions: Sequence[Expansion], state: Any) -> list[float]:
        return [self.boost.get(e.label, self.boost.get(e.rule, 1.0)) for e in expansions]

    def spell(self, terminal: str, state: Any, rng: random.Random) -> str | None:
        options = self.values.get(terminal)
        return rng.choice(options) if options else None


class _Speller:
    """Random strings of a terminal's byte automaton, short and printable when possible."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        from .decoding.regex_dfa import compile_regex

        dfa = compile_regex(pattern, flags)
        self.rows = dfa.trans.tolist()
        self.accept = dfa.accept.tolist()
        n = len(self.rows)
        dist = [0 if self.accept[s] else 10**9 for s in range(n)]
        changed = True
        while changed:
            changed = False
            for s in range(n):
                best = min((dist[t] + 1 for t in self.rows[s] if t >= 0), default=10**9)
                if best < dist[s]:
                    dist[s], changed = best, True
        self.dist = dist

    def spell(self, rng: random.Random, max_len: int = 10) -> str:
        s, out = 0, bytearray()
        while True:
            live = [b for b, t in enumerate(self.rows[s]) if t >= 0]
            if self.accept[s] and (not live or rng.random() < 0.4 or len(out) >= max_len):
                return out.decode("utf-8", errors="replace")
            if len(out) >= max_len:
                live = [b for b in live if self.dist[self.rows[s][b]] < self.dist[s]]
            nice = [b for b in live if 0x21 <= b < 0x7F]
            b = rng.choice(nice or live)
            out.append(b)
            s = self.rows[s][b]


class DerivationSampler:
    """Random derivations of ``grammar`` steered by a :class:`SamplingPolicy`.

    Args:
        grammar: the (specialised) grammar.
        policy: the steering policy (default :class:`ValuePolicy` with no values).
        seed: random seed; the same seed and policy give the same sentences.
        max_depth: past this depth only the expansions of least height are drawn.
        max_size: a derivation with more terminals than this is rejected.

    Example:
        >>> g = Grammar("demo", 'start: "walk" | "run" "twice"\\n%ignore " "')
        >>> [s.form for s in DerivationSampler(g, seed=0).samples(3)]
        ['run twice', 'walk', 'walk']
    """

    def __init__(
        self,
        grammar: Grammar,
        policy: SamplingPolicy | None = None,
        seed: int = 0,
        max_depth: int = 30,
        max_size: int = 200,
    ) -> None:
        self.grammar = grammar
        self.policy = policy or ValuePolicy()
        self.rng = random.Random(seed)
        self.max_depth = max_depth
        self.max_size = max_size
        parser = grammar.parser()
        raw: dict[str, list[tuple[str | None, tuple[Any, ...]]]] = {}
        for rule in parser.rules:
            alias = rule.alias if isinstance(rule.alias, str) or rule.alias is None else None
            raw.setdefault(rule.origin.name, []).append((alias, tuple(rule.expansion)))
        heights = _heights({k: [e for _, e in v] for k, v in raw.items()})
        self.rules: dict[str, list[Expansion]] = {
            name: [
                Expansion(
                    name,
                    alias,
                    tuple(s.name for s in syms),
                    tuple(s.is_term for s in syms),
                    1 + max((0 if s.is_term else heights[s.name] for s in syms), default=0),
                )
                for alias, syms in exps
            ]
            for name, exps in raw.items()
        }
        self.terminals = {t.name: t for t in parser.terminals}
        self._spellers: dict[str, _Speller] = {}
        self._size = 0

    def _spell_default(self, name: str) -> str:
        pattern = self.terminals[name].pattern
        if pattern.type == "str":
            return pattern.value
        if name not in self._spellers:
            import re

            flags = re.IGNORECASE if "i" in pattern.flags else 0
            self._spellers[name] = _Speller(pattern.value, flags)
        return self._spellers[name].spell(self.rng)

    def _derive(self, name: str, depth: int, state: Any, out: list[tuple[str, str]]) -> None:
        policy = self.policy
        policy.enter(name, state)
        expansions = self.rules[name]
        weights = [max(0.0, float(w)) for w in policy.weights(name, expansions, state)]
        if depth > self.max_depth:
            live = [e.height for e, w in zip(expansions, weights, strict=True) if w > 0]
            least = min(live, default=0)
            weights = [
                w if e.height == least else 0.0 for e, w in zip(expansions, weights, strict=True)
            ]
        if not any(weights):
            raise Rejected(f"no expansion of {name} is allowed here")
        expansion = self.rng.choices(expansions, weights=weights)[0]
        policy.chosen(expansion, state)
        parts: list[list[tuple[str, str]]] = [[] for _ in expansion.symbols]
        for i in policy.order(expansion, state):
            sym = expansion.symbols[i]
            if expansion.is_terminal[i]:
                self._size += 1
                if self._size > self.max_size:
                    raise Rejected("size budget exceeded")
                text = policy.spell(sym, state, self.rng)
                parts[i].append((sym, self._spell_default(sym) if text is None else text))
            else:
                self._derive(sym, depth + 1, state, parts[i])
        start = len(out)
        for part in parts:
            out.extend(part)
        policy.leave(name, self._join(out[start:]), state)

    def _join(self, pieces: Sequence[tuple[str, str]]) -> str:
        text = ""
        for i, (name, piece) in enumerate(pieces):
            if i:
                text += self.policy.separator(pieces[i - 1][0], name)
            text += piece
        return text

    def sample(self, tries: int = 20) -> Sample | None:
        """One sentence the grammar accepts (with the policy's metadata), or None."""
        for _ in range(tries):
            pieces: list[tuple[str, str]] = []
            self._size = 0
            try:
                state = self.policy.begin(self.rng)
                self._derive(self.grammar.start, 0, state, pieces)
            except Rejected:
                continue
            form = self._join(pieces)
            if self.grammar.accepts(form):
                return Sample(form, self.policy.finish(state))
        return None

    def samples(self, n: int) -> list[Sample]:
        """Up to ``n`` samples (fewer when the policy keeps failing)."""
        out: list[Sample] = []
        for _ in range(n * 3):
            s = self.sample()
            if s is not None:
                out.append(s)
                if len(out) == n:
                    break
        return out


def _heights(rules: Mapping[str, list[tuple[Any, ...]]]) -> dict[str, int]:
    """Least derivation height of each rule (terminals have height 0)."""
    inf = 10**9
    h = dict.fromkeys(rules, inf)
    changed = True
    while changed:
        changed = False
        for name, exps in rules.items():
            best = min(
                (1 + max((0 if s.is_term else h[s.name] for s in e), default=0) for e in exps),
                default=inf,
            )
            if best < h[name]:
                h[name], changed = best, True
    return h


@dataclass(frozen=True)
class Sample:
    """A sampled logical form and the policy's metadata about it."""

    form: str
    meta: Any = None


@dataclass(frozen=True)
class SyntheticExample:
    """One synthetic example: an English instruction and its logical form."""

    instruction: str
    logical_form: str
    tags: tuple[str, ...] = ()


@dataclass
class SynthesisReport:
    """What :func:`synthesize` did: counts of each outcome and the time taken."""

    forms: int = 0
    examples: int = 0
    drawn: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def reject(self, why: str) -> None:
        """Count one rejected form."""
        self.rejected[why] = self.rejected.get(why, 0) + 1

    def to_json(self) -> dict[str, Any]:
        """The report as a JSON-serialisable dict."""
        return {
            "forms": self.forms,
            "examples": self.examples,
            "drawn": self.drawn,
            "rejected": dict(sorted(self.rejected.items())),
            "seconds": round(self.seconds, 2),
        }


def synthesize(
    env: Environment,
    n: int,
    seed: int = 0,
    per_form: int = 2,
    max_depth: int = 30,
    max_size: int = 200,
    max_draws: int | None = None,
    progress: Callable[[int], None] | None = None,
    drop_doubted: bool = False,
) -> tuple[list[SyntheticExample], SynthesisReport]:
    """``n`` synthetic examples for ``env``: sampled forms that execute, rendered in English.

    A form is kept when it parses with ``env``'s grammar, executes, its denotation is
    neither empty nor trivial (``env.is_trivial``), no earlier form had the same
    denotation, and ``env.verbalize`` gives it at least one sentence; each kept form
    yields up to ``per_form`` examples with different sentences.

    Args:
        env: the environment instance (its grammar, values and English).
        n: examples wanted (fewer are returned when ``max_draws`` runs out).
        seed: random seed (the same seed gives the same examples).
        per_form: sentences per form at most.
        max_depth, max_size: the derivation budgets.
        max_draws: samples drawn at most (default ``50 * n``).
        progress: called with the number of examples so far after each kept form.
        drop_doubted: also drop forms the environment doubts (``env.doubt``: a SUM over a
            column of names), which a person would rarely mean.
    """
    started = time.monotonic()
    rng = random.Random(seed)
    sampler = env.form_sampler(rng.randrange(2**31), max_depth=max_depth, max_size=max_size)
    report = SynthesisReport()
    seen_denotations: set[str] = set()
    seen_sentences: set[str] = set()
    out: list[SyntheticExample] = []
    budget = max_draws if max_draws is not None else 50 * max(n, 1)
    while len(out) < n and report.drawn < budget:
        report.drawn += 1
        sample = sampler.sample()
        if sample is None:
            report.reject("no derivation")
            continue
        try:
            with env.isolated():
                env.parse(sample.form)
                denotation = env.execute(sample.form)
        except ParseInstrError as exc:
            report.reject(type(exc).__name__)
            continue
        if denotation.is_empty():
            report.reject("empty denotation")
            continue
        if env.is_trivial(sample.form, denotation):
            report.reject("trivial denotation")
            continue
        if drop_doubted and env.doubt(sample.form, denotation) is not None:
            report.reject("doubted")
            continue
        key = json.dumps(denotation.to_json(), sort_keys=True, default=str)
        if key in seen_denotations:
            report.reject("same denotation as an earlier form")
            continue
        sentences = [
            s
            for s in dict.fromkeys(env.verbalize(sample.form, rng, sample.meta))
            if s and s not in seen_sentences
        ][:per_form]
        if not sentences:
            report.reject("no English")
            continue
        seen_denotations.add(key)
        seen_sentences.update(sentences)
        tags = tuple(getattr(sample.meta, "tags", ()) or ())
        for sentence in sentences[: n - len(out)]:
            out.append(SyntheticExample(sentence, sample.form, tags))
        report.forms += 1
        if progress is not None:
            progress(len(out))
    report.examples = len(out)
    report.seconds = time.monotonic() - started
    return out, report


def synthetic_examples(
    task: Task, n: int, seed: int = 0, **options: Any
) -> tuple[list[Example], SynthesisReport]:
    """``n`` synthetic :class:`~parseinstr.environment.Example` objects for ``task``.

    They run in the environment of the task's first example (the instance the human data
    is about) and are tagged ``synthetic`` besides the construction's own tags.
    """

    examples = task.examples()
    if not examples:
        raise UsageError("the task has no examples, so no instance to synthesize data for")
    first = examples[0]
    env = task.environment_for(first)
    made, report = synthesize(env, n, seed, **options)
    return _on_instance(made, first, 0), report


def _on_instance(made: Sequence[SyntheticExample], source: Example, start: int) -> list[Example]:
    """``made`` as examples on ``source``'s instance, tagged ``synthetic``, numbered from
    ``start``."""
    from .environment import Example

    return [
        Example(
            id=f"synthetic.{start + i}",
            instruction=e.instruction,
            logical_form=e.logical_form,
            tags=("synthetic", *e.tags),
            instance=source.instance,
            instance_key=source.instance_key,
        )
        for i, e in enumerate(made)
    ]


def synthetic_per_instance(
    task: Task,
    per_instance: int,
    seed: int = 0,
    examples: Sequence[Example] | None = None,
    **options: Any,
) -> tuple[list[Example], SynthesisReport]:
    """Synthetic examples on every instance of ``task`` (each sheet of a sheet task), up to
    ``per_instance`` each, for tasks whose examples each come with their own instance.

    Only the instances are read (never an example's logical form or expected result), so
    the examples of a denotation-only task may be passed. Each instance is sampled with
    its own seed (``seed`` and its position), so the same call gives the same examples.
    The report sums the instances' reports.
    """
    chosen = list(task.examples() if examples is None else examples)
    firsts: dict[Any, Example] = {}
    for e in chosen:
        firsts.setdefault(e.instance_key, e)
    total = SynthesisReport()
    out: list[Example] = []
    for i, first in enumerate(firsts.values()):
        env = task.environment_for(first)
        made, report = synthesize(env, per_instance, seed * 1_000_003 + i, **options)
        total.forms += report.forms
        total.drawn += report.drawn
        total.seconds += report.seconds
        for why, count in report.rejected.items():
            total.rejected[why] = total.rejected.get(why, 0) + count
        out.extend(_on_instance(made, first, len(out)))
    total.examples = len(out)
    return out, total
