"""What the digests contain, word by word: the tables question analysis and scoring look words up in.

Built once with the index and stored beside it (`corpus.json`), so that loading an index reads
them instead of tokenizing every passage again. An index written before this file existed, or by
another tokenizer version, gets them rebuilt in memory from its chunks.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .lexical import Expander, corpus_names, passage_tokens
from .models import Chunk
from .tokens import TOKENIZER_VERSION, tokenize
from .typos import TypoIndex
from .written_forms import WrittenForms

log = logging.getLogger(__name__)

CORPUS_FILE = "corpus.json"
# Unknown question words of at least this length are matched to a corpus word one edit
# away ("pytroch" ~ "pytorch"); shorter ones are too ambiguous.
MIN_TYPO_LENGTH = 6
# Words sharing this long a start are one word in two languages ("ukrainian" ~ "ukrainien").
COGNATE_PREFIX = 5
_PRODUCT_VERSION = re.compile(r"([a-z]+)\d")


def name_and_version(token: str) -> tuple[str, str] | None:
    """A joined token's word and what follows it ("qwen3" -> ("qwen", "3")), or None."""
    match = _PRODUCT_VERSION.match(token)
    return (match.group(1), token[match.end(1) :]) if match else None


@dataclass
class CorpusTables:
    """Per-passage terms, document frequencies, the names kept whole, and the digests' words as written."""

    names: frozenset[str]
    chunk_terms: list[frozenset[str]]
    written: WrittenForms
    document_frequency: Counter[str] = field(init=False)
    typos: TypoIndex = field(init=False)
    versioned_products: frozenset[str] = field(init=False)
    _by_prefix: dict[str, list[str]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.document_frequency = Counter(term for terms in self.chunk_terms for term in terms)
        # Typos of corpus tokens ("pytroch"); not substitutions, which join different stems ("optimus" ~
        # "optimis"), nor other digits ("llama5" is no typo of "llama4").
        self.typos = TypoIndex(self.document_frequency, MIN_TYPO_LENGTH)
        # Products the digests give versions of ("gpt" of "gpt4.5", "llama" of "llama4").
        self.versioned_products = frozenset(
            split[0] for term in self.document_frequency if (split := name_and_version(term))
        )
        self._by_prefix = defaultdict(list)
        for term in self.document_frequency:
            if term.isalpha() and len(term) >= COGNATE_PREFIX:
                self._by_prefix[term[:COGNATE_PREFIX]].append(term)

    @classmethod
    def build(
        cls, chunks: list[Chunk], names: frozenset[str] | None = None, tokens: list[list[str]] | None = None
    ) -> CorpusTables:
        """`names` and `tokens` (each chunk's `passage_tokens`) when the caller has them already."""
        names = corpus_names(chunks) if names is None else names
        tokens = [passage_tokens(chunk, names) for chunk in chunks] if tokens is None else tokens
        written = WrittenForms.from_texts(chunk.text + " " + " ".join(chunk.section) for chunk in chunks)
        return cls(names, [frozenset(passage) for passage in tokens], written)

    def tokenize(self, text: str) -> list[str]:
        """Tokens as the lexical index has them (names kept whole)."""
        return tokenize(text, self.names)

    def has(self, term: str) -> bool:
        return term in self.document_frequency

    def idf(self, term: str) -> float:
        count = self.document_frequency.get(term, 0)
        total = len(self.chunk_terms)
        return math.log(1 + (total - count + 0.5) / (count + 0.5))

    def cognates(self, terms: list[str]) -> list[str]:
        """Corpus words standing for unknown question words: typos one edit away
        ("pytroch" ~ "pytorch"), plurals the stemmer keeps ("tpus") and words sharing a long stem
        ("ukrainian" ~ "ukrainien")."""
        found: list[str] = []
        for term in terms:
            if term in self.document_frequency:
                continue
            found.extend(self.typos.neighbours(term))
            if len(term) >= 4 and term.endswith("s") and term[:-1] in self.document_frequency:  # "gpus"
                found.append(term[:-1])
            if len(term) >= 6 and term.isalpha():
                found.extend(
                    word
                    for word in self._by_prefix.get(term[:COGNATE_PREFIX], ())
                    if _common_prefix(term, word) >= max(6, min(len(term), len(word)) - 2)
                )
        return found

    def nickname_of(self, token: str, expander: Expander) -> list[str]:
        """The digests' names for a versioned nickname ("mj7" -> "midjourney"), through the table."""
        split = name_and_version(token)
        if not split or token in self.document_frequency:
            return []
        return [name for name in expander.expand([split[0]]) if name in self.document_frequency]

    def knows(self, token: str, expander: Expander) -> bool:
        """Known to the digests as is, through the table, or as a cognate."""
        return token in self.document_frequency or bool(expander.expand([token]) or self.cognates([token]))

    def knows_anyhow(self, token: str, expander: Expander) -> bool:
        """Known to the digests in any form, a misspelling included."""
        return self.knows(token, expander) or bool(self.typos.neighbours(token))

    def save(self, directory: Path) -> None:
        data = {
            "tokenizer": TOKENIZER_VERSION,
            "names": sorted(self.names),
            "chunk_terms": [sorted(terms) for terms in self.chunk_terms],
            "written": self.written.to_dict(),
        }
        (directory / CORPUS_FILE).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path, chunks: list[Chunk]) -> CorpusTables:
        """The stored tables, or tables rebuilt from the chunks when they are missing, stale or unreadable."""
        try:
            data = json.loads((directory / CORPUS_FILE).read_text(encoding="utf-8"))
            if not isinstance(data, dict) or data.get("tokenizer") != TOKENIZER_VERSION:
                raise ValueError("written by another tokenizer version")
            terms = [frozenset(terms) for terms in data["chunk_terms"]]
            if len(terms) != len(chunks):
                raise ValueError(f"{len(terms)} passages listed for {len(chunks)} in the index")
            return cls(frozenset(data["names"]), terms, WrittenForms.from_dict(data["written"]))
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.info("rebuilding the corpus tables in memory (%s: %s)", CORPUS_FILE, error)
            return cls.build(chunks)


def _common_prefix(a: str, b: str) -> int:
    size = 0
    for x, y in zip(a, b):
        if x != y:
            break
        size += 1
    return size
