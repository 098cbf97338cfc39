"""What every benchmark records beside its numbers (CONVENTIONS): commit, device, date,
mode and the exact command, and where results are written."""

from __future__ import annotations

import datetime as _dt
import os
import platform
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from parseinstr.io import write_json_atomic

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results"


def commit() -> str:
    """The repository's HEAD commit (with ``+dirty`` when the tree has changes)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO,
            text=True,
            capture_output=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            text=True,
            capture_output=True,
            check=True,
        ).stdout.strip()
        return head + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def device() -> str:
    """CPU model and core count, or the CUDA device's name."""
    import torch

    if torch.cuda.is_available():
        return f"cuda: {torch.cuda.get_device_name(0)}"
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"cpu: {cpu}, {os.cpu_count()} cores, torch threads {torch.get_num_threads()}"


def run_metadata(mode: str, argv: Sequence[str]) -> dict[str, Any]:
    """The fields every results JSON carries."""
    return {
        "commit": commit(),
        "device": device(),
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "mode": mode,
        "command": "python -m " + " ".join([f"benchmarks.{Path(argv[0]).stem}", *argv[1:]]),
    }


def results_path(name: str) -> Path:
    """``benchmarks/results/<name>.json``."""
    return RESULTS / f"{name}.json"


def write_results(path: Path, results: dict[str, Any]) -> None:
    """Write results atomically and say where."""
    write_json_atomic(path, results)
    print(f"wrote {path}")
