"""``parseinstr demo``: the real parser, with bundled models, on bundled data.

For every registered environment that offers a :class:`~parseinstr.environment.Demo`,
load its bundled model, run each demo instruction through
:class:`~parseinstr.parser.InstructionExecutor` and show the instruction, the logical
form, its English explanation and the denotation. Nothing is canned: every row comes from
decoding and execution on this machine. Pictures (grid paths) go to ``out_dir``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from . import registry
from .bundled import default_model
from .environment import Demo, Environment
from .errors import ParseInstrError


def _short(value: Any, width: int = 160) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= width else text[: width - 1] + "…"


def _result_view(denotation: Any) -> RenderableType:
    """The denotation as the environment draws it (``__rich__``), else as short JSON."""
    if hasattr(denotation, "__rich__"):
        return denotation  # type: ignore[no-any-return]
    return Text(_short(denotation.to_json()))


def _panel(
    instruction: str, form: str, meaning: str, result: RenderableType, doubt: str | None = None
) -> Panel:
    """One instruction: what ran, what it means, what it gave, and why it may be wrong
    (the environment's doubt, when every candidate had one)."""
    facts = Table.grid(padding=(0, 1))
    facts.add_column(style="bold cyan", no_wrap=True)
    facts.add_column(overflow="fold")
    facts.add_row("logical form", Text(form))
    facts.add_row("meaning", Text(meaning))
    facts.add_row("result", result)
    if doubt:
        facts.add_row("doubt", Text(doubt, style="yellow"))
    return Panel(Group(facts), title=Text(instruction, style="bold"), title_align="left")


def _instance(env_cls: type[Environment], demo: Demo, picture: Path | None) -> Environment:
    options = dict(demo.options)
    if picture is not None:
        options["picture"] = picture
    return env_cls.from_options(**options)


def run_environment_demo(
    env_cls: type[Environment], demo: Demo, out_dir: Path, console: Console
) -> int:
    """Run one environment's demo; returns the number of instructions that failed."""
    from .parser import InstructionExecutor, Parser

    started = time.perf_counter()
    parser = Parser.load(default_model(env_cls))
    console.rule(f"[bold]{demo.title}[/bold]  [dim]({env_cls.name})[/dim]")
    pictures = "picture" in env_cls.option_names
    shared = None if pictures else _instance(env_cls, demo, None)
    failed = 0
    written: list[str] = []
    try:
        for i, instruction in enumerate(demo.instructions):
            picture = out_dir / f"{env_cls.name}-{i + 1}.png" if pictures else None
            env = shared or _instance(env_cls, demo, picture)
            try:
                result = InstructionExecutor(parser, env).run(instruction)
                if result.denotation is None:
                    failed += 1
                    shown: RenderableType = Text(f"no candidate ran: {result.error}", style="red")
                else:
                    shown = _result_view(result.denotation)
                    if picture is not None:
                        written += env.export(result.denotation)
                console.print(
                    _panel(
                        instruction,
                        result.logical_form or "",
                        result.explanation or "",
                        shown,
                        result.doubt,
                    )
                )
            finally:
                if env is not shared:
                    env.close()
    finally:
        if shared is not None:
            shared.close()
    for path in written:
        console.print(f"  picture of the path: {path}")
    console.print(f"  [dim]{time.perf_counter() - started:.1f} s[/dim]")
    return failed


def run_demo(
    out_dir: Path,
    console: Console,
    only: list[str] | None = None,
    on_error: Callable[[str], None] | None = None,
) -> int:
    """Run the demo of every environment (or those in ``only``); returns the number of
    environments or instructions that failed."""
    out_dir.mkdir(parents=True, exist_ok=True)
    failures = 0
    for name in only or registry.environment_names():
        env_cls = registry.get_environment(name)
        demo = env_cls.demo()
        if demo is None:
            continue
        try:
            failures += run_environment_demo(env_cls, demo, out_dir, console)
        except ParseInstrError as exc:
            failures += 1
            (on_error or console.print)(f"{name}: {exc}")
    return failures
