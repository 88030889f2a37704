"""index.clean: characters, URLs, affiliate links, citation clusters, truncated words, headings."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from conftest import DIGEST_EN, DIGEST_MARCH

from index import clean
from index.models import Link

RUNWAY_URL = "https://techcrunch.com/2025/03/31/runway-releases-an-impressive-new-video-generating-ai-model/"


def _digest_line(digests_dir: Path, name: str, prefix: str) -> str:
    lines = (digests_dir / name).read_text(encoding="utf-8").splitlines()
    matches = [line for line in lines if line.startswith(prefix)]
    assert len(matches) == 1, f"expected one line starting with {prefix!r} in {name}"
    return matches[0]


# --- fix_characters ---------------------------------------------------------------------------


def test_fix_characters_undoes_mac_roman_mojibake():
    assert clean.fix_characters("Les derni√®res tendances en IA") == "Les dernières tendances en IA"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Mistral\u00a0AI", "Mistral AI"),  # no-break space
        ("le 17\u202fmars", "le 17 mars"),  # narrow no-break space
        ("GPT\u20114.5", "GPT-4.5"),  # non-breaking hyphen
        ("Deep\u200bSeek", "DeepSeek"),  # zero-width space
    ],
)
def test_fix_characters_replaces_lookalike_spaces_and_hyphens(raw, expected):
    assert clean.fix_characters(raw) == expected


def test_fix_characters_keeps_correct_french_text():
    text = "Évolutions des frameworks : « déploiement » – l’été dernier."
    assert clean.fix_characters(text) == text


def test_fix_characters_undoes_mojibake_on_a_line_with_a_no_break_space():
    assert clean.fix_characters("Les derni√®res tendances\u00a0: GPT") == "Les dernières tendances : GPT"


# --- clean_url / is_affiliate -------------------------------------------------------------------


def test_clean_url_drops_tracking_parameters_and_text_fragment():
    url = "https://techcrunch.com/2025/x/?utm_source=chatgpt.com&utm_medium=x&fbclid=abc#:~:text=Kyle%20Wiggers"
    assert clean.clean_url(url) == "https://techcrunch.com/2025/x/"


def test_clean_url_keeps_meaningful_query_and_fragment():
    assert clean.clean_url("https://changelog.langchain.com/?page=2#:~:text=March%202025") == (
        "https://changelog.langchain.com/?page=2"
    )
    assert clean.clean_url("https://example.com/a?id=7&utm_campaign=z") == "https://example.com/a?id=7"
    assert clean.clean_url("https://example.com/doc#section-2") == "https://example.com/doc#section-2"


def test_is_affiliate():
    assert clean.is_affiliate(
        "https://www.amazon.fr/amazonprime?_encoding=UTF8&primeCampaignId=prime_assoc_ft&tag=zenzen0d-21France"
    )
    assert clean.is_affiliate("https://go.fiverr.com/visit/?bta=1071918&brand=fiverrmarketplace")
    assert not clean.is_affiliate(RUNWAY_URL)
    assert not clean.is_affiliate("https://changelog.langchain.com/?page=2")


# --- extract_links / clean_passage on real lines ---------------------------------------------------


def test_clean_passage_on_a_real_line_with_clusters_and_debris(fixture_digests_dir):
    line = _digest_line(fixture_digests_dir, DIGEST_MARCH, "- **Recherche académique et sciences**")
    assert "L37】" in line and "108】" in line and "#:~:text=" in line  # the debris is really there

    text, anchors = clean.clean_passage(line)

    for debris in ("】", "](", "([", "http", "#:~:text", "**", "L37", "L97"):
        assert debris not in text, debris
    assert "physico-chimi" in text and "Generative Quantum AI" in text  # the prose itself is kept
    assert not re.search(r"[\U000F0000-\U000FFFFD]", text)  # no private-use link marks left

    cited_words = re.findall(r"(\w+)[ \t]*\(\[", line)  # the word each cluster follows
    assert cited_words == ["chimi", "class", "architect", "dev", "en"]
    assert len(anchors) == len(cited_words)
    for (offset, link), word in zip(anchors, cited_words):
        assert 0 < offset <= len(text)
        assert text[:offset].endswith(word), (offset, word, text[offset - 30 : offset])
        assert isinstance(link, Link) and link.text and link.url.startswith("http")
        assert "#:~:" not in link.url and "utm_" not in link.url
    assert anchors[0][1] == Link(
        text="Major breakthrough in biology: a hybrid generative AI designs new ...",
        url="https://www.inrae.fr/en/news/major-breakthrough-biology-hybrid-generative-ai-designs-new-molecules",
    )


def test_extract_links_on_a_runway_line_returns_clean_urls(fixture_digests_dir):
    line = _digest_line(fixture_digests_dir, DIGEST_MARCH, "- **Runway")
    marked, links = clean.extract_links(line)
    assert links and {link.url for link in links} == {RUNWAY_URL}
    assert all(
        link.text == "Runway releases an impressive new video-generating AI model | TechCrunch" for link in links
    )
    assert "】" not in marked and "](" not in marked
    # one private-use mark per link, in the text where the citation was
    marks = re.findall(r"[\U000F0000-\U000FFFFD]", marked)
    assert len(marks) == len(links)
    text, anchors = clean.unmark(marked, links)
    assert [link for _, link in anchors] == links
    # extract_links leaves emphasis and spaces to clean_passage: the mark follows "**Runway Gen-4"
    assert text[: anchors[0][0]].endswith("son nouveau modèle **Runway Gen-4")


def test_clean_passage_handles_l_numbered_debris_and_keeps_inline_link_text():
    text, anchors = clean.clean_passage(
        "Voir **le billet** de [Mistral](https://mistral.ai/news/small-3-1?utm_source=x) L45】 et la suite."
    )
    assert text == "Voir le billet de Mistral et la suite."
    assert anchors == [(len("Voir le billet de Mistral"), Link("Mistral", "https://mistral.ai/news/small-3-1"))]


def test_extract_links_drops_affiliate_links():
    text, anchors = clean.clean_passage(
        "Achetez sur [Amazon](https://www.amazon.fr/dp/B0?tag=zen-21) ou lisez "
        "([TechCrunch](https://techcrunch.com/a/))."
    )
    assert [link.url for _, link in anchors] == ["https://techcrunch.com/a/"]
    assert text == "Achetez sur Amazon ou lisez."  # the affiliate's text stays, its URL is gone


def test_clean_passage_keeps_a_number_that_follows_a_citation():
    text, _ = clean.clean_passage("selon TechCrunch ([t](https://techcrunch.com/a/)) 30 % des entreprises")
    assert text == "selon TechCrunch 30 % des entreprises"


def test_extract_links_drops_bare_affiliate_urls():
    _, anchors = clean.clean_passage("Le livre : https://www.amazon.fr/dp/B0C1?tag=zenzen0d-21 à lire.")
    assert anchors == []


# --- repair_truncated_words -------------------------------------------------------------------------


def test_repair_truncated_words_restores_the_eaten_letter():
    vocabulary = Counter({"février": 3, "fin": 2})
    assert clean.repair_truncated_words("depuis fin févrie ([t](https://u.example/a))", vocabulary) == (
        "depuis fin février ([t](https://u.example/a))"
    )


def test_repair_truncated_words_leaves_known_words_and_uncited_words_alone():
    vocabulary = Counter({"modèle": 1, "modèles": 9, "févrie": 0, "février": 2})
    text = "un modèle ([t](https://u.example/a)) et févrie sans citation"
    assert clean.repair_truncated_words(text, vocabulary) == text


def test_repair_truncated_words_picks_the_most_frequent_completion():
    vocabulary = Counter({"humaine": 1, "humaines": 4})
    assert clean.repair_truncated_words("émotions humain ([t](https://u.example/a))", vocabulary).startswith(
        "émotions humaines "
    )


def test_a_word_cut_too_short_to_guess_gets_an_ellipsis():
    vocabulary = Counter({"innovation": 3, "innovations": 1, "aspects": 2})
    assert clean.repair_truncated_words("freiner l’innova ([t](https://u.example/a))", vocabulary) == (
        "freiner l’innova… ([t](https://u.example/a))"
    )
    text, anchors = clean.clean_passage("ne pas freiner l’innova… ([t](https://u.example/a)). Ce code")
    assert text == "ne pas freiner l’innova… Ce code" and anchors[0][0] == len("ne pas freiner l’innova…")
    # An unknown word that no known word extends is a word in its own right.
    assert (
        clean.repair_truncated_words("Zylqor ([t](https://u.example/a))", vocabulary)
        == "Zylqor ([t](https://u.example/a))"
    )


def test_word_counts_skips_words_a_citation_may_have_truncated():
    counts = clean.word_counts("fin févrie ([t](https://u.example/a)) puis février")
    assert counts["février"] == 1 and "févrie" not in counts and counts["fin"] == 1


# --- is_promotional / clean_heading -----------------------------------------------------------------


def test_is_promotional_on_the_real_affiliate_footer(fixture_digests_dir):
    footer = _digest_line(fixture_digests_dir, DIGEST_EN, "Explore more about AI")
    assert clean.is_promotional(footer)
    assert not clean.is_promotional("Runway a lancé Gen-4 ([TechCrunch](" + RUNWAY_URL + ")).")
    assert not clean.is_promotional("A paragraph with no link at all.")
    assert not clean.is_promotional(
        "Mixed: [Amazon](https://www.amazon.fr/x?tag=a-21) and [TechCrunch](" + RUNWAY_URL + ")."
    )


@pytest.mark.parametrize(
    "raw, expected",
    [
        (
            "### 🔹 **Nouvelles générations de modèles de langage** (LLM) et NLP  ",
            "Nouvelles générations de modèles de langage (LLM) et NLP",
        ),
        ("### 🔹 **x**", "x"),
        (
            "#### 1. **Natural Language Processing (NLP) Advancements**",
            "1. Natural Language Processing (NLP) Advancements",
        ),
        ("**Sources :**", "Sources"),
        ("## Perspectives pour les mois à venir :", "Perspectives pour les mois à venir"),
    ],
)
def test_clean_heading(raw, expected):
    assert clean.clean_heading(raw) == expected
