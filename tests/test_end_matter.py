"""Questions about what a digest ends with (its ad's links, its keywords, its sources line), told apart
from questions about the news that happen to use the same words."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DIGEST_APRIL, DIGEST_EN

from index.end_matter import asked_end_matter
from index.service import NewsService


@pytest.mark.parametrize(
    ("question", "kinds"),
    [
        ("y a des liens à la fin de l'article ? ils pointent vers quoi ?", {"promotion", "sources"}),
        ("the english post at the end, where does it send you? any links in there", {"promotion", "sources"}),
        ("c'est pas juste des liens affiliés amazon par hasard ?", {"promotion", "sources"}),
        ("what links are in the footer of the trends article?", {"promotion", "sources"}),
        ("keywords de l'article trends ?", {"keywords"}),
        ("les mots-clés du post anglais ?", {"keywords"}),
        ("les sources du digest d'avril ?", {"sources"}),
        ("which sources does the march digest use?", {"sources"}),
    ],
)
def test_questions_about_a_digests_end_are_recognised(question: str, kinds: set[str]) -> None:
    assert asked_end_matter(question) == kinds


@pytest.mark.parametrize(
    "question",
    [
        "give me the source article for the mistral news",
        "what did meta release at the end of april? link pls",
        "quel site a sorti un modèle à la fin de mars ?",
        "Le mode shopping de ChatGPT, y a de la pub ou des liens sponsorisés dedans ?",
        "where can I find the link to the llama 4 announcement?",
        "what's at the end of the road for openai?",
    ],
)
def test_questions_about_the_news_are_not_about_the_end_matter(question: str) -> None:
    assert asked_end_matter(question) == set()


def test_the_footer_links_are_shown_first_labelled_as_an_ad(built_service: NewsService) -> None:
    answer = built_service.ask("l'article en anglais sur les tendances, il renvoie vers quels sites à la fin ?")
    assert not answer.abstained
    first = answer.sources[0].chunk
    assert Path(first.path).name == DIGEST_EN and "affiliate" in first.section_label
    assert [link.url for link in first.links] == [
        "https://www.amazon.fr/amazonprime",
        "https://go.fiverr.com/visit/?brand=fiverrmarketplace",
    ]
    assert "tag=" not in str(answer.to_json())  # nobody's affiliate tag is passed on
    assert "[1]" in answer.text and "Amazon Prime" in answer.text


@pytest.mark.parametrize(
    "question",
    [
        "y a des liens à la fin de l'article tendances IA ? ils pointent vers quoi ?",
        "the trends post, where do the links at the end send you?",  # "trends": "tendances" in its title
    ],
)
def test_a_digest_named_by_a_word_of_its_title_shows_only_its_end_matter(
    built_service: NewsService, question: str
) -> None:
    end_matter = [hit.chunk for hit in built_service.ask(question).sources if hit.chunk.position < 0]
    assert [Path(chunk.path).name for chunk in end_matter] == [DIGEST_EN]


def test_keywords_and_a_sources_line_are_answered(built_service: NewsService) -> None:
    keywords = built_service.ask("keywords de l'article trends ?").sources[0].chunk
    assert keywords.text.startswith("Keywords: AI trends")
    sources = built_service.ask("les sources du digest d'avril ?")
    assert Path(sources.sources[0].chunk.path).name == DIGEST_APRIL
    assert "Stanford HAI" in sources.sources[0].chunk.text


def test_news_questions_never_see_the_end_matter(built_service: NewsService) -> None:
    for question in (
        "What did Meta release in April?",
        "trends in AI personalization for businesses",
        "c'est quoi les liens entre Mistral et Microsoft ?",
        "amazon prime",
    ):
        assert all(hit.chunk.position >= 0 for hit in built_service.ask(question).sources), question
