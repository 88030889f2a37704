"""index.table_parts: per-digest pieces of the corpus-wide tables, summed instead of recomputed.

What matters is that a build reusing the previous parts gets exactly the tables a full
computation gets, including when a new digest changes which words are names.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from conftest import DIGEST_EN, DIGEST_MARCH, UNSEEN

from index import store
from index.builder import build_index
from index.corpus import CorpusTables
from index.lexical import LexicalIndex, corpus_names, passage_tokens
from index.models import Chunk
from index.store import DigestEntry
from index.table_parts import PARTS_FILE, CorpusParts
from index.written_forms import WrittenForms


def _digest(path: str, texts: list[str], content_hash: str | None = None) -> tuple[DigestEntry, list[Chunk]]:
    chunks = [
        Chunk(
            id=f"{path}-{n}",
            path=path,
            digest_title="Veille IA",
            month="2025-04",
            language="fr",
            section=["Modèles"],
            text=text,
            links=[],
            position=n,
            block=n,
        )
        for n, text in enumerate(texts)
    ]
    entry = DigestEntry(
        path=path,
        title="Veille IA",
        month="2025-04",
        month_source="title",
        language="fr",
        content_hash=content_hash or "|".join(texts),
        chunks=len(chunks),
    )
    return entry, chunks


def _corpus(*digests: tuple[DigestEntry, list[Chunk]]) -> tuple[list[Chunk], list[DigestEntry]]:
    return [chunk for _, chunks in digests for chunk in chunks], [entry for entry, _ in digests]


def _assert_full_computation(parts: CorpusParts, chunks: list[Chunk]) -> None:
    names = corpus_names(chunks)
    assert parts.names == names
    assert parts.tokens() == [passage_tokens(chunk, names) for chunk in chunks]
    full = WrittenForms.from_texts(chunk.text + " " + " ".join(chunk.section) for chunk in chunks)
    assert parts.written_forms().to_dict() == full.to_dict()


# "Gemini" inside sentences is a name, kept whole; once another digest writes "gemini" in lower case
# more often, it is a common word and stemmed ("gemin") in every passage, the old ones included.
NAMED = _digest("a.md", ["Nous testons Gemini ici.", "Le modèle Gemini progresse vite.", "Rien à signaler."])
LOWER = _digest("b.md", ["les gemini sont partout : gemini, gemini et encore gemini chez Mistral."])


def test_parts_computed_from_scratch_are_the_full_tables() -> None:
    chunks, entries = _corpus(NAMED, LOWER)
    _assert_full_computation(CorpusParts.gather(chunks, entries), chunks)


def test_adding_a_digest_that_changes_a_name_retokenizes_the_passages_using_it() -> None:
    before = CorpusParts.gather(*_corpus(NAMED))
    assert "gemini" in before.names and ["gemini"] == [t for t in before.tokens()[0] if t.startswith("gem")]
    chunks, entries = _corpus(NAMED, LOWER)
    after = CorpusParts.gather(chunks, entries, previous=before)
    assert "gemini" not in after.names
    _assert_full_computation(after, chunks)
    assert after.digests["a.md"].tokens[2] is before.digests["a.md"].tokens[2]  # untouched passages are reused

    removed = CorpusParts.gather(*_corpus(NAMED), previous=after)  # and back: the name returns
    _assert_full_computation(removed, _corpus(NAMED)[0])


def test_a_changed_digest_is_computed_again() -> None:
    before = CorpusParts.gather(*_corpus(NAMED, LOWER))
    edited = _digest("b.md", ["Mistral publie Codestral, et Gemini répond."])
    chunks, entries = _corpus(NAMED, edited)
    _assert_full_computation(CorpusParts.gather(chunks, entries, previous=before), chunks)


def test_parts_survive_a_save_and_load(tmp_path: Path) -> None:
    parts = CorpusParts.gather(*_corpus(NAMED, LOWER))
    parts.save(tmp_path)
    loaded = CorpusParts.load(tmp_path)
    assert loaded is not None
    assert loaded.names == parts.names and loaded.tokens() == parts.tokens()
    assert loaded.written_forms().to_dict() == parts.written_forms().to_dict()
    for path, digest in parts.digests.items():
        assert loaded.digests[path].seen == digest.seen and loaded.digests[path].capitalised == digest.capitalised
        assert loaded.digests[path].content_hash == digest.content_hash


def test_unreadable_parts_mean_a_full_computation(tmp_path: Path) -> None:
    assert CorpusParts.load(tmp_path) is None  # missing
    (tmp_path / PARTS_FILE).write_bytes(b"PK\x03\x04 not really a zip")
    assert CorpusParts.load(tmp_path) is None


def test_an_incremental_build_writes_the_tables_a_full_build_writes(copy_built_data, settings_for, embedder):
    """Add a digest with new names, change one, remove one: the stored tables are those of the chunks."""
    data = copy_built_data()
    settings = settings_for(data)
    digests = data / "digests"
    unseen = sorted((UNSEEN / "digests").iterdir())[0]
    (digests / unseen.name).write_bytes(unseen.read_bytes())
    english = digests / DIGEST_EN
    english.write_text(english.read_text(encoding="utf-8") + "\n\nOpenAI et Gemini, encore.\n", encoding="utf-8")
    (digests / DIGEST_MARCH).unlink()

    build_index(settings, embedder)

    stored = store.load_index(settings.resolved_index_dir)
    saved = CorpusTables.load(stored.directory, stored.chunks)
    full = CorpusTables.build(stored.chunks)
    assert saved.names == full.names and saved.chunk_terms == full.chunk_terms
    assert saved.written.to_dict() == full.written.to_dict()
    lexical = LexicalIndex.load(stored.directory, len(stored.chunks))
    rebuilt = LexicalIndex.build(stored.chunks)
    assert lexical.retriever.vocab_dict == rebuilt.retriever.vocab_dict
    for key in ("data", "indices", "indptr"):
        assert np.array_equal(lexical.retriever.scores[key], rebuilt.retriever.scores[key])


def test_damaged_parts_are_computed_again(copy_built_data, settings_for, embedder):
    data = copy_built_data()
    settings = settings_for(data)
    parts_file = store.current_path(settings.resolved_index_dir).resolve() / PARTS_FILE
    damaged = bytearray(parts_file.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF  # same size, one byte flipped inside the arrays
    parts_file.write_bytes(bytes(damaged))
    assert CorpusParts.load(parts_file.parent) is None
    (data / "digests" / DIGEST_MARCH).unlink()

    build_index(settings, embedder)

    stored = store.load_index(settings.resolved_index_dir)
    saved = CorpusTables.load(stored.directory, stored.chunks)
    assert saved.chunk_terms == CorpusTables.build(stored.chunks).chunk_terms
