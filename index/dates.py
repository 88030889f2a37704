"""Month names and month/year parsing shared by ingestion and question understanding."""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import cache

MONTHS: dict[str, int] = {
    # English
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
    "janv": 1,
    "fev": 2,
    "fevr": 2,
    "avr": 4,
    "juil": 7,
    # French (accents folded)
    "janvier": 1,
    "fevrier": 2,
    "mars": 3,
    "avril": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "aout": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "decembre": 12,
}

_MONTH_YEAR = re.compile(r"\b(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?\s+(\d{4})\b")


def fold(text: str) -> str:
    """Lower-case and strip accents, so "Février" and "fevrier" compare equal.

    Called for every word and passage of a build (millions of times at a thousand digests), hence
    the ASCII shortcut and the C-level translate instead of a loop over characters."""
    if text.isascii():
        return text.lower()
    return unicodedata.normalize("NFKD", text.lower()).translate(_combining_marks())


@cache
def _combining_marks() -> dict[int, None]:
    """Every combining character (accents and other marks), mapped to None for str.translate."""
    return {point: None for point in range(sys.maxunicode + 1) if unicodedata.combining(chr(point))}


def fold_question(text: str) -> str:
    """`fold`, with typographic apostrophes made straight, as the question patterns expect ("qu’a" is "qu'a")."""
    return fold(text).replace("’", "'")


def month_key(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def find_month_year(text: str) -> str | None:
    """First "Avril 2025" / "March 2025" in a text, as "YYYY-MM"."""
    match = _MONTH_YEAR.search(fold(text))
    if not match:
        return None
    return month_key(int(match.group(2)), MONTHS[match.group(1)])


def shift_month(key: str, delta: int) -> str:
    """Add delta months to "YYYY-MM"."""
    year, month = (int(part) for part in key.split("-"))
    index = year * 12 + (month - 1) + delta
    return month_key(index // 12, index % 12 + 1)
