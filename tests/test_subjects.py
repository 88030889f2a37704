"""Words in a company's or product's place in a question, and whether the digests write them."""

from __future__ import annotations

import pytest

from index.subjects import branded_names, compared_pairs, named_subjects
from index.written_forms import WrittenForms


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("did suno drop a new music model?", "suno"),
        ("did perplexity ever ship its comet browser?", "perplexity"),
        ("whats the deal with suno's newest model", "suno"),
        ("Perplexity a levé combien récemment ?", "perplexity"),
        ("elevenlabs vient de sortir un modèle ?", "elevenlabs"),
        ("any news on qwen from alibaba", "qwen"),
        ("des news sur cohere ?", "cohere"),
        ("quoi de neuf chez Anthropic ?", "anthropic"),
        ("tesla announced a robot?", "tesla"),
        ("what's new with perplexity? did they ship anything", "perplexity"),
        ("suno dropped anything new? wanna make some songs", "suno"),
        ("des nouvelles de la start-up lancée par murati ?", "murati"),
        ("what did the lab founded by lecun ship?", "lecun"),
        ("windsurf got bought by someone or not?", "windsurf"),
        ("windsurf s'est fait racheter ?", "windsurf"),
        ("je fais des vidéos avec un avatar, synthesia a sorti des nouveautés ?", "synthesia"),  # a comma ends a phrase
        ("our team is evaluating tabnine for code review - did they release anything?", "tabnine"),  # "they" is it
        ("on utilise canva pour nos visuels, ils ont lancé un modèle ?", "canva"),
        ("our teachers all use quizlet for revision, did its AI side get an update?", "quizlet"),
        ("Giskard ils ont sorti un outil pour tester les LLM ?", "giskard"),  # spoken French
        ("des nouvelles d'owkin ?", "owkin"),
        ("did black forest labs drop a new flux model?", "black forest labs"),  # a name of several words
        ("et helsing, la start-up d'IA pour la défense, y a des infos ?", "helsing"),  # a name, then what it is
        ("nabla, the french health startup, raised how much?", "nabla"),
        ("bengio a dit quoi récemment sur les risques de l'ia ?", "bengio"),  # what a person said
        ("did hinton say anything about agi lately?", "hinton"),
    ],
)
def test_a_word_in_a_companys_place_is_a_subject(question: str, subject: str) -> None:
    assert subject in named_subjects(question)


@pytest.mark.parametrize(
    "question",
    [
        "which startup raised the most in april?",  # asks which one: a common noun
        "la boîte a levé combien ?",
        "is the lead actor's face consistent?",  # a noun phrase the determiner opens
        "did the european space agency show a model?",
        "les chercheurs ont publié quoi ?",
        "how many ppl showed up at the summit?",  # after a bare noun, only what a company does counts
        "what is the capital of Peru?",  # no company's place at all
        "gpu prices dropped a lot this year?",  # "dropped" with no release for an object
        "the startup got acquired?",  # a common noun after its determiner
        "we're using python for our pipeline, any good libraries?",  # a tool in use, but no news asked of it
        "did the french startup raise money?",  # several words, but the determiner opens a noun phrase
        "did openai and google release models?",  # two names, not one of two words
        "la boîte qui fait les IDE genre IntelliJ a sorti un modèle ?",  # an example describes the subject
    ],
)
def test_common_nouns_are_not_subjects(question: str) -> None:
    assert named_subjects(question) in ([], ["what"])


def test_a_name_must_be_written_the_same_way_not_just_share_a_stem() -> None:
    written = WrittenForms.from_texts(
        ["La cohérence des modèles.", "Google publie KerasCV et des Startups lèvent des fonds.", "Le deep learning."]
    )
    assert not written.mentions("cohere")  # "cohérence" is a common word, not the company
    assert written.mentions("keras")  # the start of a name written with capitals
    assert not written.mentions("coh")  # too short to stand for a longer name
    assert written.mentions("startup") and written.mentions("googel")  # a plural dropped, a typo
    assert not written.mentions("deepl")  # a name one letter longer than a short word is not its typo


def test_a_comparison_sets_two_words_against_each_other() -> None:
    assert compared_pairs("poolside vs mistral pour le code ?") == [("poolside", "mistral")]
    assert compared_pairs("llama vs. the hugging face robot") == []  # a determiner is no name
    # A product's name starts with its maker's: the clause's first word is compared too.
    assert ("luma", "runway") in compared_pairs("luma ai dream machine vs runway gen-4, which is better?")
    assert compared_pairs("which is better, claude vs gemini") == [("claude", "gemini")]


def test_a_proper_name_is_never_written_in_lower_case() -> None:
    forms = WrittenForms.from_texts(
        ["La communauté HF à Lyon publie PyTorch 2.7.", "Good models. A good start, with Good ideas."]
    )
    assert forms.is_proper_name("hf") and forms.is_proper_name("lyon") and forms.is_proper_name("pytorch")
    assert forms.is_name("good") and not forms.is_proper_name("good")  # capitalised in a title, lower case elsewhere


def test_a_company_suffix_after_a_capitalised_word_makes_a_name() -> None:
    assert branded_names("did Hume AI's voice thing get coverage?") == [("hume", "hume ai")]
    assert branded_names("any news from Black Forest Labs or Boston Dynamics?") == [
        ("forest", "forest labs"),
        ("boston", "boston dynamics"),
    ]
    # Lower case, an adjective, or a sentence's verb: no name.
    assert branded_names("how many orgs use ai now?") == []
    assert branded_names("Generative AI and Conversational AI in April") == []


def test_an_adjective_before_ai_is_a_kind_of_ai_not_a_subject() -> None:
    assert named_subjects("what about conversational AI?") == []
    assert named_subjects("what about hume?") == ["hume"]
