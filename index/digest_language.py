"""Which digest a question points at by its language: "the English article", "la veille en français".

Members refer to a digest the way they see it in the list, and the language is the easiest
handle; a bare "French" ("a French startup") says nothing about the digest, so only a
language attached to a word for the document counts.
"""

from __future__ import annotations

import re

from .dates import fold

_LANGUAGES = {
    "english": "en",
    "anglais": "en",
    "anglaise": "en",
    "anglophone": "en",
    "french": "fr",
    "francais": "fr",
    "francaise": "fr",
    "francophone": "fr",
}
_DOCUMENT = r"(?:article|digest|piece|post|text|texte|newsletter|veille|document|source|one)"
_LANGUAGE = r"(?P<language>" + "|".join(_LANGUAGES) + r")"
_NAMED = [
    re.compile(
        rf"\b{_LANGUAGE}\s+(?:'[^']{{1,60}}'\s+|\"[^\"]{{1,60}}\"\s+)?{_DOCUMENT}s?\b"
    ),  # "the English ('Trends') article"
    # "the english trends post": one word between, then a word only a document is ("the french startup one" is no digest).
    re.compile(rf"\b{_LANGUAGE}\s+[a-z]+\s+(?:article|digest|piece|post|newsletter|veille)s?\b"),
    re.compile(rf"\b{_DOCUMENT}s?\s+(?:(?:written\s+)?in\s+|en\s+)?{_LANGUAGE}\b"),  # "l'article en anglais"
]


def named_digest_language(question: str) -> str | None:
    """ "en" or "fr" when the question names a digest by its language, else None."""
    text = fold(question)
    for pattern in _NAMED:
        match = pattern.search(text)
        if match:
            return _LANGUAGES[match.group("language")]
    return None
