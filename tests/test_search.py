"""Hybrid retrieval on the bundled digests: the right news item, in either language, in the right month."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import DIGEST_APRIL, DIGEST_EN, DIGEST_MARCH

from index.question import asked_terms, question_terms
from index.search import DUPLICATE_JACCARD, Searcher, _best_first, _jaccard
from index.service import NewsService
from index.tokens import tokenize


def _top(service: NewsService, question: str, k: int = 5):
    return service.searcher.search(service.validate_question(question), k)


@pytest.mark.parametrize(
    ("question", "digest", "fragment"),
    [
        ("What did Meta release in April?", DIGEST_APRIL, "LLaMA 4"),
        ("qu'a annoncé Mistral en mars ?", DIGEST_MARCH, "Mistral Small 3.1"),
        ("Which video model did Runway launch?", DIGEST_MARCH, "Gen-4"),  # English question, French passage
        ("c'est quoi l'IA explicable ?", DIGEST_EN, "Explainable AI"),  # French question, English passage
        ("what is o4-mini?", DIGEST_APRIL, "o4-mini"),
    ],
)
def test_the_right_passage_ranks_first(built_service: NewsService, question: str, digest: str, fragment: str) -> None:
    hit = _top(built_service, question).hits[0]
    assert Path(hit.chunk.path).name == digest
    assert fragment in hit.chunk.text


def test_a_named_month_restricts_the_answer_to_it(built_service: NewsService) -> None:
    result = _top(built_service, "What did Meta announce in March?")
    assert result.analysis.period is not None and result.analysis.period.start == "2025-03"
    assert result.hits[0].chunk.month == "2025-03"
    april = _top(built_service, "What did Meta announce in April?")
    assert april.hits[0].chunk.month == "2025-04"


def test_a_period_no_digest_covers_is_reported(built_service: NewsService) -> None:
    result = _top(built_service, "What did Nvidia announce in June 2019?")
    assert result.analysis.period_covered is False and result.hits == []


def test_no_near_duplicates_in_the_top_k(built_service: NewsService) -> None:
    searcher = built_service.searcher
    for question in ["open source models", "Hugging Face", "régulation de l'IA en Europe"]:
        hits = _top(built_service, question, k=8).hits
        keys = [hit.chunk.item_key for hit in hits]
        assert len(keys) == len(set(keys))
        tokens = [set(tokenize(hit.chunk.text)) for hit in hits]
        for i in range(len(tokens)):
            for j in range(i + 1, len(tokens)):
                assert _jaccard(tokens[i], tokens[j]) < DUPLICATE_JACCARD
    assert isinstance(searcher, Searcher)


def test_split_items_come_back_whole(built_service: NewsService) -> None:
    hit = _top(built_service, "LLaMA 4 Behemoth enseignant").hits[0]
    assert "Scout" in hit.chunk.text and "Behemoth" in hit.chunk.text
    assert len(hit.chunk.text) > built_service.settings.chunk_max_chars  # the pieces were merged


@pytest.mark.parametrize("fusion", ["convex", "rrf", "dense", "lexical"])
def test_every_fusion_mode_returns_ranked_hits(built_service: NewsService, fusion: str) -> None:
    searcher = Searcher(built_service.stored, built_service.embedder, fusion=fusion)
    hits = searcher.search("Mistral Small 3.1", 5).hits
    assert 1 <= len(hits) <= 5
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_a_question_naming_only_a_period_gets_that_months_overview(built_service: NewsService) -> None:
    for question in ["what happened last month?", "que s'est-il passé en avril ?"]:
        result = _top(built_service, question)
        assert result.analysis.terms == ()
        top = result.hits[0].chunk
        assert top.section[0].startswith("Synthèse"), top.section
        assert top.month == result.analysis.period.start


def test_unknown_words_map_to_typos_and_long_stems_only(built_service: NewsService) -> None:
    searcher = built_service.searcher
    assert "pytorch" in searcher.corpus.cognates(["pytroch"])  # letters swapped
    assert "llama4" not in searcher.corpus.cognates(["llama5"])  # another version is another product
    assert not [w for w in searcher.corpus.cognates(["optimus"]) if w.startswith("optimi")]  # short shared stem
    assert searcher.corpus.cognates(["model"]) == []  # known words are left alone


def test_a_versioned_nickname_stands_for_the_name_the_table_gives(built_service: NewsService) -> None:
    searcher = built_service.searcher
    assert searcher.lexicon.nickname_of("mj7") == ["midjourney"]  # "mj" ~ Midjourney in the table
    assert searcher.lexicon.nickname_of("qwen3") == []  # no table entry: an unknown product, as before
    assert searcher.lexicon.nickname_of("gpt4o") == []  # a token the digests have needs no nickname


def test_a_company_name_is_not_confused_with_a_common_word(built_service: NewsService) -> None:
    """Stemming would turn "OpenAI" into "open" and rank "open source" items first."""
    for question in ["des nouvelles d'OpenAI ?", "quoi de neuf chez openai"]:
        top = _top(built_service, question).hits[0].chunk
        assert "OpenAI" in top.text, (question, top.section_label)


@pytest.mark.parametrize(
    ("question", "month"),
    [
        ("recap of march?", "2025-03"),
        ("quels sont les faits marquants d'avril ?", "2025-04"),
        ("whats the tl;dr on march? overall vibe", "2025-03"),
        ("quick rundown of april", "2025-04"),
        ("en gros il s'est passé quoi en mars ?", "2025-03"),
        ("tour d'horizon de l'ia en avril", "2025-04"),
        ("the main headlines of march?", "2025-03"),
        ("les grandes annonces d'avril ?", "2025-04"),
        ("Pourriez-vous me faire une synthèse du mois dernier ?", "2025-03"),  # politeness is not a topic
        ("c'est quoi le top 5 des annonces d'avril ?", "2025-04"),  # a count is not a topic
        ("top 3 news of march?", "2025-03"),
        ("can anyone give me a quick rundown of ai last month?", "2025-03"),  # "anyone" is not a topic
        ("fais moi un résumé de l'IA en avril stp", "2025-04"),
        ("tl;dr of this month in AI? one line pls", "2025-04"),  # how long the answer should be is not a topic
        ("résume-moi avril en une phrase", "2025-04"),
        ("dis-moi en deux mots ce qui s'est passé en mars", "2025-03"),
        # Why the member asks is not a topic either.
        ("quick recap of march? i was offline the whole month, no idea what happened", "2025-03"),
        ("un résumé de ce mois-ci ? j'ai rien suivi avec les vacances", "2025-04"),
        ("tu peux me faire un petit résumé de l'IA en mars 2025 ?", "2025-03"),  # "petit" says how long
        ("fais moi un petit résumé de ce mois-ci côté IA stp", "2025-04"),
        # Words no digest knows around a recap say who it is for ("my boss", "standup"), not what about.
        ("recap of april pls? my boss wants it for tuesday's standup", "2025-04"),
        ("résume moi vite fait ce qui s'est passé en IA ce mois-ci stp", "2025-04"),  # "vite fait" says how long
        ("tl;dr of last month in AI? need 2-3 lines for our staff newsletter", "2025-03"),  # who it is for
    ],
)
def test_a_request_for_a_recap_gets_the_months_overview(built_service: NewsService, question: str, month: str) -> None:
    top = _top(built_service, question).hits[0].chunk
    is_summary = top.position == 0 or (top.section and top.section[0].startswith("Synthèse"))  # or the opening
    assert top.month == month and is_summary, (question, top.section_label)
    assert built_service.ask(question).abstained is False


def test_chatter_is_dropped_only_around_a_recap(built_service: NewsService) -> None:
    searcher = built_service.searcher
    # Words no digest knows, in a sentence of their own, say who the recap is for.
    assert question_terms(searcher.lexicon, "tldr pls? my boss wants it for tuesday's standup") == tokenize("tldr")
    # Around a real topic they stay: an unknown name may be the very subject.
    asked = question_terms(searcher.lexicon, "la veille parle de qwen 3 ? il paraît qu'il bat llama 4")
    assert set(tokenize("qwen 3")) <= set(asked)
    assert question_terms(searcher.lexicon, "tldr of the oscars?") == tokenize(
        "tldr of the oscars?"
    )  # a lone sentence stays


def test_a_recap_prefers_the_digests_own_summary_over_an_articles_opening(built_service: NewsService) -> None:
    # An English question is closer in meaning to the English article's introduction, but the
    # French digest's summary section is the recap of the month.
    top = _top(built_service, "could you sum up the key AI developments this month?").hits[0].chunk
    assert top.section[0].startswith("Synthèse") and top.month == "2025-04", top.section_label


def test_a_relative_period_is_a_softer_preference_than_a_named_month(built_service: NewsService) -> None:
    # "last month" is the month before the newest digest (March); people use it loosely, so an
    # April item still ranks, while "in March" keeps April far behind.
    import index.search as search

    assert search.OUT_OF_PERIOD_FACTOR < search.OUT_OF_RELATIVE_PERIOD_FACTOR < 1
    loose = built_service.searcher.search("why was gpt-4o too flattering last month?", 5)
    assert loose.analysis.period is not None and loose.analysis.period.start == "2025-03"
    assert any(hit.chunk.month == "2025-04" and "GPT-4o" in hit.chunk.text for hit in loose.hits[:3])


def test_a_translation_counts_in_full_in_a_passage_of_the_other_language(built_service: NewsService) -> None:
    """Only a translation can match a passage in the other language; counted at 3/4 there, it
    let an English passage sharing the question's own words win over the French answer."""
    import index.search as search

    assert search.EXPANSION_WEIGHT < search.OTHER_LANGUAGE_EXPANSION_WEIGHT == 1.0
    top = _top(built_service, "models that ramble on too long, what are users doing about it?").hits[0].chunk
    assert top.language == "fr" and "réponse concise" in top.text, top.section_label


@pytest.mark.parametrize(
    "question",
    [
        "who won the kaggle weather forecasting contest and how much did accuracy improve?",
        "which team won the climate prediction challenge?",
    ],
)
def test_common_news_words_carry_across_languages(built_service: NewsService, question: str) -> None:
    # forecast ~ prévision/projection, accuracy ~ précision, contest ~ compétition: the French item answers.
    top = _top(built_service, question).hits[0].chunk
    assert top.language == "fr" and "12% la précision" in top.text, top.section_label


@pytest.mark.parametrize(
    ("question", "fragment"),
    [
        (
            "Quels assistants vocaux sont cités comme exemples de l'essor du traitement automatique du langage ?",
            "voice assistants like Siri and Alexa",
        ),  # TAL ~ NLP, essor ~ rise: the English article answers
        ("openai undo the personality update?", "réglage de personnalité"),  # undo ~ marche arrière
    ],
)
def test_phrases_carry_across_languages(built_service: NewsService, question: str, fragment: str) -> None:
    top = _top(built_service, question).hits[0].chunk
    assert fragment in top.text, top.section_label


def test_with_no_period_asked_the_newest_digest_wins_a_near_tie(built_service: NewsService) -> None:
    # March and April both have a Hugging Face item; "what's new" is April's.
    top = _top(built_service, "whats new with hugging face?").hits[0].chunk
    assert top.month == "2025-04" and "Hugging Face" in top.section_label, top.section_label


def test_asking_whats_new_at_a_company_gets_that_company_first(built_service: NewsService) -> None:
    # "nouveautés" is how the question asks, not what about: passages using the word must not win.
    top = _top(built_service, "quelles nouveautés chez Google en avril ?").hits[0].chunk
    assert "Google" in top.section_label, top.section_label


def test_after_a_story_the_questions_own_words_count_more(built_service: NewsService) -> None:
    searcher = built_service.searcher
    story = "my cousin runs a small recruiting firm. they want software that reads faces on calls. is that banned in europe now?"
    assert asked_terms(searcher.lexicon, story) == ["ban", "europe"]
    # A question first, then a clarification: all of it is the question; so is a single sentence.
    assert asked_terms(searcher.lexicon, "y a un modele europeen qui est sorti ? genre pour les petites langues") == []
    assert asked_terms(searcher.lexicon, "is that banned in europe now?") == []
    top = _top(built_service, story).hits[0].chunk
    assert "reconnaissance des émotions" in top.text


@pytest.mark.parametrize("ahead", [1, 7, 40, 500])
def test_ranking_sorts_ahead_in_the_same_order_as_a_full_stable_sort(ahead: int) -> None:
    rng = np.random.default_rng(7)
    for scores in (rng.random(300).astype(np.float32), rng.integers(0, 5, 300).astype(np.float32)):  # ties too
        assert list(_best_first(scores, ahead)) == np.argsort(-scores, kind="stable").tolist()
