"""Identifiers and timestamps shaped like Discord's, so client-side parsing sees realistic values."""

from __future__ import annotations

import datetime
import secrets
import threading
import time

DISCORD_EPOCH_MS = 1420070400000


class SnowflakeGenerator:
    """Timestamp-based, strictly increasing snowflakes (worker 1, process 0).

    Strictly increasing ids matter: discord.py orders messages and derives creation times from ids.
    """

    def __init__(self, worker_id: int = 1, process_id: int = 0) -> None:
        self._worker = worker_id & 0x1F
        self._process = process_id & 0x1F
        self._last_ms = 0
        self._increment = 0
        self._lock = threading.Lock()

    def next(self) -> int:
        with self._lock:
            now_ms = int(time.time() * 1000)
            if now_ms <= self._last_ms:
                now_ms = self._last_ms
                self._increment += 1
                if self._increment > 0xFFF:  # 4096 ids in one millisecond: borrow the next one
                    now_ms += 1
                    self._increment = 0
            else:
                self._increment = 0
            self._last_ms = now_ms
            return ((now_ms - DISCORD_EPOCH_MS) << 22) | (self._worker << 17) | (self._process << 12) | self._increment


def shard_of(guild_id: int, num_shards: int) -> int:
    """The shard that receives a guild's events (docs: topics/gateway#sharding-sharding-formula)."""
    return (guild_id >> 22) % num_shards


def on_shard(snowflake: int, shard_id: int, num_shards: int) -> int:
    """`snowflake` moved a few milliseconds later, so that it falls on `shard_id` of `num_shards`."""
    return snowflake + (((shard_id - shard_of(snowflake, num_shards)) % num_shards) << 22)


def snowflake_time(snowflake: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000, datetime.UTC)


def iso_timestamp(moment: datetime.datetime | None = None) -> str:
    """ISO 8601 with microseconds and +00:00, as Discord writes `timestamp` fields."""
    moment = moment or datetime.datetime.now(datetime.UTC)
    return moment.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def random_token(prefix: str = "aW50ZXJhY3Rpb246", length: int = 160) -> str:
    """An opaque interaction token: URL-safe base64 characters, ~160 long, like the real ones."""
    return prefix + secrets.token_urlsafe(length)[: length - len(prefix)]


def session_id() -> str:
    return secrets.token_hex(16)
