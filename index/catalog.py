"""What the index holds, for people browsing rather than asking: digests and headlines."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath

from .models import Chunk, Link, unique_links
from .store import StoredIndex


@dataclass
class DigestSummary:
    """One indexed digest, as listed by `/digest list`."""

    path: str
    name: str
    title: str
    month: str
    language: str
    chunks: int


@dataclass
class Headline:
    """One news item of a digest: its title, the section it sits in, and its sources."""

    title: str
    section: str
    links: list[Link] = field(default_factory=list)


def digest_summaries(stored: StoredIndex) -> list[DigestSummary]:
    """The indexed digests, newest month first."""
    summaries = [
        DigestSummary(
            entry.path, PurePosixPath(entry.path).name, entry.title, entry.month, entry.language, entry.chunks
        )
        for entry in stored.manifest.digests
    ]
    return sorted(summaries, key=lambda s: (s.month, s.name), reverse=True)


def newest_digests(stored: StoredIndex) -> list[DigestSummary]:
    """The digests of the newest month covered (often one; several when languages differ)."""
    summaries = digest_summaries(stored)
    return [s for s in summaries if s.month == summaries[0].month] if summaries else []


def headlines(stored: StoredIndex, path: str) -> list[Headline]:
    """One line per news item of a digest, in reading order.

    A news item is a sub-section (a heading or a bullet's bold lead under a section);
    a digest without sub-sections lists its sections instead.
    """
    chunks = sorted((c for c in stored.chunks if c.path == path), key=lambda c: c.position)
    depth = 2 if any(len(c.section) >= 2 for c in chunks) else 1
    items: dict[tuple[str, ...], list[Chunk]] = {}
    for chunk in chunks:
        if len(chunk.section) >= depth:
            items.setdefault(tuple(chunk.section[:depth]), []).append(chunk)
    return [
        Headline(
            title=key[-1],
            section=" › ".join(key[:-1]),
            links=unique_links(link for chunk in pieces for link in chunk.links),
        )
        for key, pieces in items.items()
    ]
