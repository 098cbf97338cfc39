"""Reconstruction reranking: p(instruction | form), its weight, and the parser using it."""

from __future__ import annotations

import json
import math
import shutil
import sqlite3

import pytest

from parseinstr import ModelError, get_task
from parseinstr.cli import main
from parseinstr.environments.sql import SqlEnvironment
from parseinstr.model import ModelSpec
from parseinstr.parser import Parser
from parseinstr.reconstruction import (
    CARD,
    FOLDER,
    Reconstructor,
    ReconstructorConfig,
    rerank_order,
    train_reconstructor,
)
from parseinstr.reranking import MENTION_WEIGHTS, WEIGHTS, attach_reconstructor, held_out_split
from parseinstr.training import TrainConfig, train_parser

from conftest import DATA

TINY_REC = ReconstructorConfig(
    d_model=32, layers=1, heads=2, dropout=0.0, epochs=150, batch_size=4, lr=3e-3
)
FAST_REC = ReconstructorConfig(d_model=32, layers=1, heads=2, epochs=5, batch_size=4, lr=3e-3)
TINY = ModelSpec(d_model=32, encoder_layers=1, decoder_layers=1, heads=2, ff=64, dropout=0.0)
PAIRS = [
    ("SELECT name FROM customers ;", "list the customer names"),
    ("SELECT COUNT( * ) FROM customers ;", "how many customers are there"),
    ("SELECT name FROM products ;", "list the product names"),
    ("SELECT COUNT( * ) FROM products ;", "how many products are there"),
]


@pytest.fixture(scope="module")
def reconstructor():
    return train_reconstructor(PAIRS, TINY_REC, log=lambda m: None)


def test_reconstructor_prefers_the_form_that_explains_the_instruction(reconstructor):
    for form, text in PAIRS:
        others = [f for f, _ in PAIRS if f != form]
        scores = reconstructor.score([form, *others], [text] * len(PAIRS))
        assert scores[0] == max(scores), (text, scores)


def test_reconstructor_round_trips_through_safetensors(reconstructor, tmp_path):
    reconstructor.card["weight"] = 0.5
    reconstructor.save(tmp_path / FOLDER)
    assert (tmp_path / FOLDER / "model.safetensors").is_file()
    loaded = Reconstructor.load(tmp_path / FOLDER)
    forms, texts = [f for f, _ in PAIRS], [t for _, t in PAIRS]
    assert loaded.score(forms, texts) == pytest.approx(reconstructor.score(forms, texts))
    assert loaded.weight == 0.5


def test_half_reconstructor_scores_nearly_the_same(reconstructor, tmp_path):
    reconstructor.save(tmp_path / FOLDER, half=True)
    full = tmp_path / "full"
    reconstructor.save(full)
    size = (tmp_path / FOLDER / "model.safetensors").stat().st_size
    assert size < 0.6 * (full / "model.safetensors").stat().st_size
    loaded = Reconstructor.load(tmp_path / FOLDER)
    forms, texts = [f for f, _ in PAIRS], [t for _, t in PAIRS]
    assert loaded.score(forms, texts) == pytest.approx(reconstructor.score(forms, texts), abs=0.02)


def test_broken_reconstructor_is_a_model_error(tmp_path):
    (tmp_path / FOLDER).mkdir()
    (tmp_path / FOLDER / CARD).write_text("{}")
    with pytest.raises(ModelError, match="reconstructor"):
        Reconstructor.load(tmp_path / FOLDER)


def test_rerank_order_adds_the_weighted_reconstruction_score():
    scores, recs = [-0.1, -0.2, -0.3], [-3.0, -1.0, -2.0]
    assert rerank_order(scores, recs, 0.0) == [0, 1, 2]
    assert rerank_order(scores, recs, 1.0) == [1, 2, 0]
    assert rerank_order([-0.1, -math.inf], [-9.0, 0.0], 10.0) == [0, 1]


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """A tiny parser trained on the shop questions, and its database."""
    folder = tmp_path_factory.mktemp("rerank")
    db = folder / "shop.sqlite"
    conn = sqlite3.connect(db)
    conn.executescript((DATA / "shop.sql").read_text())
    conn.close()
    task = get_task("text2sql").from_options(data=DATA / "shop.json", db=db)
    config = TrainConfig(
        epochs=40, batch_size=4, eval_every=40, input_vocab=200, output_vocab=300, lr=3e-3
    )
    train_parser(task, folder / "model", TINY, config, log=lambda m: None)
    return folder / "model", db, task


def test_attach_fits_a_weight_on_the_parsers_held_out_examples(shop):
    model, db, task = shop
    card = attach_reconstructor(model, task, FAST_REC, beams=3, log=lambda m: None)
    assert card["weight"] in WEIGHTS
    assert set(card["validation"]) == {str(w) for w in WEIGHTS}
    # The worth of a mention written is fitted too, the smallest among equals.
    by_m = card["validation_by_mention_weight"]
    assert set(by_m) == {str(m) for m in MENTION_WEIGHTS}
    assert card["mention_weight"] in MENTION_WEIGHTS
    assert by_m[str(card["mention_weight"])] == max(by_m.values())
    # The weight has the best held-out accuracy and, among weights as accurate, ranks the
    # right candidates highest (the smaller weight on a tie).
    acc, ll = card["validation"], card["validation_log_likelihood"]
    chosen = str(card["weight"])
    assert acc[chosen] == max(acc.values())
    ties = [w for w in acc if acc[w] == acc[chosen]]
    assert ll[chosen] == max(ll[w] for w in ties)
    assert all(float(w) > card["weight"] for w in ties if ll[w] == ll[chosen] and w != chosen)
    parser = Parser.load(model)
    train, held = held_out_split(parser, task)
    assert card["n_validation"] == len(held) and card["n_train"] == len(train)
    assert parser.reconstructor is not None


def test_parser_reranks_its_nbest_with_the_reconstructor(shop):
    model, db, _ = shop
    attach_reconstructor(
        model,
        get_task("text2sql").from_options(data=DATA / "shop.json", db=db),
        FAST_REC,
        beams=3,
        log=lambda m: None,
    )
    card_path = model / FOLDER / CARD
    card = json.loads(card_path.read_text())
    card["weight"] = 5.0  # strong enough to reorder
    card_path.write_text(json.dumps(card))
    reranked = Parser.load(model)
    plain = Parser.load(model)
    plain.reconstructor = None
    question = "how many customers are there"
    with SqlEnvironment(db) as env:
        base = plain.parse_batch([question], [env], 4)[0]
        got = reranked.parse_batch([question], [env], 4)[0]
    recs = reranked.reconstructor.score([c.form for c in base], [question] * len(base))
    want = sorted(
        ((c.form, c.score + 5.0 * r) for c, r in zip(base, recs, strict=True)),
        key=lambda fs: -fs[1],
    )
    assert [c.form for c in got] == [f for f, _ in want]
    assert [c.score for c in got] == pytest.approx([s for _, s in want])


def test_cli_reconstructor_writes_the_folder(shop, capsys):
    model, db, _ = shop
    code = main(
        [
            "reconstructor",
            "text2sql",
            "--data",
            str(DATA / "shop.json"),
            "--db",
            str(db),
            "--model",
            str(model),
            "--epochs",
            "3",
            "--beams",
            "2",
        ]
    )
    assert code == 0
    assert "weight" in capsys.readouterr().out
    assert (model / FOLDER / "model.safetensors").is_file()


def test_reconstruction_input_asks_the_environment_and_falls_back_to_the_form():
    from parseinstr.environments.sheet import SheetEnvironment
    from parseinstr.reconstruction import reconstruction_input

    env = SheetEnvironment.from_cells({"A1": "Name", "B1": "Age", "A2": "Ann", "B2": 30})
    assert reconstruction_input(env, "set B2 = 31") == "set B2 (Age of Ann) = 31"
    assert reconstruction_input(None, "set B2 = 31") == "set B2 = 31"

    class Broken(SheetEnvironment):
        def reconstruction_text(self, form):
            raise ModelError("cannot read it")

    broken = Broken.from_cells({"A1": "Name"})
    assert reconstruction_input(broken, "set B2 = 31") == "set B2 = 31"


def test_an_ensemble_folder_reranks_with_its_own_reconstructor(shop, reconstructor, tmp_path):
    from parseinstr.ensemble import write_ensemble

    model, db, _ = shop
    folder = tmp_path / "ens"
    folder.mkdir()
    shutil.copytree(model, folder / "member-0", ignore=shutil.ignore_patterns(FOLDER))
    write_ensemble(folder, ["member-0"])
    plain = Parser.load(folder)
    assert plain.reconstructor is None
    reconstructor.card["weight"] = 5.0
    reconstructor.save(folder / FOLDER)
    reranked = Parser.load(folder)
    question = "how many customers are there"
    with SqlEnvironment(db) as env:
        base = plain.parse_batch([question], [env], 3)[0]
        got = reranked.parse_batch([question], [env], 3)[0]
    recs = reranked.reconstructor.score([c.form for c in base], [question] * len(base))
    assert sorted(c.score for c in got) == pytest.approx(
        sorted(c.score + 5.0 * r for c, r in zip(base, recs, strict=True))
    )


def test_cli_reuse_refits_only_the_weight(shop, reconstructor, tmp_path, capsys):
    model, db, _ = shop
    reconstructor.card["weight"] = 7.0
    reconstructor.save(tmp_path / "trained")
    code = main(
        [
            "reconstructor",
            "text2sql",
            "--data",
            str(DATA / "shop.json"),
            "--db",
            str(db),
            "--model",
            str(model),
            "--reuse",
            str(tmp_path / "trained"),
            "--beams",
            "2",
        ]
    )
    assert code == 0
    saved = Reconstructor.load(model / FOLDER)
    assert saved.weight in WEIGHTS
    forms, texts = [f for f, _ in PAIRS], [t for _, t in PAIRS]
    assert saved.score(forms, texts) == pytest.approx(reconstructor.score(forms, texts))


def test_cli_synthetic_examples_join_the_reconstructors_training_pairs(shop, capsys):
    model, db, task = shop
    argv = ["reconstructor", "text2sql", "--data", str(DATA / "shop.json"), "--db", str(db)]
    argv += ["--model", str(model), "--epochs", "1", "--beams", "2"]
    assert main(argv) == 0
    alone = Reconstructor.load(model / FOLDER).card["n_train"]
    assert main([*argv, "--synthetic", "20"]) == 0
    assert Reconstructor.load(model / FOLDER).card["n_train"] > alone


def test_cli_width_must_be_a_multiple_of_64(shop, capsys):
    model, db, _ = shop
    argv = ["reconstructor", "text2sql", "--data", str(DATA / "shop.json"), "--db", str(db)]
    assert main([*argv, "--model", str(model), "--width", "100"]) != 0
    assert "multiple of 64" in capsys.readouterr().err
