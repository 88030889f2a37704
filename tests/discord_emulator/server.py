"""`DiscordEmulator`: the public face of the emulator (lifecycle, injection, waiting, fault injection)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from aiohttp import web

from . import payloads
from .gateway import (
    HEARTBEAT,
    INVALID_SESSION,
    PRIVILEGED_INTENTS,
    RECONNECT,
    Gateway,
    GatewayConnection,
    GatewaySession,
)
from .interactions import InteractionBuilder, OptionsArg, check_command_available
from .messages import for_gateway, new_message, store_blob
from .middleware import RateLimiter, RateLimitPolicy, make_middleware
from .records import GatewayConnectionRecord, InteractionRecord, Notifier, RateLimitRule, RecordedRequest
from .rest import Routes
from .snowflake import SnowflakeGenerator, on_shard, random_token
from .world import Guild, UserLike, World

T = TypeVar("T")

DEFAULT_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GEmuLa.dQw4w9WgXcQ-emulated-bot-token-0000000000"


class DiscordEmulator:
    """A small, faithful Discord (REST v10 + gateway) on 127.0.0.1 for end-to-end tests of a discord.py bot.

    Point the client at it with ``discord.http.Route.BASE = emu.api_base_url`` and
    ``DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(emu.gateway_url)``.
    """

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        heartbeat_interval_ms: int = 41250,
        bot_name: str = "newsbot",
        guild_name: str = "Emulated Guild",
        bot_permissions: int = payloads.BOT_DEFAULT_PERMISSIONS,
        interaction_deadline: float = 3.0,
        echo_bot_messages: bool = True,
        rate_limit: RateLimitPolicy | None = None,
        host: str = "127.0.0.1",
        shards: int = 1,
    ) -> None:
        self.token = token
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.interaction_deadline = interaction_deadline
        self.echo_bot_messages = echo_bot_messages
        self.host = host
        self.port: int | None = None
        self.allowed_privileged_intents = PRIVILEGED_INTENTS  # as if toggled on in the developer portal
        self.recommended_shards = shards  # GET /gateway/bot's "shards"
        self.max_concurrency = 1  # identifies per 5 s (session_start_limit.max_concurrency)
        self.max_guilds_per_shard = 2500  # more guilds than this per shard: IDENTIFY is closed with 4011

        self.ids = SnowflakeGenerator()
        self.world = World(self.ids, bot_name=bot_name, guild_name=guild_name, bot_permissions=bot_permissions)
        self.requests: list[RecordedRequest] = []
        self.gateway_connections: list[GatewayConnectionRecord] = []
        self.interactions: dict[int, InteractionRecord] = {}
        self.sent_messages: list[dict[str, Any]] = []  # POST /channels/{id}/messages, in order
        self.rate_limit_policy = rate_limit or RateLimitPolicy()
        self.rate_limiter = RateLimiter(self.rate_limit_policy)

        self._by_token: dict[str, InteractionRecord] = {}
        self._rate_limit_rules: list[RateLimitRule] = []
        self._notifier = Notifier()
        self._delivered: set[int] = set()
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.gateway = Gateway(self)
        self.gateway.on_sent = self._on_frame_sent

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        app = web.Application(middlewares=[make_middleware(self)], client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self.gateway.handle)
        Routes(self).register(app)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is None:
            return
        await self.gateway.close_all()
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> DiscordEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- addresses and identities ---------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("the emulator is not started")
        return f"http://{self.host}:{self.port}"

    @property
    def api_base_url(self) -> str:
        return self.base_url + "/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/gateway"

    @property
    def application_id(self) -> int:
        return self.world.application_id

    @property
    def bot_user(self) -> dict[str, Any]:
        return self.world.bot_user

    @property
    def owner(self) -> dict[str, Any]:
        return self.world.owner

    @property
    def guild(self) -> Guild:
        return self.world.guild

    @property
    def guild_id(self) -> int:
        return self.world.guild.id

    @property
    def channel_id(self) -> int:
        """The default guild text channel ("general")."""
        return int(self.world.text_channel["id"])

    @property
    def default_user(self) -> dict[str, Any]:
        """The member (payload with "user") that injections act as when no user is given."""
        return self.world.default_user

    @property
    def global_commands(self) -> list[dict[str, Any]]:
        return self.world.global_commands

    @property
    def guild_commands(self) -> dict[int, list[dict[str, Any]]]:
        return self.world.guild_commands

    @property
    def channel_messages(self) -> dict[int, list[dict[str, Any]]]:
        """Every stored message per channel (users' and the bot's), oldest first."""
        return self.world.channel_messages

    @property
    def invalidate_next_resume(self) -> bool:
        return self.gateway.invalidate_next_resume

    @invalidate_next_resume.setter
    def invalidate_next_resume(self, value: bool) -> None:
        self.gateway.invalidate_next_resume = value

    def loop_time(self) -> float:
        return (self._loop or asyncio.get_running_loop()).time()

    def changed(self) -> None:
        """Called on every state change; wakes `wait_for` callers."""
        self._notifier.notify()

    # -- world building -------------------------------------------------------------------------

    def add_member(
        self,
        user_id: int | None = None,
        *,
        name: str = "member",
        permissions: int | None = None,
        roles: list[int] | None = None,
        nick: str | None = None,
        guild_id: int | None = None,
    ) -> dict[str, Any]:
        """Add a guild member; `permissions` creates a role granting exactly those bits. Returns the member payload.

        Members added after the client connected are not announced on the gateway; discord.py
        learns them from the interaction/message payloads that carry them.
        """
        return self.world.add_member(
            user_id, name=name, permissions=permissions, roles=roles, nick=nick, guild_id=guild_id
        )

    def add_role(self, name: str, permissions: int, *, guild_id: int | None = None) -> dict[str, Any]:
        return self.world.add_role(name, permissions, guild_id=guild_id)

    def add_guild(
        self,
        name: str,
        *,
        shard: tuple[int, int] | None = None,
        bot_permissions: int = payloads.BOT_DEFAULT_PERMISSIONS,
    ) -> Guild:
        """Another guild the bot is in, with a "general" channel; `shard=(shard_id, num_shards)` picks an
        id whose events go to that shard. Add it before the client connects (no GUILD_CREATE is sent)."""
        guild_id = on_shard(self.ids.next(), *shard) if shard else None
        return self.world.add_guild(name, bot_permissions=bot_permissions, guild_id=guild_id)

    def add_text_channel(
        self, name: str, *, overwrites: list[dict[str, Any]] | None = None, guild_id: int | None = None
    ) -> dict[str, Any]:
        """Add a text channel (before the client connects, or it will not be in the guild cache)."""
        return self.world.add_text_channel(name, overwrites=overwrites, guild_id=guild_id)

    def create_user(self, name: str, *, user_id: int | None = None) -> dict[str, Any]:
        """A user who is not a guild member (for DMs)."""
        return self.world.create_user(name, user_id=user_id)

    def dm_channel(self, user: UserLike = None) -> dict[str, Any]:
        return self.world.dm_channel_for(int(self.world.resolve_user(user)["id"]))

    def add_attachment(
        self,
        filename: str,
        data: bytes,
        content_type: str = "application/octet-stream",
        *,
        channel_id: int | None = None,
        description: str | None = None,
    ) -> dict[str, Any]:
        """Register bytes served under /attachments/…; returns the attachment object pointing at them."""
        channel = channel_id or self.channel_id
        return store_blob(self.world, self.base_url, channel, filename, data, content_type, description=description)

    @staticmethod
    def mention(user: dict[str, Any] | int) -> str:
        user_id = user if isinstance(user, int) else user.get("user", user)["id"]
        return f"<@{user_id}>"

    # -- event injection ------------------------------------------------------------------------

    def _require_session(self) -> None:
        if not self.gateway.sessions:
            raise RuntimeError("no gateway session: start the client and wait until it is ready first")

    def _context(self, user: UserLike, guild: bool, channel_id: int | None) -> InteractionBuilder:
        invoker = self.world.resolve_user(user)
        if not guild:
            found = self.world.find_channel(channel_id) if channel_id else None
            channel = found[0] if found else self.dm_channel(invoker)
            return InteractionBuilder(self.world, user=invoker, guild=None, channel=channel)
        found = self.world.find_channel(channel_id or self.channel_id)
        if found is None or found[1] is None:
            raise ValueError(f"{channel_id} is not a guild channel")
        channel, guild_obj = found
        if int(invoker["id"]) not in guild_obj.members:
            raise ValueError(f"{invoker['username']} is not a member of {guild_obj.name}; use add_member()")
        return InteractionBuilder(self.world, user=invoker, guild=guild_obj, channel=channel)

    async def _dispatch_interaction(self, payload: dict[str, Any]) -> dict[str, Any]:
        record = InteractionRecord(int(payload["id"]), payload["token"], payload, dispatched_at=self.loop_time())
        self.interactions[record.id] = record
        self._by_token[record.token] = record
        await self.gateway.dispatch("INTERACTION_CREATE", payload)
        return payload

    async def send_slash_command(
        self,
        name: str,
        options: OptionsArg = None,
        *,
        user: UserLike = None,
        guild: bool = True,
        channel_id: int | None = None,
        subcommand: str | None = None,
        resolved: dict[str, Any] | None = None,
        locale: str = "en-US",
        permission_override: bool = False,
    ) -> dict[str, Any]:
        """Dispatch an APPLICATION_COMMAND interaction for a synced command; returns the interaction payload.

        `options` is ``{name: value}`` or ``[{"name", "value"}]``, typed and ordered from the synced
        schema (attachment values are dicts from `add_attachment`; user/role/channel values are payloads
        or ids; all go into `resolved`), or a full wire-form tree containing the subcommand options.
        `subcommand` is "sub" or "group sub". Invocations the Discord client would not offer (DM-less
        command in a DM, member lacking `default_member_permissions`) raise PermissionError unless
        `permission_override` (a per-server command permission granted by an admin).
        """
        self._require_session()
        context = self._context(user, guild, channel_id)
        guild_id = context.guild.id if context.guild else None
        command = self.world.find_command(name, guild_id)
        if command is None:
            raise LookupError(f"/{name} is not registered (did the bot sync its command tree?)")
        member_permissions = context.member_permissions() if context.guild else None
        check_command_available(
            command,
            in_guild=context.guild is not None,
            member_permissions=member_permissions,
            permission_override=permission_override,
        )
        context.check_can_use_commands()
        payload = context.base(self.ids.next(), random_token(), 2, locale)
        payload["data"] = context.command_data(command, options, subcommand, resolved)
        return await self._dispatch_interaction(payload)

    async def send_component_click(
        self,
        custom_id: str,
        message: dict[str, Any] | int | str,
        *,
        user: UserLike = None,
        component_type: int = 2,
        values: list[str] | None = None,
        locale: str = "en-US",
    ) -> dict[str, Any]:
        """Dispatch a MESSAGE_COMPONENT interaction (a button by default) on a message the bot sent."""
        self._require_session()
        message = self._find_message(message)
        found = self.world.find_channel(int(message["channel_id"]))
        in_guild = found is not None and found[1] is not None
        context = self._context(user, in_guild, int(message["channel_id"]))
        payload = context.base(self.ids.next(), random_token(), 3, locale)
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = values
        payload["data"] = data
        payload["message"] = message
        return await self._dispatch_interaction(payload)

    def _find_message(self, message: dict[str, Any] | int | str) -> dict[str, Any]:
        if isinstance(message, dict):
            return message
        message_id = str(message)
        stored = self.world.messages.get(int(message_id))
        if stored is not None:
            return stored
        for record in self.interactions.values():
            for candidate in [record.original, *record.followups]:
                if candidate is not None and candidate["id"] == message_id:
                    return candidate
        raise LookupError(f"unknown message {message_id}")

    async def send_message(
        self,
        content: str,
        *,
        author: UserLike = None,
        channel_id: int | None = None,
        mentions: list[dict[str, Any] | int] | None = None,
        guild: bool = True,
        reply_to: dict[str, Any] | None = None,
        attachments: list[dict[str, Any]] | None = None,
        embeds: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Store a user's message and dispatch MESSAGE_CREATE; returns the message as dispatched.

        Mentions are computed from `<@id>` in `content` unless given explicitly; `guild=False` posts
        in the author's DM channel with the bot.
        """
        self._require_session()
        context = self._context(author, guild, channel_id)
        body: dict[str, Any] = {"content": content, "embeds": embeds or []}
        permissions = context.member_permissions() if context.guild else payloads.DM_APP_PERMISSIONS
        message = new_message(
            self.world,
            int(context.channel["id"]),
            body,
            attachments or [],
            guild=context.guild,
            author=context.user,
            author_permissions=permissions,
            replied_to=reply_to,
        )
        if mentions is not None:
            users = [self.world.resolve_user(m) for m in mentions]
            message["mentions"] = [self.world.user_with_member(u, context.guild) for u in users]
        self.world.store_message(message)
        data = for_gateway(self.world, message)
        await self.gateway.dispatch("MESSAGE_CREATE", data)
        return data

    async def dispatch(self, event: str, data: dict[str, Any]) -> int | None:
        """Send any dispatch event as is; returns its sequence number (None if filtered or no session)."""
        return await self.gateway.dispatch(event, data)

    def _on_frame_sent(self, session: GatewaySession, frame: dict[str, Any]) -> None:
        if frame["t"] != "INTERACTION_CREATE":
            return
        interaction_id = int(frame["d"]["id"])
        record = self.interactions.get(interaction_id)
        if record is not None and interaction_id not in self._delivered:
            self._delivered.add(interaction_id)
            record.dispatched_at = self.loop_time()  # the 3 s budget starts when the bot can see it
            record.shard = session.shard

    # -- lookups for assertions -----------------------------------------------------------------

    def interaction(self, interaction: dict[str, Any] | int | str) -> InteractionRecord:
        key = int(interaction["id"]) if isinstance(interaction, dict) else int(interaction)
        return self.interactions[key]

    def interaction_by_token(self, token: str) -> InteractionRecord | None:
        return self._by_token.get(token)

    def requests_to(self, method: str | None = None, path_regex: str | None = None) -> list[RecordedRequest]:
        return [r for r in self.requests if r.matches(method, path_regex)]

    def bot_messages(self, channel_id: int | None = None) -> list[dict[str, Any]]:
        return [m for m in self.sent_messages if channel_id is None or m["channel_id"] == str(channel_id)]

    def mark(self) -> int:
        """The current request count, to pass as `since=` so a wait ignores earlier traffic."""
        return len(self.requests)

    # -- waiting --------------------------------------------------------------------------------

    async def wait_for(
        self, predicate_or_route: Callable[[], T] | str, timeout: float = 5.0, *, since: int = 0
    ) -> T | RecordedRequest:
        """Wait until `predicate()` is truthy (returning it), or for a route given as "METHOD /path-regex"."""
        if isinstance(predicate_or_route, str):
            method, _, path = predicate_or_route.partition(" ")
            return await self.wait_for_request(method, path or None, timeout=timeout, since=since)
        return await self._notifier.wait_for(predicate_or_route, timeout, self._describe)

    async def wait_for_request(
        self,
        method: str | None = None,
        path_regex: str | None = None,
        *,
        timeout: float = 5.0,
        since: int = 0,
        status: int | None = None,
    ) -> RecordedRequest:
        """The first completed request at index >= `since` whose method and API path (regex fullmatch) match."""

        def find() -> RecordedRequest | None:
            for record in self.requests[since:]:
                if record.status is not None and record.matches(method, path_regex):
                    if status is None or record.status == status:
                        return record
            return None

        return await self._notifier.wait_for(find, timeout, lambda: self._describe(f"{method} {path_regex}"))

    async def wait_for_interaction_reply(
        self, interaction: dict[str, Any] | int | str, timeout: float = 5.0
    ) -> InteractionRecord:
        """Wait until the user can see an answer: a message/update/modal callback, a follow-up or an edit."""
        record = self.interaction(interaction)
        return await self._notifier.wait_for(
            lambda: record if record.replied else None, timeout, lambda: self._describe(f"reply to {record.id}")
        )

    async def wait_for_callback(
        self, interaction: dict[str, Any] | int | str, timeout: float = 5.0
    ) -> InteractionRecord:
        record = self.interaction(interaction)
        return await self._notifier.wait_for(
            lambda: record if record.callbacks else None, timeout, lambda: self._describe(f"callback {record.id}")
        )

    async def wait_for_message(
        self, channel_id: int | None = None, *, timeout: float = 5.0, since: int = 0
    ) -> dict[str, Any]:
        """The first message the bot posted with POST /channels/{id}/messages at index >= `since`."""

        def find() -> dict[str, Any] | None:
            messages = self.sent_messages[since:]
            return next((m for m in messages if channel_id is None or m["channel_id"] == str(channel_id)), None)

        return await self._notifier.wait_for(find, timeout, lambda: self._describe("bot message"))

    async def wait_for_gateway(
        self,
        op: int | None = None,
        *,
        event: str | None = None,
        sent: bool = False,
        connection: int | None = None,
        timeout: float = 5.0,
    ) -> tuple[GatewayConnectionRecord, dict[str, Any]]:
        """A gateway frame received from (or, with sent=True, sent to) the client: (connection, frame)."""

        def find() -> tuple[GatewayConnectionRecord, dict[str, Any]] | None:
            for record in self.gateway_connections:
                if connection is not None and record.index != connection:
                    continue
                for frame in record.sent if sent else record.received:
                    if (op is None or frame.get("op") == op) and (event is None or frame.get("t") == event):
                        return record, frame
            return None

        return await self._notifier.wait_for(find, timeout, lambda: self._describe(f"gateway op={op} t={event}"))

    def _describe(self, waiting_for: str = "condition") -> str:
        recent = ", ".join(repr(r) for r in self.requests[-8:]) or "none"
        return f"timed out waiting for {waiting_for}; last requests: {recent}"

    # -- fault injection ------------------------------------------------------------------------

    def rate_limit_next(
        self,
        method: str,
        path_regex: str,
        retry_after: float = 0.5,
        is_global: bool = False,
        *,
        times: int = 1,
        scope: str = "user",
    ) -> RateLimitRule:
        """Answer the next `times` matching requests (API path, regex fullmatch) with a 429."""
        rule = RateLimitRule(method.upper(), path_regex, retry_after, is_global, scope, times)
        self._rate_limit_rules.append(rule)
        return rule

    def take_rate_limit_rule(self, method: str, path: str) -> RateLimitRule | None:
        for rule in self._rate_limit_rules:
            if rule.remaining_hits > 0 and rule.matches(method, path):
                rule.remaining_hits -= 1
                if rule.remaining_hits == 0:
                    self._rate_limit_rules.remove(rule)
                return rule
        return None

    def _connection(self, shard: int | None) -> GatewayConnection | None:
        session = self.gateway.session_for(shard)
        return session.connection if session else None

    async def drop_gateway(self, code: int | None = None, *, shard: int | None = None) -> None:
        """Cut the live connection (of `shard`, or the first session's): abruptly (no close frame, like
        a network drop) or with a close `code`."""
        conn = self._connection(shard)
        if conn is None:
            raise RuntimeError("no live gateway connection")
        conn.live = False  # nothing more is written to it; missed events wait for the resume
        if code is None:
            conn.abort()
        else:
            await conn.close(code, "Emulated disconnect.")

    async def request_reconnect(self, *, shard: int | None = None) -> None:
        """Send op 7 RECONNECT; the client should close and RESUME."""
        await self.gateway.send_op(RECONNECT, shard=shard)

    async def invalidate_session(self, resumable: bool = False, *, shard: int | None = None) -> None:
        """Send op 9 INVALID_SESSION now; with resumable=False the session is forgotten."""
        conn = self._connection(shard)
        if conn is None:
            raise RuntimeError("no live gateway connection")
        if not resumable:
            self.gateway.forget(conn.session)
        await conn.send({"op": INVALID_SESSION, "d": resumable, "s": None, "t": None})

    async def request_heartbeat(self, *, shard: int | None = None) -> None:
        """Send op 1; the client must heartbeat immediately."""
        await self.gateway.send_op(HEARTBEAT, shard=shard)
