"""The one settings object of the application: the library's settings plus Discord's."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode

from index import IndexSettings

IdList = Annotated[list[int], NoDecode]


class BotSettings(IndexSettings):
    """Read once at start-up from NEWSBOT_* environment variables and `.env`."""

    discord_token: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("DISCORD_TOKEN", "NEWSBOT_DISCORD_TOKEN"),
        description="Bot token; never printed or logged.",
    )
    discord_api_base_url: str | None = Field(
        None,
        description="REST base such as http://127.0.0.1:8080/api/v10, for a Discord-compatible API "
        "(tests use an emulator); the gateway address is then asked from it. Default: discord.com.",
    )
    discord_guild_id: int | None = Field(
        None, description="Sync slash commands to this server only (instant, for development); default: global."
    )
    allow_dms: bool = Field(True, description="Answer questions sent in direct messages.")
    admin_role_ids: IdList = Field(default_factory=list, description="Roles that may reindex and manage digests.")
    admin_user_ids: IdList = Field(default_factory=list, description="Users that may reindex and manage digests.")
    question_rate: int = Field(3, ge=1, le=100, description="Questions a member may ask per cooldown window.")
    question_per_seconds: float = Field(30.0, gt=0, le=3600, description="Length of the cooldown window.")
    max_upload_bytes: int = Field(2_000_000, ge=1_000, le=25_000_000, description="Largest digest /digest add accepts.")
    feedback_file: Path | None = Field(None, description="Where 👍/👎 go (JSONL). Default: <data_dir>/feedback.jsonl.")
    health_file: Path = Field(Path("/tmp/newsbot.health"), description="Touched while connected; see `newsbot health`.")
    log_format: Literal["json", "text"] = Field("json", description="`newsbot run` log lines: JSON or plain text.")
    shard_count: int | None = Field(
        None,
        ge=1,
        description="Total number of gateway shards across all processes; default: the count Discord recommends "
        "(asked at start-up), all run by this process. See docs/scaling.md.",
    )
    shard_ids: Annotated[list[int] | None, NoDecode] = Field(
        None,
        description='The shards this process runs, e.g. "0,1"; needs NEWSBOT_SHARD_COUNT. Default: all of them.',
    )
    index_poll_seconds: float = Field(
        30.0,
        gt=0,
        le=3600,
        description="How often to look for an index build another process (or `newsbot index`) made current "
        "in the shared data folder, and serve it.",
    )

    @field_validator("admin_role_ids", "admin_user_ids", "shard_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        """Accept "123,456" as well as a JSON list, as people write ids in .env files."""
        if isinstance(value, str):
            cleaned = value.strip().strip("[]")
            return [part for part in cleaned.replace(";", ",").replace(" ", ",").split(",") if part]
        return value

    @model_validator(mode="after")
    def _shards_fit_the_count(self) -> Self:
        """Refused here in one line naming the variable, not later by Discord (close 4010) or discord.py."""
        if not self.shard_ids:
            self.shard_ids = None  # NEWSBOT_SHARD_IDS= (empty): all shards
            return self
        if self.shard_count is None:
            raise ValueError(
                "NEWSBOT_SHARD_IDS needs NEWSBOT_SHARD_COUNT: set it to the total number of shards of all processes"
            )
        outside = [shard for shard in self.shard_ids if not 0 <= shard < self.shard_count]
        if outside:
            raise ValueError(
                f"NEWSBOT_SHARD_IDS has {', '.join(map(str, outside))}, outside 0-{self.shard_count - 1}: "
                f"shard ids run from 0 to NEWSBOT_SHARD_COUNT - 1 ({self.shard_count} shards)"
            )
        repeated = sorted({shard for shard in self.shard_ids if self.shard_ids.count(shard) > 1})
        if repeated:
            raise ValueError(
                f"NEWSBOT_SHARD_IDS lists {', '.join(map(str, repeated))} more than once: name each shard once"
            )
        return self

    @property
    def resolved_feedback_file(self) -> Path:
        return self.feedback_file or self.data_dir / "feedback.jsonl"
