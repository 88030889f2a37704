"""What a question must be before anything is loaded for it: some words, and not too long.

Kept apart from the service so that the CLI and the bot can refuse an empty or overlong question
at once, before the embedding model is loaded (seconds) or a worker thread is taken."""

from __future__ import annotations

from .clean import replace_lookalikes
from .errors import QuestionError

EXAMPLES = "“What did Meta release in April?” or « Qu'a annoncé Mistral en mars ? »"


def check_question(question: str | None, max_chars: int) -> str:
    """The question with its spacing normalised, or QuestionError saying what to ask instead."""
    cleaned = " ".join(replace_lookalikes(question or "").split())
    if not any(ch.isalnum() for ch in cleaned):
        raise QuestionError(f"Please ask a question about the AI news digests, e.g. {EXAMPLES}")
    if len(cleaned) > max_chars:
        raise QuestionError(
            f"That question is too long ({len(cleaned)} characters; the limit is {max_chars}): "
            "ask about one thing in a sentence or two."
        )
    return cleaned
