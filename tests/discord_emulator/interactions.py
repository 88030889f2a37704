"""Building INTERACTION_CREATE payloads the way Discord does for a user invoking a command or a button."""

from __future__ import annotations

from typing import Any

from . import payloads
from .payloads import ATTACHMENT_SIZE_LIMIT, DM_APP_PERMISSIONS, USE_APPLICATION_COMMANDS, VIEW_CHANNEL
from .world import Guild, World

# Application command option types (docs: application-commands#application-command-option-type).
SUB_COMMAND, SUB_COMMAND_GROUP, STRING, INTEGER, BOOLEAN = 1, 2, 3, 4, 5
USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = 6, 7, 8, 9, 10, 11

OptionsArg = dict[str, Any] | list[dict[str, Any]] | None


class InteractionBuilder:
    """Shared context (invoker, channel, guild) for one interaction payload."""

    def __init__(self, world: World, *, user: dict[str, Any], guild: Guild | None, channel: dict[str, Any]) -> None:
        self.world = world
        self.user = user
        self.guild = guild
        self.channel = channel

    @property
    def user_id(self) -> int:
        return int(self.user["id"])

    def member_permissions(self) -> int:
        assert self.guild is not None
        return self.guild.channel_permissions(self.user_id, self.channel)

    def check_can_use_commands(self) -> None:
        if self.guild is None:
            return
        needed = VIEW_CHANNEL | USE_APPLICATION_COMMANDS
        if self.member_permissions() & needed != needed:
            raise PermissionError(f"{self.user['username']} cannot use application commands in #{self.channel['name']}")

    def base(self, interaction_id: int, token: str, interaction_type: int, locale: str) -> dict[str, Any]:
        world = self.world
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(world.application_id),
            "type": interaction_type,
            "token": token,
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
            "channel_id": self.channel["id"],
        }
        if self.guild is not None:
            guild = self.guild
            member_perms = self.member_permissions()
            bot_perms = guild.channel_permissions(world.application_id, self.channel)
            payload.update(
                {
                    "guild_id": str(guild.id),
                    "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
                    "guild_locale": "en-US",
                    "channel": {**self.channel, "permissions": str(member_perms)},
                    "member": guild.members[self.user_id].payload(permissions=member_perms),
                    "app_permissions": str(bot_perms),
                    "authorizing_integration_owners": {"0": str(guild.id)},
                    "context": 0,
                }
            )
        else:
            payload.update(
                {
                    "channel": self.channel,
                    "user": self.user,
                    "app_permissions": str(DM_APP_PERMISSIONS),
                    "authorizing_integration_owners": {"0": "0"},
                    "context": 1,
                }
            )
        return payload

    # -- slash command options ------------------------------------------------------------------

    def command_data(
        self,
        command: dict[str, Any],
        options: OptionsArg,
        subcommand: str | None,
        resolved: dict[str, Any] | None,
    ) -> dict[str, Any]:
        resolved = {k: dict(v) for k, v in (resolved or {}).items()}
        if isinstance(options, list) and any(o.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in options):
            values = options  # a full wire-form tree: the caller takes responsibility
        else:
            values = self._typed_values(command, options, subcommand, resolved)
        data: dict[str, Any] = {"id": command["id"], "name": command["name"], "type": command.get("type", 1)}
        if values:
            data["options"] = values
        if resolved:
            data["resolved"] = resolved
        if "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        return data

    def _typed_values(
        self, command: dict[str, Any], options: OptionsArg, subcommand: str | None, resolved: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Options typed and ordered from the synced schema, nested under the subcommand path."""
        schema = command.get("options") or []
        path = subcommand.split() if subcommand else []
        for name in path:
            groups = (SUB_COMMAND, SUB_COMMAND_GROUP)
            match = next((o for o in schema if o["name"] == name and o["type"] in groups), None)
            if match is None:
                raise ValueError(f"/{command['name']} has no subcommand (group) {name!r}")
            schema = match.get("options") or []
        if any(o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in schema):
            raise ValueError(f"/{command['name']} needs a subcommand: pass subcommand='…'")
        values = self._option_values(schema, options, resolved)
        for name, option_type in reversed(self._path_types(command, path)):
            values = [{"name": name, "type": option_type, "options": values}]
        return values

    @staticmethod
    def _path_types(command: dict[str, Any], path: list[str]) -> list[tuple[str, int]]:
        result: list[tuple[str, int]] = []
        schema = command.get("options") or []
        for name in path:
            option = next(o for o in schema if o["name"] == name)
            result.append((name, option["type"]))
            schema = option.get("options") or []
        return result

    def _option_values(
        self, schema: list[dict[str, Any]], options: OptionsArg, resolved: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if isinstance(options, list):
            options = {o["name"]: o["value"] for o in options}  # [{"name", "value"}]: typed from the schema
        given = dict(options or {})
        by_name = {o["name"]: o for o in schema}
        unknown = set(given) - set(by_name)
        if unknown:
            raise ValueError(f"unknown option(s) {sorted(unknown)}; the command declares {sorted(by_name)}")
        missing = [o["name"] for o in schema if o.get("required") and o["name"] not in given]
        if missing:
            raise ValueError(f"missing required option(s) {missing}")
        values = []
        for option in schema:  # Discord sends options in declaration order
            if option["name"] not in given:
                continue
            value = self._convert(option, given[option["name"]], resolved)
            choices = option.get("choices")
            if choices and value not in [c["value"] for c in choices]:
                raise ValueError(f"{value!r} is not a choice of option {option['name']!r}")
            values.append({"name": option["name"], "type": option["type"], "value": value})
        return values

    def _convert(self, option: dict[str, Any], value: Any, resolved: dict[str, Any]) -> Any:
        option_type = option["type"]
        if option_type == STRING:
            return str(value)
        if option_type == INTEGER:
            return int(value)
        if option_type == NUMBER:
            return float(value)
        if option_type == BOOLEAN:
            return bool(value)
        if option_type == ATTACHMENT:
            attachment = value if isinstance(value, dict) else None
            if attachment is None:
                raise ValueError("attachment options take the dict returned by add_attachment()")
            resolved.setdefault("attachments", {})[attachment["id"]] = {**attachment, "ephemeral": True}
            return attachment["id"]
        if option_type == ROLE or (option_type == MENTIONABLE and self._is_role(value)):
            role = self._role(value)
            resolved.setdefault("roles", {})[role["id"]] = role
            return role["id"]
        if option_type in (USER, MENTIONABLE):
            user = self.world.resolve_user(value)
            resolved.setdefault("users", {})[user["id"]] = user
            if self.guild is not None and int(user["id"]) in self.guild.members:
                member = self.guild.members[int(user["id"])]
                permissions = self.guild.channel_permissions(member.id, self.channel)
                partial = member.payload(permissions=permissions, include_user=False)
                resolved.setdefault("members", {})[user["id"]] = partial
            return user["id"]
        if option_type == CHANNEL:
            channel_id = int(value["id"] if isinstance(value, dict) else value)
            found = self.world.find_channel(channel_id)
            if found is None:
                raise ValueError(f"unknown channel {channel_id}")
            channel = found[0]
            partial = {
                k: channel.get(k)
                for k in (
                    "id",
                    "name",
                    "type",
                    "last_message_id",
                    "nsfw",
                    "parent_id",
                    "guild_id",
                    "flags",
                    "rate_limit_per_user",
                    "topic",
                    "position",
                )
            }
            partial["permissions"] = str(self.member_permissions()) if self.guild else "0"
            resolved.setdefault("channels", {})[channel["id"]] = partial
            return channel["id"]
        return value

    def _is_role(self, value: Any) -> bool:
        if isinstance(value, dict):
            return "permissions" in value and "username" not in value and "user" not in value
        return self.guild is not None and int(value) in self.guild.roles

    def _role(self, value: Any) -> dict[str, Any]:
        if self.guild is None:
            raise ValueError("role options need a guild")
        role_id = int(value["id"] if isinstance(value, dict) else value)
        if role_id not in self.guild.roles:
            raise ValueError(f"unknown role {role_id}")
        return self.guild.roles[role_id]


def check_command_available(
    command: dict[str, Any], *, in_guild: bool, member_permissions: int | None, permission_override: bool = False
) -> None:
    """Refuse invocations the Discord client would not offer, so tests cannot build impossible scenarios.

    `permission_override` stands for a server admin granting the command to the member in the
    Integrations settings, which lifts `default_member_permissions`.
    """
    if not in_guild:
        contexts = command.get("contexts")
        if command.get("dm_permission") is False or (contexts is not None and 1 not in contexts):
            raise PermissionError(f"/{command['name']} is not available in DMs")
        return
    contexts = command.get("contexts")
    if contexts is not None and 0 not in contexts:
        raise PermissionError(f"/{command['name']} is not available in guilds")
    required = command.get("default_member_permissions")
    if required is not None and member_permissions is not None and not permission_override:
        needed = int(required)
        if member_permissions & payloads.ADMINISTRATOR == 0 and member_permissions & needed != needed:
            raise PermissionError(
                f"the member lacks default_member_permissions={needed} for /{command['name']}"
                " (pass permission_override=True to emulate a per-server override)"
            )
