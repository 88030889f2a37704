"""The digest files on disk: adding an uploaded digest safely, removing one.

Uploads come from chat users, so everything about them is checked before the digest is
in place: the name cannot escape the digests directory, the content must be a digest the
indexer can read (UTF-8 text, the same checks as every digest), and an existing digest is
only replaced when asked to.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from .errors import DigestError, NewsbotError
from .ingest import DIGEST_SUFFIXES, find_digest_files, read_digest

UPLOAD_SUFFIXES = (".md", ".txt")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class UploadError(NewsbotError):
    """An uploaded digest was refused; the message says why, for the uploader."""


def check_upload_name(name: str) -> str:
    """The file name to save an upload under, or UploadError if it is not a plain, safe name."""
    if not name or "/" in name or "\\" in name or name in {".", ".."} or ".." in name:
        raise UploadError(f"“{name}” is not a plain file name (no folders, no `..`).")
    if Path(name).suffix.lower() not in UPLOAD_SUFFIXES:
        raise UploadError(f"“{name}” is not a digest: only {' and '.join(UPLOAD_SUFFIXES)} files are accepted.")
    if not _SAFE_NAME.match(name):
        raise UploadError(
            f"“{name}” has characters that are not allowed in a digest name: "
            "use letters, digits, dots, dashes and underscores (at most 100)."
        )
    return name


def check_upload_size(size: int, max_bytes: int) -> None:
    if size == 0:
        raise UploadError("The file is empty.")
    if size > max_bytes:
        raise UploadError(f"The file is too large ({_kib(size)}; the limit is {_kib(max_bytes)}).")


def save_digest(digests_dir: Path, name: str, data: bytes, *, replace: bool, max_bytes: int) -> tuple[Path, bool]:
    """Validate and write an uploaded digest atomically; returns its path and whether it replaced one."""
    name = check_upload_name(name)
    check_upload_size(len(data), max_bytes)
    digests_dir.mkdir(parents=True, exist_ok=True)
    target = digests_dir / name
    existed = target.exists()
    if existed and not replace:
        raise UploadError(f"A digest named “{name}” already exists; upload it again with replace:True to overwrite it.")
    # Written beside the target under a name the indexer ignores, parsed like any digest,
    # and only then renamed over it: a digest that cannot be read never replaces one that can.
    handle, temporary = tempfile.mkstemp(dir=digests_dir, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        try:
            read_digest(Path(temporary), digests_dir)
        except DigestError as error:
            raise UploadError(f"“{name}” cannot be used as a digest: {error.reason}") from None
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target, existed


def digest_names(digests_dir: Path) -> list[str]:
    """Names of the digest files, relative to the digests directory."""
    return [path.relative_to(digests_dir).as_posix() for path in find_digest_files(digests_dir)]


def remove_digest(digests_dir: Path, name: str) -> Path:
    """Delete one digest file by its name (as `digest_names` gives it)."""
    if name not in digest_names(digests_dir):  # also refuses any path outside the directory
        raise UploadError(f"There is no digest named “{name}”.")
    path = digests_dir / name
    if path.suffix.lower() not in DIGEST_SUFFIXES:
        raise UploadError(f"“{name}” is not a digest file.")
    path.unlink()
    return path


def _kib(size: int) -> str:
    return f"{size / 1024:.0f} KiB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MiB"
