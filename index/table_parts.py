"""What each digest contributes to the corpus-wide tables, kept beside the index between builds.

The names kept unstemmed, the written forms and the BM25 index cover the whole corpus, but
each is made of per-digest pieces that add up: name evidence is counts, written forms are
sets, and a passage's tokens depend on the rest of the corpus only through the names. A build
therefore computes the pieces of new and changed digests only, sums, and tokenizes again just
the passages that use a word whose name status changed. At 1000 digests that turns ~20 s of
tokenizing into well under a second (docs/performance.md, "Adding one digest").

Stored as one `.npz` of integer arrays over a vocabulary, with no pickles. A parts file that is
missing, from another tokenizer version, or unreadable only means a full computation.
"""

from __future__ import annotations

import json
import logging
import zipfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from itertools import chain
from pathlib import Path

import numpy as np

from .lexical import passage_tokens
from .models import Chunk
from .store import DigestEntry
from .tokens import TOKENIZER_VERSION, name_counts, names_from_counts, stem
from .written_forms import WrittenForms, WrittenParts

log = logging.getLogger(__name__)

PARTS_FILE = "table_parts.npz"
PARTS_VERSION = 1
_WORD, _NAME, _LOWER_CASE = 1, 2, 4  # flags of a word in a digest's written parts


@dataclass
class DigestParts:
    """One digest's pieces: name evidence, written forms, and its passages' tokens (in order)."""

    content_hash: str
    seen: Counter[str]
    capitalised: Counter[str]
    written: WrittenParts
    tokens: list[list[str]]

    @classmethod
    def of(cls, content_hash: str, chunks: list[Chunk]) -> DigestParts:
        """Tokens are left empty: they need the corpus's names (`CorpusParts.gather` fills them)."""
        seen, capitalised = name_counts(chunk.text for chunk in chunks)
        written = WrittenParts.of(chunk.text + " " + " ".join(chunk.section) for chunk in chunks)
        return cls(content_hash, seen, capitalised, written, [])


@dataclass
class CorpusParts:
    """Every digest's parts, in manifest order, and the names the tokens were made with."""

    digests: dict[str, DigestParts]
    names: frozenset[str]

    @classmethod
    def gather(
        cls, chunks: list[Chunk], entries: list[DigestEntry], previous: CorpusParts | None = None
    ) -> CorpusParts:
        """The parts of a build, reusing `previous` for digests whose bytes and passage count are unchanged.

        The result is the same as computing everything again (tests/test_table_parts.py)."""
        known = previous.digests if previous else {}
        by_path = _chunks_by_path(chunks, entries)
        digests: dict[str, DigestParts] = {}
        fresh: set[str] = set()
        for entry in entries:
            own = by_path[entry.path]
            reused = known.get(entry.path)
            if reused is not None and reused.content_hash == entry.content_hash and len(reused.tokens) == len(own):
                digests[entry.path] = reused
            else:
                digests[entry.path] = DigestParts.of(entry.content_hash, own)
                fresh.add(entry.path)
        seen: Counter[str] = Counter()
        capitalised: Counter[str] = Counter()
        for parts in digests.values():
            seen.update(parts.seen)
            capitalised.update(parts.capitalised)
        names = names_from_counts(seen, capitalised)
        # A passage's tokens change only where a word it has became or stopped being a name: it then
        # holds that word whole (a name before) or its stem (a name now).
        changed = names ^ previous.names if previous else frozenset()
        affected = changed | {stem(word) for word in changed}
        for path, parts in digests.items():
            if path in fresh:
                parts.tokens = [passage_tokens(chunk, names) for chunk in by_path[path]]
            elif affected:  # a copy: the previous build's parts stay as they were
                digests[path] = replace(
                    parts,
                    tokens=[
                        passage_tokens(chunk, names) if affected.intersection(tokens) else tokens
                        for chunk, tokens in zip(by_path[path], parts.tokens)
                    ],
                )
        return cls(digests, names)

    def tokens(self) -> list[list[str]]:
        """Every passage's tokens, in store order."""
        return [tokens for parts in self.digests.values() for tokens in parts.tokens]

    def written_forms(self) -> WrittenForms:
        return WrittenForms.from_parts(parts.written for parts in self.digests.values())

    def save(self, directory: Path) -> None:
        digests = list(self.digests.values())
        counted = [list(parts.seen) for parts in digests]
        written = [list(parts.written.words | parts.written.names | parts.written.lower_case) for parts in digests]
        passages = [passage for parts in digests for passage in parts.tokens]
        names = sorted(self.names)
        # Every word once, then words to their numbers by C-level loops (millions of tokens at 1000 digests).
        words = chain(chain.from_iterable(counted), chain.from_iterable(written), chain.from_iterable(passages), names)
        vocabulary = {word: number for number, word in enumerate(dict.fromkeys(words))}

        def ids(words: Iterable[str]) -> np.ndarray:
            return np.fromiter(map(vocabulary.__getitem__, words), dtype=np.int32)

        header = {
            "version": PARTS_VERSION,
            "tokenizer": TOKENIZER_VERSION,
            "digests": [[path, parts.content_hash] for path, parts in self.digests.items()],
            "names": ids(names).tolist(),
        }
        with (directory / PARTS_FILE).open("wb") as file:
            np.savez(
                file,
                header=_text_array(json.dumps(header)),
                vocabulary=_text_array("\n".join(vocabulary)),
                counted=ids(chain.from_iterable(counted)),
                seen=_counts(parts.seen[word] for parts, own in zip(digests, counted) for word in own),
                capitalised=_counts(parts.capitalised[word] for parts, own in zip(digests, counted) for word in own),
                counts_per_digest=_counts(len(own) for own in counted),
                written=ids(chain.from_iterable(written)),
                flags=np.fromiter(
                    (_flags(parts.written, word) for parts, own in zip(digests, written) for word in own),
                    dtype=np.uint8,
                ),
                written_per_digest=_counts(len(own) for own in written),
                tokens=ids(chain.from_iterable(passages)),
                tokens_per_chunk=_counts(len(passage) for passage in passages),
                chunks_per_digest=_counts(len(parts.tokens) for parts in digests),
            )

    @classmethod
    def load(cls, directory: Path) -> CorpusParts | None:
        """The parts stored with a build, or None (logged) if they cannot be used."""
        try:
            with np.load(directory / PARTS_FILE, allow_pickle=False) as stored:
                return cls._decode({key: stored[key] for key in stored.files})
        except (OSError, ValueError, KeyError, TypeError, IndexError, EOFError, zipfile.BadZipFile) as error:
            log.info("computing every digest's table parts (%s: %s)", PARTS_FILE, error)
            return None

    @classmethod
    def _decode(cls, arrays: dict[str, np.ndarray]) -> CorpusParts:
        header = json.loads(_text(arrays["header"]))
        if header.get("version") != PARTS_VERSION or header.get("tokenizer") != TOKENIZER_VERSION:
            raise ValueError("written by another version")
        words = np.array(_text(arrays["vocabulary"]).split("\n"), dtype=object)
        counted = _split(words[arrays["counted"]], arrays["counts_per_digest"])
        seen = _split(arrays["seen"], arrays["counts_per_digest"])
        capitalised = _split(arrays["capitalised"], arrays["counts_per_digest"])
        written = _split(words[arrays["written"]], arrays["written_per_digest"])
        flags = _split(arrays["flags"], arrays["written_per_digest"])
        passages = _split(words[arrays["tokens"]], arrays["tokens_per_chunk"])
        per_digest = np.cumsum(np.concatenate([[0], arrays["chunks_per_digest"]]))
        if len(header["digests"]) != len(counted) or per_digest[-1] != len(passages):
            raise ValueError("its arrays do not match its list of digests")
        digests = {}
        for n, (path, content_hash) in enumerate(header["digests"]):
            digest_words, digest_flags = written[n], flags[n]
            digests[path] = DigestParts(
                content_hash,
                Counter(dict(zip(counted[n].tolist(), seen[n].tolist()))),
                Counter(dict(zip(counted[n].tolist(), capitalised[n].tolist()))),
                WrittenParts(
                    frozenset(digest_words[(digest_flags & _WORD) > 0].tolist()),
                    frozenset(digest_words[(digest_flags & _NAME) > 0].tolist()),
                    frozenset(digest_words[(digest_flags & _LOWER_CASE) > 0].tolist()),
                ),
                [passage.tolist() for passage in passages[per_digest[n] : per_digest[n + 1]]],
            )
        return cls(digests, frozenset(words[header["names"]].tolist()))


def _chunks_by_path(chunks: list[Chunk], entries: list[DigestEntry]) -> dict[str, list[Chunk]]:
    """Each digest's passages: the store keeps them in manifest order, `entry.chunks` each."""
    by_path: dict[str, list[Chunk]] = {}
    start = 0
    for entry in entries:
        by_path[entry.path] = chunks[start : start + entry.chunks]
        start += entry.chunks
    return by_path


def _counts(values: Iterable[int]) -> np.ndarray:
    return np.fromiter(values, dtype=np.int32)


def _flags(forms: WrittenParts, word: str) -> int:
    return _WORD * (word in forms.words) + _NAME * (word in forms.names) + _LOWER_CASE * (word in forms.lower_case)


def _split(values: np.ndarray, sizes: np.ndarray) -> list[np.ndarray]:
    if int(sizes.sum()) != len(values):
        raise ValueError("an array's length does not match its sizes")
    return np.split(values, np.cumsum(sizes)[:-1]) if len(sizes) else []


def _text_array(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def _text(array: np.ndarray) -> str:
    return array.tobytes().decode("utf-8")
