"""The learned parser end to end on a tiny model: train, save, load, parse, evaluate, run."""

from __future__ import annotations

import json

import pytest
import torch

from parseinstr import ModelError, get_task
from parseinstr.cli import main
from parseinstr.environments.sql import SqlEnvironment
from parseinstr.errors import UsageError
from parseinstr.evaluate import evaluate_task
from parseinstr.model import ModelSpec, load_model
from parseinstr.parser import Candidate, InstructionExecutor, Parser, select_by_execution
from parseinstr.training import TrainConfig, split_validation, train_parser

from conftest import DATA

TINY = ModelSpec(d_model=32, encoder_layers=1, decoder_layers=1, heads=2, ff=64, dropout=0.0)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    import sqlite3

    folder = tmp_path_factory.mktemp("model")
    db = folder / "shop.sqlite"
    conn = sqlite3.connect(db)
    conn.executescript((DATA / "shop.sql").read_text())
    conn.close()
    task = get_task("text2sql").from_options(data=DATA / "shop.json", db=db)
    config = TrainConfig(epochs=3, batch_size=4, eval_every=1, input_vocab=200, output_vocab=300)
    card = train_parser(
        task, folder / "m", TINY, config, command="parseinstr train test", log=lambda m: None
    )
    return folder / "m", db, card


def test_model_folder_layout_and_card(tiny_model):
    folder, _, card = tiny_model
    for name in (
        "config.json",
        "model.safetensors",
        "model_card.json",
        "input_tokenizer",
        "output_tokenizer",
    ):
        assert (folder / name).exists(), name
    assert not list(folder.glob("*.bin"))
    saved = json.loads((folder / "model_card.json").read_text())
    for key in (
        "task",
        "data_hash",
        "grammar_hash",
        "parseinstr_version",
        "command",
        "metrics",
        "validation",
    ):
        assert key in saved
    assert "10%" in saved["validation"]  # no dev data given: a seeded 10% held out
    assert len(saved["history"]) == 3 and card["stopped"] == "epochs"
    assert (folder / "checkpoint" / "optimizer.safetensors").exists()


def test_output_budget_stays_within_decoder_positions(tiny_model, tmp_path):
    """A card asking for more tokens than the decoder has positions gets the positions
    (decoding past them fails inside the model); a model without a position table keeps
    the card's budget."""
    import shutil

    from parseinstr.parser import output_budget

    folder, _, _ = tiny_model
    copy = tmp_path / "long"
    shutil.copytree(folder, copy)
    card = json.loads((copy / "model_card.json").read_text())
    card["max_output_tokens"] = 5000
    (copy / "model_card.json").write_text(json.dumps(card))
    parser = Parser.load(copy)
    assert parser.max_output_tokens == parser.model.config.decoder.max_position_embeddings - 1
    assert output_budget(object(), {"max_output_tokens": 5000}) == 5000
    assert output_budget(object(), {}) == 256


def test_cpu_decodes_beams_one_instruction_at_a_time(tiny_model, monkeypatch):
    """On a CPU, beams are decoded per instruction (faster on one thread), greedy forms in
    one batch; the candidates are those each instruction gets alone."""
    folder, db, _ = tiny_model
    parser = Parser.load(folder)
    questions = ["who lives in paris", "how many customers are there", "list the orders"]
    with SqlEnvironment(db) as env:
        alone = [parser.parse_batch([q], [env], 3) for q in questions]
        chunks: list[int] = []
        original = Parser._parse_chunk

        def spy(self, instructions, envs, n_best, constrained):
            chunks.append(len(instructions))
            return original(self, instructions, envs, n_best, constrained)

        monkeypatch.setattr(Parser, "_parse_chunk", spy)
        together = parser.parse_batch(questions, [env] * 3, 3)
        assert chunks == [1, 1, 1]
        assert [[c.form for c in r] for r in together] == [[c.form for c in r[0]] for r in alone]
        chunks.clear()
        parser.parse_batch(questions, [env] * 3, 1)
        assert chunks == [3]


def test_parse_returns_scored_nbest(tiny_model):
    folder, db, _ = tiny_model
    parser = Parser.load(folder)
    with SqlEnvironment(db) as env:
        cands = parser.parse("who lives in paris", env, n_best=3, constrained=False)
    assert 1 <= len(cands) <= 3
    assert all(isinstance(c, Candidate) for c in cands)
    assert [c.score for c in cands] == sorted((c.score for c in cands), reverse=True)
    assert len({c.form for c in cands}) == len(cands)


def test_constrained_parse_drops_forms_cut_at_the_length_limit(tiny_model):
    folder, db, _ = tiny_model
    parser = Parser.load(folder)
    parser.max_output_tokens = 3  # no SQL query fits: every beam is cut unfinished
    with SqlEnvironment(db) as env:
        cut = parser.parse("who lives in paris", env, n_best=3, constrained=False)
        assert cut and all(not env.grammar().accepts(c.form) for c in cut)
        assert parser.parse("who lives in paris", env, n_best=3, constrained=True) == []
        result = InstructionExecutor(parser, env, n_best=3, constrained=True).run("who lives")
    assert result.logical_form is None and "no candidate" in result.error


def test_evaluate_report_keys(tiny_model):
    folder, db, _ = tiny_model
    task = get_task("text2sql").from_options(data=DATA / "shop.json", db=db, part="dev")
    report = evaluate_task(Parser.load(folder), task, n_best=2, constrained=False)
    assert report["n"] == 2 and 0.0 <= report["execution_accuracy"] <= 1.0
    assert "exact_match" in report and report["tags"]["negation"]["n"] == 1
    assert {"prediction", "denotation", "correct"} <= set(report["examples"][0])


def test_evaluate_a_subset_of_the_examples(tiny_model):
    folder, db, _ = tiny_model
    task = get_task("text2sql").from_options(data=DATA / "shop.json", db=db, part="dev")
    parser = Parser.load(folder)
    whole = evaluate_task(parser, task, n_best=2, constrained=False)
    first = task.examples()[:1]
    part = evaluate_task(parser, task, n_best=2, constrained=False, examples=first)
    assert part["n"] == 1 and [r["id"] for r in part["examples"]] == [first[0].id]
    assert part["examples"][0] == whole["examples"][0]


def test_execution_guided_selection_skips_failures(shop_db):
    with SqlEnvironment(shop_db) as env:
        cands = [
            Candidate("SELECT nope FROM customer", -0.1),
            Candidate("SELECT name FROM customer WHERE city = 'lyon'", -0.5),
            Candidate("SELECT name FROM customer WHERE city = 'paris'", -0.6),
        ]
        best, alts, ambiguous = select_by_execution(env, cands)
    assert best == 1 and alts[0].error and alts[1].denotation.rows == (("bob",),)
    assert ambiguous  # a close runner-up with another answer


def test_executor_explains(tiny_model, monkeypatch):
    folder, db, _ = tiny_model
    parser = Parser.load(folder)
    good = Candidate("SELECT name FROM customer WHERE city = 'paris'", -0.2)
    monkeypatch.setattr(parser, "parse", lambda *a, **k: [good])
    with SqlEnvironment(db) as env:
        result = InstructionExecutor(parser, env).run("who lives in paris")
    assert result.denotation.rows == (("ada",), ("cy",))
    assert result.explanation == 'name of customer where city is "paris"'
    assert json.loads(json.dumps(result.to_json()))["logical_form"] == good.form


def test_missing_and_corrupt_models_name_the_rebuild_command(tiny_model, tmp_path):
    folder, _, _ = tiny_model
    with pytest.raises(ModelError, match="no model here"):
        load_model(tmp_path)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "model_card.json").write_text((folder / "model_card.json").read_text())
    (broken / "model.safetensors").write_bytes(b"garbage")
    with pytest.raises(ModelError, match="parseinstr train test"):
        load_model(broken)


def test_split_validation_is_seeded():
    items = list(range(50))
    a = split_validation(items, 3)
    assert a == split_validation(items, 3) and len(a[1]) == 5
    assert a != split_validation(items, 4)


def test_resume_continues_from_checkpoint(tiny_model, tmp_path):
    folder, db, _ = tiny_model
    task = get_task("text2sql").from_options(data=DATA / "shop.json", db=db)
    config = TrainConfig(epochs=1, batch_size=4, eval_every=1, input_vocab=200, output_vocab=300)
    out = tmp_path / "r"
    train_parser(task, out, TINY, config, log=lambda m: None)
    logs: list[str] = []
    card = train_parser(
        task,
        out,
        TINY,
        TrainConfig(**{**config.__dict__, "epochs": 2}),
        log=logs.append,
        resume=True,
    )
    assert any("resumed" in m and "epoch 1" in m for m in logs)
    assert [h["epoch"] for h in card["history"]] == [1, 2]


def test_card_records_training_throughput(tiny_model, tmp_path):
    """The card says how fast the optimizer steps ran (examples a second, median step) and
    on what, so runs on a CPU and a GPU compare."""
    _, db, _ = tiny_model
    task = get_task("text2sql").from_options(data=DATA / "shop.json", db=db)
    config = TrainConfig(epochs=2, batch_size=4, eval_every=2, input_vocab=200, output_vocab=300)
    card = train_parser(task, tmp_path / "t", TINY, config, log=lambda m: None)
    speed = card["throughput"]
    n_train = card["n_train"]
    assert speed["examples"] == 2 * n_train and speed["steps"] == 2 * -(-n_train // 4)
    assert speed["examples_per_second"] > 0 and speed["median_step_ms"] > 0
    assert speed["device"].startswith("cpu, ") and speed["bf16_autocast"] is False
    saved = json.loads((tmp_path / "t" / "model_card.json").read_text())
    assert saved["throughput"] == speed


def test_cli_run_without_model_is_one_line(capsys, shop_db, tmp_path):
    code = main(
        ["run", "sql", "who lives in paris", "--db", str(shop_db), "--model", str(tmp_path)]
    )
    err = capsys.readouterr().err
    assert code != 0 and "no model here" in err and err.count("\n") == 1


def test_candidates_run_in_isolation_and_the_chosen_one_for_real(monkeypatch):
    from parseinstr.environments.sheet import SheetEnvironment

    env = SheetEnvironment.from_cells({"A1": 1})
    cands = [Candidate("set A1 = 2", -0.1), Candidate("set A1 = 3", -0.2)]
    best, alts, _ = select_by_execution(env, cands)
    assert best == 0 and env.value("A1") == 1.0  # both tried, neither kept
    parser = object.__new__(Parser)
    monkeypatch.setattr(parser, "parse", lambda *a, **k: cands, raising=False)
    result = InstructionExecutor(parser, env).run("make A1 two")
    assert result.logical_form == "set A1 = 2" and env.value("A1") == 2.0


def test_bf16_precision_runs_training_products_in_bfloat16(tiny_model, tmp_path, monkeypatch):
    """``precision="bf16"`` trains under bfloat16 autocast on a CPU (fp32 and auto do not);
    an unknown precision is refused before any work."""
    import torch

    from parseinstr import UsageError

    if not torch.ops.mkldnn._is_mkldnn_bf16_supported():
        pytest.skip("this CPU has no native bfloat16")
    _, db, _ = tiny_model
    task = get_task("text2sql").from_options(data=DATA / "shop.json", db=db)
    seen: dict[str, set] = {}
    original = torch.nn.functional.linear

    def spy(x, w, b=None):
        out = original(x, w, b)
        seen.setdefault(current, set()).add(out.dtype)
        return out

    monkeypatch.setattr(torch.nn.functional, "linear", spy)
    for current in ("bf16", "auto"):
        config = TrainConfig(
            epochs=1, batch_size=4, eval_every=1, input_vocab=200, output_vocab=300,
            precision=current,
        )  # fmt: skip
        card = train_parser(task, tmp_path / current, TINY, config, log=lambda m: None)
        assert card["history"]
    assert torch.bfloat16 in seen["bf16"]
    assert seen["auto"] == {torch.float32}
    with pytest.raises(UsageError, match="precision 'half'"):
        train_parser(task, tmp_path / "x", TINY, TrainConfig(precision="half"), log=print)


def test_sampling_draws_distinct_grammatical_forms_likeliest_first(tiny_model):
    folder, db, _ = tiny_model
    parser = Parser.load(folder)
    with SqlEnvironment(db) as env:
        texts = ["who lives in paris", "how many customers"]
        drawn = parser.sample_batch(texts, [env, env], 12, temperature=1.5, seed=3)
        again = parser.sample_batch(texts, [env, env], 12, temperature=1.5, seed=3)
        other = parser.sample_batch(texts, [env, env], 12, temperature=1.5, seed=4)
        cold = parser.sample_batch(texts, [env, env], 4, temperature=1e-4, seed=5)
        greedy = parser.parse_batch(texts, [env, env], 1)
        grammar = env.grammar()
    assert drawn == again and drawn != other  # seeded
    for cands in drawn:
        assert 1 < len(cands) <= 12  # a warm sampler spreads over several forms
        assert len({c.form for c in cands}) == len(cands)
        assert [c.score for c in cands] == sorted((c.score for c in cands), reverse=True)
        assert all(grammar.accepts(c.form) for c in cands)  # constrained like parse_batch
    # Near zero temperature every draw is the greedy form.
    assert [[c.form for c in cands] for cands in cold] == [[g[0].form] for g in greedy]
    assert [c.score for c in cold[0]] == pytest.approx([greedy[0][0].score], abs=1e-3)


def test_init_from_starts_from_a_model_folders_weights_and_tokenizers(tiny_model, tmp_path):
    """``init_from`` trains a parser further: with a learning rate of 0 the model saved is
    the starting one, weight for weight, with its tokenizers (a fresh model would differ)."""
    folder, db, _ = tiny_model
    task = get_task("text2sql").from_options(data=DATA / "shop.json", db=db)
    config = TrainConfig(
        epochs=1,
        batch_size=4,
        eval_every=1,
        lr=0.0,
        encoder_lr=0.0,
        warmup=0.0,
        input_vocab=50,  # ignored: the tokenizers come from the folder
        output_vocab=50,
        seed=7,
        init_from=str(folder),
    )
    card = train_parser(task, tmp_path / "w", TINY, config, log=lambda m: None)
    start, again = load_model(folder), load_model(tmp_path / "w")
    assert card["train"]["init_from"] == str(folder)
    assert again.input_tok.get_vocab() == start.input_tok.get_vocab()
    assert again.output_tok.get_vocab() == start.output_tok.get_vocab()
    before, after = start.model.state_dict(), again.model.state_dict()
    assert before.keys() == after.keys()
    changed = [k for k in before if not torch.equal(before[k], after[k])]
    assert changed == [] or changed == ["encoder.pooler.dense.weight"]  # unused, not saved


def test_init_from_refuses_another_architecture_or_copy_setting(tiny_model, tmp_path):
    folder, db, _ = tiny_model
    task = get_task("text2sql").from_options(data=DATA / "shop.json", db=db)
    config = TrainConfig(epochs=1, batch_size=4, init_from=str(folder))
    wider = ModelSpec(d_model=64, encoder_layers=1, decoder_layers=1, heads=2, ff=64, dropout=0.0)
    with pytest.raises(UsageError, match="model spec"):
        train_parser(task, tmp_path / "a", wider, config, log=lambda m: None)
    with pytest.raises(UsageError, match="copy slots"):
        train_parser(
            task, tmp_path / "b", TINY, TrainConfig(**{**config.__dict__, "copy_slots": True})
        )
    with pytest.raises(UsageError, match="no model here"):
        train_parser(
            task, tmp_path / "c", TINY, TrainConfig(**{**config.__dict__, "init_from": "nope"})
        )
    assert not any((tmp_path / name).exists() for name in "abc")
