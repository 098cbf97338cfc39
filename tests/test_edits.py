"""One-token edits read off the grammar, and the search that keeps the parser's favourite
consistent neighbour (used by self-training when the beam holds no consistent form)."""

from __future__ import annotations

from types import SimpleNamespace

from parseinstr.edits import instruction_ngrams, nearest_consistent, one_token_edits
from parseinstr.environments.sql import SqlEnvironment
from parseinstr.grammar import Grammar
from parseinstr.self_training import _edit_search

TINY = Grammar(
    "tiny",
    """
start: verb NAME
verb: "take" -> take
    | "drop" -> drop
NAME: /"[a-z ]+"/
%ignore " "
""",
)


def test_edits_replace_keywords_and_fill_values_from_the_instruction() -> None:
    edits = one_token_edits(TINY, 'take "red box"', "please drop the blue cup")
    assert 'drop "red box"' in edits  # a keyword of the same position
    assert 'take "blue cup"' in edits  # an n-gram of the instruction, quoted as NAME needs
    assert 'take "please drop the"' in edits  # up to three words
    assert 'take "red box"' not in edits  # the form itself is no neighbour
    assert all(TINY.accepts(e) for e in edits)
    assert len(edits) == len(set(edits))


def test_a_form_outside_the_grammar_has_no_neighbours() -> None:
    assert one_token_edits(TINY, "jump high", "jump") == []


def test_edits_respect_the_limit() -> None:
    assert len(one_token_edits(TINY, 'take "x"', "a b c d e f", limit=3)) == 3


def test_instruction_ngrams_in_order_of_first_use() -> None:
    assert instruction_ngrams("new york city", 2) == [
        "new",
        "york",
        "city",
        "new york",
        "york city",
    ]


def test_sql_edits_swap_columns_of_the_table_and_keep_qualifiers_apart(shop_db) -> None:
    form = "SELECT customer.name FROM customer WHERE customer.city = 'paris'"
    with SqlEnvironment(shop_db) as sql:
        edits = one_token_edits(sql.grammar(), form, "who lives in lyon")
    assert "SELECT customer.city FROM customer WHERE customer.city = 'paris'" in edits
    assert "SELECT customer.name FROM customer WHERE customer.city = 'lyon'" in edits
    assert "SELECT customer.name FROM customer WHERE customer.city <> 'paris'" in edits
    # a qualifier replaced by a keyword is spelt apart from the column that follows
    assert "SELECT distinct name FROM customer WHERE customer.city = 'paris'" in edits
    assert not any("distinctname" in e.lower() for e in edits)
    assert not any("product.name" in e for e in edits)  # product has no name column


def test_nearest_consistent_keeps_the_best_scoring_consistent_neighbour() -> None:
    ran: list[str] = []

    def run(form: str) -> str:
        ran.append(form)
        return form.split()[0]

    best = nearest_consistent(
        TINY,
        ['take "red box"'],
        "red box or blue cup",
        run,
        lambda form, den: den == "take" and "box" not in form,
        lambda forms: [1.0 if "blue cup" in f else 0.0 for f in forms],
    )
    assert best == 'take "blue cup"'
    assert ran  # neighbours were executed
    none = nearest_consistent(TINY, ['take "x"'], "y", run, lambda f, d: False, lambda fs: [])
    assert none is None


class _Scorer:
    """A parser stand-in that prefers forms naming the instruction's words."""

    def score_forms(self, instructions, envs, forms):
        return [sum(w in f for w in i.split()) for i, f in zip(instructions, forms, strict=True)]


def test_edit_search_finds_a_form_one_token_from_the_candidate(shop_db) -> None:
    with SqlEnvironment(shop_db) as sql:
        gold = "SELECT customer.name FROM customer WHERE customer.city = 'lyon'"
        item = SimpleNamespace(env=sql, instruction="who lives in lyon", expected=sql.execute(gold))
        wrong = SimpleNamespace(
            form="SELECT customer.name FROM customer WHERE customer.city = 'paris'"
        )
        assert _edit_search(_Scorer(), item, [wrong]) in {gold, gold.replace("'", '"')}
        far = SimpleNamespace(form="SELECT product.title FROM product")
        assert _edit_search(_Scorer(), item, [far]) is None


def test_a_deleted_token_leaves_one_space_and_literals_stay_as_written() -> None:
    grammar = Grammar(
        "words",
        """
start: WORD+ NAME?
WORD: "very" | "big" | "red"
NAME: /"[a-z ]+"/
%ignore " "
""",
    )
    edits = one_token_edits(grammar, 'very big red "a  b"')
    assert 'very red "a  b"' in edits  # "big" deleted: one space left, the literal untouched
    assert "very big red" in edits
