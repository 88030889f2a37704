"""Uploaded digests: what is refused, what is written, and that a failure leaves no trace."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from index.library import UploadError, check_upload_name, digest_names, remove_digest, save_digest

MAX = 10_000

GOOD_DIGEST = (
    "# Veille IA – Mai 2025\n\n"
    "## Modèles\n\n"
    "- **Un nouveau modèle** – Une entreprise a publié un modèle de langage ouvert en mai.\n"
).encode()

OTHER_DIGEST = (
    "# AI digest – June 2025\n\n"
    "## Models\n\n"
    "- **Another model** – A lab released a small open model in June with a permissive licence.\n"
).encode()


@pytest.fixture
def digests(tmp_path: Path) -> Path:
    directory = tmp_path / "data" / "digests"
    directory.mkdir(parents=True)
    return directory


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under `root` (hidden ones included) with its bytes."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def leftovers(directory: Path) -> list[str]:
    return [p.name for p in directory.rglob("*") if p.name.startswith(".upload-") or p.suffix == ".part"]


def refused(digests: Path, name: str, data: bytes, *, replace: bool = False, match: str | None = None) -> UploadError:
    before = snapshot(digests.parent.parent)
    with pytest.raises(UploadError, match=match) as caught:
        save_digest(digests, name, data, replace=replace, max_bytes=MAX)
    assert snapshot(digests.parent.parent) == before, "a refused upload changed files"
    assert leftovers(digests) == []
    return caught.value


# --- accepted uploads ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["mai-2025.md", "digest_2025.05.txt", "A.MD", "0.txt"])
def test_a_valid_upload_is_written_byte_for_byte(digests: Path, name: str) -> None:
    path, replaced = save_digest(digests, name, GOOD_DIGEST, replace=False, max_bytes=MAX)
    assert path == digests / name
    assert replaced is False
    assert path.read_bytes() == GOOD_DIGEST
    assert digest_names(digests) == [name]
    assert leftovers(digests) == []


def test_the_digests_directory_is_created_if_missing(tmp_path: Path) -> None:
    directory = tmp_path / "fresh" / "digests"
    path, _ = save_digest(directory, "x.md", GOOD_DIGEST, replace=False, max_bytes=MAX)
    assert path.read_bytes() == GOOD_DIGEST


def test_a_utf8_bom_is_accepted(digests: Path) -> None:
    data = b"\xef\xbb\xbf" + GOOD_DIGEST
    path, _ = save_digest(digests, "bom.md", data, replace=False, max_bytes=MAX)
    assert path.read_bytes() == data


def test_upload_at_exactly_the_size_limit_is_accepted(digests: Path) -> None:
    data = GOOD_DIGEST + b" " * (MAX - len(GOOD_DIGEST))
    assert len(data) == MAX
    save_digest(digests, "full.md", data, replace=False, max_bytes=MAX)
    assert (digests / "full.md").read_bytes() == data


# --- refused names --------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "digest.pdf",
        "setup.exe",
        "README",  # no extension
        "digest.md.exe",
        "digest.markdown",  # readable by the indexer but not an accepted upload type
        "../evil.md",
        "..\\evil.md",
        "a/b.md",
        "a\\b.md",
        "..md",
        "x..md",
        "/etc/passwd.md",
        "/tmp/evil.md",
        "C:\\evil.md",
        ".hidden.md",
        ".md",
        "",
        "my digest.md",
        "digest\t.md",
        "résumé.md",
        "ニュース.md",
        "digest\u2024md",  # one-dot leader, looks like a dot
        "digest\x00.md",
        "-rf.md",
        "a" * 98 + ".md",  # 101 characters
    ],
)
def test_unsafe_or_wrong_names_are_refused(digests: Path, name: str) -> None:
    refused(digests, name, GOOD_DIGEST)
    assert not (digests.parent / "evil.md").exists()
    assert not (digests.parent.parent / "evil.md").exists()


def test_longest_allowed_name_is_accepted(digests: Path) -> None:
    name = "a" * 97 + ".md"  # 100 characters
    assert check_upload_name(name) == name


def test_refusal_messages_say_why(digests: Path) -> None:
    assert "only .md and .txt" in str(refused(digests, "x.pdf", GOOD_DIGEST))
    assert "plain file name" in str(refused(digests, "../x.md", GOOD_DIGEST))
    assert "characters" in str(refused(digests, "a b.md", GOOD_DIGEST))


# --- refused contents -----------------------------------------------------------------


def test_too_large_is_refused(digests: Path) -> None:
    data = GOOD_DIGEST + b" " * (MAX + 1 - len(GOOD_DIGEST))
    assert len(data) == MAX + 1
    refused(digests, "big.md", data, match="too large")


def test_empty_is_refused(digests: Path) -> None:
    refused(digests, "empty.md", b"", match="empty")


@pytest.mark.parametrize(
    "data", [b"   \n\t\n  ", b"\r\n\r\n", "\u00a0\u2003\n".encode()], ids=["spaces", "crlf", "unicode-spaces"]
)
def test_whitespace_only_is_refused(digests: Path, data: bytes) -> None:
    refused(digests, "blank.md", data)


def test_nul_bytes_are_refused(digests: Path) -> None:
    refused(digests, "nul.md", GOOD_DIGEST + b"\x00" + GOOD_DIGEST, match="binary")


def test_nul_byte_far_into_the_file_is_refused(digests: Path) -> None:
    # The indexer only looks at the first 8 KiB for NULs; the upload check must look at all.
    data = GOOD_DIGEST + b"x" * 9000 + b"\x00"
    refused(digests, "late-nul.md", data, match="binary")


def test_random_bytes_are_refused(digests: Path) -> None:
    data = bytes((i * 1103515245 + 12345) % 256 for i in range(4000))
    refused(digests, "random.md", data)
    refused(digests, "random.txt", os.urandom(4000))


def test_control_characters_without_nul_are_refused(digests: Path) -> None:
    # Valid UTF-8 but made of control characters: a binary file in disguise.
    data = bytes(range(1, 9)) * 200 + GOOD_DIGEST
    refused(digests, "controls.md", data, match="binary")


def test_latin1_text_is_refused(digests: Path) -> None:
    data = "# Veille IA – Août 2025\n\nL'été fut chargé : déploiements, sécurité, modèles.\n".replace("–", "-").encode(
        "latin-1"
    )
    refused(digests, "latin1.md", data, match="UTF-8")


@pytest.mark.parametrize(
    "data",
    [b"# Only a title\n", b"---\ntitle: Front matter only\n---\n", b"## Section\n\n### Sub-section\n", b"***\n"],
    ids=["heading-only", "front-matter-only", "headings-only", "rule-only"],
)
def test_text_the_digest_parser_rejects_is_refused(digests: Path, data: bytes) -> None:
    error = refused(digests, "unreadable.md", data, match="cannot be used as a digest")
    assert "no readable text" in str(error)


# --- existing digests -----------------------------------------------------------------


def test_an_existing_name_is_refused_without_replace(digests: Path) -> None:
    (digests / "april.md").write_bytes(GOOD_DIGEST)
    refused(digests, "april.md", OTHER_DIGEST, match="already exists")
    assert (digests / "april.md").read_bytes() == GOOD_DIGEST


def test_replace_overwrites_and_reports_it(digests: Path) -> None:
    (digests / "april.md").write_bytes(GOOD_DIGEST)
    path, replaced = save_digest(digests, "april.md", OTHER_DIGEST, replace=True, max_bytes=MAX)
    assert path == digests / "april.md"
    assert replaced is True
    assert path.read_bytes() == OTHER_DIGEST
    assert sorted(p.name for p in digests.iterdir()) == ["april.md"]


def test_replace_of_a_new_name_reports_not_replaced(digests: Path) -> None:
    path, replaced = save_digest(digests, "new.md", GOOD_DIGEST, replace=True, max_bytes=MAX)
    assert replaced is False
    assert path.read_bytes() == GOOD_DIGEST


@pytest.mark.parametrize(
    "data",
    [b"# Only a title\n", b"   \n\n", b"", b"\x00\x01\x02", "caf\u00e9 cr\u00e8me".encode("latin-1"), b"x" * (MAX + 1)],
    ids=["unparseable", "whitespace", "empty", "binary", "latin1", "too-large"],
)
def test_a_bad_replacement_keeps_the_previous_file_intact(digests: Path, data: bytes) -> None:
    (digests / "april.md").write_bytes(GOOD_DIGEST)
    refused(digests, "april.md", data, replace=True)
    assert (digests / "april.md").read_bytes() == GOOD_DIGEST


def test_a_failing_write_leaves_no_temporary_file(digests: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (digests / "april.md").write_bytes(GOOD_DIGEST)

    def broken_replace(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("index.library.os.replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        save_digest(digests, "april.md", OTHER_DIGEST, replace=True, max_bytes=MAX)
    assert leftovers(digests) == []
    assert (digests / "april.md").read_bytes() == GOOD_DIGEST


def test_temporary_files_are_invisible_to_the_indexer(digests: Path) -> None:
    (digests / ".upload-abc.part").write_bytes(GOOD_DIGEST)
    (digests / ".upload-abc.md").write_bytes(GOOD_DIGEST)
    assert digest_names(digests) == []


# --- removing -------------------------------------------------------------------------


def test_remove_deletes_a_listed_digest_only(digests: Path) -> None:
    (digests / "a.md").write_bytes(GOOD_DIGEST)
    (digests / "b.txt").write_bytes(OTHER_DIGEST)
    removed = remove_digest(digests, "a.md")
    assert removed == digests / "a.md"
    assert not removed.exists()
    assert digest_names(digests) == ["b.txt"]
    assert (digests / "b.txt").read_bytes() == OTHER_DIGEST


def test_remove_accepts_a_name_in_a_subfolder_as_listed(digests: Path) -> None:
    (digests / "2025").mkdir()
    (digests / "2025" / "mars.md").write_bytes(GOOD_DIGEST)
    assert digest_names(digests) == ["2025/mars.md"]
    remove_digest(digests, "2025/mars.md")
    assert digest_names(digests) == []


@pytest.mark.parametrize(
    "name",
    [
        "missing.md",
        "",
        ".",
        "..",
        "../outside.md",
        "../data/digests/a.md",
        "./a.md",
        "a.md/",
        "/abs.md",
        "notes.pdf",
        ".hidden.md",
    ],
)
def test_remove_refuses_unknown_and_escaping_names(digests: Path, name: str) -> None:
    (digests / "a.md").write_bytes(GOOD_DIGEST)
    (digests / ".hidden.md").write_bytes(GOOD_DIGEST)
    (digests / "notes.pdf").write_bytes(b"%PDF")
    (digests.parent / "outside.md").write_bytes(b"outside")
    absolute = digests.parent / "abs.md"
    absolute.write_bytes(b"absolute")
    if name == "/abs.md":
        name = str(absolute)
    root = digests.parent.parent
    before = snapshot(root)
    with pytest.raises(UploadError, match="no digest named"):
        remove_digest(digests, name)
    assert snapshot(root) == before


def test_removing_a_symlinked_digest_never_deletes_its_target(digests: Path) -> None:
    outside = digests.parent / "precious.md"
    outside.write_bytes(GOOD_DIGEST)
    (digests / "link.md").symlink_to(outside)
    assert digest_names(digests) == ["link.md"]
    remove_digest(digests, "link.md")
    assert not (digests / "link.md").exists()
    assert outside.read_bytes() == GOOD_DIGEST
