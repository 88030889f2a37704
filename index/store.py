"""The index on disk: FAISS vectors, chunk metadata (JSON, never pickle) and a manifest.

Layout under the index directory:

    builds/<build-id>/   vectors.faiss, chunks.json, manifest.json (+ extra files)
    current -> builds/<build-id>

A build is written in full to a fresh directory, then `current` is replaced by a
new symlink with one atomic rename, so a crash at any point leaves the previous
index loadable and a reader never sees a half-written index.
"""

from __future__ import annotations

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

from .errors import IndexCorruptError, IndexMismatchError, IndexMissingError
from .models import Chunk, EndMatter

log = logging.getLogger(__name__)

# 2: the manifest keeps each digest's end matter (older builds are rebuilt on load, see NewsService.load).
FORMAT_VERSION = 2
VECTORS_FILE = "vectors.faiss"
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


def load_index(index_dir: Path, model: str | None = None, dimension: int | None = None) -> StoredIndex:
    """Load the current build; refuse one made with another model or dimension."""
    directory = current_path(index_dir)
    if not (directory / MANIFEST_FILE).is_file():
        raise IndexMissingError(f"no index in {index_dir}: run `newsbot index` to build one")
    try:
        manifest = Manifest.from_dict(json.loads((directory / MANIFEST_FILE).read_text("utf-8")))
    except (OSError, ValueError, TypeError) as error:
        raise IndexCorruptError(f"cannot read the index manifest in {directory}: {error}") from error
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
    try:
        chunks = [Chunk.from_dict(item) for item in json.loads((directory / CHUNKS_FILE).read_text("utf-8"))]
        vectors = faiss.read_index(str(directory / VECTORS_FILE))
    except (OSError, ValueError, TypeError, RuntimeError) as error:
        raise IndexCorruptError(f"cannot read the index in {directory}: {error}") from error
    if vectors.ntotal != len(chunks) or len(chunks) != manifest.chunk_count:
        raise IndexCorruptError(f"the index in {directory} is inconsistent: run `newsbot index`")
    return StoredIndex(directory=directory.resolve(), manifest=manifest, chunks=chunks, vectors=vectors)


def write_index(
    index_dir: Path,
    manifest: Manifest,
    chunks: list[Chunk],
    vectors: np.ndarray,
    write_extras: Callable[[Path], None] | None = None,
) -> Path:
    """Write a complete build beside the current one, then swap it in atomically."""
    builds = index_dir / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    build_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    staging = builds / f".tmp-{build_id}"
    staging.mkdir()
    try:
        flat = faiss.IndexFlatIP(manifest.dimension)  # exact search: a few thousand passages at most
        if len(vectors):
            flat.add(np.ascontiguousarray(vectors, dtype=np.float32))
        faiss.write_index(flat, str(staging / VECTORS_FILE))
        _write_json(staging / CHUNKS_FILE, [chunk.to_dict() for chunk in chunks])
        if write_extras:
            write_extras(staging)
        # The manifest is written last: a build without one is never loaded.
        _write_json(staging / MANIFEST_FILE, asdict(manifest))
        final = builds / build_id
        staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _point_current_at(index_dir, final)
    _remove_old_builds(builds, keep=final)
    return final


def _point_current_at(index_dir: Path, build: Path) -> None:
    link = current_path(index_dir)
    temporary = index_dir / f".current-{uuid.uuid4().hex[:8]}"
    os.symlink(os.path.relpath(build, index_dir), temporary)
    os.replace(temporary, link)  # atomic on POSIX: readers see the old or the new build


def _remove_old_builds(builds: Path, keep: Path) -> None:
    for entry in builds.iterdir():
        if entry.resolve() != keep.resolve():
            shutil.rmtree(entry, ignore_errors=True)


def _write_json(path: Path, data: object) -> None:
    with path.open("w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())
