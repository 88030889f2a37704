"""What the emulator remembers, so tests can assert on traffic instead of on timing."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass
class RecordedFile:
    field: str  # the multipart field name, e.g. "files[0]"
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class RecordedRequest:
    """One HTTP request as the emulator received it (and what it answered)."""

    index: int
    method: str
    path: str  # relative to the API base when under /api/v10 (e.g. "/channels/1/messages"), else raw
    raw_path: str
    query: dict[str, str]
    json: Any  # parsed JSON body, or the parsed `payload_json` of a multipart body; None if no body
    files: list[RecordedFile]
    headers: dict[str, str]
    time: float  # loop.time() (monotonic) when received
    status: int | None = None
    response: Any = None

    def matches(self, method: str | None, path_regex: str | None) -> bool:
        if method is not None and self.method != method.upper():
            return False
        return path_regex is None or re.fullmatch(path_regex, self.path) is not None

    def __repr__(self) -> str:
        return f"<{self.method} {self.path} -> {self.status}>"


@dataclass
class CallbackRecord:
    """One POST /interactions/{id}/{token}/callback that the emulator accepted."""

    type: int
    data: dict[str, Any] | None
    elapsed: float  # seconds since the interaction was dispatched on the gateway
    request: RecordedRequest


@dataclass
class InteractionRecord:
    """Everything the bot did with one interaction, in order."""

    id: int
    token: str
    payload: dict[str, Any]
    dispatched_at: float
    callbacks: list[CallbackRecord] = field(default_factory=list)
    followups: list[dict[str, Any]] = field(default_factory=list)  # message objects returned to the bot
    original_edits: list[dict[str, Any]] = field(default_factory=list)  # PATCH bodies for @original
    original: dict[str, Any] | None = None  # current state of the original response message
    original_deleted: bool = False
    events: list[tuple[str, float]] = field(default_factory=list)  # ("callback:5", "followup", "edit_original"…)
    shard: tuple[int, int] | None = None  # (shard_id, num_shards) of the session it was delivered to

    @property
    def callback_types(self) -> list[int]:
        return [c.type for c in self.callbacks]

    @property
    def acknowledged(self) -> bool:
        return bool(self.callbacks)

    @property
    def replied(self) -> bool:
        """True once the user can see an answer (or a modal): not just a "thinking…" state."""
        if any(c.type in (4, 7, 8, 9) for c in self.callbacks):
            return True
        return bool(self.followups or self.original_edits)

    def note(self, event: str, at: float) -> None:
        self.events.append((event, at - self.dispatched_at))


@dataclass
class GatewayConnectionRecord:
    """One websocket connection to the gateway, with every frame both ways (decoded)."""

    index: int
    query: dict[str, str]
    opened_at: float
    received: list[dict[str, Any]] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    binary_frames: int = 0
    text_frames: int = 0
    identify: dict[str, Any] | None = None
    resume: dict[str, Any] | None = None
    shard: tuple[int, int] | None = None  # (shard_id, num_shards) of the session it identified or resumed
    closed_at: float | None = None
    close_code: int | None = None  # the code we sent, or the client's
    closed_by: str | None = None  # "server" | "client" | "abort"

    @property
    def compress(self) -> str | None:
        return self.query.get("compress")

    def ops_received(self) -> list[int]:
        return [frame.get("op") for frame in self.received]

    def dispatches_sent(self) -> list[str]:
        return [frame["t"] for frame in self.sent if frame.get("op") == 0]


@dataclass
class RateLimitRule:
    """A one-shot (or n-shot) 429 for the next matching request."""

    method: str
    path_regex: str
    retry_after: float
    is_global: bool
    scope: str
    remaining_hits: int = 1

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method) and re.fullmatch(self.path_regex, path) is not None


class Notifier:
    """Wakes waiters whenever the emulator's state changes; `wait_for` re-checks a predicate on each change.

    Predicates may also read state the emulator does not own (the client's caches, a handler's list),
    so they are re-checked every `poll` seconds as well.
    """

    poll = 0.02

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()

    def notify(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def wait_for(self, predicate: Callable[[], T], timeout: float, describe: Callable[[], str]) -> T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(describe())
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.add(waiter)
            try:
                await asyncio.wait_for(asyncio.shield(waiter), min(remaining, self.poll))
            except TimeoutError:
                pass
            finally:
                self._waiters.discard(waiter)
