"""The digests' words as written (folded, not stemmed), to tell whether they mention a name.

Stems join words across languages: "Cohere" and "cohérence" both stem to "coher", so a stem
says a company is mentioned when only a French adjective is. A name is written the same way
wherever it appears, give or take a plural, a typo or a suffix ("KerasCV" for "Keras").
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass

from .dates import fold
from .tokens import WORD
from .typos import TypoIndex

# A capital inside a sentence, or after the first letter ("KerasCV", "LangGraph"): written as a name.
_NAME_AS_WRITTEN = re.compile(r"(?<=[\w,;)»\"] )[A-Z][\w-]*|\b\w[a-z0-9]*[A-Z][\w-]*")
_LOWER_CASE_WORD = re.compile(r"(?<![\w-])[a-zà-ÿ][\w]*")
# A name as short as "xai" or "hf" must match exactly; from this length a longer word may start with it.
MIN_PREFIX_LENGTH = 4
# Shorter names ("suno", "grok") are too close to other short words for a typo to be told apart.
MIN_TYPO_LENGTH = 5


def written_words(text: str) -> set[str]:
    return set(WORD.findall(fold(text)))


@dataclass(frozen=True)
class WrittenParts:
    """What some texts contribute to the written forms: sets, so those of several texts join by union."""

    words: frozenset[str]
    names: frozenset[str]  # written as a name somewhere in these texts
    lower_case: frozenset[str]  # written in lower case somewhere in these texts

    @classmethod
    def of(cls, texts: Iterable[str]) -> WrittenParts:
        texts = list(texts)
        words: set[str] = set().union(*(written_words(text) for text in texts))
        names = {word for text in texts for match in _NAME_AS_WRITTEN.findall(text) for word in written_words(match)}
        lower_case = {word for text in texts for word in fold(" ".join(_LOWER_CASE_WORD.findall(text))).split()}
        return cls(frozenset(words), frozenset(names), frozenset(lower_case))


class WrittenForms:
    """The words the digests use, with look-ups by the start of a name and by one typo."""

    def __init__(self, words: set[str], names: frozenset[str], proper_names: frozenset[str]) -> None:
        self.words = words
        self.names = names
        self.sorted_names = sorted(names)  # for names that start with a word ("keras" of "kerascv")
        self.proper_names = proper_names
        self.typos = TypoIndex(self.words, MIN_TYPO_LENGTH)  # "deepl" is not "deep" with a typo

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> WrittenForms:
        return cls.from_parts([WrittenParts.of(texts)])

    @classmethod
    def from_parts(cls, parts: Iterable[WrittenParts]) -> WrittenForms:
        """The forms of all the texts, from what each group of them (a digest) contributes."""
        parts = list(parts)
        words: set[str] = set().union(*(part.words for part in parts))
        names: set[str] = set().union(*(part.names for part in parts))
        # Words also written in lower case somewhere ("Good" in a title, "good" in a sentence) are common words.
        lower_case: set[str] = set().union(*(part.lower_case for part in parts))
        return cls(words, frozenset(names), frozenset(names - lower_case))

    def to_dict(self) -> dict[str, list[str]]:
        return {"words": sorted(self.words), "names": self.sorted_names, "proper_names": sorted(self.proper_names)}

    @classmethod
    def from_dict(cls, data: dict[str, list[str]]) -> WrittenForms:
        return cls(set(data["words"]), frozenset(data["names"]), frozenset(data["proper_names"]))

    def is_name(self, word: str) -> bool:
        """Whether the digests write this word as a name ("Mistral", "GPT-4.5"), not only as a common word."""
        return word in self.names

    def is_proper_name(self, word: str) -> bool:
        """Whether the digests write this word only as a name ("Lyon", "PyTorch", "HF"), never in lower case."""
        return word in self.proper_names

    def mentions(self, word: str) -> bool:
        """Whether the digests write this word: as is, as a plural or singular, without its hyphens,
        at the start of a longer name ("keras" in "KerasCV", not "cohere" in "cohérence"), or one typo away."""
        if {word, word.removesuffix("s"), word + "s", word.replace("-", "")} & self.words:
            return True
        if len(word) >= MIN_PREFIX_LENGTH:
            at = bisect.bisect_left(self.sorted_names, word)
            if at < len(self.sorted_names) and self.sorted_names[at].startswith(word):
                return True
        return bool(self.typos.neighbours(word))
