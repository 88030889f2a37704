"""index.ingest: the three real digests, bad files, month fallbacks, suffixes, paragraph merging."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest
from conftest import DIGEST_APRIL, DIGEST_EN, DIGEST_MARCH

from index.errors import DigestError
from index.ingest import find_digest_files, ingest_directory, parse_blocks, read_digest
from index.models import Digest, Link

RUNWAY_URL = "https://techcrunch.com/2025/03/31/runway-releases-an-impressive-new-video-generating-ai-model/"


@pytest.fixture(scope="module")
def digests(fixture_data_dir: Path) -> dict[str, Digest]:
    report = ingest_directory(fixture_data_dir / "digests", fixture_data_dir.parent)
    assert report.skipped == []
    return {Path(digest.path).name: digest for digest in report.digests}


def test_all_three_bundled_digests_are_read(digests):
    assert sorted(digests) == [DIGEST_EN, DIGEST_APRIL, DIGEST_MARCH]
    for name, digest in digests.items():
        assert digest.path == f"data/digests/{name}"  # relative to the data directory's parent
        assert len(digest.content_hash) == 64


@pytest.mark.parametrize(
    "name, title, month, source, language",
    [
        (DIGEST_EN, "Les dernières tendances en IA", "2025-04", "front_matter", "en"),
        (DIGEST_APRIL, "Veille IA – Avril 2025", "2025-04", "title", "fr"),
        (DIGEST_MARCH, "Veille IA – Mars 2025 : Nouvelles avancées et tendances majeures", "2025-03", "title", "fr"),
    ],
)
def test_title_month_and_language(digests, name, title, month, source, language):
    digest = digests[name]
    assert (digest.title, digest.month, digest.month_source, digest.language) == (title, month, source, language)


def test_sections_of_the_english_digest(digests):
    sections = digests[DIGEST_EN].sections
    assert "2. Explainable AI (XAI)" in sections
    assert "5. AI-Driven Personalization" in sections
    assert not any("**" in section or section.startswith("#") for section in sections)


def test_sections_and_items_of_the_april_digest(digests):
    digest = digests[DIGEST_APRIL]
    assert "Nouveaux modèles d'IA et avancées techniques notables" in digest.sections
    # The title is shown apart, never as a section.
    assert "Veille IA – Avril 2025" not in digest.sections
    meta = [
        block
        for block in digest.blocks
        if block.section[-1:] == ["Meta dévoile LLaMA 4, une famille de LLM multimodaux"]
    ]
    assert len(meta) == 1
    assert meta[0].section == [
        "Nouveaux modèles d'IA et avancées techniques notables",
        "Meta dévoile LLaMA 4, une famille de LLM multimodaux",
    ]
    assert "Le 5 avril, Meta a annoncé LLaMA 4" in meta[0].text


def test_sections_and_links_of_the_march_digest(digests):
    digest = digests[DIGEST_MARCH]
    assert "Mistral AI – Small 3.1 (open source)" in digest.sections
    assert "Runway – Génération vidéo Gen-4" in digest.sections  # U+2011 in the file
    urls = [link.url for link in digest.links]
    assert RUNWAY_URL in urls
    assert "https://changelog.langchain.com/?page=2" in urls  # a meaningful query survives
    assert len(urls) == len(set(urls))
    for url in urls:
        assert url.startswith("http")
        assert "#:~:text" not in url and "utm_" not in url, url
    runway = next(block for block in digest.blocks if block.section[-1] == "Runway – Génération vidéo Gen-4")
    assert [link.url for link in runway.links] == [RUNWAY_URL]


def test_truncated_words_are_repaired_in_the_march_digest(digests):
    text = " ".join(block.text for block in digests[DIGEST_MARCH].blocks)
    assert "depuis fin février, GPT-4.5" in text  # "févrie ([…](…))" in the file
    assert "prévu d’ici quelques mois" in text  # "quelques moi ([…](…))"
    assert "ne pas freiner l’innova…" in text  # cut too short to guess: marked, not misspelt


@pytest.mark.parametrize("name", [DIGEST_EN, DIGEST_APRIL, DIGEST_MARCH])
def test_no_debris_in_any_block(digests, name):
    for block in digests[name].blocks:
        assert block.text.strip()
        for debris in ("】", "](", "\u00a0", "\u202f", "\u2011", "**", "#:~:text"):
            assert debris not in block.text, (debris, block.text[:80])
        for offset, _ in block.anchors:
            assert 0 <= offset <= len(block.text)
    for section in digests[name].sections:
        assert "**" not in section and "\u2011" not in section


def test_affiliate_footer_and_keywords_are_kept_apart_from_the_passages(digests):
    digest = digests[DIGEST_EN]
    text = " ".join(block.text for block in digest.blocks)
    for junk in ("Amazon Prime", "Fiverr", "Keywords:", "AI trends, Artificial Intelligence", "amazon.fr"):
        assert junk not in text
    assert digest.links == []
    # ... while the article's own conclusion is kept
    assert digest.blocks[-1].text.startswith("In conclusion, the latest trends in AI")
    # The footer and the keywords line are its end matter, the ad's links without their affiliate tags.
    ad, keywords = digest.end_matter
    assert ad.kind == "promotion" and ad.text.startswith(
        "Explore more about AI and innovation on Amazon Prime or Fiverr"
    )
    assert ad.links == [
        Link("Amazon Prime", "https://www.amazon.fr/amazonprime"),
        Link("Fiverr Marketplace", "https://go.fiverr.com/visit/?brand=fiverrmarketplace"),
    ]
    assert keywords.kind == "keywords" and keywords.text.startswith("Keywords: AI trends, Artificial Intelligence")
    assert [item.kind for item in digests[DIGEST_APRIL].end_matter] == ["sources"]
    # "**Sources :** Op ([…](…)) …": an emphasised source list is end matter too, not a passage
    assert [item.kind for item in digests[DIGEST_MARCH].end_matter] == ["sources"]
    assert not any("Sources :" in block.text for block in digests[DIGEST_MARCH].blocks)


def test_paragraph_split_by_a_blank_line_is_merged(digests):
    digest = digests[DIGEST_APRIL]
    [block] = [block for block in digest.blocks if "autorisant davantage de réponses" in block.text]
    assert "autorisant davantage de réponses sur des sujets sensibles" in block.text
    assert not any(other.text.startswith("sur des sujets sensibles") for other in digest.blocks)
    [guide] = [block for block in digest.blocks if "auditer leurs" in block.text]
    assert "auditer leurs outils avant mise en production" in guide.text


# --- bad files ---------------------------------------------------------------------------------------

BAD_FILES = {
    "binary.md": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
    "latin1.txt": ("Veille IA – Avril 2025\n\nLes modèles et l'été.\n".encode("latin-1", "replace"), "UTF-8"),
    "empty.md": (b"", "empty"),
    "blank.md": (b"  \n\n\t \r\n", "empty"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_read_digest_refuses_bad_files(tmp_path, name):
    content, reason = BAD_FILES[name]
    path = tmp_path / "data" / "digests" / name
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    with pytest.raises(DigestError) as caught:
        read_digest(path, tmp_path)
    assert caught.value.path == f"data/digests/{name}"
    assert reason in caught.value.reason
    assert name in str(caught.value)


def test_ingest_directory_skips_bad_files_and_keeps_good_ones(make_data_dir, tmp_path):
    data = make_data_dir({name: content for name, (content, _) in BAD_FILES.items()})
    report = ingest_directory(data / "digests", tmp_path)
    assert sorted(Path(d.path).name for d in report.digests) == [DIGEST_EN, DIGEST_APRIL, DIGEST_MARCH]
    skipped = {Path(error.path).name: error.reason for error in report.skipped}
    assert sorted(skipped) == sorted(BAD_FILES)
    for name, (_, reason) in BAD_FILES.items():
        assert reason in skipped[name]


def test_month_falls_back_to_file_mtime(make_data_dir, tmp_path):
    data = make_data_dir(
        {"notes.md": "Quelques nouvelles sans aucune date.\n\nUn second paragraphe ici.\n"}, bundled=False
    )
    path = data / "digests" / "notes.md"
    when = datetime(2023, 7, 15, 12, 0).timestamp()
    os.utime(path, (when, when))
    digest = read_digest(path, tmp_path)
    assert (digest.month, digest.month_source) == ("2023-07", "mtime")
    assert digest.title == "notes"  # no heading, no front matter: the file name


def test_month_from_front_matter_string_and_from_a_heading(make_data_dir, tmp_path):
    data = make_data_dir(
        {
            "fm.md": '---\ntitle: "Digest"\ndate: "2024-11"\n---\n\nLe texte du digest.\n',
            "heading.md": "# Digest IA\n\n## Nouvelles de février 2025\n\nLe texte du digest.\n",
        },
        bundled=False,
    )
    fm = read_digest(data / "digests" / "fm.md", tmp_path)
    heading = read_digest(data / "digests" / "heading.md", tmp_path)
    assert (fm.title, fm.month, fm.month_source) == ("Digest", "2024-11", "front_matter")
    assert (heading.title, heading.month, heading.month_source) == ("Digest IA", "2025-02", "heading")


def test_only_markdown_and_text_suffixes_are_read(make_data_dir, tmp_path):
    body = "# Veille IA – Mai 2025\n\nUn paragraphe de texte.\n"
    names = ["a.md", "b.markdown", "c.txt", "D.MD", "e.rst", "f.html", "g.json", "h.pdf", ".hidden.md", "sub/i.md"]
    data = make_data_dir({name: body for name in names}, bundled=False)
    found = [path.relative_to(data / "digests").as_posix() for path in find_digest_files(data / "digests")]
    assert found == ["D.MD", "a.md", "b.markdown", "c.txt", "sub/i.md"]
    report = ingest_directory(data / "digests", tmp_path)
    assert len(report.digests) == 5 and report.skipped == []
    assert {digest.month for digest in report.digests} == {"2025-05"}


def test_missing_directory_gives_no_files(tmp_path):
    assert find_digest_files(tmp_path / "nope") == []
    assert ingest_directory(tmp_path / "nope", tmp_path).digests == []


def test_invalid_front_matter_is_ignored_not_fatal(make_data_dir, tmp_path):
    data = make_data_dir(
        {"x.md": "---\ntitle: [unclosed\n---\n\n# Veille IA – Juin 2025\n\nDu texte.\n"}, bundled=False
    )
    digest = read_digest(data / "digests" / "x.md", tmp_path)
    assert (digest.title, digest.month) == ("Veille IA – Juin 2025", "2025-06")
    assert digest.blocks[0].text == "Du texte."


def test_file_with_only_headings_is_refused(make_data_dir, tmp_path):
    data = make_data_dir({"h.md": "# Titre\n\n## Section\n"}, bundled=False)
    with pytest.raises(DigestError, match="no readable text"):
        read_digest(data / "digests" / "h.md", tmp_path)


# --- block parsing edge cases ------------------------------------------------------------------------


def test_bullet_items_carry_their_bold_title_in_the_section():
    blocks, headings, _ = parse_blocks(
        "# T\n\n## Modèles\n\n- **GPT-5** – OpenAI lance GPT-5.\n- **Claude** : autre.\n"
    )
    assert headings == ["T", "Modèles"]
    assert [block.section for block in blocks] == [["Modèles", "GPT-5"], ["Modèles", "Claude"]]
    assert blocks[0].text == "GPT-5 – OpenAI lance GPT-5."


def test_a_bold_lead_that_runs_into_the_sentence_stops_at_its_last_dash():
    text = "## S\n\n- **Index 2025 : l'IA adoptée – Le rapport 2025** de Stanford, publié en avril, dresse un bilan.\n"
    blocks, _, _ = parse_blocks(text)
    assert blocks[0].section == ["S", "Index 2025 : l'IA adoptée"]  # not "… – Le rapport 2025"
    assert blocks[0].text.startswith("Index 2025 : l'IA adoptée – Le rapport 2025 de Stanford")


def test_lowercase_paragraph_after_a_heading_stays_in_its_section():
    blocks, _, _ = parse_blocks("# T\n\n## Modèles\n\nUn paragraphe.\n\n## Outils\n\nvLLM 0.8 ajoute le support.\n")
    assert [block.section for block in blocks] == [["Modèles"], ["Outils"]]


def test_multiline_continuation_paragraph_is_merged_whole():
    blocks, _, _ = parse_blocks("## S\n\n- **Item** – début du texte\n\nsuite du texte\nEt la fin du paragraphe.\n")
    assert len(blocks) == 1
    assert blocks[0].text == "Item – début du texte suite du texte Et la fin du paragraphe."
