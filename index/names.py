"""Names a question asks about that no digest mentions ("GPT-7", "Suno", "Hume AI"), and whether it is
about the field at all.

A question about a product the digests never name must be refused, however many common words
("model", "music") a passage shares with it. Three places say a word is a name: a capital inside
the sentence, a version joined to a word ("qwen3"), and a company's place in the sentence
(`index.subjects`). What the digests know comes from the corpus tables, never from a list of names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from .corpus import CorpusTables, name_and_version
from .dates import fold
from .lexical import Expander
from .subjects import EXAMPLE_BEFORE, branded_names, compared_pairs, named_subjects
from .tokens import WORD, is_stop_word, tokenize
from .topics import TopicWords
from .wordlists import load_words

# A capitalised word, with the number that may follow it ("Qwen 3", "SB 1047").
_CAPITALISED = re.compile(r"(?<!\w)[A-Z][\w-]*(?:\s\d+(?:\.\d+)*\b)?")
_VERSION_NUMBER = re.compile(r"\d(\.\d{1,2})?|\d{1,2}\.\d{1,2}")
YEAR_NUMBER = re.compile(r"(19|20)\d{2}")
COUNTING_WORDS = frozenset(tokenize(" ".join(load_words("counting_words"))))
_SENTENCE_END_BEFORE = re.compile(r"[.!?]\s*$")
_ABBREVIATION = re.compile(r"(?<![\w-])[A-Z]{2,5}s?(?![\w-])")  # "EU", "UK", "LLMs"
# "10m tokens", "405b", "24gb", "6-month", "3d": a number, then its unit or what it counts, is a
# quantity, not a name (product names start with a letter: "gpt7", "o3", "v7").
_QUANTITY = re.compile(r"\d+(?:[.,]\d+)?[a-z]+")
# A version too short to name anything by itself ("N2", "v7"), and the word before it.
_BARE_VERSION = re.compile(r"[A-Za-z]{1,2}\d+(?:\.\d+)?")


@dataclass(frozen=True)
class Lexicon:
    """What question analysis looks words up in: the digests' words, the translation table, the field's words."""

    corpus: CorpusTables
    expander: Expander
    topics: TopicWords

    def tokenize(self, text: str) -> list[str]:
        return self.corpus.tokenize(text)

    @cached_property
    def place_terms(self) -> frozenset[str]:
        """Places as tokens ("paris", "chine"), to tell a question about a place from one saying where."""
        return frozenset(self.tokenize(" ".join(self.topics.places)))

    def knows(self, token: str) -> bool:
        return self.corpus.knows(token, self.expander)

    def knows_anyhow(self, token: str) -> bool:
        return self.corpus.knows_anyhow(token, self.expander)

    def nickname_of(self, token: str) -> list[str]:
        return self.corpus.nickname_of(token, self.expander)

    def alternatives(self, terms: list[str]) -> list[list[str]]:
        """Other forms of the question's words, one group per meaning: translations and synonyms from
        the table, then each unknown word's typo fixes and cognates (a form already in a group counts once)."""
        groups = self.expander.expand_groups(terms)
        seen = {token for group in groups for token in group}
        for term in terms:
            found = [t for t in self.corpus.cognates([term]) + self.nickname_of(term) if t not in seen]
            if found:
                groups.append(found)
                seen.update(found)
        return groups


def unknown_names(lexicon: Lexicon, question: str, terms: list[str]) -> list[str]:
    """Every name the question asks about that the digests do not mention, as the question writes it."""
    corpus = lexicon.corpus
    versions = [
        t
        for t in dict.fromkeys(terms)
        if not corpus.has(t)
        and looks_like_name(t)
        and not corpus.typos.neighbours(t)
        and not lexicon.nickname_of(t)
        and _is_product_version(lexicon, t, question)
    ]
    return _distinct(
        [_with_name_before(as_written(t, question), question) for t in versions]
        + _unknown_capitalised(lexicon, question, terms)
        + _unknown_subjects(lexicon, question)
    )


def _unknown_capitalised(lexicon: Lexicon, text: str, terms: list[str]) -> list[str]:
    """Words capitalised inside the question ("Amazon's Nova") that no digest mentions."""
    unknown = []
    in_phrases = lexicon.expander.phrase_tokens(terms)  # "United States" as one term
    for match in capitalised_inside(text):
        if len(match.group()) <= 2 and match.group().isupper():  # "our HR team", "PR", not "SB 1047"
            continue
        if EXAMPLE_BEFORE.search(text[: match.start()]):  # "les IDE genre IntelliJ" describes, it does not ask
            continue
        tokens = lexicon.tokenize(match.group())
        if tokens and not any(lexicon.knows(t) or t in in_phrases for t in tokens):
            unknown.append(match.group())
    return unknown


def _unknown_subjects(lexicon: Lexicon, text: str) -> list[str]:
    """Words in a company's or product's place ("did suno drop…") that no digest writes, nor the table
    translates ("fb" is Facebook): a stem is not enough ("Cohere", "cohérence")."""
    written = lexicon.corpus.written
    unknown = [as_written(subject, text) for subject in named_subjects(text) if not _covers_subject(lexicon, subject)]
    for word, name in branded_names(text):  # "Hume AI's voice thing" ("Gen AI" is genAI)
        joined = name.replace(" ", "")
        known = _covers_subject(lexicon, word) or lexicon.topics.mentioned_in(f"{word} {joined}")
        if not (known or lexicon.corpus.typos.neighbours(word)):
            unknown.append(as_written(name, text))
    # Set against a name the digests write, the other side of a comparison is a name too.
    for pair in compared_pairs(text):
        for word, other in (pair, pair[::-1]):
            if written.is_name(other) and not written.mentions(word):
                if not any(map(lexicon.knows, lexicon.tokenize(word))):
                    unknown.append(as_written(word, text))
    return unknown


def _covers_subject(lexicon: Lexicon, subject: str) -> bool:
    if " " in subject:  # "black forest labs": most of its words unknown in any form ("big tech" is not)
        words = subject.split()
        strange = [word for word in words if not any(map(lexicon.knows_anyhow, lexicon.tokenize(word)))]
        return 2 * len(strange) <= len(words)
    tokens = lexicon.tokenize(subject)
    return not tokens or lexicon.corpus.written.mentions(subject) or bool(lexicon.expander.expand(tokens))


def is_about_the_field(lexicon: Lexicon, question: str, terms: list[str], topic_terms: list[str]) -> bool:
    """Whether a question uses a word of AI news, or names something the digests write: as a name
    ("Lyon", "PyTorch", misspelt "pytroch" too), through the table ("hf"), as a compound
    ("scikit-learn"), or as an abbreviation in capitals ("the EU")."""
    topics, written = lexicon.topics, lexicon.corpus.written
    if topics.mentioned_in(question) or _ABBREVIATION.search(question):
        return True
    # A place is the subject only when the question is about nothing else: in "the weather in Paris" it says where.
    only_places = all(term in lexicon.place_terms for term in topic_terms)
    for match in capitalised_inside(question):  # written as a name by the digests, even if also a common word
        words = [w for w in WORD.findall(fold(match.group()).lower()) if len(w) > 1 and not is_stop_word(w)]
        if any(written.is_name(w) and (only_places or not topics.is_place(w)) for w in words):
            return True
    for word in WORD.findall(fold(question).lower()):
        if topics.is_place(word) and not only_places:
            continue
        if _written_as_proper_name(lexicon, word):
            return True
    return any(
        (term in lexicon.corpus.names or lexicon.nickname_of(term)) and (only_places or term not in lexicon.place_terms)
        for term in terms
    )


def _written_as_proper_name(lexicon: Lexicon, word: str) -> bool:
    written = lexicon.corpus.written
    forms = [word, *word.split("-"), *(n for n in written.typos.neighbours(word) if n != word + "s")]
    if not written.mentions(word):  # a nickname ("hf"), not a word the table translates ("banque": "Bank")
        forms += [part for other in lexicon.expander.other_forms(word) for part in WORD.findall(other)]
    if any(len(form) >= 2 and not is_stop_word(form) and written.is_proper_name(form) for form in forms):
        return True
    return "-" in word and word in written.words  # "scikit-learn", "o4-mini": a product, however written


def _is_product_version(lexicon: Lexicon, token: str, question: str) -> bool:
    """Whether a versioned token names a product release ("GPT-7", "qwen3", "grok 4").

    Written as one word it does; written as a word then a number ("single 4090", "sklearn 1.7") only
    if the digests give versions of that word, or if no digest knows the word and the number reads
    as a version ("qwen 3"); a year after an unknown word dates an event they do not cover ("neurips 2024").
    """
    written_as_one_word = any(token in lexicon.tokenize(word) for word in question.split())
    split = name_and_version(token)
    if not split:
        return written_as_one_word
    name, number = split
    reads_as_version = _VERSION_NUMBER.fullmatch(number) is not None or YEAR_NUMBER.fullmatch(number) is not None
    unknown_then_version = (
        reads_as_version and not is_counting_word(name) and not any(map(lexicon.knows, lexicon.tokenize(name)))
    )
    return written_as_one_word or name in lexicon.corpus.versioned_products or unknown_then_version


def capitalised_inside(text: str) -> Iterator[re.Match[str]]:
    """Capitalised words not at a sentence's start, where a capital says nothing."""
    for match in _CAPITALISED.finditer(text):
        if match.start() and not _SENTENCE_END_BEFORE.search(text[: match.start()]):
            yield match


def as_written(token: str, text: str) -> str:
    """The question's own spelling of a folded word or a joined name ("gpt7" -> "GPT-7"), to quote it back."""
    split = name_and_version(token)
    pattern = (
        rf"\b{re.escape(split[0])}[\s-]?{re.escape(split[1])}\b" if split else rf"(?<![\w-]){re.escape(token)}(?![\w-])"
    )
    folded = fold(text)
    match = re.search(pattern, folded)
    # Folding keeps one character per letter here (names are ASCII or accented letters), so offsets match.
    return text[match.start() : match.end()] if match and len(folded) == len(text) else token


def _with_name_before(written: str, text: str) -> str:
    """A bare version with the name it belongs to ("groot n2", not "n2"), to quote it back."""
    if not _BARE_VERSION.fullmatch(written):
        return written
    match = re.search(rf"(?<![\w'’-])([\w-]+)\s+{re.escape(written)}(?![\w-])", text)  # not the "s" of "meta's"
    if match and tokenize(match.group(1)):
        return f"{match.group(1)} {written}"
    return written


def _distinct(names: list[str]) -> list[str]:
    """Each name once, ignoring case; "Qwen" is dropped beside "Qwen 3"."""
    kept: list[str] = []
    for name in sorted(names, key=len, reverse=True):
        if not any(fold(other).startswith(fold(name)) for other in kept):
            kept.append(name)
    return sorted(kept, key=lambda name: names.index(name))


def is_count(token: str) -> bool:
    """A bare number or a counted word ("5", "top5" of "top 5"): says how many, not about what."""
    split = name_and_version(token)
    return token.isdigit() or bool(split and is_counting_word(split[0]) and split[1].isdigit())


def is_counting_word(word: str) -> bool:
    """Whether a word counts things, in any of its forms ("page" of "page2" is stemmed "pag")."""
    return bool(COUNTING_WORDS.intersection(tokenize(word)))


def looks_like_name(token: str) -> bool:
    """A product name with a version ("gpt7", "qwen3"), not a year, a plain number or a quantity."""
    return any(c.isdigit() for c in token) and any(c.isalpha() for c in token) and not _QUANTITY.fullmatch(token)
