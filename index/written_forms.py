"""The digests' words as written (folded, not stemmed), to tell whether they mention a name.

Stems join words across languages: "Cohere" and "cohérence" both stem to "coher", so a stem
says a company is mentioned when only a French adjective is. A name is written the same way
wherever it appears, give or take a plural, a typo or a suffix ("KerasCV" for "Keras").
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from typing import Iterable

from .dates import fold

_WORD = re.compile(r"[a-z0-9]+(?:[-.][a-z0-9]+)*")
# A capital inside a sentence, or after the first letter ("KerasCV", "LangGraph"): written as a name.
_NAME_AS_WRITTEN = re.compile(r"(?<=[\w,;)»\"] )[A-Z][\w-]*|\b\w[a-z0-9]*[A-Z][\w-]*")
# A name as short as "xai" or "hf" must match exactly; from this length a longer word may start with it.
MIN_PREFIX_LENGTH = 4
# Shorter names ("suno", "grok") are too close to other short words for a typo to be told apart.
MIN_TYPO_LENGTH = 5


def written_words(text: str) -> set[str]:
    return {word.strip(".-") for word in _WORD.findall(fold(text).replace("’", "'"))}


class WrittenForms:
    """The words the digests use, with look-ups by the start of a name and by one typo."""

    def __init__(self, texts: Iterable[str]) -> None:
        texts = list(texts)
        self.words: set[str] = set().union(*(written_words(text) for text in texts))
        names = {word for text in texts for match in _NAME_AS_WRITTEN.findall(text) for word in written_words(match)}
        self.sorted_names = sorted(names)
        self.by_deletion: dict[str, list[str]] = defaultdict(list)
        for word in self.words:
            if len(word) >= MIN_TYPO_LENGTH:  # "deepl" is not "deep" with a typo
                for variant in deletions(word) | {word}:
                    self.by_deletion[variant].append(word)

    def mentions(self, word: str) -> bool:
        """Whether the digests write this word: as is, as a plural or singular, without its hyphens,
        at the start of a longer name ("keras" in "KerasCV", not "cohere" in "cohérence"), or one typo away."""
        if {word, word.removesuffix("s"), word + "s", word.replace("-", "")} & self.words:
            return True
        if len(word) >= MIN_PREFIX_LENGTH:
            at = bisect.bisect_left(self.sorted_names, word)
            if at < len(self.sorted_names) and self.sorted_names[at].startswith(word):
                return True
        if len(word) >= MIN_TYPO_LENGTH:
            candidates = {w for variant in deletions(word) | {word} for w in self.by_deletion.get(variant, ())}
            return any(one_typo_apart(word, candidate) for candidate in candidates)
        return False


def deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def one_typo_apart(a: str, b: str) -> bool:
    """One letter missing or extra, or two neighbouring letters swapped; digits unchanged."""
    if [c for c in a if c.isdigit()] != [c for c in b if c.isdigit()]:
        return False
    if abs(len(a) - len(b)) == 1:
        shorter, longer = sorted((a, b), key=len)
        return shorter in deletions(longer)
    if len(a) != len(b):
        return False
    diff = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
