"""The interface every environment implements, and the tasks that feed it data.

An environment is one instance of a world (a database, a grid world, a workbook). It owns
its grammar (specialised to the instance where names matter), parses and executes logical
forms to denotations, compares denotations, and describes itself as text for the parser.
Adding an environment means a ``grammars/<name>.lark`` file and a module under
``environments/`` that registers a subclass; the engine names none of them.
"""

from __future__ import annotations

import contextlib
import random
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

import lark

from .errors import UsageError
from .grammar import Grammar

if TYPE_CHECKING:  # pragma: no cover
    from .synthesis import FormSampler, SamplingPolicy


@runtime_checkable
class Denotation(Protocol):
    """What executing a logical form yields: rows, a trace and final state, cells or an answer."""

    def to_json(self) -> Any:
        """A JSON-serialisable view of the denotation."""

    def is_empty(self) -> bool:
        """Whether the denotation carries no information (no rows, no actions, no change)."""


def _check_options(owner: str, allowed: tuple[str, ...], options: Mapping[str, Any]) -> None:
    extra = sorted(k for k, v in options.items() if v is not None and k not in allowed)
    if extra:
        takes = ", ".join(f"--{a.replace('_', '-')}" for a in allowed) or "no options"
        bad = ", ".join(f"--{e.replace('_', '-')}" for e in extra)
        raise UsageError(f"{bad} does not apply to {owner} (it takes {takes})")


@dataclass(frozen=True)
class Demo:
    """What ``parseinstr demo`` shows for an environment: an instance (options as for
    :meth:`Environment.from_options`, paths to bundled data) and instructions to run in it."""

    title: str
    options: Mapping[str, Any]
    instructions: Sequence[str]


class Environment(ABC):
    """One instance of a world in which logical forms run.

    Subclasses set ``name`` (and ``grammar_name`` when it differs) and implement
    :meth:`execute`, :meth:`same_denotation` and :meth:`describe`; they override
    :meth:`grammar` when the grammar depends on the instance.
    """

    name: ClassVar[str]
    grammar_name: ClassVar[str | None] = None
    #: Options (CLI flags without the dashes) that :meth:`from_options` understands.
    option_names: ClassVar[tuple[str, ...]] = ()
    #: The bundled default model: a folder relative to the module defining the class.
    bundled_model: ClassVar[str | None] = None
    #: The command that rebuilds the bundled model (run from the repository root).
    bundled_model_command: ClassVar[str | None] = None

    @classmethod
    def from_options(cls, **options: Any) -> Environment:
        """Build an instance from CLI-style options; unknown options are a :class:`UsageError`."""
        _check_options(f"environment {cls.name!r}", cls.option_names, options)
        return cls._from_options(**{k: v for k, v in options.items() if v is not None})

    @classmethod
    def _from_options(cls, **options: Any) -> Environment:
        return cls(**options)

    @classmethod
    def base_grammar(cls) -> Grammar:
        """The environment's grammar before specialisation."""
        return Grammar.load(cls.grammar_name or cls.name)

    def grammar(self) -> Grammar:
        """The grammar specialised to this instance (the base grammar by default)."""
        return self.base_grammar()

    @classmethod
    def demo(cls) -> Demo | None:
        """The demo for this environment (None: it has none)."""
        return None

    def decoding_grammar(self) -> Grammar:
        """The grammar constrained decoding compiles (once per tokenizer, then cached).

        By default the specialised grammar. An environment whose instances differ only in
        the lexemes of some terminals (a sheet's headers) returns a shared grammar here and
        names those lexemes in ``literal_lexemes(instruction)``: the decoder then narrows the
        compiled grammar per input instead of compiling one grammar per instance.
        """
        return self.grammar()

    def parse(self, form: str) -> lark.Tree:
        """Parse a logical form with this instance's grammar (raises ``ParseError``)."""
        return self.grammar().parse(form)

    @abstractmethod
    def execute(self, form: str) -> Denotation:
        """Run a logical form and return its denotation.

        Raises:
            ParseError: the form is not in the grammar.
            ExecutionError: it failed to run (``TimeLimitError``, ``UnsafeOperationError``...).
        """

    @abstractmethod
    def same_denotation(self, a: Denotation, b: Denotation) -> bool:
        """Whether two denotations are equal under this environment's comparison rules."""

    @abstractmethod
    def describe(self) -> str:
        """The instance as text for the parser's input (schema, header and rows, world)."""

    def link(self, instruction: str) -> str:
        """What the instance knows about the instruction's words, as text for the parser.

        For example the SQL environment names the columns whose values the instruction
        mentions ("chicago: city_name"), so the parser can tell a city from a state. Empty
        by default.
        """
        return ""

    def mention_values(self, instruction: str) -> list[tuple[int, int, str]]:
        """Spans of the instruction that name something the instance holds, as
        ``(start, end, spelling)``: the spelling is the instance's own ("walden" -> "Walden").

        Parsers with copy slots (``parseinstr.copying``) mark these spans so the model can
        copy the value instead of spelling it. None by default.
        """
        return []

    def explain(self, form: str) -> str:
        """Render a logical form in plain English, deterministically, so a person can check it.

        Raises:
            ParseError: the form is not in the grammar.
        """
        raise NotImplementedError(f"environment {self.name!r} has no English renderer yet")

    def sample_values(self) -> Mapping[str, Sequence[str]]:
        """Spellings of grammar terminals that the instance has, for sampling forms.

        Terminal name -> candidate texts (column values, headers, colours). Used by the
        default sampling policy of ``parseinstr.synthesis``; empty by default.
        """
        return {}

    def sampling_policy(self) -> SamplingPolicy:
        """How ``parseinstr.synthesis`` samples logical forms of this instance.

        The default weighs the grammar's expansions uniformly and spells terminals from
        :meth:`sample_values`; environments override it to favour constructions.
        """
        from .synthesis import ValuePolicy

        return ValuePolicy(self.sample_values())

    def form_sampler(
        self, seed: int, max_depth: int = 30, max_size: int = 200, instruction: str | None = None
    ) -> FormSampler:
        """What draws random logical forms of this instance for ``parseinstr.synthesis``:
        anything with ``sample() -> Sample | None``.

        ``instruction``, when given, is the instruction a search looks for forms of: an
        environment may draw its literals mostly from what the instruction names (a
        prior anchored in the instruction); the default ignores it.

        The default derives the specialised grammar under :meth:`sampling_policy`. An
        environment whose forms are typed in ways a context-free grammar does not say (a
        function that wants a range, then a criterion) may draw well-typed forms itself;
        every form is still parsed and executed before it is kept.
        """
        from .synthesis import DerivationSampler

        return DerivationSampler(
            self.grammar(),
            self.sampling_policy(),
            seed=seed,
            max_depth=max_depth,
            max_size=max_size,
        )

    def verbalize(self, form: str, rng: random.Random, meta: Any = None) -> list[str]:
        """Varied English sentences for a logical form (synthetic training data).

        ``meta`` is what the sampling policy recorded about the form, if anything. The
        default is the renderer's sentence (:meth:`explain`), or nothing without one.
        """
        try:
            return [self.explain(form)]
        except NotImplementedError:
            return []

    def search_lexemes(self, instruction: str) -> dict[str, list[str]]:
        """Lexemes a search for forms of ``instruction`` may give terminals, spelled as the
        grammar writes them: what the instance holds and the instruction names (a header,
        a stored value, a number written in words).

        The cold start of learning from denotations enumerates small forms; a terminal with
        infinitely many lexemes (strings, numbers) would otherwise take only the
        instruction's words that happen to match its pattern. By default the lexemes that
        constrained decoding narrows to (``literal_lexemes``), if the environment has them.
        """
        hook = getattr(self, "literal_lexemes", None)
        return dict(hook(instruction)) if hook is not None else {}

    def part_program(self, nonterminal: str, form: str) -> str | None:
        """A whole program that shows what a part of a form means, or None.

        A search that builds forms bottom-up keeps one part per meaning when parts can be
        run on their own: a sheet formula ``[Units] * 2`` runs as ``ask [Units] * 2``. None
        by default (parts are kept as written).
        """
        return None

    def reconstruction_text(self, form: str) -> str:
        """``form`` as the reconstructor (:mod:`parseinstr.reconstruction`) reads it when it
        scores how well the form explains an instruction: the form itself by default.

        An environment whose forms point at things by address adds what the address holds,
        so a person's words can be matched to it: a sheet writes ``D4`` as ``D4 (Pages of
        Frankenstein)``. Must not change the instance; a form it cannot read is returned
        as it is.
        """
        return form

    def doubt(self, form: str, denotation: Denotation) -> str | None:
        """Why ``form``, which ran and gave ``denotation``, is probably not what a person
        meant, or None.

        Execution-guided selection prefers candidates without a doubt (the form stays
        valid: a user who writes it gets its result). Called on the environment as it was
        before the form ran; must change nothing. None by default; the sheet environment
        doubts, for example, a SUM over a column of names or an answer that is an error.
        """
        return None

    def is_trivial(self, form: str, denotation: Denotation) -> bool:
        """Whether a denotation says nothing ("everything"), so a sampled form is dropped.

        False by default; empty denotations are dropped anyway.
        """
        return False

    def fictitious(self, rng: random.Random, literals: Sequence[str] = ()) -> Environment | None:
        """Another instance with this one's schema and other data, or None (the default:
        the environment cannot make one).

        Two forms that agree here may agree by chance; on instances with other data they
        part (:mod:`parseinstr.worlds` compares forms so, to tell spurious forms from
        equivalent ones). ``literals`` are values the forms to be compared name; an
        environment may let them into the new data so that bounds and keys are hit.
        Must not change this instance.
        """
        return None

    def crosscheck(self, form: str, denotation: Denotation) -> CrossCheck | None:
        """An extra, environment-specific check used by ``parseinstr check``.

        For example the SQL environment runs the form on a second backend and compares.
        Returns None when there is nothing to check.
        """
        return None

    def corruptions(self, form: str) -> list[tuple[str, str]]:
        """Wrong variants of a valid form, each with its kind, to measure what is rejected.

        A grammar that accepts everything constrains nothing: ``check`` reports the share of
        these the specialised grammar rejects, and the share the grammar or the executor
        rejects. Returns ``(kind, corrupted form)`` pairs; none by default.
        """
        return []

    @contextlib.contextmanager
    def isolated(self) -> Iterator[Environment]:
        """A block whose executions leave the instance as it was (stateless: nothing to do).

        Stateful environments (a sheet, a grid world) override it, so that several
        candidate forms can be tried on the same instance.
        """
        yield self

    def export(self, denotation: Denotation) -> list[str]:
        """Write the outputs asked for in the options (a saved sheet, a picture...).

        Returns the paths written, for the CLI to print.
        """
        return []

    def close(self) -> None:
        """Release connections and files."""
        return None

    def __enter__(self) -> Environment:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class CrossCheck:
    """Outcome of :meth:`Environment.crosscheck` for one logical form.

    ``compared`` is False when the second side could not run (then ``agree`` means nothing);
    ``nonempty`` says whether the compared result had content.
    """

    name: str
    compared: bool
    agree: bool
    nonempty: bool = False
    reason: str | None = None


@dataclass(frozen=True)
class Example:
    """One task example: an instruction, optionally its gold form and expected denotation.

    ``instance`` identifies the environment instance the example runs in (a database path,
    a sheet, a world); examples with equal ``instance_key`` share one environment.
    """

    id: str
    instruction: str
    logical_form: str | None = None
    expected: Any = None
    tags: tuple[str, ...] = ()
    instance: Mapping[str, Any] = field(default_factory=dict)
    instance_key: str = ""


class Task(ABC):
    """A data format and the environment it runs in (``text2sql`` -> ``sql``)."""

    name: ClassVar[str]
    environment: ClassVar[str]
    option_names: ClassVar[tuple[str, ...]] = ("data",)

    @classmethod
    def from_options(cls, **options: Any) -> Task:
        """Build a task from CLI-style options; unknown options are a :class:`UsageError`."""
        _check_options(f"task {cls.name!r}", cls.option_names, options)
        return cls(**{k: v for k, v in options.items() if v is not None})

    @classmethod
    def generate(cls, n: int, seed: int) -> list[dict[str, Any]]:
        """Generate ``n`` examples in the task's own data format (one JSON object each).

        Raises:
            UsageError: the task has no generator.
        """
        raise UsageError(f"task {cls.name!r} has no generator")

    @abstractmethod
    def examples(self) -> list[Example]:
        """All examples selected by the task's options."""

    @abstractmethod
    def environment_for(self, example: Example) -> Environment:
        """The environment instance ``example`` runs in (cached by ``instance_key``)."""

    def dump_examples(self, examples: Sequence[Example]) -> str:
        """Examples as text in the task's data format (default: JSON lines).

        Used to write synthetic data out for inspection (``parseinstr synthesize``).
        """
        import json

        return "".join(
            json.dumps(
                {
                    "instruction": e.instruction,
                    "logical_form": e.logical_form,
                    "tags": list(e.tags),
                },
                ensure_ascii=False,
            )
            + "\n"
            for e in examples
        )

    def expected_denotation(self, example: Example, env: Environment) -> Denotation | None:
        """The expected denotation of ``example`` in ``env``, or None when it has none."""
        return None

    def iter_with_environments(self) -> Iterator[tuple[Example, Environment]]:
        """Each example with its environment."""
        for example in self.examples():
            yield example, self.environment_for(example)

    def close(self) -> None:
        """Release the environments the task opened."""
        return None
