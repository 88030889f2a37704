"""Named errors a user can cause, each with a message fit to show them."""

from __future__ import annotations


class NewsbotError(Exception):
    """Base class: the message is safe and useful to show to a user."""


class DigestError(NewsbotError):
    """A digest file cannot be used (binary, bad encoding, empty, ...)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class IndexMissingError(NewsbotError):
    """No index has been built yet."""


class IndexMismatchError(NewsbotError):
    """The index on disk was built with another embedding model or dimension."""


class IndexCorruptError(NewsbotError):
    """The index on disk cannot be read."""


class ModelLoadError(NewsbotError):
    """The embedding model cannot be found or loaded."""


class QuestionError(NewsbotError):
    """The question is empty, too long or otherwise unusable."""
