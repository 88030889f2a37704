"""Which passages answer "what happened in March?": a digest's summary, its opening, its conclusion."""

from __future__ import annotations

import re

import numpy as np

from .models import Chunk

_OVERVIEW = re.compile(
    r"^(synth[eè]se|summary|overview|r[ée]sum[ée]|en bref|highlights|key takeaways|conclusion)", re.I
)
# A paragraph that says it sums up, wherever it stands ("En synthèse, l'écosystème…").
_SUMMING_UP = re.compile(
    r"^(en (synth[eè]se|r[ée]sum[ée]|conclusion|bref|somme)|somme toute|pour (conclure|r[ée]sumer)|"
    r"in (summary|conclusion|short|sum|a nutshell)|all in all|to (sum up|summari[sz]e|conclude)|overall)\b",
    re.I,
)


def overview_weights(chunks: list[Chunk]) -> np.ndarray:
    """Each passage's share of the recap bonus, in store order."""
    last_position: dict[str, int] = {}
    for chunk in chunks:
        last_position[chunk.path] = max(last_position.get(chunk.path, 0), chunk.position)
    weights = [_overview_weight(chunk, is_last=chunk.position == last_position[chunk.path]) for chunk in chunks]
    return np.array(weights, dtype=np.float32)


def _overview_weight(chunk: Chunk, is_last: bool = False) -> float:
    """Best, a section the digest titles as its summary, its first paragraph first; then an untitled
    opening paragraph, or a paragraph summing up the digest (at top level or at the very end, not one
    item's own "en synthèse"); anything else not at all."""
    if chunk.section and _OVERVIEW.match(chunk.section[0]):
        return 1.0 if chunk.position == 0 else 0.9
    if chunk.position == 0:
        return 0.8
    if _SUMMING_UP.match(chunk.text) and (len(chunk.section) <= 1 or is_last):
        return 0.8
    return 0.0
