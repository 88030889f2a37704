"""index.builder: incremental builds with the real embedder; unchanged passages keep their vectors.

Most tests start from a copy of the session's built index (`copy_built_data`), so a build only
embeds what the test changed.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DIGEST_APRIL, DIGEST_EN, DIGEST_MARCH

from index import store
from index.builder import build_index
from index.errors import IndexWriteError, NewsbotError
from index.service import NewsService

PATHS = sorted(f"data/digests/{name}" for name in (DIGEST_EN, DIGEST_APRIL, DIGEST_MARCH))
EN_PATH = f"data/digests/{DIGEST_EN}"


def _load(settings):
    return store.load_index(settings.resolved_index_dir)


def test_first_build_embeds_everything(built_service, embedder):
    report = built_service.last_build
    assert report is not None
    assert report.digests == 3
    assert report.chunks == len(built_service.stored.chunks) > 100
    assert (report.embedded, report.reused) == (report.chunks, 0)
    assert report.added == PATHS
    assert report.changed == report.removed == report.unchanged == report.skipped == []
    manifest = built_service.stored.manifest
    assert (manifest.model, manifest.dimension) == (embedder.name, embedder.dimension)
    assert sorted(entry.path for entry in manifest.digests) == PATHS
    assert sum(entry.chunks for entry in manifest.digests) == report.chunks


def test_rebuild_without_changes_reuses_every_vector(copy_built_data, settings_for, embedder):
    settings = settings_for(copy_built_data())
    before = _load(settings)
    calls: list[tuple[str, int, int]] = []

    report = build_index(settings, embedder, progress=lambda *call: calls.append(call))

    assert (report.embedded, report.reused, report.chunks) == (0, len(before.chunks), len(before.chunks))
    assert report.unchanged == PATHS
    assert report.added == report.changed == report.removed == []
    assert calls == [("read", 3, 3)]  # nothing to embed
    after = _load(settings)
    assert [c.id for c in after.chunks] == [c.id for c in before.chunks]
    np.testing.assert_array_equal(
        after.vectors.reconstruct_n(0, after.vectors.ntotal), before.vectors.reconstruct_n(0, before.vectors.ntotal)
    )


def test_modified_digest_reembeds_only_its_changed_chunks(copy_built_data, settings_for, embedder):
    data = copy_built_data()
    settings = settings_for(data)
    before = _load(settings)
    old_vectors = before.vectors_by_id()
    path = data / "digests" / DIGEST_EN
    text = path.read_text(encoding="utf-8")
    assert "Explainable AI (XAI) is gaining traction" in text
    path.write_text(text.replace("Explainable AI (XAI) is gaining traction", "Explainable AI (XAI) is gaining ground"))

    report = build_index(settings, embedder)

    after = _load(settings)
    new = [chunk for chunk in after.chunks if chunk.id not in old_vectors]
    assert len(new) == 1 and new[0].path == EN_PATH and "gaining ground" in new[0].text
    assert (report.embedded, report.reused) == (1, len(after.chunks) - 1)
    assert report.changed == [EN_PATH]
    assert report.unchanged == [p for p in PATHS if p != EN_PATH]
    assert report.added == report.removed == []
    vectors = after.vectors_by_id()
    for chunk in after.chunks:
        if chunk.id in old_vectors:
            np.testing.assert_array_equal(vectors[chunk.id], old_vectors[chunk.id])
    expected = embedder.encode([new[0].embedding_text()])[0]
    np.testing.assert_allclose(vectors[new[0].id], expected, atol=1e-4)


def test_deleted_digest_is_listed_as_removed(copy_built_data, settings_for, embedder):
    data = copy_built_data()
    settings = settings_for(data)
    before = _load(settings)
    (data / "digests" / DIGEST_EN).unlink()

    report = build_index(settings, embedder)

    assert report.removed == [EN_PATH]
    assert report.embedded == 0 and report.digests == 2
    after = _load(settings)
    assert not any(chunk.path == EN_PATH for chunk in after.chunks)
    assert len(after.chunks) == len(before.chunks) - sum(c.path == EN_PATH for c in before.chunks)
    assert sorted(entry.path for entry in after.manifest.digests) == [p for p in PATHS if p != EN_PATH]


def test_broken_file_is_skipped_and_the_rest_indexed(copy_built_data, settings_for, embedder):
    data = copy_built_data()
    (data / "digests" / "broken.md").write_bytes(b"\x00\x01\x02 not text")
    (data / "digests" / "latin1.txt").write_bytes("Résumé de l'été".encode("latin-1"))
    settings = settings_for(data)

    report = build_index(settings, embedder)

    assert sorted(error.path for error in report.skipped) == ["data/digests/broken.md", "data/digests/latin1.txt"]
    assert all(error.reason for error in report.skipped)
    assert report.digests == 3 and report.unchanged == PATHS and report.added == []
    assert sorted(entry.path for entry in _load(settings).manifest.digests) == PATHS


def test_new_digest_is_added(copy_built_data, settings_for, embedder):
    data = copy_built_data()
    (data / "digests" / "003_mai.md").write_text(
        "# Veille IA – Mai 2025\n\n## Modèles\n\n- **Mistral Medium 3** – Mistral AI lance Medium 3 le 7 mai.\n",
        encoding="utf-8",
    )
    settings = settings_for(data)
    report = build_index(settings, embedder)
    assert report.added == ["data/digests/003_mai.md"]
    assert report.embedded == 1 and report.unchanged == PATHS
    entry = next(e for e in _load(settings).manifest.digests if e.path == "data/digests/003_mai.md")
    assert (entry.month, entry.language, entry.chunks) == ("2025-05", "fr", 1)


def test_no_usable_digest_is_an_error(make_data_dir, settings_for, embedder):
    data = make_data_dir({"empty.md": b""}, bundled=False)
    settings = settings_for(data)
    with pytest.raises(NewsbotError, match="no usable digest"):
        build_index(settings, embedder)
    assert not store.has_index(settings.resolved_index_dir)


def test_failed_build_leaves_the_service_answering_from_the_previous_index(
    copy_built_data, settings_for, embedder, monkeypatch
):
    data = copy_built_data()
    service = NewsService(settings_for(data), embedder)
    assert service.load(build_if_missing=False) is None  # loaded, not built
    old_directory = service.stored.directory
    old_ids = [chunk.id for chunk in service.stored.chunks]
    question = "What did Meta announce with LLaMA 4?"
    old_answer = service.ask(question)

    path = data / "digests" / DIGEST_APRIL
    path.write_text(path.read_text("utf-8").replace("LLaMA 4", "LLaMA 5"), "utf-8")

    def broken_write_index(*args, **kwargs):
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(store.faiss, "write_index", broken_write_index)
        with pytest.raises(IndexWriteError, match="cannot write the index in .*: disk full"):
            service.reindex()

    assert not service.reindexing
    assert service.stored.directory == old_directory
    assert [chunk.id for chunk in service.stored.chunks] == old_ids
    assert store.load_index(service.settings.resolved_index_dir).directory == old_directory
    assert not [p for p in (service.settings.resolved_index_dir / "builds").iterdir() if p.name.startswith(".tmp-")]
    answer = service.ask(question)
    assert [hit.chunk.id for hit in answer.sources] == [hit.chunk.id for hit in old_answer.sources]
    assert any("LLaMA 4" in hit.chunk.text for hit in answer.sources)

    # once the disk is fixed, the next reindex swaps the new text in
    report = service.reindex()
    assert report.changed == [f"data/digests/{DIGEST_APRIL}"]
    assert service.stored.directory != old_directory
    assert any("LLaMA 5" in chunk.text for chunk in service.stored.chunks)


def test_only_new_and_changed_digests_are_parsed_again(copy_built_data, settings_for, embedder, monkeypatch):
    from index import ingest

    data = copy_built_data()
    settings = settings_for(data)
    before = {chunk.id: chunk for chunk in _load(settings).chunks}
    parsed: list[str] = []
    read_digest = ingest.read_digest

    def counting_read(path, root, raw_bytes=None):
        parsed.append(path.name)
        return read_digest(path, root, raw_bytes)

    monkeypatch.setattr(ingest, "read_digest", counting_read)  # every parse goes through it
    (data / "digests" / "003_mai.md").write_text(
        "# Veille IA – Mai 2025\n\n## Modèles\n\n- **Mistral Medium 3** – Mistral AI lance Medium 3 le 7 mai.\n",
        encoding="utf-8",
    )
    english = data / "digests" / DIGEST_EN
    english.write_text(english.read_text(encoding="utf-8") + "\n\nA closing paragraph added in May 2025.\n")

    report = build_index(settings, embedder)

    assert sorted(parsed) == sorted(["003_mai.md", DIGEST_EN])
    assert report.added == ["data/digests/003_mai.md"] and report.changed == [EN_PATH]
    after = _load(settings)
    for chunk in after.chunks:  # the copied passages are the previous build's, field for field
        if chunk.path not in ("data/digests/003_mai.md", EN_PATH):
            assert chunk == before[chunk.id]
    assert sum(entry.chunks for entry in after.manifest.digests) == len(after.chunks)

    parsed.clear()  # another passage size cuts every digest again
    resized = settings_for(data, chunk_max_chars=settings.chunk_max_chars - 200)
    build_index(resized, embedder)
    assert len(parsed) == 4
