"""The command line: output, JSON, and one-line errors with non-zero exits."""

from __future__ import annotations

import hashlib
import json

import pytest

from parseinstr.cli import main

from conftest import DATA


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_execute_sql_json(capsys, shop_db):
    code, out, err = run(
        capsys,
        "execute",
        "sql",
        "SELECT name FROM customer WHERE city = 'paris'",
        "--db",
        shop_db,
        "--json",
    )
    assert code == 0, err
    result = json.loads(out)
    assert result["denotation"]["rows"] == [["ada"], ["cy"]]
    assert result["environment"] == "sql"


def test_execute_sql_table_output(capsys, shop_db):
    code, out, _ = run(capsys, "execute", "sql", "SELECT COUNT( * ) FROM orders", "--db", shop_db)
    assert code == 0 and "6" in out


@pytest.mark.parametrize(
    "args, message",
    [
        (["execute", "sqll", "SELECT 1", "--db", "x"], "Did you mean 'sql'"),
        (["execute", "sql", "SELECT name FROM customer"], "needs --db"),
        (["execute", "sql", "SELECT name FROM nowhere", "--db", "{db}"], "line 1, column 18"),
        (["execute", "sql", "DELETE FROM customer", "--db", "{db}"], "not a valid sql"),
        (
            ["execute", "sql", "SELECT 1 FROM customer", "--db", "{db}", "--world", "w.json"],
            "--world does not apply",
        ),
        (["execute", "sql", "SELECT 1", "--db", "/nonexistent/x.sqlite"], "no such file"),
        (["check", "text2sqll", "--data", "x.json"], "Did you mean 'text2sql'"),
        (["check", "text2sql", "--data", "/nonexistent.json", "--db", "{db}"], "no such file"),
        (["execute"], "Missing argument"),
        (["execute", "sql", "SELECT 1", "--bogus"], "No such option"),
    ],
)
def test_errors_are_one_line(capsys, shop_db, args, message):
    before = hashlib.sha256(shop_db.read_bytes()).hexdigest()
    code, out, err = run(capsys, *[a.replace("{db}", str(shop_db)) for a in args])
    assert code != 0
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert hashlib.sha256(shop_db.read_bytes()).hexdigest() == before


def test_check_writes_report(capsys, shop_db, tmp_path):
    report_path = tmp_path / "report.json"
    code, out, err = run(
        capsys,
        "check",
        "text2sql",
        "--data",
        DATA / "shop.json",
        "--db",
        shop_db,
        "--part",
        "train,dev",
        "--json",
        report_path,
    )
    assert code == 0, err
    report = json.loads(report_path.read_text())
    for key in ("accept", "execute", "nonempty", "counts", "failures", "command"):
        assert key in report
    assert report["counts"]["gold"] == 6
    assert "accepted 100.00%" in out


def test_environments_listed(capsys):
    code, out, _ = run(capsys, "environments")
    assert code == 0 and "environment sql" in out and "task text2sql -> sql" in out


@pytest.mark.parametrize(
    "option, message",
    [
        (["--output-split", "words"], "--output-split 'words'"),
        (["--decoder-width", "100"], "--decoder-width 100: use a multiple of 64"),
        (["--precision", "half"], "precision 'half': use auto, bf16, fp32"),
        (["--batch-size", "0"], "--batch-size"),
    ],
)
def test_train_options_are_checked_before_anything_is_written(
    capsys, geo_data, tmp_path, option, message
):
    out = tmp_path / "m"
    code, _, err = run(
        capsys, "train", "text2sql", "--data", geo_data, "--part", "train", "--out", out, *option
    )
    assert code != 0 and message in err and err.count("\n") == 1
    assert not out.exists()


def test_train_passes_tokenizer_and_width_options(capsys, geo_data, tmp_path, monkeypatch):
    from parseinstr import training

    seen = {}

    def fake_train(task, out, spec, config, *args, **kwargs):
        seen["spec"], seen["config"] = spec, config
        return {"metrics": {}}

    monkeypatch.setattr(training, "train_parser", fake_train)
    code, _, err = run(
        capsys, "train", "text2sql", "--data", geo_data, "--part", "train",
        "--out", tmp_path / "m", "--output-split", "spaces", "--output-vocab", "600",
        "--decoder-width", "128", "--patience", "30", "--precision", "fp32",
        "--batch-size", "64",
    )  # fmt: skip
    assert code == 0, err
    assert seen["config"].batch_size == 64
    assert (seen["config"].output_split, seen["config"].output_vocab) == ("spaces", 600)
    assert (seen["config"].patience, seen["config"].precision) == (30, "fp32")
    spec = seen["spec"]
    assert (spec.d_model, spec.heads, spec.ff, spec.encoder) == (128, 2, 512, "scratch")
