"""Hand-made word lists live in index/data/, each saying what class of words it holds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.wordlists import alternation, load_words

DATA = Path(__file__).resolve().parents[1] / "index" / "data"


@pytest.mark.parametrize("path", sorted(DATA.glob("*.txt")), ids=lambda path: path.name)
def test_each_word_list_says_what_it_holds_and_holds_words(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# ") and len(first) > 20, first
    assert load_words(path.stem)


@pytest.mark.parametrize("path", sorted(DATA.glob("*.json")), ids=lambda path: path.name)
def test_each_table_says_what_it_holds(path: Path) -> None:
    table = json.loads(path.read_text(encoding="utf-8"))
    assert len(table.get("_comment") or table["about"]) > 20


def test_comments_are_not_words() -> None:
    assert "#" not in "".join(load_words("english_news_verbs"))
    assert "say" in load_words("english_news_verbs")  # after the words, on a line with a comment


def test_a_hyphen_in_a_listed_word_matches_a_space_or_nothing() -> None:
    import re

    pattern = re.compile(alternation(("open-source",)))
    assert all(pattern.fullmatch(text) for text in ("open-source", "open source", "opensource"))
