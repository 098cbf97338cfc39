"""Evaluation and benchmark JSON carry commit, device, date, mode and command."""

from __future__ import annotations

from parseinstr.provenance import commit, provenance


def test_provenance_fields():
    meta = provenance("quick", ["parseinstr", "evaluate", "sheet"])
    assert set(meta) == {"commit", "device", "date", "mode", "command"}
    assert meta["command"] == "parseinstr evaluate sheet" and meta["mode"] == "quick"
    assert meta["device"].startswith(("cpu:", "cuda:")) and meta["date"].endswith("UTC")


def test_commit_outside_a_repository_names_the_version(tmp_path):
    assert "no git repository" in commit(tmp_path)
