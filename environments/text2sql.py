"""The ``text2sql`` task: the JSON format of text2sql-data (Finegan-Dollak et al., 2018).

A data file is a list of query records, each with ``sql`` (variants of one query; the
first is used), ``variables``, ``query-split`` and ``sentences`` (``text``, ``variables``
mapping placeholders to values, ``question-split``). Sentences are selected by split
(``question`` or ``query``) and part (``train,dev`` or fold numbers ``0,1``). By default each
sentence's variables are filled into both its text and the SQL, as a person would type
them; ``anonymized`` keeps the placeholders. A record may carry ``"tags"``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from parseinstr.environment import Example, Task
from parseinstr.errors import DataError, UsageError
from parseinstr.registry import register_task

from .sql import SqlEnvironment

SPLITS = ("question", "query")


def fill_variables(text: str, variables: dict[str, str]) -> str:
    """Replace each placeholder (a whole word) in ``text`` by its value."""
    for name in sorted(variables, key=len, reverse=True):
        text = re.sub(
            rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])",
            lambda _m, v=variables[name]: v,
            text,
        )
    return text


def load_text2sql(
    path: Path, split: str = "question", parts: set[str] | None = None, anonymized: bool = False
) -> list[Example]:
    """Examples of a text2sql-data file, selected by ``split`` and ``parts``.

    Raises:
        DataError: the file is missing, not JSON, or not in the text2sql-data format.
        UsageError: ``split`` is neither ``question`` nor ``query``.
    """
    if split not in SPLITS:
        raise UsageError(f"--split {split!r}: use one of {', '.join(SPLITS)}")
    try:
        records = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"--data {path}: no such file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"--data {path}: not JSON ({exc})") from None
    if not isinstance(records, list):
        raise DataError(f"--data {path}: expected a list of query records")
    examples = []
    for i, record in enumerate(records):
        try:
            sql = record["sql"][0]
            sentences = record["sentences"]
            query_part = str(record.get("query-split", ""))
        except (KeyError, IndexError, TypeError):
            raise DataError(f"--data {path}: record {i} lacks 'sql' or 'sentences'") from None
        tags = tuple(record.get("tags", ()))
        for j, sentence in enumerate(sentences):
            try:
                text = sentence["text"]
                variables = dict(sentence.get("variables", {}))
            except (KeyError, TypeError):
                raise DataError(f"--data {path}: record {i}, sentence {j} lacks 'text'") from None
            part = query_part if split == "query" else str(sentence.get("question-split", ""))
            if parts is not None and part not in parts:
                continue
            if not anonymized:
                text, form = fill_variables(text, variables), fill_variables(sql, variables)
            else:
                form = sql
            examples.append(
                Example(
                    id=f"{i}.{j}",
                    instruction=text,
                    logical_form=form,
                    tags=tags,
                    instance={"db": None},
                )
            )
    return examples


@register_task
class Text2SqlTask(Task):
    """Questions with gold SQL in text2sql-data's format, over one database.

    Args:
        data: the JSON file.
        db: the database (default: ``<data stem>.sqlite`` beside the data file).
        split: ``question`` (default) or ``query``.
        part: comma list of parts to keep (``train,dev``; folds ``0,1``); default all.
        anonymized: keep variable placeholders instead of filling in values.
    """

    name: ClassVar[str] = "text2sql"
    environment: ClassVar[str] = "sql"
    option_names: ClassVar[tuple[str, ...]] = ("data", "db", "split", "part", "anonymized")

    def __init__(
        self,
        data: str | Path,
        db: str | Path | None = None,
        split: str = "question",
        part: str | None = None,
        anonymized: bool = False,
    ) -> None:
        self.data = Path(data)
        if db is None:
            db = self.data.with_suffix(".sqlite")
            if not db.exists():
                raise UsageError(f"--db is needed: no database {db.name} beside {self.data}")
        self.db = Path(db)
        self.split = split
        self.parts = {p.strip() for p in part.split(",") if p.strip()} if part else None
        self.anonymized = anonymized
        self._env: SqlEnvironment | None = None

    def examples(self) -> list[Example]:
        return load_text2sql(self.data, self.split, self.parts, self.anonymized)

    def environment_for(self, example: Example) -> SqlEnvironment:
        if self._env is None:
            self._env = SqlEnvironment(self.db)
        return self._env

    def dump_examples(self, examples: Sequence[Example]) -> str:
        """Examples in text2sql-data's format (one record per example, part ``synthetic``)."""
        from .sql_synth import text2sql_records

        return json.dumps(text2sql_records(examples), indent=1, ensure_ascii=False) + "\n"

    def close(self) -> None:
        if self._env is not None:
            self._env.close()
            self._env = None

    def describe_options(self) -> dict[str, Any]:
        """The options as given, for reports."""
        return {
            "data": str(self.data),
            "db": str(self.db),
            "split": self.split,
            "part": sorted(self.parts) if self.parts else None,
        }
