"""Hand-made word lists, kept as data in `index/data/*.txt`.

Each file starts with `# ` lines saying which class of words it holds; the rest are words separated
by spaces or new lines (`#` starts a comment anywhere). Code says what a class of words is for; the
file says which words are in it, so a list can grow without touching code.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources


@cache
def load_words(name: str) -> tuple[str, ...]:
    """The words of `index/data/<name>.txt`, in file order, without comments."""
    text = resources.files("index").joinpath(f"data/{name}.txt").read_text("utf-8")
    return tuple(word for line in text.splitlines() for word in line.split("#", 1)[0].split())


def alternation(words: tuple[str, ...]) -> str:
    """A regex group matching any of the words, a hyphen also matching a space or nothing ("open-source")."""
    return "(?:" + "|".join(re.escape(word).replace(r"\-", "[- ]?") for word in words) + ")"


@cache
def load_phrases(name: str) -> tuple[str, ...]:
    """The lines of `index/data/<name>.txt`, each one phrase, without comments and blank lines."""
    text = resources.files("index").joinpath(f"data/{name}.txt").read_text("utf-8")
    return tuple(phrase for line in text.splitlines() if (phrase := line.split("#", 1)[0].strip()))
