"""Decoding details of the parser: value restriction, renormalised scores, budgets, threads."""

from __future__ import annotations

import torch

from parseinstr.environments.sql import SqlEnvironment
from parseinstr.parser import Renormalise, decoding_threads
from parseinstr.training import BudgetSchedule


def test_sql_literals_are_values_the_instruction_names(shop_db):
    env = SqlEnvironment(shop_db)
    lex = env.literal_lexemes("which customers live in Paris and bought a desk")["STRING"]
    assert '"paris"' in lex and '"desk"' in lex
    assert '"lyon"' not in lex and '"customers"' not in lex  # stored values only, when named


def test_sql_literals_fall_back_to_spans_when_no_value_is_named(shop_db):
    env = SqlEnvironment(shop_db)
    lex = env.literal_lexemes("orders from new york")["STRING"]
    assert '"new york"' in lex and "'orders from'" in lex
    assert '"paris"' not in lex


def test_renormalise_makes_a_forced_token_free():
    scores = torch.log_softmax(torch.tensor([[2.0, 1.0, 0.5, -1.0]]), dim=-1)
    masked = scores.masked_fill(torch.tensor([[True, False, True, True]]), float("-inf"))
    out = Renormalise()(torch.zeros(1, 1, dtype=torch.long), masked)
    assert out[0, 1].item() == 0.0  # the only allowed token has probability one
    assert torch.isinf(out[0, 0])


def test_renormalise_keeps_the_ranking_of_allowed_tokens():
    scores = torch.tensor([[-3.0, -1.0, float("-inf"), -2.0]])
    out = Renormalise()(torch.zeros(1, 1, dtype=torch.long), scores)
    assert torch.allclose(out.exp().sum(), torch.tensor(1.0))
    assert out[0, 1] > out[0, 3] > out[0, 0]


def test_budget_schedule_decays_by_time_when_time_runs_out_first():
    now = [0.0]
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=1.0)
    sched = BudgetSchedule(
        opt, total_steps=10_000, warmup=0.1, max_minutes=10, clock=lambda: now[0]
    )
    now[0] = 30.0  # half a minute: inside the warm-up (first minute)
    sched.step()
    assert 0.4 < opt.param_groups[0]["lr"] < 0.6
    now[0] = 60 * 5.5  # 55% of the time budget, 0.01% of the steps
    sched.step()
    assert abs(opt.param_groups[0]["lr"] - 0.5) < 0.01
    now[0] = 60 * 20
    sched.step()
    assert opt.param_groups[0]["lr"] == sched.floor


def test_budget_schedule_resumes_where_it_was():
    now = [0.0]
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    sched = BudgetSchedule(opt, 100, 0.0, max_minutes=10, clock=lambda: now[0])
    for _ in range(20):
        sched.step()
    now[0] = 120.0
    state = sched.state_dict()
    opt2 = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    resumed = BudgetSchedule(opt2, 100, 0.0, max_minutes=10, clock=lambda: now[0])
    resumed.load_state_dict(state)
    assert resumed.progress() == sched.progress() == 0.2
    assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"]


def test_decoding_threads_restores_the_setting():
    before = torch.get_num_threads()
    with decoding_threads("cpu", 1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


def _accepts(restricted, tok, form: str) -> bool:
    m = restricted.matcher()
    ids = tok(form)["input_ids"]
    return all(m.accept_token(t) for t in ids)


def test_sheet_headers_narrow_one_shared_compiled_grammar():
    from parseinstr.decoding import compile_grammar
    from parseinstr.environments.sheet import SheetEnvironment
    from parseinstr.tokenization import train_output_tokenizer

    tok = train_output_tokenizer(["ask SUM([Units])", 'add column "Double" = [Units]*2'], 300)
    a = SheetEnvironment.from_cells({"A1": "Units", "A2": 3, "B1": "Unit Cost", "B2": 1.5})
    b = SheetEnvironment.from_cells({"A1": "Region", "A2": "West"})
    assert a.decoding_grammar() == b.decoding_grammar()  # one compilation for both
    compiled = compile_grammar(a.decoding_grammar(), tok)
    ra, rb = (compiled.restrict(e.literal_lexemes("sum the units")) for e in (a, b))
    assert _accepts(ra, tok, "ask SUM([Units])") and _accepts(ra, tok, "ask SUM([Unit Cost])")
    assert not _accepts(ra, tok, "ask SUM([Region])")
    assert _accepts(rb, tok, 'ask COUNTIF([Region], "West")')
    assert not _accepts(rb, tok, "ask SUM([Units])")
    empty = SheetEnvironment.from_cells({"A2": 3})
    assert not _accepts(compiled.restrict(empty.literal_lexemes("x")), tok, "ask SUM([Units])")
    assert _accepts(compiled.restrict(empty.literal_lexemes("x")), tok, "ask SUM(A2:A3)")
