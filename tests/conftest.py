"""Shared fixtures: the fixture digests, temporary data directories, one embedder and one
built index per session (loading the model and embedding the digests take seconds).

Tests never read the repository's live `data/` directory (the digests the app ships with, which
admins change): their digests and question sets live in `tests/fixtures/`."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import pytest_asyncio

from index.embedding import Embedder
from index.evaluation import EvalReport
from index.service import NewsService
from index.settings import BUNDLED_MODEL, IndexSettings

if TYPE_CHECKING:
    from discord_emulator import DiscordEmulator

    from bot.client import NewsBot
    from bot.settings import BotSettings

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = REPO_ROOT / "tests" / "fixtures"
FIXTURE_DIGESTS = FIXTURES / "digests"  # copies of the three digests the app first shipped with
EVAL_DIR = FIXTURES / "eval"  # tuning.jsonl and heldout.jsonl: questions about FIXTURE_DIGESTS
UNSEEN = FIXTURES / "unseen"  # two more digests (digests/) and questions about them (questions.jsonl)

# The three fixture digests, by the role they play in the tests.
DIGEST_EN = "000_8430d9c1cc8ec54b.txt"  # English, YAML front matter, mojibake title, affiliate footer
DIGEST_APRIL = "001_ef2a3645dd1a3bf1.txt"  # French, April 2025, plain-text headings
DIGEST_MARCH = "002_792bd4f9a76dcac6.txt"  # French, March 2025, Markdown, citation clusters


def unanswerable_answered(report: EvalReport) -> int:
    return len([o for o in report.outcomes if not o.case.answerable and not o.abstained])


def figures(report: EvalReport) -> dict[str, float]:
    """The figures the quality gates hold (test_evaluation.GATE), from one evaluation report."""
    return {
        "hit_at_1": report.hit_at(1),
        "hit_at_5": report.hit_at(5),
        "mrr": report.mrr,
        "false_abstentions": len(report.false_abstentions),
        "unanswerable_answered": unanswerable_answered(report),
    }


def assert_meets(measured: dict[str, float], gate: dict[str, float]) -> None:
    """Every floor (`hit_at_1`, `hit_at_5`, `mrr`) and ceiling (`max_…`) the gate names is met."""
    failures = [
        f"{name} {measured[name]:.4f} < {gate[name]}"
        for name in ("hit_at_1", "hit_at_5", "mrr")
        if measured[name] < gate[name]
    ]
    failures += [
        f"{name} {measured[name]} > {gate['max_' + name]}"
        for name in ("false_abstentions", "unanswerable_answered")
        if "max_" + name in gate and measured[name] > gate["max_" + name]
    ]
    assert not failures, f"{failures}; measured {measured}"


def _scrub_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("NEWSBOT_") or name == "DISCORD_TOKEN":
            monkeypatch.delenv(name, raising=False)


def make_settings(data_dir: Path, **overrides) -> IndexSettings:
    """Index settings from explicit values only: no environment, no `.env` file."""
    values = dict(
        data_dir=data_dir,
        index_dir=None,
        embedding_model=BUNDLED_MODEL,
        top_k=5,
        chunk_max_chars=900,
        embed_batch_size=32,
        max_question_chars=500,
    )
    values.update(overrides)
    return IndexSettings(_env_file=None, **values)


@pytest.fixture(autouse=True)
def _no_newsbot_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The user's NEWSBOT_* settings and Discord token never leak into a test."""
    _scrub_environment(monkeypatch)


@pytest.fixture(scope="session")
def fixture_digests_dir() -> Path:
    assert FIXTURE_DIGESTS.is_dir(), FIXTURE_DIGESTS
    return FIXTURE_DIGESTS


@pytest.fixture(scope="session")
def fixture_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`<tmp>/data` holding copies of the fixture digests in `digests/`, laid out as the app's data
    directory, so that digests read relative to its parent are `data/digests/<name>` as in the app.
    Shared by the session: tests must not modify it (`make_data_dir()` gives a copy of one's own)."""
    return _make_data_dir(tmp_path_factory.mktemp("fixture-data"))


@pytest.fixture
def settings_for() -> Callable[..., IndexSettings]:
    """`settings_for(data_dir, **overrides)`: explicit IndexSettings for a data directory."""
    return make_settings


def _make_data_dir(base: Path, files: dict[str, str | bytes] | None = None, bundled: bool = True) -> Path:
    data = base / "data"
    digests = data / "digests"
    digests.mkdir(parents=True, exist_ok=True)
    if bundled:
        for source in sorted(FIXTURE_DIGESTS.iterdir()):
            if source.is_file():
                shutil.copy2(source, digests / source.name)
    for name, content in (files or {}).items():
        target = digests / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return data


@pytest.fixture
def make_data_dir(tmp_path: Path) -> Callable[..., Path]:
    """`make_data_dir(files=None, bundled=True)` -> `<tmp>/data` holding `digests/`.

    Copies the three fixture digests (tests/fixtures/digests) unless `bundled=False`; `files`
    maps names (inside digests/) to text or bytes to write as well.
    """

    def factory(files: dict[str, str | bytes] | None = None, bundled: bool = True) -> Path:
        return _make_data_dir(tmp_path, files, bundled)

    return factory


@pytest.fixture(scope="session")
def embedder(tmp_path_factory: pytest.TempPathFactory) -> Embedder:
    """The default bundled model (all-MiniLM-L6-v2, offline), loaded once per session. Questions go
    through its ONNX export, as in the CLI and the bot (index.query_onnx)."""
    model = Embedder(BUNDLED_MODEL, query_dir=tmp_path_factory.mktemp("question-encoder"))
    assert model.dimension > 0  # loads the model now, so a failure shows here
    assert model.prepare_questions()
    return model


@pytest.fixture(scope="session")
def built_service(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> NewsService:
    """A service over an index of the three fixture digests, built once per session.

    Tests must not modify it; copy `built_service.settings.data_dir` to change anything.
    """
    with pytest.MonkeyPatch.context() as monkeypatch:
        _scrub_environment(monkeypatch)
        data = _make_data_dir(tmp_path_factory.mktemp("built"))
        service = NewsService(make_settings(data), embedder)
        service.reindex()
    return service


@pytest.fixture(scope="session")
def unseen_service(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> NewsService:
    """A service over the three fixture digests plus the two unseen ones (tests/fixtures/unseen/digests:
    December 2024 in French, May 2025 in English), built once per session. Tests must not modify it."""
    unseen = {path.name: path.read_bytes() for path in sorted((UNSEEN / "digests").iterdir()) if path.is_file()}
    assert len(unseen) == 2, sorted(unseen)
    with pytest.MonkeyPatch.context() as monkeypatch:
        _scrub_environment(monkeypatch)
        data = _make_data_dir(tmp_path_factory.mktemp("unseen"), unseen)
        service = NewsService(make_settings(data), embedder)
        service.reindex()
    return service


@pytest.fixture
def copy_built_data(tmp_path: Path, built_service: NewsService) -> Callable[[], Path]:
    """`copy_built_data()` -> `<tmp>/data`: the session's digests *and* built index.

    Builds from the copy reuse the session's vectors, so they only embed what changed.
    """

    def factory() -> Path:
        target = tmp_path / "data"
        shutil.copytree(built_service.settings.data_dir, target, symlinks=True)
        return target

    return factory


# --- The real bot against the Discord API emulator (tests marked e2e) -----------------------

MANAGE_GUILD = 1 << 5


@dataclass
class LiveBot:
    """The bot running in-process with the same start-up code as `newsbot run`, and its world."""

    emulator: DiscordEmulator
    bot: NewsBot
    task: asyncio.Task
    settings: BotSettings
    admin: dict
    member: dict

    async def ask(self, question: str, user: dict | None = None, **options) -> dict:
        """Run /ask and wait for its follow-up; returns the interaction payload."""
        interaction = await self.emulator.send_slash_command(
            "ask", {"question": question}, user=user or self.member, **options
        )
        await self.emulator.wait_for_interaction_reply(interaction, timeout=30)
        return interaction


def bot_settings(data_dir: Path, emulator: DiscordEmulator, **overrides) -> BotSettings:
    from bot.settings import BotSettings

    values = dict(
        make_settings(data_dir).model_dump(),
        discord_token=emulator.token,
        discord_api_base_url=emulator.api_base_url,
        question_rate=100,
        question_per_seconds=1,
        health_file=data_dir / "health",
        log_format="text",
    )
    values.update(overrides)
    return BotSettings(_env_file=None, **values)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def live_bot(tmp_path_factory: pytest.TempPathFactory, built_service: NewsService, embedder: Embedder):
    """One bot for the e2e session: connected, commands synced, ready (torn down at the end)."""
    from discord.gateway import DiscordWebSocket
    from discord.http import Route
    from discord_emulator import DiscordEmulator

    from bot.runner import create_bot, run_until_closed

    old_base, old_gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    data = tmp_path_factory.mktemp("live") / "data"
    shutil.copytree(built_service.settings.data_dir, data, symlinks=True)
    async with DiscordEmulator() as emulator:
        admin = emulator.add_member(name="admin", permissions=MANAGE_GUILD)
        member = emulator.add_member(name="member")
        settings = bot_settings(data, emulator)
        bot = create_bot(settings, NewsService(settings, embedder))
        task = asyncio.create_task(run_until_closed(bot, emulator.token))
        try:
            await asyncio.wait_for(bot.wait_until_ready(), timeout=30)
            yield LiveBot(emulator, bot, task, settings, admin, member)
        finally:
            await bot.close()
            await asyncio.wait_for(task, timeout=10)
            Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = old_base, old_gateway
