"""The gold-form replay benchmark, the bundled-model benchmark (quick modes), peer versions."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import __main__ as suite
from benchmarks import bench_bundled, bench_grammar
from benchmarks.report import load_result


@pytest.fixture
def results_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for module in (bench_grammar, bench_bundled):
        monkeypatch.setattr(module, "results_path", lambda name: tmp_path / f"{name}.json")
    return tmp_path


def test_both_run_with_the_benchmark_command():
    assert {"grammar", "bundled"} <= set(suite.bench_modules())


def test_grammar_replay_counts_and_shares(results_here: Path):
    out = bench_grammar.main(["--quick", "--sheet-tasks", "30"])
    geo, sheet = out["geoquery"], out["sheet"]
    assert geo["part"] == "dev" and geo["counts"]["gold"] == 49
    assert geo["accept"] == geo["counts"]["accept"] / 49
    # Every generated sheet task's gold form parses, runs and gives its expected result.
    assert sheet["counts"] == {
        "gold": 30,
        "accept": 30,
        "execute": 30,
        "nonempty": 30,
        "with_expected": 30,
        "match": 30,
    }
    # The grammar alone rejects a column of another table; an alias out of its scope
    # passes the context-free grammar and is caught by the executor.
    corrupted = geo["corrupted"]
    assert corrupted["column of another table"]["rejected_by_grammar"] == 1.0
    alias = corrupted["alias out of scope"]
    assert alias["rejected_by_grammar"] == 0.0
    assert alias["rejected_by_grammar_or_executor"] == 1.0
    assert geo["crosscheck_duckdb"]["agree"] == 1.0
    metrics = [row["metric"] for row in out["summary"]]
    assert "GeoQuery: same denotation on duckdb" in metrics
    assert "sheet (generated): gold forms give the expected denotation" in metrics
    result = load_result(results_here / "grammar_quick.json")
    assert len(result.rows) == len(out["summary"])
    assert out["commit"] and out["command"].startswith("python -m benchmarks.bench_grammar")


def test_bundled_models_on_their_sets(results_here: Path):
    out = bench_bundled.main(["--quick"])
    assert out["models"] == {
        "sql": "environments/models/sql",
        "sheet": "environments/models/sheet",
        "grid": "environments/models/grid",
    }
    decoded = [(s["model"], s["data"], s["decoding"], s["n"]) for s in out["sets"]]
    assert decoded == [
        ("sql", "GeoQuery dev", "unconstrained greedy", 10),
        ("sql", "GeoQuery dev", "constrained greedy", 10),
        ("sql", "GeoQuery dev", "constrained beam 5 + execution", 10),
        ("sql", "negation / rewording", "constrained beam 5 + execution", 10),
        ("sheet", "200 generated (seed 7)", "constrained greedy", 10),
        ("sheet", "200 generated (seed 7)", "constrained beam 5 + execution", 10),
        ("sheet", "hand-written", "constrained greedy", 10),
        ("sheet", "hand-written", "constrained beam 5 + execution", 10),
        ("grid", "SCAN simple, held-out 10%", "constrained greedy", 10),
    ]
    for s in out["sets"]:
        wrong = len(s["wrong"])
        assert s["execution_accuracy"] == pytest.approx((s["n"] - wrong) / s["n"])
    # The negation set's rows are also reported per tag.
    assert any(r["metric"].endswith(": negation") for r in out["summary"])
    # The bundled grid model is 0.999 on the whole held-out 10%: the first ten must pass.
    assert out["sets"][-1]["execution_accuracy"] == 1.0
    result = load_result(results_here / "bundled_quick.json")
    assert len(result.rows) == len(out["summary"])


def test_decoding_results_name_the_peer_versions():
    import importlib.metadata

    from benchmarks.decoding_peers import peer_versions

    versions = peer_versions(["parseinstr", "no-such-peer-package"])
    assert versions == {
        "parseinstr": importlib.metadata.version("parseinstr"),
        "no-such-peer-package": "unknown",
    }
