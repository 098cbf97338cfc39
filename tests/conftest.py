"""Shared fixtures. Tests read only files of this repository, never ../shared."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).parent.parent
GEO = REPO / "environments" / "data" / "sql" / "geography"


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
