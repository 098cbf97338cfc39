"""Evaluation and benchmark JSON carry commit, device, date, mode and command."""

from __future__ import annotations

from pathlib import Path

from parseinstr.provenance import commit, provenance


def test_provenance_fields():
    meta = provenance("quick", ["parseinstr", "evaluate", "sheet"])
    assert set(meta) == {"commit", "device", "date", "mode", "command"}
    assert meta["command"] == "parseinstr evaluate sheet" and meta["mode"] == "quick"
    assert meta["device"].startswith(("cpu:", "cuda:")) and meta["date"].endswith("UTC")


def test_commit_outside_a_repository_names_the_version(tmp_path, monkeypatch):
    monkeypatch.delenv("PARSEINSTR_COMMIT", raising=False)
    assert "no git repository" in commit(tmp_path)


def test_commit_of_a_copied_tree_comes_from_the_environment(tmp_path, monkeypatch):
    """A tree sent to a GPU machine names the commit it was sent at, with no repository or
    with a stale one (this checkout's own HEAD is not what was sent)."""
    monkeypatch.setenv("PARSEINSTR_COMMIT", "aa2c049")
    assert commit(tmp_path) == "aa2c049 (copied tree)"
    assert commit(Path(__file__).parent) == "aa2c049 (copied tree)"
