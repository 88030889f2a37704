"""The catalogue of the built index: digest summaries, newest digests, headlines."""

from __future__ import annotations

import re

import pytest
from conftest import DIGEST_APRIL, DIGEST_EN, DIGEST_MARCH

from index.catalog import Headline, digest_summaries, headlines, newest_digests
from index.service import NewsService


def path_of(service: NewsService, name: str) -> str:
    matches = [s.path for s in digest_summaries(service.stored) if s.path.endswith(name)]
    assert len(matches) == 1, matches
    return matches[0]


def test_summaries_list_every_digest_newest_first(built_service: NewsService) -> None:
    summaries = digest_summaries(built_service.stored)
    assert sorted(s.name for s in summaries) == sorted([DIGEST_EN, DIGEST_APRIL, DIGEST_MARCH])
    assert [s.month for s in summaries] == sorted((s.month for s in summaries), reverse=True)
    assert {s.month for s in summaries} == {"2025-04", "2025-03"}
    assert summaries[-1].name == DIGEST_MARCH
    assert {s.name for s in summaries[:2]} == {DIGEST_EN, DIGEST_APRIL}


def test_summaries_describe_each_digest(built_service: NewsService) -> None:
    by_name = {s.name: s for s in digest_summaries(built_service.stored)}
    april, march, english = by_name[DIGEST_APRIL], by_name[DIGEST_MARCH], by_name[DIGEST_EN]
    assert (april.month, april.language) == ("2025-04", "fr")
    assert (march.month, march.language) == ("2025-03", "fr")
    assert (english.month, english.language) == ("2025-04", "en")
    assert "Avril 2025" in april.title
    assert "Mars 2025" in march.title
    for summary in by_name.values():
        assert summary.path.endswith("/" + summary.name)
        assert summary.title.strip()
        # The chunk count is the number of chunks actually stored for that digest.
        stored = sum(1 for c in built_service.stored.chunks if c.path == summary.path)
        assert summary.chunks == stored > 0


def test_newest_digests_are_the_april_ones(built_service: NewsService) -> None:
    newest = newest_digests(built_service.stored)
    assert sorted(s.name for s in newest) == sorted([DIGEST_APRIL, DIGEST_EN])
    assert {s.month for s in newest} == {"2025-04"}


def test_newest_digests_of_an_empty_index_is_empty(built_service: NewsService) -> None:
    class Empty:
        class manifest:
            digests: list = []

        chunks: list = []

    assert digest_summaries(Empty()) == []  # type: ignore[arg-type]
    assert newest_digests(Empty()) == []  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def april_headlines(built_service: NewsService) -> list[Headline]:
    return headlines(built_service.stored, path_of(built_service, DIGEST_APRIL))


def test_april_headlines_include_the_news_items(april_headlines: list[Headline]) -> None:
    titles = [h.title for h in april_headlines]
    assert any(t.startswith("Meta dévoile LLaMA 4") for t in titles), titles
    assert any("PyTorch 2.7" in t for t in titles), titles
    assert any("CNIL" in t for t in titles), titles
    assert len(titles) >= 15


def test_april_headlines_leave_out_the_overview(april_headlines: list[Headline], built_service: NewsService) -> None:
    path = path_of(built_service, DIGEST_APRIL)
    overview = [c for c in built_service.stored.chunks if c.path == path and any("Synthèse" in s for s in c.section)]
    assert overview, "the April digest should have overview chunks under 'Synthèse…'"
    for headline in april_headlines:
        assert "Synthèse" not in headline.title
        assert "Synthèse" not in headline.section
        # A headline is a title, not a paragraph of the overview.
        assert not any(headline.title in c.text and len(c.text) > len(headline.title) + 40 for c in overview)
        assert len(headline.title) < 200


def test_april_headlines_carry_their_section(april_headlines: list[Headline]) -> None:
    by_title = {h.title: h for h in april_headlines}
    llama = next(h for t, h in by_title.items() if t.startswith("Meta dévoile LLaMA 4"))
    assert llama.section == "Nouveaux modèles d'IA et avancées techniques notables"
    pytorch = next(h for t, h in by_title.items() if "PyTorch 2.7" in t)
    assert pytorch.section == "Évolutions des frameworks et bibliothèques IA"


def test_headlines_are_in_reading_order_and_unique(april_headlines: list[Headline], built_service: NewsService) -> None:
    path = path_of(built_service, DIGEST_APRIL)
    keys = [(h.section, h.title) for h in april_headlines]
    assert len(keys) == len(set(keys))
    # Reading order: the order in which each item first appears in the digest.
    first_position: dict[str, int] = {}
    for chunk in sorted((c for c in built_service.stored.chunks if c.path == path), key=lambda c: c.position):
        if len(chunk.section) >= 2:
            first_position.setdefault(chunk.section[1], chunk.position)
    positions = [first_position[h.title] for h in april_headlines]
    assert positions == sorted(positions)
    # And the order of the file itself.
    raw = (built_service.settings.data_dir / "digests" / DIGEST_APRIL).read_text(encoding="utf-8")
    offsets = [raw.find(h.title[:30]) for h in april_headlines]
    assert all(o >= 0 for o in offsets), [h.title for h, o in zip(april_headlines, offsets) if o < 0]
    assert offsets == sorted(offsets)


def test_headlines_collect_links_once(built_service: NewsService) -> None:
    items = headlines(built_service.stored, path_of(built_service, DIGEST_MARCH))
    assert items
    assert any(h.links for h in items)
    for headline in items:
        urls = [link.url for link in headline.links]
        assert len(urls) == len(set(urls))
        assert all(re.match(r"https?://", url) for url in urls)
    # Every link of the item's chunks is there.
    path = path_of(built_service, DIGEST_MARCH)
    first = items[0]
    expected = {
        link.url
        for c in built_service.stored.chunks
        if c.path == path and len(c.section) >= 2 and c.section[1] == first.title
        for link in c.links
    }
    assert {link.url for link in first.links} == expected


def test_headlines_of_the_english_digest(built_service: NewsService) -> None:
    items = headlines(built_service.stored, path_of(built_service, DIGEST_EN))
    titles = [h.title for h in items]
    assert len(titles) == len(set(titles)) >= 3
    assert any("Explainable AI" in t for t in titles), titles


def test_headlines_of_an_unknown_path_are_empty(built_service: NewsService) -> None:
    assert headlines(built_service.stored, "data/digests/nope.md") == []
