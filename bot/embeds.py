"""Answers and listings as Discord embeds that always fit Discord's limits.

Limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits):
title 256, description 4096, 25 fields of 1024, footer 2048, 6000 characters in all the
embeds of one message. Text is cut at a sentence or line boundary, never inside a link.
"""

from __future__ import annotations

import re

import discord

from index import Answer, BuildReport, DigestSummary, Headline, Hit, Link, month_label, split_sentences

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_LIMIT = 1024
FIELD_COUNT_LIMIT = 25
MESSAGE_LIMIT = 6000
LINKS_PER_SOURCE = 3
SOURCES_BUDGET = 2600  # leaves the answer at least ~3000 of the 6000 characters
LINK_TEXT_LIMIT = 80
PASSAGE_LIMIT = 2500  # a passage embed's description: two fit in one message
PASSAGE_LINKS_LIMIT = 1500  # its links, so the passage itself keeps at least 1000 characters

ANSWER_COLOUR = discord.Colour.blurple()
ABSTAIN_COLOUR = discord.Colour.light_grey()

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "sources": "Sources",
        "related": "Maybe related",
        "more": "(continued)",
        "footer": "From the community's AI news digests",
        "llm_footer": "From the community's AI news digests · written by an LLM from the sources",
        "passage": "Passage",
        "see_also": "See also: related, not cited in the answer",
    },
    "fr": {
        "sources": "Sources",
        "related": "Peut-être lié",
        "more": "(suite)",
        "footer": "D'après les digests d'actualité IA de la communauté",
        "llm_footer": "D'après les digests d'actualité IA de la communauté · rédigé par un LLM à partir des sources",
        "passage": "Passage",
        "see_also": "Voir aussi : lié, mais pas cité dans la réponse",
    },
}


def labels(language: str) -> dict[str, str]:
    return LABELS.get(language, LABELS["en"])


def shorten(text: str, limit: int) -> str:
    """Text cut to `limit` characters at the last sentence end, else word, with an ellipsis."""
    text = text.strip()
    if len(text) <= limit:
        return text
    kept = ""
    for sentence in _sentences(text):
        candidate = f"{kept} {sentence}".strip()
        if len(candidate) > limit - 2:
            break
        kept = candidate
    if kept:
        return kept + " …"
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "…"


# "…a fact. [2] Next fact": the sentence ends after its citation marker.
_AFTER_MARKER = re.compile(r"[.!?…»)] ?\[\d+\](\s+)(?=[A-ZÀ-ÖØ-Þ0-9«\"“(•])")


def _sentences(text: str) -> list[str]:
    parts: list[str] = []
    for sentence in split_sentences(text):
        start = 0
        for match in _AFTER_MARKER.finditer(sentence):
            parts.append(sentence[start : match.start(1)])
            start = match.end(1)
        parts.append(sentence[start:])
    return [part for part in parts if part]


def _leading_lines(text: str, limit: int) -> list[str]:
    """The first lines of a text that fit in `limit` characters with a final "\n…"."""
    kept: list[str] = []
    for line in text.split("\n"):
        if len("\n".join([*kept, line])) > limit - 2:
            break
        kept.append(line)
    return kept


def shorten_markdown(text: str, limit: int) -> str:
    """Like `shorten`, for text holding masked links: whole lines are dropped, links stay whole."""
    if len(text) <= limit:
        return text
    kept = _leading_lines(text, limit)
    if not kept:  # one long line: cut it outside any link
        return shorten(_LINK.sub(r"\1", text), limit)
    return "\n".join(kept) + "\n…"


_LINK = re.compile(r"\[([^\]]*)\]\(<?[^)\s>]+>?\)")


def masked_link(link: Link) -> str:
    """`[text](<url>)`: brackets in the text would break the link; <> stops the preview."""
    text = re.sub(r"[\[\]()]", "", link.text).strip() or link.url.split("/")[2]
    return f"[{shorten(text, LINK_TEXT_LIMIT)}](<{link.url}>)"


def source_line(number: int, hit: Hit, language: str, max_links: int = LINKS_PER_SOURCE) -> str:
    """`[n] **Digest** · April 2025 · Section` then up to three article links."""
    chunk = hit.chunk
    head = f"**[{number}]** {discord.utils.escape_markdown(chunk.digest_title)} · {month_label(chunk.month, language)}"
    if chunk.section:
        head += f" · {discord.utils.escape_markdown(chunk.section[-1])}"
    head = shorten(head, 200)
    links = [masked_link(link) for link in chunk.links[:max_links] if len(link.url) < 400]
    return "\n".join([head, *(f"↳ {link}" for link in links)])


def pack_fields(lines: list[str], name: str, more: str) -> list[tuple[str, str]]:
    """Lines grouped into fields of at most 1024 characters, never splitting a line."""
    fields: list[tuple[str, str]] = []
    current = ""
    for line in lines:
        line = shorten_markdown(line, FIELD_LIMIT)
        if current and len(current) + 1 + len(line) > FIELD_LIMIT:
            fields.append((name if not fields else f"{name} {more}", current))
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        fields.append((name if not fields else f"{name} {more}", current))
    return fields[:FIELD_COUNT_LIMIT]


def answer_embed(answer: Answer) -> discord.Embed:
    """The answer with its [n] markers, then the sources it cites; related sources it does not cite
    ("see also") wait behind the "Show passages" button."""
    words = labels(answer.language)
    embed = discord.Embed(
        title=shorten(discord.utils.escape_markdown(answer.question), TITLE_LIMIT),
        colour=ABSTAIN_COLOUR if answer.abstained else ANSWER_COLOUR,
    )
    footer = words["llm_footer"] if answer.mode == "llm" else words["footer"]
    embed.set_footer(text=footer)
    name = words["related"] if answer.abstained else words["sources"]
    hidden = set() if answer.abstained else set(answer.see_also)
    listed = [(n, hit) for n, hit in enumerate(answer.sources, start=1) if n not in hidden]
    # Every cited source stays (the answer's [n] point at them); if they take too much
    # room, the lowest-ranked sources give up their links first.
    links = [LINKS_PER_SOURCE] * len(listed)
    while True:
        lines = [source_line(n, hit, answer.language, links[i]) for i, (n, hit) in enumerate(listed)]
        fields = pack_fields(lines, name, words["more"])
        if sum(len(n) + len(v) for n, v in fields) <= SOURCES_BUDGET or not any(links):
            break
        last = max(i for i, count in enumerate(links) if count)
        links[last] -= 1
    room = MESSAGE_LIMIT - len(embed.title or "") - len(footer)
    while fields and sum(len(n) + len(v) for n, v in fields) > room - 1000:  # pathological titles only
        fields.pop()
    for field_name, value in fields:
        embed.add_field(name=field_name, value=value, inline=False)
    room -= sum(len(n) + len(v) for n, v in fields)
    embed.description = shorten_answer(answer.text, min(DESCRIPTION_LIMIT, room))
    return embed


def shorten_answer(text: str, limit: int) -> str:
    """The answer cut between its bullet lines (each ends with its [n] marker), else by sentence."""
    if len(text) <= limit:
        return text
    kept = _leading_lines(text, limit)
    if len(kept) > 1:
        return "\n".join(kept) + "\n…"
    return shorten(text, limit)


def passage_embeds(answer: Answer) -> list[list[discord.Embed]]:
    """The full cited passages, one embed each, grouped into messages that fit 6000 characters."""
    words = labels(answer.language)
    embeds: list[discord.Embed] = []
    see_also = set() if answer.abstained else set(answer.see_also)
    for n, hit in enumerate(answer.sources, start=1):
        chunk = hit.chunk
        digest_title = discord.utils.escape_markdown(chunk.digest_title)
        title = shorten(f"[{n}] {digest_title} · {month_label(chunk.month, answer.language)}", TITLE_LIMIT)
        embed = discord.Embed(title=title, colour=ABSTAIN_COLOUR if n in see_also else ANSWER_COLOUR)
        if n in see_also:
            embed.set_footer(text=words["see_also"])
        body = chunk.text
        link_lines: list[str] = []
        for link in chunk.links[:8]:
            line = f"↳ {masked_link(link)}"
            if len(link.url) >= 400 or len("\n".join([*link_lines, line])) > PASSAGE_LINKS_LIMIT:
                continue
            link_lines.append(line)
        links = "\n".join(link_lines)
        if chunk.section_label:
            embed.set_author(name=shorten(chunk.section_label, TITLE_LIMIT))
        room = PASSAGE_LIMIT - len(links)  # several passages share a message's 6000 characters
        embed.description = shorten(body, room) + (f"\n\n{links}" if links else "")
        embeds.append(embed)
    return group_for_messages(embeds) if embeds else [[discord.Embed(description=words["related"])]]


def group_for_messages(embeds: list[discord.Embed]) -> list[list[discord.Embed]]:
    """Embeds in messages of at most 10 and 6000 characters in all."""
    messages: list[list[discord.Embed]] = [[]]
    size = 0
    for embed in embeds:
        length = len(embed)
        if messages[-1] and (size + length > MESSAGE_LIMIT or len(messages[-1]) == 10):
            messages.append([])
            size = 0
        messages[-1].append(embed)
        size += length
    return messages


def headlines_embed(digest: DigestSummary, items: list[Headline], language: str) -> discord.Embed:
    """The news items of a digest, one line each (with its links) under its section's name."""
    embed = discord.Embed(
        title=shorten(
            f"{discord.utils.escape_markdown(digest.title)} · {month_label(digest.month, language)}", TITLE_LIMIT
        ),
        colour=ANSWER_COLOUR,
    )
    lines = []
    section = None
    for item in items:
        if item.section != section:
            section = item.section
            if section:
                lines.append(f"__{discord.utils.escape_markdown(shorten(section.split(' › ')[-1], 120))}__")
        line = f"• {discord.utils.escape_markdown(shorten(item.title, 150))}"
        links = [masked_link(link) for link in item.links[:2] if len(link.url) < 300]
        if links:
            line += " · " + " · ".join(links)
        lines.append(line)
    embed.description = shorten_markdown("\n".join(lines), DESCRIPTION_LIMIT) or "—"
    embed.set_footer(text=digest.name)
    return embed


def digest_list_embed(digests: list[DigestSummary]) -> discord.Embed:
    embed = discord.Embed(title=f"Indexed digests ({len(digests)})", colour=ANSWER_COLOUR)
    lines = [
        f"`{d.name}` · {month_label(d.month, 'en')} · {d.language} · {d.chunks} chunks\n  {discord.utils.escape_markdown(shorten(d.title, 120))}"
        for d in digests
    ]
    embed.description = shorten_markdown("\n".join(lines), DESCRIPTION_LIMIT) or "No digest is indexed yet."
    return embed


def build_report_text(report: BuildReport) -> str:
    """The summary a /reindex reply ends with."""
    lines = [
        f"✅ Reindexed in {report.seconds:.1f} s: {report.digests} digests, {report.chunks} chunks "
        f"({report.embedded} embedded, {report.reused} reused)."
    ]
    for label, names in (("Added", report.added), ("Changed", report.changed), ("Removed", report.removed)):
        if names:
            lines.append(f"{label}: " + ", ".join(f"`{_name(n)}`" for n in names))
    if not (report.added or report.changed or report.removed):
        lines.append("No digest changed.")
    for error in report.skipped:
        lines.append(f"⚠️ Skipped `{_name(error.path)}`: {error.reason}")
    return shorten_markdown("\n".join(lines), 2000)


def _name(path: object) -> str:
    return str(path).rsplit("/", 1)[-1]
