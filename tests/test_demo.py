"""Bundled default models and ``parseinstr demo``."""

from __future__ import annotations

import json

import pytest
import torch

from parseinstr import ModelError, get_task
from parseinstr.bundled import bundled_model_path, default_model
from parseinstr.cli import main
from parseinstr.environment import Demo
from parseinstr.environments.grid import GridEnvironment
from parseinstr.environments.sheet import SheetEnvironment
from parseinstr.environments.sql import SqlEnvironment
from parseinstr.model import ModelSpec, load_model
from parseinstr.training import TrainConfig, train_parser

from conftest import DATA

TINY = ModelSpec(d_model=32, encoder_layers=1, decoder_layers=1, heads=2, ff=64, dropout=0.0)


@pytest.fixture(scope="module")
def shop_model(tmp_path_factory):
    import sqlite3

    folder = tmp_path_factory.mktemp("bundle")
    db = folder / "shop.sqlite"
    conn = sqlite3.connect(db)
    conn.executescript((DATA / "shop.sql").read_text())
    conn.close()
    task = get_task("text2sql").from_options(data=DATA / "shop.json", db=db)
    config = TrainConfig(
        epochs=2, batch_size=4, eval_every=1, input_vocab=200, output_vocab=300, half=True
    )
    train_parser(task, folder / "m", TINY, config, command="parseinstr train shop", log=print)
    return folder / "m", db


def test_every_environment_with_a_demo_names_its_model_and_rebuild_command():
    for cls in (SqlEnvironment, SheetEnvironment, GridEnvironment):
        demo = cls.demo()
        assert isinstance(demo, Demo) and demo.instructions
        for value in demo.options.values():
            assert value.exists(), value  # bundled data ships with the package
        assert bundled_model_path(cls).name == cls.name
        assert cls.bundled_model_command.startswith("parseinstr ")


def test_missing_bundled_model_names_the_command(monkeypatch, tmp_path):
    monkeypatch.setattr(SqlEnvironment, "bundled_model", str(tmp_path / "nothing"))
    with pytest.raises(ModelError, match="build it with: parseinstr train text2sql"):
        default_model(SqlEnvironment)


def test_run_defaults_to_the_bundled_model(monkeypatch, capsys, shop_model, tmp_path):
    folder, db = shop_model
    monkeypatch.setattr(SqlEnvironment, "bundled_model", str(tmp_path / "nothing"))
    assert main(["run", "sql", "how many customers", "--db", str(db)]) != 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "parseinstr train text2sql" in err
    monkeypatch.setattr(SqlEnvironment, "bundled_model", str(folder))
    assert main(["run", "sql", "how many customers", "--db", str(db), "--json"]) in (0, 1)
    shown = json.loads(capsys.readouterr().out)  # the model ran (it may find no whole form)
    assert shown["instruction"] == "how many customers"
    assert shown["logical_form"] or shown["error"].startswith("no candidate")
    assert isinstance(shown["alternatives"], list)


def test_half_weights_load_as_float32(shop_model):
    folder, _ = shop_model
    size = (folder / "model.safetensors").stat().st_size
    loaded = load_model(folder)
    n = sum(p.numel() for p in loaded.model.parameters())
    assert size < n * 3  # two bytes per weight, not four
    assert all(p.dtype == torch.float32 for p in loaded.model.parameters())


def test_demo_shows_instruction_form_meaning_and_result(monkeypatch, capsys, shop_model, tmp_path):
    folder, db = shop_model
    monkeypatch.setattr(SqlEnvironment, "bundled_model", str(folder))
    monkeypatch.setattr(
        SqlEnvironment,
        "demo",
        classmethod(lambda cls: Demo("Shop", {"db": db}, ["how many customers live in paris"])),
    )
    from parseinstr import cli

    monkeypatch.setattr(cli.console, "width", 240)  # no folding inside the table's cells
    code = main(["demo", "-e", "sql", "--out", str(tmp_path / "pics")])
    out = capsys.readouterr().out
    assert "how many customers live in paris" in out and "Shop" in out
    assert "logical form" in out and "meaning" in out and "result" in out
    assert (code == 0) == ("no candidate ran" not in out)


def test_demo_reports_a_missing_model_and_fails(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(SqlEnvironment, "bundled_model", str(tmp_path / "nothing"))
    assert main(["demo", "-e", "sql", "--out", str(tmp_path / "pics")]) != 0
    assert "build it with" in capsys.readouterr().out


def test_evaluate_json_records_provenance(shop_model, tmp_path):
    import json

    folder, db = shop_model
    out = tmp_path / "report.json"
    args = ["evaluate", "text2sql", "--data", str(DATA / "shop.json"), "--db", str(db)]
    assert main([*args, "--model", str(folder), "--n-best", "1", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    for key in ("commit", "device", "date", "mode", "command", "execution_accuracy", "n"):
        assert key in report
    assert report["command"].startswith("parseinstr evaluate text2sql")


def test_demo_draws_a_result_as_its_environment_does():
    from rich.console import Console
    from rich.text import Text

    from parseinstr.demo import _result_view
    from parseinstr.environments.sql import SqlDenotation

    one = SqlDenotation(("capital",), (("austin",),))
    assert _result_view(one) is one  # the environment's own drawing (__rich__)
    console = Console(width=80, record=True)
    console.print(one)
    drawn = console.export_text()
    assert "1 row" in drawn and "1 rows" not in drawn and "austin" in drawn

    class Plain:
        def to_json(self):
            return {"answer": 7}

    shown = _result_view(Plain())
    assert isinstance(shown, Text) and '"answer": 7' in shown.plain


def test_demo_panel_shows_a_doubt_only_when_there_is_one():
    from rich.console import Console
    from rich.text import Text

    from parseinstr.demo import _panel

    def drawn(doubt):
        console = Console(width=100, record=True)
        console.print(_panel("add up the reps", "ask SUM([Rep])", "sum of Rep", Text("0"), doubt))
        return console.export_text()

    assert "doubt" in drawn("SUM reads numbers from B2:B9, which holds none")
    assert "which holds none" in drawn("SUM reads numbers from B2:B9, which holds none")
    assert "doubt" not in drawn(None)
