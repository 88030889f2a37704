"""Questions about what comes next ("what's next for OpenAI?", "à quoi s'attendre en IA ?") and the
passages that answer them: those under a digest's outlook heading ("Perspectives pour les prochains
mois"). The phrase asking is no topic: "next" must not match "Google Cloud Next"."""

from __future__ import annotations

import re

import numpy as np

from .dates import fold, fold_question
from .models import Chunk
from .wordlists import load_phrases

_ASKS = re.compile(
    r"(?<!\w)(?:"
    + "|".join(re.escape(p) for p in sorted(load_phrases("outlook_questions"), key=len, reverse=True))
    + r")(?!\w)"
)
_HEADING = re.compile(r"^(?:" + "|".join(re.escape(p) for p in load_phrases("outlook_headings")) + r")(?!\w)")


def outlook_phrase(question: str) -> re.Match[str] | None:
    """Where the question asks what comes next, if it does (offsets of the folded question)."""
    return _ASKS.search(fold_question(question))


def without_outlook_phrase(question: str) -> str:
    """The question without the phrase asking what comes next: the rest is its topic."""
    match = outlook_phrase(question)
    if not match or len(fold_question(question)) != len(question):
        return question
    return " ".join((question[: match.start()] + " " + question[match.end() :]).split())


def outlook_weights(chunks: list[Chunk]) -> np.ndarray:
    """1 for a passage under an outlook heading, 0 otherwise, in store order."""
    return np.array(
        [
            1.0 if any(_HEADING.match(fold(title).lower().replace("’", "'")) for title in chunk.section) else 0.0
            for chunk in chunks
        ],
        dtype=np.float32,
    )
