"""Whether a question is about AI or tech news at all, whatever words it shares with a passage.

"where can I stream the world snooker championship final?" shares "stream", "world" and "final"
with an item on real-time streaming, and "quelle banque en ligne a le moins de frais ?" shares
"banque" with one on AI in finance: word overlap alone would answer both. A question for this
bot names something the digests write (a company, a product, a place), a product version, or
uses a word of the field (`data/topics.json`); one that does none of these is not for the bot.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources

from .dates import fold

_WORD = re.compile(r"[a-z0-9]+(?:\.[a-z0-9]+)*")


class TopicWords:
    """The field's words, as written (folded, not stemmed: a stem would join "data" and "date")."""

    def __init__(self, words: list[str], places: Sequence[str] = ()) -> None:
        folded = [" ".join(_WORD.findall(fold(word).lower())) for word in words]
        self.words = frozenset(word for word in folded if " " not in word)
        self.phrases = [phrase for phrase in folded if " " in phrase]
        # Where, not what: "the weather in Paris" names no subject, though the digests write "Paris".
        self.places = frozenset(fold(place).lower() for place in places)

    def is_place(self, word: str) -> bool:
        """Whether a folded word is a city, a country or a region ("paris", "chine", "royaume-uni")."""
        return word in self.places

    def mentioned_in(self, question: str) -> list[str]:
        """The field's words in a question ("AI-designed" has "ai"; "open source" is one phrase)."""
        words = _WORD.findall(fold(question).lower())
        text = " ".join(words)
        return [word for word in words if word in self.words] + [
            phrase for phrase in self.phrases if re.search(rf"\b{re.escape(phrase)}\b", text)
        ]


@lru_cache(maxsize=1)
def default_topic_words() -> TopicWords:
    data = json.loads(resources.files("index").joinpath("data/topics.json").read_text("utf-8"))
    return TopicWords(data["words"], data.get("places", []))
