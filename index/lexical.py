"""The lexical retriever: BM25 (bm25s) over folded, stemmed tokens, plus a bilingual expansion table.

Entity names ("GPT-4.5", "Mistral") carry across languages as they are; common words do
not, so an English "release" also looks for "lancé", "dévoilé", … from `data/bilingual.json`.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path

import bm25s
import numpy as np

from .dates import fold
from .models import Chunk
from .tokens import TOKENIZER_VERSION, find_names, tokenize

LEXICAL_DIR = "lexical"
logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG
# Item titles and headings say what a passage is about: count their words twice.
TITLE_WEIGHT = 2


NAMES_FILE = "names.json"


def passage_tokens(chunk: Chunk, names: frozenset[str] = frozenset()) -> list[str]:
    """Tokens a chunk is indexed under: its section titles (weighted) and its text."""
    return tokenize(" ".join(chunk.section), names) * TITLE_WEIGHT + tokenize(chunk.text, names)


def corpus_names(chunks: list[Chunk]) -> frozenset[str]:
    return find_names(chunk.text for chunk in chunks)


class LexicalIndex:
    """BM25 scores of a question against every chunk, in store order.

    `names` are the words kept unstemmed when indexing, so questions must be tokenized
    with them too (`tokenize(question, index.names)`).
    """

    def __init__(self, retriever: bm25s.BM25, size: int, names: frozenset[str]) -> None:
        self.retriever = retriever
        self.size = size
        self.names = names
        self.vocabulary = set(retriever.vocab_dict)

    @classmethod
    def build(
        cls, chunks: list[Chunk], names: frozenset[str] | None = None, tokens: list[list[str]] | None = None
    ) -> LexicalIndex:
        """`names` and `tokens` (each chunk's `passage_tokens`) when the caller has them already."""
        names = corpus_names(chunks) if names is None else names
        tokens = [passage_tokens(chunk, names) for chunk in chunks] if tokens is None else tokens
        retriever = bm25s.BM25(k1=1.2, b=0.75)
        corpus = [passage or ["∅"] for passage in tokens]
        retriever.index(corpus, show_progress=False)
        return cls(retriever, len(chunks), names)

    def save(self, directory: Path) -> None:
        self.retriever.save(str(directory / LEXICAL_DIR), show_progress=False)
        meta = {"tokenizer": TOKENIZER_VERSION, "names": sorted(self.names)}
        (directory / LEXICAL_DIR / NAMES_FILE).write_text(json.dumps(meta), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path, size: int) -> LexicalIndex:
        """Raises OSError or ValueError for a missing lexical index, or one tokenized by another
        version of `tokenize` (its tokens would no longer match the questions'): rebuild it then."""
        meta = json.loads((directory / LEXICAL_DIR / NAMES_FILE).read_text(encoding="utf-8"))
        if not isinstance(meta, dict) or meta.get("tokenizer") != TOKENIZER_VERSION:
            raise ValueError("it was built by another version of the tokenizer")
        if not isinstance(meta.get("names"), list):
            raise ValueError(f"{NAMES_FILE} has no list of names")
        names = frozenset(meta["names"])
        retriever = bm25s.BM25.load(str(directory / LEXICAL_DIR), show_progress=False)
        documents = retriever.scores.get("num_docs")
        if documents != size:
            raise ValueError(f"it holds {documents} passages for {size} in the index")
        return cls(retriever, size, names)

    def best_of(self, alternatives: Sequence[Sequence[str]]) -> np.ndarray:
        """Sum over groups of the best-scoring token of each: a meaning counts once, however
        many of its translations a passage uses ("lancé", "dévoilé" and "publié" for "release")."""
        total = np.zeros(self.size, dtype=np.float32)
        for group in alternatives:
            known = [token for token in group if token in self.vocabulary]
            if known:
                total += np.max([self.scores([token]) for token in known], axis=0)
        return total

    def scores(self, tokens: list[str]) -> np.ndarray:
        known = [token for token in dict.fromkeys(tokens) if token in self.vocabulary]
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.retriever.get_scores(known), dtype=np.float32)


class Expander:
    """Adds the other-language (and synonym) tokens of a question's terms."""

    def __init__(self, groups: list[list[str]]) -> None:
        # Terms made only of stop words tokenize to nothing and are left out.
        self.groups = [[entry for term in group if (entry := tuple(tokenize(term)))] for group in groups]
        # The groups having an entry with a given token: a question's tokens then reach their few groups
        # instead of testing every group of the table (1-2 ms a question).
        self._groups_with: dict[str, list[int]] = defaultdict(list)
        for number, entries in enumerate(self.groups):
            for token in dict.fromkeys(token for entry in entries for token in entry):
                self._groups_with[token].append(number)
        # Each term as written, to the other terms of its groups ("hf" -> "hugging face", "huggingface").
        self._other_forms: dict[str, list[str]] = defaultdict(list)
        for group in groups:
            written = [fold(term).lower() for term in group]
            for term in written:
                self._other_forms[term].extend(other for other in written if other != term)

    def other_forms(self, word: str) -> list[str]:
        """The table's other terms for a word as written ("hf" -> "hugging face", "huggingface")."""
        return self._other_forms.get(word, [])

    def phrase_tokens(self, tokens: list[str]) -> set[str]:
        """Tokens that belong to a several-word term the table knows ("united states")."""
        return {t for phrase, _ in self.phrases(tokens) for t in phrase}

    def phrases(self, tokens: list[str]) -> list[tuple[set[str], set[str]]]:
        """Several-word terms of the table among the tokens ("traitement du langage"), each with the
        tokens of its group's other terms ("nlp"): a passage having those has the whole phrase."""
        present = set(tokens)
        found = []
        for group in self._groups_of(present):
            for entry in group:
                if len(entry) > 1 and set(entry) <= present:
                    found.append((set(entry), {t for other in group if other != entry for t in other} - set(entry)))
        return found

    def _groups_of(self, present: set[str]) -> list[list[tuple[str, ...]]]:
        """The groups with an entry sharing a token with `present`, in table order: only they can match."""
        numbers = sorted({number for token in present for number in self._groups_with.get(token, ())})
        return [self.groups[number] for number in numbers]

    def expand(self, tokens: list[str]) -> list[str]:
        added: dict[str, None] = {}
        for group in self.expand_groups(tokens):
            added.update(dict.fromkeys(group))
        return list(added)

    def expand_groups(self, tokens: list[str]) -> list[list[str]]:
        """The tokens each matching group adds, one list per group (alternatives of one meaning)."""
        present = set(tokens)
        groups = []
        for group in self._groups_of(present):
            if any(set(entry) <= present for entry in group):
                added = [t for t in dict.fromkeys(token for entry in group for token in entry) if t not in present]
                if added:
                    groups.append(added)
        return groups


@lru_cache(maxsize=1)
def default_expander() -> Expander:
    data = json.loads(resources.files("index").joinpath("data/bilingual.json").read_text("utf-8"))
    return Expander(data["groups"])
