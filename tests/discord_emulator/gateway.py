"""The gateway websocket: HELLO/IDENTIFY/READY, heartbeats, sessions with resume and replay,
sharding (one session per shard; each guild's events go to its shard only), zlib-stream transport
compression, and the close codes of the documentation."""

from __future__ import annotations

import asyncio
import copy
import json
import zlib
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from . import payloads
from .payloads import (
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MEMBERS,
    INTENT_GUILD_MESSAGES,
    INTENT_GUILD_PRESENCES,
    INTENT_GUILDS,
    INTENT_MESSAGE_CONTENT,
)
from .records import GatewayConnectionRecord
from .snowflake import session_id, shard_of

if TYPE_CHECKING:
    from .server import DiscordEmulator

# Opcodes (docs: topics/opcodes-and-status-codes#gateway-gateway-opcodes).
DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE_UPDATE, VOICE_STATE_UPDATE = 0, 1, 2, 3, 4
RESUME, RECONNECT, REQUEST_GUILD_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 6, 7, 8, 9, 10, 11
REQUEST_SOUNDBOARD_SOUNDS = 31

# Close codes (docs: topics/opcodes-and-status-codes#gateway-gateway-close-event-codes).
UNKNOWN_ERROR, UNKNOWN_OPCODE, DECODE_ERROR, NOT_AUTHENTICATED = 4000, 4001, 4002, 4003
AUTHENTICATION_FAILED, ALREADY_AUTHENTICATED, INVALID_SEQ = 4004, 4005, 4007
INVALID_SHARD, SHARDING_REQUIRED, INVALID_INTENTS, DISALLOWED_INTENTS = 4010, 4011, 4013, 4014

KNOWN_INTENTS = (1 << 26) - 1
PRIVILEGED_INTENTS = INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES | INTENT_MESSAGE_CONTENT
MAX_CLIENT_PAYLOAD = 4096
REPLAY_BUFFER = 1000

# Which intent gates each dispatch we emit (events not listed are always sent).
_GUILD_INTENT = {
    "GUILD_CREATE": INTENT_GUILDS,
    "GUILD_UPDATE": INTENT_GUILDS,
    "GUILD_DELETE": INTENT_GUILDS,
    "CHANNEL_CREATE": INTENT_GUILDS,
    "GUILD_MEMBER_ADD": INTENT_GUILD_MEMBERS,
    "GUILD_MEMBER_REMOVE": INTENT_GUILD_MEMBERS,
}
_MESSAGE_EVENTS = {"MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE"}
_GUILD_OBJECT_EVENTS = {"GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"}  # the guild's id is `id`, not `guild_id`
_CONTENT_FIELDS = {"content": "", "embeds": [], "attachments": [], "components": []}


def _frame(op: int, d: Any = None, *, s: int | None = None, t: str | None = None) -> dict[str, Any]:
    return {"op": op, "d": d, "s": s, "t": t}


def _guild_of(event: str, data: dict[str, Any]) -> int | None:
    raw = data.get("id") if event in _GUILD_OBJECT_EVENTS else data.get("guild_id")
    return int(raw) if raw is not None else None


class GatewaySession:
    """A logical session: survives connection drops until invalidated, and keeps dispatches for replay."""

    def __init__(self, intents: int, identify: dict[str, Any], shard: tuple[int, int] = (0, 1)) -> None:
        self.id = session_id()
        self.intents = intents
        self.identify = identify
        self.shard = shard  # (shard_id, num_shards) from IDENTIFY
        self.seq = 0
        self.buffer: deque[dict[str, Any]] = deque(maxlen=REPLAY_BUFFER)
        self.connection: GatewayConnection | None = None

    def append(self, event: str, data: Any) -> dict[str, Any]:
        """Snapshot the event: a replay after a later edit must still carry what happened then."""
        self.seq += 1
        frame = _frame(DISPATCH, copy.deepcopy(data), s=self.seq, t=event)
        self.buffer.append(frame)
        return frame

    def can_replay_from(self, seq: int) -> bool:
        return not self.buffer or self.buffer[0]["s"] <= seq + 1

    def receives(self, guild_id: int | None) -> bool:
        """Discord's sharding formula; DMs (and other events without a guild) go to shard 0 only."""
        shard_id, num_shards = self.shard
        return shard_id == (0 if guild_id is None else shard_of(guild_id, num_shards))


class GatewayConnection:
    """One websocket. Sends are serialised so that the shared zlib stream stays in frame order."""

    def __init__(self, ws: web.WebSocketResponse, request: web.Request, record: GatewayConnectionRecord) -> None:
        self.ws = ws
        self.request = request
        self.record = record
        self.session: GatewaySession | None = None
        self.sent_seq = 0
        self.live = False  # True once READY (or replay) is out: new dispatches go straight to the socket
        self._compressor = zlib.compressobj() if record.compress == "zlib-stream" else None
        self._send_lock = asyncio.Lock()
        # Held while replaying the buffer, so two concurrent dispatches cannot both send one frame.
        self.flush_lock = asyncio.Lock()

    async def send(self, frame: dict[str, Any]) -> bool:
        text = json.dumps(frame, separators=(",", ":"), ensure_ascii=False)
        async with self._send_lock:
            if self.ws.closed:
                return False
            try:
                if self._compressor is not None:
                    data = self._compressor.compress(text.encode()) + self._compressor.flush(zlib.Z_SYNC_FLUSH)
                    await self.ws.send_bytes(data)
                    self.record.binary_frames += 1
                else:
                    await self.ws.send_str(text)
                    self.record.text_frames += 1
            except (ConnectionError, RuntimeError):
                return False
            self.record.sent.append(frame)
            return True

    async def close(self, code: int, message: str = "") -> None:
        self.record.close_code = code
        self.record.closed_by = "server"
        await self.ws.close(code=code, message=message.encode())

    def abort(self) -> None:
        """Drop the TCP connection without a close frame (the client sees 1006 / EOF)."""
        self.record.closed_by = "abort"
        transport = self.request.transport
        if transport is not None:
            transport.abort()


class Gateway:
    """Serves `/gateway`; owns the emulated bot's sessions, one per shard it identified as."""

    def __init__(self, emulator: DiscordEmulator) -> None:
        self.emu = emulator
        self.sessions: list[GatewaySession] = []  # in the order they identified
        self.connections: list[GatewayConnection] = []
        self.invalidate_next_resume = False
        self.on_sent: Callable[[GatewaySession, dict[str, Any]], None] = lambda session, frame: None

    @property
    def session(self) -> GatewaySession | None:
        """The first session: the only one of a bot that does not shard."""
        return self.sessions[0] if self.sessions else None

    @property
    def current(self) -> GatewayConnection | None:
        return self.session.connection if self.session else None

    def session_for(self, shard_id: int | None = None) -> GatewaySession | None:
        """The session of shard `shard_id`, or the first session when None."""
        if shard_id is None:
            return self.session
        return next((session for session in self.sessions if session.shard[0] == shard_id), None)

    def forget(self, session: GatewaySession | None) -> None:
        if session in self.sessions:
            self.sessions.remove(session)

    # -- websocket handler ----------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(timeout=2.0, max_msg_size=1 << 20)
        await ws.prepare(request)
        loop = asyncio.get_running_loop()
        record = GatewayConnectionRecord(index=len(self.connections), query=dict(request.query), opened_at=loop.time())
        self.emu.gateway_connections.append(record)
        conn = GatewayConnection(ws, request, record)
        self.connections.append(conn)
        self.emu.changed()
        try:
            await self._serve(conn)
        finally:
            record.closed_at = loop.time()
            if record.closed_by is None:
                record.closed_by = "client"
                record.close_code = ws.close_code
            conn.live = False
            session = conn.session
            if session is not None and session.connection is conn:
                session.connection = None
                if record.closed_by == "client" and ws.close_code in (1000, 1001):
                    self.forget(session)  # docs: closing with 1000/1001 invalidates the session
            self.emu.changed()
        return ws

    async def _serve(self, conn: GatewayConnection) -> None:
        query = conn.record.query
        if query.get("encoding", "json") != "json":
            await conn.close(DECODE_ERROR, "Only the json encoding is emulated.")
            return
        if query.get("compress") not in (None, "zlib-stream"):
            await conn.close(DECODE_ERROR, "Only zlib-stream transport compression is emulated.")
            return
        hello = {"heartbeat_interval": self.emu.heartbeat_interval_ms, "_trace": ['["gateway-emulator",{}]']}
        await conn.send(_frame(HELLO, hello))
        async for message in conn.ws:
            if message.type is not WSMsgType.TEXT:
                if message.type is WSMsgType.BINARY:
                    await conn.close(DECODE_ERROR, "Error while decoding payload.")
                break
            if len(message.data.encode()) > MAX_CLIENT_PAYLOAD:
                await conn.close(DECODE_ERROR, "Error while decoding payload.")
                break
            try:
                frame = json.loads(message.data)
                op = frame["op"]
            except (ValueError, KeyError, TypeError):
                await conn.close(DECODE_ERROR, "Error while decoding payload.")
                break
            conn.record.received.append(frame)
            self.emu.changed()
            if not await self._on_frame(conn, op, frame.get("d")):
                break

    async def _on_frame(self, conn: GatewayConnection, op: int, d: Any) -> bool:
        """Handle one client frame; False once the connection has been closed."""
        if op == HEARTBEAT:
            await conn.send(_frame(HEARTBEAT_ACK))
            return True
        if op == IDENTIFY:
            return await self._identify(conn, d or {})
        if op == RESUME:
            return await self._resume(conn, d or {})
        if conn.session is None:
            await conn.close(NOT_AUTHENTICATED, "Not authenticated.")
            return False
        if op == REQUEST_GUILD_MEMBERS:
            await self._member_chunk(conn, d or {})
            return True
        if op in (PRESENCE_UPDATE, VOICE_STATE_UPDATE, REQUEST_SOUNDBOARD_SOUNDS):
            return True  # recorded; nothing to emulate
        await conn.close(UNKNOWN_OPCODE, "Unknown opcode.")
        return False

    async def _authenticate(self, conn: GatewayConnection, d: dict[str, Any]) -> bool:
        """IDENTIFY and RESUME both need a fresh connection and the right token."""
        if conn.session is not None:
            await conn.close(ALREADY_AUTHENTICATED, "Already authenticated.")
            return False
        if d.get("token") != self.emu.token:
            await conn.close(AUTHENTICATION_FAILED, "Authentication failed.")
            return False
        return True

    async def _identify(self, conn: GatewayConnection, d: dict[str, Any]) -> bool:
        conn.record.identify = d
        if not await self._authenticate(conn, d):
            return False
        intents = d.get("intents")
        if not isinstance(intents, int) or intents & ~KNOWN_INTENTS:
            await conn.close(INVALID_INTENTS, "Invalid intent(s).")
            return False
        if intents & PRIVILEGED_INTENTS & ~self.emu.allowed_privileged_intents:
            await conn.close(DISALLOWED_INTENTS, "Disallowed intent(s).")
            return False
        shard = d.get("shard", [0, 1])
        if not (
            isinstance(shard, list)
            and len(shard) == 2
            and all(isinstance(n, int) for n in shard)
            and 0 <= shard[0] < shard[1]
        ):
            await conn.close(INVALID_SHARD, "Invalid shard.")
            return False
        if len(self.emu.world.guilds) > shard[1] * self.emu.max_guilds_per_shard:
            await conn.close(SHARDING_REQUIRED, "Sharding required.")  # docs: at most 2,500 guilds a shard
            return False
        key = (shard[0], shard[1])
        for old in [s for s in self.sessions if s.shard == key]:
            if old.connection is not None and old.connection is not conn:
                await old.connection.close(UNKNOWN_ERROR, "Session replaced.")
            self.forget(old)
        session = GatewaySession(intents, d, key)
        self.sessions.append(session)
        conn.session = session
        conn.record.shard = key
        session.connection = conn
        session.append("READY", self._ready_payload(session, shard))
        world = self.emu.world
        only_bot = None if intents & INTENT_GUILD_PRESENCES else world.application_id
        for guild in world.guilds.values():
            if intents & INTENT_GUILDS and session.receives(guild.id):
                session.append("GUILD_CREATE", guild.payload(bot_id=only_bot))
        conn.live = True
        await self.flush(conn)
        self.emu.changed()
        return True

    def _ready_payload(self, session: GatewaySession, shard: list[int]) -> dict[str, Any]:
        world = self.emu.world
        return {
            "v": 10,
            "user_settings": {},
            "user": {**world.bot_user, "verified": True, "mfa_enabled": False, "email": None},
            "guilds": [payloads.unavailable_guild(g) for g in world.guilds if session.receives(g)],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.emu.gateway_url,
            "shard": shard,
            "application": {"id": str(world.application_id), "flags": 0},
            "private_channels": [],
            "presences": [],
            "relationships": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["local"],
            "auth": {},
            "_trace": ['["gateway-emulator",{}]'],
        }

    async def _resume(self, conn: GatewayConnection, d: dict[str, Any]) -> bool:
        conn.record.resume = d
        if not await self._authenticate(conn, d):
            return False
        session = next((s for s in self.sessions if s.id == d.get("session_id")), None)
        seq = d.get("seq") or 0
        resumable = session is not None and not self.invalidate_next_resume and session.can_replay_from(seq)
        if not resumable:
            self.forget(session)  # an unknown (stale) session id kills no one else's session
            self.invalidate_next_resume = False
            await conn.send(_frame(INVALID_SESSION, False))  # the client closes and re-identifies
            self.emu.changed()
            return True
        assert session is not None
        if seq > session.seq:
            await conn.close(INVALID_SEQ, "Invalid seq.")
            return False
        if session.connection is not None and session.connection is not conn:
            await session.connection.close(UNKNOWN_ERROR, "Session resumed elsewhere.")
        conn.session = session
        conn.record.shard = session.shard
        session.connection = conn
        conn.sent_seq = seq
        conn.live = True
        await self.flush(conn)  # replay what the client missed ...
        session.append("RESUMED", {"_trace": ['["gateway-emulator",{}]']})  # ... then mark the end of replay
        await self.flush(conn)
        self.emu.changed()
        return True

    async def _member_chunk(self, conn: GatewayConnection, d: dict[str, Any]) -> None:
        guild = self.emu.world.guilds.get(int(d.get("guild_id", 0)))
        if guild is None:
            return
        query = (d.get("query") or "").lower()
        wanted = {int(u) for u in d.get("user_ids") or []}
        members = [
            m
            for m in guild.members.values()
            if (not wanted or m.id in wanted) and m.user["username"].lower().startswith(query)
        ]
        limit = d.get("limit") or 0
        if limit:
            members = members[:limit]
        chunk: dict[str, Any] = {
            "guild_id": str(guild.id),
            "members": [m.payload() for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [str(u) for u in wanted - {m.id for m in members}],
        }
        if d.get("presences"):
            chunk["presences"] = []
        if d.get("nonce"):
            chunk["nonce"] = d["nonce"]
        await self.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    # -- sending --------------------------------------------------------------------------------

    async def flush(self, conn: GatewayConnection) -> None:
        """Send every buffered dispatch the connection has not seen yet, in sequence order."""
        async with conn.flush_lock:
            session = conn.session
            if session is None or not conn.live:
                return
            for frame in list(session.buffer):
                if frame["s"] <= conn.sent_seq:
                    continue
                if not conn.live or not await conn.send(frame):
                    return
                conn.sent_seq = frame["s"]
                self.on_sent(session, frame)

    async def dispatch(self, event: str, data: dict[str, Any]) -> int | None:
        """Queue an event on the session of the shard it belongs to (subject to intents) and send it if
        that session's connection is live.

        Returns the sequence number, or None when no session receives it (no session on its shard,
        or the intents filter it out).
        """
        guild_id = _guild_of(event, data)
        sequence = None
        for session in list(self.sessions):
            if not session.receives(guild_id):
                continue
            filtered = self._filter(session, event, data)
            if filtered is None:
                continue
            frame = session.append(event, filtered)
            conn = session.connection
            if conn is not None and conn.live:
                await self.flush(conn)
            sequence = sequence or frame["s"]
        self.emu.changed()
        return sequence

    def _filter(self, session: GatewaySession, event: str, data: dict[str, Any]) -> dict[str, Any] | None:
        required = _GUILD_INTENT.get(event)
        if required is not None and not session.intents & required:
            return None
        if event not in _MESSAGE_EVENTS:
            return data
        in_guild = "guild_id" in data
        if not session.intents & (INTENT_GUILD_MESSAGES if in_guild else INTENT_DIRECT_MESSAGES):
            return None
        if event == "MESSAGE_DELETE" or session.intents & INTENT_MESSAGE_CONTENT or not in_guild:
            return data
        bot_id = self.emu.world.bot_user["id"]
        authored = data.get("author", {}).get("id") == bot_id
        mentioned = any(m.get("id") == bot_id for m in data.get("mentions", []))
        if authored or mentioned:
            return data
        # docs: without MESSAGE_CONTENT, user-inputted content fields arrive empty.
        stripped = {k: v for k, v in data.items() if k != "poll"}
        for key, empty in _CONTENT_FIELDS.items():
            if key in stripped:
                stripped[key] = type(empty)()
        return stripped

    async def send_op(self, op: int, d: Any = None, *, shard: int | None = None) -> None:
        session = self.session_for(shard)
        conn = session.connection if session else None
        if conn is None:
            raise RuntimeError("no live gateway connection")
        await conn.send(_frame(op, d))

    async def close_all(self) -> None:
        for conn in list(self.connections):
            if not conn.ws.closed:
                conn.abort()
