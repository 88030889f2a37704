"""Periods in questions: month names in both languages, years, relative phrases anchored on the newest digest."""

from __future__ import annotations

import pytest

from index.models import Period
from index.periods import parse_period

NEWEST = "2025-04"


@pytest.mark.parametrize(
    ("question", "start", "end"),
    [
        ("What did Meta release in April?", "2025-04", "2025-04"),
        ("qu'a annoncé Mistral en mars ?", "2025-03", "2025-03"),
        ("nouveautés avril 2025", "2025-04", "2025-04"),
        ("Quoi de neuf en Février 2025 ?", "2025-02", "2025-02"),
        ("AI news in december", "2024-12", "2024-12"),  # a bare month is its latest occurrence
        ("entre mars et avril 2025", "2025-03", "2025-04"),
        ("What did Meta do in 2024?", "2024-01", "2024-12"),
        ("what happened last month?", "2025-03", "2025-03"),
        ("le mois dernier chez OpenAI", "2025-03", "2025-03"),
        ("latest news about Google", "2025-04", "2025-04"),
        ("quoi de nouveau récemment ?", "2025-04", "2025-04"),
        ("what is new this month", "2025-04", "2025-04"),
        ("last month they said o3 would ship separately, did it show up this month?", "2025-03", "2025-04"),
        ("the latest on what happened last month?", "2025-03", "2025-03"),  # "latest" does not name a month
        ("anything big happen in ai over summer 2024?", "2024-06", "2024-08"),
        ("les annonces de l'été 2024", "2024-06", "2024-08"),
        ("winter 2025 releases", "2024-12", "2025-02"),  # December to February
        ("tensorflow 3.0 c'est pour 2025 ?", "2025-01", "2025-12"),
        ("dernièrement, meta a fait quoi ?", "2025-04", "2025-04"),
        ("grosse conf fin avril aux US ?", "2025-04", "2025-04"),
        ("what shipped in early march?", "2025-03", "2025-03"),
        ("mi-mars 2025", "2025-03", "2025-03"),
        ("entre 2023 et 2024 meta a fait quoi ?", "2023-01", "2024-12"),
        ("what happened in ai from 2019 to 2021?", "2019-01", "2021-12"),
        ("any big ai news back in dec 2024?", "2024-12", "2024-12"),  # an abbreviation before its year
        ("quoi de neuf en avr. 2025", "2025-04", "2025-04"),
        ("c'est quoi l'actu récente d'openai ?", "2025-04", "2025-04"),  # the French adjective
        ("les annonces les plus récentes ?", "2025-04", "2025-04"),
    ],
)
def test_periods_are_understood(question: str, start: str, end: str) -> None:
    assert parse_period(question, NEWEST).period == Period(start, end)


@pytest.mark.parametrize(
    "question",
    [
        "What is GPT-4.5?",
        "may I ask about Claude?",
        "c'est quoi TerraMind ?",
        "quoi de neuf sur Gemini 2.5 ?",
        "what was the aaai spring symposium about",  # a season without its year is not a period
        "le modèle a été publié par Mistral",  # "été" the participle
        "how much cheaper is it now compared with end of 2022?",  # a point of comparison, not the period asked
        "c'est mieux par rapport à mars 2024 ?",
        "il y a sept modèles llama ?",  # "sept" alone is seven, not September
        "dec news",
    ],
)
def test_questions_without_a_period(question: str) -> None:
    assert parse_period(question, NEWEST).period is None


def test_relative_periods_follow_the_newest_digest_not_the_clock() -> None:
    assert parse_period("what happened last month?", "2026-01").period == Period("2025-12", "2025-12")
    assert parse_period("latest news", "2026-01").period == Period("2026-01", "2026-01")


def test_date_words_are_removed_from_the_search_terms() -> None:
    parsed = parse_period("What did Meta release in April 2025?", NEWEST)
    assert "April" not in parsed.remainder and "Meta" in parsed.remainder
    assert parsed.explicit


@pytest.mark.parametrize(
    ("question", "remainder"),
    [
        ("grosse conf fin avril aux US ?", "grosse conf aux US ?"),  # "fin" is part of the date, not a topic
        ("what shipped by the end of march", "what shipped by"),
        ("nouveautés début d'avril", "nouveautés"),
        ("c'est quoi les dernières news de kyutai ?", "c'est quoi les news de kyutai ?"),  # "news de X" stays
    ],
)
def test_the_part_of_a_month_goes_with_the_date(question: str, remainder: str) -> None:
    assert parse_period(question, NEWEST).remainder == remainder


def test_two_years_bounding_a_measure_are_what_was_measured() -> None:
    # A digest of 2025 may report how a price fell from 2022 to 2024: the search, not the period, decides.
    measured = parse_period("how much cheaper did a gpt-3.5 level model get from end of 2022 to end of 2024?", NEWEST)
    assert measured.measured and measured.period == Period("2022-01", "2024-12")
    assert "2022" in measured.remainder  # the years stay among the words the passage should have
    assert not parse_period("entre 2023 et 2024 meta a fait quoi ?", NEWEST).measured


def test_a_yearly_figure_is_measured_over_its_year() -> None:
    # The 2025 digests report 2024's investment totals: the year bounds the figure, not the news.
    measured = parse_period("how much money went into generative AI in 2024 according to the AI index?", NEWEST)
    assert measured.measured and measured.period == Period("2024-01", "2024-12") and "2024" in measured.remainder
    assert not parse_period("what did nvidia announce in 2019?", NEWEST).measured


def test_relative_words_inside_a_quoted_title_name_no_period() -> None:
    assert parse_period('tl;dr of that english "latest trends in AI" piece?', NEWEST).period is None
    assert parse_period("le post 'latest trends' il conclut sur quoi ?", NEWEST).period is None
    # Apostrophes open no quote: "l'article" and "qu'a" leave "récemment" to name the period.
    assert parse_period("l'article qu'a publié meta récemment", NEWEST).period == Period(NEWEST, NEWEST)
    assert parse_period("l'article « Les dernières tendances en IA » dit quoi ?", NEWEST).period is None
    assert parse_period('the latest "AI Index" report?', NEWEST).period == Period(NEWEST, NEWEST)
