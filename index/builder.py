"""Build or refresh the index from the digests directory, re-embedding only what changed."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import store
from .chunking import chunk_digest
from .corpus import CorpusTables
from .embedding import Embedder
from .errors import DigestError, NewsbotError
from .ingest import content_hash, find_digest_files, read_or_skip, relative_path
from .lexical import LexicalIndex
from .models import Chunk, Digest
from .settings import IndexSettings
from .table_parts import CorpusParts

log = logging.getLogger(__name__)

# Called with (stage, done, total): stage is "read" or "embed".
ProgressCallback = Callable[[str, int, int], None]


@dataclass
class BuildReport:
    """What a build did, for the CLI summary and the /reindex reply."""

    digests: int = 0
    chunks: int = 0
    embedded: int = 0
    reused: int = 0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[DigestError] = field(default_factory=list)
    seconds: float = 0.0
    directory: Path | None = None


def build_index(
    settings: IndexSettings,
    embedder: Embedder,
    progress: ProgressCallback | None = None,
    show_progress_bar: bool = False,
) -> BuildReport:
    """Read every digest, chunk, embed new passages, and swap the new index in."""
    started = time.perf_counter()
    report = BuildReport()
    previous = _previous_index(settings.resolved_index_dir, embedder)
    cut_alike = _cut_alike(previous, settings.chunk_max_chars)
    chunks, entries, report.skipped = _read_and_chunk(settings, cut_alike)
    if progress:
        progress("read", len(entries), len(entries) + len(report.skipped))
    if not entries:
        raise NewsbotError(f"no usable digest found in {settings.digests_dir}")
    _compare(previous.manifest if previous else None, entries, report)

    vectors = _embed(chunks, embedder, previous, report, progress, show_progress_bar)
    manifest = store.Manifest(
        model=embedder.name,
        dimension=embedder.dimension,
        chunk_count=len(chunks),
        digests=entries,
        chunk_max_chars=settings.chunk_max_chars,
    )
    parts = CorpusParts.load(cut_alike.directory) if cut_alike else None
    tables = _table_writer(chunks, entries, parts)
    report.directory = store.write_index(settings.resolved_index_dir, manifest, chunks, vectors, tables)
    report.digests = len(entries)
    report.chunks = len(chunks)
    report.seconds = time.perf_counter() - started
    return report


def _read_and_chunk(
    settings: IndexSettings, cut_alike: store.StoredIndex | None
) -> tuple[list[Chunk], list[store.DigestEntry], list[DigestError]]:
    """Every digest's passages, in order, what the manifest records of each, and the files skipped.

    A file whose path and bytes are those of a digest in `cut_alike` (the previous build, if it cut the
    digests as this one does) is not parsed again: its passages and entry are copied from that build.
    Parsing is most of the time of adding one digest to a thousand."""
    root = settings.data_dir.resolve().parent
    known = _parsed_digests(cut_alike)
    chunks: list[Chunk] = []
    entries: list[store.DigestEntry] = []
    skipped: list[DigestError] = []
    for path in find_digest_files(settings.digests_dir):
        try:
            raw_bytes = path.read_bytes()
        except OSError:
            raw_bytes = None  # read_or_skip reports it
        reused = known.get(relative_path(path, root))
        if reused is not None and raw_bytes is not None and reused[0].content_hash == content_hash(raw_bytes):
            entries.append(reused[0])
            chunks.extend(reused[1])
            continue
        digest = read_or_skip(path, root, skipped, raw_bytes)
        if digest is None:
            continue
        digest_chunks = chunk_digest(digest, settings.chunk_max_chars)
        chunks.extend(digest_chunks)
        entries.append(_entry(digest, len(digest_chunks)))
    return chunks, entries, skipped


def _entry(digest: Digest, chunk_count: int) -> store.DigestEntry:
    return store.DigestEntry(
        path=digest.path,
        title=digest.title,
        month=digest.month,
        month_source=digest.month_source,
        language=digest.language,
        content_hash=digest.content_hash,
        chunks=chunk_count,
        end_matter=digest.end_matter,
    )


def _parsed_digests(cut_alike: store.StoredIndex | None) -> dict[str, tuple[store.DigestEntry, list[Chunk]]]:
    """The digests of a build cut as this one is, by path, with their passages."""
    if cut_alike is None:
        return {}
    manifest = cut_alike.manifest
    by_path: dict[str, list[Chunk]] = {}
    for chunk in cut_alike.chunks:
        by_path.setdefault(chunk.path, []).append(chunk)
    return {
        entry.path: (entry, by_path[entry.path])
        for entry in manifest.digests
        if len(by_path.get(entry.path, [])) == entry.chunks
    }


def _cut_alike(previous: store.StoredIndex | None, max_chars: int) -> store.StoredIndex | None:
    """The previous build if it cut the digests as this one does (same format, same passage size): only
    then are its passages, and the table parts made of them, this build's too."""
    if previous is None:
        return None
    manifest = previous.manifest
    same = manifest.format_version == store.FORMAT_VERSION and manifest.chunk_max_chars == max_chars
    return previous if same else None


def _table_writer(
    chunks: list[Chunk], entries: list[store.DigestEntry], previous: CorpusParts | None
) -> Callable[[Path], None]:
    """Writes the corpus-wide tables (BM25 index, corpus tables, and the per-digest parts they are
    summed from, for the next build) into a build directory."""
    parts = CorpusParts.gather(chunks, entries, previous)
    tokens = parts.tokens()  # once, for both tables
    corpus = CorpusTables(parts.names, [frozenset(passage) for passage in tokens], parts.written_forms())
    lexical = LexicalIndex.build(chunks, parts.names, tokens)

    def write_tables(directory: Path) -> None:
        lexical.save(directory)
        corpus.save(directory)
        parts.save(directory)

    return write_tables


def _previous_index(index_dir: Path, embedder: Embedder) -> store.StoredIndex | None:
    """The newest build made with this model whose vectors and passages are intact (the current one,
    else the fallback kept beside it): rebuilding a damaged index then embeds only what changed."""
    if not store.has_index(index_dir):
        return None
    for build in [None, *store.previous_builds(index_dir)]:
        try:
            return store.load_vectors(index_dir, embedder.name, embedder.dimension, build=build)
        except NewsbotError as error:
            log.info("not reusing %s: %s", build.name if build else "the current build", error)
    return None


def _compare(previous: store.Manifest | None, entries: list[store.DigestEntry], report: BuildReport) -> None:
    old = {entry.path: entry.content_hash for entry in previous.digests} if previous else {}
    new = {entry.path: entry.content_hash for entry in entries}
    report.added = sorted(path for path in new if path not in old)
    report.changed = sorted(path for path in new if path in old and old[path] != new[path])
    report.unchanged = sorted(path for path in new if old.get(path) == new[path])
    report.removed = sorted(path for path in old if path not in new)


def _embed(
    chunks: list[Chunk],
    embedder: Embedder,
    previous: store.StoredIndex | None,
    report: BuildReport,
    progress: ProgressCallback | None,
    show_progress_bar: bool,
) -> np.ndarray:
    """Vectors for all chunks: reused by id where possible, embedded in batches otherwise."""
    known = previous.vectors_by_id() if previous else {}
    missing = [i for i, chunk in enumerate(chunks) if chunk.id not in known]
    # Longest first across the whole build, not only within each call: a batch then pads its passages
    # to nearly their own length (measured: benchmarks/bench_embedding.py, "presorted by length").
    texts_of = {i: chunks[i].embedding_text() for i in missing}
    missing.sort(key=lambda i: -len(texts_of[i]))
    vectors = np.zeros((len(chunks), embedder.dimension), dtype=np.float32)
    for i, chunk in enumerate(chunks):
        if chunk.id in known:
            vectors[i] = known[chunk.id]
    batch = max(1, embedder.batch_size * 4)
    for done in range(0, len(missing), batch):
        part = missing[done : done + batch]
        texts = [texts_of[i] for i in part]
        vectors[part] = embedder.encode(texts, progress=show_progress_bar)
        if progress:
            progress("embed", min(done + batch, len(missing)), len(missing))
    report.embedded = len(missing)
    report.reused = len(chunks) - len(missing)
    return vectors
