"""Named errors a user can cause, each with a message fit to show them."""

from __future__ import annotations

import errno
import os
from pathlib import Path


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


class IndexUnusableError(NewsbotError):
    """The index on disk exists but cannot be served; rebuilding it from the digests fixes it."""


class IndexMismatchError(IndexUnusableError):
    """The index on disk was built with another embedding model or dimension."""


class IndexCorruptError(IndexUnusableError):
    """A file of the index is missing, truncated, altered or disagrees with the others."""


class IndexOutdatedError(IndexUnusableError):
    """The index was written by an older version that lacks what this one reads."""


class IndexWriteError(NewsbotError):
    """The index cannot be written (permissions, full disk): the message names the folder and the fix."""


class ModelLoadError(NewsbotError):
    """The embedding model cannot be found or loaded."""


class QuestionError(NewsbotError):
    """The question is empty, too long or otherwise unusable."""


def unwritable(path: Path, error: OSError) -> IndexWriteError:
    """The one-line error for an index folder that cannot be written, with the fix."""
    if error.errno == errno.ENOSPC:
        return IndexWriteError(f"cannot write the index in {path}: the disk is full; free some space and reindex")
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return IndexWriteError(
            f"cannot write the index in {path}: permission denied for uid {os.getuid()}; make the folder "
            "writable by this user (chown/chmod) or point NEWSBOT_DATA_DIR or NEWSBOT_INDEX_DIR at a writable one"
        )
    return IndexWriteError(f"cannot write the index in {path}: {error.strerror or error}")
