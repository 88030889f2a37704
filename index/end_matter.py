"""Questions about what a digest ends with rather than about the news: "where do the links at the end
of the English article point?", "keywords de l'article ?", "les sources du digest d'avril ?".

Members ask this often (9 of the 19 people who wrote the blind sets did). The end matter is kept
apart from the passages at indexing (see `EndMatter`), and shown as a source of its own, labelled
for what it is (an ad's links stay an ad's links), only to a question that asks for it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .dates import MONTHS, fold_question
from .models import Chunk, EndMatter, Hit

# Where the question looks: the end of a text, or its links as such ("c'est pas juste des liens affiliés ?").
_AT_THE_END = re.compile(
    r"\b(?:at the (?:very )?(?:end|bottom)|in the footer|footer|end of (?:the|that|this) (?:article|post|piece|page|digest)|"
    r"a la fin|tout en bas|en bas de|pied de page|fin de l'article|en fin d'article|derniere ligne|last line)\b"
)
_LINKS = re.compile(
    r"\b(?:links?|liens?|urls?|sites?|websites?|sources?|renvoi\w*|pointe\w*|redirig\w*|send\w*|point(?:s|ing)? to)\b"
)
# "c'est pas juste des liens affiliés ?" is about the article's links; "des liens sponsorisés dans le mode
# shopping de ChatGPT ?" is about a product.
_ADS = re.compile(r"\baffili\w*")
_KEYWORDS = re.compile(r"\b(?:keywords?|key words|mots?[- ]cles?|hashtags?)\b")
# "les sources du digest d'avril ?", "which sources does the march digest use?": the list a digest gives
# ("the source article for the mistral news" asks for a passage's links, not this).
_SOURCES_OF_DIGEST = re.compile(
    r"\bsources?\s+(?:du|des|de ce|de cet|of the|of this|of that|used by|utilisees par|citees par|cited by)\s+"
    r"(?:\w+\s+){0,2}(?:digest|newsletter)s?\b|\bwhich sources\b.{0,30}\b(?:digest|newsletter)s?\b"
)
# "à la fin de mars", "at the end of april": the end of a month, not of a text.
_END_OF_PERIOD = re.compile(
    r"^\s*(?:of|de|du|d')\s*(?:the\s+|l')?(?:month|mois|year|annee|week|semaine|"
    + "|".join(sorted(MONTHS, key=len, reverse=True))
    + r")\b"
)

_LABELS = {
    "en": {
        "promotion": "Promotional links (affiliate), after the article",
        "keywords": "Keywords line",
        "sources": "Sources listed by the digest",
    },
    "fr": {
        "promotion": "Liens promotionnels (affiliation), après l'article",
        "keywords": "Ligne de mots-clés",
        "sources": "Sources citées par le digest",
    },
}


def asked_end_matter(question: str) -> set[str]:
    """The kinds of end matter a question asks about (empty for a question about the news)."""
    text = fold_question(question)
    kinds: set[str] = set()
    if _KEYWORDS.search(text):
        kinds.add("keywords")
    links = _LINKS.search(text)
    at_the_end = any(not _END_OF_PERIOD.match(text[match.end() :]) for match in _AT_THE_END.finditer(text))
    if links and (at_the_end or _ADS.search(text)):
        kinds |= {"promotion", "sources"}
    if _SOURCES_OF_DIGEST.search(text):
        kinds.add("sources")
    return kinds


def end_matter_chunk(end_matter: EndMatter, number: int, path: str, title: str, month: str, language: str) -> Chunk:
    """The end matter as a passage of its own digest, its section saying what it is."""
    label = _LABELS.get(language, _LABELS["en"])[end_matter.kind]
    return Chunk(
        id=f"end-{number}-{path}",
        path=path,
        digest_title=title,
        month=month,
        language=language,
        section=[label],
        text=end_matter.text,
        links=list(end_matter.links),
        position=-1,
        block=-1 - number,
    )


def put_first(
    chunks: list[Chunk], hits: list[Hit], words: set[str], tokenize: Callable[[str], list[str]], k: int
) -> list[Hit]:
    """The end matter asked for, before the passages: of the digest the question names by a word of its
    title ("l'article sur les tendances" is "Les dernières tendances en IA"), else of every digest, in the
    order the passages rank them."""
    digest_rank = {hit.chunk.path: rank for rank, hit in reversed(list(enumerate(hits)))}
    titles = {chunk.path: set(tokenize(chunk.digest_title)) for chunk in chunks}
    in_every_title = set.intersection(*titles.values())  # "IA", "2025": they tell no digest apart
    # The title the words name most closely: "the trends post" is "Les dernières tendances en IA" rather
    # than "Veille IA – Mars 2025 : Nouvelles avancées et tendances majeures", which says much else.
    closeness = {
        path: len(distinct & words) / len(distinct)
        for path, title in titles.items()
        if (distinct := title - in_every_title)
    }
    closest = max(closeness.values(), default=0.0)
    named = [chunk for chunk in chunks if closest > 0 and closeness.get(chunk.path) == closest]
    ordered = sorted(named or chunks, key=lambda chunk: digest_rank.get(chunk.path, len(digest_rank)))
    best = hits[0].score if hits else 1.0
    return ([Hit(chunk, best) for chunk in ordered] + hits)[:k]
