"""One index build at a time, across processes: the CLI's `newsbot index`, the bot's `/reindex` and
`/digest add|remove` may run on the same data directory at once (the bot in Docker, an admin on the
host). An OS file lock under the index directory serialises them; the second is refused with a line
saying why, and never deletes the work of the first."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import NewsbotError, unwritable

LOCK_FILE = ".build.lock"


class BuildInProgress(NewsbotError):
    """Another process (or thread) is building this index."""


@contextmanager
def exclusive_build(index_dir: Path) -> Iterator[None]:
    """Hold the index directory's build lock for the duration, or raise BuildInProgress at once.

    The lock is released by the OS when the holder exits, even when it is killed, so a crashed
    build never blocks the next one."""
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        handle = os.open(index_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:  # the first write of every build: an unwritable folder is reported here
        raise unwritable(index_dir, error) from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildInProgress(
                f"another build of the index in {index_dir} is running; try again when it has finished"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        os.close(handle)
