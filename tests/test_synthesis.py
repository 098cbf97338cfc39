"""Synthetic data (issue #12): the grammar sampler, SQL plans and English, CLI, training mix."""

from __future__ import annotations

import json
import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parseinstr import Grammar, get_environment, get_task
from parseinstr.cli import main
from parseinstr.environments.sql import SqlEnvironment
from parseinstr.environments.sql_synth import (
    SqlPolicy,
    is_trivial,
    number_words,
    third_person,
)
from parseinstr.synthesis import (
    DerivationSampler,
    SamplingPolicy,
    ValuePolicy,
    synthesize,
    synthetic_examples,
)

from conftest import DATA, GEO


@pytest.fixture(scope="module")
def geo_env():
    env = SqlEnvironment(GEO / "geography.sqlite")
    yield env
    env.close()


@pytest.fixture(scope="module")
def geo_policy(geo_env):
    return SqlPolicy(geo_env)


@pytest.fixture(scope="module")
def geo_sample(geo_env):
    examples, report = synthesize(geo_env, 400, seed=11)
    return examples, report


# ---------------------------------------------------------------- the generic sampler


def test_default_policy_samples_sentences_of_the_grammar():
    g = Grammar(
        "demo",
        'start: item ("and" item)*\nitem: "walk" | "jump" NUMBER\nNUMBER: /[0-9]+/\n%ignore " "',
    )
    sampler = DerivationSampler(g, ValuePolicy({"NUMBER": ["3", "12"]}), seed=1, max_depth=4)
    forms = [s.form for s in sampler.samples(30)]
    assert len(forms) == 30
    assert all(g.accepts(f) for f in forms)
    assert {n for f in forms for n in re.findall(r"[0-9]+", f)} <= {"3", "12"}


def test_depth_budget_bounds_recursion():
    g = Grammar("deep", 'start: "(" start ")" | "x"\n%ignore " "')
    forms = [s.form for s in DerivationSampler(g, seed=0, max_depth=3).samples(50)]
    assert max(f.count("(") for f in forms) <= 4


def test_size_budget_rejects_long_derivations():
    g = Grammar("long", 'start: "a" start | "a"\n%ignore " "')

    class Always(SamplingPolicy):
        def weights(self, rule, expansions, state):
            return [1.0 if len(e.symbols) == 2 else 0.0 for e in expansions]

    assert DerivationSampler(g, Always(), max_depth=1000, max_size=20).sample() is None


def test_weights_steer_expansions():
    g = Grammar("w", 'start: "walk" | "run"\n%ignore " "')
    forms = {
        s.form for s in DerivationSampler(g, ValuePolicy(weights={"start": 1.0}), 0).samples(5)
    }
    assert forms <= {"walk", "run"}

    class OnlyRun(SamplingPolicy):
        def weights(self, rule, expansions, state):
            return [
                1.0 if e.symbols == ("RUN",) or "run" in e.symbols[0].lower() else 0.0
                for e in expansions
            ]

    sampler = DerivationSampler(g, OnlyRun(), seed=0)
    assert {s.form for s in sampler.samples(5)} <= {"run"}


def test_grid_environment_with_the_default_policy():
    env = get_environment("grid")()
    examples, report = synthesize(env, 10, seed=2, max_depth=6)
    assert len(examples) == 10
    for e in examples:
        env.parse(e.logical_form)
        assert not env.execute(e.logical_form).is_empty()
    assert report.forms == 10


# ---------------------------------------------------------------- SQL: grammar and execution


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(min_value=0, max_value=2**31 - 1))
def test_sql_sampler_never_leaves_the_grammar(geo_env, geo_policy, seed):
    """Property: every sampled query is in the specialised grammar and executes."""
    grammar = geo_env.grammar()
    for sample in DerivationSampler(grammar, geo_policy, seed=seed).samples(8):
        assert grammar.accepts(sample.form), sample.form
        geo_env.execute(sample.form)


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(min_value=0, max_value=2**31 - 1))
def test_synthesized_forms_execute_to_something(geo_env, seed):
    examples, _ = synthesize(geo_env, 6, seed=seed)
    assert examples
    for e in examples:
        assert geo_env.grammar().accepts(e.logical_form)
        denotation = geo_env.execute(e.logical_form)
        assert not denotation.is_empty()
        assert not is_trivial(geo_env, e.logical_form, denotation)


def test_forms_follow_text2sql_data_spelling(geo_sample):
    examples, _ = geo_sample
    for e in examples:
        assert e.logical_form.startswith("SELECT ") and e.logical_form.endswith(" ;")
        assert re.search(r"\b[A-Z_]+alias0\.[A-Z_]+\b", e.logical_form)


def test_one_form_per_denotation(geo_env, geo_sample):
    examples, report = geo_sample
    forms = list(dict.fromkeys(e.logical_form for e in examples))
    keys = {json.dumps(geo_env.execute(f).to_json(), sort_keys=True, default=str) for f in forms}
    assert len(keys) == len(forms) == report.forms


def test_trivial_where_is_detected(geo_env):
    form = "SELECT STATEalias0.STATE_NAME FROM STATE AS STATEalias0 WHERE STATEalias0.AREA > 0 ;"
    assert is_trivial(geo_env, form, geo_env.execute(form))
    form = 'SELECT STATEalias0.STATE_NAME FROM STATE AS STATEalias0 WHERE STATEalias0.STATE_NAME <> "texas" ;'
    assert not is_trivial(geo_env, form, geo_env.execute(form))


def test_same_seed_same_examples(geo_env):
    a, _ = synthesize(geo_env, 30, seed=5)
    b, _ = synthesize(geo_env, 30, seed=5)
    c, _ = synthesize(geo_env, 30, seed=6)
    assert a == b
    assert a != c


# ---------------------------------------------------------------- SQL: constructions and English


def test_negations_are_favoured_and_varied(geo_sample):
    examples, _ = geo_sample
    negated = [e for e in examples if "negation" in e.tags]
    assert len(negated) > len(examples) / 2
    forms = " ".join(e.logical_form for e in negated)
    for construct in ("NOT IN ( SELECT", 'NOT IN ( "', "<>", "<=", "EXCEPT", "NOT EXISTS"):
        assert construct in forms, construct
    text = " \n ".join(e.instruction for e in negated)
    for word in (
        "not",
        "no",
        "never",
        "except",
        "other than",
        "excluding",
        "besides",
        "without",
        "neither",
        "nor",
        "but not",
        "don't",
        "aren't",
        "doesn't",
    ):
        assert re.search(rf"(^|\s){re.escape(word)}(\s|$)", text, re.M), word


def test_superlatives_and_numbers_in_words(geo_sample):
    examples, _ = geo_sample
    sup = [e for e in examples if "superlative" in e.tags]
    assert sup and all("MAX(" in e.logical_form or "MIN(" in e.logical_form for e in sup)
    assert any(re.search(r"\b(thousand|million|hundred)\b", e.instruction) for e in examples)
    assert any(re.search(r"\b[0-9]{3,}\b", e.instruction) for e in examples)


def test_questions_and_commands(geo_sample):
    text = [e.instruction for e in geo_sample[0]]
    assert any(t.startswith(("which ", "what ", "how many ")) for t in text)
    assert any(t.startswith(("list ", "name ", "give me ", "show ")) for t in text)


def test_negated_questions_mean_their_sql(geo_env):
    """Spot checks: a negated sentence and its query agree on a known fact."""
    examples, _ = synthesize(geo_env, 300, seed=3)
    for e in examples:
        m = re.fullmatch(r"which states (?:do not|don't|never) border (\w+)", e.instruction)
        if m:
            rows = {r[0] for r in geo_env.execute(e.logical_form).rows}
            borders = {
                r[0]
                for r in geo_env.execute(
                    f"SELECT BORDER_INFOalias0.BORDER FROM BORDER_INFO AS BORDER_INFOalias0 "
                    f'WHERE BORDER_INFOalias0.STATE_NAME = "{m.group(1)}" ;'
                ).rows
            }
            assert not rows & borders


def test_english_helpers():
    assert number_words(150000) == "one hundred fifty thousand"
    assert number_words(1000000) == "one million"
    assert number_words(750) == "seven hundred fifty"
    assert third_person("run through texas") == "runs through texas"
    assert third_person("cross utah") == "crosses utah"


def test_database_without_lexicon(shop_db):
    with SqlEnvironment(shop_db) as env:
        examples, _ = synthesize(env, 12, seed=0)
        assert examples
        for e in examples:
            assert not env.execute(e.logical_form).is_empty()


def test_verbalize_without_plan_falls_back_to_the_renderer(geo_env):
    form = 'SELECT STATEalias0.CAPITAL FROM STATE AS STATEalias0 WHERE STATEalias0.STATE_NAME = "texas" ;'
    assert geo_env.verbalize(form, random.Random(0)) == [geo_env.explain(form)]


# ---------------------------------------------------------------- tasks, CLI, training


def test_synthetic_examples_for_a_task():
    task = get_task("text2sql").from_options(data=GEO / "geography.json", part="train")
    examples, report = synthetic_examples(task, 10, seed=1)
    assert len(examples) == 10 and report.examples == 10
    assert all("synthetic" in e.tags for e in examples)
    assert {e.instance_key for e in examples} == {task.examples()[0].instance_key}


def test_cli_synthesize_writes_text2sql_data(tmp_path, capsys):
    out = tmp_path / "synthetic.json"
    code = main(
        [
            "synthesize",
            "text2sql",
            "--data",
            str(GEO / "geography.json"),
            "--n",
            "12",
            "--seed",
            "4",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    assert "wrote 12 synthetic" in capsys.readouterr().out
    task = get_task("text2sql").from_options(data=out, db=GEO / "geography.sqlite")
    examples = task.examples()
    assert len(examples) == 12
    env = task.environment_for(examples[0])
    for e in examples:
        assert not env.execute(e.logical_form).is_empty()


def test_training_mixes_synthetic_examples(tmp_path, shop_db):
    from parseinstr.model import ModelSpec
    from parseinstr.training import TrainConfig, train_parser

    task = get_task("text2sql").from_options(data=DATA / "shop.json", db=shop_db)
    synth, _ = synthetic_examples(task, 20, seed=0)
    tiny = ModelSpec(d_model=32, encoder_layers=1, decoder_layers=1, heads=2, ff=64)
    config = TrainConfig(
        epochs=2,
        batch_size=8,
        input_vocab=200,
        output_vocab=300,
        synthetic_ratio=0.5,
        synthetic_schedule="first",
    )
    card = train_parser(task, tmp_path / "m", tiny, config, log=lambda m: None, synthetic=synth)
    assert card["synthetic"] == {
        "n": 20,
        "per_epoch": card["synthetic"]["per_epoch"],
        "schedule": "first",
    }
    assert 0 < card["synthetic"]["per_epoch"] <= 20
    assert card["n_validation"] == len(task.examples()) - card["n_train"]


def test_cli_rejects_unknown_schedule(tmp_path, shop_db, capsys):
    code = main(
        [
            "train",
            "text2sql",
            "--data",
            str(DATA / "shop.json"),
            "--db",
            str(shop_db),
            "--out",
            str(tmp_path / "m"),
            "--synthetic",
            "5",
            "--synthetic-schedule",
            "late",
        ]
    )
    assert code != 0
    assert "--synthetic-schedule" in capsys.readouterr().err
