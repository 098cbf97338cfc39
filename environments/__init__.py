"""Environments shipped with parseinstr (installed as ``parseinstr.environments``).

One module per environment: its world model, executor, denotation comparison and
description for the parser, plus the loaders of the tasks that run in it. Each module
registers itself with :mod:`parseinstr.registry` when imported.
"""
