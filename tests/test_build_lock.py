"""One build at a time across processes: a second build is refused with one line saying why, never
deletes the first one's work, and the index that was serving keeps serving."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import make_settings
from test_cli import _clean_env

from index.locking import LOCK_FILE, BuildInProgress, exclusive_build
from index.service import NewsService, ReindexInProgress
from index.store import has_index, load_index

HOLD_LOCK = """
import fcntl, os, sys, time
handle = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(handle, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(120)
"""


def _hold_in_another_process(index_dir: Path) -> subprocess.Popen[str]:
    index_dir.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(index_dir / LOCK_FILE)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def test_a_build_held_elsewhere_refuses_the_second_one_and_leaves_the_index_serving(copy_built_data, embedder) -> None:
    service = NewsService(make_settings(copy_built_data()), embedder)
    service.load()
    serving = service.searcher
    holder = _hold_in_another_process(service.settings.resolved_index_dir)
    try:
        with pytest.raises(ReindexInProgress, match="another build of the index in .* is running"):
            service.reindex()
        assert service.searcher is serving and not service.ask("What did Meta release in April?").abstained
    finally:
        holder.kill()
        holder.wait()
    service.reindex()  # the lock went with the process that held it


def test_a_killed_builder_does_not_block_the_next_build(copy_built_data, embedder) -> None:
    service = NewsService(make_settings(copy_built_data()), embedder)
    holder = _hold_in_another_process(service.settings.resolved_index_dir)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    report = service.reindex()
    assert report.chunks > 0 and has_index(service.settings.resolved_index_dir)


def test_the_lock_is_exclusive_within_one_process_too(tmp_path: Path) -> None:
    with exclusive_build(tmp_path / "index"):
        with pytest.raises(BuildInProgress), exclusive_build(tmp_path / "index"):
            pass
    with exclusive_build(tmp_path / "index"):  # released on exit
        pass


@pytest.mark.slow
def test_three_index_commands_at_once_leave_a_complete_index(copy_built_data) -> None:
    """The reported fault: three `newsbot index` at once used to delete each other's builds."""
    data = copy_built_data()
    (data / "digests" / "extra.md").write_text("# Veille IA – Mai 2025\n\nMistral a publié Devstral.\n", "utf-8")
    started = time.monotonic()
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "--data", str(data), "index"],
            env=_clean_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outcomes = [(run.wait(timeout=600), run.stderr.read() if run.stderr else "") for run in runs]
    assert time.monotonic() - started < 600
    assert any(code == 0 for code, _ in outcomes), outcomes
    for code, stderr in outcomes:
        if code != 0:  # refused: one line that says why, no traceback
            assert "another build of the index" in stderr and "Traceback" not in stderr, stderr
    stored = load_index(data / "index")
    assert any(chunk.path.endswith("extra.md") for chunk in stored.chunks)
    assert not [entry for entry in (data / "index" / "builds").iterdir() if entry.name.startswith(".tmp-")]


async def test_a_bot_starting_while_another_process_builds_the_first_index_waits_for_it(
    copy_built_data, embedder, monkeypatch
) -> None:
    """Two shards started at once on a folder without an index: the one that finds the lock taken
    serves the other's build when it is done, rather than exit with "another build is running"."""
    from bot import runner

    monkeypatch.setattr(runner, "BUILD_WAIT_SECONDS", 0.05)
    index_dir = copy_built_data() / "index"
    (index_dir / "current").rename(index_dir / "current-to-be")  # no index yet
    service = NewsService(make_settings(index_dir.parent), embedder)
    with exclusive_build(index_dir):  # the other process's build
        starting = asyncio.create_task(runner.load_index(service))
        await asyncio.sleep(0.5)
        assert not starting.done() and not service.is_loaded
        (index_dir / "current-to-be").rename(index_dir / "current")  # its build is made current
    assert await asyncio.wait_for(starting, 30) is None  # served as it is: no rebuild of its own
    assert service.stored.directory == load_index(index_dir).directory
    assert not service.ask("What did Meta release in April?").abstained
