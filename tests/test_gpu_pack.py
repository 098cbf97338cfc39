"""Carrying an encoder in float16 and restoring it in float32 (benchmarks.gpu_pack)."""

from __future__ import annotations

from pathlib import Path

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
