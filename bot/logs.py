"""Structured logs for `newsbot run`: one JSON object per line, secrets masked."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """`{"at", "level", "logger", "message", ...extra fields, "traceback"}` per record."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class RedactSecrets(logging.Filter):
    """Replaces any secret that slipped into a log record by `***` (defence in depth)."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(secret in message for secret in self.secrets):
            for secret in self.secrets:
                message = message.replace(secret, "***")
            record.msg, record.args = message, None
        return True


class RedactingFormatter(logging.Formatter):
    """Masks secrets in the finished line, tracebacks and extra fields included."""

    def __init__(self, inner: logging.Formatter, secrets: list[str]) -> None:
        super().__init__()
        self.inner = inner
        self.secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        line = self.inner.format(record)
        for secret in self.secrets:
            line = line.replace(secret, "***")
        return line


class ShardContext(logging.Filter):
    """Names this process's shards on every record, so the logs of several processes can be told apart."""

    def __init__(self, shards: list[int]) -> None:
        super().__init__()
        self.shards = shards

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "shards"):
            record.shards = self.shards
        return True


def configure_logging(
    style: str, secrets: list[str], level: int = logging.INFO, shards: list[int] | None = None
) -> None:
    """`shards`: the ones this process runs when the settings name them (otherwise the ready line does)."""
    handler = logging.StreamHandler(sys.stderr)
    where = f" [shards {','.join(map(str, shards))}]" if shards is not None else ""
    inner = (
        JsonFormatter()
        if style == "json"
        else logging.Formatter(f"%(asctime)s %(levelname)s %(name)s{where}: %(message)s")
    )
    handler.setFormatter(RedactingFormatter(inner, secrets))
    handler.addFilter(RedactSecrets(secrets))
    if shards is not None:
        handler.addFilter(ShardContext(shards))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
