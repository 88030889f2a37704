"""How well the best passages match a question: the evidence the decision to answer weighs.

Computed after retrieval, from the question's analysis and the passages found: how close in
meaning the best one is (dense), how much of the question's wording it has (coverage, weighted
by rarity), and whether the product versions asked about are there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .corpus import CorpusTables
from .lexical import Expander
from .question import QuestionAnalysis


@dataclass
class Signals:
    """Raw evidence about the best match (scores before normalisation)."""

    dense_top: float = 0.0
    lexical_top: float = 0.0
    coverage: float = 0.0  # share of the question's terms found in the best passage (rarity-weighted)
    matched_terms: int = 0  # how many distinct question terms the best passage has (or a form of them)
    matched_versions: list[str] = field(default_factory=list)  # versioned names ("sd3") the top passages have


def gather_signals(
    analysis: QuestionAnalysis,
    corpus: CorpusTables,
    expander: Expander,
    best_terms: frozenset[str],
    hit_terms: frozenset[str],
    dense: np.ndarray,
    lexical: np.ndarray,
) -> Signals:
    """`best_terms`: the terms of the best passage's whole news item; `hit_terms`: of all the items found."""
    terms = set(analysis.terms)
    found = {
        t for t in terms if t in best_terms or best_terms.intersection(expander.expand([t]) + corpus.cognates([t]))
    }
    for phrase, translations in expander.phrases(list(analysis.terms)):  # "traitement du langage" ~ "NLP"
        if best_terms & translations:
            found |= phrase
    total = sum(corpus.idf(t) for t in terms)
    # Weighted by rarity: matching "GPT-4.5" says more than matching "model"; a term no digest has weighs the most.
    coverage = sum(corpus.idf(t) for t in found & terms) / total if total else 0.0
    return Signals(
        dense_top=float(dense.max()) if len(dense) else 0.0,
        lexical_top=float(lexical.max()) if len(lexical) else 0.0,
        coverage=coverage,
        matched_terms=len(found),
        matched_versions=sorted(t for t in set(analysis.versioned_terms) if t in hit_terms),
    )
