"""Words standing where a question puts a company or product: "did X ship", "X's new model", "X a sorti".

Members type names in lower case and at the start of a sentence ("did suno drop a new model?",
"Perplexity a levé combien ?"), where a capital says nothing. Their place in the sentence
still does: a word there that no digest mentions in any form is a subject the digests do not
cover, however many of the other words ("music", "model", "search") a passage shares.

A word in a noun phrase opened by a determiner or an interrogative ("which startup raised",
"la boîte a levé", "the lead actor's face") is a common noun, not a name, and is left out; so is
a name given as an example ("les IDE genre IntelliJ"). Two places take a little more: a name of
two or three words ("did black forest labs drop…") and the sides of a comparison ("poolside vs
mistral"), which the search tells from common words by what the digests know.
"""

from __future__ import annotations

import re

from .dates import fold_question
from .tokens import is_stop_word, tokenize
from .wordlists import alternation, load_words

_NAME = r"(?P<name>[a-z][a-z0-9+.-]*[a-z0-9+]|[a-z])"
# Not a name when one of these comes right before it.
_DETERMINERS = frozenset(load_words("determiners"))
# An adjective before "AI" or "models" describes a kind of AI ("generative", "medical", "conversational",
# "trending"), not its maker: "what about conversational AI?".
_ADJECTIVE = re.compile(r"(?:ive|al|ic|ed|ing|ous|ble|ary|ent|ant|ful|less|ique|if|el|elle|ien|ienne)$")
_KIND_OF = re.compile(r"\s+(?:ai|ia|models?|agents?|tools?|assistants?)\b")
_ENGLISH_NEWS_VERBS = alternation(load_words("english_news_verbs"))
# After a bare noun, only verbs a company does: "ppl showed up", "results dropped" are no companies.
_ENGLISH_NEWS_VERBS_PAST = alternation(load_words("english_news_verbs_past"))
_FRENCH_NEWS_VERBS = alternation(load_words("french_news_verbs"))
_ADVERB = rf"(?:{alternation(load_words('news_adverbs'))}\s+)?"  # "did perplexity ever ship"
# A name given as an example of what is asked about ("la boîte qui fait les IDE genre IntelliJ")
# describes it; it is not the subject.
EXAMPLE_BEFORE = re.compile(
    r"\b(?:genre|comme|like|such as|tels? que|telles? que|e\.g\.|par exemple|for example)\s+$", re.I
)
_SLOTS = [
    re.compile(rf"(?<![\w'-]){_NAME}'s\b"),  # "suno's newest model"
    re.compile(rf"\b(?:did|does|has|have|had|will|would|is|was|can|could)\s+{_NAME}\s+{_ADVERB}{_ENGLISH_NEWS_VERBS}"),
    re.compile(rf"(?<![\w'-]){_NAME}\s+{_ADVERB}{_ENGLISH_NEWS_VERBS_PAST}\b"),  # "elevenlabs released"
    # "elevenlabs vient de sortir…", and spoken French: "giskard ils ont sorti…".
    re.compile(
        rf"(?<![\w'-]){_NAME}\s+(?:(?:ils|elles)\s+)?(?:a|ont|vient de|viennent de|va|vont)\s+{_ADVERB}"
        rf"{_FRENCH_NEWS_VERBS}\b"
    ),
    re.compile(
        rf"\b(?:news|updates?|anything|info|infos|actus?|nouvelles|nouveautes)\s+(?:new\s+)?"
        rf"(?:(?:on|about|from|regarding|sur|de|concernant)\s+|d'){_NAME}(?![\w'-])"
    ),  # "des nouvelles d'owkin"
    re.compile(rf"\bnew\s+(?:with|at|from)\s+{_NAME}(?![\w'-])"),  # "what's new with perplexity?"
    # "suno dropped anything new?": with such an object, "dropped" is a release ("prices dropped a lot" is not).
    re.compile(
        rf"(?<![\w'-]){_NAME}\s+(?:dropped|put out|pushed out)\s+(?:anything|something|(?:a\s+|an\s+|any\s+)?new)\b"
    ),
    # "windsurf got bought by someone?", "X s'est fait racheter": what happens to a company.
    re.compile(
        rf"(?<![\w'-]){_NAME}\s+(?:got|gets|was|has been|have been|is being)\s+{_ADVERB}"
        rf"(?:bought|acquired|sued|funded|valued|hacked|banned)\b"
    ),
    re.compile(rf"(?<![\w'-]){_NAME}\s+(?:s'est|se sont|se serait)\s+fait\s+(?:racheter|acheter|attaquer|pirater)\b"),
    # "la start-up lancée par mira murati", "the lab founded by X": who made it.
    re.compile(
        rf"\b(?:founded|launched|started|created|led|run|lance|lancee|fonde|fondee|cree|creee|dirige|dirigee)s?"
        rf"\s+(?:by|par)\s+{_NAME}(?![\w'-])"
    ),
    re.compile(rf"\b(?:chez|de la part de|what about|how about)\s+{_NAME}(?![\w'-])"),
    # "et helsing, la start-up d'IA pour la défense ?", "nabla, the french startup": a name, then what it is.
    re.compile(
        rf"(?<![\w'-]){_NAME},\s+(?:la|le|l'|une|un|the|a|an|this|that|cette|ce)\s*(?:\w+\s+){{0,2}}"
        rf"(?:start-?ups?|boites?|societes?|entreprises?|compan(?:y|ies)|firms?|labs?|labos?|editeurs?)\b"
    ),
    # "our firm is evaluating harvey… did they announce…", "our teachers use grammarly…, did its AI…",
    # "on utilise photoroom…, ils ont annoncé…": the tool in use is who "they" are.
    re.compile(
        rf"\b(?:use|uses|using|used|evaluate|evaluating|test|testing|tried|trying)\s+{_NAME}\b"
        rf".*\b(?:did|do|have|has|will)\s+(?:(?:they|it)\s+{_ADVERB}{_ENGLISH_NEWS_VERBS}|its\b)"
    ),
    re.compile(
        rf"\b(?:utilise|utilisons|utilisez|utiliser|teste|testons|testez|tester)\s+{_NAME}\b"
        rf".*\b(?:ils|elles)\s+(?:ont|vont|viennent de)\s+{_ADVERB}{_FRENCH_NEWS_VERBS}"
    ),
]


# "did black forest labs drop…": a name of two or three words in the same place. Told from a noun
# phrase ("did big tech release…") by its words, which the digests must mostly not know (see search).
_MULTIWORD_NAME = r"(?P<name>[a-z][a-z0-9+.-]*(?:\s+[a-z][a-z0-9+.-]*){1,2})"
_MULTIWORD_SLOTS = [
    re.compile(rf"\b(?:did|does|has|have|had|will|would)\s+{_MULTIWORD_NAME}\s+{_ADVERB}{_ENGLISH_NEWS_VERBS}\b"),
]


def named_subjects(question: str) -> list[str]:
    """The words in a company's or product's place in the question, folded, in order."""
    text = fold_question(question)
    found: list[str] = []
    for pattern in _SLOTS:
        for match in pattern.finditer(text):
            name = match.group("name")
            before = text[: match.start("name")]
            if _after_determiner(before.split()) or EXAMPLE_BEFORE.search(before):
                continue
            if _ADJECTIVE.search(name) and _KIND_OF.match(text, match.end("name")):  # "what about conversational AI?"
                continue
            if name not in found:
                found.append(name)
    for pattern in _MULTIWORD_SLOTS:
        for match in pattern.finditer(text):
            words = match.group("name").split()
            if any(word in _DETERMINERS or is_stop_word(word) for word in words):
                continue
            if match.group("name") not in found:
                found.append(match.group("name"))
    return found


# "Hume AI's voice", "Sakana AI", "Boston Dynamics": a capitalised word that a company suffix makes a name.
# Written in lower case, "use ai", "recognition ai" are English words the French digests happen not to write.
_BRANDED = re.compile(
    r"(?<![\w'-])(?P<name>[A-Z][\w+.-]*[\w+])\s+(?P<suffix>AI|ai|Labs?|labs?|Robotics|Dynamics)(?![\w-])"
)


def branded_names(question: str) -> list[tuple[str, str]]:
    """The capitalised words a company suffix follows, with the whole name, folded: [("sakana", "sakana ai")]."""
    found = []
    for match in _BRANDED.finditer(question):
        name = fold_question(match.group("name"))
        if is_stop_word(name) or name in _DETERMINERS or _ADJECTIVE.search(name):
            continue
        found.append((name, f"{name} {fold_question(match.group('suffix'))}"))
    return found


# "poolside vs mistral": the words right before and after "vs", and the first word of a short clause
# before it ("luma ai dream machine vs runway": a product's name starts with its maker's).
_COMPARED = re.compile(
    r"(?:^|[,;:.!?(]\s*)?(?P<clause>(?:[a-z][a-z0-9+.-]*\s+){0,3}?)(?P<left>[a-z][a-z0-9+.-]*)\s+(?:vs\.?|versus)\s+"
    r"(?P<right>[a-z][a-z0-9+.-]*)"
)
_CLAUSE_START = re.compile(r"(?:^|[,;:.!?(])\s*$")


def compared_pairs(question: str) -> list[tuple[str, str]]:
    """The words a comparison sets against each other, folded: ("poolside", "mistral")."""
    text = fold_question(question)
    pairs: list[tuple[str, str]] = []
    for match in _COMPARED.finditer(text):
        right = match.group("right")
        lefts = [match.group("left")]
        clause = match.group("clause").split()
        if clause and _CLAUSE_START.search(text[: match.start("clause")]):
            lefts.append(clause[0])
        pairs.extend(
            (left, right)
            for left in lefts
            if not any(is_stop_word(word) or word in _DETERMINERS for word in (left, right))
        )
    return pairs


def _after_determiner(words_before: list[str]) -> bool:
    """Whether the word is in a noun phrase a determiner opens ("the european space agency"): up to
    three words back, stopping at a function word ("news on", "deal with") or a comma ("avec un avatar,
    synthesia a sorti…") that ends the phrase."""
    for word in reversed(words_before[-3:]):
        if word[-1] in ",;:.!?":
            return False
        if word in _DETERMINERS:
            return True
        if not tokenize(word):
            return False
    return False
