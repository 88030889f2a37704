"""HTTP plumbing shared by all REST routes: request recording, bot-token auth, rate-limit headers,
injected 429s, and Discord-shaped error bodies."""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import errors
from .errors import ApiError
from .records import RecordedFile, RecordedRequest

if TYPE_CHECKING:
    from .server import DiscordEmulator

API_PREFIX = "/api/v10"
RECORD = web.RequestKey("record", RecordedRequest)
BODY = web.RequestKey("body", object)  # the parsed JSON body (dict or list), else None
FILES = web.RequestKey("files", list)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Routes a bot reaches without its token (docs: interactions and webhooks authenticate by their token).
_UNAUTHENTICATED_PREFIXES = ("/webhooks/", "/interactions/")
_UNAUTHENTICATED = {("GET", "/gateway")}


def json_response(body: Any, status: int = 200) -> web.Response:
    """Exactly `application/json` (no charset): discord.py compares the header verbatim."""
    return web.Response(status=status, body=json.dumps(body).encode(), content_type="application/json")


def no_content() -> web.Response:
    return web.Response(status=204)


def parse_bool(value: str | None) -> bool:
    """docs: reference#boolean-query-strings."""
    return (value or "").lower() in ("true", "1")


@dataclass
class RateLimitPolicy:
    """Per-bucket limits advertised in X-RateLimit-* headers and enforced with 429s."""

    limit: int = 50
    window: float = 1.0


@dataclass
class _Window:
    started: float
    used: int = 0


class RateLimiter:
    """Fixed windows per (bucket, major parameter), as Discord describes its per-route limits."""

    def __init__(self, policy: RateLimitPolicy) -> None:
        self.policy = policy
        self._windows: dict[tuple[str, str], _Window] = {}

    def take(self, bucket: str, major: str) -> tuple[bool, int, float]:
        """Consume one request: (allowed, remaining, reset_after)."""
        now = time.monotonic()
        window = self._windows.get((bucket, major))
        if window is None or now - window.started >= self.policy.window:
            window = self._windows[(bucket, major)] = _Window(now)
        reset_after = max(0.0, self.policy.window - (now - window.started))
        if window.used >= self.policy.limit:
            return False, 0, reset_after
        window.used += 1
        return True, self.policy.limit - window.used, reset_after


def bucket_hash(method: str, template: str) -> str:
    return hashlib.sha1(f"{method} {template}".encode()).hexdigest()[:32]


def major_parameter(match_info: dict[str, str]) -> str:
    for key in ("channel_id", "guild_id"):
        if key in match_info:
            return match_info[key]
    for key in ("webhook_id", "interaction_id"):  # webhook-style routes are limited per id + token
        if key in match_info:
            return f"{match_info[key]}+{match_info.get('token', '')}"
    return ""


def ratelimit_headers(bucket: str, remaining: int, reset_after: float, limit: int) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
        "X-RateLimit-Reset-After": f"{reset_after:.3f}",
        "X-RateLimit-Bucket": bucket,
    }


def too_many_requests(retry_after: float, *, is_global: bool, scope: str, headers: dict[str, str]) -> web.Response:
    body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": is_global}
    response = json_response(body, 429)
    response.headers.update(headers)
    response.headers["Retry-After"] = str(max(1, math.ceil(retry_after)))
    response.headers["X-RateLimit-Scope"] = "global" if is_global else scope
    if is_global:
        response.headers["X-RateLimit-Global"] = "true"
    return response


async def _read_body(request: web.Request) -> tuple[Any, list[RecordedFile]]:
    if not request.body_exists:
        return None, []
    content_type = request.content_type
    if content_type.startswith("multipart/"):
        form = await request.post()
        body: Any = None
        files: list[RecordedFile] = []
        for name, value in form.items():
            if isinstance(value, web.FileField):
                files.append(RecordedFile(name, value.filename, value.content_type, value.file.read()))
            elif name == "payload_json":
                body = json.loads(value)
        return body, files
    raw = await request.read()
    if not raw:
        return None, []
    try:
        return json.loads(raw), []
    except ValueError:
        return raw.decode("utf-8", "replace"), []


def api_path(path: str) -> str:
    return path[len(API_PREFIX) :] if path.startswith(API_PREFIX + "/") else path


def make_middleware(emu: DiscordEmulator) -> Any:
    """Record, authenticate, rate-limit and error-map every request in one place."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path == "/gateway" and request.headers.get("Upgrade", "").lower() == "websocket":
            return await handler(request)  # the websocket records itself
        body, files = await _read_body(request)
        path = api_path(request.path)
        record = RecordedRequest(
            index=len(emu.requests),
            method=request.method,
            path=path,
            raw_path=request.path,
            query=dict(request.query),
            json=body,
            files=files,
            headers=dict(request.headers),
            time=emu.loop_time(),
        )
        emu.requests.append(record)
        request[RECORD] = record
        request[BODY] = body if isinstance(body, (dict, list)) else None
        request[FILES] = files
        emu.changed()
        response = await _respond(emu, request, handler, record)
        response.headers["Via"] = "1.1 google"  # discord.py treats a 429 without Via as a Cloudflare ban
        record.status = response.status
        if isinstance(response, web.Response) and response.body and response.content_type == "application/json":
            record.response = json.loads(response.body)  # type: ignore[arg-type]
        emu.changed()
        return response

    return middleware


async def _respond(
    emu: DiscordEmulator, request: web.Request, handler: Handler, record: RecordedRequest
) -> web.StreamResponse:
    match_info = request.match_info
    if match_info.http_exception is not None:
        error = errors.method_not_allowed() if match_info.http_exception.status == 405 else errors.not_found()
        return json_response(error.body(), error.status)
    is_api = request.path.startswith(API_PREFIX + "/")
    path = record.path
    exempt = path.startswith(_UNAUTHENTICATED_PREFIXES) or (request.method, path) in _UNAUTHENTICATED
    needs_auth = is_api and not exempt
    if needs_auth and request.headers.get("Authorization") != f"Bot {emu.token}":
        error = errors.unauthorized()
        return json_response(error.body(), error.status)
    template = match_info.route.resource.canonical if match_info.route.resource else request.path
    bucket = bucket_hash(request.method, template)
    rule = emu.take_rate_limit_rule(request.method, path) if is_api else None
    if rule is not None:
        headers = {} if rule.is_global else ratelimit_headers(bucket, 0, rule.retry_after, emu.rate_limit_policy.limit)
        return too_many_requests(rule.retry_after, is_global=rule.is_global, scope=rule.scope, headers=headers)
    headers: dict[str, str] = {}
    if is_api:
        allowed, remaining, reset_after = emu.rate_limiter.take(bucket, major_parameter(dict(match_info)))
        headers = ratelimit_headers(bucket, remaining, reset_after, emu.rate_limit_policy.limit)
        if not allowed:
            return too_many_requests(reset_after, is_global=False, scope="user", headers=headers)
    try:
        response = await handler(request)
    except ApiError as error:
        response = json_response(error.body(), error.status)
    response.headers.update(headers)
    return response
