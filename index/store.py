"""The index on disk: FAISS vectors, chunk metadata (JSON, never pickle) and a manifest.

Layout under the index directory:

    builds/<build-id>/   vectors.faiss, chunks.json, manifest.json (+ extra files)
    current -> builds/<build-id>

A build is written in full to a fresh directory, then `current` is replaced by a
new symlink with one atomic rename, so a crash at any point leaves the previous
index loadable and a reader never sees a half-written index. The build before the
current one is kept as a fallback to serve if the current one is found damaged.

The manifest, written last, records the size and SHA-256 of every other file of the
build; loading checks them, and that vectors, passages and manifest agree, so that a
damaged index is found at load (and rebuilt), never at question time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import faiss
import numpy as np

from .errors import (
    IndexCorruptError,
    IndexMismatchError,
    IndexMissingError,
    IndexOutdatedError,
    unwritable,
)
from .models import Chunk, EndMatter

log = logging.getLogger(__name__)

# 2: the manifest keeps each digest's end matter. 3: it records each file's size and checksum.
# 4: source lists (emphasised "**Sources :**" lines, "Sources" sections) are end matter, not passages.
# Older builds are rebuilt on load (see NewsService.load), reusing their vectors.
FORMAT_VERSION = 4
VECTORS_FILE = "vectors.faiss"
# Exact search scores a question against every passage, in time linear in their number: p50 16 ms
# at 1e5 vectors, 146 ms at 1e6 (benchmarks/bench_faiss.py, docs/performance.md). Past this many, HNSW: the answer's dense scores
# then cover the passages it finds (index.search.APPROXIMATE_CANDIDATES), at the recall measured there.
EXACT_SEARCH_MAX = 200_000
HNSW_LINKS = 32
HNSW_BUILD_BREADTH = 80
HNSW_SEARCH_BREADTH = 1024  # recall@10 0.96 at 1e5 synthetic vectors, 3.9 ms (0.86 at 256)
CHUNKS_FILE = "chunks.json"
MANIFEST_FILE = "manifest.json"


@dataclass
class DigestEntry:
    """What the manifest remembers of one digest."""

    path: str
    title: str
    month: str
    month_source: str
    language: str
    content_hash: str
    chunks: int
    end_matter: list[EndMatter] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict) -> DigestEntry:
        end_matter = [EndMatter.from_dict(item) for item in data.get("end_matter", [])]
        return cls(**{**data, "end_matter": end_matter})


@dataclass
class Manifest:
    model: str
    dimension: int
    chunk_count: int
    digests: list[DigestEntry]
    built_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    format_version: int = FORMAT_VERSION
    # Every other file of the build, by path relative to it: {"bytes": size, "sha256": hex digest}.
    files: dict[str, dict[str, int | str]] = field(default_factory=dict)
    # The passage size the digests were cut at: their passages are reused only by a build with the same.
    chunk_max_chars: int | None = None

    @classmethod
    def from_dict(cls, data: dict) -> Manifest:
        digests = [DigestEntry.from_dict(entry) for entry in data.pop("digests", [])]
        return cls(digests=digests, **data)


@dataclass
class StoredIndex:
    """A loaded index: the FAISS vectors, the chunks in the same order, the manifest."""

    directory: Path
    manifest: Manifest
    chunks: list[Chunk]
    vectors: faiss.Index

    def vectors_by_id(self) -> dict[str, np.ndarray]:
        """Every stored vector keyed by chunk id, to reuse for unchanged passages."""
        matrix = self.vectors.reconstruct_n(0, self.vectors.ntotal) if self.vectors.ntotal else []
        return {chunk.id: matrix[i] for i, chunk in enumerate(self.chunks)}


def current_path(index_dir: Path) -> Path:
    return index_dir / "current"


def has_index(index_dir: Path) -> bool:
    return (current_path(index_dir) / MANIFEST_FILE).is_file()


def previous_builds(index_dir: Path) -> list[Path]:
    """Complete builds other than the current one, newest first: fallbacks if the current one is damaged."""
    builds = index_dir / "builds"
    if not builds.is_dir():
        return []
    current = current_path(index_dir).resolve()
    found = [
        entry
        for entry in builds.iterdir()
        if not entry.name.startswith(".") and entry.resolve() != current and (entry / MANIFEST_FILE).is_file()
    ]
    return sorted(found, key=lambda entry: entry.name, reverse=True)  # names start with the build time


def load_index(
    index_dir: Path, model: str | None = None, dimension: int | None = None, build: Path | None = None
) -> StoredIndex:
    """Load the current build (or `build`) after checking every file against the manifest.

    Raises IndexMissingError if there is none, IndexMismatchError for another model,
    IndexOutdatedError for an older format and IndexCorruptError for anything damaged;
    each message names the file and says how to fix it."""
    return _load(index_dir, model, dimension, build, vectors_only=False)


def load_vectors(index_dir: Path, model: str, dimension: int, build: Path | None = None) -> StoredIndex:
    """The vectors and passages of a build, to reuse in a rebuild: only those two files are checked,
    so a build with a damaged table, or of an older format, still saves re-embedding everything."""
    return _load(index_dir, model, dimension, build, vectors_only=True)


def _load(
    index_dir: Path, model: str | None, dimension: int | None, build: Path | None, vectors_only: bool
) -> StoredIndex:
    directory = build or current_path(index_dir)
    if not (directory / MANIFEST_FILE).is_file():
        raise IndexMissingError(f"no index in {index_dir}: run `newsbot index` to build one")
    manifest = _read_manifest(directory)
    if manifest.format_version < FORMAT_VERSION and not vectors_only:
        raise IndexOutdatedError(f"the index in {index_dir} was built by an older version: run `newsbot index`")
    if model is not None and manifest.model != model:
        raise IndexMismatchError(
            f"the index was built with model {manifest.model!r} but the configured model is "
            f"{model!r}: run `newsbot index` to rebuild it"
        )
    if dimension is not None and manifest.dimension != dimension:
        raise IndexMismatchError(
            f"the index has {manifest.dimension}-dimensional vectors but the model makes "
            f"{dimension}-dimensional ones: run `newsbot index` to rebuild it"
        )
    verify_files(directory, manifest, only={VECTORS_FILE, CHUNKS_FILE} if vectors_only else None)
    chunks = _read_chunks(directory)
    try:
        vectors = faiss.read_index(str(directory / VECTORS_FILE))
    except RuntimeError:  # FAISS's C++ message says nothing a maintainer can act on
        raise damaged(directory / VECTORS_FILE, "is not a FAISS index") from None
    if not vectors.ntotal == len(chunks) == manifest.chunk_count or vectors.d != manifest.dimension:
        raise damaged(
            directory / VECTORS_FILE,
            f"holds {vectors.ntotal} vectors of {vectors.d} dimensions for {len(chunks)} passages "
            f"(the manifest says {manifest.chunk_count} of {manifest.dimension})",
        )
    _set_search_breadth(vectors)
    return StoredIndex(directory=directory.resolve(), manifest=manifest, chunks=chunks, vectors=vectors)


def vector_index(vectors: np.ndarray, dimension: int) -> faiss.Index:
    """Exact search while it is fast enough, a graph index (HNSW) past EXACT_SEARCH_MAX vectors."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, dimension)
    if len(vectors) <= EXACT_SEARCH_MAX:
        index: faiss.Index = faiss.IndexFlatIP(dimension)
    else:
        index = faiss.IndexHNSWFlat(dimension, HNSW_LINKS, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_BUILD_BREADTH
    if len(vectors):
        index.add(vectors)
    return index


def _set_search_breadth(vectors: faiss.Index) -> None:
    if isinstance(vectors, faiss.IndexHNSW):
        vectors.hnsw.efSearch = HNSW_SEARCH_BREADTH


def damaged(path: Path, problem: str) -> IndexCorruptError:
    """The one-line error for a damaged index file: which file, what is wrong, the fix."""
    return IndexCorruptError(f"the index file {path} {problem}: run `newsbot index` to rebuild the index")


def verify_files(directory: Path, manifest: Manifest, only: set[str] | None = None) -> None:
    """Every file the manifest lists (or the `only` ones) is there, with its recorded size and checksum."""
    if not manifest.files:
        if manifest.format_version < FORMAT_VERSION and only:
            return  # written before checksums: the counts checked after reading are all there is
        raise damaged(directory / MANIFEST_FILE, "lists no files")
    for name, record in sorted(manifest.files.items()):
        if only is not None and name not in only:
            continue
        path = directory / name
        try:
            size = path.stat().st_size
        except OSError:
            raise damaged(path, "is missing") from None
        if size != record.get("bytes"):
            raise damaged(path, f"has {size} bytes where {record.get('bytes')} were written (truncated or replaced)")
        if _sha256(path) != record.get("sha256"):
            raise damaged(path, "differs from what was written (its checksum does not match the manifest)")


def _read_manifest(directory: Path) -> Manifest:
    path = directory / MANIFEST_FILE
    try:
        data = json.loads(path.read_text("utf-8"))
        return Manifest.from_dict(data)
    except OSError as error:
        raise damaged(path, f"cannot be read ({error.strerror})") from None
    except (ValueError, TypeError, AttributeError):  # not JSON, or not the manifest's fields
        raise damaged(path, "is not a valid manifest") from None


def _read_chunks(directory: Path) -> list[Chunk]:
    path = directory / CHUNKS_FILE
    try:
        return [Chunk.from_dict(item) for item in json.loads(path.read_text("utf-8"))]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        raise damaged(path, "is not a valid list of passages") from None


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _record_files(directory: Path) -> dict[str, dict[str, int | str]]:
    return {
        path.relative_to(directory).as_posix(): {"bytes": path.stat().st_size, "sha256": _sha256(path)}
        for path in sorted(directory.rglob("*"))
        if path.is_file() and path.name != MANIFEST_FILE
    }


def write_index(
    index_dir: Path,
    manifest: Manifest,
    chunks: list[Chunk],
    vectors: np.ndarray,
    write_extras: Callable[[Path], None] | None = None,
) -> Path:
    """Write a complete build beside the current one, then swap it in atomically.

    Callers hold the build lock (index.locking), so no other build is in progress here."""
    try:
        return _write_build(index_dir, manifest, chunks, vectors, write_extras)
    except OSError as error:
        raise unwritable(index_dir, error) from None


def _write_build(
    index_dir: Path,
    manifest: Manifest,
    chunks: list[Chunk],
    vectors: np.ndarray,
    write_extras: Callable[[Path], None] | None,
) -> Path:
    builds = index_dir / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    build_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f") + "-" + uuid.uuid4().hex[:8]
    staging = builds / f".tmp-{build_id}"
    staging.mkdir()
    try:
        faiss.write_index(vector_index(vectors, manifest.dimension), str(staging / VECTORS_FILE))
        _write_json(staging / CHUNKS_FILE, [chunk.to_dict() for chunk in chunks])
        if write_extras:
            write_extras(staging)
        _sync_tree(staging)
        # The manifest is written last, with every other file's size and checksum: a build without
        # one is never loaded, and a file changed afterwards is caught at load.
        manifest.files = _record_files(staging)
        _write_json(staging / MANIFEST_FILE, asdict(manifest))
        final = builds / build_id
        staging.rename(final)
        _fsync_directory(builds)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    previous = current_path(index_dir).resolve() if has_index(index_dir) else None
    _point_current_at(index_dir, final)
    _remove_old_builds(builds, keep={final.resolve(), *([previous] if previous else [])})
    return final


def _point_current_at(index_dir: Path, build: Path) -> None:
    link = current_path(index_dir)
    temporary = index_dir / f".current-{uuid.uuid4().hex[:8]}"
    os.symlink(os.path.relpath(build, index_dir), temporary)
    os.replace(temporary, link)  # atomic on POSIX: readers see the old or the new build
    _fsync_directory(index_dir)


def _remove_old_builds(builds: Path, keep: set[Path]) -> None:
    """Everything but the new build and the one it replaced, left-over staging of killed builds included."""
    for entry in builds.iterdir():
        if entry.resolve() not in keep:
            shutil.rmtree(entry, ignore_errors=True)
    for stray in builds.parent.glob(".current-*"):  # a link a killed build made but never renamed
        stray.unlink(missing_ok=True)


def _sync_tree(directory: Path) -> None:
    """Flush every file of a build to disk before the manifest vouches for them."""
    for path in directory.rglob("*"):
        if path.is_file():
            with path.open("rb+") as handle:
                os.fsync(handle.fileno())


def _fsync_directory(directory: Path) -> None:
    handle = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _write_json(path: Path, data: object) -> None:
    with path.open("w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())
