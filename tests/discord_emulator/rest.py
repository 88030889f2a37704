"""REST routes of API v10 used by a discord.py bot: identity, gateway discovery, application
commands, channel messages, and the interaction callback/webhook family."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import errors, payloads
from .errors import ApiError
from .messages import apply_edit, for_gateway, new_message, uploaded_attachments
from .middleware import API_PREFIX, BODY, FILES, RECORD, json_response, no_content, parse_bool
from .payloads import (
    ATTACH_FILES,
    FLAG_EPHEMERAL,
    FLAG_LOADING,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    VIEW_CHANNEL,
)
from .records import CallbackRecord, InteractionRecord
from .validation import validate_commands, validate_message
from .world import Guild

if TYPE_CHECKING:
    from .server import DiscordEmulator

MANAGE_MESSAGES = 1 << 13

# Which callback types each interaction type accepts (docs: interaction callback type footnotes).
_ALLOWED_CALLBACKS = {1: {1}, 2: {4, 5, 9, 12}, 3: {4, 5, 6, 7, 9, 12}, 4: {8}, 5: {4, 5, 6, 7, 12}}
_GATEWAY_ONLY_GUILD_FIELDS = (
    "joined_at",
    "large",
    "unavailable",
    "member_count",
    "voice_states",
    "members",
    "channels",
    "threads",
    "presences",
    "stage_instances",
    "guild_scheduled_events",
    "soundboard_sounds",
    "lazy",
)
_COMMANDS = "/applications/{application_id}/commands"
_GUILD_COMMANDS = "/applications/{application_id}/guilds/{guild_id}/commands"


def _int(request: web.Request, key: str, error: ApiError) -> int:
    try:
        return int(request.match_info[key])
    except (KeyError, ValueError):
        raise error from None


class Routes:
    """Route handlers; state lives on the emulator so tests can inspect it."""

    def __init__(self, emu: DiscordEmulator) -> None:
        self.emu = emu
        self.world = emu.world

    def register(self, app: web.Application) -> None:
        def add(method: str, path: str, handler: Any) -> None:
            app.router.add_route(method, API_PREFIX + path, handler)

        add("GET", "/gateway", self.get_gateway)
        add("GET", "/gateway/bot", self.get_gateway_bot)
        add("GET", "/users/@me", self.get_me)
        add("POST", "/users/@me/channels", self.create_dm)
        add("GET", "/users/{user_id}", self.get_user)
        add("GET", "/oauth2/applications/@me", self.get_application)
        add("GET", "/applications/@me", self.get_application)
        for base in (_COMMANDS, _GUILD_COMMANDS):
            add("GET", base, self.list_commands)
            add("PUT", base, self.overwrite_commands)
            add("POST", base, self.upsert_command)
            add("GET", base + "/{command_id}", self.get_command)
            add("PATCH", base + "/{command_id}", self.edit_command)
            add("DELETE", base + "/{command_id}", self.delete_command)
        add("POST", "/interactions/{interaction_id}/{token}/callback", self.interaction_callback)
        add("POST", "/webhooks/{webhook_id}/{token}", self.create_followup)
        add("GET", "/webhooks/{webhook_id}/{token}/messages/{message_id}", self.get_webhook_message)
        add("PATCH", "/webhooks/{webhook_id}/{token}/messages/{message_id}", self.edit_webhook_message)
        add("DELETE", "/webhooks/{webhook_id}/{token}/messages/{message_id}", self.delete_webhook_message)
        add("GET", "/channels/{channel_id}", self.get_channel)
        add("GET", "/channels/{channel_id}/messages", self.list_messages)
        add("POST", "/channels/{channel_id}/messages", self.create_message)
        add("GET", "/channels/{channel_id}/messages/{message_id}", self.get_message)
        add("PATCH", "/channels/{channel_id}/messages/{message_id}", self.edit_message)
        add("DELETE", "/channels/{channel_id}/messages/{message_id}", self.delete_message)
        add("POST", "/channels/{channel_id}/typing", self.typing)
        reaction = "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me"
        add("PUT", reaction, self.add_reaction)
        add("DELETE", reaction, self.remove_reaction)
        add("GET", "/guilds/{guild_id}", self.get_guild)
        add("GET", "/guilds/{guild_id}/channels", self.get_guild_channels)
        add("GET", "/guilds/{guild_id}/roles", self.get_guild_roles)
        add("GET", "/guilds/{guild_id}/members/{user_id}", self.get_member)
        app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self.get_attachment)

    # -- identity and gateway -------------------------------------------------------------------

    async def get_gateway(self, request: web.Request) -> web.Response:
        return json_response({"url": self.emu.gateway_url})

    async def get_gateway_bot(self, request: web.Request) -> web.Response:
        identifies = sum(1 for c in self.emu.gateway_connections if c.identify is not None)
        limit = {
            "total": 1000,
            "remaining": 1000 - identifies,
            "reset_after": 86_400_000,
            "max_concurrency": self.emu.max_concurrency,
        }
        shards = self.emu.recommended_shards
        return json_response({"url": self.emu.gateway_url, "shards": shards, "session_start_limit": limit})

    async def get_me(self, request: web.Request) -> web.Response:
        me = {**self.world.bot_user, "verified": True, "mfa_enabled": False, "email": None, "locale": "en-US"}
        return json_response(me)

    async def get_user(self, request: web.Request) -> web.Response:
        user = self.world.users.get(_int(request, "user_id", errors.unknown_user()))
        if user is None:
            raise errors.unknown_user()
        return json_response(user)

    async def create_dm(self, request: web.Request) -> web.Response:
        body = request[BODY] or {}
        try:
            user_id = int(body["recipient_id"])
        except (KeyError, TypeError, ValueError):
            required = errors.field_error("BASE_TYPE_REQUIRED", "This field is required")
            raise errors.invalid_form_body({"recipient_id": required}) from None
        if user_id not in self.world.users:
            raise ApiError(400, 50033, "Invalid Recipient(s)")
        return json_response(self.world.dm_channel_for(user_id))

    async def get_application(self, request: web.Request) -> web.Response:
        world = self.world
        app = payloads.application(world.application_id, world.bot_user["username"], world.bot_user, world.owner)
        return json_response(app)

    # -- application commands -------------------------------------------------------------------

    def _command_scope(self, request: web.Request) -> int | None:
        if _int(request, "application_id", errors.missing_access()) != self.world.application_id:
            raise errors.missing_access()
        if "guild_id" not in request.match_info:
            return None
        guild_id = _int(request, "guild_id", errors.missing_access())
        if guild_id not in self.world.guilds:
            raise errors.missing_access()  # discord.py reports this as the missing applications.commands scope
        return guild_id

    def _build_command(
        self, body: dict[str, Any], guild_id: int | None, existing: dict[str, Any] | None
    ) -> dict[str, Any]:
        """Keep the id of a same-named command, and its version when nothing changed (as Discord does)."""
        command_id = int(existing["id"]) if existing else self.world.ids.next()
        built = payloads.command_from_body(
            body, command_id=command_id, application_id=self.world.application_id, version=0, guild_id=guild_id
        )
        unchanged = existing is not None and {**existing, "version": "0"} == built
        built["version"] = existing["version"] if unchanged and existing else str(self.world.ids.next())
        return built

    async def list_commands(self, request: web.Request) -> web.Response:
        return json_response(self.world.commands_for(self._command_scope(request)))

    async def overwrite_commands(self, request: web.Request) -> web.Response:
        guild_id = self._command_scope(request)
        body = request[BODY]
        validate_commands(body)
        current = {(c["type"], c["name"]): c for c in self.world.commands_for(guild_id)}
        commands = [self._build_command(b, guild_id, current.get((b.get("type", 1), b["name"]))) for b in body]
        self.world.commands_for(guild_id)[:] = commands
        return json_response(commands)

    async def upsert_command(self, request: web.Request) -> web.Response:
        guild_id = self._command_scope(request)
        body = request[BODY] or {}
        validate_commands([body])
        commands = self.world.commands_for(guild_id)
        key = (body.get("type", 1), body["name"])
        for index, existing in enumerate(commands):
            if (existing["type"], existing["name"]) == key:
                commands[index] = self._build_command(body, guild_id, existing)
                return json_response(commands[index])
        command = self._build_command(body, guild_id, None)
        commands.append(command)
        return json_response(command, 201)

    def _find_command(self, request: web.Request) -> tuple[int | None, int, dict[str, Any]]:
        guild_id = self._command_scope(request)
        command_id = request.match_info["command_id"]
        commands = self.world.commands_for(guild_id)
        for index, command in enumerate(commands):
            if command["id"] == command_id:
                return guild_id, index, command
        raise errors.unknown_command()

    async def get_command(self, request: web.Request) -> web.Response:
        return json_response(self._find_command(request)[2])

    async def edit_command(self, request: web.Request) -> web.Response:
        guild_id, index, command = self._find_command(request)
        merged = {**command, **(request[BODY] or {})}
        validate_commands([merged])
        self.world.commands_for(guild_id)[index] = updated = self._build_command(merged, guild_id, command)
        return json_response(updated)

    async def delete_command(self, request: web.Request) -> web.Response:
        guild_id, index, _ = self._find_command(request)
        del self.world.commands_for(guild_id)[index]
        return no_content()

    # -- interactions ---------------------------------------------------------------------------

    async def interaction_callback(self, request: web.Request) -> web.Response:
        record = self.emu.interactions.get(_int(request, "interaction_id", errors.unknown_interaction()))
        if record is None or record.token != request.match_info["token"]:
            raise errors.unknown_interaction()
        now = self.emu.loop_time()
        if record.callbacks:
            raise errors.already_acknowledged()
        if now - record.dispatched_at > self.emu.interaction_deadline:
            raise errors.unknown_interaction()  # the 3-second window for the initial response is over
        body = request[BODY] or {}
        callback_type = body.get("type")
        data = body.get("data") or {}
        if callback_type not in _ALLOWED_CALLBACKS.get(record.payload["type"], set()):
            raise errors.invalid_form_body(
                {"type": errors.field_error("INTERACTION_CALLBACK_TYPE_INVALID", "Invalid interaction callback type")}
            )
        self._apply_callback(record, callback_type, data, request)
        elapsed = now - record.dispatched_at
        record.callbacks.append(CallbackRecord(callback_type, body.get("data"), elapsed, request[RECORD]))
        record.note(f"callback:{callback_type}", now)
        await self._announce(record.original, created=callback_type in (4, 5), updated=callback_type == 7)
        if not parse_bool(request.query.get("with_response")):
            return no_content()
        return json_response(self._callback_response(record, callback_type))

    def _apply_callback(
        self, record: InteractionRecord, callback_type: int, data: dict[str, Any], request: web.Request
    ) -> None:
        files = request[FILES]
        if callback_type == 4:
            validate_message(data, has_files=bool(files))
            record.original = self._interaction_message(record, data, files, original=True)
        elif callback_type == 5:
            loading = {"content": "", "flags": FLAG_LOADING | (data.get("flags", 0) & FLAG_EPHEMERAL)}
            record.original = self._interaction_message(record, loading, [], original=True)
        elif callback_type in (6, 7):
            record.original = self._component_message(record)
            if callback_type == 7:
                validate_message(data, has_files=bool(files), require_content=False)
                attachments = self._attachments(record, data, files, keep=record.original.get("attachments"))
                apply_edit(record.original, data, attachments if ("attachments" in data or files) else None)
        elif callback_type == 9:
            missing = [k for k in ("custom_id", "title", "components") if not data.get(k)]
            if missing:
                raise errors.invalid_form_body(
                    {"data": {k: errors.field_error("BASE_TYPE_REQUIRED", "This field is required") for k in missing}}
                )

    def _callback_response(self, record: InteractionRecord, callback_type: int) -> dict[str, Any]:
        interaction: dict[str, Any] = {"id": str(record.id), "type": record.payload["type"]}
        resource: dict[str, Any] = {"type": callback_type}
        original = record.original
        if original is not None and callback_type in (4, 5, 7):
            interaction["response_message_id"] = original["id"]
            interaction["response_message_loading"] = callback_type == 5
            interaction["response_message_ephemeral"] = bool(original.get("flags", 0) & FLAG_EPHEMERAL)
            if callback_type in (4, 7):
                resource["message"] = original
        return {"interaction": interaction, "resource": resource}

    def _component_message(self, record: InteractionRecord) -> dict[str, Any]:
        """The message a component sits on: the stored one when we have it, so edits show up there."""
        attached = record.payload.get("message")
        if attached is None:
            raise errors.invalid_form_body(
                {"type": errors.field_error("INTERACTION_CALLBACK_TYPE_INVALID", "Invalid interaction callback type")}
            )
        stored = self.world.messages.get(int(attached["id"]))
        if stored is not None:
            return stored
        for other in self.emu.interactions.values():
            for message in [other.original, *other.followups]:
                if message is not None and message["id"] == attached["id"]:
                    return message
        return attached

    def _attachments(
        self,
        record: InteractionRecord,
        body: dict[str, Any],
        files: list[Any],
        keep: list[dict[str, Any]] | None = None,
    ) -> list[dict[str, Any]]:
        channel_id = int(record.payload["channel_id"])
        return uploaded_attachments(self.world, self.emu.base_url, channel_id, body, files, keep)

    def _interaction_message(
        self, record: InteractionRecord, body: dict[str, Any], files: list[Any], *, original: bool
    ) -> dict[str, Any]:
        payload = record.payload
        channel_id = int(payload["channel_id"])
        found = self.world.find_channel(channel_id)
        guild = found[1] if found else None
        invoker = payload["member"]["user"] if "member" in payload else payload["user"]
        metadata: dict[str, Any] = {
            "id": payload["id"],
            "type": payload["type"],
            "user": invoker,
            "authorizing_integration_owners": payload.get("authorizing_integration_owners", {}),
        }
        if not original and record.original is not None:
            metadata["original_response_message_id"] = record.original["id"]
        if payload["type"] == 3:
            metadata["interacted_message_id"] = payload["message"]["id"]
        app_id = self.world.application_id
        message = new_message(
            self.world,
            channel_id,
            body,
            self._attachments(record, body, files),
            guild=guild,
            author=self.world.bot_user,
            author_permissions=int(payload.get("app_permissions", 0)),
            message_type=payloads.MESSAGE_CHAT_INPUT_COMMAND if payload["type"] == 2 else payloads.MESSAGE_DEFAULT,
            webhook_id=app_id,
            application_id=app_id,
            interaction_metadata=metadata,
        )
        if payload["type"] == 2 and original:
            data = payload["data"]
            message["interaction"] = {"id": payload["id"], "type": 2, "name": data["name"], "user": invoker}
        return message

    async def _announce(self, message: dict[str, Any] | None, *, created: bool = False, updated: bool = False) -> None:
        """Store a visible (non-ephemeral) bot message and echo it on the gateway like Discord does."""
        if message is None or message.get("flags", 0) & FLAG_EPHEMERAL:
            return
        if created:
            self.world.store_message(message)
        if self.emu.echo_bot_messages and (created or updated):
            event = "MESSAGE_CREATE" if created else "MESSAGE_UPDATE"
            await self.emu.gateway.dispatch(event, for_gateway(self.world, message))

    def _webhook_record(self, request: web.Request) -> InteractionRecord:
        record = self.emu.interaction_by_token(request.match_info["token"])
        webhook_id = request.match_info["webhook_id"]
        if record is None or webhook_id != str(self.world.application_id):
            raise errors.unknown_webhook()
        return record

    async def create_followup(self, request: web.Request) -> web.Response:
        record = self._webhook_record(request)
        if not record.callbacks:
            raise errors.unknown_webhook()  # the interaction webhook exists only after the initial response
        body = request[BODY] or {}
        files = request[FILES]
        validate_message(body, has_files=bool(files))
        now = self.emu.loop_time()
        original = record.original
        still_thinking = original is not None and original["flags"] & FLAG_LOADING and not record.original_deleted
        if record.callbacks[-1].type == 5 and still_thinking:
            assert original is not None
            # docs: the first follow-up after a deferred response edits the "thinking" message instead
            attachments = self._attachments(record, body, files)
            apply_edit(original, {k: v for k, v in body.items() if k != "flags"}, attachments)
            original["flags"] &= ~FLAG_LOADING
            message = original
            record.note("followup:edits-original", now)
            created, updated = False, True
        else:
            message = self._interaction_message(record, body, files, original=False)
            record.note("followup", now)
            created, updated = True, False
        record.followups.append(message)
        await self._announce(message, created=created, updated=updated)
        return json_response(message)

    def _webhook_message(self, record: InteractionRecord, message_id: str) -> dict[str, Any]:
        if message_id == "@original" or (record.original is not None and message_id == record.original["id"]):
            if record.original is None or record.original_deleted:
                raise errors.unknown_message()
            return record.original
        for message in record.followups:
            if message["id"] == message_id:
                return message
        raise errors.unknown_message()

    async def get_webhook_message(self, request: web.Request) -> web.Response:
        record = self._webhook_record(request)
        return json_response(self._webhook_message(record, request.match_info["message_id"]))

    async def edit_webhook_message(self, request: web.Request) -> web.Response:
        record = self._webhook_record(request)
        message = self._webhook_message(record, request.match_info["message_id"])
        body = request[BODY] or {}
        files = request[FILES]
        validate_message(body, has_files=bool(files), require_content=False)
        keep = message.get("attachments")
        attachments = self._attachments(record, body, files, keep) if ("attachments" in body or files) else None
        apply_edit(message, {k: v for k, v in body.items() if k != "flags"}, attachments)
        message["flags"] = message.get("flags", 0) & ~FLAG_LOADING
        if message is record.original:
            record.original_edits.append(body)
            record.note("edit_original", self.emu.loop_time())
        else:
            record.note("edit_followup", self.emu.loop_time())
        await self._announce(message, updated=True)
        return json_response(message)

    async def delete_webhook_message(self, request: web.Request) -> web.Response:
        record = self._webhook_record(request)
        message = self._webhook_message(record, request.match_info["message_id"])
        if message is record.original:
            record.original_deleted = True
        record.note("delete", self.emu.loop_time())
        await self._remove(message)
        return no_content()

    async def _remove(self, message: dict[str, Any]) -> None:
        if self.world.delete_message(int(message["id"])) is None:
            return
        data: dict[str, Any] = {"id": message["id"], "channel_id": message["channel_id"]}
        gateway_view = for_gateway(self.world, message)
        if "guild_id" in gateway_view:
            data["guild_id"] = gateway_view["guild_id"]
        await self.emu.gateway.dispatch("MESSAGE_DELETE", data)

    # -- channels -------------------------------------------------------------------------------

    def _channel(self, request: web.Request, needed: int = VIEW_CHANNEL) -> tuple[dict[str, Any], Guild | None]:
        found = self.world.find_channel(_int(request, "channel_id", errors.unknown_channel()))
        if found is None:
            raise errors.unknown_channel()
        channel, guild = found
        if guild is not None:
            perms = guild.channel_permissions(self.world.application_id, channel)
            if not perms & VIEW_CHANNEL:
                raise errors.missing_access()
            if perms & needed != needed:
                raise errors.missing_permissions()
        return channel, guild

    def _bot_permissions(self, channel: dict[str, Any], guild: Guild | None) -> int:
        if guild is None:
            return payloads.DM_APP_PERMISSIONS
        return guild.channel_permissions(self.world.application_id, channel)

    def _channel_message(self, request: web.Request, channel: dict[str, Any]) -> dict[str, Any]:
        message = self.world.messages.get(_int(request, "message_id", errors.unknown_message()))
        if message is None or message["channel_id"] != channel["id"]:
            raise errors.unknown_message()
        return message

    async def get_channel(self, request: web.Request) -> web.Response:
        return json_response(self._channel(request)[0])

    async def list_messages(self, request: web.Request) -> web.Response:
        channel, _ = self._channel(request, VIEW_CHANNEL | READ_MESSAGE_HISTORY)
        limit = max(1, min(100, int(request.query.get("limit", 50))))
        history = list(reversed(self.world.channel_messages.get(int(channel["id"]), [])))  # newest first
        if "before" in request.query:
            history = [m for m in history if int(m["id"]) < int(request.query["before"])]
        if "after" in request.query:
            history = [m for m in history if int(m["id"]) > int(request.query["after"])][-limit:]
        return json_response(history[:limit])

    async def get_message(self, request: web.Request) -> web.Response:
        channel, _ = self._channel(request, VIEW_CHANNEL | READ_MESSAGE_HISTORY)
        return json_response(self._channel_message(request, channel))

    async def create_message(self, request: web.Request) -> web.Response:
        channel, guild = self._channel(request, VIEW_CHANNEL | SEND_MESSAGES)
        body = request[BODY] or {}
        files = request[FILES]
        permissions = self._bot_permissions(channel, guild)
        if files and guild is not None and not permissions & ATTACH_FILES:
            raise errors.missing_permissions()
        validate_message(body, has_files=bool(files))
        replied_to = self._referenced(body, channel)
        channel_id = int(channel["id"])
        attachments = uploaded_attachments(self.world, self.emu.base_url, channel_id, body, files)
        message = new_message(
            self.world,
            channel_id,
            body,
            attachments,
            guild=guild,
            author=self.world.bot_user,
            author_permissions=permissions,
            replied_to=replied_to,
        )
        self.world.store_message(message)
        self.emu.sent_messages.append(message)
        if self.emu.echo_bot_messages:
            await self.emu.gateway.dispatch("MESSAGE_CREATE", for_gateway(self.world, message))
        return json_response(message)

    def _referenced(self, body: dict[str, Any], channel: dict[str, Any]) -> dict[str, Any] | None:
        reference = body.get("message_reference")
        if not reference or reference.get("type", 0) != 0 or "message_id" not in reference:
            return None
        message = self.world.messages.get(int(reference["message_id"]))
        if message is None or message["channel_id"] != str(reference.get("channel_id", channel["id"])):
            if reference.get("fail_if_not_exists", True):
                raise errors.invalid_form_body(
                    {"message_reference": errors.field_error("MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")}
                )
            return None
        return message

    async def edit_message(self, request: web.Request) -> web.Response:
        channel, guild = self._channel(request)
        message = self._channel_message(request, channel)
        if message["author"]["id"] != self.world.bot_user["id"]:
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        body = request[BODY] or {}
        files = request[FILES]
        validate_message(body, has_files=bool(files), require_content=False)
        keep = message.get("attachments")
        channel_id = int(channel["id"])
        attachments = None
        if "attachments" in body or files:
            attachments = uploaded_attachments(self.world, self.emu.base_url, channel_id, body, files, keep)
        apply_edit(message, body, attachments)
        if self.emu.echo_bot_messages:
            await self.emu.gateway.dispatch("MESSAGE_UPDATE", for_gateway(self.world, message))
        return json_response(message)

    async def delete_message(self, request: web.Request) -> web.Response:
        channel, guild = self._channel(request)
        message = self._channel_message(request, channel)
        own = message["author"]["id"] == self.world.bot_user["id"]
        if not own and guild is not None and not self._bot_permissions(channel, guild) & MANAGE_MESSAGES:
            raise errors.missing_permissions()
        await self._remove(message)
        return no_content()

    async def typing(self, request: web.Request) -> web.Response:
        self._channel(request, VIEW_CHANNEL | SEND_MESSAGES)
        return no_content()

    async def add_reaction(self, request: web.Request) -> web.Response:
        channel, _ = self._channel(request, VIEW_CHANNEL | READ_MESSAGE_HISTORY)
        message = self._channel_message(request, channel)
        emoji = request.match_info["emoji"]
        reactions = message.setdefault("reactions", [])
        for reaction in reactions:
            if reaction["emoji"]["name"] == emoji:
                if not reaction["me"]:
                    reaction["me"] = True
                    reaction["count"] += 1
                return no_content()
        reactions.append(
            {
                "emoji": {"id": None, "name": emoji},
                "count": 1,
                "count_details": {"burst": 0, "normal": 1},
                "me": True,
                "me_burst": False,
                "burst_colors": [],
            }
        )
        return no_content()

    async def remove_reaction(self, request: web.Request) -> web.Response:
        channel, _ = self._channel(request)
        message = self._channel_message(request, channel)
        emoji = request.match_info["emoji"]
        kept = []
        for reaction in message.get("reactions", []):
            if reaction["emoji"]["name"] == emoji and reaction["me"]:
                reaction["me"] = False
                reaction["count"] -= 1
            if reaction["count"] > 0:
                kept.append(reaction)
        message["reactions"] = kept
        return no_content()

    # -- guilds and attachments -----------------------------------------------------------------

    def _guild(self, request: web.Request) -> Guild:
        guild = self.world.guilds.get(_int(request, "guild_id", errors.unknown_guild()))
        if guild is None:
            raise errors.unknown_guild()
        return guild

    async def get_guild(self, request: web.Request) -> web.Response:
        payload = self._guild(request).payload()
        for gateway_only in _GATEWAY_ONLY_GUILD_FIELDS:
            payload.pop(gateway_only, None)
        return json_response(payload)

    async def get_guild_channels(self, request: web.Request) -> web.Response:
        return json_response(list(self._guild(request).channels.values()))

    async def get_guild_roles(self, request: web.Request) -> web.Response:
        return json_response(list(self._guild(request).roles.values()))

    async def get_member(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        member = guild.members.get(_int(request, "user_id", errors.unknown_member()))
        if member is None:
            raise errors.unknown_member()
        return json_response(member.payload())

    async def get_attachment(self, request: web.Request) -> web.Response:
        attachment_id = request.match_info["attachment_id"]
        blob = self.world.blobs.get(int(attachment_id)) if attachment_id.isdigit() else None
        if blob is None or blob.filename != request.match_info["filename"]:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=blob.data, content_type=blob.content_type)
