"""Bundled default models: where an environment's model lives and what rebuilds it.

An environment class names its model folder (``bundled_model``, relative to its module)
and the command that trains it (``bundled_model_command``); ``--model`` defaults to that
folder everywhere. A missing folder is an error naming the command.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .environment import Environment
from .errors import ModelError


def bundled_model_path(env_cls: type[Environment]) -> Path | None:
    """The folder of ``env_cls``'s bundled model (None when it declares none)."""
    if not env_cls.bundled_model:
        return None
    module = sys.modules[env_cls.__module__]
    return Path(module.__file__).resolve().parent / env_cls.bundled_model  # type: ignore[arg-type]


def default_model(env_cls: type[Environment]) -> Path:
    """The bundled model folder of ``env_cls``, which must exist.

    Raises:
        ModelError: the environment bundles no model, or its folder is missing; the
            message says which command builds it.
    """
    path = bundled_model_path(env_cls)
    if path is None:
        raise ModelError(
            f"environment {env_cls.name!r} bundles no model: give one with --model DIR "
            "(train it with `parseinstr train`)"
        )
    from .ensemble import is_ensemble

    if not ((path / "model_card.json").exists() or is_ensemble(path)):
        rebuild = env_cls.bundled_model_command or "parseinstr train ..."
        raise ModelError(
            f"the bundled {env_cls.name} model is missing ({path}); build it with: {rebuild}"
        )
    return path
