"""Turning a bot's message body (JSON or multipart) into the message object Discord would store."""

from __future__ import annotations

import mimetypes
import secrets
import time
from typing import Any

from . import payloads
from .payloads import MENTION_EVERYONE
from .records import RecordedFile
from .snowflake import iso_timestamp
from .world import Blob, Guild, World

# Fields a bot may set on create/edit that are stored verbatim.
_EDITABLE = ("content", "embeds", "components", "flags")


def attachment_url(base_url: str, channel_id: int, attachment_id: int, filename: str) -> str:
    """A CDN-style signed URL (ex/is/hm like the real ones) served by the emulator itself."""
    now = int(time.time())
    return (
        f"{base_url}/attachments/{channel_id}/{attachment_id}/{filename}"
        f"?ex={now + 86400:x}&is={now:x}&hm={secrets.token_hex(32)}&"
    )


def store_blob(
    world: World, base_url: str, channel_id: int, filename: str, data: bytes, content_type: str, **extra: Any
) -> dict[str, Any]:
    attachment_id = world.ids.next()
    world.blobs[attachment_id] = Blob(filename, data, content_type)
    url = attachment_url(base_url, channel_id, attachment_id, filename)
    return payloads.attachment(attachment_id, filename, len(data), url, content_type=content_type, **extra)


def uploaded_attachments(
    world: World,
    base_url: str,
    channel_id: int,
    body: dict[str, Any],
    files: list[RecordedFile],
    keep: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Attachments for `files[n]` parts, described by the body's `attachments` list (id = n)."""
    described = {str(a.get("id")): a for a in body.get("attachments") or []}
    result: list[dict[str, Any]] = []
    for upload in files:
        index = upload.field[len("files[") : -1] if upload.field.startswith("files[") else upload.field
        meta = described.get(index, {})
        filename = meta.get("filename") or upload.filename or f"file{index}"
        content_type = upload.content_type
        if content_type in (None, "application/octet-stream"):
            content_type = _guess(filename)
        description = meta.get("description")
        blob = store_blob(world, base_url, channel_id, filename, upload.data, content_type, description=description)
        result.append(blob)
    if keep:
        kept_ids = {str(a.get("id")) for a in body.get("attachments") or []}
        result = [a for a in keep if a["id"] in kept_ids] + result
    return result


def _guess(filename: str) -> str:
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def mentions_for(
    world: World,
    content: str,
    body: dict[str, Any],
    guild: Guild | None,
    author_permissions: int,
    replied_to: dict[str, Any] | None,
) -> tuple[list[dict[str, Any]], list[str], bool]:
    """(mentions, mention_roles, mention_everyone), honouring `allowed_mentions` as Discord does."""
    users = world.mentioned_users(content, guild)
    roles = world.mentioned_roles(content, guild)
    everyone = ("@everyone" in content or "@here" in content) and bool(author_permissions & MENTION_EVERYONE)
    allowed = body.get("allowed_mentions")
    if allowed is not None:
        parse = allowed.get("parse") or []
        allowed_users = {str(u) for u in allowed.get("users") or []}
        allowed_roles = {str(r) for r in allowed.get("roles") or []}
        users = [u for u in users if "users" in parse or u["id"] in allowed_users]
        roles = [r for r in roles if "roles" in parse or r in allowed_roles]
        everyone = everyone and "everyone" in parse
    ping_replied = allowed is None or bool(allowed.get("replied_user"))
    if replied_to is not None and ping_replied and all(u["id"] != replied_to["author"]["id"] for u in users):
        users.append(world.user_with_member(replied_to["author"], guild))
    return users, roles, everyone


def new_message(
    world: World,
    channel_id: int,
    body: dict[str, Any],
    attachments: list[dict[str, Any]],
    *,
    guild: Guild | None,
    author: dict[str, Any],
    author_permissions: int,
    replied_to: dict[str, Any] | None = None,
    message_type: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    content = body.get("content") or ""
    mentions, roles, everyone = mentions_for(world, content, body, guild, author_permissions, replied_to)
    reference = None
    if replied_to is not None:
        reference = {
            "type": 0,
            "channel_id": replied_to["channel_id"],
            "message_id": replied_to["id"],
        }
        if guild is not None:
            reference["guild_id"] = str(guild.id)
    if message_type is None:
        message_type = payloads.MESSAGE_REPLY if replied_to is not None else payloads.MESSAGE_DEFAULT
    return payloads.message(
        world.ids.next(),
        channel_id,
        author,
        content=content,
        message_type=message_type,
        embeds=body.get("embeds"),
        attachments=attachments,
        components=body.get("components"),
        mentions=mentions,
        mention_roles=roles,
        mention_everyone=everyone,
        flags=body.get("flags") or 0,
        tts=bool(body.get("tts")),
        nonce=body.get("nonce"),
        message_reference=reference,
        referenced_message=replied_to,
        **extra,
    )


def apply_edit(message: dict[str, Any], body: dict[str, Any], attachments: list[dict[str, Any]] | None) -> None:
    """PATCH semantics: only the fields present change; `attachments` replaces the list when given."""
    empty: dict[str, Any] = {"content": "", "embeds": [], "components": [], "flags": 0}
    for key in _EDITABLE:
        if key in body:
            message[key] = body[key] if body[key] is not None else empty[key]
    if attachments is not None:
        message["attachments"] = attachments
    message["edited_timestamp"] = iso_timestamp()


def for_gateway(world: World, message: dict[str, Any]) -> dict[str, Any]:
    """MESSAGE_CREATE/UPDATE data: the message plus `guild_id` and the author's partial `member` in guilds."""
    found = world.find_channel(int(message["channel_id"]))
    data = dict(message)
    if found is not None and found[1] is not None:
        guild = found[1]
        data["guild_id"] = str(guild.id)
        author_id = int(message["author"]["id"])
        if author_id in guild.members and not message.get("webhook_id"):
            data["member"] = guild.members[author_id].payload(include_user=False)
    return data
