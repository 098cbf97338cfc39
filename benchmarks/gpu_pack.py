"""Carry the MiniLM encoder to a GPU machine that cannot install it: ``pack`` writes its
weights in float16 (half the size) with its config and tokenizer to a folder; ``restore``,
run there, writes them back in float32 for ``--encoder FOLDER``.

    python -m benchmarks.gpu_pack pack .gpu/minilm
    python -m benchmarks.gpu_pack restore /tmp/minilm --source .gpu/minilm

``benchmarks/gpu_run.sh`` is the device run that uses it.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from safetensors.torch import load_file, save_file

WEIGHTS = "model.safetensors"
FILES = ("config.json", "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json")


def convert(source: Path, target: Path, half: bool) -> int:
    """Copy the encoder folder ``source`` to ``target`` with its floating-point weights in
    float16 (``half``) or float32; returns the number of tensors."""
    target.mkdir(parents=True, exist_ok=True)
    weights = load_file(str(source / WEIGHTS))
    cast = {
        k: (v.half() if half else v.float()) if v.is_floating_point() else v
        for k, v in weights.items()
    }
    save_file(cast, str(target / WEIGHTS), metadata={"format": "pt"})
    for name in (*FILES, "vocab.txt"):
        if (source / name).exists():
            shutil.copy(source / name, target / name)
    return len(cast)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("action", choices=("pack", "restore"))
    ap.add_argument("target", type=Path)
    ap.add_argument("--source", type=Path, default=None, help="default: the installed MiniLM")
    args = ap.parse_args(argv)
    if args.source is None:
        from parseinstr.model import minilm_path

        args.source = Path(minilm_path())
    n = convert(args.source, args.target, half=args.action == "pack")
    print(f"{args.action}: {n} tensors -> {args.target}")


if __name__ == "__main__":
    main()
