"""`newsbot run`: settings → logging → log in → index loaded → gateway connected."""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from pathlib import Path

import aiohttp
import discord

from index import NewsbotError, NewsService

from .client import NewsBot, point_at_api
from .logs import configure_logging
from .settings import BotSettings

log = logging.getLogger("newsbot.run")

HEALTH_EVERY_SECONDS = 30


def run_bot(settings: BotSettings) -> int:
    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    if not token:
        raise NewsbotError("no Discord token: set DISCORD_TOKEN (environment or .env) to the bot's token")
    configure_logging(settings.log_format, secrets=[token])
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
        heartbeat = asyncio.create_task(write_health(bot, settings.health_file))
        try:
            await bot.login(token)
            await load_index(bot.service)
            await bot.connect()
        except discord.LoginFailure:
            raise NewsbotError("Discord refused the token: check DISCORD_TOKEN (it may have been reset)") from None
        except (aiohttp.ClientError, OSError) as error:
            where = settings.discord_api_base_url or "discord.com"
            raise NewsbotError(f"cannot reach Discord at {where}: {error}") from None
        except discord.PrivilegedIntentsRequired:
            raise NewsbotError(
                "Discord refused the intents this bot asks for; enable them in the developer portal"
            ) from None
        finally:
            heartbeat.cancel()


async def load_index(service: NewsService) -> None:
    """Load (or first build) the index in a worker thread."""
    if service.is_loaded:
        return
    started = time.perf_counter()
    built = await asyncio.to_thread(service.load, True)
    log.info(
        "index loaded",
        extra={
            "chunks": len(service.stored.chunks),
            "built": built is not None,
            "seconds": round(time.perf_counter() - started, 2),
            "model": service.embedder.name,
        },
    )


async def write_health(bot: NewsBot, path: Path) -> None:
    """Touch a file while connected; `newsbot health` (the container healthcheck) reads it."""
    while True:
        if not bot.is_ready() or bot.is_closed():
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
