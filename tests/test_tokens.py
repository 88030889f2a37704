"""Lexical tokens: accents folded, stop words out, model names kept whole however they are typed."""

from __future__ import annotations

from index.lexical import Expander, default_expander
from index.tokens import find_names, tokenize


def test_model_names_are_kept_whole_in_every_spelling() -> None:
    assert "gpt4.5" in tokenize("GPT-4.5") and "gpt4.5" in tokenize("gpt 4.5") and "gpt4.5" in tokenize("GPT\u20114.5")
    assert "o4mini" in tokenize("o4-mini")
    assert "llama4" in tokenize("LLaMA 4") and "llama4" in tokenize("Llama-4")
    assert "gen4" in tokenize("Runway Gen-4")
    assert "gpt3.5" in tokenize("a GPT-3.5-class model") and "gpt4" in tokenize(
        "gpt-4-level"
    )  # the suffix only describes


def test_accents_and_stop_words() -> None:
    assert tokenize("Qu'a annoncé Mistral ?") == tokenize("qu a annonce mistral")
    assert tokenize("What is the") == []
    assert "video" in tokenize("vidéo")
    assert tokenize("can someone tell me b4 friday, contre quoi ?") == [tokenize("friday")[0]]  # fillers, chat spelling


def test_us_in_capitals_is_the_country() -> None:
    assert tokenize("une conf aux US") == tokenize("une conf aux USA")
    assert tokenize("U.S. vs Chine")[0] == "usa"
    assert tokenize("tell us more") == []  # the pronoun stays a stop word


def test_eu_in_capitals_is_the_union() -> None:
    assert tokenize("illegal in the EU?") == tokenize("illégal dans l'UE ?")
    assert tokenize("il y a eu des annonces") == tokenize("des annonces")  # the participle stays a stop word


def test_an_acronyms_plural_is_the_acronym() -> None:
    assert tokenize("Google's TPUs and Nvidia GPUs") == tokenize("Google's TPU and Nvidia GPU")
    assert tokenize("les IAs") == []  # "IA" stays a stop word in the plural


def test_set_phrases_are_not_topics() -> None:
    assert tokenize("l'IA agentique dont tout le monde parle") == tokenize("l'IA agentique")
    assert tokenize("du coup, Mistral") == tokenize("Mistral")
    assert tokenize("le monde entier") != []  # the world itself is a topic


def test_memes_are_not_the_word_same() -> None:
    assert tokenize("des memes") == tokenize("des mèmes") != []  # "mêmes" folds the same: not a stop word
    assert tokenize("grâce à quoi") == []


def test_words_joined_by_grammar_are_not_a_name() -> None:
    assert tokenize("résume-moi") == tokenize("résume")  # not "resumemoi", which no passage has
    assert tokenize("state-of-the-art") == tokenize("state art")
    assert "gpt4o" in tokenize("GPT-4o") and "o4mini" in tokenize("o4-mini")  # names with a version stay whole


def test_french_and_english_inflections_share_a_stem() -> None:
    assert set(tokenize("modèles")) == set(tokenize("models"))


def test_bilingual_expansion_crosses_languages() -> None:
    expanded = default_expander().expand(tokenize("Which company bought a startup?"))
    assert set(tokenize("racheté")) <= set(expanded)
    expanded_fr = default_expander().expand(tokenize("la régulation"))
    assert set(tokenize("law")) <= set(expanded_fr)
    # The table lists inflected forms where stems part: "biaisées" and "biais" stem apart.
    assert set(tokenize("bias")) <= set(default_expander().expand(tokenize("moins biaisées")))


def test_names_the_digests_capitalise_are_kept_whole() -> None:
    texts = [
        "Le 5 avril, OpenAI a lancé un modèle, puis Meta répond et OpenAI confirme.",
        "Il met en avant l'open source.",
    ]
    names = find_names(texts)
    assert {"openai", "meta"} <= names
    assert "avant" not in names and "avril" not in names  # lower case inside sentences
    assert tokenize("des nouvelles d'OpenAI ?", names) == ["openai"]
    assert tokenize("des nouvelles d'OpenAI ?") == ["open"]  # what stemming alone would do
    assert "met" not in tokenize("what did meta do", names)


def test_a_capital_after_a_full_stop_does_not_make_a_name() -> None:
    assert "ensuite" not in find_names(["Premier point. Ensuite il pleut. Ensuite il vente."])


def test_month_abbreviations_are_dates_not_words() -> None:
    # "nov. 2024" in a digest must not give a token that "nova" (stem "nov") would match.
    assert tokenize("le 4 nov. 2024, en déc. et sept.") == ["4", "2024"]
    assert tokenize("Amazon Nova") == tokenize("amazon nova") != []


def test_a_meaning_counts_once_however_many_translations_a_passage_uses() -> None:
    from index.lexical import LexicalIndex
    from index.models import Chunk

    def chunk(n: int, text: str) -> Chunk:
        return Chunk(
            id=str(n),
            path="d.md",
            digest_title="t",
            month="2025-04",
            language="fr",
            section=[],
            text=text,
            links=[],
            position=n,
            block=n,
        )

    texts = [
        "Meta a lancé, dévoilé, publié et déployé beaucoup de choses.",  # four translations of "release"
        "Meta a lancé LLaMA 4 et son modèle Scout pour les développeurs.",  # one translation, and the product
        "Un texte sans rapport sur la météo du printemps.",
        "Un autre texte sans rapport sur la cuisine.",
    ]
    index = LexicalIndex.build([chunk(n, text) for n, text in enumerate(texts)])
    groups = default_expander().expand_groups(tokenize("release"))
    assert len(groups) == 1 and set(tokenize("lancé dévoilé publié")) <= set(groups[0])
    best = index.best_of(groups)
    summed = index.scores(groups[0])
    assert summed[0] > summed[1]  # summing rewards piling up synonyms...
    assert best[0] <= max(index.scores([t])[0] for t in groups[0]) + 1e-6  # ...the best form alone does not
    assert best[1] > 0 and best[2] == 0


def test_a_phrase_of_the_table_is_found_whole_in_a_passage_using_its_translation() -> None:
    # "traitement du langage": a passage saying "NLP" has both words, for coverage.
    expander = Expander([["nlp", "traitement du langage"]])
    [(phrase, translations)] = expander.phrases(tokenize("le traitement du langage au quotidien"))
    assert phrase == set(tokenize("traitement langage")) and translations == {"nlp"}
    assert expander.phrases(tokenize("le traitement des images")) == []


def test_the_expansion_table_reaches_the_same_groups_as_testing_every_group() -> None:
    """Expander looks up a question's groups by token; testing every group gives the same, in order."""
    import json

    from conftest import EVAL_DIR

    expander = default_expander()
    lines = (EVAL_DIR / "tuning.jsonl").read_text(encoding="utf-8").splitlines()
    checked = 0
    for line in lines:
        tokens = tokenize(json.loads(line)["question"])
        present = set(tokens)
        every_group = [
            [t for t in dict.fromkeys(t for entry in group for t in entry) if t not in present]
            for group in expander.groups
            if any(set(entry) <= present for entry in group)
        ]
        assert expander.expand_groups(tokens) == [added for added in every_group if added]
        checked += bool(every_group)
    assert checked > 100  # the questions do reach the table
