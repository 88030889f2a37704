"""The emulated Discord's data: one application/bot, guilds with roles, channels and members, DMs,
messages, registered commands and attachment blobs. Pure state; no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from . import payloads
from .payloads import ADMINISTRATOR, ALL_PERMISSIONS
from .snowflake import SnowflakeGenerator, iso_timestamp

UserLike = dict[str, Any] | int | str | None
MENTION = re.compile(r"<@!?(\d+)>")
ROLE_MENTION = re.compile(r"<@&(\d+)>")


@dataclass
class Member:
    user: dict[str, Any]
    role_ids: list[int]
    joined_at: str
    nick: str | None = None

    @property
    def id(self) -> int:
        return int(self.user["id"])

    def payload(self, *, permissions: int | None = None, include_user: bool = True) -> dict[str, Any]:
        return payloads.member(
            self.user,
            self.role_ids,
            self.joined_at,
            nick=self.nick,
            permissions=permissions,
            include_user=include_user,
        )


@dataclass
class Guild:
    id: int
    name: str
    owner_id: int
    joined_at: str
    roles: dict[int, dict[str, Any]] = field(default_factory=dict)
    channels: dict[int, dict[str, Any]] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)

    @property
    def everyone_role_id(self) -> int:
        return self.id  # the @everyone role shares the guild's id

    def base_permissions(self, user_id: int) -> int:
        """Guild-level permissions (docs: topics/permissions#permission-hierarchy)."""
        if user_id == self.owner_id:
            return ALL_PERMISSIONS
        member = self.members.get(user_id)
        perms = int(self.roles[self.everyone_role_id]["permissions"])
        if member is not None:
            for role_id in member.role_ids:
                if role_id in self.roles:
                    perms |= int(self.roles[role_id]["permissions"])
        return ALL_PERMISSIONS if perms & ADMINISTRATOR else perms

    def channel_permissions(self, user_id: int, channel: dict[str, Any]) -> int:
        """Apply @everyone, role, then member overwrites, in Discord's documented order."""
        perms = self.base_permissions(user_id)
        if perms & ADMINISTRATOR:
            return ALL_PERMISSIONS
        overwrites = {int(o["id"]): o for o in channel.get("permission_overwrites", [])}
        everyone = overwrites.get(self.everyone_role_id)
        if everyone is not None:
            perms = (perms & ~int(everyone["deny"])) | int(everyone["allow"])
        member = self.members.get(user_id)
        role_ids = member.role_ids if member else []
        allow = deny = 0
        for role_id in role_ids:
            role_overwrite = overwrites.get(role_id)
            if role_overwrite is not None and role_overwrite["type"] == 0:
                allow |= int(role_overwrite["allow"])
                deny |= int(role_overwrite["deny"])
        perms = (perms & ~deny) | allow
        own = overwrites.get(user_id)
        if own is not None and own["type"] == 1:
            perms = (perms & ~int(own["deny"])) | int(own["allow"])
        return perms

    def payload(self, *, bot_id: int | None = None) -> dict[str, Any]:
        """GUILD_CREATE data; with `bot_id`, `members` holds only the bot, as Discord sends it to bots
        without the GUILD_PRESENCES intent (docs: gateway-events#guild-create). member_count stays total."""
        payload = payloads.guild(
            self.id,
            self.name,
            self.owner_id,
            roles=list(self.roles.values()),
            channels=list(self.channels.values()),
            members=[m.payload() for m in self.members.values()],
            joined_at=self.joined_at,
        )
        if bot_id is not None:
            payload["members"] = [m.payload() for m in self.members.values() if m.id == bot_id]
        return payload


@dataclass
class Blob:
    filename: str
    data: bytes
    content_type: str


class World:
    """One bot application in one guild (more can be added), plus DM channels with users."""

    def __init__(
        self,
        ids: SnowflakeGenerator,
        *,
        bot_name: str,
        guild_name: str,
        bot_permissions: int,
    ) -> None:
        self.ids = ids
        self.application_id = ids.next()  # bot user id == application id for modern apps
        self.bot_user = payloads.user(self.application_id, bot_name, bot=True)
        self.owner = payloads.user(ids.next(), "owner")
        self.users: dict[int, dict[str, Any]] = {}
        for known in (self.bot_user, self.owner):
            self.users[int(known["id"])] = known
        self.guilds: dict[int, Guild] = {}
        self.dm_channels: dict[int, dict[str, Any]] = {}
        self._dm_by_user: dict[int, int] = {}
        self.messages: dict[int, dict[str, Any]] = {}
        self.channel_messages: dict[int, list[dict[str, Any]]] = {}
        self.deleted_messages: list[dict[str, Any]] = []
        self.blobs: dict[int, Blob] = {}
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[int, list[dict[str, Any]]] = {}

        self.guild = self.add_guild(guild_name, bot_permissions=bot_permissions)
        self.text_channel = next(iter(self.guild.channels.values()))
        self.default_user = self.add_member(name="alice")

    # -- building -------------------------------------------------------------------------------

    def add_guild(self, name: str, *, bot_permissions: int, guild_id: int | None = None) -> Guild:
        guild_id = guild_id or self.ids.next()
        now = iso_timestamp()
        guild = Guild(id=guild_id, name=name, owner_id=int(self.owner["id"]), joined_at=now)
        guild.roles[guild_id] = payloads.role(guild_id, "@everyone", payloads.EVERYONE_DEFAULT_PERMISSIONS)
        bot_role_id = self.ids.next()
        bot_name = self.bot_user["username"]
        guild.roles[bot_role_id] = payloads.role(
            bot_role_id, bot_name, bot_permissions, position=1, managed=True, bot_id=self.application_id
        )
        # The @everyone overwrite on the channel is where bot-visible restrictions usually come from;
        # none by default.
        channel_id = self.ids.next()
        guild.channels[channel_id] = payloads.text_channel(channel_id, guild_id, "general")
        guild.members[int(self.owner["id"])] = Member(self.owner, [], now)
        guild.members[self.application_id] = Member(self.bot_user, [bot_role_id], now)
        self.guilds[guild_id] = guild
        return guild

    def add_role(self, name: str, permissions: int, *, guild_id: int | None = None) -> dict[str, Any]:
        guild = self.get_guild(guild_id)
        role_id = self.ids.next()
        role = payloads.role(role_id, name, permissions, position=len(guild.roles))
        guild.roles[role_id] = role
        return role

    def create_user(self, name: str, *, user_id: int | None = None, bot: bool = False) -> dict[str, Any]:
        user_id = user_id or self.ids.next()
        user = payloads.user(user_id, name, bot=bot)
        self.users[user_id] = user
        return user

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
        guild = self.get_guild(guild_id)
        user = self.users.get(user_id) if user_id else None
        if user is None:
            user = self.create_user(name, user_id=user_id)
        role_ids = [int(r) for r in roles or []]
        if permissions is not None:
            role_ids.append(int(self.add_role(f"{user['username']}-perms", permissions, guild_id=guild.id)["id"]))
        member = Member(user, role_ids, iso_timestamp(), nick=nick)
        guild.members[member.id] = member
        return member.payload()

    def add_text_channel(
        self, name: str, *, guild_id: int | None = None, overwrites: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        guild = self.get_guild(guild_id)
        channel_id = self.ids.next()
        channel = payloads.text_channel(channel_id, guild.id, name, position=len(guild.channels), overwrites=overwrites)
        guild.channels[channel_id] = channel
        return channel

    def dm_channel_for(self, user_id: int) -> dict[str, Any]:
        """The DM channel between the bot and a user, created on first use (as POST /users/@me/channels does)."""
        if user_id not in self._dm_by_user:
            channel_id = self.ids.next()
            self.dm_channels[channel_id] = payloads.dm_channel(channel_id, self.users[user_id])
            self._dm_by_user[user_id] = channel_id
        return self.dm_channels[self._dm_by_user[user_id]]

    # -- lookups --------------------------------------------------------------------------------

    def get_guild(self, guild_id: int | None = None) -> Guild:
        return self.guilds[int(guild_id)] if guild_id is not None else self.guild

    def find_channel(self, channel_id: int) -> tuple[dict[str, Any], Guild | None] | None:
        if channel_id in self.dm_channels:
            return self.dm_channels[channel_id], None
        for guild in self.guilds.values():
            if channel_id in guild.channels:
                return guild.channels[channel_id], guild
        return None

    def resolve_user(self, who: UserLike) -> dict[str, Any]:
        """Accept a user payload, a member payload (with "user"), an id, or None (the default member)."""
        if who is None:
            return self.default_user["user"]
        if isinstance(who, dict):
            user = who.get("user", who)
            return self.users.setdefault(int(user["id"]), user)
        user_id = int(who)
        if user_id not in self.users:
            raise KeyError(f"unknown user {user_id}; create it with add_member() or create_user()")
        return self.users[user_id]

    def mentioned_users(self, content: str, guild: Guild | None) -> list[dict[str, Any]]:
        """User objects (with partial `member` in guilds) for each <@id> in content, as Discord computes them."""
        result: list[dict[str, Any]] = []
        seen: set[int] = set()
        for match in MENTION.finditer(content or ""):
            user_id = int(match.group(1))
            if user_id in seen or user_id not in self.users:
                continue
            seen.add(user_id)
            result.append(self.user_with_member(self.users[user_id], guild))
        return result

    def mentioned_roles(self, content: str, guild: Guild | None) -> list[str]:
        if guild is None:
            return []
        return [m for m in dict.fromkeys(ROLE_MENTION.findall(content or "")) if int(m) in guild.roles]

    def user_with_member(self, user: dict[str, Any], guild: Guild | None) -> dict[str, Any]:
        entry = dict(user)
        if guild is not None and int(user["id"]) in guild.members:
            entry["member"] = guild.members[int(user["id"])].payload(include_user=False)
        return entry

    # -- messages -------------------------------------------------------------------------------

    def store_message(self, message: dict[str, Any]) -> None:
        self.messages[int(message["id"])] = message
        self.channel_messages.setdefault(int(message["channel_id"]), []).append(message)
        found = self.find_channel(int(message["channel_id"]))
        if found is not None:
            found[0]["last_message_id"] = message["id"]

    def delete_message(self, message_id: int) -> dict[str, Any] | None:
        message = self.messages.pop(message_id, None)
        if message is not None:
            history = self.channel_messages.get(int(message["channel_id"]), [])
            history[:] = [m for m in history if m["id"] != message["id"]]
            self.deleted_messages.append(message)
        return message

    # -- commands -------------------------------------------------------------------------------

    def commands_for(self, guild_id: int | None) -> list[dict[str, Any]]:
        if guild_id is None:
            return self.global_commands
        return self.guild_commands.setdefault(guild_id, [])

    def find_command(self, name: str, guild_id: int | None, command_type: int = 1) -> dict[str, Any] | None:
        """A guild command shadows a global one of the same name, as in the Discord client."""
        scopes = ([guild_id] if guild_id is not None else []) + [None]
        for scope in scopes:
            if scope is not None and scope not in self.guild_commands:
                continue
            for command in self.commands_for(scope):
                if command["name"] == name and command.get("type", 1) == command_type:
                    return command
        return None
