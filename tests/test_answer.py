"""index.answer: which sentences of a passage the answer quotes."""

from __future__ import annotations

from index.answer import _has_figure, cite, key_sentences
from index.models import Chunk, Hit, Period
from index.periods import parse_period
from index.tokens import tokenize

MISTRAL = (
    "La startup Mistral AI a lancé le 17 mars Mistral Small 3.1. "
    "Mistral Small 3.1 surpasse GPT-4o Mini sur plusieurs tests. "
    "Il tourne sur une seule RTX 4090. "
    "Mistral Small 3.1 est sous licence Apache 2.0."
)


def _one_hit(text: str, language: str, section: str) -> list[Hit]:
    """A single April passage, as the search would return it."""
    chunk = Chunk(
        id="c",
        path="d.txt",
        digest_title="Veille",
        month="2025-04",
        language=language,
        section=[section],
        text=text,
        links=[],
        position=1,
        block=1,
    )
    return [Hit(chunk=chunk, score=1.0)]


def test_the_second_sentence_adds_what_the_first_lacks() -> None:
    question = set(tokenize("will a single 4090 be enough for mistral small 3.1?"))
    excerpt = key_sentences(MISTRAL, question)
    assert excerpt == "La startup Mistral AI a lancé le 17 mars Mistral Small 3.1. Il tourne sur une seule RTX 4090."


def test_translated_question_words_pick_the_sentence_in_the_other_language() -> None:
    text = "Le modèle est sorti en avril. Il coûte moins cher. Il est plus rapide. Une mise à jour l'a rendu trop flatteur."
    question = set(tokenize("why was it so sycophantic?"))
    assert "flatteur" not in key_sentences(text, question)
    assert "flatteur" in key_sentences(text, question, related_tokens=frozenset(tokenize("flatteur")))


def test_sentences_stay_in_reading_order_and_within_the_size_bound() -> None:
    text = " ".join(f"Phrase numéro {n} sur Mistral et la RTX 4090 avec beaucoup de détails." for n in range(20))
    excerpt = key_sentences(text, set(tokenize("mistral 4090")))
    assert len(excerpt) <= 420
    assert excerpt.startswith("Phrase numéro 0")


def test_sentences_are_chosen_by_the_questions_topic_not_its_date_words() -> None:
    # "fin avril" is the period (already applied to the ranking); "fin mars" in a sentence is no match.
    text = (
        "Plusieurs événements se sont tenus. Le Generative AI Summit à Santa Clara a réuni 500 participants. "
        "En Europe, un autre sommet s'est déroulé fin mars à Londres. Les stands étaient nombreux."
    )
    question = "quelle conf sur l'IA generative fin avril ?"
    terms = tokenize(parse_period(question, "2025-04").remainder)
    answer = cite(question, _one_hit(text, "fr", "Conférences"), "fr", Period("2025-04", "2025-04"), terms=terms)
    assert "Santa Clara" in answer.text and "Londres" not in answer.text


def test_a_question_asking_how_much_gets_the_sentence_with_the_figure() -> None:
    text = (
        "The yearly Stanford report, published in early April, draws a broad and detailed picture of how the "
        "field evolved over the past year, from research output and benchmarks to adoption in companies, "
        "public opinion, education and the policies that governments around the world put in place. "
        "Private investment reached 109 billion dollars in the United States, including 33.9 billion for "
        "generative AI alone, up 18.7% on the year before, across hundreds of companies in many sectors."
    )
    hits = _one_hit(text, "en", "AI Index")
    assert "109 billion" in cite("how much private investment according to the stanford report?", hits, "en").text
    assert "109 billion" not in cite("what did the stanford report say about private investment?", hits, "en").text


def test_a_multiplier_is_a_figure() -> None:
    assert _has_figure('nouvelles puces TPU "Ironwood" 5x plus performantes')
    assert _has_figure("une adoption multipliée x2 en un an")
    assert not _has_figure("GPT-4o et o4-mini, présentés en 2025")  # names and a year are no figures


def test_a_figure_comes_first_even_when_the_opening_names_the_source() -> None:
    # The opening names the report; the figure sentence only the topic: a "combien" question wants the figure.
    text = (
        "L'AI Index Report 2025 de l'université Stanford, publié début avril, dresse un panorama instructif "
        "de l'évolution de l'IA sur l'année écoulée, avec de très nombreux graphiques et des analyses détaillées. "
        "Parmi les chiffres marquants, les investissements privés ont atteint des records, des dizaines de "
        "milliards, et 78% des organisations mondiales déclarent désormais utiliser de l'IA, contre 55% "
        "l'année précédente, selon une enquête menée auprès de milliers d'entreprises de toutes tailles."
    )
    hits = _one_hit(text, "fr", "AI Index")
    assert "78%" in cite("combien d'organisations selon le report de Stanford ?", hits, "fr").text
    assert "78%" not in cite("que dit le report de Stanford sur les organisations ?", hits, "fr").text
