"""What every benchmark records beside its numbers (CONVENTIONS): commit, device, date,
mode and the exact command, and where results are written."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from parseinstr.io import write_json_atomic
from parseinstr.provenance import commit as _commit
from parseinstr.provenance import provenance

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results"


def commit() -> str:
    """The repository's HEAD commit (with ``+dirty`` when the tree has changes)."""
    return _commit(REPO)


def run_metadata(mode: str, argv: Sequence[str]) -> dict[str, Any]:
    """The fields every results JSON carries."""
    return {
        **provenance(
            mode, "python -m " + " ".join([f"benchmarks.{Path(argv[0]).stem}", *argv[1:]])
        ),
        "commit": commit(),
    }


def results_path(name: str) -> Path:
    """``benchmarks/results/<name>.json``."""
    return RESULTS / f"{name}.json"


def write_results(path: Path, results: dict[str, Any]) -> None:
    """Write results atomically and say where."""
    write_json_atomic(path, results)
    print(f"wrote {path}")
