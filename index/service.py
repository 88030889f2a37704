"""One object the CLI and the bot share: loads or builds the index, answers, reindexes.

Its methods are blocking (embedding, FAISS, disk); async callers run them in a worker
thread. A reindex builds beside the serving index and swaps the searcher in one
assignment, so questions keep being answered from the old index meanwhile, and a
failed reindex leaves it serving.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from . import store
from .answer import compose_answer
from .builder import BuildReport, ProgressCallback, build_index
from .corpus import CorpusTables
from .embedders import load_embedder
from .embedding import Embedder
from .errors import IndexMissingError, IndexUnusableError, NewsbotError
from .language import detect_language
from .lexical import LexicalIndex
from .llm_writer import LLMWriter
from .locking import BuildInProgress, exclusive_build
from .models import Answer
from .query_onnx import ENCODER_DIR
from .question_limits import check_question
from .search import Searcher
from .settings import IndexSettings
from .threads import one_blas_thread

log = logging.getLogger(__name__)


class ReindexInProgress(BuildInProgress):
    """A reindex is already running, in this process or another."""


class NewsService:
    """Question answering over the current index, with safe rebuilds."""

    def __init__(self, settings: IndexSettings, embedder: Embedder | None = None, fusion: str = "convex") -> None:
        one_blas_thread()  # numpy's spinning BLAS threads would slow the model's forward passes
        self.settings = settings
        self.fusion = fusion
        self.embedder = embedder or load_embedder(
            settings.embedding_model, settings.embed_batch_size, query_dir=settings.resolved_index_dir / ENCODER_DIR
        )
        self._searcher: Searcher | None = None
        self._build_lock = threading.Lock()
        self.last_build: BuildReport | None = None
        self.writer = LLMWriter.from_settings(settings) if settings.answer_mode == "llm" else None
        self._refused_build: Path | None = None  # a current build `refresh` could not load, warned about once

    @property
    def stored(self) -> store.StoredIndex:
        return self.searcher.stored

    @property
    def searcher(self) -> Searcher:
        if self._searcher is None:
            raise IndexMissingError("the index is not loaded yet")
        return self._searcher

    @property
    def is_loaded(self) -> bool:
        return self._searcher is not None

    def open(self) -> str | None:
        """Serve the best index on disk without building: the current build if it checks out, else the
        newest earlier build that does. Returns why a rebuild is due (None if the current build is
        good); raises IndexMissingError or IndexUnusableError if there is nothing to serve."""
        index_dir = self.settings.resolved_index_dir
        if not store.has_index(index_dir):
            raise IndexMissingError(f"no index in {index_dir}: run `newsbot index`")
        model, dimension = self.embedder.name, self.embedder.dimension
        try:
            self._searcher = self._make_searcher(store.load_index(index_dir, model, dimension))
            return None
        except IndexUnusableError as problem:
            for build in store.previous_builds(index_dir):
                try:
                    fallback = store.load_index(index_dir, model, dimension, build=build)
                except NewsbotError:
                    continue
                self._searcher = self._make_searcher(fallback)
                log.warning("%s; answering from the previous build %s until it is rebuilt", problem, build.name)
                return str(problem)
            raise

    def load(self, build_if_missing: bool = True, show_progress_bar: bool = False) -> BuildReport | None:
        """Load the index from disk; build it when there is none, or rebuild it from the digests when
        it is damaged, outdated or from another model (returns that build). A failed rebuild keeps
        the previous good build serving if there is one."""
        try:
            if self.open() is None or not build_if_missing:
                self.embedder.prepare_questions()  # once per model: later processes answer without torch
                return None  # the current build, or a previous one that `open` said it serves
        except (IndexMissingError, IndexUnusableError) as error:
            if not build_if_missing:
                raise
            if isinstance(error, IndexUnusableError):
                log.warning("rebuilding the index from the digests: %s", error)
        try:
            return self.reindex(show_progress_bar=show_progress_bar)
        except NewsbotError as error:
            if not self.is_loaded:
                raise
            log.error("could not rebuild the index (%s); answering from the previous build", error)
            return None

    def _make_searcher(self, stored: store.StoredIndex) -> Searcher:
        try:
            lexical = LexicalIndex.load(stored.directory, len(stored.chunks))
        except (OSError, ValueError, TypeError, KeyError, EOFError) as error:  # another tokenizer version
            log.warning("lexical index unusable (%s); rebuilding it in memory", error)
            lexical = None
        corpus = CorpusTables.load(stored.directory, stored.chunks)
        return Searcher(stored, self.embedder, lexical, fusion=self.fusion, corpus=corpus)

    def reindex(self, progress: ProgressCallback | None = None, show_progress_bar: bool = False) -> BuildReport:
        """Rebuild from the digests directory and swap the new index in; refuses to run twice at once."""
        if not self._build_lock.acquire(blocking=False):
            raise ReindexInProgress("a reindex is already running")
        try:
            with exclusive_build(self.settings.resolved_index_dir):  # no other process builds meanwhile
                report = build_index(self.settings, self.embedder, progress, show_progress_bar)
                stored = store.load_index(self.settings.resolved_index_dir, model=self.embedder.name)
            self._searcher = self._make_searcher(stored)  # one assignment: the swap
            self.embedder.prepare_questions()  # the model is loaded: export it for questions if not done
        except BuildInProgress as error:
            raise ReindexInProgress(str(error)) from None
        finally:
            self._build_lock.release()
        self.last_build = report
        return report

    def refresh(self) -> bool:
        """Serve the build another process (a bot sharing the data folder, `newsbot index`) made current
        since this one loaded; True if it was swapped in. A build that does not load is warned about
        once and skipped, and the one serving stays; this process's own reindex always wins."""
        if self._searcher is None or self.reindexing:
            return False
        index_dir = self.settings.resolved_index_dir
        current = store.current_path(index_dir).resolve()
        if current in (self._searcher.stored.directory, self._refused_build) or not store.has_index(index_dir):
            return False
        try:
            searcher = self._make_searcher(
                store.load_index(index_dir, self.embedder.name, self.embedder.dimension, build=current)
            )
        except (NewsbotError, OSError) as error:  # OSError: removed by a newer build while this one read it
            self._refused_build = current
            log.warning("not serving the new build %s (%s); still answering from the one loaded", current.name, error)
            return False
        if not self._build_lock.acquire(blocking=False):
            return False  # this process started a reindex meanwhile: its build is the newer one
        try:
            if store.current_path(index_dir).resolve() != searcher.stored.directory:
                return False  # superseded while it loaded: the next call takes the newest
            self._searcher = searcher  # one assignment: the swap
        finally:
            self._build_lock.release()
        log.info("serving the index build %s, made current by another process", current.name)
        return True

    @property
    def reindexing(self) -> bool:
        return self._build_lock.locked()

    def ask(self, question: str, k: int | None = None) -> Answer:
        """Answer a question from the digests, with the ranked sources and timings."""
        started = time.perf_counter()
        question = self.validate_question(question)
        k = k or self.settings.top_k
        language = detect_language(question)
        searcher = self.searcher  # keep one index for the whole question, even if a reindex swaps
        result = searcher.search(question, k)
        retrieved = time.perf_counter()
        answer = compose_answer(
            question, result, language, searcher.covered_months, searcher.tokenize, searcher.stored.chunks
        )
        answer.retrieved = result.hits
        composed = time.perf_counter()
        timings = {"retrieve": (retrieved - started) * 1000, "answer": (composed - retrieved) * 1000}
        if self.writer is not None and self.writer.can_rewrite(answer):
            answer = self.writer.rewrite(answer)  # the extractive answer itself if the LLM's reply is unusable
            timings["llm"] = (time.perf_counter() - composed) * 1000
        answer.timings_ms = {**timings, "total": (time.perf_counter() - started) * 1000}
        return answer

    def validate_question(self, question: str) -> str:
        """Normalise a question; refuse empty or overlong ones with a helpful message."""
        return check_question(question, self.settings.max_question_chars)
