"""The Discord client: bot-wide policy (intents, allowed mentions, errors) and shared state.

Features live in cogs; this class holds what they share: the settings, the `NewsService`
(all blocking work runs in worker threads: answers in their own pool), recent answers for the buttons,
answer latencies for /status and the feedback log.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import statistics
import time
from collections import OrderedDict, deque
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import discord
import yarl
from discord import app_commands
from discord.ext import commands

from index import Answer, NewsService

from .checks import NotAdmin
from .cooldown import QuestionCooldown
from .feedback import FeedbackLog
from .settings import BotSettings

log = logging.getLogger("newsbot.bot")

EXTENSIONS = ("bot.cogs.ask", "bot.cogs.admin", "bot.cogs.info")
REMEMBERED_ANSWERS = 2000
# Questions answered at once, in a pool of their own so that a burst cannot take the threads a
# reindex needs. More threads than cores: while some wait on the model, others run Python, and
# questions asked together share a model call (index/batching.py). benchmarks/bench_concurrency.py,
# 1000 digests, 20 askers, 2 cores: 2 threads 36 answers/s, 8 threads 51/s, 16 threads 48-60/s.
ANSWER_THREADS = 8 * (os.cpu_count() or 1)


# Sent with every message as well as set bot-wide: quoted digests may contain @everyone.
NO_MENTIONS = discord.AllowedMentions.none()


def interaction_language(interaction: discord.Interaction) -> str:
    """The bot's language for a member whose question text we do not have (buttons, /latest)."""
    return "fr" if str(interaction.locale).startswith("fr") else "en"


def point_at_api(base_url: str) -> None:
    """Send REST calls (interaction callbacks and webhooks included) to another Discord API."""
    discord.http.Route.BASE = base_url.rstrip("/")


class NewsBot(commands.AutoShardedBot):
    """Answers questions about the digests; slash commands only, no prefix commands.

    Auto-sharded as Discord intends: the shard count Discord recommends, all in this process, unless
    the settings name a count and this process's share of the shards (docs/scaling.md)."""

    def __init__(self, settings: BotSettings, service: NewsService) -> None:
        # A text-only bot: no voice libraries, and no start-up warning about their absence.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        intents = discord.Intents.none()
        intents.guilds = True
        intents.guild_messages = True  # mentions; Discord sends their content without the privileged intent
        intents.dm_messages = settings.allow_dms
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            allowed_mentions=NO_MENTIONS,
            help_command=None,
            # Neither set: discord.py asks GET /gateway/bot for Discord's recommended count and runs every shard.
            shard_count=settings.shard_count,
            shard_ids=settings.shard_ids,  # type: ignore[arg-type]  # None (all shards) is its default; stubs omit it
        )
        self.settings = settings
        self.service = service
        self.started_at = datetime.now(UTC)
        self.cooldown = QuestionCooldown(settings.question_rate, settings.question_per_seconds)
        self.feedback = FeedbackLog(settings.resolved_feedback_file)
        self.latencies_ms: deque[float] = deque(maxlen=1000)
        self._answer_pool = ThreadPoolExecutor(ANSWER_THREADS, thread_name_prefix="newsbot-answer")
        self._answers: OrderedDict[str, Answer] = OrderedDict()
        self.voters: dict[str, set[int]] = {}  # answer id -> who rated it (one vote each)
        self.tree.on_error = self.on_app_command_error  # type: ignore[method-assign]

    async def setup_hook(self) -> None:
        if self.settings.discord_api_base_url:  # discord.py would otherwise dial gateway.discord.gg
            _, url, _ = await self.http.get_bot_gateway()
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        await self.sync_commands()

    async def sync_commands(self) -> None:
        """Commands belong to the application, not to a shard: the process running shard 0 syncs them."""
        if self.shard_ids is not None and 0 not in self.shard_ids:
            log.info("slash commands left to the process running shard 0", extra=self.shard_fields())
            return
        guild_id = self.settings.discord_guild_id
        if guild_id:
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
        else:
            synced = await self.tree.sync()
        log.info("slash commands synced", extra={"commands": [c.name for c in synced], "guild_id": guild_id})

    async def on_ready(self) -> None:
        log.info("ready", extra={"user": str(self.user), "guilds": len(self.guilds), **self.shard_fields()})

    async def on_shard_ready(self, shard_id: int) -> None:
        guilds = sum(1 for guild in self.guilds if guild.shard_id == shard_id)
        log.info("shard %s ready", shard_id, extra={"shard": shard_id, "guilds": guilds})

    async def on_shard_disconnect(self, shard_id: int) -> None:
        log.info("shard %s disconnected", shard_id, extra={"shard": shard_id})

    async def on_shard_resumed(self, shard_id: int) -> None:
        log.info("shard %s resumed", shard_id, extra={"shard": shard_id})

    def running_shards(self) -> list[int]:
        """The shards this process runs (with neither setting, known once connected; empty before)."""
        return list(self.shard_ids) if self.shard_ids is not None else sorted(self.shards)

    def shard_fields(self) -> dict[str, object]:
        """Which shards this process runs, for log lines."""
        return {"shards": self.running_shards() or None, "shard_count": self.shard_count}

    def all_shards_connected(self) -> bool:
        """Ready, and every shard this process runs has an open gateway connection."""
        if not self.is_ready() or self.is_closed():
            return False
        shards = self.shards
        expected = self.shard_ids if self.shard_ids is not None else range(self.shard_count or 0)
        return bool(shards) and all(shard in shards and not shards[shard].is_closed() for shard in expected)

    async def on_message(self, message: discord.Message) -> None:
        """Prefix commands are off: mentions and DMs are questions (see cogs/ask.py)."""

    async def ask(self, question: str) -> Answer:
        """Answer in a worker thread (embedding and search block) and record the latency."""
        started = time.perf_counter()
        answer = await asyncio.get_running_loop().run_in_executor(self._answer_pool, self.service.ask, question)
        self.latencies_ms.append((time.perf_counter() - started) * 1000)
        return answer

    async def close(self) -> None:
        await super().close()
        self._answer_pool.shutdown(wait=False, cancel_futures=True)  # questions still queued are not answered

    def remember(self, answer: Answer) -> str:
        """Keep an answer for its buttons; returns the id the buttons carry."""
        answer_id = secrets.token_hex(6)
        self._answers[answer_id] = answer
        while len(self._answers) > REMEMBERED_ANSWERS:
            forgotten, _ = self._answers.popitem(last=False)
            self.voters.pop(forgotten, None)
        return answer_id

    def recall(self, answer_id: str) -> Answer | None:
        return self._answers.get(answer_id)

    def latency_p50_ms(self) -> float | None:
        return statistics.median(self.latencies_ms) if self.latencies_ms else None

    async def on_app_command_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """Users get a short, friendly reply; unexpected errors are logged with a reference id."""
        if isinstance(error, NotAdmin):
            await reply_privately(interaction, str(error))
        elif isinstance(error, app_commands.NoPrivateMessage):
            await reply_privately(interaction, "This command only works in a server.")
        elif isinstance(error, app_commands.CheckFailure):
            await reply_privately(interaction, "You can't use this command here.")
        else:
            reference = new_reference()
            original = getattr(error, "original", error)
            command = interaction.command.qualified_name if interaction.command else "?"
            log.error("command failed", exc_info=original, extra={"reference": reference, "command": command})
            await reply_privately(interaction, apology(reference))


def new_reference() -> str:
    return secrets.token_hex(4)


def apology(reference: str) -> str:
    return f"Sorry, something went wrong on our side. If it keeps happening, tell the maintainers: reference `{reference}`."


async def reply_privately(interaction: discord.Interaction, text: str) -> None:
    """An ephemeral reply, whether or not the interaction was already answered or deferred."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
    except discord.HTTPException:
        log.warning("could not send a reply to interaction %s", interaction.id, exc_info=True)
