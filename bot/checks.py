"""Who counts as an admin: Manage Server, or a role or user id from the settings.

Admin commands also carry `default_permissions(manage_guild=True)` so Discord hides them
from others, but server owners can change that default, hence this runtime check too.
"""

from __future__ import annotations

import discord
from discord import app_commands

from .settings import BotSettings


class NotAdmin(app_commands.CheckFailure):
    """Raised by the admin check; the message is shown to the member."""


REFUSAL = (
    "Only admins can do this: you need the **Manage Server** permission "
    "or one of the admin roles this bot is configured with."
)


def is_admin(user: discord.abc.User, settings: BotSettings, permissions: discord.Permissions | None = None) -> bool:
    if user.id in settings.admin_user_ids:
        return True
    if isinstance(user, discord.Member):
        if (permissions if permissions is not None else user.guild_permissions).manage_guild:
            return True
        return any(role.id in settings.admin_role_ids for role in user.roles)
    return False


def admin_only():
    """An app-command check that refuses non-admins with NotAdmin."""

    async def predicate(interaction: discord.Interaction) -> bool:
        settings: BotSettings = interaction.client.settings  # type: ignore[attr-defined]
        if is_admin(interaction.user, settings, interaction.permissions if interaction.guild else None):
            return True
        raise NotAdmin(REFUSAL)

    return app_commands.check(predicate)
