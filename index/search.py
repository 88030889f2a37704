"""Find the passages that answer a question.

Chunks are the unit of matching; hits are reported per news item, so a long item
split in pieces comes back once, whole, with the score of its best piece.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from .embedding import Embedder
from .models import Chunk, Hit, unique_links
from .store import StoredIndex


class Searcher:
    """Dense search over one loaded index (immutable: a reindex makes a new Searcher)."""

    def __init__(self, stored: StoredIndex, embedder: Embedder) -> None:
        self.stored = stored
        self.embedder = embedder
        self.items = _group_items(stored.chunks)

    def search(self, question: str, k: int) -> list[Hit]:
        """The k best news items for a question, best first."""
        if not self.stored.chunks:
            return []
        query = self.embedder.encode_query(question)
        scores = self.dense_scores(query)
        return self.top_items(scores, k)

    def dense_scores(self, query: np.ndarray) -> np.ndarray:
        """Cosine similarity of the query to every chunk, in store order."""
        total = self.stored.vectors.ntotal
        scores, ids = self.stored.vectors.search(query.reshape(1, -1).astype(np.float32), total)
        out = np.full(total, -1.0, dtype=np.float32)
        out[ids[0]] = scores[0]
        return out

    def top_items(self, scores: np.ndarray, k: int) -> list[Hit]:
        """Best-scoring chunk per item, then the k best items as merged passages."""
        best: dict[str, tuple[float, int]] = {}
        for index in np.argsort(-scores):
            key = self.stored.chunks[index].item_key
            if key not in best:
                best[key] = (float(scores[index]), int(index))
                if len(best) >= k:
                    break
        return [Hit(chunk=merge_item(self.items[key]), score=score) for key, (score, _) in best.items()]


def _group_items(chunks: list[Chunk]) -> dict[str, list[Chunk]]:
    items: dict[str, list[Chunk]] = defaultdict(list)
    for chunk in chunks:
        items[chunk.item_key].append(chunk)
    return items


def merge_item(pieces: list[Chunk]) -> Chunk:
    """The whole news item as one passage (a single piece is returned as is)."""
    if len(pieces) == 1:
        return pieces[0]
    first = pieces[0]
    return Chunk(
        id=first.id,
        path=first.path,
        digest_title=first.digest_title,
        month=first.month,
        language=first.language,
        section=first.section,
        text=" ".join(piece.text for piece in pieces),
        links=unique_links(link for piece in pieces for link in piece.links),
        position=first.position,
        block=first.block,
    )
