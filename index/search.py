"""Find the passages that answer a question: dense + lexical scores, fused, period-aware.

Chunks are the unit of matching; hits are reported per news item, so a long item split
in pieces comes back once, whole, with the score of its best piece. What the question means
is read beforehand (`index.question`); whether to answer is decided afterwards (`index.abstention`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import faiss
import numpy as np

from .batching import MicroBatcher
from .corpus import CorpusTables
from .embedding import MINILM_CALIBRATION, DenseCalibration, Embedder
from .end_matter import end_matter_chunk, put_first
from .evidence import Signals, gather_signals
from .lexical import Expander, LexicalIndex, default_expander
from .models import Chunk, Hit, unique_links
from .names import Lexicon
from .outlook import outlook_weights
from .overview import overview_weights
from .question import QuestionAnalysis, analyse
from .store import StoredIndex
from .topics import default_topic_words

# Fusion: a convex combination of the dense cosine (rescaled by the model's calibration, so
# that unrelated text counts 0 whichever model spreads scores how) and the max-normalised BM25 score.
# Chosen over reciprocal rank fusion on the tuning set (see `newsbot eval --fusion rrf`):
# RRF throws away how far ahead the best passage is, which both ranking (a strong
# entity match should win) and abstention need. BM25 carries more weight because the
# default English MiniLM reads French digests poorly while names match lexically.
DENSE_WEIGHT = 0.4
EXPANSION_WEIGHT = 0.75  # a translation or synonym of a question word counts 3/4 (its best form only)
# ... except in passages in the other language than the question's, which only a translation can match.
OTHER_LANGUAGE_EXPANSION_WEIGHT = 1.0
# After a story told first ("I work in HR and a vendor… is that allowed?"), the question's own words count this
# much more.
ASKED_WEIGHT = 0.4
RRF_K = 60
# With an approximate (HNSW) index, the passages whose dense score is computed; BM25 still scores all.
APPROXIMATE_CANDIDATES = 2000
# Ranking sorts this many passages per item asked for; the rest only if they run out (an item's other
# pieces and near-duplicates of chosen ones are skipped).
RANKED_AHEAD = 20
# Passages from outside the period a question names are kept, but far behind; less far for
# a relative period ("last month", "recently"), which people use loosely.
OUT_OF_PERIOD_FACTOR = 0.35
OUT_OF_RELATIVE_PERIOD_FACTOR = 0.6
# With no period asked, a near tie between two months' versions of a story goes to the newest digest.
NEWEST_MONTH_FACTOR = 1.03
# Passages in another language than the digest a question names ("the English article").
OTHER_LANGUAGE_FACTOR = 0.6
# Added to overview passages when a question names no topic, only (maybe) a period.
OVERVIEW_BONUS = 0.3
OVERVIEW_DENSE_SHARE = 0.25  # of the dense score, in a recap: it only breaks ties between summaries
# Added to passages under an outlook heading when a question asks what comes next.
OUTLOOK_BONUS = 0.3
# Two passages this similar (token Jaccard) are the same text; keep the better one.
DUPLICATE_JACCARD = 0.8


@dataclass
class SearchResult:
    """The passages found for an analysed question, and the evidence on how well they match it."""

    analysis: QuestionAnalysis
    hits: list[Hit] = field(default_factory=list)
    signals: Signals = field(default_factory=Signals)
    calibration: DenseCalibration = MINILM_CALIBRATION  # how to read signals.dense_top
    end_matter: bool = False  # the end matter asked for was found and is shown first


class Searcher:
    """Hybrid search over one loaded index (immutable: a reindex makes a new Searcher)."""

    def __init__(
        self,
        stored: StoredIndex,
        embedder: Embedder,
        lexical: LexicalIndex | None = None,
        expander: Expander | None = None,
        fusion: str = "convex",
        corpus: CorpusTables | None = None,
    ) -> None:
        self.stored = stored
        self.embedder = embedder
        self.queries = MicroBatcher(embedder.encode_queries)  # concurrent questions share a model call
        self.lexical = lexical or LexicalIndex.build(stored.chunks)
        self.corpus = corpus or CorpusTables.build(stored.chunks)
        self.lexicon = Lexicon(self.corpus, expander or default_expander(), default_topic_words())
        self.fusion = fusion
        self.items = _group_items(stored.chunks)
        self.months = np.array([chunk.month for chunk in stored.chunks])
        self.languages = np.array([chunk.language for chunk in stored.chunks])
        self.covered_months = sorted({entry.month for entry in stored.manifest.digests})
        self.overview = overview_weights(stored.chunks)
        self.outlook = outlook_weights(stored.chunks)
        positions: dict[str, list[int]] = defaultdict(list)
        for i, chunk in enumerate(stored.chunks):
            positions[chunk.item_key].append(i)
        self.item_terms = {key: _union(self.corpus.chunk_terms[i] for i in at) for key, at in positions.items()}
        self.end_matter = [
            (item.kind, end_matter_chunk(item, number, entry.path, entry.title, entry.month, entry.language))
            for entry in stored.manifest.digests
            for number, item in enumerate(entry.end_matter)
        ]

    @property
    def expander(self) -> Expander:
        return self.lexicon.expander

    @property
    def newest_month(self) -> str | None:
        return self.covered_months[-1] if self.covered_months else None

    def tokenize(self, text: str) -> list[str]:
        """Tokens as the lexical index has them (names kept whole)."""
        return self.corpus.tokenize(text)

    def analyse(self, question: str) -> QuestionAnalysis:
        return analyse(question, self.lexicon, self.covered_months)

    def search(self, question: str | QuestionAnalysis, k: int) -> SearchResult:
        """The k best news items for a question, best first."""
        analysis = self.analyse(question) if isinstance(question, str) else question
        result = SearchResult(analysis, calibration=self.embedder.calibration)
        if not analysis.period_covered or not self.stored.chunks:
            return result
        dense = self.dense_scores(self.queries.encode(analysis.text))
        lexical = self.lexical_scores(analysis)
        fused = self.weighted(analysis, self.fused(analysis, dense, lexical))
        result.hits = self.top_items(fused, k)
        best = self.stored.chunks[int(np.argmax(fused))].item_key
        hit_terms = _union(self.item_terms[hit.chunk.item_key] for hit in result.hits)
        result.signals = gather_signals(
            analysis, self.corpus, self.expander, self.item_terms[best], hit_terms, dense, lexical
        )
        self._put_end_matter_first(analysis, result, k)
        return result

    def lexical_scores(self, analysis: QuestionAnalysis) -> np.ndarray:
        """BM25 of the terms, plus their best other form per meaning (translations count in full where
        only they can match: passages in the other language), plus the question proper after a story."""
        other_language = self.languages != analysis.language
        weight = np.where(other_language, OTHER_LANGUAGE_EXPANSION_WEIGHT, EXPANSION_WEIGHT).astype(np.float32)
        scores = self.lexical.scores(list(analysis.terms)) + weight * self.lexical.best_of(analysis.alternatives)
        if analysis.asked_terms:  # "marketing person here - we tried… is there a newer tool that keeps…?"
            asked = self.lexical.scores(list(analysis.asked_terms))
            scores = scores + ASKED_WEIGHT * (asked + weight * self.lexical.best_of(analysis.asked_alternatives))
        return scores

    def fused(self, analysis: QuestionAnalysis, dense: np.ndarray, lexical: np.ndarray) -> np.ndarray:
        if analysis.asks_outlook:  # "what's next for OpenAI?": what the outlooks say of it
            topic = (
                self.fuse(dense, lexical)
                if not analysis.is_recap
                else OVERVIEW_DENSE_SHARE * self.fuse(dense, np.zeros_like(lexical))
            )
            return OUTLOOK_BONUS * self.outlook + topic
        if analysis.is_recap:  # "what happened in March?", "tl;dr of April": the digests' summaries answer,
            # and passages that happen to use the question's words ("gros", "horizon") do not; closeness
            # in meaning only breaks ties (with MiniLM it mostly measures the question's language).
            return OVERVIEW_BONUS * self.overview + OVERVIEW_DENSE_SHARE * self.fuse(dense, np.zeros_like(lexical))
        return self.fuse(dense, lexical)

    def weighted(self, analysis: QuestionAnalysis, fused: np.ndarray) -> np.ndarray:
        """Passages of the digest or period the question names first, the others kept behind."""
        if analysis.digest_language:  # "the English article"
            fused = np.where(self.languages == analysis.digest_language, fused, fused * OTHER_LANGUAGE_FACTOR)
        period = analysis.period
        if period:
            in_period = (self.months >= period.start) & (self.months <= period.end)
            factor = OUT_OF_PERIOD_FACTOR if analysis.period_explicit else OUT_OF_RELATIVE_PERIOD_FACTOR
            return np.where(in_period, fused, fused * factor)
        if self.covered_months and self.fusion == "convex":  # measured on that scale; the others are baselines
            return np.where(self.months == self.covered_months[-1], fused * NEWEST_MONTH_FACTOR, fused)
        return fused

    def _put_end_matter_first(self, analysis: QuestionAnalysis, result: SearchResult, k: int) -> None:
        """A digest's links, keywords or sources, for a question asking what it ends with."""
        period, language = analysis.period, analysis.digest_language
        chunks = [
            chunk
            for kind, chunk in self.end_matter
            if kind in analysis.end_matter_kinds
            and (period is None or period.contains(chunk.month))
            and (language is None or chunk.language == language)
        ]
        if chunks:
            words = set(analysis.terms) | set(analysis.expansions)  # "the trends post": "tendances" is in its title
            result.hits = put_first(chunks, result.hits, words, self.tokenize, k)
            result.end_matter = True

    def dense_scores(self, query: np.ndarray) -> np.ndarray:
        """Cosine similarity of the query to every chunk, in store order."""
        matrix = _flat_matrix(self.stored.vectors)
        if matrix is not None:  # one matrix-vector product: a FAISS search for all n ranks them too (5x slower)
            return matrix @ query.astype(np.float32)
        total = self.stored.vectors.ntotal  # an approximate index: the passages it finds; the others count as unrelated
        found = min(total, APPROXIMATE_CANDIDATES)
        scores, ids = self.stored.vectors.search(query.reshape(1, -1).astype(np.float32), found)
        out = np.full(total, -1.0, dtype=np.float32)
        kept = ids[0] >= 0  # -1: fewer found than asked
        out[ids[0][kept]] = scores[0][kept]
        return out

    def fuse(self, dense: np.ndarray, lexical: np.ndarray) -> np.ndarray:
        if self.fusion == "rrf":
            return _rrf(dense) + _rrf(lexical)
        if self.fusion == "dense":
            return dense
        if self.fusion == "lexical":
            return lexical
        top = float(lexical.max()) if len(lexical) else 0.0
        lexical_n = lexical / top if top > 0 else lexical
        return DENSE_WEIGHT * self.embedder.calibration.rescale(dense) + (1 - DENSE_WEIGHT) * lexical_n

    def top_items(self, scores: np.ndarray, k: int) -> list[Hit]:
        """Best-scoring chunk per item, near-duplicates dropped, the k best items merged whole."""
        chosen: dict[str, float] = {}
        chosen_terms: list[frozenset[str]] = []
        for index in _best_first(scores, k * RANKED_AHEAD):
            key = self.stored.chunks[index].item_key
            if key in chosen:
                continue
            terms = self.corpus.chunk_terms[index]
            if any(_jaccard(terms, other) >= DUPLICATE_JACCARD for other in chosen_terms):
                continue
            chosen[key] = float(scores[index])
            chosen_terms.append(terms)
            if len(chosen) >= k:
                break
        return [Hit(chunk=merge_item(self.items[key]), score=score) for key, score in chosen.items()]


def _flat_matrix(vectors: faiss.Index) -> np.ndarray | None:
    """The vectors of an exact (flat) FAISS index as an (n, d) array sharing its memory, else None."""
    if not isinstance(vectors, faiss.IndexFlat) or vectors.ntotal == 0:
        return None
    flat = faiss.rev_swig_ptr(vectors.get_xb(), vectors.ntotal * vectors.d)
    return flat.reshape(vectors.ntotal, vectors.d)


def _best_first(scores: np.ndarray, ahead: int) -> Iterator[int]:
    """Indices by decreasing score, ties in index order (a stable sort of all of them), sorting only
    the best `ahead` first: the k best items are nearly always among them, and a full sort of 30k
    scores per question costs more than the rest of ranking."""
    if ahead < len(scores):
        threshold = np.partition(scores, len(scores) - ahead)[len(scores) - ahead]
        in_head = scores >= threshold  # ties with the threshold included: the order stays stable
        for part in (np.flatnonzero(in_head), np.flatnonzero(~in_head)):
            yield from part[np.argsort(-scores[part], kind="stable")].tolist()
        return
    yield from np.argsort(-scores, kind="stable").tolist()


def _union(sets: Iterable[frozenset[str]]) -> frozenset[str]:
    return frozenset().union(*sets)


def _rrf(scores: np.ndarray) -> np.ndarray:
    ranks = np.empty(len(scores), dtype=np.float32)
    ranks[np.argsort(-scores, kind="stable")] = np.arange(1, len(scores) + 1)
    return 1.0 / (RRF_K + ranks)


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


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
