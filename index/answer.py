"""Turn retrieved passages into a short answer with numbered citations.

The answer is extractive: for each cited passage, the sentences that share the most
with the question, marked [n] to point at the n-th source. The bot's own words
follow the question's language; quoted digest text stays in its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from .abstention import is_related, should_abstain
from .chunking import split_sentences
from .dates import fold_question
from .models import Answer, Chunk, Hit, Period
from .names import YEAR_NUMBER
from .periods import asks_for_figure
from .search import SearchResult
from .tokens import tokenize
from .wordlists import alternation, load_words

Tokenizer = Callable[[str], list[str]]

MAX_CITED = 3
SENTENCES_PER_SOURCE = 2
MAX_EXCERPT_CHARS = 420
# A passage is cited in the answer only if it scores close to the best one.
RELATIVE_SCORE_FLOOR = 0.80
# An uncited passage is still listed ("see also") from this share of the best score. Measured on the
# held-out pool (scripts/measure_see_also.py, 762 questions): of the right passages ranked below the cited
# ones, 0.50 keeps 14 of 16 (0.55 keeps 13), while it drops 68% of the wrong ones listed before.
SEE_ALSO_FLOOR = 0.50
MAX_RECAP_ITEMS = 5
RECAP_LEAD_CHARS = 220
# A translated or corrected question word counts this much as the word itself in choosing sentences.
EXPANSION_WEIGHT = 0.5

PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "intro": "Here is what the digests say:",
        "intro_period": "Here is what the digests say about {period}:",
        "nothing": "I couldn't find anything about that in the digests.",
        "not_mentioned": "The digests don't mention {names}.",
        "or": " or ",
        "no_period": "No digest covers {period}; the digests cover {covered}.",
        "not_yet": "The digests don't cover {period} yet: the newest is {newest}.",
        "related": "These passages may be related:",
        "recap": "The main news ({period}):",
    },
    "fr": {
        "intro": "Voici ce que disent les digests :",
        "intro_period": "Voici ce que disent les digests pour {period} :",
        "nothing": "Je n'ai rien trouvé à ce sujet dans les digests.",
        "not_mentioned": "Les digests ne mentionnent pas {names}.",
        "or": " ni ",
        "no_period": "Aucun digest ne couvre {period} ; les digests couvrent {covered}.",
        "not_yet": "Les digests ne couvrent pas encore {period} : le plus récent est celui de {newest}.",
        "related": "Ces passages pourraient être liés :",
        "recap": "Les principales nouvelles ({period}) :",
    },
}

_MONTH_NAMES = {
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "fr": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
}


def month_label(month: str, language: str) -> str:
    """ "2025-04" -> "April 2025" / "avril 2025"."""
    year, number = month.split("-")
    return f"{_MONTH_NAMES.get(language, _MONTH_NAMES['en'])[int(number) - 1]} {year}"


def period_label(period: Period, language: str) -> str:
    if period.start == period.end:
        return month_label(period.start, language)
    return f"{month_label(period.start, language)} – {month_label(period.end, language)}"


def compose_answer(
    question: str,
    result: SearchResult,
    language: str,
    covered: list[str],
    tokenizer: Tokenizer = tokenize,
    chunks: Sequence[Chunk] = (),
) -> Answer:
    """The answer to a question from a search result, or an honest abstention.

    `covered` lists the months the digests cover, to tell the user when a period is missing;
    `tokenizer` is the search index's, so sentences match the question as passages did;
    `chunks`, every indexed passage, give a recap the month's news items.
    """
    phrases = PHRASES.get(language, PHRASES["en"])
    analysis = result.analysis
    period = analysis.period
    if not analysis.period_covered and period:
        if covered and period.start > covered[-1]:
            text = phrases["not_yet"].format(
                period=period_label(period, language), newest=month_label(covered[-1], language)
            )
        else:
            text = phrases["no_period"].format(
                period=period_label(period, language), covered=_covered_label(covered, language)
            )
        return Answer(question, text, abstained=True, sources=[], language=language, period=period)
    if should_abstain(result, language):
        related = result.hits[:3] if result.hits and is_related(result, language) else []
        # Naming what is missing ("Suno") tells the member the bot understood, and that rephrasing won't help.
        names = analysis.unknown_names
        opening = phrases["not_mentioned"].format(names=phrases["or"].join(names)) if names else phrases["nothing"]
        text = opening + (" " + phrases["related"] if related else "")
        return Answer(question, text, abstained=True, sources=related, language=language, period=period)
    if analysis.is_recap and not analysis.asks_outlook and not analysis.end_matter_kinds and chunks:
        months = _recap_months(period, covered)
        items = news_items(chunks, months)
        if items:
            return recap(question, items, language, period or Period(months[0], months[-1]))
    return cite(question, result.hits, language, period, tokenizer, analysis.expansions, list(analysis.terms))


def _covered_label(months: list[str], language: str) -> str:
    if not months:
        return "—"
    if len(months) == 1:
        return month_label(months[0], language)
    return period_label(Period(months[0], months[-1]), language)


def cite(
    question: str,
    hits: list[Hit],
    language: str,
    period: Period | None = None,
    tokenizer: Tokenizer = tokenize,
    expansions: Iterable[str] = (),
    terms: Iterable[str] | None = None,
) -> Answer:
    """An answer citing the best passages; `hits` are the ranked sources, best first.

    `expansions` (the search's translations and typo fixes of the question's words) help
    pick the sentences of a passage in the other language; `terms`, the question's words
    without its period, pick them by topic ("fin avril" is not about the end of March)."""
    phrases = PHRASES.get(language, PHRASES["en"])
    question_tokens = set(tokenizer(question) if terms is None else terms)
    related_tokens = frozenset(expansions) - question_tokens
    best = hits[0].score
    wants_figure = asks_for_figure(question)
    defines = asks_definition(question)
    lines = [phrases["intro_period"].format(period=period_label(period, language)) if period else phrases["intro"]]
    shown = distinct_sections(hits)
    cited: list[Hit] = []
    for hit in shown[:MAX_CITED]:
        if cited and hit.score < best * RELATIVE_SCORE_FLOOR:
            break
        cited.append(hit)
        line = cited_line(hit, question_tokens, language, tokenizer, related_tokens, wants_figure, defines)
        lines.append(f"• {line} [{len(cited)}]")
    see_also = [hit for hit in shown[len(cited) :] if hit.score > 0 and hit.score >= best * SEE_ALSO_FLOOR]
    return Answer(
        question=question,
        text="\n".join(lines),
        abstained=False,
        sources=cited + see_also,
        language=language,
        period=period,
    )


def distinct_sections(hits: list[Hit]) -> list[Hit]:
    """The hits without a second passage of a section already listed: one source per section."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for hit in hits:
        key = (hit.chunk.path, hit.chunk.section_label)
        if key not in seen:
            seen.add(key)
            kept.append(hit)
    return kept


def _recap_months(period: Period | None, covered: list[str]) -> list[str]:
    """The covered months a recap is about: those of its period, else the newest."""
    if period is None:
        return covered[-1:]
    return [month for month in covered if period.contains(month)]


def news_items(chunks: Sequence[Chunk], months: list[str]) -> list[Chunk]:
    """The opening passage of the news items of the months' digests, up to MAX_RECAP_ITEMS: a news item
    is a sub-section (a heading or a bullet's bold lead under a section), so an introduction, a synthesis
    or an outlook, which have none, is no item. Items are taken from each section in turn, so a recap
    spans the month's topics rather than listing the first section's."""
    by_section: dict[tuple[str, str], list[Chunk]] = {}
    seen: set[tuple[str, ...]] = set()
    for chunk in sorted(
        (c for c in chunks if c.month in months and c.position >= 0), key=lambda c: (c.path, c.position)
    ):
        if len(chunk.section) < 2 or (chunk.path, *chunk.section) in seen:
            continue
        seen.add((chunk.path, *chunk.section))
        by_section.setdefault((chunk.path, chunk.section[0]), []).append(chunk)
    # The digest with the most news items first: a month's full digest before a one-topic article.
    per_digest: dict[str, int] = {}
    for (path, _), found in by_section.items():
        per_digest[path] = per_digest.get(path, 0) + len(found)
    sections = sorted(by_section, key=lambda key: -per_digest[key[0]])  # stable: reading order within a digest
    items: list[Chunk] = []
    for rank in range(max((len(found) for found in by_section.values()), default=0)):
        items.extend(by_section[key][rank] for key in sections if rank < len(by_section[key]))
    return items[:MAX_RECAP_ITEMS]


def recap(question: str, items: list[Chunk], language: str, period: Period) -> Answer:
    """The month's main news items, one line each with its citation."""
    phrases = PHRASES.get(language, PHRASES["en"])
    lines = [phrases["recap"].format(period=period_label(period, language))]
    for n, chunk in enumerate(items, start=1):
        title = chunk.section[-1]
        sentences = [s.strip() for s in split_sentences(strip_title(chunk.text, title)) if is_news_sentence(s)]
        lead = shorten(sentences[0], RECAP_LEAD_CHARS) if sentences else ""
        colon = " :" if language == "fr" else ":"
        line = f"• **{title}**{colon} {lead}" if lead else f"• **{title}**"
        lines.append(quoted(line) + f" [{n}]")
    sources = [Hit(chunk, 1.0) for chunk in items]
    return Answer(question, "\n".join(lines), abstained=False, sources=sources, language=language, period=period)


def cited_line(
    hit: Hit,
    question_tokens: set[str],
    language: str,
    tokenizer: Tokenizer = tokenize,
    related_tokens: frozenset[str] = frozenset(),
    wants_figure: bool = False,
    defines: bool = False,
) -> str:
    """ "Title (April 2025): the most relevant sentences"."""
    chunk = hit.chunk
    title = chunk.section[-1] if chunk.section else chunk.digest_title
    body = strip_title(chunk.text, title)
    excerpt = key_sentences(body, question_tokens, tokenizer, related_tokens, wants_figure, defines)
    colon = " :" if language == "fr" else ":"  # French typography puts a space before the colon
    return quoted(f"{title} ({month_label(chunk.month, language)}){colon} {excerpt}")


def quoted(text: str) -> str:
    """Digest text as the answer quotes it: a "[9]" in it would read as a citation marker, and an
    "@everyone" as a ping (mentions are off when sending, but the text should not even look like one)."""
    text = _QUOTED_MARKER.sub(r"(\1)", text)
    return _MASS_MENTION.sub("@\u200b\\1", text)


_QUOTED_MARKER = re.compile(r"\[(\d+)\]")
_MASS_MENTION = re.compile(r"@(everyone|here)\b")


def strip_title(text: str, title: str) -> str:
    """Drop a leading item title ("Meta dévoile LLaMA 4 – Le 5 avril…" -> "Le 5 avril…")."""
    if title and text.startswith(title):
        return re.sub(r"^[\s:–—-]+", "", text[len(title) :]) or text
    return text


def key_sentences(
    text: str,
    question_tokens: set[str],
    tokenizer: Tokenizer = tokenize,
    related_tokens: frozenset[str] = frozenset(),
    wants_figure: bool = False,
    defines: bool = False,
) -> str:
    """The sentences that best cover the question, in reading order, within a size bound.

    Chosen greedily: the sentence sharing the most with the question, then the one adding
    the most question words the first lacks, so "mistral small 3.1 on a single 4090" gets
    the sentence about the 4090 rather than a second one naming Mistral Small 3.1. A question
    asking "how much" gets a sentence giving a figure first, and one asking "who is" or "what is" the
    sentence that says what its subject is ("… est une start-up lyonnaise", "X, the maker of …").
    """
    sentences = [sentence for sentence in split_sentences(text) if is_news_sentence(sentence)] or split_sentences(text)
    if not sentences:
        return shorten(text, MAX_EXCERPT_CHARS)
    sentence_tokens = [set(tokenizer(sentence)) for sentence in sentences]

    def weight(tokens: set[str]) -> float:
        return len(tokens & question_tokens) + EXPANSION_WEIGHT * len(tokens & related_tokens)

    def position_bonus(index: int) -> float:
        lead = 0.5 if index == 0 else 0.0  # news items state the fact first
        analysis = 1.0 if sentences[index].lstrip().lower().startswith(("analyse", "analysis")) else 0.0
        cut = 1.0 if _CUT_WORD.search(sentences[index]) else 0.0  # "pour tenir la char…": the digest lost words
        definition = 1.0 if defines and _DEFINING.search(sentences[index]) else 0.0
        return lead - analysis - cut + definition

    # "how much…" is answered by a figure: a sentence giving one, on the question's topic, comes first.
    figures = [
        i
        for i, sentence in enumerate(sentences)
        if wants_figure and _has_figure(sentence) and weight(sentence_tokens[i]) > 0
    ]
    chosen: list[int] = []
    covered: set[str] = set()
    for _ in range(min(SENTENCES_PER_SOURCE, len(sentences))):
        best = max(
            figures if not chosen and figures else (i for i in range(len(sentences)) if i not in chosen),
            key=lambda i: (weight(sentence_tokens[i] - covered) + position_bonus(i), weight(sentence_tokens[i]), -i),
        )
        chosen.append(best)
        covered |= sentence_tokens[best]
    return _within_size(sentences, chosen)


def _within_size(sentences: list[str], chosen: list[int]) -> str:
    """The chosen sentences in reading order; the size bound drops the lesser sentence, not the later one."""
    kept = chosen[:1]
    for index in chosen[1:]:
        if sum(len(sentences[i].strip()) + 1 for i in kept + [index]) - 1 <= MAX_EXCERPT_CHARS:
            kept.append(index)
    if len(sentences[kept[0]].strip()) > MAX_EXCERPT_CHARS:
        return shorten(sentences[kept[0]].strip(), MAX_EXCERPT_CHARS)
    return " ".join(without_cut_word(sentences[i].strip()) for i in sorted(kept))


def without_cut_word(sentence: str) -> str:
    """A sentence the digest itself cut mid-word ("… pour tenir la char…") ends at the clause before
    the cut, so an excerpt never ends inside a word."""
    cut = _CUT_WORD.search(sentence)
    if not cut:
        return sentence
    clause = max(sentence.rfind(mark, 0, cut.start()) for mark in (",", ";", ":", "»", ")", "–"))
    if clause <= 0:
        return sentence
    return sentence[: clause + 1].rstrip(" ,;:–") + " …"


_CUT_WORD = re.compile(r"\w+…")
# "who is Sam Altman?", "qu'est-ce que Le Chat ?", "c'est quoi MCP ?": the asker wants what it is.
_DEFINITION_QUESTION = re.compile(
    r"^\W*(?:who|what)(?:'s| is| are| was| were)\b|^\W*(?:qui|qu'?est[- ]ce qu[ei']|que|quoi) (?:est|sont|etait|c'est)\b|"
    r"^\W*qu'?est[- ]ce qu(?:e\b|')|^\W*c'est (?:qui|quoi)\b|\bc'est (?:qui|quoi)\W*$",
)
# A sentence saying what something is: a copula and a determiner ("est une start-up", "is an open
# model"), or an apposition after a name ("Mistral AI, la start-up française, …").
_DEFINING = re.compile(
    r"\b(?:est|sont|etait|était|is|are|was|were)\s+(?:un|une|le|la|l'|les|a|an|the)\b|^[^,]{2,60}, (?:un|une|le|la|l'|the|a|an)\b",
    re.IGNORECASE,
)


def asks_definition(question: str) -> bool:
    return _DEFINITION_QUESTION.search(fold_question(question).lower()) is not None


_NON_NEWS_LEAD = re.compile(r"^[\W_]*(?:" + alternation(load_words("non_news_leads")) + r")\b", re.IGNORECASE)


def is_news_sentence(sentence: str) -> bool:
    """Whether a sentence can be quoted as news: not a caption in parentheses ("(Extrait des tests internes
    publiés par Mistral AI)."), not a credit, a source or reading list, or navigation ("Source : …",
    "Voir aussi …"), and not a row of link labels ("Op• Mac4…• Blog du Modéra…")."""
    stripped = sentence.strip().rstrip(".")
    if not re.search(r"\w{2,}", stripped):
        return False
    if stripped.startswith("(") and stripped.endswith(")"):
        return False
    if stripped.count("•") >= 2 or stripped.count("…") >= 3:
        return False
    return not _NON_NEWS_LEAD.match(stripped)


# A number standing alone ("109 milliards", "44%", "x2", "5x plus performantes"), not a year nor part
# of a name ("GPT-4o").
_NUMBER = re.compile(r"(?<![\w.-])[x×]?\d+(?:[.,]\d+)*[x×]?(?![\w-])")


def _has_figure(sentence: str) -> bool:
    return any(not YEAR_NUMBER.fullmatch(match.group()) for match in _NUMBER.finditer(sentence))


def shorten(text: str, limit: int) -> str:
    """Cut on a word boundary and add an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit - 1)
    return text[: cut if cut > 0 else limit - 1].rstrip(" ,;:–-") + "…"
