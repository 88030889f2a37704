"""Digest -> chunks: one news item or paragraph per chunk, long ones split on sentences.

Chunk ids hash the text the embedder sees, so an unchanged passage keeps its id
(and its vector) across rebuilds.
"""

from __future__ import annotations

import hashlib
import re

from .models import Block, Chunk, Digest, Link, unique_links

# MiniLM reads at most 256 word pieces (~700 characters of French); longer chunks
# would be embedded from their first half only.
DEFAULT_MAX_CHARS = 900
_MIN_TAIL_CHARS = 200

_SENTENCE_BREAK = re.compile(r"(?<=[.!?…»)])\s+(?=[A-ZÀ-ÖØ-Þ0-9«\"“(])")


def chunk_digest(digest: Digest, max_chars: int = DEFAULT_MAX_CHARS) -> list[Chunk]:
    """All chunks of a digest, in reading order, with unique content-derived ids."""
    chunks: list[Chunk] = []
    seen: set[str] = set()
    for block_index, block in enumerate(digest.blocks):
        for start, piece in _locate(block.text, split_text(block.text, max_chars)):
            links = unique_links(link for offset, link in block.anchors if start <= offset <= start + len(piece))
            chunk = _make_chunk(digest, block, block_index, piece, links, len(chunks))
            if chunk.id in seen:  # the same sentence twice in one digest adds nothing
                continue
            seen.add(chunk.id)
            chunks.append(chunk)
    return chunks


def split_text(text: str, max_chars: int) -> list[str]:
    """Pack whole sentences into pieces of at most max_chars (a lone long sentence is cut on words)."""
    if len(text) <= max_chars:
        return [text]
    pieces: list[str] = []
    current = ""
    for sentence in _sentences(text, max_chars):
        if current and len(current) + 1 + len(sentence) > max_chars:
            pieces.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}".strip()
    if current:
        # A short tail reads better attached to the piece before it, when it fits.
        if pieces and len(current) < _MIN_TAIL_CHARS and len(pieces[-1]) + 1 + len(current) <= max_chars:
            pieces[-1] = f"{pieces[-1]} {current}"
        else:
            pieces.append(current)
    return pieces


# A full stop after these ends an abbreviation, not a sentence ("depuis nov. 2024", "J. Smith").
_ABBREVIATION = re.compile(
    r"(?:\b(?:janv|f[ée]vr?|avr|juil|sept?|oct|nov|d[ée]c|jan|feb|mar|apr|jun|jul|aug|dec"
    r"|env|cf|vs|ex|approx|resp|fig|vol|no|n°|Dr|Mr|Mrs|Ms|St|Jr|Mme|Mlle)|\b[A-Z])\.$",
    re.IGNORECASE,
)


def split_sentences(text: str) -> list[str]:
    """Sentences of a passage (a light rule: end punctuation, then a capital or a digit)."""
    sentences: list[str] = []
    for piece in (p.strip() for p in _SENTENCE_BREAK.split(text)):
        if not piece:
            continue
        if sentences and _ABBREVIATION.search(sentences[-1]):
            sentences[-1] = f"{sentences[-1]} {piece}"
        else:
            sentences.append(piece)
    return sentences


def _sentences(text: str, max_chars: int) -> list[str]:
    out: list[str] = []
    for sentence in split_sentences(text):
        while len(sentence) > max_chars:
            cut = sentence.rfind(" ", 0, max_chars)
            cut = cut if cut > 0 else max_chars
            out.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        if sentence:
            out.append(sentence)
    return out


def _locate(text: str, pieces: list[str]) -> list[tuple[int, str]]:
    """Start offset of each piece in the text it was split from."""
    located: list[tuple[int, str]] = []
    cursor = 0
    for piece in pieces:
        start = text.find(piece[:60], cursor)
        start = cursor if start < 0 else start
        located.append((start, piece))
        cursor = start + len(piece)
    return located


def _make_chunk(digest: Digest, block: Block, block_index: int, text: str, links: list[Link], position: int) -> Chunk:
    chunk = Chunk(
        id="",
        path=digest.path,
        digest_title=digest.title,
        month=digest.month,
        language=digest.language,
        section=list(block.section),
        text=text,
        links=links,
        position=position,
        block=block_index,
    )
    digest_key = f"{digest.path}\n{digest.month}\n{chunk.embedding_text()}"
    chunk.id = hashlib.sha256(digest_key.encode("utf-8")).hexdigest()[:16]
    return chunk
