"""Plain data passed between the pipeline steps: files -> digests -> chunks -> hits -> answer."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Link:
    """A source article cited by a digest."""

    text: str
    url: str


@dataclass
class Block:
    """One paragraph or news item of a digest, with the headings above it."""

    section: list[str]
    text: str
    anchors: list[tuple[int, Link]] = field(default_factory=list)  # (offset in text, link)

    @property
    def links(self) -> list[Link]:
        return unique_links(link for _, link in self.anchors)


def unique_links(links: Iterable[Link]) -> list[Link]:
    """Links in first-seen order, one per URL."""
    seen: dict[str, Link] = {}
    for link in links:
        seen.setdefault(link.url, link)
    return list(seen.values())


@dataclass
class EndMatter:
    """What a digest carries besides news: an ad's links, a "Keywords:" line, a "Sources:" list.

    Kept out of the passages, where its generic words ("Explore more about AI and innovation")
    would match every question, and shown only to a question about it ("links at the end?").
    """

    kind: str  # "promotion" | "keywords" | "sources"
    text: str
    links: list[Link] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EndMatter:
        return cls(kind=data["kind"], text=data["text"], links=[Link(**link) for link in data.get("links", [])])


@dataclass
class Digest:
    """A parsed, cleaned digest file."""

    path: str  # relative to the data directory's parent, e.g. "data/digests/x.md"
    title: str
    month: str  # "YYYY-MM"
    month_source: str  # front_matter | title | heading | file_name | opening | mtime
    language: str  # "fr" | "en"
    blocks: list[Block]
    content_hash: str
    end_matter: list[EndMatter] = field(default_factory=list)

    @property
    def links(self) -> list[Link]:
        return unique_links(link for block in self.blocks for link in block.links)

    @property
    def sections(self) -> list[str]:
        """Distinct section headings in reading order (top-level and sub-sections)."""
        seen: dict[str, None] = {}
        for block in self.blocks:
            for heading in block.section:
                seen.setdefault(heading, None)
        return list(seen)


@dataclass
class Chunk:
    """The unit of retrieval: one news item or paragraph (or a piece of a long one)."""

    id: str
    path: str
    digest_title: str
    month: str
    language: str
    section: list[str]
    text: str
    links: list[Link]
    position: int  # order within the digest
    block: int  # index of the news item / paragraph it comes from

    @property
    def item_key(self) -> str:
        """Identifies the news item, shared by all the pieces of a split item."""
        return f"{self.path}#{self.block}"

    @property
    def section_label(self) -> str:
        return " › ".join(self.section)

    def embedding_text(self) -> str:
        """Text given to the embedder: the passage with its digest and section as context."""
        context = " | ".join([self.digest_title, *self.section])
        return f"{context}\n{self.text}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chunk:
        links = [Link(**link) for link in data.get("links", [])]
        return cls(**{**data, "links": links})


@dataclass(frozen=True)
class Period:
    """An inclusive range of months, "YYYY-MM" to "YYYY-MM"."""

    start: str
    end: str

    def contains(self, month: str) -> bool:
        return self.start <= month <= self.end

    def to_dict(self) -> dict[str, str]:
        return {"from": self.start, "to": self.end}


@dataclass
class Hit:
    """A retrieved chunk and how well it matched."""

    chunk: Chunk
    score: float


_MARKER = re.compile(r"\[(\d+)\]")


@dataclass
class Answer:
    """What the bot says: text with [n] markers, and the numbered sources behind them."""

    question: str
    text: str
    abstained: bool
    sources: list[Hit]
    language: str
    period: Period | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)
    mode: str = "extractive"  # "llm" when an LLM wrote `text` from the same sources
    # Every passage retrieval ranked, best first, shown or not: what `newsbot eval` measures.
    retrieved: list[Hit] = field(default_factory=list)

    @property
    def cited_numbers(self) -> set[int]:
        """The source numbers the text cites with [n]."""
        return {int(number) for number in _MARKER.findall(self.text)}

    @property
    def see_also(self) -> list[int]:
        """Numbers of the sources shown as related but not cited ("see also")."""
        cited = self.cited_numbers
        return [n for n in range(1, len(self.sources) + 1) if n not in cited]

    def to_json(self) -> dict[str, Any]:
        cited = self.cited_numbers
        return {
            "question": self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "mode": self.mode,
            "language": self.language,
            "period": self.period.to_dict() if self.period else None,
            "sources": [
                {
                    "n": n,
                    "path": hit.chunk.path,
                    "digest": hit.chunk.digest_title,
                    "date": hit.chunk.month,
                    "section": hit.chunk.section_label,
                    "text": hit.chunk.text,
                    "links": [asdict(link) for link in hit.chunk.links],
                    "score": round(hit.score, 4),
                    "cited": n in cited,
                }
                for n, hit in enumerate(self.sources, start=1)
            ],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }
