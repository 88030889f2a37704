"""Text cleanup for digests as the community publishes them.

The digests are pasted from chat tools and blogs: they carry mojibake, non-breaking
spaces, citation debris (`】`, `L45】`), `([title](url))` clusters, words whose last
letter was eaten by the citation that followed, tracking parameters and affiliate links.
"""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

from .models import Link

# Characters that look like a space or a hyphen but defeat tokenisers and users' searches.
_CHAR_MAP = str.maketrans(
    {
        "\u00a0": " ",  # no-break space
        "\u202f": " ",  # narrow no-break space (French typography)
        "\u2007": " ",
        "\u2009": " ",
        "\u200b": "",  # zero-width space
        "\ufeff": "",
        "\u2011": "-",  # non-breaking hyphen ("GPT‑4.5")
        "\u2010": "-",
    }
)

_TRACKING_PARAMS = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|_hsenc|_hsmi|ref|ref_src|"
    r"ref_url|source|spm|_encoding|cmpid|ncid|sr_share|smid|mkt_tok|yclid)$",
    re.IGNORECASE,
)
# Query parameters that mark a link as paid placement rather than a news source.
_AFFILIATE_PARAMS = re.compile(
    r"^(tag|bta|aff|aff_id|affid|affiliate|affiliate_id|partner|partnerid|primecampaignid|"
    r"linkcode|camp|creative|ascsubtag)$",
    re.IGNORECASE,
)

# Link text holds no "[": with it, every "[" of a line of them would rescan the line (quadratic time).
_LINK = r"\[(?P<text>[^\[\]\n]*)\]\((?P<url>https?://[^\s)]+(?:\([^\s)]*\)[^\s)]*)*)\)?"
# "([title](url)) ([title](url))】" clusters, tolerating a truncated last one.
_ONE_CITATION = r"\(\s*\[[^\[\]\n]*\]\(https?://[^\s)]+(?:\([^\s)]*\)[^\s)]*)*\)?\)?"
_CITATION_CLUSTER = re.compile(
    r"[ \t]*" + _ONE_CITATION + r"(?:[ \t]*" + _ONE_CITATION + r")*(?:(?:L?\d+(?:-L?\d+)?)?】)?"
)
_INLINE_LINK = re.compile(_LINK)
_BARE_URL = re.compile(r"(?<![(\w])https?://[^\s)>\]]+")
_DEBRIS = re.compile(r"【[^】\n]{0,40}】|(?<=[\s.)])L?\d+(?:-L?\d+)?】|】")
# From a word's start only: tried inside a word too, a long word would cost its length squared.
_WORD_BEFORE_CITATION = re.compile(r"(?<!\w)(\w+)(?=[ \t]*\(\s*\[[^\[\]\n]*\]\(https?://)")
_WORD = re.compile(r"\w+")


def fix_characters(text: str) -> str:
    """Undo mojibake and replace look-alike spaces and hyphens."""
    import ftfy  # here, not at the top: the question checks use this module and must start fast

    # Look-alike spaces first: ftfy leaves a line's mojibake alone when it also holds a U+00A0.
    text = ftfy.fix_text(replace_lookalikes(text), uncurl_quotes=False, fix_line_breaks=True)
    return replace_lookalikes(text)


def replace_lookalikes(text: str) -> str:
    """Plain spaces and hyphens for their typographic look-alikes (cheap; used on questions too)."""
    return text.translate(_CHAR_MAP)


def _split_url(url: str) -> SplitResult | None:
    """`urlsplit`, or None for a URL it refuses ("https://[x" raises ValueError): such a link is kept as written."""
    try:
        return urlsplit(url)
    except ValueError:
        return None


def clean_url(url: str) -> str:
    """Drop tracking parameters and `#:~:text=` fragments so links are short and comparable."""
    parts = _split_url(url.strip())
    if parts is None:
        return url.strip()
    fragment = "" if parts.fragment.startswith(":~:") else parts.fragment
    return _without_params(parts._replace(fragment=fragment), _TRACKING_PARAMS)


def without_affiliate_params(text: str) -> str:
    """Every URL in `text` without its affiliate parameters: an ad's links are shown for what they
    are (where they point), without the tag that pays whoever posted them."""

    def clean(match: re.Match[str]) -> str:
        parts = _split_url(match.group())
        return match.group() if parts is None else _without_params(parts, _AFFILIATE_PARAMS)

    return re.sub(r"https?://[^\s)\]>]+", clean, text)


def _without_params(parts: SplitResult, names: re.Pattern[str]) -> str:
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not names.match(k)]
    return urlunsplit(parts._replace(query=urlencode(query, safe=":/@")))


def is_affiliate(url: str) -> bool:
    """True for paid-placement links (Amazon `tag=`, Fiverr `bta=`, ...)."""
    parts = _split_url(url)
    if parts is None:
        return False
    params = parse_qsl(parts.query, keep_blank_values=True)
    return any(_AFFILIATE_PARAMS.match(key) for key, _ in params)


def word_counts(text: str) -> Counter[str]:
    """Vocabulary of a text, leaving out the words a citation may have truncated."""
    suspects = {m.start() for m in _WORD_BEFORE_CITATION.finditer(text)}
    return Counter(m.group().lower() for m in _WORD.finditer(text) if m.start() not in suspects)


def repair_truncated_words(text: str, vocabulary: Counter[str]) -> str:
    """Restore the last letters a pasted citation ate ("févrie ([…](…))" -> "février").

    Only a word unknown to the vocabulary is touched, and only when a known word
    extends it by one or two letters; the most frequent such word wins. A word cut
    shorter than that ("l'innova" of "innovation") is not guessed at: it gets an
    ellipsis, so a quoted sentence shows that it was cut rather than misspelt.
    """

    def repair(match: re.Match[str]) -> str:
        word = match.group(1)
        lower = word.lower()
        if vocabulary.get(lower) or len(lower) < 3 or lower.isdigit():
            return word
        extensions = [
            (count, known) for known, count in vocabulary.items() if known.startswith(lower) and known != lower
        ]
        close = [(count, known) for count, known in extensions if len(known) - len(lower) <= 2]
        if close:
            best = max(close)[1]
            return word + best[len(lower) :]
        return word + "…" if extensions else word

    return _WORD_BEFORE_CITATION.sub(repair, text)


# Private-use characters mark where each link was cited, so that a passage split
# later still knows which links belong to which piece. They never leave this module:
# any the text itself holds (planes 15 and 16) are removed first, or they would read as marks.
_MARK_BASE = 0xF0000
_MARK = re.compile("[\U000f0000-\U0010ffff]")
_MAX_MARKS = 0x110000 - _MARK_BASE  # links past this many in one passage keep their text, lose their mark


def extract_links(text: str) -> tuple[str, list[Link]]:
    """Remove citation clusters and debris, keep inline link text; return marked text and links.

    Each link's position is marked in the text by a private-use character (see `unmark`).
    """
    links: list[Link] = []

    def collect(match: re.Match[str]) -> str:
        url = clean_url(match.group("url"))
        if is_affiliate(url) or len(links) >= _MAX_MARKS:
            return ""
        links.append(Link(text=_squash(match.group("text")) or url, url=url))
        return chr(_MARK_BASE + len(links) - 1)

    def drop_cluster(match: re.Match[str]) -> str:
        return "".join(collect(inner) for inner in _INLINE_LINK.finditer(match.group()))

    def keep_text(match: re.Match[str]) -> str:
        return match.group("text") + collect(match)

    def bare(match: re.Match[str]) -> str:
        url = clean_url(match.group().rstrip(".,;:"))
        if is_affiliate(url) or len(links) >= _MAX_MARKS:
            return match.group()
        links.append(Link(text=url, url=url))
        return match.group() + chr(_MARK_BASE + len(links) - 1)

    text = _MARK.sub("", text)
    text = _CITATION_CLUSTER.sub(drop_cluster, text)
    text = _INLINE_LINK.sub(keep_text, text)
    text = _BARE_URL.sub(bare, text)
    text = _DEBRIS.sub("", text)
    return text, links


def unmark(text: str, links: list[Link]) -> tuple[str, list[tuple[int, Link]]]:
    """Strip link marks; return the plain text and (offset, link) anchors into it."""
    anchors: list[tuple[int, Link]] = []
    plain: list[str] = []
    for char in text:
        code = ord(char)
        if code >= _MARK_BASE:
            anchors.append((len(plain), links[code - _MARK_BASE]))
        else:
            plain.append(char)
    return "".join(plain), anchors


def strip_emphasis(text: str) -> str:
    """Remove Markdown bold/italic markers (often unbalanced in the digests)."""
    text = text.replace("**", "").replace("__", "")
    return re.sub(r"(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])", "", text)


def tidy_whitespace(text: str) -> str:
    """Collapse runs of spaces and fix spaces left before punctuation by removed citations."""
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r" +((?:[\U000F0000-\U000FFFFD])*[.,)])", r"\1", text)
    text = re.sub(r" +([\U000F0000-\U000FFFFD]+)", r"\1", text)
    text = re.sub(r"\( +", "(", text)
    text = re.sub(r"\(\s*\)", "", text)
    text = re.sub(r"…((?:[\U000F0000-\U000FFFFD])*)\.(?!\.)", r"…\1", text)  # "l’innova…." of a cut word
    return text.strip()


def clean_passage(text: str) -> tuple[str, list[tuple[int, Link]]]:
    """Full cleanup of one passage: links out, debris and emphasis removed, spaces tidied.

    Returns the clean text and, for every citation, the offset in it where it was cited.
    """
    marked, links = extract_links(text)
    return unmark(tidy_whitespace(strip_emphasis(marked)), links)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def is_promotional(raw: str) -> bool:
    """A paragraph whose only links are affiliate links is an ad, not news."""
    urls = [m.group("url") for m in _INLINE_LINK.finditer(raw)] + _BARE_URL.findall(raw)
    return bool(urls) and all(is_affiliate(url) for url in urls)


def clean_heading(raw: str) -> str:
    """Heading text without Markdown marks, numbering emoji or trailing colons."""
    text = strip_emphasis(re.sub(r"^#{1,6}\s*", "", raw.strip()))
    text = re.sub(r"^[^\w«\"'(]+", "", text)  # leading bullets and emoji such as "🔹"
    return tidy_whitespace(text).rstrip(" :")
