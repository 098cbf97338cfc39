"""Constrained-decoding speed: parseinstr against llguidance and XGrammar, same run.

Per grammar (sql, grid, sheet) and vocabulary (byte-level BPE of 2k; byte-level BPE of 32k
trained without pre-splitting; the 30,522-token WordPiece), every peer is driven through
the same token sequences (sampled sentences and real logical forms). One step is: advance
the state by the chosen token, then compute the next mask into a bitmask row. Reported:
mean, median and p99 per step (microseconds), the median over repetitions, each repetition
starting from a freshly loaded compiled grammar (parseinstr's run-time memo starts empty;
loading from the disk cache and building from nothing are reported apart). Also: mask
time at step 5 against step 50, and the wall time of constrained against unconstrained
greedy decoding with a small T5 over the same number of generated tokens.

    python -m benchmarks.bench_decoding [--quick] [--only GRAMMAR/VOCAB ...]

``--only`` (repeatable) measures just those cells, skips the generate timing and writes
no results file (a partial run must not replace the full one).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from typing import Any

import numpy as np

from benchmarks.common import results_path, run_metadata, write_results
from benchmarks.decoding_peers import available_peers, peer_versions, summarise
from benchmarks.decoding_setup import TOKENIZERS, corpus, grammars, sequences, tokenizers
from parseinstr.decoding import compile_grammar
from parseinstr.decoding import compiled as compiled_mod
from parseinstr.decoding.vocab import Vocabulary

MODES = {
    "quick": {"corpus": 1500, "sampled": 30, "real": 15, "repeats": 1, "e2e_inputs": 3},
    "full": {"corpus": 8000, "sampled": 150, "real": 100, "repeats": 3, "e2e_inputs": 8},
}


def peer_view(vocab: Vocabulary, seqs: list[list[int]]) -> tuple[Vocabulary, list[list[int]]]:
    """The vocabulary and sequences the other peers get.

    They know one spelling per token; where a token is spelled differently at position 0
    (WordPiece, Metaspace: no leading space), the first token of each sequence becomes an
    extra id spelled as it is there. The texts are the same; the masks grow by a few ids.
    """
    firsts = sorted({s[0] for s in seqs if vocab.first[s[0]] != vocab.tokens[s[0]]})
    if not firsts:
        return vocab, seqs
    extra = {t: vocab.size + i for i, t in enumerate(firsts)}
    tokens = vocab.tokens + tuple(vocab.first[t] for t in firsts)
    view = Vocabulary(tokens, tokens, vocab.eos, vocab.kind)
    return view, [[extra.get(s[0], s[0]), *s[1:]] for s in seqs]


def measure(peers: dict, grammar: Any, vocab: Vocabulary, seqs: list, repeats: int) -> dict:
    """Per peer: statistics per repetition and their medians."""
    other_vocab, other_seqs = peer_view(vocab, seqs)
    per_peer: dict[str, dict[str, Any]] = {name: {"runs": []} for name in peers}
    names = list(peers)
    for rep in range(repeats):
        order = names[rep % len(names) :] + names[: rep % len(names)]
        for name in order:
            peer = peers[name]
            ours = name == "parseinstr"
            peer.prepare(grammar, vocab if ours else other_vocab)
            runs = [peer.run(s) for s in (seqs if ours else other_seqs)]
            steps = [t for r in runs for t in r.steps]
            stats = summarise(steps)
            stats["rejected_sequences"] = sum(r.rejected_at is not None for r in runs)
            stats["compile_s"] = peer.compile_s
            at5 = [r.steps[5] for r in runs if len(r.steps) > 50]
            at50 = [r.steps[50] for r in runs if len(r.steps) > 50]
            if at5:
                stats["step5_mean_us"] = float(np.mean(at5) * 1e6)
                stats["step50_mean_us"] = float(np.mean(at50) * 1e6)
                stats["long_sequences"] = len(at5)
            if ours:
                stats["memo"] = peer.stats()
            per_peer[name]["runs"].append(stats)
    if "parseinstr" in per_peer:
        # The build itself (what the disk cache saves): once, from nothing.
        compiled_mod._MEMORY.clear()  # else the in-memory entry answers
        t = time.perf_counter()
        compile_grammar(grammar, vocab, use_cache=False)
        per_peer["parseinstr"]["build_s"] = time.perf_counter() - t
    for data in per_peer.values():
        runs = data["runs"]
        for key in ("mean_us", "median_us", "p99_us", "max_us", "step5_mean_us", "step50_mean_us"):
            vals = [r[key] for r in runs if key in r]
            if vals:
                data[key] = statistics.median(vals)
        data["steps"] = runs[0]["steps"]
        data["rejected_sequences"] = runs[0]["rejected_sequences"]
        # The median: a first repetition after a cache change builds instead of loading.
        data["compile_s"] = statistics.median(r["compile_s"] for r in runs)
    return per_peer


def end_to_end(gs: dict, tok: Any, n_inputs: int, repeats: int) -> dict[str, Any]:
    """Greedy decoding with a small random T5 (d_model 256, 4+4 layers) on the CPU:
    constrained, then unconstrained forced to generate as many tokens."""
    import torch
    from transformers import T5Config, T5ForConditionalGeneration

    from parseinstr.decoding.hf import GrammarLogitsProcessor

    torch.manual_seed(0)
    vocab = tok.vocab
    model = T5ForConditionalGeneration(
        T5Config(
            vocab_size=vocab.size,
            d_model=256,
            d_ff=1024,
            d_kv=64,
            num_layers=4,
            num_decoder_layers=4,
            num_heads=4,
            pad_token_id=0,
            eos_token_id=1,
            decoder_start_token_id=0,
        )
    ).eval()
    rng = torch.Generator().manual_seed(1)
    inputs = [torch.randint(3, vocab.size, (1, 24), generator=rng) for _ in range(n_inputs)]
    out: dict[str, Any] = {"threads": torch.get_num_threads(), "grammars": {}}
    for name, grammar in gs.items():
        ratios, cons_s, free_s, tokens = [], [], [], 0
        for _ in range(repeats):
            compiled_mod._MEMORY.clear()
            compiled = compile_grammar(grammar, vocab)  # from the disk cache, empty memo
            t_con = t_free = 0.0
            tokens = 0
            for ids in inputs:
                proc = GrammarLogitsProcessor(compiled, pad_token_id=0)
                with torch.no_grad():
                    t0 = time.perf_counter()
                    con = model.generate(
                        input_ids=ids, max_new_tokens=48, do_sample=False, logits_processor=[proc]
                    )
                    t1 = time.perf_counter()
                    n = con.shape[1] - 1
                    model.generate(
                        input_ids=ids, max_new_tokens=n, min_new_tokens=n, do_sample=False
                    )
                    t2 = time.perf_counter()
                t_con += t1 - t0
                t_free += t2 - t1
                tokens += n
            ratios.append(t_con / t_free)
            cons_s.append(t_con)
            free_s.append(t_free)
        out["grammars"][name] = {
            "ratio": statistics.median(ratios),
            "ratios": ratios,
            "constrained_s": statistics.median(cons_s),
            "unconstrained_s": statistics.median(free_s),
            "tokens": tokens,
            "inputs": len(inputs),
        }
    return out


def _table(results: dict[str, Any]) -> str:
    lines = [
        "| grammar | vocab | peer | steps | mean µs | median µs | p99 µs | step5/step50 µs "
        "| rejected seqs | compile s (build s) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in results["mask"]:
        for peer, d in row["peers"].items():
            growth = ""
            if "step5_mean_us" in d:
                growth = f"{d['step5_mean_us']:.0f}/{d['step50_mean_us']:.0f}"
            lines.append(
                f"| {row['grammar']} | {row['vocab']} ({row['vocab_size']}) | {peer} "
                f"| {d['steps']} | {d['mean_us']:.1f} | {d['median_us']:.1f} | {d['p99_us']:.0f} "
                f"| {growth} | {d['rejected_sequences']} | {d['compile_s']:.2f}"
                + (f" ({d['build_s']:.1f})" if "build_s" in d else "")
                + " |"
            )
    e2e = results.get("end_to_end")
    if e2e:
        lines.append("")
        lines.append("| grammar | constrained s | unconstrained s | tokens | ratio |")
        lines.append("|---|---|---|---|---|")
        for name, d in e2e["grammars"].items():
            lines.append(
                f"| {name} | {d['constrained_s']:.2f} | {d['unconstrained_s']:.2f} "
                f"| {d['tokens']} | {d['ratio']:.3f} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer sequences, one repetition")
    parser.add_argument("--no-e2e", action="store_true", help="skip the generate timing")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="GRAMMAR/VOCAB",
        help="measure only this cell (repeatable; e.g. grid/bpe-2k); nothing is written",
    )
    args = parser.parse_args(argv)
    mode = "quick" if args.quick else "full"
    cfg = MODES[mode]
    results: dict[str, Any] = run_metadata(mode, [sys.argv[0], *argv])
    gs = grammars()
    cells = _cells(args.only, list(gs), parser)
    t0 = time.perf_counter()
    wanted = tuple(t for t in TOKENIZERS if any(v == t for _g, v in cells))
    # The corpus always covers every grammar, so a tokenizer is the same in a partial run.
    toks = tokenizers(corpus(gs, cfg["corpus"]), args.quick, wanted)
    results["tokenizers"] = {
        k: {"size": t.vocab.size, "kind": t.vocab.kind, "source": t.source} for k, t in toks.items()
    }
    print(f"tokenizers trained in {time.perf_counter() - t0:.0f} s: "
          + ", ".join(f"{k} {t.vocab.size}" for k, t in toks.items()))  # fmt: skip
    peers, missing = available_peers()
    results["peers_missing"] = missing
    results["peer_versions"] = peer_versions(peers)
    results["mask"] = []
    for gname, grammar in gs.items():
        for tname, tok in toks.items():
            if (gname, tname) not in cells:
                continue
            seqs, counts = sequences(gname, grammar, tok, cfg["sampled"], cfg["real"])
            row = {
                "grammar": gname,
                "vocab": tname,
                "vocab_size": tok.vocab.size,
                "sequences": counts,
            }
            if seqs:
                row["peers"] = measure(peers, grammar, tok.vocab, seqs, cfg["repeats"])
                results["mask"].append(row)
                best = min((d["mean_us"], p) for p, d in row["peers"].items() if p != "parseinstr")
                ours = row["peers"]["parseinstr"]["mean_us"]
                print(f"{gname:6s} {tname:14s} seqs {len(seqs):4d}  parseinstr {ours:8.1f} µs"
                      f"  best peer {best[1]} {best[0]:8.1f} µs")  # fmt: skip
    if not args.no_e2e and not args.only:
        results["end_to_end"] = end_to_end(gs, toks["bpe-2k"], cfg["e2e_inputs"], cfg["repeats"])
    print(_table(results))
    if args.only:
        print("partial run (--only): results not written")
    else:
        write_results(results_path("decoding"), results)
    return 0


def _cells(
    only: list[str], grammar_names: list[str], parser: argparse.ArgumentParser
) -> set[tuple[str, str]]:
    """The (grammar, vocabulary) cells to measure: those of ``--only``, else all."""
    if not only:
        return {(g, t) for g in grammar_names for t in TOKENIZERS}
    cells: set[tuple[str, str]] = set()
    for item in only:
        gname, _, tname = item.partition("/")
        if gname not in grammar_names or tname not in TOKENIZERS:
            parser.error(
                f"--only {item!r}: expected GRAMMAR/VOCAB with GRAMMAR in {grammar_names} "
                f"and VOCAB in {list(TOKENIZERS)}"
            )
        cells.add((gname, tname))
    return cells


if __name__ == "__main__":
    raise SystemExit(main())
