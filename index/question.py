"""What a question asks, read once: its language, period, terms and their other forms, the names it asks
about that the digests do not know, and its intent.

Retrieval (`index.search`), the decision to answer (`index.abstention`) and the answer's wording
(`index.answer`) all read this one immutable analysis instead of each parsing the question again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import Enum

from .dates import shift_month
from .digest_language import named_digest_language
from .end_matter import asked_end_matter
from .language import detect_language
from .models import Period
from .names import Lexicon, is_about_the_field, is_count, looks_like_name, unknown_names
from .outlook import outlook_phrase, without_outlook_phrase
from .periods import PeriodQuery, asks_for_figure, parse_period
from .tokens import tokenize
from .wordlists import load_words

# Words that ask for the gist rather than a topic (`data/overview_terms.txt`).
OVERVIEW_TERMS = frozenset(tokenize(" ".join(load_words("overview_terms"))))
_SENTENCE_BREAK = re.compile(r"(?<=[?!.;])\s+")


class Intent(Enum):
    """What kind of answer the question wants."""

    TOPIC = "topic"  # news about something ("what did Meta release?")
    RECAP = "recap"  # the gist of a period, no topic ("tl;dr of March"): the digests' summaries answer


@dataclass(frozen=True)
class QuestionAnalysis:
    """One question, understood. Built by `analyse`; never changed afterwards."""

    text: str
    language: str
    period: Period | None
    period_explicit: bool  # named a month or a year, rather than "latest" / "recently"
    period_covered: bool  # a digest covers (part of) the period, or none was named
    terms: tuple[str, ...]  # lexical tokens of what is asked (date words and chatter left out)
    asked_terms: tuple[str, ...]  # the question proper, after a story told before it ("we tried X… is there…?")
    alternatives: tuple[tuple[str, ...], ...]  # other forms of the terms, one group per meaning
    asked_alternatives: tuple[tuple[str, ...], ...]
    unknown_names: tuple[str, ...]  # names asked about that no digest mentions, as the question writes them
    versioned_terms: tuple[str, ...]  # terms that look like product versions ("gpt4.5", "sd3")
    about_the_field: bool  # AI or tech news at all ("the snooker final tonight" is not)
    intent: Intent
    end_matter_kinds: frozenset[str]  # what a digest ends with that it asks for ("liens à la fin ?"): links, keywords…
    digest_language: str | None  # "en"/"fr" when it names a digest by its language ("the English article")
    asks_figure: bool  # "how much", "combien": the answer should quote a figure
    asks_outlook: bool = False  # "what's next for OpenAI?": the digests' outlooks answer

    @property
    def expansions(self) -> list[str]:
        """Every other form of the terms, once."""
        return list(dict.fromkeys(token for group in self.alternatives for token in group))

    @property
    def is_recap(self) -> bool:
        return self.intent is Intent.RECAP


def analyse(question: str, lexicon: Lexicon, covered_months: list[str]) -> QuestionAnalysis:
    """Read a question against what the digests contain (`lexicon`) and which months they cover."""
    parsed = parse_period(question, covered_months[-1] if covered_months else None, covered_months)
    outlook = outlook_phrase(parsed.remainder) is not None
    if outlook:  # "what's next for OpenAI?" is about OpenAI, in the outlooks: "next" is no topic
        parsed = replace(parsed, remainder=without_outlook_phrase(parsed.remainder))
    terms = question_terms(lexicon, parsed.remainder)
    topic = topic_terms(terms)
    parsed = _reference_year_dropped(parsed, topic, covered_months)
    asked = asked_terms(lexicon, parsed.remainder)
    kinds = frozenset(asked_end_matter(question))
    about = is_about_the_field(lexicon, parsed.remainder, terms, topic)
    return QuestionAnalysis(
        text=question,
        language=detect_language(question),
        period=parsed.period,
        period_explicit=parsed.explicit,
        period_covered=parsed.period is None or any(parsed.period.contains(m) for m in covered_months),
        terms=tuple(terms),
        asked_terms=tuple(asked),
        alternatives=_as_tuples(lexicon.alternatives(terms)),
        asked_alternatives=_as_tuples(lexicon.alternatives(asked)) if asked else (),
        unknown_names=tuple(unknown_names(lexicon, parsed.remainder, terms)),
        versioned_terms=tuple(t for t in dict.fromkeys(terms) if looks_like_name(t)),
        # "something in march that turns one photo into a video?": a month the digests cover is their timeline.
        about_the_field=about or (parsed.explicit and parsed.period is not None),
        intent=Intent.TOPIC if topic else Intent.RECAP,
        end_matter_kinds=kinds,
        digest_language=named_digest_language(question),
        asks_figure=asks_for_figure(question),
        asks_outlook=outlook,
    )


def _reference_year_dropped(parsed: PeriodQuery, topic: list[str], covered_months: list[str]) -> PeriodQuery:
    """ "how much cheaper from 2022 to 2024?": years bounding a figure are no period when a digest of the
    next year may report that figure; "how much did nvidia earn in 2019?" keeps its year (none does)."""
    period = parsed.period
    if not (parsed.measured and topic and period):
        return parsed
    if any(period.end < month <= shift_month(period.end, 12) for month in covered_months):
        return replace(parsed, period=None, explicit=False)
    return parsed


def topic_terms(tokens: list[str]) -> list[str]:
    """The terms that say what the question is about: not recap words, not counts."""
    return [t for t in tokens if t not in OVERVIEW_TERMS and not is_count(t)]


def question_terms(lexicon: Lexicon, question: str) -> list[str]:
    """The question's tokens, less its chatter when the rest asks for a recap: "tldr of March? my
    manager wants it for monday's standup" asks for March's recap; the second sentence says who for,
    in words no digest knows. "qwen 3 ? il paraît qu'il bat llama 4" keeps both sentences."""
    sentences = [lexicon.tokenize(sentence) for sentence in _SENTENCE_BREAK.split(question)]
    if len(sentences) == 1:  # most questions: the one sentence is the question
        return sentences[0]
    asked = [tokens for tokens in sentences if not _is_chatter(lexicon, tokens)]
    if asked and len(asked) < len(sentences) and not any(topic_terms(tokens) for tokens in asked):
        return [token for tokens in asked for token in tokens]
    return lexicon.tokenize(question)


def asked_terms(lexicon: Lexicon, question: str) -> list[str]:
    """The terms of the question, after a story told before it ("marketing person here - we tried…. is
    there a tool…?"); a clarification after it ("… ? genre pour les petites langues") still belongs to it."""
    sentences = [sentence for sentence in _SENTENCE_BREAK.split(question) if sentence.strip()]
    first = next((i for i, sentence in enumerate(sentences) if sentence.rstrip().endswith("?")), 0)
    return [token for sentence in sentences[first:] for token in lexicon.tokenize(sentence)] if first else []


def _is_chatter(lexicon: Lexicon, tokens: list[str]) -> bool:
    words = topic_terms(tokens)
    return bool(words) and not any(map(lexicon.knows_anyhow, words))


def _as_tuples(groups: list[list[str]]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(group) for group in groups)
