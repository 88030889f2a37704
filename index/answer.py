"""Turn retrieved passages into a short answer with numbered citations.

The answer is extractive: for each cited passage, the sentences that share the most
with the question, marked [n] to point at the n-th source. The bot's own words
follow the question's language; quoted digest text stays in its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from .abstention import is_related, should_abstain
from .chunking import split_sentences
from .models import Answer, Hit, Period
from .names import YEAR_NUMBER
from .periods import asks_for_figure
from .search import SearchResult
from .tokens import tokenize

Tokenizer = Callable[[str], list[str]]

MAX_CITED = 3
SENTENCES_PER_SOURCE = 2
MAX_EXCERPT_CHARS = 420
# A passage is cited in the answer only if it scores close to the best one.
RELATIVE_SCORE_FLOOR = 0.80
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
        "related": "These passages may be related:",
    },
    "fr": {
        "intro": "Voici ce que disent les digests :",
        "intro_period": "Voici ce que disent les digests pour {period} :",
        "nothing": "Je n'ai rien trouvé à ce sujet dans les digests.",
        "not_mentioned": "Les digests ne mentionnent pas {names}.",
        "or": " ni ",
        "no_period": "Aucun digest ne couvre {period} ; les digests couvrent {covered}.",
        "related": "Ces passages pourraient être liés :",
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
    question: str, result: SearchResult, language: str, covered: list[str], tokenizer: Tokenizer = tokenize
) -> Answer:
    """The answer to a question from a search result, or an honest abstention.

    `covered` lists the months the digests cover, to tell the user when a period is missing;
    `tokenizer` is the search index's, so sentences match the question as passages did.
    """
    phrases = PHRASES.get(language, PHRASES["en"])
    analysis = result.analysis
    period = analysis.period
    if not analysis.period_covered and period:
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
    lines = [phrases["intro_period"].format(period=period_label(period, language)) if period else phrases["intro"]]
    for n, hit in enumerate(hits[:MAX_CITED], start=1):
        if n > 1 and hit.score < best * RELATIVE_SCORE_FLOOR:
            break
        line = cited_line(hit, question_tokens, language, tokenizer, related_tokens, wants_figure)
        lines.append(f"• {line} [{n}]")
    return Answer(
        question=question, text="\n".join(lines), abstained=False, sources=hits, language=language, period=period
    )


def cited_line(
    hit: Hit,
    question_tokens: set[str],
    language: str,
    tokenizer: Tokenizer = tokenize,
    related_tokens: frozenset[str] = frozenset(),
    wants_figure: bool = False,
) -> str:
    """ "Title (April 2025): the most relevant sentences"."""
    chunk = hit.chunk
    title = chunk.section[-1] if chunk.section else chunk.digest_title
    body = strip_title(chunk.text, title)
    excerpt = key_sentences(body, question_tokens, tokenizer, related_tokens, wants_figure)
    colon = " :" if language == "fr" else ":"  # French typography puts a space before the colon
    return f"{title} ({month_label(chunk.month, language)}){colon} {excerpt}"


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
) -> str:
    """The sentences that best cover the question, in reading order, within a size bound.

    Chosen greedily: the sentence sharing the most with the question, then the one adding
    the most question words the first lacks, so "mistral small 3.1 on a single 4090" gets
    the sentence about the 4090 rather than a second one naming Mistral Small 3.1. A question
    asking "how much" gets a sentence giving a figure first.
    """
    sentences = split_sentences(text)
    if not sentences:
        return text[:MAX_EXCERPT_CHARS]
    sentence_tokens = [set(tokenizer(sentence)) for sentence in sentences]

    def weight(tokens: set[str]) -> float:
        return len(tokens & question_tokens) + EXPANSION_WEIGHT * len(tokens & related_tokens)

    def position_bonus(index: int) -> float:
        lead = 0.5 if index == 0 else 0.0  # news items state the fact first
        analysis = 1.0 if sentences[index].lstrip().lower().startswith(("analyse", "analysis")) else 0.0
        return lead - analysis

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
    return " ".join(sentences[i].strip() for i in sorted(kept))


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
