"""Grammar-constrained decoding for any Hugging Face tokenizer.

``compile_grammar(grammar, tokenizer)`` compiles a Lark LALR grammar for a tokenizer once
(cached by hash); ``.matcher()`` gives a token-by-token matcher, ``.restrict(...)`` narrows
string literals for one input without recompiling, and
:class:`~parseinstr.decoding.hf.GrammarLogitsProcessor` constrains ``model.generate``.
"""

from .compiled import CompiledGrammar, clear_cache, compile_grammar
from .matcher import GrammarMatcher, Matcher, new_bitmask, unpack
from .vocab import Vocabulary, vocabulary

__all__ = [
    "CompiledGrammar",
    "GrammarMatcher",
    "Matcher",
    "Vocabulary",
    "clear_cache",
    "compile_grammar",
    "new_bitmask",
    "unpack",
    "vocabulary",
]
