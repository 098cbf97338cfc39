"""GPU runs prepared here: the encoder carried in float16 (benchmarks.gpu_pack) and the
throughput benchmark run side by side per device (benchmarks.bench_throughput)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

from benchmarks.gpu_pack import convert, main


def _encoder(folder: Path) -> dict[str, torch.Tensor]:
    folder.mkdir()
    weights = {"w": torch.randn(4, 3), "ids": torch.arange(5)}
    save_file(weights, str(folder / "model.safetensors"))
    (folder / "config.json").write_text("{}")
    (folder / "vocab.txt").write_text("a\nb\n")
    return weights


def test_pack_halves_floats_and_restore_brings_float32_back(tmp_path: Path) -> None:
    original = _encoder(tmp_path / "enc")
    assert convert(tmp_path / "enc", tmp_path / "packed", half=True) == 2
    packed = load_file(str(tmp_path / "packed" / "model.safetensors"))
    assert packed["w"].dtype == torch.float16 and packed["ids"].dtype == torch.int64
    main(["restore", str(tmp_path / "back"), "--source", str(tmp_path / "packed")])
    back = load_file(str(tmp_path / "back" / "model.safetensors"))
    assert back["w"].dtype == torch.float32 and torch.equal(back["ids"], original["ids"])
    assert torch.allclose(back["w"], original["w"], atol=1e-2)
    assert (tmp_path / "back" / "config.json").exists() and (
        tmp_path / "back" / "vocab.txt"
    ).exists()


def test_throughput_bench_decodes_side_by_side_and_summarises(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """bench_throughput decodes the same instructions per batch size and beam, reports
    instructions a second, and summarises the best rate per beam (training skipped)."""
    from benchmarks import bench_throughput

    monkeypatch.setattr(bench_throughput, "results_path", lambda name: tmp_path / f"{name}.json")
    results = bench_throughput.main(
        ["--devices", "cpu", "--epochs", "0", "--n", "4", "--cpu-batches", "1,4",
         "--beams", "1,2", "--repeats", "1", "--results", "tp"]
    )  # fmt: skip
    runs = results["decoding"]["cpu"]["runs"]
    assert [(r["batch"], r["beams"]) for r in runs] == [(1, 1), (4, 1), (1, 2), (4, 2)]
    assert all(r["instructions_per_second"] > 0 for r in runs)
    assert results["training"] == {} and results["n_instructions"] == 4
    rows = results["summary"]
    assert [r["metric"] for r in rows] == [
        "constrained decoding instructions/s, beam 1",
        "constrained decoding instructions/s, beam 2",
    ]
    assert (tmp_path / "tp.json").exists()
