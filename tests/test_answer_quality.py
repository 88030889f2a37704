"""Answers people want to read (issue 22): the key facts first, quotes taken from the cited passages
only, markers that resolve, sources that earn their place, news items in a recap, outlooks for "what's
next", and a month named without its year placed where the asker means it.

Run on the three fixture digests (March and April 2025 in French, an English April article)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import EVAL_DIR

from bot.embeds import answer_embed, passage_embeds
from index import Answer, split_sentences
from index.answer import SEE_ALSO_FLOOR, asks_definition, key_sentences, quoted
from index.periods import parse_period
from index.tokens import tokenize

# (question, facts the answer must give, text it must not quote)
KEY_FACTS = [
    ("What did Meta release in April?", ["LLaMA 4", "Scout", "Maverick"], []),
    ("qu'a annoncé Meta en avril ?", ["LLaMA 4", "Scout", "Maverick"], []),
    ("qu'a annoncé Mistral en mars ?", ["Mistral Small 3.1"], []),
    ("What did Mistral release?", ["Mistral Small 3.1"], ["(Extrait"]),
    ("quelles sont les nouveautés de Google en mars ?", ["Gemini 2.5"], ["Sources :", "•  Mac4"]),
    ("What did Google announce in March?", ["Gemini 2.5"], ["Sources :"]),
    ("who is Sam Altman?", ["Sam Altman"], ["char…"]),
    ("what's next for OpenAI?", ["GPT-5"], []),
    ("quelle est la prochaine étape pour OpenAI ?", ["OpenAI"], []),
    ("quand est sortie la version 2.7 de PyTorch ?", ["PyTorch", "23 avril"], []),
]


def _normalise(text: str) -> str:
    return " ".join(text.replace("’", "'").split())


_LINE = re.compile(r"^• (?P<body>.+) \[(?P<n>\d+)\]$")


def quotes_of(answer: Answer) -> list[tuple[int, str]]:
    """(source number, quoted excerpt) for each cited line of an extractive answer."""
    found = []
    for line in answer.text.splitlines():
        match = _LINE.match(line)
        if match:
            body = match.group("body")
            # "Title (April 2025): excerpt" / "**Title** : lead": the excerpt follows the first colon after the title
            excerpt = re.split(r"\)\s?: |\*\* ?: ", body, maxsplit=1)[-1]
            found.append((int(match.group("n")), excerpt))
    return found


def assert_well_formed(answer: Answer) -> None:
    """Every marker resolves, every quote is in its cited passage, every source earns its place."""
    numbers = answer.cited_numbers
    assert all(1 <= n <= len(answer.sources) for n in numbers), answer.text
    if answer.abstained:
        return
    assert numbers, answer.text
    for n, excerpt in quotes_of(answer):
        passage = _normalise(quoted(answer.sources[n - 1].chunk.text))  # as the answer quotes it
        pieces = [part for sentence in split_sentences(excerpt) for part in re.split(r" ?…", sentence)]
        for piece in pieces:
            piece = _normalise(piece.replace("**", "")).strip(" .")
            assert piece in passage or piece in _normalise(" ".join(answer.sources[n - 1].chunk.section)), (
                f"[{n}] quotes text not in its passage: {piece!r}"
            )
    assert all(hit.score > 0 for hit in answer.sources)
    sections = [(hit.chunk.path, hit.chunk.section_label) for hit in answer.sources]
    assert len(sections) == len(set(sections)), "the same section twice"
    best = max(hit.score for hit in answer.sources)
    for n in answer.see_also:
        assert answer.sources[n - 1].score >= best * SEE_ALSO_FLOOR


@pytest.mark.parametrize(("question", "facts", "never"), KEY_FACTS)
def test_answers_give_the_key_facts_from_their_cited_passages(built_service, question, facts, never) -> None:
    answer = built_service.ask(question)
    assert not answer.abstained, answer.text
    for fact in facts:
        assert fact in answer.text, f"{fact!r} missing from: {answer.text}"
    for text in never:
        assert text not in answer.text, answer.text
    assert_well_formed(answer)


def test_every_answer_of_the_held_out_pool_is_well_formed(built_service) -> None:
    """A sample of 120 questions of both languages, answerable or not."""
    lines = (EVAL_DIR / "heldout.jsonl").read_text("utf-8").splitlines()
    for line in lines[:: max(1, len(lines) // 120)]:
        assert_well_formed(built_service.ask(json.loads(line)["question"]))


def test_the_outlook_answers_what_is_next(built_service) -> None:
    answer = built_service.ask("what's next for OpenAI?")
    first = answer.sources[0].chunk
    assert first.section[0].startswith("Perspectives") and "OpenAI" in first.text


@pytest.mark.parametrize("question", ["résume-moi le mois d'avril", "tl;dr of April?", "what happened in April?"])
def test_a_recap_names_the_news_items_each_cited(built_service, question) -> None:
    answer = built_service.ask(question)
    items = [line for line in answer.text.splitlines() if line.startswith("• ")]
    assert len(items) >= 3 and all(re.search(r"\[\d+\]$", line) for line in items), answer.text
    assert "LLaMA 4" in answer.text
    assert not any(hit.chunk.section[0].startswith(("Synthèse", "Perspectives")) for hit in answer.sources)
    assert len(answer.sources) == len(items)  # each item cites its own source
    assert_well_formed(answer)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("what did OpenAI release in May?", "The digests don't cover May 2025 yet: the newest is April 2025."),
        (
            "qu'a sorti OpenAI en mai ?",
            "Les digests ne couvrent pas encore mai 2025 : le plus récent est celui de avril 2025.",
        ),
    ],
)
def test_a_month_without_its_year_after_the_newest_digest_is_not_covered_yet(built_service, question, expected):
    answer = built_service.ask(question)
    assert answer.abstained and answer.text == expected


@pytest.mark.parametrize(
    ("question", "month"),
    [
        ("in May", "2025-05"),  # the coming May, not May 2024
        ("en mai", "2025-05"),
        ("in March", "2025-03"),  # a March a digest covers
        ("en février", "2025-02"),  # nearer before the newest digest than after it
        ("in December", "2024-12"),
        ("in May 2024", "2024-05"),  # a year given is kept
    ],
)
def test_a_month_without_its_year_is_the_nearest_to_the_digests(question, month) -> None:
    period = parse_period(question, "2025-04", ["2025-03", "2025-04"]).period
    assert period is not None and period.start == period.end == month


def test_a_covered_month_wins_over_a_nearer_one() -> None:
    period = parse_period("in May", "2026-04", ["2025-05", "2026-03", "2026-04"]).period
    assert period is not None and period.start == "2025-05"


def test_cloud_next_is_a_topic_not_an_outlook(built_service) -> None:
    analysis = built_service.searcher.search("What did Google announce at Cloud Next?", 5).analysis
    assert not analysis.asks_outlook and "next" in analysis.terms
    assert built_service.searcher.search("what's next for OpenAI?", 5).analysis.terms == ("openai",)


def test_see_also_waits_behind_the_passages_button(built_service) -> None:
    answer = built_service.ask("What did Meta release in April?")
    assert answer.see_also, "the fixture question has related, uncited sources"
    fields = " ".join(field.value or "" for field in answer_embed(answer).fields)
    for n in answer.see_also:
        assert f"**[{n}]**" not in fields
    for n in answer.cited_numbers:
        assert f"**[{n}]**" in fields
    passages = [embed for message in passage_embeds(answer) for embed in message]
    assert len(passages) == len(answer.sources)
    footers = [embed.footer.text for embed in passages]
    assert sum(bool(text and "not cited" in text) for text in footers) == len(answer.see_also)


def test_quoted_digest_text_cannot_fake_a_marker_or_a_mention(tmp_path: Path, embedder) -> None:
    from conftest import make_settings

    from index.service import NewsService

    data = tmp_path / "data"
    (data / "digests").mkdir(parents=True)
    (data / "digests" / "2025-06.md").write_text(
        "# AI digest – June 2025\n\n## Models\n\n"
        "Acme released Rocket 2 on 3 June [9], and told @everyone to upgrade to Rocket 2 now.\n",
        "utf-8",
    )
    service = NewsService(make_settings(data), embedder)
    service.reindex()
    answer = service.ask("What did Acme release in June?")
    assert "Rocket 2" in answer.text and "@everyone" not in answer.text and "[9]" not in answer.text
    assert_well_formed(answer)


@pytest.mark.parametrize(
    ("question", "defines"),
    [
        ("who is Sam Altman?", True),
        ("qui est Yann LeCun ?", True),
        ("qu'est-ce que MCP ?", True),
        ("c'est quoi Le Chat ?", True),
        ("What did Meta release?", False),
        ("quand sort GPT-5 ?", False),
    ],
)
def test_definition_questions_are_recognised(question, defines) -> None:
    assert asks_definition(question) is defines


def test_a_definition_question_quotes_the_sentence_that_defines() -> None:
    passage = (
        "Acme Robotics a présenté Rover 3 le 4 juin à Lyon. Le robot coûte 9 000 euros et vise les entrepôts. "
        "Les premières livraisons sont prévues en septembre. Acme Robotics est une start-up lyonnaise fondée en 2021."
    )
    terms = set(tokenize("qui est Acme Robotics ?"))
    assert "est une start-up lyonnaise" in key_sentences(passage, terms, defines=True)
