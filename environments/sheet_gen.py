"""Generated training tasks for the sheet environment, reproducible by seed.

``generate_tasks(n, seed)`` cycles through every task kind (questions in
``sheet_gen_questions``, commands in ``sheet_gen_commands``), each on a fresh random sheet
(``sheet_gen_tables``), and writes one JSON object per task in the ``sheet`` task format,
with the gold logical form, the expected result computed in plain Python from the generated
table (never by the sheet environment), tags, and the phrasing template id
(``"template": "sum_col/3"``) for splits that hold phrasings out.
"""

from __future__ import annotations

import random
from typing import Any

from parseinstr.errors import UsageError

from . import sheet_gen_commands, sheet_gen_questions  # noqa: F401 - they register kinds
from .sheet_gen_core import KINDS, Ctx
from .sheet_gen_tables import make_grid

# Share of tasks that name columns by letter (``column D``, gold forms with ``D2:D9``).
BY_LETTER = 0.2
# Sheets tried for one kind before moving on (a kind may need, e.g., a boolean column).
ATTEMPTS = 50


def generate_tasks(n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` tasks, the kinds in turn, reproducibly from ``seed``.

    Raises:
        UsageError: ``n`` is not positive.
    """
    if n < 1:
        raise UsageError(f"--n {n}: generate at least one task")
    rng = random.Random(seed)
    names = sorted(KINDS)
    out: list[dict[str, Any]] = []
    turn = 0
    while len(out) < n:
        name = names[turn % len(names)]
        turn += 1
        fn, tags = KINDS[name]
        for _ in range(ATTEMPTS):
            ctx = Ctx(rng, make_grid(rng), name, rng.random() < BY_LETTER, set(tags))
            task = fn(ctx)
            if task is not None:
                out.append({"id": f"sheet-{seed}-{len(out):05d}", **task})
                break
    return out
