"""Self-tests of the Discord API emulator, driving a plain discord.py client (not the project's bot)
end to end over loopback: login, gateway, slash commands, replies, resume, rate limits."""

from __future__ import annotations

import asyncio
import io
import json
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import discord
import pytest
import pytest_asyncio
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route
from discord_emulator import DiscordEmulator, GatewayConnectionRecord, shard_of

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

FOLLOWUP = r"/webhooks/\d+/[^/]+"
CALLBACK = r"/interactions/\d+/[^/]+/callback"


class EmulatedClient(discord.Client):
    """A minimal client with a few app commands, recording what its handlers saw."""

    def __init__(self, intents: discord.Intents | None = None, **options: Any) -> None:
        super().__init__(intents=intents or discord.Intents.default(), guild_ready_timeout=0.05, **options)
        self.tree = app_commands.CommandTree(self)
        self.messages_seen: list[discord.Message] = []
        self.available_guilds: list[discord.Guild] = []
        self.errors: list[Exception] = []
        self._add_commands()

    def _add_commands(self) -> None:
        @self.tree.command(description="Say hi after thinking")
        @app_commands.describe(name="Who to greet")
        async def hello(interaction: discord.Interaction, name: str = "world") -> None:
            await interaction.response.defer()
            await interaction.followup.send(f"hi {name}")

        news = app_commands.Group(name="news", description="News digests")

        @news.command(description="Ask a question")
        async def ask(interaction: discord.Interaction, question: str, top_k: int = 3) -> None:
            await interaction.response.send_message(f"{question}|{top_k}")

        self.tree.add_command(news)

        @self.tree.command(description="Show a button")
        async def button(interaction: discord.Interaction) -> None:
            view = discord.ui.View()
            press = discord.ui.Button(label="Press", custom_id="emu:press")

            async def pressed(click: discord.Interaction) -> None:
                await click.response.edit_message(content="pressed", view=None)

            press.callback = pressed
            view.add_item(press)
            await interaction.response.send_message("press it", view=view)

        @self.tree.command(description="Echo an upload back")
        async def upload(interaction: discord.Interaction, file: discord.Attachment) -> None:
            data = await file.read()
            echo = discord.File(io.BytesIO(data[::-1]), filename="echo.txt")
            await interaction.response.send_message(f"{file.filename}:{len(data)}", file=echo, ephemeral=True)

        @self.tree.command(description="Admins only")
        @app_commands.default_permissions(manage_guild=True)
        @app_commands.guild_only()
        async def admin(interaction: discord.Interaction) -> None:
            await interaction.response.send_message(f"manage_guild={interaction.permissions.manage_guild}")

        @self.tree.command(description="Exercise every interaction message route")
        async def lifecycle(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("one")
            await interaction.edit_original_response(content="two")
            original = await interaction.original_response()
            followup = await interaction.followup.send(f"three after {original.content}", wait=True)
            await followup.edit(content="four")
            await followup.delete()
            await interaction.delete_original_response()

        @self.tree.error
        async def on_app_command_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
            self.errors.append(error)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py sleeps 5 s before every re-IDENTIFY (identify rate limit); pointless on loopback."""

    async def on_guild_available(self, guild: discord.Guild) -> None:
        self.available_guilds.append(guild)

    async def on_message(self, message: discord.Message) -> None:
        if message.author == self.user:
            return
        self.messages_seen.append(message)
        if self.user in message.mentions or message.guild is None:
            await message.reply("pong")


class ShardedClient(EmulatedClient, discord.AutoShardedClient):
    """The same client, auto-sharded: as many shards as GET /gateway/bot recommends, unless told."""


@pytest_asyncio.fixture(loop_scope="session")
async def emu() -> AsyncIterator[DiscordEmulator]:
    """A started emulator, with discord.py's REST base and default gateway pointed at it (and restored)."""
    old_base, old_gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    async with DiscordEmulator() as emulator:
        Route.BASE = emulator.api_base_url
        try:
            headers = {"Authorization": f"Bot {emulator.token}"}
            async with aiohttp.ClientSession() as session:
                async with session.get(f"{emulator.api_base_url}/gateway/bot", headers=headers) as response:
                    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL((await response.json())["url"])
            yield emulator
        finally:
            Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = old_base, old_gateway


StartClient = Callable[..., Awaitable[EmulatedClient]]


def session_of(connection: GatewayConnectionRecord) -> str:
    return next(f["d"]["session_id"] for f in connection.sent if f.get("t") == "READY")


@pytest_asyncio.fixture(loop_scope="session")
async def start_client(emu: DiscordEmulator) -> AsyncIterator[StartClient]:
    """`await start_client(intents=None, sync=True, client_class=EmulatedClient, **options)`: a logged-in,
    connected, ready client; closed afterwards."""
    running: list[tuple[EmulatedClient, asyncio.Task[None]]] = []

    async def start(
        intents: discord.Intents | None = None,
        sync: bool = True,
        client_class: type[EmulatedClient] = EmulatedClient,
        **options: Any,
    ) -> EmulatedClient:
        client = client_class(intents, **options)
        await client.login(emu.token)
        task = asyncio.create_task(client.connect())
        running.append((client, task))
        await asyncio.wait_for(client.wait_until_ready(), 10)
        if sync:
            await client.tree.sync()
        return client

    yield start
    for client, task in running:
        await client.close()
        await asyncio.wait_for(task, 5)


async def test_login_connect_ready_and_guild_available(emu: DiscordEmulator, start_client: StartClient) -> None:
    client = await start_client(sync=False)

    assert client.user is not None and client.user.id == emu.application_id and client.user.bot
    assert client.application_id == emu.application_id
    assert [r.path for r in emu.requests[1:3]] == ["/users/@me", "/oauth2/applications/@me"]
    guild = client.get_guild(emu.guild_id)
    assert guild is not None and not guild.unavailable
    assert client.available_guilds == [guild]
    assert guild.owner_id == int(emu.owner["id"])
    channel = guild.get_channel(emu.channel_id)
    assert isinstance(channel, discord.TextChannel) and channel.name == "general"
    assert guild.me is not None and channel.permissions_for(guild.me).send_messages
    assert guild.default_role.permissions.view_channel
    connection = emu.gateway_connections[0]
    assert connection.identify is not None and connection.identify["intents"] == client.intents.value
    assert connection.dispatches_sent()[:2] == ["READY", "GUILD_CREATE"]
    assert [f["s"] for f in connection.sent if f["op"] == 0] == [1, 2]
    assert connection.ops_received()[:2] == [1, 2]  # discord.py heartbeats on HELLO, then identifies
    assert 11 in [f["op"] for f in connection.sent]  # the heartbeat was ACKed


async def test_tree_sync_stores_commands_with_options(emu: DiscordEmulator, start_client: StartClient) -> None:
    client = await start_client(sync=False)

    synced = await client.tree.sync()

    by_name = {c["name"]: c for c in emu.global_commands}
    assert set(by_name) == {"hello", "news", "button", "upload", "admin", "lifecycle"}
    assert {c.name: c.id for c in synced} == {name: int(c["id"]) for name, c in by_name.items()}
    hello = by_name["hello"]
    assert hello["application_id"] == str(emu.application_id) and hello["type"] == 1
    assert hello["options"] == [{"type": 3, "name": "name", "description": "Who to greet"}]
    ask = by_name["news"]["options"][0]
    assert (ask["type"], ask["name"]) == (1, "ask")
    assert [(o["name"], o["type"], o.get("required", False)) for o in ask["options"]] == [
        ("question", 3, True),
        ("top_k", 4, False),
    ]
    versions = {c["name"]: c["version"] for c in emu.global_commands}

    guild = discord.Object(emu.guild_id)
    client.tree.copy_global_to(guild=guild)
    await client.tree.sync(guild=guild)
    await client.tree.sync()  # unchanged: ids and versions stay

    assert {c["name"] for c in emu.guild_commands[emu.guild_id]} == set(by_name)
    assert all(c["guild_id"] == str(emu.guild_id) for c in emu.guild_commands[emu.guild_id])
    assert {c["name"]: c["version"] for c in emu.global_commands} == versions


async def test_slash_command_defer_then_followup_in_order(emu: DiscordEmulator, start_client: StartClient) -> None:
    await start_client()

    interaction = await emu.send_slash_command("hello", [{"name": "name", "value": "bob"}])
    record = await emu.wait_for_interaction_reply(interaction)

    assert interaction["data"]["options"] == [{"name": "name", "type": 3, "value": "bob"}]
    assert interaction["member"]["user"]["id"] == emu.default_user["user"]["id"]
    assert record.callback_types == [5]
    assert record.callbacks[0].elapsed < emu.interaction_deadline
    assert [event for event, _ in record.events] == ["callback:5", "followup:edits-original"]
    assert [m["content"] for m in record.followups] == ["hi bob"]
    callback = await emu.wait_for_request("POST", CALLBACK)
    followup = await emu.wait_for_request("POST", FOLLOWUP)
    assert callback.index < followup.index
    assert callback.json == {"type": 5} and followup.query["wait"] == "1"
    assert record.original is not None and record.original["content"] == "hi bob" and record.original["flags"] == 0


async def test_subcommand_options_are_nested_and_typed(emu: DiscordEmulator, start_client: StartClient) -> None:
    await start_client()

    interaction = await emu.send_slash_command("news", {"question": "what is new?", "top_k": 5}, subcommand="ask")
    record = await emu.wait_for_interaction_reply(interaction)

    assert interaction["data"]["options"] == [
        {
            "name": "ask",
            "type": 1,
            "options": [
                {"name": "question", "type": 3, "value": "what is new?"},
                {"name": "top_k", "type": 4, "value": 5},
            ],
        }
    ]
    assert record.callback_types == [4]
    assert record.original is not None and record.original["content"] == "what is new?|5"
    assert record.original["interaction_metadata"]["user"]["id"] == interaction["member"]["user"]["id"]


async def test_command_permissions_match_what_discord_offers(emu: DiscordEmulator, start_client: StartClient) -> None:
    await start_client()
    admin = next(c for c in emu.global_commands if c["name"] == "admin")
    assert admin["default_member_permissions"] == str(1 << 5) and admin["contexts"] == [0]

    with pytest.raises(PermissionError):
        await emu.send_slash_command("admin")  # a plain member: Discord hides the command
    with pytest.raises(PermissionError):
        await emu.send_slash_command("admin", guild=False)  # guild-only
    by_owner = await emu.send_slash_command("admin", user=emu.owner)
    overridden = await emu.send_slash_command("admin", permission_override=True)

    assert (await emu.wait_for_interaction_reply(by_owner)).original["content"] == "manage_guild=True"
    assert (await emu.wait_for_interaction_reply(overridden)).original["content"] == "manage_guild=False"


async def test_mention_gets_a_reply_with_message_reference(emu: DiscordEmulator, start_client: StartClient) -> None:
    client = await start_client(sync=False)

    plain = await emu.send_message("no mention here")
    asked = await emu.send_message(f"{emu.mention(emu.bot_user)} ping")
    reply = await emu.wait_for_message(emu.channel_id)

    request = await emu.wait_for_request("POST", rf"/channels/{emu.channel_id}/messages")
    assert request.json["message_reference"]["message_id"] == int(asked["id"])
    assert reply["type"] == 19 and reply["message_reference"]["message_id"] == asked["id"]
    assert reply["referenced_message"]["id"] == asked["id"]
    assert [m.id for m in client.messages_seen] == [int(plain["id"]), int(asked["id"])]
    # Without the MESSAGE_CONTENT intent, only the mention's content reaches the bot (docs: message content intent).
    assert [m.content for m in client.messages_seen] == ["", asked["content"]]


async def test_direct_message_reply_goes_to_the_dm_channel(emu: DiscordEmulator, start_client: StartClient) -> None:
    client = await start_client(sync=False)
    stranger = emu.create_user("stranger")

    sent = await emu.send_message("hello bot", author=stranger, guild=False)
    reply = await emu.wait_for_message(int(sent["channel_id"]))

    assert "guild_id" not in sent and client.messages_seen[-1].guild is None
    assert client.messages_seen[-1].content == "hello bot"  # DMs keep content without the intent
    assert reply["message_reference"]["message_id"] == sent["id"]


@pytest.mark.parametrize("how", ["abort", "close-4000", "op7-reconnect"])
async def test_client_resumes_and_gets_missed_events(emu: DiscordEmulator, start_client: StartClient, how: str) -> None:
    client = await start_client()

    if how == "abort":
        await emu.drop_gateway()
    elif how == "close-4000":
        await emu.drop_gateway(4000)
    else:
        await emu.request_reconnect()
    missed = await emu.send_message(f"{emu.mention(emu.bot_user)} while away")  # queued for replay
    resumed_conn, resume = await emu.wait_for_gateway(6)
    await emu.wait_for_gateway(0, event="RESUMED", sent=True)
    interaction = await emu.send_slash_command("hello", {"name": "again"})
    record = await emu.wait_for_interaction_reply(interaction)

    first = emu.gateway_connections[0]
    assert resumed_conn.index == 1 and resumed_conn.identify is None
    assert resume["d"]["session_id"] == session_of(first)
    assert resume["d"]["seq"] == max(f["s"] for f in first.sent if f["op"] == 0 and f["t"] != "MESSAGE_CREATE")
    replayed = resumed_conn.dispatches_sent()
    assert replayed.index("MESSAGE_CREATE") < replayed.index("RESUMED")
    await emu.wait_for(lambda: any(m.id == int(missed["id"]) for m in client.messages_seen))
    assert [m["content"] for m in record.followups] == ["hi again"]


async def test_invalidated_resume_makes_the_client_identify_again(
    emu: DiscordEmulator, start_client: StartClient
) -> None:
    await start_client()
    emu.invalidate_next_resume = True

    await emu.drop_gateway(4000)
    await emu.wait_for_gateway(9, sent=True)
    fresh, _ = await emu.wait_for_gateway(2, connection=2)
    await emu.wait_for_gateway(0, event="READY", sent=True, connection=2)
    interaction = await emu.send_slash_command("hello")
    record = await emu.wait_for_interaction_reply(interaction)

    assert emu.gateway_connections[1].resume is not None
    assert fresh.identify is not None and fresh.resume is None
    assert session_of(fresh) != session_of(emu.gateway_connections[0])
    assert [m["content"] for m in record.followups] == ["hi world"]


async def test_rate_limited_followup_is_retried_once(emu: DiscordEmulator, start_client: StartClient) -> None:
    await start_client()
    emu.rate_limit_next("POST", FOLLOWUP, retry_after=0.3)

    interaction = await emu.send_slash_command("hello", {"name": "patient"})
    record = await emu.wait_for_interaction_reply(interaction)

    attempts = emu.requests_to("POST", FOLLOWUP)
    assert [a.status for a in attempts] == [429, 200]
    assert attempts[0].response == {"message": "You are being rate limited.", "retry_after": 0.3, "global": False}
    assert attempts[1].time - attempts[0].time >= 0.3
    assert attempts[0].json == attempts[1].json
    assert [m["content"] for m in record.followups] == ["hi patient"]
    assert record.callback_types == [5]


async def test_global_rate_limit_on_a_reply_is_retried_once(emu: DiscordEmulator, start_client: StartClient) -> None:
    await start_client(sync=False)
    messages = rf"/channels/{emu.channel_id}/messages"
    emu.rate_limit_next("POST", messages, retry_after=0.2, is_global=True)

    await emu.send_message(f"{emu.mention(emu.bot_user)} hi")
    await emu.wait_for_message(emu.channel_id)

    attempts = emu.requests_to("POST", messages)
    assert [a.status for a in attempts] == [429, 200]
    assert attempts[0].response["global"] is True
    assert len(emu.bot_messages()) == 1


async def test_privileged_intents_chunk_members_and_show_content(
    emu: DiscordEmulator, start_client: StartClient
) -> None:
    emu.add_member(name="bob", permissions=0)
    privileged = discord.Intents.default() | discord.Intents(members=True, message_content=True)
    client = await start_client(privileged, sync=False)

    await emu.send_message("plain words")
    await emu.wait_for(lambda: client.messages_seen)

    guild = client.get_guild(emu.guild_id)
    assert guild is not None and guild.chunked
    assert {m.name for m in guild.members} == {"owner", "newsbot", "alice", "bob"}
    assert 8 in emu.gateway_connections[0].ops_received()  # REQUEST_GUILD_MEMBERS at startup
    assert client.messages_seen[0].content == "plain words"


async def test_disallowed_privileged_intent_closes_4014(emu: DiscordEmulator) -> None:
    emu.allowed_privileged_intents = 0
    client = EmulatedClient(discord.Intents.default() | discord.Intents(message_content=True))
    try:
        await client.login(emu.token)
        with pytest.raises(discord.PrivilegedIntentsRequired):
            await asyncio.wait_for(client.connect(), 10)
    finally:
        await client.close()
    assert emu.gateway_connections[0].close_code == 4014


async def test_component_click_updates_the_message(emu: DiscordEmulator, start_client: StartClient) -> None:
    await start_client()

    command = await emu.send_slash_command("button")
    sent = await emu.wait_for_interaction_reply(command)
    assert sent.original is not None
    assert sent.original["components"][0]["components"][0]["custom_id"] == "emu:press"
    click = await emu.send_component_click("emu:press", sent.original)
    clicked = await emu.wait_for_interaction_reply(click)

    assert clicked.callback_types == [7]
    assert emu.channel_messages[emu.channel_id][-1]["content"] == "pressed"
    assert sent.original["content"] == "pressed" and sent.original["components"] == []


async def test_attachment_option_is_resolved_and_downloadable(emu: DiscordEmulator, start_client: StartClient) -> None:
    await start_client()
    attachment = emu.add_attachment("digest.txt", b"hello digest", "text/plain")

    interaction = await emu.send_slash_command("upload", {"file": attachment})
    record = await emu.wait_for_interaction_reply(interaction)

    assert interaction["data"]["resolved"]["attachments"][attachment["id"]]["filename"] == "digest.txt"
    assert emu.requests_to("GET", r"/attachments/.*")[0].status == 200
    callback = record.callbacks[0].request
    assert callback.json["type"] == 4 and callback.json["data"]["content"] == "digest.txt:12"  # from payload_json
    assert [(f.field, f.filename, f.data) for f in callback.files] == [("files[0]", "echo.txt", b"tsegid olleh")]
    original = record.original
    assert original is not None and original["flags"] & 64  # ephemeral: not stored in the channel
    assert all(m["id"] != original["id"] for m in emu.channel_messages.get(emu.channel_id, []))
    async with aiohttp.ClientSession() as session:
        async with session.get(original["attachments"][0]["url"]) as response:
            assert await response.read() == b"tsegid olleh"


async def test_message_and_interaction_routes_round_trip(emu: DiscordEmulator, start_client: StartClient) -> None:
    client = await start_client()
    channel = client.get_channel(emu.channel_id)
    assert isinstance(channel, discord.TextChannel)

    async with channel.typing():
        sent = await channel.send("draft", embed=discord.Embed(title="t", description="d"))
    edited = await sent.edit(content="final")
    await sent.add_reaction("👍")
    fetched = await channel.fetch_message(sent.id)
    await sent.delete()
    dm = await (await client.fetch_user(int(emu.owner["id"]))).create_dm()
    await dm.send("psst")
    member = await (await client.fetch_guild(emu.guild_id)).fetch_member(int(emu.default_user["user"]["id"]))
    interaction = await emu.send_slash_command("lifecycle")
    record = await emu.wait_for_callback(interaction)
    await emu.wait_for(lambda: record.original_deleted)

    assert (edited.content, edited.embeds[0].title) == ("final", "t") and edited.edited_at is not None
    assert fetched.reactions[0].emoji == "👍" and fetched.reactions[0].me
    assert all(m["id"] != str(sent.id) for m in emu.channel_messages[emu.channel_id])
    assert emu.bot_messages(dm.id)[0]["content"] == "psst" and member.name == "alice"
    assert emu.requests_to("POST", rf"/channels/{emu.channel_id}/typing")[0].status == 204
    assert [event for event, _ in record.events] == [
        "callback:4",
        "edit_original",
        "followup",
        "edit_followup",
        "delete",
        "delete",
    ]
    assert [e["content"] for e in record.original_edits] == ["two"] and record.followups[0]["content"] == "four"
    assert all(r.status in (200, 204) for r in emu.requests_to(None, r"/webhooks/.*"))


async def test_discord_limits_are_enforced(emu: DiscordEmulator, start_client: StartClient) -> None:
    client = await start_client()
    channel = client.get_channel(emu.channel_id)
    assert isinstance(channel, discord.TextChannel)

    with pytest.raises(discord.HTTPException) as too_long:
        await channel.send("x" * 2001)
    emu.interaction_deadline = 0.0  # every initial response is now too late
    late = await emu.send_slash_command("hello")
    await emu.wait_for_request("POST", CALLBACK, status=404)

    assert too_long.value.code == 50035 and "content" in too_long.value.text
    assert emu.interaction(late).callbacks == []
    await emu.wait_for(lambda: client.errors)
    assert isinstance(client.errors[0], app_commands.CommandInvokeError)
    assert isinstance(client.errors[0].original, discord.NotFound) and client.errors[0].original.code == 10062


async def test_gateway_uses_zlib_stream_as_requested(emu: DiscordEmulator, start_client: StartClient) -> None:
    await start_client(sync=False)

    connection = emu.gateway_connections[0]
    assert connection.query == {"v": "10", "encoding": "json", "compress": "zlib-stream"}
    assert connection.binary_frames == len(connection.sent) > 0 and connection.text_frames == 0


async def test_raw_gateway_compression_and_bad_token(emu: DiscordEmulator) -> None:
    """Protocol-level checks without discord.py: plain JSON, zlib-stream framing, and close 4004."""
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(f"{emu.gateway_url}?v=10&encoding=json") as plain:
            hello = await plain.receive()
            assert hello.type is aiohttp.WSMsgType.TEXT
            assert json.loads(hello.data)["op"] == 10
            assert json.loads(hello.data)["d"]["heartbeat_interval"] == 41250
        async with session.ws_connect(f"{emu.gateway_url}?v=10&encoding=json&compress=zlib-stream") as ws:
            inflator = zlib.decompressobj()
            hello = await ws.receive()
            assert hello.type is aiohttp.WSMsgType.BINARY and hello.data.endswith(b"\x00\x00\xff\xff")
            assert json.loads(inflator.decompress(hello.data))["op"] == 10
            await ws.send_json({"op": 1, "d": None})
            ack = await ws.receive()
            assert json.loads(inflator.decompress(ack.data)) == {"op": 11, "d": None, "s": None, "t": None}
            await ws.send_json({"op": 2, "d": {"token": "wrong", "intents": 513, "properties": {}}})
            closed = await ws.receive()
            assert closed.type is aiohttp.WSMsgType.CLOSE and closed.data == 4004


async def test_wrong_token_raises_login_failure(emu: DiscordEmulator) -> None:
    client = EmulatedClient()
    try:
        with pytest.raises(discord.LoginFailure):
            await client.login("not-the-token")
    finally:
        await client.close()

    assert [(r.path, r.status) for r in emu.requests[1:]] == [("/users/@me", 401)]
    assert emu.requests[-1].response == {"message": "401: Unauthorized", "code": 0}


# --- sharding ---------------------------------------------------------------------------------


def _guild_ids_sent(connection: GatewayConnectionRecord, event: str) -> set[int]:
    key = "id" if event == "GUILD_CREATE" else "guild_id"
    return {int(f["d"][key]) for f in connection.sent if f.get("t") == event and key in f["d"]}


async def test_each_guild_is_served_by_its_shard_and_dms_by_shard_0(
    emu: DiscordEmulator, start_client: StartClient
) -> None:
    """An auto-sharded client takes the recommended count; READY, GUILD_CREATE, interactions and
    messages of a guild reach only the shard (guild_id >> 22) % num_shards, DMs only shard 0."""
    emu.recommended_shards = 2
    home = shard_of(emu.guild_id, 2)
    other = emu.add_guild("Other Guild", shard=(1 - home, 2))
    emu.add_member(int(emu.default_user["user"]["id"]), guild_id=other.id)
    client = await start_client(client_class=ShardedClient)

    assert isinstance(client, discord.AutoShardedClient) and client.shard_count == 2
    by_shard = {c.shard[0]: c for c in emu.gateway_connections if c.shard is not None}
    assert sorted(by_shard) == [0, 1] and all(c.identify["shard"] == [c.shard[0], 2] for c in by_shard.values())
    for guild_id, shard in ((emu.guild_id, home), (other.id, 1 - home)):
        ready = next(f["d"] for f in by_shard[shard].sent if f.get("t") == "READY")
        assert [g["id"] for g in ready["guilds"]] == [str(guild_id)] and ready["shard"] == [shard, 2]
        assert _guild_ids_sent(by_shard[shard], "GUILD_CREATE") == {guild_id}
        assert client.get_guild(guild_id).shard_id == shard

    in_home = await emu.send_slash_command("hello")
    in_other = await emu.send_slash_command("hello", channel_id=int(next(iter(other.channels))))
    await emu.send_message(f"{emu.mention(emu.bot_user)} hi", channel_id=int(next(iter(other.channels))))
    await emu.send_message("hello in private", guild=False)
    for interaction, shard in ((in_home, home), (in_other, 1 - home)):
        record = await emu.wait_for_interaction_reply(interaction)
        assert record.shard == (shard, 2) and [m["content"] for m in record.followups] == ["hi world"]
        assert _guild_ids_sent(by_shard[shard], "INTERACTION_CREATE") == {int(interaction["guild_id"])}
    assert _guild_ids_sent(by_shard[1 - home], "MESSAGE_CREATE") == {other.id}
    assert _guild_ids_sent(by_shard[home], "MESSAGE_CREATE") <= {emu.guild_id}  # the bot's own replies, echoed
    dms = {
        shard: [f for f in c.sent if f.get("t") == "MESSAGE_CREATE" and "guild_id" not in f["d"]]
        for shard, c in by_shard.items()
    }
    assert dms[0] and not dms[1]
    await emu.wait_for(lambda: len(client.messages_seen) == 2)


async def test_two_clients_each_running_one_shard_split_the_guilds(
    emu: DiscordEmulator, start_client: StartClient
) -> None:
    """Two processes' worth of clients, shard_ids [0] and [1] of 2: each sees only its guilds' events."""
    other = emu.add_guild("Other Guild", shard=(1 - shard_of(emu.guild_id, 2), 2))
    first = await start_client(client_class=ShardedClient, shard_count=2, shard_ids=[0])
    second = await start_client(client_class=ShardedClient, shard_count=2, shard_ids=[1])
    clients = {0: first, 1: second}

    assert not emu.requests_to("GET", "/gateway/bot")[1:]  # a given count needs no recommendation
    for guild_id in (emu.guild_id, other.id):
        owner, stranger = clients[shard_of(guild_id, 2)], clients[1 - shard_of(guild_id, 2)]
        assert owner.get_guild(guild_id) is not None and stranger.get_guild(guild_id) is None
    interaction = await emu.send_slash_command("hello", channel_id=int(next(iter(other.channels))), user=emu.owner)
    record = await emu.wait_for_interaction_reply(interaction)
    assert record.shard == (shard_of(other.id, 2), 2) and record.callback_types == [5]

    await emu.drop_gateway(shard=1)  # one shard's connection drops: it resumes its own session
    resumed, resume = await emu.wait_for_gateway(6, timeout=10)
    await emu.wait_for_gateway(0, event="RESUMED", sent=True, connection=resumed.index)
    assert resume["d"]["session_id"] == emu.gateway.session_for(1).id and resumed.shard == (1, 2)
    assert emu.gateway.session_for(0).connection is not None  # shard 0 never noticed


async def test_identify_needs_enough_shards_and_a_valid_shard(emu: DiscordEmulator) -> None:
    """Close 4011 when a shard would hold more guilds than allowed (2,500 on Discord), 4010 for a bad shard."""
    emu.add_guild("Second Guild")
    emu.max_guilds_per_shard = 1
    async with aiohttp.ClientSession() as session:
        for shard, code in (([0, 1], 4011), ([2, 2], 4010), ([0, 2], None)):
            async with session.ws_connect(f"{emu.gateway_url}?v=10&encoding=json") as ws:
                await ws.receive()  # HELLO
                await ws.send_json(
                    {"op": 2, "d": {"token": emu.token, "intents": 513, "properties": {}, "shard": shard}}
                )
                answer = await ws.receive()
                if code is None:
                    assert json.loads(answer.data)["t"] == "READY" and json.loads(answer.data)["d"]["shard"] == shard
                else:
                    assert answer.type is aiohttp.WSMsgType.CLOSE and answer.data == code
    async with aiohttp.ClientSession(headers={"Authorization": f"Bot {emu.token}"}) as session:
        emu.recommended_shards = 3
        async with session.get(f"{emu.api_base_url}/gateway/bot") as response:
            assert (await response.json())["shards"] == 3
