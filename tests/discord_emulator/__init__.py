"""A small, faithful Discord API emulator (REST v10 + gateway) for end-to-end tests of discord.py bots.

Typical use (see tests/test_discord_emulator.py for complete fixtures)::

    async with DiscordEmulator() as emu:
        discord.http.Route.BASE = emu.api_base_url                      # restore it afterwards
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(emu.gateway_url)    # (or GET /gateway/bot)
        await client.login(emu.token); asyncio.create_task(client.connect())
        await client.wait_until_ready(); await client.tree.sync()
        interaction = await emu.send_slash_command("ask", {"question": "what's new?"})
        record = await emu.wait_for_interaction_reply(interaction)
        assert record.callback_types == [5] and "sources" in record.followups[0]["content"]

Modules: `server` (DiscordEmulator: lifecycle, injection, waiting, faults), `gateway` (websocket,
sessions, resume, one session per shard with Discord's routing), `rest` + `middleware` (routes, auth, rate limits, recording), `world` (guild,
members, channels, messages, commands), `payloads`/`interactions`/`messages` (object builders),
`validation` (Discord's body limits), `records` (what tests assert on).
"""

from .errors import ApiError
from .middleware import RateLimitPolicy
from .payloads import BOT_DEFAULT_PERMISSIONS, EVERYONE_DEFAULT_PERMISSIONS
from .records import (
    CallbackRecord,
    GatewayConnectionRecord,
    InteractionRecord,
    RateLimitRule,
    RecordedFile,
    RecordedRequest,
)
from .server import DEFAULT_TOKEN, DiscordEmulator
from .snowflake import shard_of

__all__ = [
    "ApiError",
    "BOT_DEFAULT_PERMISSIONS",
    "CallbackRecord",
    "DEFAULT_TOKEN",
    "DiscordEmulator",
    "EVERYONE_DEFAULT_PERMISSIONS",
    "GatewayConnectionRecord",
    "InteractionRecord",
    "RateLimitPolicy",
    "RateLimitRule",
    "RecordedFile",
    "RecordedRequest",
    "shard_of",
]
