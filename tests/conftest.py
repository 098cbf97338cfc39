"""Shared fixtures. Tests read only files of this repository, never ../shared."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).parent.parent
GEO = REPO / "environments" / "data" / "sql" / "geography"

# ``benchmarks`` is not installed with the package: tests reach it from the checkout, the path
# appended so that the installed ``parseinstr`` (which maps ``environments/``) still comes first.
# Here rather than in a test module, so that it holds whichever test file is collected first.
if str(REPO.resolve()) not in sys.path:
    sys.path.append(str(REPO.resolve()))


def write_sheet_tasks(path: Path, n: int, seed: int) -> Path:
    """``n`` generated sheet tasks (generator seed ``seed``) as a JSONL file at ``path``."""
    from parseinstr.environments.sheet_task import SheetTask

    rows = SheetTask.generate(n, seed)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def shop_db(tmp_path: Path) -> Path:
    """A fresh SQLite file built from tests/data/shop.sql."""
    path = tmp_path / "shop.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript((DATA / "shop.sql").read_text())
    conn.commit()
    conn.close()
    return path


@pytest.fixture
def geo_db() -> Path:
    """The bundled GeoQuery database (read-only use only)."""
    return GEO / "geography.sqlite"


@pytest.fixture
def geo_data() -> Path:
    """The bundled GeoQuery questions (text2sql-data format)."""
    return GEO / "geography.json"
