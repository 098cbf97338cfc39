"""The benchmark report (``python -m benchmarks --report``): uniform rows from every results
layout, PNG plots, skipped files, and no benchmark run or imported to write it.

Every test writes small results files shaped like the real ones to ``tmp_path``.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import types
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
# ``benchmarks`` is not installed with the package: reach it from the checkout, appended so
# that the installed ``parseinstr`` (which maps ``environments/``) still comes first.
if str(REPO) not in sys.path:
    sys.path.append(str(REPO))

from benchmarks import __main__ as bench_cli  # noqa: E402
from benchmarks import report  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


def _prov(command: str, date: str = "2026-11-25 10:00 UTC") -> dict[str, str]:
    return {
        "commit": "abc1234",
        "device": "cpu: test, 2 cores",
        "date": date,
        "mode": "full",
        "command": command,
    }


def decoding() -> dict[str, Any]:
    """decoding.json: ``mask`` cells with per-peer timings, and ``end_to_end``."""
    peers = {
        "parseinstr": {"mean_us": 20.0, "p99_us": 100.0},
        "llguidance": {"mean_us": 80.0, "p99_us": 500.0},
        "xgrammar": {"mean_us": 2000.0, "p99_us": 9000.0},
    }
    return {
        **_prov("python -m benchmarks.bench_decoding"),
        "mask": [
            {"grammar": g, "vocab": v, "vocab_size": 100, "peers": peers}
            for g in ("sql", "grid")
            for v in ("bpe-2k", "wordpiece-30k")
        ],
        "end_to_end": {"grammars": {"sql": {"ratio": 1.02}}},
    }


def learning() -> dict[str, Any]:
    """learning.json: a ``runs`` list; one run was measured by an earlier invocation."""
    rounds = [
        {"round": 0, "coverage": 0.1, "dev_execution_accuracy": 0.08, "minutes": 1.0},
        {"round": 1, "coverage": 0.9, "dev_execution_accuracy": 0.95, "minutes": 5.0},
    ]
    old = _prov("python -m benchmarks.bench_learning --splits length", "2026-11-01 09:00 UTC")
    del old["mode"]
    return {
        **_prov("python -m benchmarks.bench_learning --splits simple", "2026-12-01 12:00 UTC"),
        "runs": [
            {
                "split": "length",
                "slots": "on",
                "n_test": 30,
                "test_accuracy": 0.97,
                "target": 0.95,
                "coverage": 0.9,
                "validation_accuracy": 0.95,
                "learn_minutes": 5.1,
                "rounds": rounds,
                "measured": old,
            },
            {
                "split": "simple",
                "slots": "on",
                "n_test": 40,
                "test_accuracy": 0.998,
                "target": 0.99,
                "coverage": 1.0,
                "validation_accuracy": 0.99,
                "learn_minutes": 4.0,
                "rounds": rounds,
            },
        ],
    }


def parser_without_summary() -> dict[str, Any]:
    """parser_*.json: ``encoders`` with a decoding ablation; old files have no summary."""
    ablation = {
        "unconstrained greedy": {"execution_accuracy": 0.5, "n": 49},
        "constrained beam + execution": {"execution_accuracy": 0.6, "n": 49},
    }
    return {
        **_prov("python -m benchmarks.bench_parser --links on,off"),
        "encoders": {
            "scratch, links on": {"ablation": ablation, "latency": {"median_ms": 400.0}},
            "scratch, links off": {"ablation": ablation, "latency": {"median_ms": 300.0}},
        },
    }


def sheet() -> dict[str, Any]:
    """sheet_parser.json: one ``ablation`` at the top and a latency."""
    return {
        **_prov("python -m benchmarks.bench_sheet"),
        "ablation": {
            "unconstrained greedy": {"execution_accuracy": 0.7},
            "constrained beam + execution": {"execution_accuracy": 0.8},
        },
        "latency": {"median_ms": 250.0},
        "summary": [{"metric": "ignored, rebuilt from content", "setting": "", "value": 0}],
    }


def synthetic() -> dict[str, Any]:
    """synthetic.json: ``runs`` per arm; its summary rows are not metric/setting/value."""

    def arm(dev: float, neg: float, rew: float) -> dict[str, Any]:
        tags = {
            "negation": {"n": 42, "execution_accuracy": neg},
            "rewording": {"n": 42, "execution_accuracy": rew},
        }
        return {
            "geoquery_dev": {"constrained greedy": {"execution_accuracy": dev, "n": 49}},
            "negation_rewording": {"constrained greedy": {"execution_accuracy": 0.3, "tags": tags}},
        }

    return {
        **_prov("python -m benchmarks.bench_synthetic --epochs 20"),
        "runs": {
            "without synthetic": arm(0.67, 0.02, 0.57),
            "with synthetic": arm(0.65, 0.31, 0.74),
        },
        "summary": [
            {"run": "without synthetic", "decoding": "constrained greedy", "negation": 0.02}
        ],
    }


ALL = {
    "decoding": decoding,
    "learning": learning,
    "parser_links_ablation": parser_without_summary,
    "sheet_parser": sheet,
    "synthetic": synthetic,
}


def write(folder: Path, name: str, data: Any) -> Path:
    path = folder / f"{name}.json"
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


def rows_of(folder: Path, name: str, data: Any) -> list[report.Row]:
    return report.load_result(write(folder, name, data)).rows


def triples(rows: list[report.Row]) -> set[tuple[str, str, Any]]:
    return {(r.metric, r.setting, r.value) for r in rows}


def test_decoding_rows_per_cell_and_peer(tmp_path: Path) -> None:
    rows = rows_of(tmp_path, "decoding", decoding())
    got = triples(rows)
    assert ("mask time per step, mean µs", "sql/bpe-2k, parseinstr", 20.0) in got
    assert ("mask time per step, p99 µs", "grid/wordpiece-30k, xgrammar", 9000.0) in got
    assert ("greedy generate time, constrained / unconstrained", "sql", 1.02) in got
    assert len(rows) == 4 * 3 * 2 + 1
    assert {r.command for r in rows} == {"python -m benchmarks.bench_decoding"}


def test_learning_rows_keep_the_provenance_of_each_run(tmp_path: Path) -> None:
    rows = rows_of(tmp_path, "learning", learning())
    acc = {r.setting: r for r in rows if r.metric == "SCAN held-out action-sequence accuracy"}
    assert acc["length, slots on"].value == 0.97
    assert acc["length, slots on"].command.endswith("--splits length")
    assert acc["length, slots on"].date == "2026-11-01 09:00 UTC"
    assert acc["simple, slots on"].command.endswith("--splits simple")
    assert acc["simple, slots on"].date == "2026-12-01 12:00 UTC"
    assert ("SCAN target accuracy", "simple, slots on", 0.99) in triples(rows)


def test_parser_rows_from_a_file_without_summary(tmp_path: Path) -> None:
    got = triples(rows_of(tmp_path, "parser_links_ablation", parser_without_summary()))
    assert (
        "GeoQuery dev execution accuracy",
        "scratch, links off, unconstrained greedy",
        0.5,
    ) in got
    assert ("run latency median ms (CPU)", "scratch, links on", 400.0) in got
    assert len(got) == 6


def test_sheet_rows_are_rebuilt_from_the_ablation(tmp_path: Path) -> None:
    got = triples(rows_of(tmp_path, "sheet_parser", sheet()))
    assert got == {
        ("sheet execution accuracy, held-out phrasings", "unconstrained greedy", 0.7),
        ("sheet execution accuracy, held-out phrasings", "constrained beam + execution", 0.8),
        ("sheet run latency median ms (CPU)", "beam + execution", 250.0),
    }


def test_synthetic_rows_are_uniform_per_arm_and_tag(tmp_path: Path) -> None:
    rows = rows_of(tmp_path, "synthetic", synthetic())
    got = triples(rows)
    assert ("GeoQuery dev execution accuracy", "with synthetic, constrained greedy", 0.65) in got
    assert ("negation set execution accuracy", "with synthetic, constrained greedy", 0.31) in got
    assert (
        "rewording set execution accuracy",
        "without synthetic, constrained greedy",
        0.57,
    ) in got
    assert len(rows) == 6
    assert all(set(r.as_dict()) >= {"metric", "setting", "value", "command", "date"} for r in rows)


def test_unknown_layout_uses_its_summary_rows_whatever_their_shape(tmp_path: Path) -> None:
    data = {
        **_prov("python -m benchmarks.bench_new"),
        "summary": [
            {"metric": "m", "setting": "s", "value": 1.5},
            {"run": "a", "decoding": "greedy", "geoquery_dev": 0.5, "n_dev": 49},
        ],
    }
    got = triples(rows_of(tmp_path, "new", data))
    assert got == {("m", "s", 1.5), ("geoquery_dev", "a, greedy", 0.5)}


@pytest.fixture(scope="module")
def full_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """RESULTS.md written once from one results file of every layout (plots beside it)."""
    folder = tmp_path_factory.mktemp("results")
    for name, make in ALL.items():
        write(folder, name, make())
    return report.write_report(folder)


def test_report_writes_every_plot_as_a_non_empty_png(full_report: Path) -> None:
    tmp_path, out = full_report.parent, full_report
    names = [
        "geoquery_accuracy",
        "scan_accuracy",
        "sheet_accuracy",
        "synthetic_accuracy",
        "learning_curves",
        "mask_time",
    ]
    text = out.read_text(encoding="utf-8")
    for name in names:
        png = tmp_path / f"{name}.png"
        assert png.read_bytes()[:8] == PNG, name
        assert png.stat().st_size > 2000, name
        assert f"]({name}.png)" in text, name


def test_results_md_has_a_table_per_file_and_the_provenance_of_every_number(
    full_report: Path,
) -> None:
    text = full_report.read_text(encoding="utf-8")
    for name in ALL:
        assert f"## {name}\n" in text
    assert "| SCAN held-out action-sequence accuracy | length, slots on | 0.970 | [1] |" in text
    assert "| SCAN held-out action-sequence accuracy | simple, slots on | 0.998 | [2] |" in text
    assert (
        "- [1] `python -m benchmarks.bench_learning --splits length` at commit abc1234, "
        "cpu: test, 2 cores, 2026-11-01 09:00 UTC" in text
    )
    assert "- [2] `python -m benchmarks.bench_learning --splits simple`" in text
    assert "| mask time per step, mean µs | sql/bpe-2k, parseinstr | 20.0 | [1] |" in text


def test_plots_only_for_results_that_exist(tmp_path: Path) -> None:
    write(tmp_path, "decoding", decoding())
    report.write_report(tmp_path)
    assert sorted(p.name for p in tmp_path.glob("*.png")) == ["mask_time.png"]


def test_missing_and_malformed_files_are_skipped_with_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "broken", "{not json")
    write(tmp_path, "a_list", [1, 2])
    write(tmp_path, "decoding", {**_prov("x"), "mask": [{"grammar": "sql"}]})
    write(tmp_path, "unknown", {"foo": 1})
    write(tmp_path, "sheet_parser", sheet())
    text = report.write_report(tmp_path).read_text(encoding="utf-8")
    printed = capsys.readouterr().out
    for name in ("broken.json", "a_list.json", "decoding.json", "unknown.json"):
        assert f"skipped {name}: " in printed
        assert f"- skipped {name}: " in text
    assert len([line for line in printed.splitlines() if line.startswith("skipped")]) == 4
    assert "## sheet_parser" in text and "## decoding" not in text
    assert sorted(p.name for p in tmp_path.glob("*.png")) == ["sheet_accuracy.png"]


def test_a_plot_that_fails_is_skipped_and_the_others_drawn(tmp_path: Path) -> None:
    data = learning()
    for run in data["runs"]:
        run["rounds"] = [{"coverage": 0.5}]  # rows are fine, the curves cannot be drawn
    write(tmp_path, "learning", data)
    text = report.write_report(tmp_path).read_text(encoding="utf-8")
    assert "- skipped plot learning_curves.png: KeyError" in text
    assert (tmp_path / "scan_accuracy.png").read_bytes()[:8] == PNG
    assert not (tmp_path / "learning_curves.png").exists()


def test_quick_files_only_with_quick_and_then_in_place_of_the_full_ones(tmp_path: Path) -> None:
    write(tmp_path, "learning", learning())
    quick = learning()
    quick["runs"][0]["test_accuracy"] = 0.123
    write(tmp_path, "learning_quick", quick)
    full, _ = report.load_results(tmp_path)
    assert [r.name for r in full] == ["learning"]
    short, _ = report.load_results(tmp_path, quick=True)
    assert [r.name for r in short] == ["learning_quick"]
    out = report.write_report(tmp_path, quick=True)
    assert out.name == "RESULTS-quick.md" and "0.123" in out.read_text(encoding="utf-8")
    assert (tmp_path / "scan_accuracy_quick.png").exists()
    assert not (tmp_path / "scan_accuracy.png").exists()


def test_report_flag_runs_no_benchmark(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*_args: Any) -> list[str]:
        raise AssertionError("--report ran a benchmark")

    monkeypatch.setattr(bench_cli, "run_benchmarks", forbidden)
    write(tmp_path, "sheet_parser", sheet())
    assert bench_cli.main(["--report", "--results", str(tmp_path)]) == 0
    assert "## sheet_parser" in (tmp_path / "RESULTS.md").read_text(encoding="utf-8")


def test_report_command_imports_no_bench_module(tmp_path: Path) -> None:
    write(tmp_path, "decoding", decoding())
    code = (
        "import sys; from benchmarks.__main__ import main; "
        "rc = main(['--report', '--results', sys.argv[1]]); "
        "print('BENCH', sorted(m for m in sys.modules if m.startswith('benchmarks.bench_'))); "
        "sys.exit(rc)"
    )
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "BENCH []" in done.stdout
    assert (tmp_path / "mask_time.png").exists()


def test_a_run_ends_with_the_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []

    def fake_main(argv: list[str]) -> int:  # like bench_decoding: returns an exit code
        calls.append(argv)
        write(tmp_path, "sheet_parser", sheet())
        return 0

    monkeypatch.setattr(bench_cli, "bench_modules", lambda: ["fake"])
    monkeypatch.setitem(sys.modules, "benchmarks.bench_fake", types.SimpleNamespace(main=fake_main))
    assert bench_cli.main(["--quick", "--only", "fake", "--results", str(tmp_path)]) == 0
    assert calls == [["--quick"]]
    assert "## sheet_parser" in (tmp_path / "RESULTS-quick.md").read_text(encoding="utf-8")


def test_latency_refuses_a_model_without_a_workload_name(capsys) -> None:
    from benchmarks import bench_latency

    with pytest.raises(SystemExit):
        bench_latency.main(["--model", "sql"])
    assert "use NAME=DIR" in capsys.readouterr().err


def test_parser_benchmark_sizes_a_narrow_decoder_like_train() -> None:
    from benchmarks.bench_parser import spec_for
    from parseinstr.model import ModelSpec

    assert spec_for("minilm", False) == ModelSpec(encoder="minilm", d_model=384, heads=12, ff=1536)
    narrow = spec_for("minilm", False, decoder_width=256)
    assert (narrow.d_model, narrow.heads, narrow.ff) == (256, 8, 1024)
    assert spec_for("scratch", False, decoder_width=256) == ModelSpec()


def test_sheet_benchmark_refuses_an_unknown_supervision(capsys) -> None:
    from benchmarks import bench_sheet

    with pytest.raises(SystemExit):
        bench_sheet.main(["--supervision", "answers"])
    assert "use logical-form or denotation" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        bench_sheet.main(["--evaluate-model", "/no/such/model"])
    assert "no model folder" in capsys.readouterr().err


def test_sheet_benchmark_refuses_a_bad_fold_or_search_only_without_denotations(capsys) -> None:
    from benchmarks import bench_sheet

    for argv, message in [
        (["--memory-fold", "2/2", "--start-memory", "m.json"], "use K/N with 0 <= K < N"),
        (["--memory-fold", "a/b", "--start-memory", "m.json"], "use K/N with 0 <= K < N"),
        (["--memory-fold", "0/2"], "--memory-fold needs --start-memory"),
        (["--search-only"], "only with --supervision denotation"),
    ]:
        with pytest.raises(SystemExit):
            bench_sheet.main(argv)
        assert message in capsys.readouterr().err


def test_start_memories_merge_searched_forms_and_keep_a_fold(tmp_path: Path) -> None:
    """Several ``--start-memory`` files: a later file's searched forms replace the base's
    unless they write fewer of the instruction's mentions; its carried-over forms ("earlier
    run") and gold forms never do. ``--memory-fold K/N`` keeps the ids of one fold."""
    from benchmarks import bench_sheet

    def write(name: str, entries: dict[str, tuple[str, str]]) -> Path:
        path = tmp_path / name
        path.write_text(json.dumps({i: {"form": f, "source": s} for i, (f, s) in entries.items()}))
        return path

    base = write("base.json", {
        "a": ('ask COUNTIF([Score], ">5")', "beam, round 0"),
        "b": ('ask COUNTIF([Score], ">5")', "earlier run"),
        "c": ("ask COUNT([Score])", "prior, round 1"),
        "g": ("ask SUM([Score])", "gold"),
    })  # fmt: skip
    later = write("later.json", {
        "a": ("ask COUNT([Score])", "beam, round 0"),  # drops the mention 5: not taken
        "b": ('ask COUNTIF([Score], ">=5")', "beam, round 0"),  # as many mentions: taken
        "c": ('ask COUNTIF([Score], "<5")', "earlier run"),  # carried over: not taken
        "d": ("ask MAX([Score])", "sample, round 0"),  # new
    })  # fmt: skip

    class Example:
        def __init__(self, id: str) -> None:
            self.id, self.instruction = id, "how many scores are over 5?"

    class Train:
        def examples(self) -> list[Example]:
            return [Example(i) for i in "abcdg"]

        def environment_for(self, example: Example) -> None:
            return None

    merged = bench_sheet.start_memory([base, later], Train())
    assert merged == {
        "a": 'ask COUNTIF([Score], ">5")',
        "b": 'ask COUNTIF([Score], ">=5")',
        "c": "ask COUNT([Score])",
        "d": "ask MAX([Score])",
    }
    assert bench_sheet.start_memory([base]) == {i: merged[i] for i in "ac"} | {
        "b": 'ask COUNTIF([Score], ">5")'
    }
    assert bench_sheet.start_memory(None) is None
    packed = tmp_path / "base.json.gz"
    packed.write_bytes(gzip.compress(base.read_bytes()))
    assert bench_sheet.start_memory([packed]) == bench_sheet.start_memory([base])
    folds = [bench_sheet.start_memory([base, later], Train(), f"{k}/2") for k in (0, 1)]
    assert folds[0].keys() | folds[1].keys() == merged.keys()
    assert not folds[0].keys() & folds[1].keys()
    assert all(bench_sheet.in_fold(i, "0/2") for i in folds[0])
    assert bench_sheet.in_fold("a", "0/1")


def test_sheet_benchmark_learns_from_denotations_by_search_or_self_training(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import argparse

    import parseinstr.learning as learning
    import parseinstr.self_training as self_training
    from benchmarks import bench_sheet

    calls: list[tuple[str, float]] = []
    kwargs: list[dict] = []

    def fake_self_train(task, out, gold_fraction, **kw):
        calls.append(("self-training", gold_fraction))
        kwargs.append(kw)
        out.mkdir(parents=True)
        (out / "model_card.json").write_text('{"task": "sheet"}', encoding="utf-8")
        return {"history": [{"coverage": 0.5}]}

    def fake_search(task, out, config, command=""):
        calls.append(("search", config.max_minutes))
        # Every sheet instruction is enumerated (they are long, their forms small).
        assert config.enum_max_size == 4 and config.enum_max_words >= 40
        assert (config.enum_workers, config.enum_seconds_per_input) == (2, 3.0)
        assert (config.enum_seconds, config.beam_inputs) == (900.0, 600)
        assert (config.enum_interleave, config.enum_cell_cap) == (True, 1000)
        out.mkdir(parents=True)
        (out / "model_card.json").write_text('{"task": "sheet"}', encoding="utf-8")
        (out / "learning_log.json").write_text('{"rounds": []}', encoding="utf-8")
        return {"task": "sheet"}

    monkeypatch.setattr(self_training, "self_train", fake_self_train)
    monkeypatch.setattr(learning, "learn_from_denotations", fake_search)
    common = dict(
        prior=0,
        prior_ratio=1.0,
        final_minutes=None,
        search_beam=10,
        seed=0,
        start_memory=None,
        memory_fold=None,
        search_only=False,
        start_parser=None,
        no_refresh=False,
        prior_search=0,
        samples=0,
        temperature=1.0,
        defer_ambiguous=True,
        search_fold="1/2",
    )
    args = argparse.Namespace(gold_fraction=0.1, rounds=2, edits=0, **common)
    card, log = bench_sheet.learn(None, tmp_path / "a", args, None, None, 6.0)
    assert card == {"task": "sheet"} and log["history"][0]["coverage"] == 0.5
    assert kwargs[0]["synthetic"] == [] and kwargs[0]["keep_doubted"] is True
    assert kwargs[0]["defer_ambiguous"] is True  # --defer-ambiguous reaches self_train
    assert kwargs[0]["search_fold"] == "1/2"  # and --search-fold
    args = argparse.Namespace(
        **common,
        gold_fraction=0.0,
        rounds=2,
        edits=0,
        workers=2,
        per_input=3.0,
        enum_seconds=900.0,
        beam_inputs=600,
        interleave=True,
        cell_cap=1000,
    )
    card, log = bench_sheet.learn(None, tmp_path / "b", args, None, None, 6.0)
    assert log == {"rounds": []}
    assert calls == [("self-training", 0.1), ("search", 6.0)]
    # --prior K: self-training from no gold form, K synthetic forms per training sheet,
    # doubted matches never remembered.
    import parseinstr.synthesis as synthesis

    class Task:
        def examples(self):
            return [object()] * 10

    def fake_prior(task, per_instance, seed, **kw):
        assert per_instance == 3 and kw["drop_doubted"]
        return ["s1", "s2"], synthesis.SynthesisReport(forms=2, examples=2)

    monkeypatch.setattr(synthesis, "synthetic_per_instance", fake_prior)
    args = argparse.Namespace(
        **{
            **common,
            "prior": 3,
            "prior_ratio": 2.0,
            "final_minutes": 9.0,
            "search_beam": 16,
            "prior_search": 40,
            "samples": 8,
            "temperature": 1.5,
        },
        gold_fraction=0.0,
        rounds=3,
        edits=0,
    )
    card, log = bench_sheet.learn(Task(), tmp_path / "c", args, None, None, 6.0)
    assert calls[-1] == ("self-training", 0.0)
    kw = kwargs[-1]
    assert kw["synthetic"] == ["s1", "s2"] and kw["synthetic_per_epoch"] == 20
    assert kw["keep_doubted"] is False and kw["final_minutes"] == 9.0 and kw["beam"] == 16
    assert kw["prior_samples"] == 40 and kwargs[0]["prior_samples"] == 0
    assert kw["search_only"] is False
    assert kw["parser_samples"] == 8 and kw["temperature"] == 1.5
    assert log["prior"]["per_sheet"] == 3 and log["prior"]["forms"] == 2


def test_sheet_benchmark_retrains_on_remembered_forms_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--retrain-minutes`` / ``--memory``: the recipe trains on the rows the memory
    covers, each with its remembered form, never a gold one."""
    from benchmarks import bench_sheet
    from parseinstr.learning import Memory

    sheet = {"cells": {"A1": "Name", "B1": "Units", "A2": "x", "B2": 3}}
    rows = [
        {"id": "a", "instruction": "Total Units", "logical_form": "ask SUM(B2:B5)", "sheet": sheet},
        {
            "id": "b",
            "instruction": "Count rows",
            "logical_form": "ask COUNTA(A2:A5)",
            "sheet": sheet,
        },
    ]
    memory = Memory()
    memory.add("a", "ask SUM([Units])", "enumeration", 0)
    memory.add("a", "ask SUM(B2:B5) + 0", "beam", 1)
    memory.save(tmp_path / "memory.json")
    seen: list[Any] = []

    def fake_train(task, out, spec, config, command=""):
        seen.append((task.examples(), config.max_minutes))
        return {"task": "sheet"}

    monkeypatch.setattr(bench_sheet, "train_parser", fake_train)
    config = bench_sheet.TrainConfig(max_minutes=30.0)
    card, info = bench_sheet.retrain(rows, tmp_path / "memory.json", tmp_path, None, config, 5.0)
    ((examples, minutes),) = seen
    assert [(e.id, e.logical_form) for e in examples] == [("a", "ask SUM([Units])")]
    assert minutes == 5.0 and info["examples"] == 1 and info["of"] == 2
    assert info["forms_unlike_gold"] == 1

    # --retrain-rounds 2: the first model searches the uncovered task, the second trains
    # on what it found too.
    import parseinstr.learning as learning

    folders: list[str] = []
    seen.clear()

    def fake_train_in(task, out, spec, config, command=""):
        folders.append(out.name)
        return fake_train(task, out, spec, config, command)

    def fake_search(parser, items, memory, n_best, round_, edits):
        assert parser == "model retrained_0" and edits == 2
        assert [it.id for it in items if not memory.covered(it.id)] == ["b"]
        memory.add("b", "ask COUNTA([Name])", "parser", round_)
        return {"inputs": 1, "found": 1, "found_by_edits": 0}

    monkeypatch.setattr(bench_sheet, "train_parser", fake_train_in)
    monkeypatch.setattr(learning, "search_with_parser", fake_search)
    monkeypatch.setattr(bench_sheet.Parser, "load", lambda folder: f"model {folder.name}")
    card, info = bench_sheet.retrain(
        rows, tmp_path / "memory.json", tmp_path, None, config, 5.0, rounds=2, edits=2
    )
    assert folders == ["retrained_0", "retrained"]
    assert [len(examples) for examples, _ in seen] == [1, 2]
    assert info["examples"] == 2 and info["rounds"][0]["search"]["found"] == 1
    assert Memory.load(tmp_path / "memory_retrained.json").covered("b")


def test_sheet_benchmark_breaks_held_out_accuracy_down_by_kind() -> None:
    from benchmarks.bench_sheet import breakdown

    train = [
        {"kind": "sum_col", "template": "sum_col/0"},
        {"kind": "sum_col", "template": "sum_col/1"},
        {"kind": "sum_col", "template": "sum_col/1"},
        {"kind": "sumproduct", "template": "sumproduct/0"},
    ] + [{"kind": "sort_col", "template": f"sort_col/{i}"} for i in range(5)]
    test = [
        {"kind": "sum_col", "template": "sum_col/2"},
        {"kind": "sum_col", "template": "sum_col/3"},
        {"kind": "sumproduct", "template": "sumproduct/1"},
        {"kind": "sort_col", "template": "sort_col/6"},
    ]
    by_kind, by_count = breakdown(train, test, [True, False, False, True])
    assert by_kind["sum_col"] == {"n": 2, "execution_accuracy": 0.5, "training_phrasings": 2}
    assert by_kind["sumproduct"]["execution_accuracy"] == 0.0
    assert by_count == {
        "1": {"n": 1, "execution_accuracy": 0.0},
        "2": {"n": 2, "execution_accuracy": 0.5},
        "4+": {"n": 1, "execution_accuracy": 1.0},
    }


def test_bench_parser_members_train_through_the_cli(tmp_path: Path, monkeypatch) -> None:
    """``--members N`` hands the recipe to ``parseinstr train --members N`` (members sample
    their own synthetic data) and reads back the first member's card."""
    import argparse

    from benchmarks import bench_parser
    from parseinstr import cli

    seen: list[list[str]] = []

    def fake_main(argv: list[str]) -> int:
        seen.append(argv)
        member = Path(argv[argv.index("--out") + 1]) / "member-0"
        member.mkdir(parents=True)
        (member / "model_card.json").write_text(json.dumps({"train": {"seed": 0}}))
        return 0

    monkeypatch.setattr(cli, "main", fake_main)
    args = argparse.Namespace(
        members=3, epochs=80, patience=12, output_split="spaces", precision="bf16",
        synthetic=6000, synthetic_ratio=1.0, half=True, freeze_encoder=False,
        tune_top_layers=0, decoder_width=None,
    )  # fmt: skip
    card = bench_parser.train_ensemble(args, "scratch", tmp_path / "e", 28.0)
    assert card == {"train": {"seed": 0}}
    argv = seen[0]
    assert argv[:2] == ["train", "text2sql"]
    pairs = dict(zip(argv[2::2], argv[3::2], strict=False))
    assert pairs["--members"] == "3" and pairs["--max-minutes"] == "28.0"
    assert pairs["--synthetic"] == "6000" and "--half" in argv and "--freeze-encoder" not in argv
    monkeypatch.setattr(cli, "main", lambda argv: 1)
    with pytest.raises(SystemExit, match="ensemble training failed"):
        bench_parser.train_ensemble(args, "scratch", tmp_path / "f", 28.0)


def test_bench_sheet_without_cuda_fails_before_any_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """``--device cuda`` on a machine without CUDA is a clear error before any data is made."""
    import torch

    from benchmarks import bench_sheet
    from parseinstr.errors import ModelError

    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")

    def no_work(*_: Any) -> Any:
        raise AssertionError("data generated before the device was checked")

    monkeypatch.setattr(bench_sheet, "split_by_template", no_work)
    with pytest.raises(ModelError, match="no CUDA device"):
        bench_sheet.main(["--quick", "--device", "cuda"])


def test_sheet_test_split_stays_the_same_when_training_grows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A larger training set meets more templates; the held-out set (and so the test) must not
    grow with it, or runs with different training sizes are measured on different tests."""
    from benchmarks import bench_sheet

    monkeypatch.setattr(bench_sheet, "HELD_OUT_POOL_TRAIN", 500)
    train_small, test_small, held_small = bench_sheet.split_by_template(500, 50)
    train_large, test_large, held_large = bench_sheet.split_by_template(1000, 50)
    assert held_small == held_large
    assert [r["id"] for r in test_small] == [r["id"] for r in test_large]
    assert len(train_large) == 1000
    assert not held_large & {r["template"] for r in train_large}
    assert {r["template"] for r in test_large} <= held_large


def test_bench_parser_seed_reaches_training_and_the_synthetic_sample(
    tmp_path: Path, monkeypatch
) -> None:
    """``--seed S`` seeds both the training run and the synthetic sample, so a recipe can be
    repeated with other seeds to see its spread (1 question of 49 is 2 points)."""
    from benchmarks import bench_parser
    from parseinstr import synthesis

    seen: dict[str, Any] = {}

    class Stop(Exception):
        pass

    def fake_sample(task: Any, n: int, seed: int) -> tuple[list[Any], None]:
        seen["sample_seed"] = seed
        return [], None

    def fake_train(task: Any, out: Path, spec: Any, config: Any, **kwargs: Any) -> None:
        seen["config_seed"] = config.seed
        raise Stop

    monkeypatch.setattr(synthesis, "synthetic_examples", fake_sample)
    monkeypatch.setattr(bench_parser, "train_parser", fake_train)
    with pytest.raises(Stop):
        bench_parser.main(
            ["--quick", "--encoders", "scratch", "--synthetic", "50", "--seed", "3",
             "--out", str(tmp_path)]
        )  # fmt: skip
    assert seen == {"sample_seed": 3, "config_seed": 3}


def test_bench_throughput_keeps_each_device_measured_before_a_failure(
    tmp_path: Path, monkeypatch
) -> None:
    """A run cut short on its second device (a device machine's time limit) still leaves the
    first device's figures in the results file."""
    from benchmarks import bench_throughput

    calls = {"decode": 0}

    def fake_decode(parser: Any, instructions: Any, envs: Any, batch: int, beams: int, r: int):
        calls["decode"] += 1
        if calls["decode"] > 1:
            raise KeyboardInterrupt  # the second device never finishes
        return {"batch": batch, "beams": beams, "instructions_per_second": 9.0}

    out = tmp_path / "throughput.json"
    monkeypatch.setattr(bench_throughput, "results_path", lambda name: out)
    monkeypatch.setattr(bench_throughput, "decoding_inputs", lambda *a: (["x"], [None]))
    monkeypatch.setattr(
        bench_throughput,
        "train_speed",
        lambda device, epochs, out: {"device": device, "examples_per_second": 50.0},
    )
    monkeypatch.setattr(
        bench_throughput.Parser, "load", lambda model, device: SimpleNamespace(threads=1)
    )
    monkeypatch.setattr(bench_throughput, "decode_speed", fake_decode)
    with pytest.raises(KeyboardInterrupt):
        bench_throughput.main(
            ["--devices", "cpu,cpu", "--model", str(tmp_path), "--cpu-batches", "1",
             "--beams", "1", "--out", str(tmp_path / "runs")]
        )  # fmt: skip
    saved = json.loads(out.read_text())
    assert saved["training"]["cpu"]["examples_per_second"] == 50.0
    assert saved["decoding"]["cpu"]["runs"][0]["instructions_per_second"] == 9.0
    assert {"metric": "training examples/s (sql recipe)", "setting": "cpu", "value": 50.0} in (
        saved["summary"]
    )


def test_bench_sheet_batch_size_reaches_training(tmp_path: Path, monkeypatch) -> None:
    """``bench_sheet --batch-size N`` trains with N examples a step (a GPU wants more than 16)."""
    from benchmarks import bench_sheet

    seen: dict[str, int] = {}

    class Stop(Exception):
        pass

    def fake_train(task: Any, out: Path, spec: Any, config: Any, **kwargs: Any) -> None:
        seen["batch_size"] = config.batch_size
        raise Stop

    monkeypatch.setattr(bench_sheet, "train_parser", fake_train)
    with pytest.raises(Stop):
        bench_sheet.main(["--quick", "--batch-size", "64", "--out", str(tmp_path)])
    assert seen == {"batch_size": 64}


def test_bench_semisup_compares_with_a_supervised_run_on_file(tmp_path: Path, monkeypatch) -> None:
    """``--reference-results F`` takes the supervised figures from a bench_parser JSON of
    the same recipe (named as this benchmark names its own) instead of training a second
    parser; ``--tune-top-layers`` / ``--eval-every`` reach every round's training and
    ``--samples`` / ``--temperature`` the search."""
    from benchmarks import bench_semisup

    ref = tmp_path / "parser.json"
    ablation = {
        "constrained beam": {"execution_accuracy": 0.8},
        "constrained beam + execution": {"execution_accuracy": 0.9},
    }
    ref.write_text(
        json.dumps({"commit": "abc", "date": "d", "encoders": {"minilm": {"ablation": ablation}}})
    )
    got = bench_semisup.reference_from_results(ref, "minilm")
    assert got["geoquery_dev"] == {
        "constrained beam 5": {"execution_accuracy": 0.8},
        "constrained beam 5 + execution": {"execution_accuracy": 0.9},
    }
    assert "abc" in got["model"]
    with pytest.raises(SystemExit, match="no 'scratch' parser"):
        bench_semisup.reference_from_results(ref, "scratch")

    seen: dict[str, Any] = {}

    class Stop(Exception):
        pass

    def fake_self_train(task: Any, out: Path, gold: float, **kwargs: Any) -> None:
        seen["tune"] = kwargs["config"].tune_top_layers
        seen["every"] = kwargs["config"].eval_every
        seen["draws"] = (kwargs["parser_samples"], kwargs["temperature"])
        seen["keep_doubted"] = kwargs["keep_doubted"]
        seen["defer"] = kwargs["defer_ambiguous"]
        raise Stop

    monkeypatch.setattr(bench_semisup, "synthetic_examples", lambda *a, **k: ([], None))
    monkeypatch.setattr(bench_semisup, "self_train", fake_self_train)
    with pytest.raises(Stop):
        bench_semisup.main(
            ["--quick", "--tune-top-layers", "4", "--eval-every", "3", "--samples", "8",
             "--temperature", "1.5", "--reference-results", str(ref), "--out", str(tmp_path),
             "--drop-doubted", "--defer-ambiguous"]
        )  # fmt: skip
    assert seen == {
        "tune": 4, "every": 3, "draws": (8, 1.5), "keep_doubted": False, "defer": True
    }  # fmt: skip


def test_sheet_memory_report_counts_forms_unlike_the_generator(tmp_path: Path) -> None:
    """The report (never the learner) compares remembered forms with the generator's,
    tells spurious ones (they part on fictitious sheets) from equivalent ones, and samples
    both."""
    from benchmarks.bench_sheet import memory_report

    cells = {"A1": "X", "A2": 3, "A3": 5, "A4": 9, "B1": "Y", "B2": 1, "B3": 2, "B4": 2}
    rows = [
        {"id": "a", "kind": "sum_col", "instruction": "total", "logical_form": "ask SUM([X])"},
        {"id": "b", "kind": "sum_col", "instruction": "sum x", "logical_form": "ask SUM([X])"},
        {"id": "c", "kind": "count_eq", "instruction": "how many", "logical_form": "ask MAX([Y])"},
        {"id": "d", "kind": "count_eq", "instruction": "gold", "logical_form": "ask Z"},
    ]
    for row in rows:
        row["sheet"] = {"cells": cells}
    memory = {
        "a": {"form": "ask SUM([X])", "source": "beam, round 0"},
        "b": {"form": "ask SUM(A2:A4)", "source": "beam, round 0"},  # equivalent
        "c": {"form": "ask B4", "source": "beam, round 1"},  # 2 here, by chance
        "d": {"form": "ask Z", "source": "gold"},
    }
    path = tmp_path / "memory.json"
    path.write_text(json.dumps(memory))
    got = memory_report(rows, path)
    assert (got["found"], got["equal_to_generator"], got["unlike_generator"]) == (3, 1, 2)
    assert got["spurious"] == 1
    assert got["by_kind"] == {"count_eq": {"same": 0, "differ": 1, "spurious": 1},
                              "sum_col": {"same": 1, "differ": 1, "spurious": 0}}  # fmt: skip
    assert got["sample_spurious"] == [
        {"instruction": "how many", "remembered": "ask B4", "generator": "ask MAX([Y])"}
    ]
    assert len(got["sample_unlike"]) == 2


def test_sheet_benchmark_evaluates_an_earlier_model_with_every_selection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--evaluate-model``: no training; the model's card and learning log are recorded and
    the ablation includes execution-guided selection that prefers mentions."""
    from benchmarks import bench_sheet
    from parseinstr.parser import Candidate

    model = tmp_path / "m"
    model.mkdir()
    (model / "model_card.json").write_text(json.dumps({"command": "train it"}))
    (model / "learning_log.json").write_text(json.dumps({"history": [{"round": 0}]}))

    class Stub:
        def parse_batch(self, instructions, envs, *a, **k):
            return [[Candidate("ask 1", -0.1)] for _ in instructions]

        def parse(self, instruction, env, *a, **k):
            return [Candidate("ask 1", -0.1)]

    monkeypatch.setattr(
        bench_sheet.Parser, "load", classmethod(lambda cls, folder, device="cpu": Stub())
    )
    monkeypatch.setattr(bench_sheet, "train_parser", lambda *a, **k: pytest.fail("trained"))
    written: dict = {}
    monkeypatch.setattr(bench_sheet, "write_results", lambda path, r: written.update(r))
    out = bench_sheet.main(
        ["--quick", "--evaluate-model", str(model), "--out", str(tmp_path / "o")]
    )
    assert out["learning"]["evaluated_model"] == str(model)
    assert out["learning"]["trained_by"] == "train it" and out["learning"]["history"]
    assert "constrained beam + execution + mentions" in out["ablation"]
    assert written["ablation"] == out["ablation"]


def test_sheet_benchmark_trains_the_epochs_asked_for(tmp_path: Path, monkeypatch, capsys) -> None:
    """``--epochs N`` ends training after N epochs although minutes are left (the quick
    run's budget is a minute; without the option it trains epochs until that runs out), and
    a bad value is refused before any task is generated or written."""
    from benchmarks import bench_sheet

    with pytest.raises(SystemExit):
        bench_sheet.main(["--epochs", "0", "--out", str(tmp_path / "refused")])
    assert "train at least one epoch" in capsys.readouterr().err
    assert not (tmp_path / "refused").exists()
    monkeypatch.setattr(bench_sheet, "results_path", lambda name: tmp_path / f"{name}.json")
    out = bench_sheet.main(["--quick", "--epochs", "3", "--out", str(tmp_path / "run")])
    assert out["budget_epochs"] == 3
    assert [h["epoch"] for h in out["history"]] == [2, 3]
    card = json.loads((tmp_path / "run" / "model" / "model_card.json").read_text())
    assert card["stopped"] == "epochs" and card["train"]["epochs"] == 3
    assert (tmp_path / "sheet_parser_quick.json").is_file()
