"""Search from the environment's prior, anchored in the instruction: the sheet sampler's
anchors, the ranking of consistent forms (mentions used, then the parser's score) and
self-training that remembers what the prior finds when the n-best finds nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from parseinstr.copying import copy_frame, mention_frame
from parseinstr.environments.sheet import SheetEnvironment
from parseinstr.environments.sheet_synth import SheetFormSampler, anchors_for
from parseinstr.environments.sheet_task import SheetTask
from parseinstr.errors import UsageError
from parseinstr.model import ModelSpec
from parseinstr.self_training import _upgrade, in_fold, prior_search, self_train
from parseinstr.synthesis import Sample
from parseinstr.training import TrainConfig

from conftest import write_sheet_tasks

CELLS = {
    "A1": "Item", "B1": "Region", "C1": "Units", "D1": "Price", "E1": "Paid",
    "A2": "pen", "B2": "West", "C2": 3, "D2": 1.5, "E2": True,
    "A3": "ink", "B3": "East", "C3": 40, "D3": 12.0, "E3": False,
    "A4": "pad", "B4": "West", "C4": 7, "D4": 4.25, "E4": True,
    "A5": "cap", "B5": "North", "C5": 12, "D5": 2.0, "E5": False,
}  # fmt: skip


def _env() -> SheetEnvironment:
    return SheetEnvironment.from_cells(CELLS)


def test_anchors_are_what_the_instruction_names() -> None:
    text = 'How many West rows have Units over 10? Put it in G9 and call it "Tally".'
    anchors = anchors_for(_env(), text)
    assert anchors.columns == {2, 3}  # Region (through West) and Units
    assert anchors.values == {2: ["West"]}
    assert anchors.numbers == [10.0]
    assert anchors.cells == ["G9"] and anchors.names[0] == "Tally"
    assert anchors.rows == [2, 4]  # the rows holding West
    # A capitalised word the sheet does not hold may name a new column.
    assert "Bonus" in anchors_for(_env(), "Make a column Bonus from Units").names
    assert anchors_for(_env(), "sort column D").columns == {4}


def test_an_anchored_sampler_draws_its_literals_from_the_instruction() -> None:
    text = "How many East rows have a Price above 5?"

    def share(instruction: str | None) -> float:
        sampler = SheetFormSampler(_env(), 1, instruction)
        forms = [s.form for s in (sampler.sample() for _ in range(400)) if s is not None]
        return sum("East" in f for f in forms) / len(forms)

    anchored, plain = share(text), share(None)
    assert anchored > 0.1 and anchored > 3 * plain, (anchored, plain)
    sampler = _env().form_sampler(2, instruction=text)
    forms = [s.form for s in (sampler.sample() for _ in range(200)) if s is not None]
    env = _env()
    for form in forms:
        env.parse(form)  # anchored forms stay in the specialised grammar
    assert len({f.split("(")[0] for f in forms}) > 5  # structure still varies


def _forms(instruction: str | None, n: int = 3000, seed: int = 4) -> list[str]:
    sampler = SheetFormSampler(_env(), seed, instruction)
    return [s.form for s in (sampler.sample() for _ in range(n)) if s is not None]


def test_anchors_reach_keyed_cells_if_labels_and_percentages() -> None:
    joined = _forms('Add a column "Tag" with Item, the text " / ", then Region.')
    assert 'add column "Tag" = [Item] & " / " & [Region]' in joined
    assert not any(f.startswith('add column " / "') for f in joined)  # not a name
    labels = _forms('New column "Flag": "hi" if Units is over 5, else "lo".')
    assert any("IF(" in f and '"hi"' in f and '"lo"' in f for f in labels)
    assert "set D3 = 9" in _forms("Set the Price of ink to 9.")  # ink's row, Price's column
    assert any("[Price]*0.08" in f for f in _forms("Add a column with 8 percent of Price."))
    assert any(f.startswith("ask ROUND(AVERAGE(") for f in _forms(None))
    rows = [f for f in _forms("Insert a blank row at row 4.") if re.match(r"\w+ rows? \d", f)]
    assert sum(re.match(r"\w+ rows? 4\b", f) is not None for f in rows) > 0.6 * len(rows)
    assert any(f.startswith("set G9 = ") for f in _forms("Put the total of Units in G9."))
    sorts = [f for f in _forms("Sort by Units, then by Price.") if f.startswith("sort by ")]
    named = [f for f in sorts if set(re.findall(r"\[(\w+)\]", f)) <= {"Units", "Price"}]
    assert len(named) > 0.7 * len(sorts)
    # Two criteria on one range (how Excel says "between" and "neither") half the time; the
    # range is spelled the same way both times in about 0.6 of those (0.35 in all, 0.12
    # when the second column is drawn independently).
    pairs = [re.match(r"ask COUNTIFS\((\S+), .+?, (\S+), ", f) for f in _forms(None, 6000)]
    same = [m.group(1) == m.group(2) for m in pairs if m]
    assert sum(same) > 0.25 * len(same)


def test_columns_named_by_letter_are_written_by_letter() -> None:
    """ "Column C" is written ``C2:C5`` (a range) or ``C2`` (in a row formula) more often
    than not, so the search finds the form that writes what the instruction says."""
    text = "What is the sum of column C?"
    assert (
        anchors_for(_env(), text).letters == {3}
        and anchors_for(_env(), "sum Units").letters == set()
    )
    assert anchors_for(_env(), "Column F (rows 2 to 4): column D").letters == {4, 6}

    def by_letter(instruction: str) -> float:
        sums = [f for f in _forms(instruction) if f.startswith("ask SUM(")]
        return sum("C2:C5" in f for f in sums) / len(sums)

    assert by_letter(text) > 0.5 > 0.4 > by_letter("What is the sum of Units?")
    assert 'add column "Cost" = C2*D2' in _forms('Add a column "Cost": column C times column D.')
    assert "fill F2:F4 = C2*D2" in _forms("Column F (rows 2 to 4): column C times column D.", 8000)


def test_anchors_reach_between_neither_and_replacements() -> None:
    # "Between" as a lower and an upper bound on one range, the instruction's numbers in order.
    between = _forms("How many rows have Units between 5 and 30, ends included?")
    assert 'ask COUNTIFS([Units], ">=5", [Units], "<=30")' in between
    assert not any('"<=30", [Units], ">=5"' in f for f in between)
    # "Neither" as two values a text column is not.
    neither = _forms("How many rows are neither West nor East?")
    assert any(re.fullmatch(r'ask COUNTIFS\(\[Region\], "<>(West|East)", \[Region\], "<>(West|East)"\)', f)
               for f in neither)  # fmt: skip
    # A new value written around the old one, even with a stop after it.
    assert 'replace "West" with "West (old)"' in _forms("Change West to West (old).")
    assert any(f.startswith('replace "pen" with "pen."') for f in _forms("Swap out pen for pen.."))
    plain = _forms(None)
    assert not any("West (old)" in f for f in plain)
    # Row formulas take named columns and the places ROUND is asked for.
    text = "Add a column with 8 percent of Price, rounded to one decimal place."
    rate, plain = _forms(text, 8000), _forms(None, 8000)
    assert "ROUND([Price]*0.08, 1)" in " ".join(rate)

    def places(forms: list[str]) -> float:
        rounds = [f for f in forms if f.startswith("add column") and "ROUND(" in f]
        return sum(f.endswith(", 1)") for f in rounds) / len(rounds)

    assert places(rate) > 0.4 > places(plain)


class FixedSampler:
    def __init__(self, forms: list[str]) -> None:
        self.forms = iter(forms)

    def sample(self, tries: int = 20) -> Sample | None:
        form = next(self.forms, None)
        return Sample(form) if form else None


class Scorer:
    """A stand-in parser whose score for a form is given by a table (default -1)."""

    def __init__(self, scores: dict[str, float]) -> None:
        self.scores = scores
        self.calls = 0

    def score_forms(self, instructions: Any, envs: Any, forms: list[str]) -> list[float]:
        self.calls += 1
        return [self.scores.get(f, -1.0) for f in forms]


def _item(forms: list[str], instruction: str, expected_form: str) -> SimpleNamespace:
    env = _env()
    with env.isolated():
        expected = env.execute(expected_form)
    env.form_sampler = lambda seed, instruction=None: FixedSampler(list(forms))  # type: ignore[method-assign]
    return SimpleNamespace(env=env, instruction=instruction, expected=expected)


def test_prior_search_prefers_forms_that_use_the_instructions_mentions() -> None:
    forms = [
        "ask COUNTIF([Paid], TRUE)",  # 2, but says nothing the instruction says
        'ask COUNTIF([Region], "West")',
        'ask COUNTIF([Region], "=West")',
        "ask 2",  # reads nothing of the sheet: trivial
        'ask COUNTIF([Region], "East")',  # 1: inconsistent
    ]
    item = _item(forms, "How many rows are West?", 'ask COUNTIF([Region], "West")')
    # The parser prefers the coincidence: mentions still come first.
    scorer = Scorer({"ask COUNTIF([Paid], TRUE)": 0.0, 'ask COUNTIF([Region], "=West")': -0.5})
    assert prior_search(scorer, item, 10, seed=0) == 'ask COUNTIF([Region], "=West")'
    # Among forms that use as many mentions, the parser's score decides.
    item = _item(forms, "How many rows are West?", 'ask COUNTIF([Region], "West")')
    scorer = Scorer({'ask COUNTIF([Region], "West")': -0.2})
    assert prior_search(scorer, item, 10, seed=0) == 'ask COUNTIF([Region], "West")'
    # Nothing consistent: nothing found, and the parser is never asked.
    item = _item(forms[4:], "How many rows are West?", 'ask COUNTIF([Region], "West")')
    scorer = Scorer({})
    assert prior_search(scorer, item, 10, seed=0) is None and scorer.calls == 0


def test_prior_search_keeps_a_doubted_match_only_when_asked() -> None:
    # A criterion no cell of its range meets: Excel allows it, a person rarely means it.
    doubted = 'ask COUNTIF([Item], "Units")'
    item = _item([doubted], "How many rows?", 'ask COUNTIF([Units], ">99")')
    assert prior_search(Scorer({}), item, 5, seed=0) is None
    item = _item([doubted], "How many rows?", 'ask COUNTIF([Units], ">99")')
    assert prior_search(Scorer({}), item, 5, seed=0, keep_doubted=True) == doubted


def test_prior_search_on_a_real_sampler_finds_the_meant_count() -> None:
    env = _env()
    with env.isolated():
        expected = env.execute('ask COUNTIF([Units], ">5")')
    item = SimpleNamespace(env=env, instruction="How many rows have Units above 5?",
                           expected=expected)  # fmt: skip
    form = prior_search(Scorer({}), item, 1500, seed=3)
    assert form is not None and "5" in form and "Units" in form
    with env.isolated():
        assert env.same_denotation(env.execute(form), expected)


def test_a_form_that_ignores_a_mention_is_upgraded_by_one_that_uses_it() -> None:
    text = "How many rows have Units over 5?"
    meant, coincidence = 'ask COUNTIF([Units], ">5")', 'ask COUNTIF([Units], ">3")'
    forms = ['ask COUNTIF([Units], ">4")', meant]  # both give 3; only one says 5
    item = _item(forms, text, meant)
    with item.env.isolated():
        assert item.env.same_denotation(item.env.execute(coincidence), item.expected)
    assert _upgrade(Scorer({}), item, coincidence, 10, 0) == meant
    # A form already using every mention is left alone, and so is one no find beats.
    assert _upgrade(Scorer({}), _item(forms, text, meant), meant, 10, 0) is None
    item = _item(['ask COUNTIF([Units], ">4")'], text, meant)
    assert _upgrade(Scorer({}), item, coincidence, 10, 0) is None


def test_copy_frame_counts_the_mentions_a_form_uses() -> None:
    frame = copy_frame('count the rows over forty in "West"', None)
    assert frame.used('ask COUNTIF([Region], "West")') == 1
    assert frame.used('ask COUNTIFS([Region], "West", [Units], ">40")') == 2
    assert frame.used("ask COUNTA([Region])") == 0


def _task_with_empty_nbest(tmp_path: Path, monkeypatch: Any, n: int = 16) -> SheetTask:
    """``n`` generated sheet tasks, and parsers whose n-best lists come back empty (so
    every form a round finds comes from the prior)."""
    import parseinstr.self_training as st

    task = SheetTask(write_sheet_tasks(tmp_path / "tasks.jsonl", n, 8))
    real_load = st.Parser.load

    def load(folder: Path) -> Any:
        parser = real_load(folder)
        parser.parse_batch = lambda instructions, *a, **k: [[] for _ in instructions]  # type: ignore[method-assign]
        return parser

    monkeypatch.setattr(st.Parser, "load", load)
    return task


def test_self_training_remembers_what_the_prior_finds(tmp_path: Path, monkeypatch) -> None:
    """With ``prior_samples``, an example whose n-best holds no consistent form is searched
    from the anchored prior; what it finds is remembered with the source "prior"."""
    task = _task_with_empty_nbest(tmp_path, monkeypatch)
    log = _tiny_self_train(task, tmp_path, prior_samples=400)
    first = log["history"][0]
    assert first["found_by_prior"] == first["found"] > 0
    memory = json.loads((tmp_path / "out" / "memory.json").read_text())
    assert {m["source"] for m in memory.values()} == {"prior, round 0"}
    for example in task.examples():
        if example.id in memory:  # every remembered form gives the expected result
            env = task.environment_for(example)
            with env.isolated():
                got = env.execute(memory[example.id]["form"])
            assert env.same_denotation(got, task.expected_denotation(example, env))
    assert log["prior_samples"] == 400


def _tiny_self_train(task: SheetTask, tmp_path: Path, **options: Any) -> dict[str, Any]:
    """Two rounds of self-training a tiny parser from the prior (no gold form, doubted
    matches never remembered), with ``options`` passed on to ``self_train``."""
    synthetic, _ = st_synthetic(task)
    spec = ModelSpec(d_model=32, encoder_layers=1, decoder_layers=1, heads=2, ff=64)
    config = TrainConfig(epochs=1, eval_every=1, output_vocab=200, input_vocab=200)
    lines = options.pop("log_to", [])
    return self_train(task, tmp_path / "out", 0.0, rounds=2, minutes_per_round=0.02, beam=2,
                      spec=spec, config=config, synthetic=synthetic, keep_doubted=False,
                      log=lines.append, **options)  # fmt: skip


def st_synthetic(task: SheetTask) -> Any:
    from parseinstr.synthesis import synthetic_per_instance

    return synthetic_per_instance(task, 3, seed=0, drop_doubted=True)


def test_self_training_upgrades_remembered_forms_that_leave_mentions_unused(
    tmp_path: Path, monkeypatch
) -> None:
    """Without refresh, a remembered form is searched again only when it leaves some of the
    instruction's mentions unused; an upgrade replaces it (source "prior upgrade")."""
    import parseinstr.self_training as st

    data = write_sheet_tasks(
        tmp_path / "tasks.jsonl", 32, 5
    )  # some gold forms leave a mention unused
    task = SheetTask(data)
    gold = {e.id: e.logical_form for e in task.examples()}
    real_load = st.Parser.load
    asked: list[str] = []

    def load(folder: Path) -> Any:
        parser = real_load(folder)
        parser.parse_batch = lambda instructions, *a, **k: [[] for _ in instructions]  # type: ignore[method-assign]
        return parser

    def upgrade(parser: Any, item: Any, form: str | None, samples: int, seed: int) -> Any:
        asked.append(item.id)
        return form + " " if form else None  # stands for a better find

    monkeypatch.setattr(st.Parser, "load", load)
    monkeypatch.setattr(st, "_upgrade", upgrade)
    spec = ModelSpec(d_model=32, encoder_layers=1, decoder_layers=1, heads=2, ff=64)
    config = TrainConfig(epochs=1, eval_every=1, output_vocab=200, input_vocab=200)
    log = self_train(task, tmp_path / "out", 0.0, rounds=2, minutes_per_round=0.02, beam=2,
                     spec=spec, config=config, start_memory=gold, refresh=False,
                     prior_samples=5, log=lambda m: None)  # fmt: skip
    by_id = {e.id: e for e in task.examples()}
    env_of = {i: task.environment_for(by_id[i]) for i in gold}
    unused = {
        i
        for i in asked
        if mention_frame(by_id[i].instruction, env_of[i]).used(gold[i])
        < len(mention_frame(by_id[i].instruction, env_of[i]).values)
    }
    assert asked and unused == set(asked)  # only forms that leave a mention unused
    assert log["history"][0]["upgraded_by_prior"] == len(asked)
    memory = json.loads((tmp_path / "out" / "memory.json").read_text())
    assert {i for i, m in memory.items() if m["source"] == "prior upgrade, round 0"} == set(asked)
    # With a search fold, the same search opens only that fold's examples.
    folded = list(asked)
    asked.clear()
    self_train(task, tmp_path / "fold", 0.0, rounds=2, minutes_per_round=0.02, beam=2,
               spec=spec, config=config, start_memory=gold, refresh=False,
               prior_samples=5, log=lambda m: None, search_fold="1/2")  # fmt: skip
    assert asked and set(asked) == {i for i in folded if in_fold(i, "1/2")} != set(folded)


def test_self_training_draws_from_the_parser_when_the_nbest_misses(
    tmp_path: Path, monkeypatch
) -> None:
    """``parser_samples``: draws from the parser are searched for a consistent form when the
    n-best has none; what they give is remembered with the source "sample"."""
    import parseinstr.self_training as st
    from parseinstr.parser import Candidate

    data = write_sheet_tasks(tmp_path / "tasks.jsonl", 12, 2)
    task = SheetTask(data)
    by_text = {e.instruction: e.logical_form for e in task.examples()}
    real_load = st.Parser.load
    calls: list[tuple[int, float]] = []

    def load(folder: Path) -> Any:
        parser = real_load(folder)
        parser.parse_batch = lambda instructions, *a, **k: [[] for _ in instructions]  # type: ignore[method-assign]

        def sample_batch(instructions, envs, samples, temperature=1.0, seed=0, **k):  # type: ignore[no-untyped-def]
            calls.append((samples, temperature))
            return [
                [Candidate("ask 12345", -0.1), Candidate(by_text[i], -0.5)] for i in instructions
            ]

        parser.sample_batch = sample_batch  # type: ignore[method-assign]
        return parser

    monkeypatch.setattr(st.Parser, "load", load)
    log = _tiny_self_train(task, tmp_path, parser_samples=6, temperature=1.3)
    first = log["history"][0]
    assert first["found_by_sampling"] == first["found"] > 0
    assert calls and set(calls) == {(6, 1.3)}
    memory = json.loads((tmp_path / "out" / "memory.json").read_text())
    assert {m["source"] for m in memory.values()} == {"sample, round 0"}
    gold = {e.id: e.logical_form for e in task.examples()}
    assert all(m["form"] == gold[i] for i, m in memory.items())
    assert log["parser_samples"] == 6 and log["temperature"] == 1.3


def test_self_training_starts_from_an_earlier_parser(tmp_path: Path, monkeypatch) -> None:
    """``start_parser``: the first round searches with the given model folder and trains
    none; the next round trains on what it found."""
    import parseinstr.self_training as st

    task = SheetTask(write_sheet_tasks(tmp_path / "tasks.jsonl", 12, 5))
    _tiny_self_train(task, tmp_path / "earlier", prior_samples=200)
    earlier = tmp_path / "earlier" / "out" / "round-0"
    real_load = st.Parser.load
    loaded: list[Path] = []

    def load(folder: Path) -> Any:
        loaded.append(Path(folder))
        return real_load(folder)

    monkeypatch.setattr(st.Parser, "load", load)
    log = _tiny_self_train(task, tmp_path / "later", prior_samples=200, start_parser=earlier)
    out = tmp_path / "later" / "out"
    assert loaded[0] == earlier
    assert not (out / "round-0").exists() and (out / "round-1" / "model_card.json").exists()
    assert log["start_parser"] == str(earlier) and log["history"][0]["searched"] > 0
    assert [h["trained"] for h in log["history"]] == [False, True]
    with pytest.raises(UsageError, match="at least two rounds"):
        self_train(task, tmp_path / "one", 0.0, rounds=1, start_parser=earlier)
    assert not (tmp_path / "one").exists()
    for fold in ("2/2", "a/2", "1"):
        with pytest.raises(UsageError, match="search_fold"):
            self_train(task, tmp_path / "fold", 0.0, rounds=2, search_fold=fold)
    assert not (tmp_path / "fold").exists()
    assert (out / "model.safetensors").exists()


def test_search_only_rounds_search_and_train_no_final_parser(tmp_path: Path) -> None:
    """``search_only``: every round trains and searches (cross-fitting: the examples the
    start memory lacks are labelled by a parser that never saw them); none is a final
    training, and with ``start_parser`` one round is enough."""
    task = SheetTask(write_sheet_tasks(tmp_path / "tasks.jsonl", 12, 5))
    gold = {e.id: e.logical_form for e in task.examples()}
    half = dict(list(gold.items())[::2])
    log = _tiny_self_train(task, tmp_path / "a", start_memory=half, refresh=False,
                           prior_samples=200, search_only=True)  # fmt: skip
    out = tmp_path / "a" / "out"
    assert log["search_only"] is True
    assert [h["trained"] for h in log["history"]] == [True, True]
    assert all(h["searched"] > 0 for h in log["history"])  # the last round searches too
    assert (out / "round-1" / "model_card.json").exists() and (out / "model_card.json").exists()
    memory = json.loads((out / "memory.json").read_text())
    searched = {i for i, m in memory.items() if m["source"] != "earlier run"}
    assert searched and not searched & set(half)  # only the examples the memory lacked
    # An earlier run's whole folder (its memory, log and rounds beside its parser) as the
    # start parser: the search's own memory and log are what this run leaves.
    one = self_train(task, tmp_path / "b", 0.0, rounds=1, start_parser=out, beam=2,
                     search_only=True, keep_doubted=False, prior_samples=200,
                     log=lambda m: None)  # fmt: skip
    assert [h["trained"] for h in one["history"]] == [False]
    assert one["history"][0]["searched"] > 0
    found = json.loads((tmp_path / "b" / "memory.json").read_text())
    assert found and all(m["source"].endswith("round 0") for m in found.values())
    assert json.loads((tmp_path / "b" / "learning_log.json").read_text())["search_only"]
    assert not (tmp_path / "b" / "round-1").exists()  # the earlier run's rounds stay there


@pytest.mark.parametrize(("mentions_of_new", "replaced"), [(0, False), (1, True), (2, True)])
def test_refresh_never_trades_a_form_for_one_using_fewer_mentions(
    tmp_path: Path, monkeypatch, mentions_of_new: int, replaced: bool
) -> None:
    """Hard EM (``refresh``): the n-best's consistent form replaces a remembered one only
    when it writes at least as many of the instruction's mentions."""
    import parseinstr.self_training as st
    from parseinstr.parser import Candidate

    task = SheetTask(write_sheet_tasks(tmp_path / "tasks.jsonl", 10, 2))
    gold = {e.id: e.logical_form for e in task.examples()}
    by_text = {e.instruction: e.logical_form for e in task.examples()}
    real_load = st.Parser.load

    class Frame:
        """One mention, written by the remembered form; the refreshed one (a trailing
        space) writes ``mentions_of_new``."""

        values = ("x",)

        def used(self, form: str) -> int:
            return mentions_of_new if form.endswith(" ") else 1

    def load(folder: Path) -> Any:
        parser = real_load(folder)
        parser.parse_batch = lambda texts, *a, **k: [
            [Candidate(by_text[t] + " ", -0.1)] for t in texts
        ]  # type: ignore[method-assign]
        return parser

    monkeypatch.setattr(st.Parser, "load", load)
    monkeypatch.setattr(st, "mention_frame", lambda *a: Frame())
    spec = ModelSpec(d_model=32, encoder_layers=1, decoder_layers=1, heads=2, ff=64)
    config = TrainConfig(epochs=1, eval_every=1, output_vocab=200, input_vocab=200)
    log = self_train(task, tmp_path / "out", 0.0, rounds=2, minutes_per_round=0.02, beam=2,
                     spec=spec, config=config, start_memory=gold, log=lambda m: None)  # fmt: skip
    first = log["history"][0]
    assert first["searched"] > 0
    assert first["changed"] == (first["searched"] if replaced else 0)
    memory = json.loads((tmp_path / "out" / "memory.json").read_text())
    assert all(m["form"].endswith(" ") == replaced for m in memory.values())


def test_ambiguous_candidates_are_those_that_part_on_fictitious_sheets() -> None:
    from parseinstr.parser import Candidate
    from parseinstr.self_training import ambiguous

    env = _env()
    with env.isolated():
        expected = env.execute('ask COUNTIF([Units], ">5")')
    frame = copy_frame("How many rows have Units above 5?", env)
    meant, other = 'ask COUNTIF([Units], ">5")', 'ask COUNTIF([Units], ">=7")'  # both 3 here
    same = 'ask COUNTIFS([Units], ">5")'
    cands = [Candidate(meant, 0.0), Candidate(other, -1.0)]
    # ">=7" writes no mention: among the forms that write the most, only one is left.
    assert not ambiguous(env, cands, expected, frame)
    assert ambiguous(env, cands, expected)  # without mentions both count: they part
    assert not ambiguous(env, [Candidate(meant, 0.0), Candidate(same, -1.0)], expected, frame)
    assert not ambiguous(env, [Candidate(meant, 0.0)], expected, frame)


def test_deferred_examples_wait_for_the_last_search(tmp_path: Path, monkeypatch) -> None:
    """With ``defer_ambiguous`` an example whose finds are ambiguous gets no form from any
    search but the last; the last search remembers its favourite."""
    task = _task_with_empty_nbest(tmp_path, monkeypatch)
    monkeypatch.setattr("parseinstr.self_training.ambiguous", lambda *a, **k: True)
    synthetic, _ = st_synthetic(task)
    spec = ModelSpec(d_model=32, encoder_layers=1, decoder_layers=1, heads=2, ff=64)
    config = TrainConfig(epochs=1, eval_every=1, output_vocab=200, input_vocab=200)
    log = self_train(task, tmp_path / "out", 0.0, rounds=3, minutes_per_round=0.02, beam=2,
                     spec=spec, config=config, synthetic=synthetic, keep_doubted=False,
                     log=lambda m: None, prior_samples=400, defer_ambiguous=True)  # fmt: skip
    first, second = log["history"][0], log["history"][1]
    assert first["deferred_as_ambiguous"] > 0 and first["found"] == 0
    assert second["deferred_as_ambiguous"] == 0 and second["found"] > 0
    assert log["defer_ambiguous"] is True


def _continue_earlier_run(
    task: SheetTask, tmp_path: Path, monkeypatch: Any, earlier: dict, log: Any, **kwargs: Any
) -> dict:
    """A tiny three-round self-training run continuing from ``earlier`` forms, no refresh,
    with no remembered form searched for unused mentions."""
    import parseinstr.self_training as st

    monkeypatch.setattr(st, "_unused_mentions", lambda *a: False)
    synthetic, _ = st_synthetic(task)
    spec = ModelSpec(d_model=32, encoder_layers=1, decoder_layers=1, heads=2, ff=64)
    config = TrainConfig(epochs=1, eval_every=1, output_vocab=200, input_vocab=200)
    return self_train(task, tmp_path / "out", 0.0, rounds=3, minutes_per_round=0.02, beam=2,
                      spec=spec, config=config, synthetic=synthetic, keep_doubted=False,
                      log=log, start_memory=earlier, refresh=False, **kwargs)  # fmt: skip


@pytest.mark.parametrize("defer", [True, False])
def test_the_first_deferring_search_forgets_ambiguous_forms_of_an_earlier_run(
    tmp_path: Path, monkeypatch: Any, defer: bool
) -> None:
    """With ``defer_ambiguous``, forms taken from ``start_memory`` are checked beside the
    n-best in the first search; the ambiguous ones are forgotten, to be searched again by
    the last search. Without it they are kept and not searched."""
    import parseinstr.self_training as st

    task = _task_with_empty_nbest(tmp_path, monkeypatch)
    earlier = {e.id: e.logical_form for e in task.examples()}
    checked: list[list[str]] = []
    lines: list[str] = []

    def judge(env: Any, cands: Any, expected: Any, frame: Any = None) -> bool:
        checked.append([c.form for c in cands])
        return True

    monkeypatch.setattr(st, "ambiguous", judge)
    log = _continue_earlier_run(task, tmp_path, monkeypatch, earlier, lines.append,
                                defer_ambiguous=defer)  # fmt: skip
    header = next(line for line in lines if "forms from an earlier run" in line)
    kept = int(re.search(r"(\d+) forms from an earlier run", header).group(1))
    train = int(re.search(r"self-training: (\d+) examples", header).group(1))
    first = log["history"][0]
    assert kept > 0
    if defer:
        assert first["deferred_as_ambiguous"] == kept and first["coverage"] == 0.0
        assert len(checked) == kept
        assert all(len(forms) == 1 and forms[0] in earlier.values() for forms in checked)
    else:
        assert first["deferred_as_ambiguous"] == 0 and not checked
        assert first["searched"] == train - kept  # only the examples without a form
        assert first["coverage"] == kept / train


def test_a_long_search_reports_its_progress(tmp_path: Path, monkeypatch: Any) -> None:
    """A round's search logs how far it has got (about ten lines), not only its total."""
    task = _task_with_empty_nbest(tmp_path, monkeypatch, n=60)
    lines: list[str] = []
    _tiny_self_train(task, tmp_path, prior_samples=0, log_to=lines)
    progress = [line for line in lines if "round 0 search:" in line]
    assert progress and all(re.search(r"\d+/54 examples", line) for line in progress)


def test_a_form_that_passes_the_recheck_costs_no_parser_draws(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """An earlier run's form opened only to be rechecked for ambiguity, and found not
    ambiguous, is kept without drawing samples from the parser for its example."""
    import parseinstr.self_training as st

    task = _task_with_empty_nbest(tmp_path, monkeypatch)
    earlier = {e.id: e.logical_form for e in task.examples()}
    drawn: list[str] = []
    loaded = st.Parser.load

    def load(folder: Path) -> Any:
        parser = loaded(folder)
        parser.sample_batch = lambda instructions, *a, **k: (  # type: ignore[method-assign]
            drawn.extend(instructions) or [[] for _ in instructions]
        )
        return parser

    monkeypatch.setattr(st.Parser, "load", load)
    monkeypatch.setattr(st, "ambiguous", lambda *a, **k: False)
    log = _continue_earlier_run(task, tmp_path, monkeypatch, earlier, lambda m: None,
                                parser_samples=4, defer_ambiguous=True)  # fmt: skip
    first = log["history"][0]
    assert first["searched"] > 0 and first["deferred_as_ambiguous"] == 0
    assert first["coverage"] == 1.0
    assert drawn == []
