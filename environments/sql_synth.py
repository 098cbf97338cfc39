"""Synthetic questions for a SQL database: sampled queries and varied English for them.

The engine's :class:`~parseinstr.synthesis.DerivationSampler` derives queries from the
database's specialised grammar; :class:`SqlPolicy` steers it. For each sample the policy
first draws a *plan*: a construction (favouring what human data lacks: ``NOT IN``, ``<>``,
``EXCEPT``, ``NOT EXISTS``, "neither ... nor", "but not", negated comparisons and
superlatives, with and without exclusions), the tables and columns it uses and values the
database actually holds. The plan is a small query tree (:class:`Q` and its conditions);
the policy then weighs the grammar's expansions so that the derivation spells exactly that
tree, in text2sql-data's style (``Talias0.NAME``, ``COUNT( ... )``, `` ;``). The
grammar, not this module, decides what is well formed.

English comes from the same plan (never from a dataset): nouns, verbs, comparatives and
superlatives for tables and columns from an optional ``lexicon.json`` beside the database
(format in the GeoQuery one, ``environments/data/sql/geography/lexicon.json``), falling back
to the schema's own names; questions and imperatives, relative clauses and participles,
numbers in digits and words, and the negations "not", "no", "never", "except", "other than",
"excluding", "besides", "without", "neither ... nor", "but not", with contractions.

Which columns can be joined is read from the data: a text column whose values are (mostly)
values of another table's naming column refers to that table.
"""

from __future__ import annotations

import json
import math
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot import exp

from parseinstr.errors import ParseInstrError
from parseinstr.synthesis import Expansion, SamplingPolicy

if TYPE_CHECKING:  # pragma: no cover
    from parseinstr.environment import Example

    from .sql import SqlDenotation, SqlEnvironment

LEXICON = "lexicon.json"
MAX_VALUES = 400

# ---------------------------------------------------------------- query trees (the plan)


@dataclass(frozen=True)
class Col:
    """A qualified column: ``<alias>.<COLUMN>``; ``kind`` is ``num`` or ``text``."""

    table: str
    column: str
    alias: str
    kind: str


@dataclass(frozen=True)
class Lit:
    """A literal number or string."""

    value: Any
    kind: str


@dataclass(frozen=True)
class Agg:
    """``COUNT``, ``MAX``, ``MIN``, ``SUM`` or ``AVG`` of a column (``COUNT( * )`` when None)."""

    fn: str
    arg: Col | None
    distinct: bool = False

    @property
    def kind(self) -> str:
        return "num" if self.fn in ("COUNT", "SUM", "AVG") or self.arg is None else self.arg.kind


@dataclass(frozen=True)
class Q:
    """``SELECT [DISTINCT] select FROM table AS alias [WHERE conds joined by AND]``."""

    table: str
    alias: str
    select: tuple[Any, ...]
    conds: tuple[Any, ...] = ()
    distinct: bool = False

    @property
    def kind(self) -> str:
        return self.select[0].kind if self.select and self.select[0] != "*" else "text"


@dataclass(frozen=True)
class Cmp:
    """``left op right``; ``right`` may be a one-value :class:`Q` (a scalar subquery)."""

    left: Any
    op: str
    right: Any


@dataclass(frozen=True)
class InList:
    """``left [NOT] IN ( v1 , v2 ... )``."""

    left: Col
    neg: bool
    values: tuple[Lit, ...]


@dataclass(frozen=True)
class InQuery:
    """``left [NOT] IN ( subquery )``."""

    left: Col
    neg: bool
    sub: Q


@dataclass(frozen=True)
class Exists:
    """``EXISTS ( subquery )``."""

    sub: Q


@dataclass(frozen=True)
class Not:
    """``NOT condition``."""

    inner: Any


@dataclass(frozen=True)
class Except:
    """``left EXCEPT right``."""

    left: Q
    right: Q


@dataclass(frozen=True)
class _Items:
    """The rest of a comma list (select items or literals), for list rules."""

    items: tuple[Any, ...]


@dataclass
class Meaning:
    """A plan: the query tree, its English renderer and tags (``negation``...)."""

    top: Q | Except
    render: Callable[[random.Random], str]
    tags: tuple[str, ...] = ()


class _Aliases:
    """text2sql-data aliases: ``<TABLE>alias<N>``, numbered per table in order of use."""

    def __init__(self) -> None:
        self.used: dict[str, int] = {}

    def __call__(self, table: str) -> str:
        n = self.used.get(table, 0)
        self.used[table] = n + 1
        return f"{table.upper()}alias{n}"


# ---------------------------------------------------------------- English helpers

_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_TEENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()  # noqa: SIM905
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def number_words(n: int) -> str:
    """A whole number in English words (``150000`` -> "one hundred fifty thousand")."""
    if n < 10:
        return _ONES[n]
    if n < 20:
        return _TEENS[n - 10]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    for size, word in (
        (10**9, "billion"),
        (10**6, "million"),
        (1000, "thousand"),
        (100, "hundred"),
    ):
        if n >= size:
            head, rest = divmod(n, size)
            return f"{number_words(head)} {word}" + (f" {number_words(rest)}" if rest else "")
    return str(n)  # pragma: no cover


def say_number(value: float, rng: random.Random) -> str:
    """A number as people type it: digits, words, or "1.5 million"."""
    n = int(value) if float(value).is_integer() else value
    if not isinstance(n, int):
        return str(value)
    r = rng.random()
    if r < 0.5 or n > 10**10:
        return str(n)
    if r < 0.75 and n >= 10**6 and n % 10**5 == 0:
        m = n / 10**6
        return f"{m:g} million"
    if r < 0.85 and n >= 1000 and n % 1000 == 0 and n < 10**6:
        return f"{n // 1000} thousand"
    return number_words(n)


def third_person(phrase: str) -> str:
    """The first verb of a plural phrase in the third person singular ("run" -> "runs")."""
    verb, _, rest = phrase.partition(" ")
    if verb == "are":
        verb = "is"
    elif verb == "do":
        verb = "does"
    elif verb == "have":
        verb = "has"
    elif verb.endswith(("s", "sh", "ch", "x")):
        verb += "es"
    elif verb.endswith("y") and verb[-2:-1] not in "aeiou":
        verb = verb[:-1] + "ies"
    else:
        verb += "s"
    return f"{verb} {rest}".strip()


def plural(noun: str) -> str:
    """A regular English plural."""
    if noun.endswith(("s", "sh", "ch", "x")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


def article(noun: str) -> str:
    """``a`` or ``an``."""
    return "an" if noun[:1] in "aeiou" else "a"


@dataclass
class Mod:
    """A property of an entity set, in the forms a sentence needs.

    ``vp``: verb phrases for "which rivers ___" (plural); ``post``: what follows the noun
    ("in texas", "that run through texas"); ``vp1`` the singular verb phrases.
    """

    vp: list[str]
    post: list[str]
    vp1: list[str] = field(default_factory=list)
    post1: list[str] = field(default_factory=list)

    def pick_vp(self, rng: random.Random, singular: bool = False) -> str:
        return rng.choice(self.vp1 if singular and self.vp1 else self.vp)

    def pick_post(self, rng: random.Random, singular: bool = False) -> str:
        return rng.choice(self.post1 if singular and self.post1 else self.post)


def _fill(templates: Sequence[str], v: str) -> list[str]:
    return [t.replace("{v}", v) for t in templates]


def relation_mod(rel: Relation, value: str, neg: bool) -> Mod:
    """ "in texas" / "that do not run through texas"... for ``rel`` with ``value``."""
    verbs, bes = _fill(rel.verb, value), _fill(rel.be, value)
    if not neg:
        vp = [f"are {b}" for b in bes] + verbs
        vp1 = [f"is {b}" for b in bes] + [third_person(v) for v in verbs]
        post = bes + [f"that {v}" for v in vp] + [f"which {v}" for v in vp]
        post += [_ing(v) for v in verbs]
        post1 = bes + [f"that {v}" for v in vp1] + [_ing(v) for v in verbs]
        return Mod(vp, post, vp1, post1)
    vp, vp1 = [], []
    for b in bes:
        vp += [f"are not {b}", f"aren't {b}"]
        vp1 += [f"is not {b}", f"isn't {b}"]
    for v in verbs:
        vp += [f"do not {v}", f"don't {v}", f"never {v}"]
        vp1 += [f"does not {v}", f"doesn't {v}", f"never {third_person(v)}"]
    outside = _fill(rel.be_not, value)
    vp += [f"are {o}" for o in outside]
    vp1 += [f"is {o}" for o in outside]
    post = [f"not {b}" for b in bes] + outside + [f"that {v}" for v in vp]
    post += [f"which {v}" for v in vp if "never" not in v]
    post += ["not " + _ing(v) for v in verbs]
    post1 = [f"not {b}" for b in bes] + outside + [f"that {v}" for v in vp1]
    return Mod(vp, post, vp1, post1)


def _ing(phrase: str) -> str:
    """The present participle of a phrase's first verb ("run through x" -> "running ...")."""
    verb, _, rest = phrase.partition(" ")
    if verb.endswith("e") and not verb.endswith("ee"):
        verb = verb[:-1] + "ing"
    elif (
        len(verb) == 3
        and verb[1] in "aeiou"
        and verb[0] not in "aeiou"
        and verb[2] not in "aeiouwy"
    ):
        verb = verb + verb[2] + "ing"
    else:
        verb += "ing"
    return f"{verb} {rest}".strip()


def compare_mod(attr: Attribute, op: str, number: float, rng: random.Random) -> Mod:
    """ "with a population over one million", "not longer than 500"... for ``attr op number``."""
    n = say_number(number, rng)
    noun = rng.choice(attr.noun)
    unit = rng.choice(attr.unit) if attr.unit else None
    more = rng.choice(attr.more) if attr.more else None
    less = rng.choice(attr.less) if attr.less else None
    post: list[str] = []
    if op == ">":
        post += [
            f"with {article(noun)} {noun} over {n}",
            f"with {noun} greater than {n}",
            f"whose {noun} is above {n}",
            f"with {noun} above {n}",
            f"with {article(noun)} {noun} of more than {n}",
        ]
        post += [f"{more} than {n}", f"that are {more} than {n}"] if more else []
        post += [f"with more than {n} {unit}"] if unit else []
    elif op == "<":
        post += [
            f"with {article(noun)} {noun} under {n}",
            f"with {noun} less than {n}",
            f"whose {noun} is below {n}",
            f"with {noun} below {n}",
        ]
        post += [f"{less} than {n}", f"that are {less} than {n}"] if less else []
        post += [f"with fewer than {n} {unit}", f"with less than {n} {unit}"] if unit else []
    elif op == "<=":
        post += [
            f"with {article(noun)} {noun} not above {n}",
            f"whose {noun} is not over {n}",
            f"with {noun} not greater than {n}",
            f"with {noun} of at most {n}",
            f"whose {noun} does not exceed {n}",
            f"whose {noun} doesn't exceed {n}",
        ]
        post += (
            [
                f"not {more} than {n}",
                f"that are not {more} than {n}",
                f"that aren't {more} than {n}",
                f"no {more} than {n}",
            ]
            if more
            else []
        )
        post += (
            [
                f"with no more than {n} {unit}",
                f"with at most {n} {unit}",
                f"that do not have more than {n} {unit}",
            ]
            if unit
            else []
        )
    elif op == ">=":
        post += [
            f"with {article(noun)} {noun} not below {n}",
            f"whose {noun} is not under {n}",
            f"with {noun} not less than {n}",
            f"with {noun} of at least {n}",
        ]
        post += (
            [
                f"not {less} than {n}",
                f"that are not {less} than {n}",
                f"that aren't {less} than {n}",
            ]
            if less
            else []
        )
        post += [f"with no fewer than {n} {unit}", f"with at least {n} {unit}"] if unit else []
    vp = [p[5:] for p in post if p.startswith("that ")]
    vp += [f"have {p[5:]}" for p in post if p.startswith("with ")]
    return Mod(vp or [f"are {post[0]}"], post)


def _np(ent: Entity, rng: random.Random, the: float = 0.5) -> str:
    noun = rng.choice(ent.plural)
    return ("the " if rng.random() < the else "") + noun


_CLAUSE = ("that ", "which ", "with ", "whose ", "not ")


def ask_set(ent: Entity, mods: Sequence[Mod], rng: random.Random, count: bool = False) -> str:
    """A question or command asking for the entities with all ``mods``."""
    noun = rng.choice(ent.plural)
    if count:
        if len(mods) == 1 and rng.random() < 0.6:
            return f"how many {noun} {mods[0].pick_vp(rng)}"
        rest = " and ".join(m.pick_post(rng) for m in mods)
        return rng.choice(
            [
                f"how many {noun} are there {rest}",
                f"count the {noun} {rest}",
                f"what is the number of {noun} {rest}",
                f"the number of {noun} {rest}",
                f"how many {noun} {rest} are there",
            ]
        )
    if len(mods) == 1 and rng.random() < 0.45:
        return f"{rng.choice(['which', 'what'])} {noun} {mods[0].pick_vp(rng)}"
    posts = [m.pick_post(rng) for m in mods]
    glue = " and " if all(p.startswith(_CLAUSE) for p in posts[1:]) and rng.random() < 0.4 else " "
    rest = glue.join(posts)
    frame = rng.choice(
        [
            "list the {n} {r}",
            "list all {n} {r}",
            "name the {n} {r}",
            "give me the {n} {r}",
            "show me the {n} {r}",
            "what are the {n} {r}",
            "{n} {r}",
            "find the {n} {r}",
            "which {n} {r}",
            "what {n} {r}",
            "tell me the {n} {r}",
            "what are all the {n} {r}",
            "return the {n} {r}",
        ]
    )
    return frame.format(n=noun, r=rest)


# ---------------------------------------------------------------- the database, described


@dataclass
class Entity:
    """A kind of thing the database lists: a table and the column naming its rows."""

    table: str
    name: str
    noun: list[str]
    plural: list[str]
    unique: bool
    major: tuple[str, float] | None = None


@dataclass
class Source:
    """A table whose rows are about an entity (named by the ``subject`` column)."""

    table: str
    subject: str
    entity: Entity
    unique: bool


@dataclass
class Relation:
    """A text column of a source naming another thing, with its English."""

    source: Source
    column: str
    be: list[str]
    verb: list[str]
    be_not: list[str]
    values: list[str]
    target: Entity | None


@dataclass
class Attribute:
    """A column of a source that is a property of its entity (a number or a text)."""

    source: Source
    column: str
    kind: str
    noun: list[str]
    more: list[str]
    most: list[str]
    less: list[str]
    least: list[str]
    most_noun: list[str]
    least_noun: list[str]
    unit: list[str]
    how: list[str]
    values: list[Any]


def _words(name: str) -> str:
    return name.lower().replace("_", " ")


class Domain:
    """Entities, relations and attributes of one database, from its data and lexicon."""

    def __init__(self, env: SqlEnvironment) -> None:
        self.env = env
        lex_path = Path(env.db).with_name(LEXICON) if Path(env.db).is_file() else None
        lexicon: dict[str, Any] = {}
        if lex_path is not None and lex_path.exists():
            lexicon = json.loads(lex_path.read_text(encoding="utf-8")).get("tables", {})
        schema = env.schema
        self.kinds = {
            (t.name.lower(), c.name.lower()): c.kind for t in schema.tables for c in t.columns
        }
        self.values: dict[tuple[str, str], list[Any]] = {}
        self.unique: dict[tuple[str, str], bool] = {}
        self.rows: dict[str, int] = {}
        for t in schema.tables:
            tn = t.name.lower()
            n_rows = self._scalar(f"SELECT COUNT( * ) FROM {tn}")
            self.rows[tn] = n_rows
            for c in t.columns:
                cn = c.name.lower()
                rows = env.run_unchecked(
                    f"SELECT DISTINCT {tn}.{cn} FROM {tn} WHERE {tn}.{cn} IS NOT NULL "
                    f"LIMIT {MAX_VALUES}"
                ).rows
                vals = [r[0] for r in rows if r[0] is not None and str(r[0]).strip()]
                self.values[(tn, cn)] = vals
                # Rows are the entities themselves when names barely repeat (two
                # cities may share a name); a river listed once per state is not.
                self.unique[(tn, cn)] = n_rows > 0 and len(vals) >= 0.9 * min(n_rows, MAX_VALUES)
        self.entities: dict[str, Entity] = {}
        for t in schema.tables:
            tn = t.name.lower()
            lex = lexicon.get(tn, {})
            texts = [c.name.lower() for c in t.columns if c.kind == "text"]
            name = lex.get("name") or next(
                (c for c in texts if c in (f"{tn}_name", "name", "title")),
                texts[0] if texts and not lex and self.unique[(tn, texts[0])] else None,
            )
            if name is None:
                continue
            noun = lex.get("noun") or [_words(tn)]
            major = lex.get("major")
            self.entities[tn] = Entity(
                tn,
                name,
                noun,
                lex.get("plural") or [plural(n) for n in noun],
                self.unique[(tn, name)],
                (major["column"], float(major["above"])) if major else None,
            )
        self.sources: list[Source] = []
        self.relations: list[Relation] = []
        self.attributes: list[Attribute] = []
        for t in schema.tables:
            tn = t.name.lower()
            lex = lexicon.get(tn, {})
            cols_lex = lex.get("columns", {})
            subjects = lex.get("subject") or (
                [self.entities[tn].name] if tn in self.entities else []
            )
            for subject in subjects:
                ent = (
                    self.entities.get(tn)
                    if tn in self.entities and (subject == self.entities[tn].name)
                    else self._refers(tn, subject, cols_lex.get(subject, {}))
                )
                if ent is None:
                    continue
                src = Source(tn, subject, ent, self.unique[(tn, subject)])
                self.sources.append(src)
                for c in t.columns:
                    cn = c.name.lower()
                    cl = cols_lex.get(cn, {})
                    if cn == subject or cl.get("skip") or len(self.values[(tn, cn)]) < 2:
                        continue
                    target = self._refers(tn, cn, cl)
                    # Without a lexicon, a text column of few values (a category) reads
                    # as "with category {v}"; one naming other entities likewise.
                    few = (
                        not cl
                        and c.kind == "text"
                        and len(self.values[(tn, cn)]) <= max(2, 0.5 * self.rows[tn])
                    )
                    if (target is not None or few) and (cl.get("be") or cl.get("verb") or not cl):
                        be = cl.get("be") or (
                            [] if cl.get("verb") else [f"with {_words(cn)} {{v}}"]
                        )
                        if not cl:
                            cl = {"be_not": [f"whose {_words(cn)} is not {{v}}"]}
                        self.relations.append(
                            Relation(
                                src,
                                cn,
                                be,
                                cl.get("verb", []),
                                cl.get("be_not", []),
                                [str(v) for v in self.values[(tn, cn)]],
                                target,
                            )
                        )
                    elif cl.get("noun") or not cl:
                        self.attributes.append(
                            Attribute(
                                src,
                                cn,
                                c.kind,
                                cl.get("noun") or [_words(cn)],
                                cl.get("more", []),
                                cl.get("most", []),
                                cl.get("less", []),
                                cl.get("least", []),
                                cl.get("most_noun", []),
                                cl.get("least_noun", []),
                                cl.get("unit", []),
                                cl.get("how", []),
                                self.values[(tn, cn)],
                            )
                        )

    def _scalar(self, sql: str) -> Any:
        return self.env.run_unchecked(sql).rows[0][0]

    def _refers(self, table: str, column: str, lex: dict[str, Any]) -> Entity | None:
        """The entity whose names this column's values are (from the lexicon or the data)."""
        if lex.get("refers_to"):
            return self.entities.get(lex["refers_to"])
        if self.kinds.get((table, column)) != "text":
            return None
        vals = {str(v).lower() for v in self.values.get((table, column), [])}
        if len(vals) < 3:
            return None
        for ent in self.entities.values():
            if ent.table == table and ent.name == column:
                continue
            names = {str(v).lower() for v in self.values[(ent.table, ent.name)]}
            if len(vals & names) >= 0.8 * len(vals):
                return ent
        return None

    # ------------------------------------------------------------ lookups
    def own_source(self, ent: Entity) -> Source:
        return next(s for s in self.sources if s.table == ent.table and s.subject == ent.name)

    def col(self, src_table: str, column: str, alias: str) -> Col:
        return Col(src_table, column, alias, self.kinds[(src_table, column)])

    def num_attrs(self, ent: Entity, comparable: bool = False) -> list[Attribute]:
        return [
            a
            for a in self.attributes
            if a.source.table == ent.table
            and a.source.subject == ent.name
            and a.kind == "num"
            and (not comparable or a.most)
        ]

    def relations_of(self, ent: Entity, own: bool | None = None) -> list[Relation]:
        return [
            r
            for r in self.relations
            if r.source.entity is ent
            and (own is None or (r.source.table == ent.table) == own)
            and (r.be or r.verb)
        ]

    def refs_to(self, ent: Entity) -> list[Relation]:
        """Relations of other entities whose values name ``ent`` (a lake's state...)."""
        return [r for r in self.relations if r.target is ent and (r.be or r.verb)]


# ---------------------------------------------------------------- plans


def threshold(values: Sequence[Any], rng: random.Random) -> float:
    """A round number inside the range of ``values`` (e.g. 150000, 2000000, 750)."""
    nums = sorted(float(v) for v in values if isinstance(v, (int, float)))
    if not nums:
        return 0.0
    x = nums[int(rng.uniform(0.2, 0.85) * (len(nums) - 1))]
    if x <= 0:
        return 0.0
    mag = 10 ** math.floor(math.log10(x))
    lead = min((1, 1.5, 2, 2.5, 3, 5, 7.5, 10), key=lambda m: abs(m * mag - x))
    value = lead * mag
    return float(int(value)) if value >= 1 else value


class Planner:
    """Draws plans (query tree + English) for one database; constructions are weighted."""

    def __init__(self, domain: Domain) -> None:
        self.d = domain
        self.builders: list[tuple[float, Callable[[random.Random], Meaning | None]]] = [
            (0.6, self.attribute_of),
            (0.9, self.entities_with),
            (0.6, self.entities_compared),
            (2.0, self.negated_relation),
            (0.8, self.object_negated),
            (1.0, self.not_in_list),
            (1.2, self.other_than),
            (1.6, self.having_none),
            (0.4, self.having_some),
            (0.9, self.neither_nor),
            (0.9, self.but_not),
            (1.3, self.superlative),
            (1.2, self.superlative_except),
            (1.0, self.negated_compare),
            (0.5, self.major),
            (0.3, self.except_set),
            (0.3, self.not_exists),
        ]

    def plan(self, rng: random.Random) -> Meaning | None:
        weights = [w for w, _ in self.builders]
        for _ in range(10):
            builder = rng.choices(self.builders, weights=weights)[0][1]
            meaning = builder(rng)
            if meaning is not None:
                return meaning
        return None

    # ------------------------------------------------------------ pieces
    def _entity(self, rng: random.Random, pred: Callable[[Entity], bool]) -> Entity | None:
        ents = [e for e in self.d.entities.values() if pred(e)]
        return rng.choice(ents) if ents else None

    def _name(self, ent: Entity, rng: random.Random) -> str:
        return str(rng.choice(self.d.values[(ent.table, ent.name)]))

    def _relation(self, rng: random.Random, **kw: Any) -> Relation | None:
        rels = [r for r in self.d.relations if r.be or r.verb]
        if "entity" in kw:
            rels = [r for r in rels if r.source.entity is kw["entity"]]
        if kw.get("own"):
            rels = [r for r in rels if r.source.table == r.source.entity.table]
        if kw.get("shared"):
            rels = [r for r in rels if not r.source.unique]
        return rng.choice(rels) if rels else None

    def _set_query(
        self,
        ent: Entity,
        aliases: _Aliases,
        conds_of: Callable[[Col, str], list[Any]],
        count: bool,
        distinct: bool = False,
    ) -> Q:
        alias = aliases(ent.table)
        name = self.d.col(ent.table, ent.name, alias)
        conds = conds_of(name, alias)
        sel: Any = Agg("COUNT", name, distinct) if count else name
        return Q(ent.table, alias, (sel,), tuple(conds), distinct and not count)

    def _rel_cond(self, rel: Relation, value: str, neg: bool, outer: Col, aliases: _Aliases) -> Any:
        """``rel = value`` (or its negation) as a condition on the entity column ``outer``."""
        src = rel.source
        if src.table == outer.table and src.subject == outer.column and (src.unique or not neg):
            col = self.d.col(src.table, rel.column, outer.alias)
            return Cmp(col, "<>" if neg else "=", Lit(value, "text"))
        alias = aliases(src.table)
        sub = Q(
            src.table,
            alias,
            (self.d.col(src.table, src.subject, alias),),
            (Cmp(self.d.col(src.table, rel.column, alias), "=", Lit(value, "text")),),
        )
        return InQuery(outer, neg, sub)

    def _cooccurring(self, rel: Relation, value: str, rng: random.Random) -> str | None:
        """Another value of ``rel`` held by some subject that also holds ``value``."""
        t, s, c = rel.source.table, rel.source.subject, rel.column
        rows = self.d.env.run_unchecked(
            f"SELECT DISTINCT {t}.{c} FROM {t} WHERE {t}.{s} IN ( SELECT x.{s} FROM {t} AS x "
            f"WHERE x.{c} = {_sql_str(value)} ) AND {t}.{c} <> {_sql_str(value)}"
        ).rows
        return str(rng.choice(rows)[0]) if rows else None

    # ------------------------------------------------------------ constructions
    def attribute_of(self, rng: random.Random) -> Meaning | None:
        """ "what is the population of texas"."""
        attrs = self.d.attributes
        if not attrs:
            return None
        attr = rng.choice(attrs)
        src = attr.source
        ent = src.entity
        value = self._name(ent, rng)
        if value not in [str(v) for v in self.d.values[(src.table, src.subject)]]:
            return None
        aliases = _Aliases()
        alias = aliases(src.table)
        q = Q(
            src.table,
            alias,
            (self.d.col(src.table, attr.column, alias),),
            (Cmp(self.d.col(src.table, src.subject, alias), "=", Lit(value, "text")),),
            distinct=not src.unique,
        )

        def render(r: random.Random) -> str:
            noun = r.choice(attr.noun)
            if attr.how and r.random() < 0.3:
                return r.choice(attr.how).replace("{v}", value)
            frame = r.choice(
                [
                    "what is the {a} of {v}",
                    "what's the {a} of {v}",
                    "give me the {a} of {v}",
                    "tell me the {a} of {v}",
                    "the {a} of {v}",
                    "what is {v}'s {a}",
                    "{a} of {v}",
                    "what is the {a} of the {e} {v}",
                    "show the {a} of {v}",
                ]
            )
            return frame.format(a=noun, v=value, e=r.choice(ent.noun))

        return Meaning(q, render, ("lookup",))

    def entities_with(self, rng: random.Random) -> Meaning | None:
        """ "which rivers run through texas", "cities in texas"."""
        rel = self._relation(rng)
        if rel is None:
            return None
        value = rng.choice(rel.values)
        ent = rel.source.entity
        aliases = _Aliases()
        src = rel.source
        alias = aliases(src.table)
        count = rng.random() < 0.2
        subj = self.d.col(src.table, src.subject, alias)
        q = Q(
            src.table,
            alias,
            (Agg("COUNT", subj, not src.unique) if count else subj,),
            (Cmp(self.d.col(src.table, rel.column, alias), "=", Lit(value, "text")),),
            distinct=not src.unique and not count and rng.random() < 0.5,
        )
        return Meaning(
            q, lambda r: ask_set(ent, [relation_mod(rel, value, False)], r, count), ("positive",)
        )

    def entities_compared(self, rng: random.Random) -> Meaning | None:
        """ "cities with a population over 100000 in texas"."""
        ent = self._entity(rng, lambda e: bool(self.d.num_attrs(e)))
        if ent is None:
            return None
        attr = rng.choice(self.d.num_attrs(ent))
        op = rng.choice([">", "<", ">"])
        n = threshold(attr.values, rng)
        rels = self.d.relations_of(ent, own=True)
        rel = rng.choice(rels) if rels and rng.random() < 0.4 else None
        value = rng.choice(rel.values) if rel else None

        def conds(name: Col, alias: str) -> list[Any]:
            out: list[Any] = [Cmp(self.d.col(ent.table, attr.column, alias), op, Lit(n, "num"))]
            if rel is not None:
                out.append(Cmp(self.d.col(ent.table, rel.column, alias), "=", Lit(value, "text")))
            return out

        q = self._set_query(ent, _Aliases(), conds, False, not ent.unique)

        def render(r: random.Random) -> str:
            mods = [compare_mod(attr, op, n, r)]
            if rel is not None:
                mods.insert(
                    0, relation_mod(rel, value, False)
                ) if r.random() < 0.5 else mods.append(relation_mod(rel, value, False))
            return ask_set(ent, mods, r)

        return Meaning(q, render, ("comparison",))

    def negated_relation(self, rng: random.Random) -> Meaning | None:
        """ "which rivers do not run through texas", "cities not in texas"."""
        rel = self._relation(rng)
        if rel is None:
            return None
        ent = rel.source.entity
        value = rng.choice(rel.values)
        count = rng.random() < 0.2
        aliases = _Aliases()
        distinct = not ent.unique or not rel.source.unique and rel.source.table == ent.table
        q = self._set_query(
            ent,
            aliases,
            lambda name, _a: [self._rel_cond(rel, value, True, name, aliases)],
            count,
            distinct,
        )
        return Meaning(
            q, lambda r: ask_set(ent, [relation_mod(rel, value, True)], r, count), ("negation",)
        )

    def object_negated(self, rng: random.Random) -> Meaning | None:
        """ "which states does the mississippi not run through"."""
        rels = [
            r
            for r in self.d.relations
            if r.verb and r.target is not None and r.target is not r.source.entity
        ]
        if not rels:
            return None
        rel = rng.choice(rels)
        target, subj_ent = rel.target, rel.source.entity
        assert target is not None
        src = rel.source
        subject = str(rng.choice(self.d.values[(src.table, src.subject)]))
        aliases = _Aliases()
        alias = aliases(target.table)
        name = self.d.col(target.table, target.name, alias)
        sub_alias = aliases(src.table)
        sub = Q(
            src.table,
            sub_alias,
            (self.d.col(src.table, rel.column, sub_alias),),
            (Cmp(self.d.col(src.table, src.subject, sub_alias), "=", Lit(subject, "text")),),
        )
        q = Q(target.table, alias, (name,), (InQuery(name, True, sub),))

        def render(r: random.Random) -> str:
            verb = r.choice(rel.verb).replace(" {v}", "").replace("{v}", "")
            the = r.choice(["the ", ""])
            tn = r.choice(target.plural)
            sn = r.choice(subj_ent.noun)
            named = r.choice([f"{the}{subject}", f"{the}{subject} {sn}"])
            return r.choice(
                [
                    f"which {tn} does {named} not {verb}",
                    f"what {tn} doesn't {named} {verb}",
                    f"which {tn} does {named} never {verb}",
                    f"list the {tn} {named} does not {verb}",
                    f"{tn} that {named} doesn't {verb}",
                    f"name the {tn} that {named} does not {verb}",
                ]
            )

        return Meaning(q, render, ("negation",))

    def not_in_list(self, rng: random.Random) -> Meaning | None:
        """Lists: "lakes not in california or michigan", "cities in texas except austin"."""
        if rng.random() < 0.5:
            rels = [
                r
                for r in self.d.relations
                if r.source.unique and r.source.table == r.source.entity.table
            ]
            if not rels:
                return None
            rel = rng.choice(rels)
            ent = rel.source.entity
            vals = rng.sample(rel.values, k=min(len(rel.values), rng.choice([2, 2, 3])))
            lits = tuple(Lit(v, "text") for v in vals)

            def conds(name: Col, alias: str) -> list[Any]:
                return [InList(self.d.col(ent.table, rel.column, alias), True, lits)]

            q = self._set_query(ent, _Aliases(), conds, rng.random() < 0.15)

            def render(r: random.Random) -> str:
                joined = _join_or(vals, r)
                mod = relation_mod(rel, joined, True)
                if len(vals) == 2 and rel.be and r.random() < 0.3:
                    b1, b2 = (
                        t.replace("{v}", v)
                        for t, v in zip([r.choice(rel.be)] * 2, vals, strict=True)
                    )
                    mod = Mod([f"are neither {b1} nor {b2}"], [f"neither {b1} nor {b2}"])
                return ask_set(ent, [mod], r, q.select[0].__class__ is Agg)

            return Meaning(q, render, ("negation",))
        rel = self._relation(rng, own=True)
        if rel is None:
            return None
        ent = rel.source.entity
        value = rng.choice(rel.values)
        members = [
            str(v[0])
            for v in self.d.env.run_unchecked(
                f"SELECT DISTINCT {ent.table}.{ent.name} FROM {ent.table} WHERE "
                f"{ent.table}.{rel.column} = {_sql_str(value)}"
            ).rows
        ]
        if len(members) < 3:
            return None
        names = rng.sample(members, k=2)

        def conds(name: Col, alias: str) -> list[Any]:
            return [
                Cmp(self.d.col(ent.table, rel.column, alias), "=", Lit(value, "text")),
                InList(name, True, tuple(Lit(x, "text") for x in names)),
            ]

        q = self._set_query(ent, _Aliases(), conds, False, not ent.unique)

        def render(r: random.Random) -> str:
            ex = r.choice(["other than", "except", "besides", "excluding", "apart from", "but not"])
            joined = f"{names[0]} {r.choice(['and', 'or'])} {names[1]}"
            mod = relation_mod(rel, value, False)
            return ask_set(ent, [mod, Mod([f"are not {joined}"], [f"{ex} {joined}"])], r)

        return Meaning(q, render, ("negation",))

    def other_than(self, rng: random.Random) -> Meaning | None:
        """ "states bordering oregon besides california"."""
        rel = self._relation(rng)
        if rel is None:
            return None
        src, ent = rel.source, rel.source.entity
        value = rng.choice(rel.values)
        members = [
            str(v[0])
            for v in self.d.env.run_unchecked(
                f"SELECT DISTINCT {src.table}.{src.subject} FROM {src.table} WHERE "
                f"{src.table}.{rel.column} = {_sql_str(value)}"
            ).rows
        ]
        if len(members) < 2:
            return None
        name = rng.choice(members)
        aliases = _Aliases()
        alias = aliases(src.table)
        subj = self.d.col(src.table, src.subject, alias)
        count = rng.random() < 0.15
        q = Q(
            src.table,
            alias,
            (Agg("COUNT", subj, not src.unique) if count else subj,),
            (
                Cmp(self.d.col(src.table, rel.column, alias), "=", Lit(value, "text")),
                Cmp(subj, "<>", Lit(name, "text")),
            ),
            distinct=not src.unique and not count,
        )

        def render(r: random.Random) -> str:
            ex = r.choice(
                [
                    "other than",
                    "except",
                    "except for",
                    "besides",
                    "excluding",
                    "apart from",
                    "but not",
                    "not counting",
                    "aside from",
                ]
            )
            mod = relation_mod(rel, value, False)
            if not count and r.random() < 0.3:
                noun = r.choice(ent.plural)
                return f"which {noun} {ex} {name} {mod.pick_vp(r)}"
            if not count and r.random() < 0.2:
                return f"{ex} {name}, {ask_set(ent, [mod], r)}"
            return ask_set(ent, [mod, Mod([f"are not {name}"], [f"{ex} {name}"])], r, count)

        return Meaning(q, render, ("negation",))

    def _have_mods(self, rel: Relation, neg: bool, cond_mod: Mod | None) -> Mod:
        """ "with no lakes", "that have a lake"... (``rel`` is a lake's state)."""
        g = rel.source.entity
        sing, pl = g.noun[0], g.plural[0]
        extra = f" {cond_mod.post[0]}" if cond_mod else ""
        if rel.verb and rel.target is g:
            v = rel.verb[0].replace("{v}", f"any {sing}")
            w = rel.verb[0].replace("{v}", f"another {sing}")
            if neg:
                return Mod(
                    [f"do not {v}", f"don't {v}", f"do not {w}"],
                    [f"that do not {v}", f"that don't {v}", f"that do not {w}"],
                )
            return Mod([v, w], [f"that {v}", f"that {w}"])
        if neg:
            post = [
                f"with no {pl}{extra}",
                f"without {article(sing)} {sing}{extra}",
                f"without any {pl}{extra}",
                f"that have no {pl}{extra}",
                f"that don't have any {pl}{extra}",
                f"that do not have {article(sing)} {sing}{extra}",
                f"which have no {pl}{extra}",
                f"having no {pl}{extra}",
            ]
            vp = [
                f"have no {pl}{extra}",
                f"don't have any {pl}{extra}",
                f"do not have {article(sing)} {sing}{extra}",
                f"have no {sing}{extra}",
            ]
        else:
            post = [
                f"with {pl}{extra}",
                f"with {article(sing)} {sing}{extra}",
                f"that have {pl}{extra}",
                f"having {article(sing)} {sing}{extra}",
            ]
            vp = [
                f"have {pl}{extra}",
                f"have {article(sing)} {sing}{extra}",
                f"contain {pl}{extra}",
            ]
        return Mod(vp, post)

    def _has_query(
        self, rel: Relation, rng: random.Random, aliases: _Aliases, outer: Col
    ) -> tuple[Q, Mod | None]:
        src = rel.source
        alias = aliases(src.table)
        conds: list[Any] = []
        cond_mod = None
        g = src.entity
        attrs = self.d.num_attrs(g) if src.table == g.table else []
        if attrs and rng.random() < 0.35:
            attr = rng.choice(attrs)
            n = threshold(attr.values, rng)
            conds.append(Cmp(self.d.col(src.table, attr.column, alias), ">", Lit(n, "num")))
            cond_mod = compare_mod(attr, ">", n, rng)
        elif g.major and src.table == g.table and rng.random() < 0.3:
            conds.append(Cmp(self.d.col(src.table, g.major[0], alias), ">", Lit(g.major[1], "num")))
            cond_mod = Mod(["are major"], ["that is major"])
        sub = Q(src.table, alias, (self.d.col(src.table, rel.column, alias),), tuple(conds))
        return sub, cond_mod

    def having_none(self, rng: random.Random) -> Meaning | None:
        """ "states with no lakes", "how many states have no major city"."""
        ent = self._entity(rng, lambda e: bool(self.d.refs_to(e)))
        if ent is None:
            return None
        rel = rng.choice(self.d.refs_to(ent))
        aliases = _Aliases()
        count = rng.random() < 0.2
        holder: dict[str, Any] = {}

        def conds(name: Col, alias: str) -> list[Any]:
            sub, holder["mod"] = self._has_query(rel, rng, aliases, name)
            return [InQuery(name, True, sub)]

        q = self._set_query(ent, aliases, conds, count)
        major = holder["mod"] is not None and holder["mod"].vp == ["are major"]

        def render(r: random.Random) -> str:
            mod = self._have_mods(rel, True, None if major else holder["mod"])
            if major:
                g = rel.source.entity
                mod = Mod(
                    [f"have no major {g.plural[0]}", f"don't have any major {g.plural[0]}"],
                    [
                        f"with no major {g.plural[0]}",
                        f"without a major {g.noun[0]}",
                        f"that have no major {g.plural[0]}",
                    ],
                )
            return ask_set(ent, [mod], r, count)

        return Meaning(q, render, ("negation",))

    def having_some(self, rng: random.Random) -> Meaning | None:
        """ "states that have a major city"."""
        ent = self._entity(rng, lambda e: bool(self.d.refs_to(e)))
        if ent is None:
            return None
        rel = rng.choice(self.d.refs_to(ent))
        aliases = _Aliases()
        holder: dict[str, Any] = {}

        def conds(name: Col, alias: str) -> list[Any]:
            sub, holder["mod"] = self._has_query(rel, rng, aliases, name)
            return [InQuery(name, False, sub)]

        q = self._set_query(ent, aliases, conds, False)
        if holder["mod"] is not None and holder["mod"].vp == ["are major"]:
            return None
        return Meaning(
            q,
            lambda r: ask_set(ent, [self._have_mods(rel, False, holder["mod"])], r),
            ("positive",),
        )

    def neither_nor(self, rng: random.Random) -> Meaning | None:
        """ "states that border neither texas nor oklahoma", "with neither lakes nor mountains"."""
        aliases = _Aliases()
        if rng.random() < 0.5:
            rel = self._relation(rng, shared=True) or self._relation(rng)
            if rel is None:
                return None
            ent = rel.source.entity
            v1, v2 = rng.sample(rel.values, k=2)

            def conds(name: Col, alias: str) -> list[Any]:
                return [
                    self._rel_cond(rel, v1, True, name, aliases),
                    self._rel_cond(rel, v2, True, name, aliases),
                ]

            q = self._set_query(ent, aliases, conds, rng.random() < 0.15, not ent.unique)

            def render(r: random.Random) -> str:
                vps, posts = [], []
                both = f"neither {v1} nor {v2}"
                for v in rel.verb:
                    head = v.replace("{v}", both)
                    vps.append(head)
                    posts.append(f"that {head}")
                for b in rel.be:
                    h1 = b.replace("{v}", both)
                    h2 = f"neither {b.replace('{v}', v1)} nor {b.replace('{v}', v2)}"
                    vps += [f"are {h1}", f"are {h2}"]
                    posts += [h1, h2]
                mods = [Mod(vps, posts)]
                if r.random() < 0.3:
                    m1, m2 = relation_mod(rel, v1, True), relation_mod(rel, v2, True)
                    mods = [
                        Mod(
                            [f"{m1.pick_vp(r)} and {m2.pick_vp(r)}"],
                            [f"{m1.pick_post(r)} and {m2.pick_post(r)}"],
                        )
                    ]
                return ask_set(ent, mods, r, isinstance(q.select[0], Agg))

            return Meaning(q, render, ("negation",))
        ent = self._entity(rng, lambda e: len({r.source.table for r in self.d.refs_to(e)}) >= 2)
        if ent is None:
            return None
        by_table = {r.source.table: r for r in self.d.refs_to(ent) if r.source.entity is not ent}
        if len(by_table) < 2:
            return None
        r1, r2 = (by_table[t] for t in rng.sample(sorted(by_table), k=2))

        def conds2(name: Col, alias: str) -> list[Any]:
            out = []
            for rel in (r1, r2):
                a = aliases(rel.source.table)
                out.append(
                    InQuery(
                        name,
                        True,
                        Q(rel.source.table, a, (self.d.col(rel.source.table, rel.column, a),)),
                    )
                )
            return out

        q = self._set_query(ent, aliases, conds2, rng.random() < 0.15)

        def render2(r: random.Random) -> str:
            g1, g2 = r1.source.entity, r2.source.entity
            a, b = r.choice(
                [
                    (g1.plural[0], g2.plural[0]),
                    (f"{article(g1.noun[0])} {g1.noun[0]}", f"{article(g2.noun[0])} {g2.noun[0]}"),
                ]
            )
            mod = Mod(
                [
                    f"have neither {a} nor {b}",
                    f"have no {g1.plural[0]} and no {g2.plural[0]}",
                    f"don't have {g1.plural[0]} or {g2.plural[0]}",
                ],
                [
                    f"with neither {a} nor {b}",
                    f"that have neither {a} nor {b}",
                    f"without {g1.plural[0]} or {g2.plural[0]}",
                    f"with no {g1.plural[0]} and no {g2.plural[0]}",
                ],
            )
            return ask_set(ent, [mod], r, isinstance(q.select[0], Agg))

        return Meaning(q, render2, ("negation",))

    def but_not(self, rng: random.Random) -> Meaning | None:
        """ "states bordering texas but not oklahoma"."""
        rel = self._relation(rng, shared=True)
        if rel is None:
            return None
        src, ent = rel.source, rel.source.entity
        v1 = rng.choice(rel.values)
        v2 = self._cooccurring(rel, v1, rng)
        if v2 is None:
            return None
        aliases = _Aliases()
        alias = aliases(src.table)
        subj = self.d.col(src.table, src.subject, alias)
        sub_alias = aliases(src.table)
        sub = Q(
            src.table,
            sub_alias,
            (self.d.col(src.table, src.subject, sub_alias),),
            (Cmp(self.d.col(src.table, rel.column, sub_alias), "=", Lit(v2, "text")),),
        )
        q = Q(
            src.table,
            alias,
            (subj,),
            (
                Cmp(self.d.col(src.table, rel.column, alias), "=", Lit(v1, "text")),
                InQuery(subj, True, sub),
            ),
            distinct=src.table == ent.table and not src.unique,
        )

        def render(r: random.Random) -> str:
            pos = relation_mod(rel, v1, False)
            p = pos.pick_post(r)
            return ask_set(
                ent,
                [
                    Mod(
                        [f"{pos.pick_vp(r)} but not {v2}"],
                        [f"{p} but not {v2}", f"{p} and not {v2}"]
                        + (
                            [f"{p} but not {_swap_value(p, v1, v2)}"]
                            if not p.startswith(("that", "which"))
                            else []
                        ),
                    )
                ],
                r,
            )

        return Meaning(q, render, ("negation",))

    def except_set(self, rng: random.Random) -> Meaning | None:
        """``... EXCEPT ...``: "states bordering texas except those bordering oklahoma"."""
        rel = self._relation(rng, shared=True)
        if rel is None:
            return None
        src, ent = rel.source, rel.source.entity
        v1 = rng.choice(rel.values)
        v2 = self._cooccurring(rel, v1, rng)
        if v2 is None:
            return None
        aliases = _Aliases()
        qs = []
        for v in (v1, v2):
            a = aliases(src.table)
            qs.append(
                Q(
                    src.table,
                    a,
                    (self.d.col(src.table, src.subject, a),),
                    (Cmp(self.d.col(src.table, rel.column, a), "=", Lit(v, "text")),),
                )
            )
        top = Except(qs[0], qs[1])

        def render(r: random.Random) -> str:
            m1, m2 = relation_mod(rel, v1, False), relation_mod(rel, v2, False)
            return ask_set(
                ent,
                [
                    Mod(
                        [m1.pick_vp(r)],
                        [
                            f"{m1.pick_post(r)} except those {m2.pick_post(r)}",
                            f"{m1.pick_post(r)} except the ones {m2.pick_post(r)}",
                            f"{m1.pick_post(r)} but not those {m2.pick_post(r)}",
                        ],
                    )
                ],
                r,
            )

        return Meaning(top, render, ("negation",))

    def not_exists(self, rng: random.Random) -> Meaning | None:
        """``NOT EXISTS``: "states without lakes" as a correlated subquery."""
        ent = self._entity(rng, lambda e: bool(self.d.refs_to(e)))
        if ent is None:
            return None
        rel = rng.choice(self.d.refs_to(ent))
        aliases = _Aliases()

        def conds(name: Col, alias: str) -> list[Any]:
            a = aliases(rel.source.table)
            sub = Q(
                rel.source.table,
                a,
                ("*",),
                (Cmp(self.d.col(rel.source.table, rel.column, a), "=", name),),
            )
            return [Not(Exists(sub))]

        q = self._set_query(ent, aliases, conds, False)
        return Meaning(
            q, lambda r: ask_set(ent, [self._have_mods(rel, True, None)], r), ("negation",)
        )

    def _superlative(self, rng: random.Random, exclude: bool) -> Meaning | None:
        ent = self._entity(rng, lambda e: bool(self.d.num_attrs(e, comparable=True)))
        if ent is None:
            return None
        attr = rng.choice(self.d.num_attrs(ent, comparable=True))
        fn = rng.choice(["MAX", "MIN"])
        rels = self.d.relations_of(ent, own=True)
        rel = rng.choice(rels) if rels and rng.random() < (0.3 if exclude else 0.45) else None
        value = rng.choice(rel.values) if rel else None
        unique_rels = [r for r in rels if r.source.unique]
        excl_rel = bool(rng.random() < 0.3 and exclude and unique_rels and rel is None)
        if excl_rel:
            rel = rng.choice(unique_rels)
            value = rng.choice(rel.values)
        excluded = self._name(ent, rng) if exclude and not excl_rel else None
        others = [
            a
            for a in self.d.attributes
            if a.source.table == ent.table and a.source.subject == ent.name and a is not attr
        ]
        out_attr = rng.choice(others) if others and rng.random() < 0.25 and not exclude else None
        aliases = _Aliases()
        alias = aliases(ent.table)
        sub_alias = aliases(ent.table)

        def restrict(a: str) -> list[Any]:
            conds: list[Any] = []
            if rel is not None:
                conds.append(
                    Cmp(
                        self.d.col(ent.table, rel.column, a),
                        "<>" if excl_rel else "=",
                        Lit(value, "text"),
                    )
                )
            if excluded is not None:
                conds.append(Cmp(self.d.col(ent.table, ent.name, a), "<>", Lit(excluded, "text")))
            return conds

        sub = Q(
            ent.table,
            sub_alias,
            (Agg(fn, self.d.col(ent.table, attr.column, sub_alias)),),
            tuple(restrict(sub_alias)),
        )
        sel = self.d.col(ent.table, out_attr.column if out_attr else ent.name, alias)
        q = Q(
            ent.table,
            alias,
            (sel,),
            (Cmp(self.d.col(ent.table, attr.column, alias), "=", sub), *restrict(alias)),
            distinct=not ent.unique and rng.random() < 0.5,
        )

        def render(r: random.Random) -> str:
            noun = r.choice(ent.noun)
            adjs = attr.most if fn == "MAX" else attr.least
            nouns = attr.most_noun if fn == "MAX" else attr.least_noun
            an = r.choice(attr.noun)
            top_np = [f"the {r.choice(adjs)} {noun}"] if adjs else []
            top_np += [f"the {noun} with {r.choice(nouns)}"] if nouns else []
            top_np += [
                f"the {noun} with the {'largest' if fn == 'MAX' else 'smallest'} {an}",
                f"the {noun} with the {'highest' if fn == 'MAX' else 'lowest'} {an}",
            ]
            np = r.choice(top_np)
            tail = ""
            if rel is not None:
                m = relation_mod(rel, value, excl_rel)
                tail = " " + m.pick_post(r, singular=True)
            if excluded is not None:
                ex = r.choice(
                    [
                        "other than",
                        "except",
                        "except for",
                        "besides",
                        "excluding",
                        "apart from",
                        "not counting",
                        "aside from",
                        "that is not",
                    ]
                )
                if r.random() < 0.2:
                    lead = r.choice(
                        [
                            "excluding",
                            "except for",
                            "besides",
                            "not counting",
                            "apart from",
                            "other than",
                        ]
                    )
                    return f"{lead} {excluded}, " + r.choice(
                        [
                            f"which {noun} is the {r.choice(adjs) if adjs else 'top'}",
                            f"what is {np}{tail}",
                        ]
                    )
                tail += f" {ex} {excluded}"
            if out_attr is not None:
                return r.choice(
                    [
                        f"what is the {r.choice(out_attr.noun)} of {np}{tail}",
                        f"the {r.choice(out_attr.noun)} of {np}{tail}",
                        f"give me the {r.choice(out_attr.noun)} of {np}{tail}",
                    ]
                )
            frames = [
                f"what is {np}{tail}",
                f"which is {np}{tail}",
                f"name {np}{tail}",
                f"{np}{tail}",
                f"give me {np}{tail}",
                f"find {np}{tail}",
                f"tell me {np}{tail}",
            ]
            if adjs:
                frames.append(f"which {noun}{tail} is the {r.choice(adjs)}")
            if nouns:
                frames.append(f"which {noun}{tail} has {r.choice(nouns)}")
            return r.choice(frames)

        return Meaning(
            q, render, ("superlative", "negation") if exclude or excl_rel else ("superlative",)
        )

    def superlative(self, rng: random.Random) -> Meaning | None:
        """ "the largest state", "the city with the most people in texas"."""
        return self._superlative(rng, exclude=False)

    def superlative_except(self, rng: random.Random) -> Meaning | None:
        """ "the largest state other than alaska", "the highest mountain not in alaska"."""
        return self._superlative(rng, exclude=True)

    def negated_compare(self, rng: random.Random) -> Meaning | None:
        """ "rivers not longer than 500", "cities in texas that aren't major"."""
        ent = self._entity(rng, lambda e: bool(self.d.num_attrs(e)))
        if ent is None:
            return None
        major = ent.major is not None and rng.random() < 0.35
        attr = next(
            (a for a in self.d.num_attrs(ent) if major and ent.major and a.column == ent.major[0]),
            None,
        ) or rng.choice(self.d.num_attrs(ent))
        major = major and ent.major is not None and attr.column == ent.major[0]
        n = ent.major[1] if major and ent.major else threshold(attr.values, rng)
        op = "<=" if major or rng.random() < 0.7 else ">="
        rels = self.d.relations_of(ent, own=True)
        rel = rng.choice(rels) if rels and rng.random() < 0.4 else None
        value = rng.choice(rel.values) if rel else None
        count = rng.random() < 0.15

        def conds(name: Col, alias: str) -> list[Any]:
            out: list[Any] = []
            if rel is not None:
                out.append(Cmp(self.d.col(ent.table, rel.column, alias), "=", Lit(value, "text")))
            out.append(Cmp(self.d.col(ent.table, attr.column, alias), op, Lit(n, "num")))
            return out

        q = self._set_query(ent, _Aliases(), conds, count, not ent.unique)

        def render(r: random.Random) -> str:
            mod = compare_mod(attr, op, n, r)
            if major:
                mod = Mod(
                    ["are not major", "aren't major", "are not big"],
                    ["that are not major", "that aren't major", "which are not major"],
                )
            mods = [mod] if rel is None else [relation_mod(rel, value, False), mod]
            return ask_set(ent, mods, r, count)

        return Meaning(q, render, ("negation",))

    def major(self, rng: random.Random) -> Meaning | None:
        """ "major cities in texas"."""
        ent = self._entity(rng, lambda e: e.major is not None)
        if ent is None or ent.major is None:
            return None
        col, above = ent.major
        rels = self.d.relations_of(ent, own=True)
        rel = rng.choice(rels) if rels and rng.random() < 0.6 else None
        value = rng.choice(rel.values) if rel else None

        def conds(name: Col, alias: str) -> list[Any]:
            out: list[Any] = [Cmp(self.d.col(ent.table, col, alias), ">", Lit(above, "num"))]
            if rel is not None:
                out.append(Cmp(self.d.col(ent.table, rel.column, alias), "=", Lit(value, "text")))
            return out

        q = self._set_query(ent, _Aliases(), conds, False, not ent.unique)

        def render(r: random.Random) -> str:
            noun = r.choice(ent.plural)
            tail = f" {relation_mod(rel, value, False).pick_post(r)}" if rel else ""
            return r.choice(
                [
                    f"major {noun}{tail}",
                    f"what are the major {noun}{tail}",
                    f"which {noun}{tail} are major",
                    f"list the major {noun}{tail}",
                    f"name the major {noun}{tail}",
                ]
            )

        return Meaning(q, render, ("positive",))


def _join_or(vals: Sequence[str], rng: random.Random) -> str:
    conj = rng.choice(["or", "and"])
    return ", ".join(vals[:-1]) + f" {conj} {vals[-1]}" if len(vals) > 1 else vals[0]


def _swap_value(text: str, old: str, new: str) -> str:
    return re.sub(rf"\b{re.escape(old)}\b", new, text)


def _sql_str(value: str) -> str:
    return '"' + value.replace('"', '\\"') + '"'


# ---------------------------------------------------------------- steering the grammar


@dataclass
class _Frame:
    rule: str
    target: Any
    queue: list[Any] | None = None


@dataclass
class _State:
    meaning: Meaning
    stack: list[_Frame] = field(default_factory=list)


class SqlPolicy(SamplingPolicy):
    """Steers derivations of a database's specialised grammar to spell sampled plans."""

    def __init__(self, env: SqlEnvironment) -> None:
        self.env = env
        self.domain = Domain(env)
        self.planner = Planner(self.domain)
        parser = env.grammar().parser()
        self.table_index: dict[str, str] = {}
        self.column_term: dict[str, str] = {}
        for t in parser.terminals:
            if re.fullmatch(r"TABLE\d+", t.name):
                self.table_index[t.pattern.value.lower()] = t.name[5:]
            elif re.fullmatch(r"COL\d+", t.name):
                self.column_term[t.pattern.value.lower()] = t.name

    def begin(self, rng: random.Random) -> _State:
        from parseinstr.synthesis import Rejected

        meaning = self.planner.plan(rng)
        if meaning is None:
            raise Rejected("no plan")
        return _State(meaning)

    def enter(self, rule: str, state: _State) -> None:
        parent = state.stack[-1] if state.stack else None
        if parent is None:
            target: Any = state.meaning.top
        elif parent.queue is not None:
            target = parent.queue.pop(0)
        else:
            target = parent.target
        state.stack.append(_Frame(rule, target))

    def leave(self, rule: str, text: str, state: _State) -> None:
        state.stack.pop()

    def weights(self, rule: str, expansions: Sequence[Expansion], state: _State) -> list[float]:
        t = state.stack[-1].target
        return [1.0 if self._wanted(rule, e, t) else 0.0 for e in expansions]

    def chosen(self, expansion: Expansion, state: _State) -> None:
        frame = state.stack[-1]
        queue = self._children(expansion, frame.target)
        if queue is not None:
            frame.queue = queue

    def separator(self, left: str, right: str) -> str:
        if left.startswith("QUALIFIER") or (
            left in ("COUNT", "MINMAX", "NUM_AGG") and right == "LPAR"
        ):
            return ""
        return " "

    def finish(self, state: _State) -> Meaning:
        return state.meaning

    # ------------------------------------------------------------ which expansion
    def _wanted(self, rule: str, e: Expansion, t: Any) -> bool:  # noqa: C901 - one table
        syms, label = e.symbols, e.label
        if rule == "start":
            return syms == ("query", "SEMICOLON")
        if rule in ("query", "num_query", "str_query"):
            return len(syms) == 1
        if rule in ("compound", "num_compound", "str_compound"):
            return (len(syms) == 3) == isinstance(t, Except)
        if rule == "set_op":
            return label == "except_"
        if rule in ("select_core", "num_core", "str_core"):
            return ("DISTINCT" in syms) == bool(t.distinct)
        if rule == "select_list":
            if t.items == ("*",):
                return syms == ("STAR",)
            return len(syms) == min(len(t.items), 2) and "STAR" not in syms
        if rule.startswith("__") and isinstance(t, _Items):
            return (syms[0].startswith("__")) == (len(t.items) > 1)
        if rule == "select_item":
            return syms[0] == ("num_item" if t.kind == "num" else "str_expr")
        if rule == "num_item":
            return len(syms) == 1
        if rule == "select_tail":
            return syms == (("from_clause", "where_clause") if t.conds else ("from_clause",))
        if rule == "from_clause":
            return syms == ("FROM", "join_source")
        if rule == "join_source":
            return syms == ("from_item",)
        if rule == "from_item":
            return syms == ("table_ref",)
        if rule in ("condition", "str_expr", "where_clause"):
            return True
        if rule == "or_cond":
            return label != "or_"
        if rule == "table_ref":
            i = self.table_index[t.table]
            return syms == (f"TABLE{i}", "AS", f"ALIAS{i}")
        if rule == "and_cond":
            return (label == "and_") == (len(t.items) > 1)
        if rule == "not_cond":
            return (label == "not_") == isinstance(t, Not)
        if rule == "predicate":
            return self._predicate(e, t)
        if rule == "any_expr":
            return syms[0] == ("num_expr" if t.kind == "num" else "str_expr")
        if rule in ("num_expr", "num_term", "num_factor"):
            return len(syms) == 1
        if rule == "num_atom":
            if isinstance(t, Col):
                return syms == ("num_col",)
            if isinstance(t, Lit):
                return syms == ("num_literal",)
            if isinstance(t, Agg):
                return syms == ("num_agg",)
            return label == "scalar_subquery" and isinstance(t, Q)
        if rule == "str_atom":
            if isinstance(t, Col):
                return syms == ("str_col",)
            if isinstance(t, Lit):
                return label == "str_literal"
            return label == "scalar_subquery" and isinstance(t, Q)
        if rule in ("num_col", "str_col"):
            i = self.table_index[t.table]
            return len(syms) == 2 and syms[0] == f"QUALIFIER{i}"
        if re.fullmatch(r"table\d+_(num|text)_column", rule):
            return syms == (self.column_term[t.column],)
        if rule == "num_agg":
            if t.fn == "COUNT":
                if t.arg is None:
                    return label == "count_star"
                return label == "count" and ("DISTINCT" in syms) == t.distinct
            head = "MINMAX" if t.fn in ("MAX", "MIN") else "NUM_AGG"
            return label == "aggregate" and syms[0] == head and ("DISTINCT" in syms) == t.distinct
        return rule == "num_literal"

    def _predicate(self, e: Expansion, t: Any) -> bool:
        syms, label = e.symbols, e.label
        if isinstance(t, Cmp):
            return label == ("num_compare" if t.left.kind == "num" else "str_compare")
        if isinstance(t, InList):
            want = "num_in_list" if t.left.kind == "num" else "str_in_list"
            star = any(s.startswith("__") for s in syms)
            return label == want and ("NOT" in syms) == t.neg and star == (len(t.values) > 1)
        if isinstance(t, InQuery):
            want = "num_in_query" if t.left.kind == "num" else "str_in_query"
            return label == want and ("NOT" in syms) == t.neg
        if isinstance(t, Exists):
            return label == "exists"
        return False

    # ------------------------------------------------------------ targets of the children
    def _children(self, e: Expansion, t: Any) -> list[Any] | None:  # noqa: C901 - one table
        rule, label = e.rule, e.label
        if rule in ("compound", "num_compound", "str_compound") and isinstance(t, Except):
            return [t.left, "except", t.right]
        if rule == "select_core":
            return [_Items(t.select), t]
        if rule in ("num_core", "str_core"):
            return [t.select[0], t]
        if rule == "select_list" and len(e.symbols) == 2:
            return [t.items[0], _Items(t.items[1:])]
        if rule == "select_list" and e.symbols == ("select_item",):
            return [t.items[0]]
        if rule.startswith("__") and isinstance(t, _Items):
            nonterm = [s for s, term in zip(e.symbols, e.is_terminal, strict=True) if not term]
            if len(nonterm) == 2:
                return [_Items(t.items[:-1]), t.items[-1]]
            if nonterm and nonterm[0].startswith("__"):
                return [_Items(t.items[:-1])]
            if nonterm:
                return [t.items[-1]]
            return None
        if rule == "select_tail":
            return [t, _Items(t.conds)] if t.conds else [t]
        if rule == "and_cond" and label == "and_":
            return [_Items(t.items[:-1]), t.items[-1]]
        if rule == "and_cond":
            return [t.items[0]]
        if rule == "not_cond" and label == "not_":
            return [t.inner]
        if rule == "predicate":
            if isinstance(t, Cmp):
                return [t.left, t.right]
            if isinstance(t, InQuery):
                return [t.left, t.sub]
            if isinstance(t, Exists):
                return [t.sub]
            if isinstance(t, InList):
                rest = _Items(t.values[1:])
                return [t.left, t.values[0], rest] if t.left.kind == "num" else [t.left, rest]
        if rule == "num_agg" and label != "count_star":
            return [t.arg]
        return None

    # ------------------------------------------------------------ terminals
    def spell(self, terminal: str, state: _State, rng: random.Random) -> str | None:
        frame = state.stack[-1]
        t = frame.target
        if terminal.startswith("QUALIFIER"):
            return f"{t.alias}."
        if re.fullmatch(r"COL\d+", terminal):
            return t.column.upper()
        if re.fullmatch(r"TABLE\d+", terminal):
            return t.table.upper()
        if re.fullmatch(r"ALIAS\d+", terminal):
            return t.alias
        if terminal == "COMP":
            return t.op
        if terminal in ("MINMAX", "NUM_AGG"):
            return t.fn
        if terminal == "NUMBER":
            return _number(t.value)
        if terminal == "STRING":
            if isinstance(t, InList):
                return _sql_str(str(t.values[0].value))
            if isinstance(t, _Items):
                return _sql_str(str(t.items[-1].value))
            return _sql_str(str(t.value))
        return None


def _number(value: Any) -> str:
    f = float(value)
    return str(int(f)) if f.is_integer() else repr(f)


# ---------------------------------------------------------------- English and triviality


def verbalize(env: SqlEnvironment, form: str, rng: random.Random, meta: Any = None) -> list[str]:
    """Up to four different sentences for ``form``: from its plan, or its explanation."""
    if isinstance(meta, Meaning):
        out: list[str] = []
        for _ in range(12):
            s = " ".join(meta.render(rng).split())
            if s not in out:
                out.append(s)
            if len(out) == 4:
                break
        return out
    try:
        return [env.explain(form)]
    except ParseInstrError:
        return []


def is_trivial(env: SqlEnvironment, form: str, denotation: SqlDenotation) -> bool:
    """Whether the outermost WHERE keeps every row (the query says nothing beyond its table)."""
    try:
        tree = sqlglot.parse_one(form.rstrip("; "), read="mysql")
    except sqlglot.errors.ParseError:
        return False
    select = tree.left if isinstance(tree, exp.Except) else tree
    if not isinstance(select, exp.Select) or select.args.get("where") is None:
        return False
    bare = select.copy()
    bare.set("where", None)
    try:
        everything = env.run_unchecked(bare.sql(dialect="mysql"))
    except ParseInstrError:
        return False
    from .sql import same_result

    if isinstance(tree, exp.Except):
        return False
    return same_result(everything, denotation)


def text2sql_records(examples: Sequence[Example]) -> list[dict[str, Any]]:
    """Examples as text2sql-data records (values filled in, split and part ``synthetic``)."""
    return [
        {
            "query-split": "synthetic",
            "tags": list(e.tags),
            "variables": [],
            "sql": [e.logical_form],
            "sentences": [{"text": e.instruction, "variables": {}, "question-split": "synthetic"}],
        }
        for e in examples
    ]
