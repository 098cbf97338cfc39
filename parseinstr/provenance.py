"""Where a number came from: commit, device, date, mode and command (CONVENTIONS).

Every evaluation or benchmark JSON carries these fields, so a figure can be traced to the
code and machine that produced it.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__


def commit(where: Path | None = None) -> str:
    """The git commit of ``where`` (default: the working directory), ``+dirty`` when tracked
    files changed; the package version when there is no repository. The environment variable
    ``PARSEINSTR_COMMIT``, where set, names the commit instead: a copy of the tree sent to
    another machine may carry no repository, or a stale one."""
    copied = os.environ.get("PARSEINSTR_COMMIT")
    if copied:
        return f"{copied} (copied tree)"
    try:
        run = dict(cwd=where or Path.cwd(), text=True, capture_output=True, check=True)
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], **run).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], **run
        ).stdout.strip()
        return head + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return f"parseinstr {__version__} (no git repository)"


def device() -> str:
    """CPU model, cores and torch threads, or the CUDA device's name."""
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


def provenance(
    mode: str, command: str | Sequence[str], where: Path | None = None
) -> dict[str, Any]:
    """The fields every results JSON carries: commit, device, date, mode, command."""
    return {
        "commit": commit(where),
        "device": device(),
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "mode": mode,
        "command": command if isinstance(command, str) else " ".join(command),
    }
