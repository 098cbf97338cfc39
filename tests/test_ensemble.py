"""Ensembles: teacher-forced scores, pooled n-best lists, ensemble folders, --members."""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from parseinstr import ModelError, UsageError, get_task
from parseinstr.cli import main
from parseinstr.ensemble import (
    EnsembleParser,
    is_ensemble,
    member_arguments,
    member_beams,
    member_folders,
    write_ensemble,
)
from parseinstr.environments.sql import SqlEnvironment
from parseinstr.model import ModelSpec
from parseinstr.parser import InstructionExecutor, Parser
from parseinstr.training import TrainConfig, train_parser

from conftest import DATA

TINY = ModelSpec(d_model=32, encoder_layers=1, decoder_layers=1, heads=2, ff=64, dropout=0.0)
QUESTIONS = ["who lives in paris", "how many customers are there", "list the products"]


@pytest.fixture(scope="module")
def two_models(tmp_path_factory):
    """Two tiny parsers trained with different seeds, as one ensemble folder, and a db."""
    folder = tmp_path_factory.mktemp("ensemble")
    db = folder / "shop.sqlite"
    conn = sqlite3.connect(db)
    conn.executescript((DATA / "shop.sql").read_text())
    conn.close()
    task = get_task("text2sql").from_options(data=DATA / "shop.json", db=db)
    for seed in (0, 1):
        config = TrainConfig(
            epochs=40,
            batch_size=4,
            eval_every=40,
            input_vocab=200,
            output_vocab=300,
            seed=seed,
            lr=3e-3,
        )
        train_parser(task, folder / f"member-{seed}", TINY, config, log=lambda m: None)
    write_ensemble(folder, ["member-0", "member-1"])
    return folder, db


def test_score_forms_matches_the_beam_scores(two_models):
    folder, db = two_models
    parser = Parser.load(folder / "member-0")
    with SqlEnvironment(db) as env:
        for question in QUESTIONS:
            cands = parser.parse(question, env, n_best=3, constrained=False)
            forced = parser.score_forms(
                [question] * len(cands), [env] * len(cands), [c.form for c in cands]
            )
            # Unconstrained beam search ranks by log-probability per generated token: the
            # same quantity teacher forcing computes for the decoded form.
            for cand, score in zip(cands, forced, strict=True):
                assert score == pytest.approx(cand.score, abs=1e-4), cand.form


def test_score_forms_scores_many_rows_in_chunks(two_models, monkeypatch):
    from parseinstr import parser as parser_module

    folder, db = two_models
    parser = Parser.load(folder / "member-0")
    forms = ["SELECT name FROM customers", "SELECT COUNT(*) FROM customers", "SELECT 1"]
    with SqlEnvironment(db) as env:
        whole = parser.score_forms([QUESTIONS[0]] * 3, [env] * 3, forms)
        monkeypatch.setattr(parser_module, "_SCORE_ROWS", 2)
        chunked = parser.score_forms([QUESTIONS[0]] * 3, [env] * 3, forms)
    assert chunked == pytest.approx(whole, abs=1e-5)
    assert all(s < 0 for s in whole)


def mean_score(a, b, question, env, forms):
    """Each form's score averaged over the members ``a`` and ``b``."""
    n = len(forms)
    xs = a.score_forms([question] * n, [env] * n, forms)
    ys = b.score_forms([question] * n, [env] * n, forms)
    return [(x + y) / 2 for x, y in zip(xs, ys, strict=True)]


def test_ensemble_pools_candidates_and_ranks_by_the_mean_member_score(two_models):
    folder, db = two_models
    ensemble = Parser.load(folder)
    assert isinstance(ensemble, EnsembleParser) and len(ensemble.members) == 2
    a, b = ensemble.members
    with SqlEnvironment(db) as env:
        for question in QUESTIONS:
            got = ensemble.parse(question, env, n_best=4, constrained=False)
            pool = {c.form for m in (a, b) for c in m.parse(question, env, 4, False)}
            assert {c.form for c in got} <= pool and len(got) == min(4, len(pool))
            forms = [c.form for c in got]
            mean = mean_score(a, b, question, env, forms)
            assert [c.score for c in got] == pytest.approx(mean, abs=1e-5)
            assert [c.score for c in got] == sorted((c.score for c in got), reverse=True)
            # Nothing left out of the top scores better than what was kept.
            rest = sorted(pool - set(forms))
            if rest and len(got) == 4:
                left = mean_score(a, b, question, env, rest)
                assert max(left) <= got[-1].score + 1e-6
        result = InstructionExecutor(ensemble, env, n_best=3).run(QUESTIONS[0])
    assert result.alternatives and all(not math.isnan(x.score) for x in result.alternatives)


def test_ensemble_files_are_checked(two_models, tmp_path):
    folder, _ = two_models
    assert is_ensemble(folder) and not is_ensemble(folder / "member-0")
    assert member_folders(folder) == [folder / "member-0", folder / "member-1"]
    with pytest.raises(ModelError, match="inside"):
        write_ensemble(tmp_path, [folder / "member-0"])
    (tmp_path / "ensemble.json").write_text("{not json")
    with pytest.raises(ModelError, match="not a readable ensemble file"):
        Parser.load(tmp_path)
    (tmp_path / "ensemble.json").write_text(json.dumps({"members": []}))
    with pytest.raises(ModelError, match="lists no members"):
        Parser.load(tmp_path)
    (tmp_path / "ensemble.json").write_text(json.dumps({"members": ["gone"]}))
    with pytest.raises(ModelError, match="no model here"):
        Parser.load(tmp_path)


def test_member_arguments_replace_out_and_seed():
    argv = ["train", "sheet", "--out=m", "--members", "3", "--seed", "5", "--half"]
    from pathlib import Path

    assert member_arguments(argv, Path("m"), 2, 5) == [
        "train", "sheet", "--half", "--out", "m/member-2", "--seed", "7",
    ]  # fmt: skip


def test_cli_trains_members_side_by_side(capsys, shop_db, tmp_path):
    out = tmp_path / "ens"
    code = main(
        [
            "train", "text2sql", "--data", str(DATA / "shop.json"), "--db", str(shop_db),
            "--out", str(out), "--epochs", "1", "--decoder-width", "64",
            "--output-vocab", "300", "--members", "2",
        ]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 0, err
    assert is_ensemble(out)
    cards = [json.loads((out / f"member-{k}" / "model_card.json").read_text()) for k in (0, 1)]
    assert [c["train"]["seed"] for c in cards] == [0, 1]
    assert isinstance(Parser.load(out), EnsembleParser)
    code = main(
        [
            "run", "sql", QUESTIONS[0], "--db", str(shop_db),
            "--model", str(out), "--json",
        ]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err


def test_cli_members_refuses_denotation_supervision(capsys, shop_db, tmp_path):
    code = main(
        [
            "train", "text2sql", "--data", str(DATA / "shop.json"), "--db", str(shop_db),
            "--out", str(tmp_path / "e"), "--members", "2", "--supervision", "denotation",
        ]
    )  # fmt: skip
    assert code != 0 and "--members" in capsys.readouterr().err
    assert not (tmp_path / "e").exists()


def test_cli_ensemble_pools_trained_folders(capsys, two_models, tmp_path):
    folder, db = two_models
    out = tmp_path / "pooled"
    args = ["ensemble", str(folder / "member-0"), str(folder / "member-1"), "--out", str(out)]
    assert main(args) == 0, capsys.readouterr().err
    assert member_folders(out) == [out / "member-0", out / "member-1"]
    assert not (out / "member-0" / "checkpoint").exists()  # weights and card only
    with SqlEnvironment(db) as env:
        pooled = Parser.load(out).parse(QUESTIONS[1], env, 3, False)
        direct = Parser.load(folder).parse(QUESTIONS[1], env, 3, False)
    assert [(c.form, round(c.score, 5)) for c in pooled] == [
        (c.form, round(c.score, 5)) for c in direct
    ]
    # A folder that exists, one member, or a folder that is no model: one line, nothing made.
    for bad, message in [
        (args, "exists"),
        (["ensemble", str(folder / "member-0"), "--out", str(tmp_path / "one")], "at least two"),
        (["ensemble", str(tmp_path), str(folder / "member-0"), "--out", str(tmp_path / "x")],
         "not a model folder"),
    ]:  # fmt: skip
        assert main(bad) != 0
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1
    assert not (tmp_path / "one").exists() and not (tmp_path / "x").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_cli_ensemble_out_may_be_a_relative_path(capsys, two_models, tmp_path, monkeypatch):
    """``--out runs/pooled`` (relative to the working folder) lists its members inside it:
    the members were once listed by their path from the working folder, doubled on load."""
    folder, _ = two_models
    monkeypatch.chdir(tmp_path)
    args = ["ensemble", str(folder / "member-0"), str(folder / "member-1"), "--out", "runs/pooled"]
    assert main(args) == 0, capsys.readouterr().err
    out = tmp_path / "runs" / "pooled"
    assert member_folders(out) == [out / "member-0", out / "member-1"]
    assert len(Parser.load(Path("runs/pooled")).members) == 2


def test_bundled_model_may_be_an_ensemble(two_models, tmp_path, monkeypatch):
    from parseinstr import bundled
    from parseinstr.environments.sql import SqlEnvironment as Env

    folder, _ = two_models
    monkeypatch.setattr(bundled, "bundled_model_path", lambda cls: folder)
    assert bundled.default_model(Env) == folder
    monkeypatch.setattr(bundled, "bundled_model_path", lambda cls: tmp_path / "none")
    with pytest.raises(ModelError, match="parseinstr train"):
        bundled.default_model(Env)


def test_score_forms_keeps_each_instruction_with_its_forms(two_models):
    """Rows of different instructions, interleaved, score as they do one at a time."""
    folder, db = two_models
    parser = Parser.load(folder / "member-0")
    forms = ["SELECT name FROM customers", "SELECT COUNT(*) FROM customers"]
    with SqlEnvironment(db) as env:
        mixed = [(q, f) for f in forms for q in QUESTIONS]
        together = parser.score_forms(
            [q for q, _ in mixed], [env] * len(mixed), [f for _, f in mixed]
        )
        alone = [parser.score_forms([q], [env], [f])[0] for q, f in mixed]
    # Padding to the longest instruction moves scores by float noise only (under 0.005).
    assert together == pytest.approx(alone, abs=5e-3)
    spread = max(together[:3]) - min(together[:3])
    assert spread > 0.01  # the instruction matters more than that noise


def test_member_beams_fix_each_members_search(two_models, tmp_path):
    """With ``member_beams`` each member adds its own best few, however many are asked."""
    folder, db = two_models
    plain = Parser.load(folder)
    greedy = EnsembleParser(plain.members, member_beams=1)
    a, b = plain.members
    with SqlEnvironment(db) as env:
        for question in QUESTIONS:
            got = greedy.parse(question, env, n_best=4, constrained=False)
            tops = {m.parse(question, env, 1, False)[0].form for m in (a, b)}
            assert {c.form for c in got} == tops  # a pool of the members' greedy forms only
            assert [c.score for c in got] == pytest.approx(
                mean_score(a, b, question, env, [c.form for c in got]), abs=1e-5
            )
    # The setting travels in ensemble.json.
    write_ensemble(folder, ["member-0", "member-1"], member_beams=2)
    try:
        assert member_beams(folder) == 2 and Parser.load(folder).member_beams == 2
    finally:
        write_ensemble(folder, ["member-0", "member-1"])
    assert member_beams(folder) is None
    for bad in (0, "2", 1.5):
        (tmp_path / "ensemble.json").write_text(json.dumps({"members": ["m"], "member_beams": bad}))
        with pytest.raises(ModelError, match="member_beams"):
            member_folders(tmp_path)
    with pytest.raises(UsageError, match="member_beams"):
        EnsembleParser(plain.members, member_beams=0)
    before = (tmp_path / "ensemble.json").read_text()
    with pytest.raises(UsageError, match="member_beams"):
        write_ensemble(tmp_path, [], member_beams=0)
    assert (tmp_path / "ensemble.json").read_text() == before  # nothing written


def test_cli_member_beams(capsys, two_models, shop_db, tmp_path):
    folder, _ = two_models
    out = tmp_path / "pooled"
    args = ["ensemble", str(folder / "member-0"), str(folder / "member-1"), "--out", str(out)]
    assert main([*args, "--member-beams", "1"]) == 0, capsys.readouterr().err
    assert member_beams(out) == 1
    # Without --members there is no ensemble to set it for: one line, nothing trained.
    code = main(
        [
            "train", "text2sql", "--data", str(DATA / "shop.json"), "--db", str(shop_db),
            "--out", str(tmp_path / "single"), "--member-beams", "1",
        ]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code != 0 and "--member-beams" in err and err.count("\n") == 1
    assert not (tmp_path / "single").exists()
    argv = ["train", "sql", "--members", "2", "--member-beams", "1", "--out", "m"]
    from pathlib import Path

    assert "--member-beams" not in member_arguments(argv, Path("m"), 0, 0)


def test_ensemble_benchmark_scores_members_and_pool_side_by_side(two_models, tmp_path, monkeypatch):
    import benchmarks.common
    from benchmarks.ensemble_eval import main as bench

    folder, db = two_models
    monkeypatch.setattr(benchmarks.common, "RESULTS", tmp_path / "results")
    argv = ["--task", "text2sql", "--data", str(DATA / "shop.json"), "--db", str(db)]
    argv += ["--models", str(folder / "member-0"), str(folder / "member-1")]
    argv += ["--beams", "2", "--results", "pooled", "--out", str(tmp_path / "runs")]
    results = bench(argv)
    assert set(results["scores"]) == {
        "member 0", "member 1", "ensemble", "ensemble, greedy members"
    }  # fmt: skip
    written = json.loads((tmp_path / "results" / "pooled.json").read_text())
    assert [r["value"] for r in written["summary"]] == [
        s["execution_accuracy"] for s in results["scores"].values()
    ]
    assert written["commit"] and written["command"].startswith("python -m benchmarks.")
    assert is_ensemble(tmp_path / "runs" / "ensemble")


def test_ensemble_benchmark_can_prefer_mentions(two_models, tmp_path, monkeypatch):
    """``--prefer-mentions`` reaches every row's selection and names it in the summary."""
    import benchmarks.common
    import benchmarks.ensemble_eval as ensemble_eval

    folder, db = two_models
    monkeypatch.setattr(benchmarks.common, "RESULTS", tmp_path / "results")
    real = ensemble_eval.evaluate_task
    asked: list[bool] = []

    def evaluate(*a: Any, mentions: bool = False, **k: Any) -> Any:
        asked.append(mentions)
        return real(*a, mentions=mentions, **k)

    monkeypatch.setattr(ensemble_eval, "evaluate_task", evaluate)
    argv = ["--task", "text2sql", "--data", str(DATA / "shop.json"), "--db", str(db)]
    argv += ["--models", str(folder / "member-0"), str(folder / "member-1"), "--beams", "2"]
    argv += ["--prefer-mentions", "--results", "pooled", "--out", str(tmp_path / "runs")]
    results = ensemble_eval.main(argv)
    assert asked == [True] * 4 and results["prefer_mentions"] is True
    assert all(r["setting"].endswith("+ execution + mentions") for r in results["summary"])
