"""A question naming a digest by its language ("the English article") prefers that digest."""

from __future__ import annotations

import pytest

from index.digest_language import named_digest_language
from index.service import NewsService


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("what does the english article say about edge ai?", "en"),
        ("what does that english 'Latest Trends in AI' piece cover?", "en"),  # its title quoted in between
        ("l'article en anglais parle de quoi ?", "en"),
        ("dans la veille en français, quoi sur Mistral ?", "fr"),
        ("in the French digest, anything about robots?", "fr"),
        ("which French startup did Hugging Face buy?", None),  # a French company, not a French digest
        ("is the model available in french?", None),
        ("what does the english trends post say about edge ai?", "en"),  # a word in between
        ("the french startup one, what did it raise?", None),  # "one" with a word in between is not the digest
    ],
)
def test_a_language_counts_only_attached_to_the_document(question: str, language: str | None) -> None:
    assert named_digest_language(question) == language


def test_the_named_digest_comes_first(built_service: NewsService) -> None:
    question = "selon l'article en anglais, que doivent faire les entreprises face aux nouvelles tendances ?"
    top = built_service.searcher.search(question, 5).hits[0].chunk
    assert top.language == "en", top.section_label
