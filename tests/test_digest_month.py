"""The month a digest covers, from the most explicit place that gives one: front matter, title,
headings, file name, opening lines; the file's modification time only when nothing says it."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from index.ingest import read_digest


def _digest(tmp_path: Path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    when = datetime(2023, 7, 15, 12, 0).timestamp()
    os.utime(path, (when, when))  # a month no digest here is about: any fallback to it shows
    return read_digest(path, tmp_path)


def test_a_plain_text_first_line_is_the_title_and_gives_the_month(tmp_path: Path) -> None:
    text = "Actualités IA — décembre 2024\nRevue mensuelle\n\n1. OpenAI lance o1. Le modèle est disponible.\n"
    digest = _digest(tmp_path, "veille.txt", text)
    assert (digest.title, digest.month, digest.month_source) == ("Actualités IA — décembre 2024", "2024-12", "title")
    # The title and its subtitle are no passage: a recap quotes the opening news, not "Revue mensuelle".
    assert all("Revue mensuelle" not in block.text for block in digest.blocks)
    assert digest.blocks[0].text.startswith("OpenAI lance o1")


def test_the_file_name_dates_a_digest_whose_text_does_not(tmp_path: Path) -> None:
    digest = _digest(tmp_path, "2025-02_veille.md", "Quelques nouvelles.\n\nUn second paragraphe ici.\n")
    assert (digest.month, digest.month_source) == ("2025-02", "file_name")
    assert _digest(tmp_path, "digest_202411.md", "Des nouvelles.\n").month == "2024-11"


def test_the_opening_lines_date_a_digest_named_and_titled_without_a_month(tmp_path: Path) -> None:
    text = "En janvier 2025, l'IA a encore avancé.\n\nMistral a publié un modèle.\n"
    digest = _digest(tmp_path, "notes.md", text)
    assert (digest.month, digest.month_source) == ("2025-01", "opening")


def test_a_month_named_deep_in_the_text_does_not_date_the_digest(tmp_path: Path) -> None:
    filler = "Un paragraphe sans date, assez long pour remplir l'ouverture du digest. " * 12
    digest = _digest(tmp_path, "notes.md", f"{filler}\n\nComme prévu en mars 2025, le modèle est sorti.\n")
    assert (digest.month, digest.month_source) == ("2023-07", "mtime")


def test_markup_alone_is_no_title(tmp_path: Path) -> None:
    """A line of emphasis or rule characters ("***") reads as nothing, not as a title."""
    digest = _digest(tmp_path, "notes.txt", "***\n\nMistral a publié un modèle en mars 2025.\n")
    assert digest.title == "notes" and digest.blocks
