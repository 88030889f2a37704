"""The field's words: a question using none of them, and naming nothing the digests write, is not for the bot."""

from __future__ import annotations

from index.topics import TopicWords, default_topic_words


def test_words_are_matched_as_written_and_phrases_whole() -> None:
    words = TopicWords(["ai", "open source", "données", "robot"])
    assert words.mentioned_in("are AI-designed drugs coming?") == ["ai"]  # a compound's parts count
    assert words.mentioned_in("des DONNEES ouvertes ?") == ["donnees"]  # folded
    assert words.mentioned_in("which open source models?") == ["open source"]
    assert words.mentioned_in("an open window, a source of light") == []  # a phrase only whole
    assert words.mentioned_in("robots") == []  # as written, not stemmed: "data" must not match "date"


def test_the_shipped_list_knows_the_field_and_not_everyday_life() -> None:
    words = default_topic_words()
    for question in (
        "c'est quoi un LLM ?",
        "quelle startup a levé ?",
        "any news on humanoid robots?",
        "le traitement du langage naturel",
        "une appli qui fait des vidéos",
        "des news sur la santé ?",
    ):
        assert words.mentioned_in(question), question
    for question in (
        "where can I stream the final?",
        "meilleur forfait mobile ?",
        "a good photo at sunset",
        "quelle date pour le match ?",
        "quelle banque en ligne ?",
    ):
        assert not words.mentioned_in(question), question
    assert not words.mentioned_in("what's the weather like this weekend?")  # an everyday word, as "photo" is


def test_places_are_known_as_places_folded() -> None:
    words = default_topic_words()
    assert all(map(words.is_place, ("paris", "lyon", "chine", "royaume-uni", "quebec")))
    assert not any(map(words.is_place, ("mistral", "llama", "new")))
    assert TopicWords([], ["Québec"]).is_place("quebec")
