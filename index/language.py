"""Tell French from English by counting very common words (no model needed for two languages)."""

from __future__ import annotations

import re

from .wordlists import load_words

_FRENCH = frozenset(load_words("french_markers"))
_ENGLISH = frozenset(load_words("english_markers"))
_WORD = re.compile(r"[a-zàâäçéèêëîïôöùûüÿœ']+")


def detect_language(text: str, default: str = "en") -> str:
    """Return "fr" or "en"; ties (and texts with no common word) give the default."""
    words = _WORD.findall(text.lower().replace("’", "'"))
    tokens = [piece for word in words for piece in word.split("'") if piece]
    french: float = sum(token in _FRENCH for token in tokens)
    english = sum(token in _ENGLISH for token in tokens)
    # Accented letters are strong evidence of French in short questions.
    french += sum(ch in "àâçéèêëîïôùûœ" for ch in text.lower()) * 0.5
    if french == english:
        return default
    return "fr" if french > english else "en"
