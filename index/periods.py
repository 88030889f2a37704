"""Which months a question is about: "in April", "en mars 2025", "last month", "latest".

Relative expressions are anchored on the newest digest's month, not on today's date:
the digests are the bot's "now".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .dates import MONTHS, fold_question, month_key, shift_month
from .models import Period

# An abbreviation ("dec", "avr.", "sept") is read as a month only before its year: alone it is
# too often another word ("sept" is seven in French, "mar" a verb).
_ABBREVIATIONS = sorted((a for a in MONTHS if any(b != a and b.startswith(a) for b in MONTHS)), key=len, reverse=True)
_MONTH_NAMES = sorted((name for name in MONTHS if name not in _ABBREVIATIONS), key=len, reverse=True)
# "may" is too common an English word to read as a month unless a year or "in" is next to it.
_MONTH = (
    r"(?P<month>" + "|".join(n for n in _MONTH_NAMES if n != "may") + r"|(?<=in )may|may(?= \d{4})|"
    r"(?:" + "|".join(_ABBREVIATIONS) + r")(?=\.?\s+(?:19|20)\d{2}\b))"
)
# "early April", "fin avril", "mi-mars": the part of the month goes with it, not into the topic words.
_PART_OF_MONTH = (
    r"(?:(?:(?:the\s+)?(?:early|late|mid|end\s+of|beginning\s+of|start\s+of|middle\s+of)|"
    r"(?:fin|debut|mi|milieu|courant)(?:\s+d[e'])?)[\s-]*)?"
)
_MONTH_YEAR = re.compile(r"\b" + _PART_OF_MONTH + _MONTH + r"\.?(?:\s+(?:de\s+|of\s+)?(?P<year>(?:19|20)\d{2}))?\b")
# "summer 2024", "l'été 2024": a season needs its year here ("a été publié", "spring symposium").
_SEASON_MONTHS = {
    "spring": (3, 5),
    "printemps": (3, 5),
    "summer": (6, 8),
    "ete": (6, 8),
    "autumn": (9, 11),
    "fall": (9, 11),
    "automne": (9, 11),
    "winter": (12, 2),
    "hiver": (12, 2),
}
_SEASON_YEAR = re.compile(
    r"\b(?P<season>" + "|".join(_SEASON_MONTHS) + r")\s+(?:de\s+|of\s+)?(?P<year>(?:19|20)\d{2})\b"
)
_YEAR = re.compile(
    r"\b(?:in|en|of|de|during|pendant|durant|for|pour)\s+(?P<year>(?:19|20)\d{2})\b|^(?P<alone>(?:19|20)\d{2})$"
)

_PREVIOUS_MONTH = re.compile(
    r"\b(last month|previous month|past month|month before|le mois (dernier|precedent|passe)|"
    r"du mois (dernier|precedent|passe)|au mois dernier)\b"
)
_CURRENT_MONTH = re.compile(
    r"\b(this month|current month|ce mois(-ci| ci)?|du mois en cours|latest|most recent|newest|recent(ly|es?|s)?|"
    r"lately|right now|these days|en ce moment|actuellement|ces temps-ci|"
    r"dernieres?(?= (?:nouvelles|actus?|actualites|annonces|news))|recemment|dernierement|derniers? (mois|digest))\b"
)

# A title in quotes or guillemets ('that "Latest Trends in AI" piece') names a piece, not a time. A single
# quote opens only after a space and closes only before one: "l'article", "what's" are apostrophes.
_QUOTED = re.compile(r'"[^"]{1,80}"|“[^”]{1,80}”|«[^»]{1,80}»|‘[^’]{1,80}’|(?<!\w)\'[^\'\n]{1,80}\'(?!\w)')
# Names the newest month itself, unlike "latest" or "recently" ("the latest on last month's news").
_THIS_MONTH = re.compile(r"\b(this month|current month|ce mois(-ci| ci)?|du mois en cours)\b")


@dataclass(frozen=True)
class PeriodQuery:
    """The period a question names, and the question with the date words taken out."""

    period: Period | None
    remainder: str
    explicit: bool  # named a month or a year, rather than "latest" / "recently"
    measured: bool = False  # a year or two bounding a figure ("from 2022 to 2024"), maybe not when it was reported


# A date right after a comparison is the point of reference, not the period asked about:
# "how much cheaper now compared with end of 2022?", "par rapport à mars".
_COMPARED = re.compile(
    r"\b(compared (with|to)|than|versus|vs|relative to|par rapport (a|au|aux)|compare(e|s|es)? (a|au|avec))"
    r"\b[^,.;?!]{0,16}$"
)


# Two years as the ends of a span ("from 2019 to 2021", "entre 2023 et 2024"): both, and all between.
_YEAR_SPAN = re.compile(
    r"\b(?:from|between|since|de|entre|depuis)\s+(?:[a-z']+\s+){0,3}(?P<first>(?:19|20)\d{2})\s+"
    r"(?:to|and|until|till|a|et|jusqu'a)\s+(?:[a-z']+\s+){0,3}(?P<last>(?:19|20)\d{2})\b"
)


# A span bounding a measure ("how much cheaper from end of 2022 to end of 2024?") is when the measure
# was taken, which a later digest may report: the search reads it as words, not as the period asked.
_MEASURE = re.compile(
    r"(\bhow (much|many|fast)|\bby how|\bcombien\b|\bcb\b|%|\bper ?cent|\bpourcent|\bfois\b|\btimes\b|"
    r"\b(cheaper|faster|bigger|smaller|higher|lower|grew|grown|fell|fallen|rose|risen|dropped|increased|decreased)\b|"
    r"\b(augmente|baisse|diminue|progresse|evolue)s?\b)"
)


def asks_for_figure(question: str) -> bool:
    """Whether a question asks how much, how many or by how much ("combien", "how much cheaper")."""
    return bool(_MEASURE.search(fold_question(question)))


def _asked(matches: list[re.Match[str]], text: str) -> list[re.Match[str]]:
    return [m for m in matches if not _COMPARED.search(text[: m.start()])]


def parse_period(question: str, newest_month: str | None, covered: Sequence[str] = ()) -> PeriodQuery:
    """Find a period in a question; `newest_month` ("YYYY-MM") anchors relative phrases, and with
    `covered` (the months the digests cover) it places a month named without its year."""
    text = fold_question(question)
    explicit = _explicit_period(question, text, newest_month, covered)
    if explicit:
        return explicit
    if newest_month:
        relative = _relative_period(question, text, newest_month)
        if relative:
            return relative
    return PeriodQuery(None, question, explicit=False)


def _explicit_period(question: str, text: str, newest_month: str | None, covered: Sequence[str]) -> PeriodQuery | None:
    """A period named by months, a season, a span of years or a year."""
    months = _asked(list(_MONTH_YEAR.finditer(text)), text)
    if months:
        keys = [_resolve(m.group("month"), m.group("year"), newest_month, covered) for m in months]
        period = Period(min(keys), max(keys))
        return PeriodQuery(period, _remove(question, text, months), explicit=True)
    season = _SEASON_YEAR.search(text)
    if season:
        return PeriodQuery(
            _season_period(season.group("season"), int(season.group("year"))), _remove(question, text, [season]), True
        )
    span = _YEAR_SPAN.search(text)
    if span:
        first, last = sorted(int(span.group(end)) for end in ("first", "last"))
        period = Period(month_key(first, 1), month_key(last, 12))
        if _MEASURE.search(text):  # the years stay among the words: the passage gives them
            return PeriodQuery(period, question, explicit=True, measured=True)
        return PeriodQuery(period, _remove(question, text, [span]), explicit=True)
    year = next(iter(_asked(list(_YEAR.finditer(text)), text)), None)
    if year:
        value = int(year.group("year") or year.group("alone"))
        period = Period(month_key(value, 1), month_key(value, 12))
        if _MEASURE.search(text):  # "how much went into genAI in 2024?": a yearly figure, reported the year after
            return PeriodQuery(period, question, explicit=True, measured=True)
        return PeriodQuery(period, _remove(question, text, [year]), True)
    return None


def _relative_period(question: str, text: str, newest_month: str) -> PeriodQuery | None:
    """ "last month", "this month", "recently": anchored on the newest digest, not on today's date."""
    text = _QUOTED.sub(lambda quote: " " * len(quote.group()), text)  # a title: "Latest Trends in AI"
    previous = _PREVIOUS_MONTH.search(text)
    if previous:
        month = shift_month(newest_month, -1)
        # "last month they said it would ship… did it, this month?": both months.
        this_month = _THIS_MONTH.search(text)
        if this_month:
            spans = sorted([previous, this_month], key=lambda m: m.start())
            return PeriodQuery(Period(month, newest_month), _remove(question, text, spans), explicit=False)
        return PeriodQuery(Period(month, month), _remove(question, text, [previous]), explicit=False)
    current = _CURRENT_MONTH.search(text)
    if current:
        return PeriodQuery(Period(newest_month, newest_month), _remove(question, text, [current]), explicit=False)
    return None


def _season_period(season: str, year: int) -> Period:
    first, last = _SEASON_MONTHS[season]
    if first > last:  # winter 2025: December 2024 to February 2025
        return Period(month_key(year - 1, first), month_key(year, last))
    return Period(month_key(year, first), month_key(year, last))


def _resolve(month_name: str, year: str | None, newest_month: str | None, covered: Sequence[str] = ()) -> str:
    """A month as "YYYY-MM". Named without its year ("in May"), it is the latest May a digest covers;
    with none, the May nearest the newest digest, before or after it: asked in a community that has
    April 2025's digest, "in May" is the coming May 2025, not May 2024, and "in February" is February
    2025. The answer then says the digests do not cover it yet."""
    month = MONTHS[month_name]
    if year:
        return month_key(int(year), month)
    same = [key for key in covered if int(key.split("-")[1]) == month]
    if same:
        return max(same)
    if newest_month:
        newest_year, newest = (int(part) for part in newest_month.split("-"))
        before = month_key(newest_year if month <= newest else newest_year - 1, month)
        after = month_key(newest_year if month > newest else newest_year + 1, month)
        return after if _months_between(newest_month, after) < _months_between(before, newest_month) else before
    return month_key(2025, month)


def _months_between(first: str, last: str) -> int:
    (first_year, first_month), (last_year, last_month) = (map(int, key.split("-")) for key in (first, last))
    return (last_year - first_year) * 12 + last_month - first_month


def _remove(original: str, folded: str, matches: list[re.Match[str]]) -> str:
    """Cut the matched spans out of the original question (folding keeps character offsets)."""
    if len(original) != len(folded):
        return original
    out, cursor = [], 0
    for match in matches:
        out.append(original[cursor : match.start()])
        cursor = match.end()
    out.append(original[cursor:])
    return re.sub(r"\s+", " ", "".join(out)).strip()
