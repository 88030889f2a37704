"""The one settings object of the application: the library's settings plus Discord's."""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr

from index.settings import IndexSettings


class BotSettings(IndexSettings):
    """Read once at start-up from NEWSBOT_* environment variables and `.env`."""

    discord_token: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("DISCORD_TOKEN", "NEWSBOT_DISCORD_TOKEN"),
        description="Bot token; never printed or logged.",
    )
