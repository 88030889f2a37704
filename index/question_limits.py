"""What a question must be before anything is loaded for it: some words, and not too long.

Kept apart from the service so that the CLI and the bot can refuse an empty or overlong question
at once, before the embedding model is loaded (seconds) or a worker thread is taken."""

from __future__ import annotations

import unicodedata

from .clean import replace_lookalikes
from .errors import QuestionError

EXAMPLES = "“What did Meta release in April?” or « Qu'a annoncé Mistral en mars ? »"


def check_question(question: str | None, max_chars: int) -> str:
    """The question with its spacing normalised, or QuestionError saying what to ask instead."""
    # Invisible format characters (zero-width spaces, right-to-left overrides) carry no words and
    # would be echoed in the answer's title, where an override turns the text around.
    visible = "".join(ch for ch in question or "" if unicodedata.category(ch) != "Cf")
    cleaned = " ".join(replace_lookalikes(visible).split())
    if not any(ch.isalnum() for ch in cleaned):
        raise QuestionError(f"Please ask a question about the AI news digests, e.g. {EXAMPLES}")
    if len(cleaned) > max_chars:
        raise QuestionError(
            f"That question is too long ({len(cleaned)} characters; the limit is {max_chars}): "
            "ask about one thing in a sentence or two."
        )
    return cleaned
