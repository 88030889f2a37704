"""Digest files -> `Digest` objects: decoding, front matter, title, month, language, blocks.

A file that cannot be used is reported with a reason and skipped, so one bad upload
never stops the others from being indexed.
"""

from __future__ import annotations

import codecs
import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from . import clean
from .dating import SENTENCE_END, find_month, title_lines
from .errors import DigestError
from .language import detect_language
from .models import Block, Digest, EndMatter, unique_links

log = logging.getLogger(__name__)

DIGEST_SUFFIXES = (".md", ".markdown", ".txt")

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.DOTALL)
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+)$")
_RULE = re.compile(r"^(?:-{3,}|\*{3,}|_{3,})$")
_BULLET = re.compile(r"^(?:[-*+•]|\d{1,2}[.)])\s+")
_BOLD_LEAD = re.compile(r"^\*\*(.+?)\*{1,2}\s*(?:[–—:-]\s*)?")
_DASH_OR_COLON = re.compile(r"[–—:-]")
# Trailers that list keywords or bare source labels rather than news: end matter, not passages,
# whether written plain ("Sources : …") or emphasised ("**Sources :** …", "_References_: …").
_METADATA_LINE = re.compile(
    r"^[*_\s]*(keywords|mots[- ]cl[ée]s|tags|sources|r[ée]f[ée]rences)\s*[*_]*\s*:", re.IGNORECASE
)
_KEYWORDS_LINE = re.compile(r"^[*_\s]*(keywords|mots[- ]cl[ée]s|tags)\b", re.IGNORECASE)
# A heading over a list of sources ("## Sources", "Références", "Further reading"): what follows it, up to
# the next heading of its level, is the digest's source list.
_SOURCES_HEADING = re.compile(
    r"^(sources?|r[ée]f[ée]rences?|bibliograph\w*|further reading|pour aller plus loin|liens utiles|useful links)\s*:?$",
    re.IGNORECASE,
)


@dataclass
class IngestReport:
    """What a scan of the data directory found."""

    digests: list[Digest] = field(default_factory=list)
    skipped: list[DigestError] = field(default_factory=list)


def find_digest_files(digests_dir: Path) -> list[Path]:
    """Digest files under a directory, in a stable order."""
    if not digests_dir.is_dir():
        return []
    return sorted(
        p
        for p in digests_dir.rglob("*")
        if p.is_file() and p.suffix.lower() in DIGEST_SUFFIXES and not p.name.startswith(".")
    )


def ingest_directory(digests_dir: Path, root: Path) -> IngestReport:
    """Read every digest under `digests_dir`; paths are reported relative to `root`."""
    report = IngestReport()
    for path in find_digest_files(digests_dir):
        digest = read_or_skip(path, root, report.skipped)
        if digest is not None:
            report.digests.append(digest)
    return report


def read_or_skip(path: Path, root: Path, skipped: list[DigestError], raw_bytes: bytes | None = None) -> Digest | None:
    """The digest, or None once its reason is logged and added to `skipped`: a broken digest is
    reported once and the others are read on."""
    try:
        return read_digest(path, root, raw_bytes)
    except DigestError as error:
        log.warning("skipping digest %s", error)
        skipped.append(error)
        return None


def read_digest(path: Path, root: Path, raw_bytes: bytes | None = None) -> Digest:
    """Parse one digest file (or its bytes, already read); raises DigestError with a readable reason."""
    rel = relative_path(path, root)
    raw_bytes = path.read_bytes() if raw_bytes is None else raw_bytes
    text = decode(raw_bytes, rel)
    text = clean.fix_characters(text)
    front, body = split_front_matter(text)
    body = clean.repair_truncated_words(body, clean.word_counts(body))
    blocks, headings, end_matter = parse_blocks(body)
    title = clean.clean_heading(_scalar(front.get("title"))) or (headings[0] if headings else "")
    if not title:  # a plain-text digest: its opening lines, when they read as a title, are one
        title, untitled = title_lines(body)
        blocks = parse_blocks(untitled)[0] if title and _has_words(untitled) else blocks
    if not blocks:
        raise DigestError(rel, "no readable text after cleanup")
    title = title or path.stem
    month, source = find_month(front, title, headings, path, body)
    language = detect_language(" ".join(block.text for block in blocks[:40]), default="fr")
    return Digest(
        path=rel,
        title=title,
        month=month,
        month_source=source,
        language=language,
        blocks=blocks,
        content_hash=content_hash(raw_bytes),
        end_matter=end_matter,
    )


# Byte-order marks that say which Unicode encoding a file is in (Windows Notepad saves "Unicode" as UTF-16);
# UTF-32's come first, as UTF-32-LE's begins with UTF-16-LE's. Without one, a file must be UTF-8.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode(data: bytes, name: str) -> str:
    """Bytes -> text, refusing binaries, non-UTF-8 and empty files with a clear reason."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                data = data[len(bom) :].decode(encoding).encode("utf-8")
            except UnicodeError as error:
                raise DigestError(name, f"is not {encoding.upper()} text, as its byte-order mark says") from error
            break
    if b"\x00" in data:
        raise DigestError(name, "looks like a binary file, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DigestError(name, f"is not UTF-8 text (invalid byte at offset {error.start})") from None
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    if controls > max(10, len(text) // 100):
        raise DigestError(name, "looks like a binary file, not text")
    if not text.strip():
        raise DigestError(name, "is empty")
    return text


def split_front_matter(text: str) -> tuple[dict, str]:
    """YAML front matter (if any) and the rest; invalid front matter is ignored, not fatal."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        data = yaml.safe_load(match.group(1))
    # Not only YAMLError: bad typed values raise ValueError ("date: 2025-02-30", "!!int x"), deep
    # nesting RecursionError, and "!!timestamp x" AttributeError. Front matter is optional: none of it is fatal.
    except Exception:
        log.warning("ignoring invalid YAML front matter")
        data = None
    return (data if isinstance(data, dict) else {}), text[match.end() :]


def parse_blocks(body: str) -> tuple[list[Block], list[str], list[EndMatter]]:
    """Split a body into paragraph and news-item blocks under their headings.

    Returns the blocks, every heading met, in order (the first is usually the title), and the
    end matter set apart from the news (ads, "Keywords:" and "Sources:" lines).
    """
    lines = body.splitlines()
    parser = _BlockParser()
    for i, line in enumerate(lines):
        before = lines[i - 1].strip() if i > 0 else ""
        after = lines[i + 1].strip() if i + 1 < len(lines) else ""
        parser.feed(line, before, after)
    parser.flush()
    return parser.blocks, parser.all_headings, parser.end_matter


class _BlockParser:
    """Line-by-line state machine: headings form a stack, paragraphs and bullets become blocks."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.end_matter: list[EndMatter] = []
        self.all_headings: list[str] = []
        self.stack: list[tuple[int, str]] = []
        self.sources_level: int | None = None  # under a "Sources" heading of this level
        self.lines: list[str] = []
        self.item_title: str | None = None
        self.title_seen = False
        # The last block's raw lines and title, to reopen it when a stray blank line split it.
        self.last_raw: list[str] = []
        self.last_title: str | None = None
        self.heading_since_block = False

    def feed(self, line: str, before: str, after: str) -> None:
        stripped = line.strip()
        if not stripped or _RULE.match(stripped):
            self.flush()
            return
        if _METADATA_LINE.match(stripped):
            self.flush()
            self._keep_end_matter("keywords" if _KEYWORDS_LINE.match(stripped) else "sources", stripped)
            return
        heading = _MD_HEADING.match(stripped)
        if heading:
            self.flush()
            self._push_heading(len(heading.group(1)), heading.group(2))
            return
        if _BULLET.match(stripped):
            self.flush()
            item = _BULLET.sub("", stripped, count=1)
            self.item_title = _item_title(item)
            self.lines = [item]
            return
        if not self.lines and _is_plain_heading(stripped, before, after):
            self._push_heading(2 if self.title_seen else 1, stripped)
            return
        if not self.lines and self.last_raw and not self.heading_since_block and _continues_previous(stripped):
            self._reopen_last()
        self.lines.append(stripped)

    def flush(self) -> None:
        if not self.lines:
            return
        raw = " ".join(self.lines)
        self.last_raw, self.last_title = self.lines, self.item_title
        self.lines = []
        title, self.item_title = self.item_title, None
        if clean.is_promotional(raw):
            self.last_raw = []
            self._keep_end_matter("promotion", clean.without_affiliate_params(raw))
            return
        if self.sources_level is not None:
            self.last_raw = []
            self._keep_end_matter("sources", raw)
            return
        text, anchors = clean.clean_passage(raw)
        if not _has_words(text):
            # Nothing kept, so nothing to reopen: reopening would pop the block before it (lost, or popped from none).
            self.last_raw = []
            return
        # The level-1 heading is the digest's title, shown apart from the section.
        section = [heading for level, heading in self.stack if level > 1]
        if title:
            section.append(title)
        self.blocks.append(Block(section=section, text=text, anchors=anchors))
        self.heading_since_block = False

    def _keep_end_matter(self, kind: str, raw: str) -> None:
        text, anchors = clean.clean_passage(raw)
        if _has_words(text):
            self.end_matter.append(EndMatter(kind=kind, text=text, links=unique_links(link for _, link in anchors)))

    def _push_heading(self, level: int, raw: str) -> None:
        text = clean.clean_heading(raw)
        if not text:
            return
        self.all_headings.append(text)
        self.title_seen = True
        self.heading_since_block = True
        self.stack = [(lvl, h) for lvl, h in self.stack if lvl < level] + [(level, text)]
        if self.sources_level is not None and level <= self.sources_level:
            self.sources_level = None
        if _SOURCES_HEADING.match(text.strip()):
            self.sources_level = level

    def _reopen_last(self) -> None:
        """Take the last block back into the current lines, to be cleaned again whole."""
        self.blocks.pop()
        self.lines, self.item_title = list(self.last_raw), self.last_title
        self.last_raw = []


def _scalar(value: object) -> str:
    """A front-matter value as text, when it is one value: a list or mapping is no title (and printing
    one built from nested YAML aliases, "billion laughs", took minutes)."""
    if isinstance(value, (str, int, float, date)) and not isinstance(value, bool):
        return str(value)
    return ""


def _has_words(text: str) -> bool:
    """Whether cleanup left any word (a paragraph of citations only leaves none)."""
    return re.search(r"\w{2,}", text) is not None


def _item_title(item: str) -> str | None:
    """The bold lead of a news item ("**Meta dévoile LLaMA 4** – Le 5 avril…").

    A bold run that the sentence goes on from ("**Stanford AI Index 2025 : … – L'AI Index Report 2025**
    de l'université…") holds the sentence's start after its last dash: the title stops there."""
    lead = _BOLD_LEAD.match(item)
    if not lead:
        return None
    title = lead.group(1)
    runs_on = not _DASH_OR_COLON.match(item[lead.end(1) :].lstrip("*").lstrip())
    if runs_on and " – " in title:
        title = title.rsplit(" – ", 1)[0]
    return clean.clean_heading(title)


def _is_plain_heading(line: str, before: str, after: str) -> bool:
    """A short standalone line with no closing punctuation, as in plain-text digests."""
    return (
        not before
        and not after
        and len(line) <= 100
        and len(line.split()) <= 14
        and line[-1] not in SENTENCE_END
        and not line[0].islower()
        and "](" not in line
    )


def _continues_previous(line: str) -> bool:
    """A paragraph starting in lower case, or with a citation, was split off the one before."""
    return line[0].islower() or line.startswith("([")


def content_hash(raw_bytes: bytes) -> str:
    """What identifies a digest's content: an unchanged hash means its passages need no parsing again."""
    return hashlib.sha256(raw_bytes).hexdigest()


def relative_path(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name
