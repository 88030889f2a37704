"""index.store: round trip, atomic swap, cleanup of old builds, refusing mismatched indexes."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import numpy as np
import pytest

from index import store
from index.errors import IndexCorruptError, IndexMismatchError, IndexMissingError, IndexWriteError
from index.models import Chunk, EndMatter, Link

DIM = 8
MODEL = "test-model"


def make_chunks(n: int, tag: str = "a") -> list[Chunk]:
    return [
        Chunk(
            id=f"{tag}{i:015d}",
            path="data/digests/x.md",
            digest_title="Veille IA – Avril 2025",
            month="2025-04",
            language="fr",
            section=["Section", f"Item {i}"],
            text=f"Passage {tag} numéro {i} – « accents » et €.",
            links=[Link(text=f"Lien {i}", url=f"https://example.com/{tag}/{i}")],
            position=i,
            block=i // 2,
        )
        for i in range(n)
    ]


def unit_vectors(n: int, dim: int = DIM, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def make_manifest(chunks: list[Chunk], dim: int = DIM, model: str = MODEL) -> store.Manifest:
    entry = store.DigestEntry(
        path="data/digests/x.md",
        title="Veille IA – Avril 2025",
        month="2025-04",
        month_source="title",
        language="fr",
        content_hash="0" * 64,
        chunks=len(chunks),
        end_matter=[
            EndMatter("promotion", "Voir Amazon Prime.", [Link("Amazon Prime", "https://www.amazon.fr/amazonprime")])
        ],
    )
    return store.Manifest(model=model, dimension=dim, chunk_count=len(chunks), digests=[entry])


def write(index_dir: Path, chunks: list[Chunk], seed: int = 0) -> Path:
    return store.write_index(index_dir, make_manifest(chunks), chunks, unit_vectors(len(chunks), seed=seed))


def staging_dirs(index_dir: Path) -> list[Path]:
    builds = index_dir / "builds"
    return [p for p in builds.iterdir() if p.name.startswith(".tmp-")] if builds.exists() else []


def test_round_trip(tmp_path):
    index_dir = tmp_path / "index"
    chunks = make_chunks(6)
    vectors = unit_vectors(6)
    build = store.write_index(index_dir, make_manifest(chunks), chunks, vectors)

    assert store.has_index(index_dir)
    loaded = store.load_index(index_dir, model=MODEL, dimension=DIM)
    assert loaded.chunks == chunks
    assert loaded.vectors.ntotal == 6 and loaded.vectors.d == DIM
    assert loaded.directory == build.resolve()
    manifest = loaded.manifest
    assert (manifest.model, manifest.dimension, manifest.chunk_count) == (MODEL, DIM, 6)
    assert manifest.format_version == store.FORMAT_VERSION
    assert manifest.built_at and manifest.digests[0].title == "Veille IA – Avril 2025"
    assert manifest.digests == make_manifest(chunks).digests
    by_id = loaded.vectors_by_id()
    assert list(by_id) == [chunk.id for chunk in chunks]
    np.testing.assert_allclose(np.stack(list(by_id.values())), vectors, rtol=0, atol=1e-6)
    # metadata is JSON (never pickle), readable as is
    on_disk = json.loads((index_dir / "current" / store.CHUNKS_FILE).read_text("utf-8"))
    assert on_disk[0]["links"] == [{"text": "Lien 0", "url": "https://example.com/a/0"}]


def test_round_trip_of_an_empty_index(tmp_path):
    store.write_index(tmp_path / "index", make_manifest([]), [], np.zeros((0, DIM), dtype=np.float32))
    loaded = store.load_index(tmp_path / "index")
    assert loaded.chunks == [] and loaded.vectors.ntotal == 0 and loaded.vectors_by_id() == {}


def test_current_is_a_symlink_into_builds_and_builds_before_the_last_two_are_removed(tmp_path):
    index_dir = tmp_path / "index"
    first = write(index_dir, make_chunks(3, "a"))
    current = index_dir / "current"
    assert current.is_symlink()
    assert not os.path.isabs(os.readlink(current))  # relative: the data directory can move
    assert current.resolve() == first.resolve() and first.parent == index_dir / "builds"

    second = write(index_dir, make_chunks(4, "b"), seed=1)
    assert second != first
    assert current.is_symlink() and current.resolve() == second.resolve()
    assert sorted(p.name for p in (index_dir / "builds").iterdir()) == [first.name, second.name]
    assert store.previous_builds(index_dir) == [first]  # kept as the fallback
    third = write(index_dir, make_chunks(2, "c"), seed=2)
    assert sorted(p.name for p in (index_dir / "builds").iterdir()) == [second.name, third.name]
    assert [p.name for p in index_dir.iterdir() if p.name.startswith(".current-")] == []
    assert [c.id for c in store.load_index(index_dir).chunks] == [c.id for c in make_chunks(2, "c")]


def _assert_previous_index_intact(index_dir: Path, old_build: Path, old_chunks: list[Chunk]) -> None:
    assert (index_dir / "current").resolve() == old_build.resolve()
    loaded = store.load_index(index_dir, model=MODEL, dimension=DIM)
    assert loaded.chunks == old_chunks
    assert loaded.vectors.ntotal == len(old_chunks)
    assert staging_dirs(index_dir) == []
    assert [p.name for p in (index_dir / "builds").iterdir()] == [old_build.name]


def test_failure_writing_vectors_keeps_previous_index(tmp_path, monkeypatch):
    index_dir = tmp_path / "index"
    old_chunks = make_chunks(3, "old")
    old_build = write(index_dir, old_chunks)

    def broken_write_index(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store.faiss, "write_index", broken_write_index)
    with pytest.raises(IndexWriteError, match="disk is full"):
        write(index_dir, make_chunks(5, "new"), seed=2)
    _assert_previous_index_intact(index_dir, old_build, old_chunks)


def test_failure_writing_the_manifest_keeps_previous_index(tmp_path, monkeypatch):
    index_dir = tmp_path / "index"
    old_chunks = make_chunks(3, "old")
    old_build = write(index_dir, old_chunks)
    real_write_json = store._write_json
    written: list[str] = []

    def failing_on_manifest(path: Path, data: object) -> None:
        written.append(path.name)
        if path.name == store.MANIFEST_FILE:
            raise KeyboardInterrupt  # even an interrupt must not leave a half-written build
        real_write_json(path, data)

    monkeypatch.setattr(store, "_write_json", failing_on_manifest)
    with pytest.raises(KeyboardInterrupt):
        write(index_dir, make_chunks(5, "new"), seed=2)
    assert store.CHUNKS_FILE in written  # the failure really came mid-build
    _assert_previous_index_intact(index_dir, old_build, old_chunks)


def test_failure_in_write_extras_keeps_previous_index(tmp_path):
    index_dir = tmp_path / "index"
    old_chunks = make_chunks(2, "old")
    old_build = write(index_dir, old_chunks)

    def extras(directory: Path) -> None:
        (directory / "lexical.json").write_text("{}")
        raise RuntimeError("boom")

    chunks = make_chunks(3, "new")
    with pytest.raises(RuntimeError, match="boom"):
        store.write_index(index_dir, make_manifest(chunks), chunks, unit_vectors(3), extras)
    _assert_previous_index_intact(index_dir, old_build, old_chunks)


def test_write_extras_land_in_the_build(tmp_path):
    chunks = make_chunks(2)
    build = store.write_index(
        tmp_path / "index",
        make_manifest(chunks),
        chunks,
        unit_vectors(2),
        lambda directory: (directory / "extra.json").write_text('{"ok": true}'),
    )
    assert json.loads((build / "extra.json").read_text()) == {"ok": True}
    assert json.loads((tmp_path / "index" / "current" / "extra.json").read_text()) == {"ok": True}


def test_model_mismatch_is_refused(tmp_path):
    write(tmp_path / "index", make_chunks(2))
    with pytest.raises(IndexMismatchError) as caught:
        store.load_index(tmp_path / "index", model="sentence-transformers/other-model")
    message = str(caught.value)
    assert "newsbot index" in message and MODEL in message and "other-model" in message


def test_dimension_mismatch_is_refused(tmp_path):
    write(tmp_path / "index", make_chunks(2))
    with pytest.raises(IndexMismatchError) as caught:
        store.load_index(tmp_path / "index", model=MODEL, dimension=384)
    assert "newsbot index" in str(caught.value) and "384" in str(caught.value)


def test_missing_index_is_reported(tmp_path):
    assert not store.has_index(tmp_path / "index")
    with pytest.raises(IndexMissingError, match="newsbot index"):
        store.load_index(tmp_path / "index")


def test_a_build_without_manifest_is_not_an_index(tmp_path):
    index_dir = tmp_path / "index"
    build = write(index_dir, make_chunks(2))
    (build / store.MANIFEST_FILE).unlink()
    assert not store.has_index(index_dir)
    with pytest.raises(IndexMissingError):
        store.load_index(index_dir)


def test_inconsistent_or_unreadable_index_is_reported_as_corrupt(tmp_path):
    index_dir = tmp_path / "index"
    build = write(index_dir, make_chunks(3))
    chunks_file = build / store.CHUNKS_FILE
    chunks_file.write_text(json.dumps(json.loads(chunks_file.read_text("utf-8"))[:2]), "utf-8")
    with pytest.raises(IndexCorruptError, match="newsbot index"):
        store.load_index(index_dir)
    (build / store.MANIFEST_FILE).write_text("{not json", "utf-8")
    with pytest.raises(IndexCorruptError):
        store.load_index(index_dir)


def test_past_the_exact_search_limit_the_index_is_hnsw_and_finds_the_same_passages(
    copy_built_data, settings_for, embedder, built_service, monkeypatch
):
    import faiss

    from index.builder import build_index
    from index.service import NewsService

    monkeypatch.setattr(store, "EXACT_SEARCH_MAX", 10)
    settings = settings_for(copy_built_data())
    (settings.digests_dir / "extra.md").write_text("# Veille IA – Mai 2025\n\nUn court paragraphe.\n")
    build_index(settings, embedder)  # the vectors are reused: only the index type changes
    approximate = NewsService(settings, embedder=embedder)
    approximate.load(build_if_missing=False)

    vectors = approximate.stored.vectors
    assert isinstance(vectors, faiss.IndexHNSW) and vectors.hnsw.efSearch == store.HNSW_SEARCH_BREADTH
    for question in ("What did Meta release in April?", "qu'a annoncé Mistral en mars ?", "PyTorch 2.7"):
        exact = built_service.ask(question).retrieved[0].chunk.id
        assert approximate.ask(question).retrieved[0].chunk.id == exact
