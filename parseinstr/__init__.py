"""parseinstr: carry out plain-language instructions.

A learned sequence-to-sequence parser maps an instruction to a logical form of an
environment's Lark grammar; the environment executes it and returns its denotation.
"""

from .environment import CrossCheck, Denotation, Environment, Example, Task
from .errors import (
    DataError,
    ExecutionError,
    GrammarError,
    ModelError,
    ParseError,
    ParseInstrError,
    TimeLimitError,
    UnknownNameError,
    UnsafeOperationError,
    UsageError,
)
from .grammar import Grammar
from .registry import environment_names, get_environment, get_task, task_names

__version__ = "0.1.0"

__all__ = [
    "CrossCheck",
    "DataError",
    "Denotation",
    "Environment",
    "Example",
    "ExecutionError",
    "Grammar",
    "GrammarError",
    "ModelError",
    "ParseError",
    "ParseInstrError",
    "Task",
    "TimeLimitError",
    "UnknownNameError",
    "UnsafeOperationError",
    "UsageError",
    "environment_names",
    "get_environment",
    "get_task",
    "task_names",
    "__version__",
]
