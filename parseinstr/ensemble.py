"""Ensembles: several independently trained parsers that vote on each candidate.

Small models trained from scratch on a few hundred examples disagree in their mistakes: one
turns "largest state" into ``MIN(AREA)``, another copies a negation that is not there. An
ensemble pools their n-best lists (constrained beam search in each member) and ranks every
pooled candidate by its log-probability per output token averaged over all members
(:meth:`Parser.score_forms`, teacher forcing), a product of experts. Execution-guided
selection then runs on that ranking as for a single parser.

A model folder is an ensemble when it holds ``ensemble.json``::

    {"members": ["member-0", "member-1"]}

whose entries are model folders relative to it, and optionally ``"member_beams": B``: each
member then searches with ``B`` beams whatever n-best list is asked of the ensemble (the
pool holds its ``B`` best). Without it each member searches with the caller's ``n_best``,
the most accurate and the slowest; ``B = 1`` (greedy members) makes ``run`` about three
times faster (each member searches one beam and the pool to score is smaller), at up to a
few points on GeoQuery dev. :meth:`Parser.load` returns an
:class:`EnsembleParser` for it, so ``run``, ``evaluate`` and the API accept it anywhere a
model folder goes. ``parseinstr train --members N`` trains the members side by side, one
process each (seeds ``seed``, ``seed + 1``, ...), and writes the file; ``parseinstr ensemble
A B --out DIR`` pools folders trained apart (say, one from scratch and one on MiniLM).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

from .environment import Environment
from .errors import ModelError, UsageError
from .io import write_json_atomic
from .model import load_model
from .parser import Candidate, Parser
from .reconstruction import FOLDER as RECONSTRUCTOR
from .reconstruction import Reconstructor

#: The file that makes a folder an ensemble.
ENSEMBLE_FILE = "ensemble.json"


def is_ensemble(folder: str | Path) -> bool:
    """Whether ``folder`` is an ensemble (holds ``ensemble.json``)."""
    return (Path(folder) / ENSEMBLE_FILE).is_file()


def _check_beams(member_beams: int | None) -> None:
    if member_beams is not None and member_beams < 1:
        raise UsageError(f"member_beams must be at least 1, not {member_beams}")


def write_ensemble(
    folder: str | Path, members: Sequence[str | Path], member_beams: int | None = None
) -> Path:
    """Make ``folder`` an ensemble of ``members`` (model folders inside it), each searching
    with ``member_beams`` beams (None: the n-best asked of the ensemble)."""
    _check_beams(member_beams)
    folder = Path(folder)
    names = []
    for m in members:
        path = Path(m)
        path = path if path.is_absolute() else folder / path
        try:
            names.append(str(path.absolute().relative_to(folder.absolute())))
        except ValueError:
            raise ModelError(f"{m}: an ensemble's members must lie inside {folder}") from None
    path = folder / ENSEMBLE_FILE
    settings: dict[str, object] = {"members": names}
    if member_beams is not None:
        settings["member_beams"] = member_beams
    write_json_atomic(path, settings)
    return path


def _settings(folder: Path) -> dict:
    path = folder / ENSEMBLE_FILE
    try:
        settings = json.loads(path.read_text())
        members = settings["members"]
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ModelError(f"{path}: not a readable ensemble file ({exc})") from None
    if not isinstance(members, list) or not members:
        raise ModelError(f"{path}: lists no members")
    beams = settings.get("member_beams")
    if beams is not None and (type(beams) is not int or beams < 1):
        raise ModelError(f"{path}: member_beams must be a whole number of at least 1")
    return settings


def member_folders(folder: str | Path) -> list[Path]:
    """The member model folders an ensemble file lists (``ModelError`` if it is bad)."""
    folder = Path(folder)
    return [folder / str(m) for m in _settings(folder)["members"]]


def member_beams(folder: str | Path) -> int | None:
    """The beams each member of the ensemble in ``folder`` searches with (None: n-best)."""
    return _settings(Path(folder)).get("member_beams")


class EnsembleParser(Parser):
    """Parsers whose pooled n-best lists are ranked by their mean per-token log-probability.

    Behaves as a :class:`Parser` (the first member supplies the card and tokenizers that
    callers read); ``parse_batch`` is what differs. ``member_beams`` fixes the beams each
    member searches with (and so the candidates it adds to the pool); None: the ``n_best``
    asked for.
    """

    def __init__(self, members: Sequence[Parser], member_beams: int | None = None) -> None:
        if not members:
            raise ModelError("an ensemble needs at least one member")
        for m in members:
            if type(m) is not Parser:
                raise ModelError(
                    f"ensemble members must be plain parsers, not {type(m).__name__} "
                    "(models learned with lexeme slots cannot be pooled yet)"
                )
        _check_beams(member_beams)
        first = members[0]
        super().__init__(first.loaded, first.device, first.threads)
        self.members = list(members)
        self.member_beams = member_beams

    @classmethod
    def load(cls, folder: str | Path, device: str = "cpu") -> EnsembleParser:  # type: ignore[override]
        """Load every member of the ensemble in ``folder`` (and its ``member_beams``), and
        the ensemble's own reconstructor when the folder has one (members' are not used)."""
        parser = cls(
            [Parser(load_model(m, device), device) for m in member_folders(folder)],
            member_beams(folder),
        )
        if (Path(folder) / RECONSTRUCTOR).is_dir():
            parser.reconstructor = Reconstructor.load(Path(folder) / RECONSTRUCTOR, device)
        return parser

    def parse_batch(
        self,
        instructions: Sequence[str],
        envs: Sequence[Environment | None],
        n_best: int = 1,
        constrained: bool | None = None,
    ) -> list[list[Candidate]]:
        """The ``n_best`` pooled candidates with the highest mean member score."""
        if not instructions:
            return []
        pools: list[list[str]] = [[] for _ in instructions]
        beams = self.member_beams or n_best
        for member in self.members:
            for pool, cands in zip(
                pools, member.parse_batch(instructions, envs, beams, constrained), strict=True
            ):
                pool.extend(c.form for c in cands if c.form not in pool)
        rows = [(i, form) for i, pool in enumerate(pools) for form in pool]
        totals = [0.0] * len(rows)
        for member in self.members:
            scores = member.score_forms(
                [instructions[i] for i, _ in rows], [envs[i] for i, _ in rows], [f for _, f in rows]
            )
            totals = [t + s for t, s in zip(totals, scores, strict=True)]
        result: list[list[Candidate]] = [[] for _ in instructions]
        for (i, form), total in zip(rows, totals, strict=True):
            result[i].append(Candidate(form, total / len(self.members)))
        for cands in result:
            cands.sort(key=lambda c: -c.score if not math.isnan(c.score) else math.inf)
        result = [cands[:n_best] for cands in result]
        if self.reconstructor is not None and self.reconstructor.reorders and n_best > 1:
            result = self.rerank(instructions, result, self.reconstructor, envs=envs)
        return result


def member_arguments(argv: Sequence[str], out: Path, index: int, seed: int) -> list[str]:
    """``parseinstr train`` arguments for member ``index``: ``argv`` without ``--members``,
    its output in ``out/member-<index>`` and its seed ``seed + index``.

    Example:
        >>> member_arguments(["train", "scan", "--out", "m", "--members", "2"], Path("m"), 1, 0)
        ['train', 'scan', '--out', 'm/member-1', '--seed', '1']
    """
    rest: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        name = arg.split("=", 1)[0]
        if name in ("--members", "--member-beams", "--out", "--seed"):
            skip = "=" not in arg
            continue
        rest.append(arg)
    return [*rest, "--out", str(out / f"member-{index}"), "--seed", str(seed + index)]


def _train_member(argv: list[str], threads: int) -> None:  # runs in a child process
    import os
    import sys

    import torch

    os.environ["OMP_NUM_THREADS"] = str(threads)
    torch.set_num_threads(threads)
    from .cli import main

    sys.exit(main(argv))


def train_members(
    argv: Sequence[str],
    out: Path,
    members: int,
    seed: int,
    threads: int | None = None,
    member_beams: int | None = None,
) -> list[Path]:
    """Train ``members`` parsers side by side, one process each, and make ``out`` their
    ensemble (searching with ``member_beams`` each); each process gets an equal share of
    the CPU threads (at least one).

    Raises:
        ModelError: a member's training failed (its own error was printed by its process).
    """
    import multiprocessing
    import os

    affinity = getattr(os, "sched_getaffinity", None)  # Linux; elsewhere, all the cores
    total = threads or (len(affinity(0)) if affinity else os.cpu_count() or 1)
    share = max(1, total // members)
    context = multiprocessing.get_context("spawn")
    jobs = []
    for k in range(members):
        job = context.Process(
            target=_train_member, args=(member_arguments(argv, out, k, seed), share)
        )
        job.start()
        jobs.append(job)
    for job in jobs:
        job.join()
    failed = [k for k, job in enumerate(jobs) if job.exitcode != 0]
    if failed:
        raise ModelError(f"ensemble training: member(s) {failed} failed; see their messages")
    folders = [out / f"member-{k}" for k in range(members)]
    write_ensemble(out, folders, member_beams)
    return folders


def assemble(out: Path, members: Sequence[Path], member_beams: int | None = None) -> list[Path]:
    """Copy trained model folders (without their checkpoints) into a new ensemble ``out``
    whose members search with ``member_beams`` beams each (None: the n-best asked).

    The folder appears whole or not at all: members are copied into a temporary sibling
    that is renamed to ``out`` last.

    Raises:
        UsageError: ``out`` exists, or fewer than two members are given.
        ModelError: a member is not a model folder (or is itself an ensemble).
    """
    import shutil
    import tempfile

    if len(members) < 2:
        raise UsageError("an ensemble needs at least two model folders")
    if out.exists():
        raise UsageError(f"{out} exists; give a new folder")
    for m in members:
        if is_ensemble(m) or not (Path(m) / "model_card.json").is_file():
            raise ModelError(f"{m}: not a model folder (no model_card.json)")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        folders = []
        for k, m in enumerate(members):
            target = tmp / f"member-{k}"
            shutil.copytree(m, target, ignore=shutil.ignore_patterns("checkpoint"))
            folders.append(Path(target.name))  # inside tmp, wherever tmp itself lies
        write_ensemble(tmp, folders, member_beams)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return [out / f"member-{k}" for k in range(len(members))]
