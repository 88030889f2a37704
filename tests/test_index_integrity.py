"""A damaged index is found at load, named in one line, and rebuilt from the digests; the previous
good build serves meanwhile, and a failed rebuild leaves it serving.

Each fault here once crashed the bot at start (EOFError, TypeError, FAISS's C++ message) or at
question time (IndexError, ValueError); under `restart: unless-stopped` that was a crash loop.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import faiss
import numpy as np
import pytest
from conftest import make_settings
from test_cli import _clean_env

from bot.runner import load_index
from index import store
from index.errors import IndexCorruptError
from index.service import NewsService

QUESTION = "What did Meta release in April?"
INTERNALS = re.compile(r"Traceback|EOFError|TypeError|IndexError|faiss|numpy|JSONDecodeError|Expecting value")


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _swap(first: Path, second: Path) -> None:
    a, b = first.read_bytes(), second.read_bytes()
    first.write_bytes(b)
    second.write_bytes(a)


def _fewer_vectors_with_a_matching_manifest(build: Path) -> None:
    """Files that each check out but disagree with each other: 3 vectors for all the passages."""
    vectors = faiss.read_index(str(build / store.VECTORS_FILE))
    short = faiss.IndexFlatIP(vectors.d)
    short.add(np.ascontiguousarray(vectors.reconstruct_n(0, 3)))
    faiss.write_index(short, str(build / store.VECTORS_FILE))
    manifest = json.loads((build / store.MANIFEST_FILE).read_text("utf-8"))
    manifest["files"] = store._record_files(build)
    (build / store.MANIFEST_FILE).write_text(json.dumps(manifest), "utf-8")


# What each fault does to the current build, and the file the error must name.
FAULTS: dict[str, tuple[Callable[[Path], None], str]] = {
    "zero-byte lexical file": (lambda b: (b / "lexical/params.index.json").write_bytes(b""), "params.index.json"),
    "params.index.json is []": (lambda b: (b / "lexical/params.index.json").write_text("[]"), "params.index.json"),
    "swapped arrays": (
        lambda b: _swap(b / "lexical/data.csc.index.npy", b / "lexical/indptr.csc.index.npy"),
        "csc.index.npy",
    ),
    "short array": (lambda b: _truncate(b / "lexical/indices.csc.index.npy"), "indices.csc.index.npy"),
    "truncated vectors.faiss": (lambda b: _truncate(b / store.VECTORS_FILE), store.VECTORS_FILE),
    "missing chunks.json": (lambda b: (b / store.CHUNKS_FILE).unlink(), store.CHUNKS_FILE),
    "garbage corpus.json": (lambda b: (b / "corpus.json").write_text('{"tokenizer": 0}'), "corpus.json"),
    "manifest not JSON": (lambda b: (b / store.MANIFEST_FILE).write_text("{not json"), store.MANIFEST_FILE),
    "vectors disagree with passages": (_fewer_vectors_with_a_matching_manifest, store.VECTORS_FILE),
}


def _damage(data: Path, fault: str) -> str:
    damage, named = FAULTS[fault]
    damage(store.current_path(data / "index").resolve())
    return named


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_damaged_index_is_refused_at_load_in_one_line_naming_the_file(fault, copy_built_data, embedder):
    data = copy_built_data()
    named = _damage(data, fault)
    service = NewsService(make_settings(data), embedder)
    with pytest.raises(IndexCorruptError) as caught:
        service.load(build_if_missing=False)
    message = str(caught.value)
    assert named in message and "newsbot index" in message, message
    words = " ".join(word for word in message.split() if "/" not in word)  # the path may say "faiss"
    assert "\n" not in message and not INTERNALS.search(words), message
    assert not service.is_loaded  # never served, so never failing at question time


def test_a_damaged_index_without_a_fallback_is_rebuilt_from_the_digests(copy_built_data, embedder, caplog):
    data = copy_built_data()
    damaged_build = store.current_path(data / "index").resolve()
    _damage(data, "zero-byte lexical file")
    service = NewsService(make_settings(data), embedder)
    with caplog.at_level(logging.WARNING):
        report = service.load()
    assert report is not None and report.chunks == len(service.stored.chunks)
    assert report.embedded == 0  # its vectors were intact, so they were reused
    assert "params.index.json" in caplog.text and "rebuilding" in caplog.text
    assert service.stored.directory != damaged_build
    assert service.ask(QUESTION).sources[0].chunk.month == "2025-04"


def _data_with_a_fallback(copy_built_data, embedder) -> tuple[Path, Path]:
    """A data directory with two good builds; returns it and the older one (the fallback)."""
    data = copy_built_data()
    older = store.current_path(data / "index").resolve()
    NewsService(make_settings(data), embedder).reindex()  # every vector reused: fast
    assert store.previous_builds(data / "index") == [older]
    return data, older


def test_the_previous_build_answers_while_the_damaged_one_is_rebuilt(copy_built_data, embedder, caplog):
    data, older = _data_with_a_fallback(copy_built_data, embedder)
    _damage(data, "zero-byte lexical file")
    service = NewsService(make_settings(data), embedder)
    with caplog.at_level(logging.WARNING):
        problem = service.open()
    assert problem and "params.index.json" in problem
    assert service.stored.directory == older and "previous build" in caplog.text
    assert service.ask(QUESTION).sources[0].chunk.month == "2025-04"
    report = service.reindex()
    assert report.embedded == 0  # the fallback's vectors were reused
    assert service.stored.directory not in (older,) and store.load_index(data / "index").chunks


def test_a_failed_rebuild_leaves_the_previous_build_serving(copy_built_data, embedder, caplog):
    data, older = _data_with_a_fallback(copy_built_data, embedder)
    _damage(data, "truncated vectors.faiss")
    shutil.rmtree(data / "digests")  # nothing to rebuild from
    (data / "digests").mkdir()
    service = NewsService(make_settings(data), embedder)
    with caplog.at_level(logging.WARNING):
        assert service.load() is None
    assert "could not rebuild" in caplog.text and "no usable digest" in caplog.text
    assert service.stored.directory == older
    assert not service.ask(QUESTION).abstained


async def test_the_bot_serves_the_fallback_and_rebuilds_in_the_background(copy_built_data, embedder):
    data, older = _data_with_a_fallback(copy_built_data, embedder)
    _damage(data, "short array")
    service = NewsService(make_settings(data), embedder)
    rebuild = await load_index(service)
    assert rebuild is not None and service.stored.directory == older  # answering before the rebuild ends
    await rebuild
    assert service.stored.directory != older
    assert store.load_index(data / "index").directory == service.stored.directory


@pytest.mark.slow
def test_cli_ask_on_a_damaged_index_rebuilds_and_answers(copy_built_data, embedder):
    data, _ = _data_with_a_fallback(copy_built_data, embedder)  # the rebuild reuses its vectors
    _damage(data, "truncated vectors.faiss")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--data", str(data), "ask", QUESTION],
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "[1]" in result.stdout and "Traceback" not in result.stderr
    warnings = [line for line in result.stderr.splitlines() if "WARNING" in line]
    assert len(warnings) == 1 and "vectors.faiss" in warnings[0] and "until it is rebuilt" in warnings[0], result.stderr
