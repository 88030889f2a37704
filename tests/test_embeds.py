"""Answers and listings as Discord embeds: always within Discord's limits, links never cut."""

from __future__ import annotations

import re
from collections.abc import Callable

import discord
import pytest
from conftest import DIGEST_APRIL, DIGEST_EN, DIGEST_MARCH

from bot.embeds import (
    DESCRIPTION_LIMIT,
    FIELD_COUNT_LIMIT,
    FIELD_LIMIT,
    MESSAGE_LIMIT,
    TITLE_LIMIT,
    answer_embed,
    build_report_text,
    digest_list_embed,
    group_for_messages,
    headlines_embed,
    masked_link,
    passage_embeds,
    shorten,
    shorten_markdown,
)
from index.builder import BuildReport
from index.catalog import DigestSummary, Headline, digest_summaries, headlines
from index.errors import DigestError
from index.models import Answer, Chunk, Hit, Link
from index.service import NewsService

FOOTER_LIMIT = 2048
AUTHOR_LIMIT = 256
FIELD_NAME_LIMIT = 256

COMPLETE_LINK = re.compile(r"\[([^\[\]\n]+)\]\(<(https?://[^<>\s]+)>\)")
MARKER = re.compile(r"\[\d+\]")
END_OF_SENTENCE = tuple(".!?…»)")


# --- helpers ----------------------------------------------------------------------------


def assert_links_whole(text: str) -> list[tuple[str, str]]:
    """Every masked link in `text` is complete; returns them. Fails on any fragment."""
    links = COMPLETE_LINK.findall(text)
    rest = MARKER.sub("", COMPLETE_LINK.sub("", text))
    assert "](" not in rest, f"dangling link fragment in {text!r}"
    assert "(<" not in rest and ">)" not in rest, f"dangling link fragment in {text!r}"
    assert "[" not in rest and "]" not in rest, f"unbalanced bracket in {rest!r}"
    return links


def assert_embed_within_limits(embed: discord.Embed) -> None:
    assert len(embed.title or "") <= TITLE_LIMIT
    assert len(embed.description or "") <= DESCRIPTION_LIMIT
    assert len(embed.fields) <= FIELD_COUNT_LIMIT
    for field in embed.fields:
        assert 0 < len(field.name or "") <= FIELD_NAME_LIMIT
        assert 0 < len(field.value or "") <= FIELD_LIMIT
    assert len(embed.footer.text or "") <= FOOTER_LIMIT
    assert len(embed.author.name or "") <= AUTHOR_LIMIT
    assert len(embed) <= MESSAGE_LIMIT
    # What discord.py would send must respect the same limits.
    payload = embed.to_dict()
    assert len(payload.get("description", "")) <= DESCRIPTION_LIMIT


def assert_message_within_limits(embeds: list[discord.Embed]) -> None:
    assert 1 <= len(embeds) <= 10
    assert sum(len(e) for e in embeds) <= MESSAGE_LIMIT
    for embed in embeds:
        assert_embed_within_limits(embed)


def assert_cut_at_boundary(text: str, original: str) -> None:
    """A shortened text ends with … right after a sentence end or an [n] marker."""
    assert text.endswith("…"), text[-80:]
    kept = text[:-1].rstrip()
    assert kept.endswith(END_OF_SENTENCE) or re.search(r"\[\d+\]$", kept), kept[-80:]
    # Nothing invented: what is kept is the start of the original (spacing aside).
    squash = lambda s: re.sub(r"\s+", " ", s).strip()  # noqa: E731
    assert squash(original).startswith(squash(kept))


def make_chunk(
    n: int, *, title: str, section: list[str], text: str, links: list[Link], month: str = "2025-04"
) -> Chunk:
    return Chunk(
        id=f"chunk-{n}",
        path=f"data/digests/digest-{n}.md",
        digest_title=title,
        month=month,
        language="en",
        section=section,
        text=text,
        links=links,
        position=n,
        block=n,
    )


def long_links(n: int, count: int = 8) -> list[Link]:
    return [
        Link(
            text=f"[Source {n}.{i}] A [very] (long) article title about models, benchmarks and releases " * 2,
            url=f"https://news.example.com/{n}/{i}/" + "segment-" * 40 + f"end?id={n}{i}",
        )
        for i in range(count)
    ]


LONG_TITLE = "The **monthly** _AI_ digest ~~draft~~ | `code` edition " * 6  # ~330 chars, full of markdown
LONG_SECTION = "A very long section heading about models, frameworks and research " * 5


def _repeat(line: Callable[[int], str], total: int, separator: str = " ", first: list[str] | None = None) -> str:
    """Numbered lines joined until the text reaches `total` characters."""
    lines = list(first or [])
    i = 0
    while sum(len(s) + 1 for s in lines) < total:
        i += 1
        lines.append(line(i))
    return separator.join(lines)


def sentence_text(total: int, markers: int = 10) -> str:
    return _repeat(
        lambda i: f"Sentence {i} explains what a lab released, why it matters and how it compares [{i % markers + 1}].",
        total,
    )


def cited_text(total: int, markers: int = 10) -> str:
    """Sentences each followed by their marker, as the answer composer writes them."""
    return _repeat(
        lambda i: f"Statement {i} reports that a lab released a model that matters. [{i % markers + 1}]", total
    )


def bullet_text(total: int, markers: int = 10) -> str:
    return _repeat(
        lambda i: (
            f"• Item {i} (April 2025): A model was released. It beats the previous one on several benchmarks. [{i % markers + 1}]"
        ),
        total,
        "\n",
        ["Here is what the digests say about April 2025:"],
    )


def pathological_answer(text: str, question: str = "What did **Meta** and _Google_ ship in `April`?" * 8) -> Answer:
    sources = [
        Hit(
            make_chunk(
                n,
                title=LONG_TITLE + str(n),
                section=[LONG_SECTION, f"Item {n} " + LONG_SECTION],
                text=sentence_text(3000),
                links=long_links(n),
            ),
            score=1.0 - n / 100,
        )
        for n in range(10)
    ]
    return Answer(question=question, text=text, abstained=False, sources=sources, language="en")


# --- pure helpers ---------------------------------------------------------------------------


def test_shorten_keeps_short_text_and_cuts_long_text_at_a_sentence() -> None:
    assert shorten("  Short text.  ", 100) == "Short text."
    text = "First sentence here. Second sentence is longer. Third one."
    cut = shorten(text, 45)
    assert cut == "First sentence here. …"
    assert len(cut) <= 45


def test_shorten_cuts_after_a_citation_marker() -> None:
    text = cited_text(2000)
    cut = shorten(text, 300)
    assert len(cut) <= 300
    assert re.search(r"\. \[\d+\] …$", cut), cut
    assert_cut_at_boundary(cut, text)


def test_shorten_falls_back_to_a_word_boundary() -> None:
    text = "word " * 100
    cut = shorten(text, 52)
    assert len(cut) <= 52
    assert cut.endswith("word…")


@pytest.mark.parametrize("limit", [10, 50, 100, 257, 1024])
def test_shorten_never_exceeds_its_limit(limit: int) -> None:
    for text in (sentence_text(5000), "x" * 5000, "a b " * 2000, bullet_text(5000)):
        assert len(shorten(text, limit)) <= limit


def test_masked_link_strips_brackets_and_suppresses_the_preview() -> None:
    link = Link(text="[Paper] (v2) results", url="https://arxiv.org/abs/2504.00001")
    assert masked_link(link) == "[Paper v2 results](<https://arxiv.org/abs/2504.00001>)"
    assert masked_link(Link(text="[]", url="https://example.org/a/b")) == "[example.org](<https://example.org/a/b>)"


def test_shorten_markdown_drops_whole_lines_only() -> None:
    lines = [f"↳ [Article {i}](<https://example.com/{i}/{'x' * 50}>)" for i in range(40)]
    text = "\n".join(lines)
    cut = shorten_markdown(text, 500)
    assert len(cut) <= 500
    assert cut.endswith("\n…")
    kept = cut[: -len("\n…")].split("\n")
    assert kept == lines[: len(kept)]
    assert len(assert_links_whole(cut)) == len(kept)


def test_shorten_markdown_on_one_long_line_never_cuts_a_link() -> None:
    line = " ".join(f"See [article number {i}](<https://example.com/{i}/{'y' * 60}>) for more." for i in range(30))
    cut = shorten_markdown(line, 300)
    assert len(cut) <= 300
    assert_links_whole(cut)


# --- answer embeds --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sentences", "cited", "bullets"])
def test_pathological_answer_fits_discord(kind: str) -> None:
    text = {"sentences": sentence_text, "cited": cited_text, "bullets": bullet_text}[kind](10_000)
    assert len(text) >= 10_000
    answer = pathological_answer(text)
    embed = answer_embed(answer)
    assert_embed_within_limits(embed)
    assert embed.fields, "the sources must be shown"
    assert embed.fields[0].name == "Sources"
    for field in embed.fields:
        assert_links_whole(field.value)
    assert_links_whole(embed.description)
    assert_cut_at_boundary(embed.description, text)
    # The sources may not crowd the answer out entirely.
    assert len(embed.description) > 150


def test_pathological_answer_title_is_escaped_and_short() -> None:
    answer = pathological_answer(sentence_text(10_000))
    embed = answer_embed(answer)
    assert len(embed.title) <= TITLE_LIMIT
    assert "**Meta**" not in embed.title
    assert r"\*\*Meta\*\*" in embed.title
    assert r"\_Google\_" in embed.title


def test_question_markdown_is_escaped_in_the_title() -> None:
    answer = Answer(
        question="What is __init__ and **bold**?", text="An answer. [1]", abstained=False, sources=[], language="en"
    )
    title = answer_embed(answer).title
    assert title == r"What is \_\_init\_\_ and \*\*bold\*\*?"


def test_pathological_sources_are_numbered_and_escaped() -> None:
    embed = answer_embed(pathological_answer(sentence_text(10_000)))
    values = "\n".join(f.value for f in embed.fields)
    assert values.startswith("**[1]** ")
    numbers = [int(n) for n in re.findall(r"^\*\*\[(\d+)\]\*\*", values, flags=re.M)]
    assert numbers == list(range(1, len(numbers) + 1))
    assert "**monthly**" not in values and r"\*\*monthly\*\*" in values
    assert "`code`" not in values


def test_every_source_link_has_its_full_url() -> None:
    answer = pathological_answer(bullet_text(500))
    embed = answer_embed(answer)
    urls = {link.url for hit in answer.sources for link in hit.chunk.links}
    shown = [url for field in embed.fields for _, url in assert_links_whole(field.value)]
    assert shown, "at least some links must be shown"
    assert set(shown) <= urls


def test_short_answer_is_not_cut() -> None:
    answer = pathological_answer("Meta released LLaMA 4 in April. [1]", question="What did Meta release?")
    embed = answer_embed(answer)
    assert embed.description == "Meta released LLaMA 4 in April. [1]"
    assert embed.title == "What did Meta release?"
    assert_embed_within_limits(embed)


def test_abstained_answer_labels_sources_as_related() -> None:
    answer = pathological_answer("The digests do not say.")
    answer.abstained = True
    embed = answer_embed(answer)
    assert embed.fields[0].name == "Maybe related"
    assert embed.colour != answer_embed(pathological_answer("x")).colour
    assert_embed_within_limits(embed)


def test_answer_without_sources_has_no_fields() -> None:
    answer = Answer(question="Hello?", text="Nothing found.", abstained=True, sources=[], language="fr")
    embed = answer_embed(answer)
    assert embed.fields == []
    assert embed.description == "Nothing found."
    assert "digests" in embed.footer.text and "communauté" in embed.footer.text


@pytest.fixture(scope="module")
def english_answer(built_service: NewsService) -> Answer:
    return built_service.ask("What did Meta release in April?")


@pytest.fixture(scope="module")
def french_answer(built_service: NewsService) -> Answer:
    return built_service.ask("Qu'a publié Meta en avril ?")


def test_real_answer_embed(english_answer: Answer) -> None:
    assert not english_answer.abstained
    embed = answer_embed(english_answer)
    assert_embed_within_limits(embed)
    assert embed.title == "What did Meta release in April?"
    assert "[1]" in embed.description
    assert embed.description == english_answer.text  # short enough to be whole
    sources = [f for f in embed.fields if f.name.startswith("Sources")]
    assert sources
    value = sources[0].value
    assert value.startswith("**[1]** ")
    assert "Avril 2025" in value  # the digest's title
    assert "April 2025" in value  # the month, in the answer's language
    assert "avril 2025" not in value
    assert "LLaMA 4" in value
    for field in embed.fields:
        assert_links_whole(field.value)


def test_real_french_answer_uses_french_month_names(french_answer: Answer) -> None:
    assert french_answer.language == "fr"
    embed = answer_embed(french_answer)
    assert_embed_within_limits(embed)
    value = "\n".join(f.value for f in embed.fields)
    assert "avril 2025" in value
    assert "April 2025" not in value
    assert "[1]" in embed.description
    assert "communauté" in embed.footer.text


# --- passage embeds -------------------------------------------------------------------------


def test_pathological_passages_fit_in_messages() -> None:
    answer = pathological_answer(sentence_text(2000))
    messages = passage_embeds(answer)
    embeds = [e for message in messages for e in message]
    assert len(embeds) == len(answer.sources)
    for message in messages:
        assert_message_within_limits(message)
    for n, embed in enumerate(embeds, start=1):
        assert embed.title.startswith(f"[{n}] ")
        assert_links_whole(embed.description)
        assert embed.author.name


def test_passages_with_many_long_links_stay_within_the_description_limit() -> None:
    # Eight links of ~400-character URLs are longer than a passage's whole budget: the
    # description must still fit Discord, keep some links whole and a readable passage.
    links = [
        Link(text=f"Article {i} " + "with a long title " * 6, url="https://example.com/" + "p" * 370 + str(i))
        for i in range(8)
    ]
    text = sentence_text(3500)
    chunk = make_chunk(1, title="Digest", section=["Models"], text=text, links=links)
    answer = Answer(question="q", text="a [1]", abstained=False, sources=[Hit(chunk, 1.0)], language="en")
    messages = passage_embeds(answer)
    for message in messages:
        assert_message_within_limits(message)
    description = messages[0][0].description
    passage, _, link_lines = description.partition("\n\n")
    shown = assert_links_whole(link_lines)
    assert shown and all(url.startswith("https://example.com/") for _, url in shown)
    assert [url for _, url in shown] == [link.url for link in links[: len(shown)]]
    assert len(passage) >= 800
    assert_cut_at_boundary(passage, text)


def test_pathological_passage_titles_are_escaped() -> None:
    embed = passage_embeds(pathological_answer("x"))[0][0]
    assert "**monthly**" not in embed.title
    assert r"\*\*monthly\*\*" in embed.title


def test_passages_of_a_short_text_are_whole() -> None:
    chunk = make_chunk(
        1,
        title="Veille IA – Avril 2025",
        section=["Modèles", "LLaMA 4"],
        text="Meta a publié LLaMA 4.",
        links=[Link("Meta AI blog", "https://ai.meta.com/blog/llama-4")],
    )
    answer = Answer(question="q", text="a [1]", abstained=False, sources=[Hit(chunk, 1.0)], language="fr")
    [[embed]] = passage_embeds(answer)
    assert embed.title == "[1] Veille IA – Avril 2025 · avril 2025"
    assert embed.author.name == "Modèles › LLaMA 4"
    assert embed.description == "Meta a publié LLaMA 4.\n\n↳ [Meta AI blog](<https://ai.meta.com/blog/llama-4>)"


def test_passages_of_no_source_give_one_placeholder_message() -> None:
    answer = Answer(question="q", text="none", abstained=True, sources=[], language="fr")
    messages = passage_embeds(answer)
    assert len(messages) == 1 and len(messages[0]) == 1
    assert messages[0][0].description == "Peut-être lié"


def test_real_passages_fit_in_messages(english_answer: Answer, french_answer: Answer) -> None:
    for answer in (english_answer, french_answer):
        messages = passage_embeds(answer)
        assert sum(len(m) for m in messages) == len(answer.sources)
        for message in messages:
            assert_message_within_limits(message)
            for embed in message:
                assert_links_whole(embed.description)


def test_group_for_messages_respects_count_and_size() -> None:
    embeds = [discord.Embed(title=f"{i}", description="x" * 900) for i in range(25)]
    messages = group_for_messages(embeds)
    assert [e for m in messages for e in m] == embeds  # order kept, nothing lost
    for message in messages:
        assert len(message) <= 10
        assert sum(len(e) for e in message) <= MESSAGE_LIMIT
    small = [discord.Embed(description="y") for _ in range(23)]
    assert [len(m) for m in group_for_messages(small)] == [10, 10, 3]


# --- listings -------------------------------------------------------------------------------


def test_headlines_embeds_of_the_real_index(built_service: NewsService) -> None:
    for digest in digest_summaries(built_service.stored):
        items = headlines(built_service.stored, digest.path)
        embed = headlines_embed(digest, items, digest.language)
        assert_embed_within_limits(embed)
        assert_links_whole(embed.description)
        assert embed.footer.text == digest.name
        assert embed.description.count("• ") == len(items) or embed.description.endswith("…")
    april = next(d for d in digest_summaries(built_service.stored) if d.name == DIGEST_APRIL)
    embed = headlines_embed(april, headlines(built_service.stored, april.path), "fr")
    assert "Meta dévoile LLaMA 4" in embed.description
    assert "avril 2025" in embed.title


def test_headlines_embed_with_too_many_items() -> None:
    digest = DigestSummary("data/digests/x.md", "x.md", LONG_TITLE, "2025-04", "en", 500)
    items = [
        Headline(title=f"Item {i} **bold** " + "words " * 40, section="Top › Sub section " * 10, links=long_links(i, 3))
        for i in range(200)
    ]
    embed = headlines_embed(digest, items, "en")
    assert_embed_within_limits(embed)
    assert_links_whole(embed.description)
    assert embed.description.endswith("…")
    assert "**bold**" not in embed.description
    assert r"\*\*bold\*\*" in embed.description
    assert "**monthly**" not in embed.title


def test_headlines_embed_of_no_items() -> None:
    digest = DigestSummary("data/digests/x.md", "x.md", "Empty", "2025-03", "en", 0)
    embed = headlines_embed(digest, [], "en")
    assert embed.description == "—"
    assert embed.title == "Empty · March 2025"


def test_digest_list_embed_of_the_real_index(built_service: NewsService) -> None:
    digests = digest_summaries(built_service.stored)
    embed = digest_list_embed(digests)
    assert_embed_within_limits(embed)
    assert embed.title == "Indexed digests (3)"
    for name in (DIGEST_APRIL, DIGEST_EN, DIGEST_MARCH):
        assert f"`{name}`" in embed.description
    assert embed.description.index(DIGEST_APRIL) < embed.description.index(DIGEST_MARCH)
    assert "March 2025" in embed.description and "April 2025" in embed.description


def test_digest_list_embed_of_many_digests_and_none() -> None:
    many = [DigestSummary(f"data/digests/d{i}.md", f"d{i}.md", LONG_TITLE, "2025-01", "fr", i) for i in range(300)]
    embed = digest_list_embed(many)
    assert_embed_within_limits(embed)
    assert embed.description.endswith("…")
    assert embed.title == "Indexed digests (300)"
    assert digest_list_embed([]).description == "No digest is indexed yet."


# --- reindex report -------------------------------------------------------------------------


def test_build_report_text_lists_every_change() -> None:
    report = BuildReport(
        digests=3,
        chunks=160,
        embedded=20,
        reused=140,
        seconds=2.345,
        added=["data/digests/new.md"],
        changed=["data/digests/changed.txt"],
        removed=["data/digests/old.md"],
        skipped=[
            DigestError("data/digests/bad.md", "is not UTF-8 text (invalid byte at offset 3)"),
            DigestError("data/digests/blank.md", "is empty"),
        ],
    )
    text = build_report_text(report)
    assert "2.3 s" in text and "3 digests" in text and "160 chunks" in text
    assert "20 embedded" in text and "140 reused" in text
    assert "Added: `new.md`" in text
    assert "Changed: `changed.txt`" in text
    assert "Removed: `old.md`" in text
    assert "Skipped `bad.md`: is not UTF-8 text (invalid byte at offset 3)" in text
    assert "Skipped `blank.md`: is empty" in text
    assert "No digest changed" not in text


def test_build_report_text_without_changes() -> None:
    text = build_report_text(BuildReport(digests=3, chunks=10, reused=10, unchanged=["a.md"]))
    assert "No digest changed." in text
    assert "Added" not in text and "Removed" not in text and "Skipped" not in text


def test_build_report_text_of_a_huge_report_fits_a_message() -> None:
    report = BuildReport(
        added=[f"data/digests/{'n' * 60}{i}.md" for i in range(200)],
        skipped=[DigestError(f"data/digests/bad{i}.md", "looks like a binary file, not text") for i in range(100)],
    )
    text = build_report_text(report)
    assert len(text) <= 2000
    assert text.startswith("✅ Reindexed")
