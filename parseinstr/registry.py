"""The registry of environments and tasks.

Environment modules under ``parseinstr.environments`` register themselves with the
decorators below when imported; third-party plug-ins do the same from a module named in
the ``parseinstr.environments`` entry-point group. Only the registry and the CLI look names
up, and an unknown name fails naming the closest known one.
"""

from __future__ import annotations

import importlib
import pkgutil
from importlib import metadata
from typing import TypeVar

from .environment import Environment, Task
from .errors import UnknownNameError

ENTRY_POINT_GROUP = "parseinstr.environments"

_ENVIRONMENTS: dict[str, type[Environment]] = {}
_TASKS: dict[str, type[Task]] = {}
_loaded = False

E = TypeVar("E", bound=type[Environment])
T = TypeVar("T", bound=type[Task])


def register_environment(cls: E) -> E:
    """Class decorator: make an environment available under ``cls.name``."""
    _ENVIRONMENTS[cls.name] = cls
    return cls


def register_task(cls: T) -> T:
    """Class decorator: make a task available under ``cls.name``."""
    _TASKS[cls.name] = cls
    return cls


def _discover() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    package = importlib.import_module("parseinstr.environments")
    for info in pkgutil.iter_modules(package.__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{package.__name__}.{info.name}")
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        entry.load()


def environment_names() -> list[str]:
    """Names of all registered environments."""
    _discover()
    return sorted(_ENVIRONMENTS)


def task_names() -> list[str]:
    """Names of all registered tasks."""
    _discover()
    return sorted(_TASKS)


def get_environment(name: str) -> type[Environment]:
    """The environment class registered as ``name`` (raises ``UnknownNameError``)."""
    _discover()
    try:
        return _ENVIRONMENTS[name]
    except KeyError:
        raise UnknownNameError("environment", name, _ENVIRONMENTS) from None


def get_task(name: str) -> type[Task]:
    """The task class registered as ``name`` (raises ``UnknownNameError``)."""
    _discover()
    try:
        return _TASKS[name]
    except KeyError:
        raise UnknownNameError("task", name, _TASKS) from None
