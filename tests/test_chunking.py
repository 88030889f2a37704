"""index.chunking: invariants over every chunk of the bundled digests, ids, splitting, links."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from conftest import DIGEST_APRIL, DIGEST_EN, DIGEST_MARCH

from index.chunking import DEFAULT_MAX_CHARS, chunk_digest, split_sentences, split_text
from index.ingest import ingest_directory
from index.models import Chunk, Digest


def _ingest(digests_dir: Path, root: Path) -> list[Digest]:
    report = ingest_directory(digests_dir, root)
    assert report.skipped == []
    return report.digests


@pytest.fixture(scope="module")
def digests(fixture_data_dir: Path) -> list[Digest]:
    return _ingest(fixture_data_dir / "digests", fixture_data_dir.parent)


def _ids(digests: list[Digest], max_chars: int = DEFAULT_MAX_CHARS) -> dict[str, list[str]]:
    return {digest.path: [chunk.id for chunk in chunk_digest(digest, max_chars)] for digest in digests}


def _pieces_by_item(chunks: list[Chunk]) -> dict[int, list[Chunk]]:
    items: dict[int, list[Chunk]] = defaultdict(list)
    for chunk in chunks:
        items[chunk.block].append(chunk)
    return items


def _span(block_text: str, piece: Chunk, cursor: int) -> tuple[int, int]:
    start = block_text.find(piece.text, cursor)
    assert start >= 0, f"piece is not a substring of its block: {piece.text[:60]!r}"
    return start, start + len(piece.text)


@pytest.mark.parametrize("max_chars", [DEFAULT_MAX_CHARS, 300])
def test_chunk_invariants(digests, fixture_data_dir, max_chars):
    all_ids: list[str] = []
    for digest in digests:
        chunks = chunk_digest(digest, max_chars)
        assert chunks, digest.path
        block_texts = [block.text for block in digest.blocks]
        assert [chunk.position for chunk in chunks] == list(range(len(chunks)))
        assert [chunk.block for chunk in chunks] == sorted(chunk.block for chunk in chunks)
        for chunk in chunks:
            assert chunk.text.strip() and chunk.text == chunk.text.strip()
            assert len(chunk.text) <= max_chars, (len(chunk.text), chunk.text[:60])
            assert (fixture_data_dir.parent / chunk.path).is_file()
            assert chunk.path == digest.path
            assert (chunk.month, chunk.language, chunk.digest_title) == (digest.month, digest.language, digest.title)
            assert any(chunk.text[:40] in text for text in block_texts)
            assert chunk.text in block_texts[chunk.block]
            assert chunk.section == digest.blocks[chunk.block].section
        all_ids.extend(chunk.id for chunk in chunks)
    assert len(all_ids) == len(set(all_ids))


def test_every_block_text_is_covered_by_its_chunks(digests):
    for digest in digests:
        chunks = chunk_digest(digest, 300)
        for index, pieces in _pieces_by_item(chunks).items():
            joined = " ".join(piece.text for piece in pieces)
            assert joined == digest.blocks[index].text, (digest.path, index)


def test_chunk_ids_are_stable(digests, fixture_data_dir):
    again = _ingest(fixture_data_dir / "digests", fixture_data_dir.parent)
    assert _ids(digests) == _ids(again)
    assert _ids(digests, 300) == _ids(digests, 300)
    assert all(len(chunk_id) == 16 for ids in _ids(digests).values() for chunk_id in ids)


def test_changing_one_digest_changes_only_its_ids(digests, make_data_dir, tmp_path):
    data = make_data_dir()
    path = data / "digests" / DIGEST_APRIL
    text = path.read_text(encoding="utf-8")
    assert text.count("Le 5 avril, Meta a annoncé LLaMA 4") == 1
    path.write_text(text.replace("Le 5 avril, Meta a annoncé LLaMA 4", "Le 6 avril, Meta a annoncé LLaMA 4"), "utf-8")

    before = {digest.path: chunk_digest(digest) for digest in digests}
    after = {digest.path: chunk_digest(digest) for digest in _ingest(data / "digests", tmp_path)}
    assert sorted(before) == sorted(after)
    for rel in before:
        old_ids = [chunk.id for chunk in before[rel]]
        new_ids = [chunk.id for chunk in after[rel]]
        if rel.endswith(DIGEST_APRIL):
            changed = set(old_ids) - set(new_ids)
            # exactly the piece that holds the edited sentence, in the LLaMA 4 item
            assert len(changed) == 1
            [old] = [chunk for chunk in before[rel] if chunk.id in changed]
            assert "Le 5 avril" in old.text and old.section[-1].startswith("Meta dévoile LLaMA 4")
            assert len(new_ids) == len(old_ids)
        else:
            assert new_ids == old_ids, rel


def test_split_pieces_share_their_item(digests):
    split_items = 0
    for digest in digests:
        for index, pieces in _pieces_by_item(chunk_digest(digest)).items():
            if len(pieces) > 1:
                split_items += 1
                assert {piece.item_key for piece in pieces} == {f"{digest.path}#{index}"}
                for piece in pieces:
                    assert piece.section == digest.blocks[index].section
    assert split_items >= 10  # the French digests have many items over 900 characters


@pytest.mark.parametrize("max_chars", [DEFAULT_MAX_CHARS, 300])
def test_links_of_a_piece_are_those_cited_in_it(digests, max_chars):
    for digest in digests:
        for index, pieces in _pieces_by_item(chunk_digest(digest, max_chars)).items():
            block = digest.blocks[index]
            cursor = 0
            for piece in pieces:
                start, end = _span(block.text, piece, cursor)
                cursor = end
                cited = {link.url for offset, link in block.anchors if start <= offset <= end}
                assert {link.url for link in piece.links} == cited, (digest.path, index, piece.text[:60])
            # no link of the item is lost by splitting it
            assert {link.url for piece in pieces for link in piece.links} == {link.url for link in block.links}


def test_links_differ_between_pieces_of_a_march_item(digests):
    [march] = [digest for digest in digests if digest.path.endswith(DIGEST_MARCH)]
    pieces = [chunk for chunk in chunk_digest(march) if chunk.section[-1] == "Nouveaux modèles spécialisés"]
    assert len(pieces) >= 2
    first, last = {link.url for link in pieces[0].links}, {link.url for link in pieces[-1].links}
    assert "https://www.anthropic.com/claude/haiku" in last and "https://www.anthropic.com/claude/haiku" not in first
    assert first and first.isdisjoint(last)
    # across the digest, some split item has pieces whose links are not all the same
    link_sets = defaultdict(list)
    for chunk in chunk_digest(march):
        link_sets[chunk.block].append(frozenset(link.url for link in chunk.links))
    assert sum(1 for sets in link_sets.values() if len(sets) > 1 and len(set(sets)) > 1) >= 5


def test_a_piece_without_citations_has_no_links(digests):
    [march] = [digest for digest in digests if digest.path.endswith(DIGEST_MARCH)]
    uncited = [chunk for chunk in chunk_digest(march) if not chunk.links]
    assert uncited  # e.g. the tail of the "OpenAI – modèles “O”" item
    assert any(digest.path.endswith(DIGEST_EN) and not chunk_digest(digest)[0].links for digest in digests)


def test_english_digest_has_one_chunk_per_paragraph(digests):
    [english] = [digest for digest in digests if digest.path.endswith(DIGEST_EN)]
    chunks = chunk_digest(english)
    assert len(chunks) == len(english.blocks) == 7
    assert chunks[1].section[-1] == "1. Natural Language Processing (NLP) Advancements"
    assert (
        chunks[1]
        .embedding_text()
        .startswith("Les dernières tendances en IA | The Latest Trends in AI: A Glimpse into the Future | 1. Natural")
    )


def test_split_text_packs_sentences_and_cuts_long_ones():
    text = "Première phrase courte. " * 20 + "x" * 10
    pieces = split_text(text.strip(), 100)
    assert all(len(piece) <= 100 for piece in pieces)
    assert " ".join(pieces) == text.strip()
    long_sentence = " ".join(["mot"] * 100)  # no sentence break at all
    cut = split_text(long_sentence, 50)
    assert all(len(piece) <= 50 for piece in cut) and " ".join(cut) == long_sentence
    assert split_text("court", 50) == ["court"]


def test_split_sentences():
    assert split_sentences("GPT-4.5 est sorti. Il coûte 3.5 $. « Bien » dit-il ! 2025 sera riche.") == [
        "GPT-4.5 est sorti.",
        "Il coûte 3.5 $.",
        "« Bien » dit-il !",
        "2025 sera riche.",
    ]


def test_abbreviations_do_not_end_sentences() -> None:
    text = "NVIDIA collabore avec HF (depuis nov. 2024). Selon A. Turing, oui. Fin."
    assert split_sentences(text) == ["NVIDIA collabore avec HF (depuis nov. 2024).", "Selon A. Turing, oui.", "Fin."]
