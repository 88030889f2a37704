"""Tokens for lexical matching: accents folded, stop words out, stems, model names kept whole.

"GPT‑4.5", "gpt 4.5" and "GPT4.5" all give the token "gpt4.5"; "LLaMA 4" gives "llama4"
(plus "llama"), so a name matches however a member types it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

import Stemmer

from .clean import replace_lookalikes
from .dates import fold, fold_question
from .wordlists import load_words

# Bump when tokenize() changes: a lexical index saved by another version is rebuilt on load.
TOKENIZER_VERSION = 23

_STOP_WORDS = frozenset(fold(word) for word in load_words("stop_words"))

# A word, possibly joined to version numbers by - or . ("gpt-4.5", "o4-mini", "gen-4").
WORD = re.compile(r"[a-z0-9]+(?:[-.][a-z0-9]+)*")
_NAME_THEN_VERSION = re.compile(r"\b([a-z][a-z0-9]*) (\d+(?:\.\d+)*)\b")
_VERSIONED = re.compile(r"[a-z]+\d|\d+[a-z]|\d\.\d")

# "US" and "EU" in capitals are places ("aux US", "illegal in the EU"); lower-cased they are the
# pronoun and the French participle ("il y a eu"), both stop words.
_PLACE_ABBREVIATIONS = re.compile(r"(?<![\w.])(?:(?P<us>U\.?S\.?)|E\.?U\.?)(?![\w.])")

# Set phrases whose words would read as topics: "tout le monde" is everyone, not the world.
_STOP_PHRASES = re.compile(r"\b(?:tout le monde|du coup|n importe (?:quoi|qui|quel|quelle|quels|quelles|comment|ou))\b")

# "TPUs", "GPUs": an acronym's plural, which the stemmer keeps ("-us" as in "status").
_ACRONYM_PLURAL = re.compile(r"\b([A-Z]{2,}\d*)s\b")

_FRENCH = Stemmer.Stemmer("french")
_ENGLISH = Stemmer.Stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """French then English stemming: crude, but the same for questions and passages."""
    return _ENGLISH.stemWord(_FRENCH.stemWord(word))


def tokenize(text: str, names: frozenset[str] = frozenset()) -> list[str]:
    """Lexical tokens of a text (folded, stemmed, without stop words).

    Words in `names` are kept whole: stemming "OpenAI" gives "open" and "Meta" gives "met",
    which would match "open source" and "il met"."""
    text = _PLACE_ABBREVIATIONS.sub(lambda match: "USA" if match.group("us") else "UE", text)
    text = _ACRONYM_PLURAL.sub(r"\1", text)
    folded = fold_question(replace_lookalikes(text)).replace("'", " ")
    folded = _STOP_PHRASES.sub(" ", folded)
    tokens: list[str] = []
    # "llama 4" / "gpt 4.5" -> "llama4" / "gpt4.5": names followed by a version number.
    for name, version in _NAME_THEN_VERSION.findall(folded):
        if name not in _STOP_WORDS and not name.isdigit():
            tokens.append(name + version)
    for word in WORD.findall(folded):
        for part, whole in _word_parts(word):
            tokens.append(part if whole or part in names else stem(part))
    return tokens


@lru_cache(maxsize=1 << 18)
def _word_parts(word: str) -> tuple[tuple[str, bool], ...]:
    """The tokens of one word of folded text, each with whether it is kept whole; the others are
    stemmed unless they are names. Cached: a build tokenizes millions of words from a vocabulary of
    tens of thousands. The names stay out of the key: equal name sets of two builds would be
    compared element by element on every look-up."""
    tokens: list[tuple[str, bool]] = []
    word = word.strip(".-")
    if not word or word in _STOP_WORDS:  # chat spelling with a digit ("b4") included
        return ()
    parts_all = [p for p in re.split(r"[-.]", word) if p]
    if "-" in word and all(p in _STOP_WORDS for p in parts_all):  # "est-il", "y-a-t-il"
        return ()
    if _VERSIONED.search(word) or "-" in word:
        compact = _drop_descriptive_suffix(word).replace("-", "")
        # "résume-moi", "state-of-the-art": words joined by grammar, not a name; their parts match.
        if _VERSIONED.search(word) or not any(p in _STOP_WORDS for p in parts_all):
            tokens.append((compact, True))
        # "gpt3.5-level": the parts are "gpt" and "level", not "gpt3" (a version cut at its dot).
        parts = [p for p in re.split(r"[-.]", _DECIMAL_VERSION.sub(r"\1", word)) if p and not p.isdigit()]
        tokens.extend((p, False) for p in parts if p not in _STOP_WORDS and len(p) > 1 and p != compact)
    elif len(word) > 1 or word.isdigit():
        tokens.append((word, word.isdigit()))
    return tuple(tokens)


# "GPT-3.5-class", "GPT-4-level": the product is GPT-3.5, the suffix only describes it.
_DECIMAL_VERSION = re.compile(r"([a-z]+)\d+\.\d+")
_DESCRIPTIVE_SUFFIXES = frozenset(load_words("descriptive_suffixes"))


def _drop_descriptive_suffix(word: str) -> str:
    head, _, last = word.rpartition("-")
    return head if head and last in _DESCRIPTIVE_SUFFIXES and any(c.isdigit() for c in head) else word


_PLAIN_WORD = re.compile(r"[^\W\d_]{3,}")
_SENTENCE_START = re.compile(r"(^|[.!?:;•–—(«\"\n]\s*)$")
# A word written with a capital this often inside sentences is a name.
NAME_CAPITAL_SHARE = 0.8


def find_names(texts: Iterable[str]) -> frozenset[str]:
    """Words the texts write as proper nouns ("OpenAI", "Meta") whose stem would change them.

    Derived from the digests themselves, so new companies and products are protected
    without a list to maintain.
    """
    return names_from_counts(*name_counts(texts))


def name_counts(texts: Iterable[str]) -> tuple[Counter[str], Counter[str]]:
    """How often each word is seen inside a sentence, and how often with a capital there. Counts
    of several texts add up, so a build sums each digest's instead of reading them all again."""
    capitalised: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    for text in texts:
        text = text.replace("’", " ").replace("'", " ")
        for match in _PLAIN_WORD.finditer(text):
            if _SENTENCE_START.search(text[max(0, match.start() - 3) : match.start()]):
                continue  # a capital after a full stop says nothing
            word = fold(match.group())
            seen[word] += 1
            capitalised[word] += match.group()[0].isupper()
    return seen, capitalised


def names_from_counts(seen: Counter[str], capitalised: Counter[str]) -> frozenset[str]:
    return frozenset(
        word
        for word, count in seen.items()
        if capitalised[word] >= NAME_CAPITAL_SHARE * count and word not in _STOP_WORDS and stem(word) != word
    )


def is_stop_word(word: str) -> bool:
    return fold(word) in _STOP_WORDS
