"""`newsbot run`: settings → logging → log in → index loaded → gateway connected."""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections.abc import Awaitable
from pathlib import Path

import aiohttp
import discord

from index import BuildReport, NewsbotError, NewsService, ReindexInProgress

from .client import NewsBot, point_at_api
from .logs import configure_logging
from .settings import BotSettings

log = logging.getLogger("newsbot.run")

HEALTH_EVERY_SECONDS = 30
BUILD_WAIT_SECONDS = 1  # how often a process waits-and-retries while another one builds the first index


def run_bot(settings: BotSettings) -> int:
    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    if not token:
        raise NewsbotError("no Discord token: set DISCORD_TOKEN (environment or .env) to the bot's token")
    llm_key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else ""
    configure_logging(settings.log_format, secrets=[token, llm_key], shards=settings.shard_ids)
    asyncio.run(serve(settings, token))
    return 0


async def serve(settings: BotSettings, token: str) -> None:
    """Run the bot until it is closed (SIGTERM/SIGINT close it cleanly)."""
    bot = create_bot(settings)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(signum, lambda: asyncio.ensure_future(bot.close()))
        except (NotImplementedError, RuntimeError):  # not POSIX
            pass
    await run_until_closed(bot, token)


def create_bot(settings: BotSettings, service: NewsService | None = None) -> NewsBot:
    if settings.discord_api_base_url:
        point_at_api(settings.discord_api_base_url)
    return NewsBot(settings, service or NewsService(settings))


async def run_until_closed(bot: NewsBot, token: str) -> None:
    """Log in (a bad token fails fast), load or build the index, then connect and serve.

    The gateway connection comes last, so the bot never reports ready before it can answer.
    Discord's refusals become plain errors.
    """
    settings = bot.settings
    async with bot:
        background = [asyncio.create_task(write_health(bot, settings.health_file))]
        try:
            await reach_discord(bot.login(token), settings)
            try:
                await load_index(bot.service)
            except OSError as error:  # the data folder, not the network: say which file
                raise NewsbotError(
                    f"cannot use {error.filename or settings.data_dir}: {error.strerror or error}; "
                    "check that the data folder exists and is readable and writable by this user"
                ) from None
            background.append(asyncio.create_task(follow_index_builds(bot.service, settings.index_poll_seconds)))
            await reach_discord(bot.connect(), settings)
        finally:
            for task in background:
                task.cancel()


async def reach_discord(step: Awaitable[None], settings: BotSettings) -> None:
    """Run a step that talks to Discord; its refusals and network failures become plain errors."""
    try:
        await step
    except discord.LoginFailure:
        raise NewsbotError("Discord refused the token: check DISCORD_TOKEN (it may have been reset)") from None
    except (aiohttp.ClientError, OSError) as error:
        where = settings.discord_api_base_url or "discord.com"
        raise NewsbotError(f"cannot reach Discord at {where}: {error}") from None
    except discord.PrivilegedIntentsRequired:
        raise NewsbotError(
            "Discord refused the intents this bot asks for; enable them in the developer portal"
        ) from None


async def load_index(service: NewsService) -> asyncio.Task[None] | None:
    """Load the index in a worker thread, building it first if there is nothing to serve.

    A damaged current build with a good earlier one beside it is rebuilt in the background while
    the earlier one answers (the returned task), so a bad file never keeps the bot offline."""
    if service.is_loaded:
        return None
    started = time.perf_counter()
    try:
        problem = await asyncio.to_thread(service.open)
    except NewsbotError as error:
        problem = str(error)
    built = None
    if not service.is_loaded:  # nothing servable on disk: build before connecting
        built = await build_first(service)
        problem = None  # what serves now is a fresh build, this process's or another's
    log.info(
        "index loaded",
        extra={
            "chunks": len(service.stored.chunks),
            "built": built is not None,
            "seconds": round(time.perf_counter() - started, 2),
            "model": service.embedder.name,
        },
    )
    if service.is_loaded and problem and built is None:
        task = asyncio.create_task(rebuild_in_background(service, problem))
        _background.add(task)
        task.add_done_callback(_background.discard)
        return task
    return None


async def build_first(service: NewsService) -> BuildReport | None:
    """Build the index, or, if another process sharing the data folder is building it, wait for that
    build and serve it (two shards started at once on an empty folder: one builds, the other waits)."""
    waiting = False
    while True:
        try:
            return await asyncio.to_thread(service.load, True)
        except ReindexInProgress:
            if not waiting:
                log.info("another process is building the index; waiting for its build")
                waiting = True
            await asyncio.sleep(BUILD_WAIT_SECONDS)


async def rebuild_in_background(service: NewsService, problem: str) -> None:
    log.warning("rebuilding the index from the digests in the background: %s", problem)
    try:
        report = await asyncio.to_thread(service.reindex)
    except NewsbotError as error:
        log.error("could not rebuild the index (%s); still answering from the previous build", error)
        return
    log.info("index rebuilt", extra={"chunks": report.chunks, "seconds": round(report.seconds, 2)})


_background: set[asyncio.Task[None]] = set()  # keeps running rebuilds referenced until they finish


async def follow_index_builds(service: NewsService, every_seconds: float) -> None:
    """Serve the builds other processes make current in the shared data folder (docs/scaling.md).

    `refresh` reads the disk, so it runs in a worker thread; it skips while this process reindexes."""
    while True:
        await asyncio.sleep(every_seconds)
        try:
            await asyncio.to_thread(service.refresh)
        except Exception:  # a bug: logged with its traceback, and the next round tries again
            log.exception("could not look for a newer index build")


async def write_health(bot: NewsBot, path: Path) -> None:
    """Touch a file while every shard of this process is connected; `newsbot health` (the container
    healthcheck) reads it."""
    while True:
        if not bot.all_shards_connected():
            await asyncio.sleep(1)
            continue
        try:
            path.write_text(str(time.time()))
        except OSError:
            log.warning("cannot write the health file %s", path)
        await asyncio.sleep(HEALTH_EVERY_SECONDS)


def is_healthy(path: Path, max_age: float = 3 * HEALTH_EVERY_SECONDS) -> bool:
    try:
        return time.time() - path.stat().st_mtime < max_age
    except OSError:
        return False
