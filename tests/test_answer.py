"""index.answer: which sentences of a passage the answer quotes."""

from __future__ import annotations

from index.answer import key_sentences
from index.tokens import tokenize

MISTRAL = (
    "La startup Mistral AI a lancé le 17 mars Mistral Small 3.1. "
    "Mistral Small 3.1 surpasse GPT-4o Mini sur plusieurs tests. "
    "Il tourne sur une seule RTX 4090. "
    "Mistral Small 3.1 est sous licence Apache 2.0."
)


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
