"""The request-body limits Discord enforces, so a bot that breaks them fails here as it would in production.

Only the limits a text bot realistically hits are checked: message/embed lengths and the
shape of registered slash commands.
"""

from __future__ import annotations

import re
from typing import Any

from .errors import empty_message, field_error, invalid_form_body

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TOTAL_MAX = 6000
EMBED_LIMITS = {"title": 256, "description": 4096}
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
AUTHOR_NAME_MAX = 256

COMMAND_NAME = re.compile(r"^[-_'\w]{1,32}$")


def _max_length(limit: int) -> dict[str, Any]:
    return field_error("BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def validate_message(body: dict[str, Any], *, has_files: bool = False, require_content: bool = True) -> None:
    """Raise ApiError for a message create/edit body that Discord would reject."""
    errors: dict[str, Any] = {}
    content = body.get("content")
    if isinstance(content, str) and len(content) > CONTENT_MAX:
        errors["content"] = _max_length(CONTENT_MAX)
    embeds = body.get("embeds") or []
    if len(embeds) > EMBEDS_MAX:
        errors["embeds"] = _max_length(EMBEDS_MAX)
    else:
        embed_errors = _validate_embeds(embeds)
        if embed_errors:
            errors["embeds"] = embed_errors
    if errors:
        raise invalid_form_body(errors)
    if require_content and not (
        content or embeds or has_files or body.get("components") or body.get("sticker_ids") or body.get("poll")
    ):
        raise empty_message()


def _validate_embeds(embeds: list[dict[str, Any]]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    total = 0
    for index, embed in enumerate(embeds):
        embed_errors: dict[str, Any] = {}
        for key, limit in EMBED_LIMITS.items():
            value = embed.get(key) or ""
            total += len(value)
            if len(value) > limit:
                embed_errors[key] = _max_length(limit)
        fields = embed.get("fields") or []
        if len(fields) > FIELDS_MAX:
            embed_errors["fields"] = _max_length(FIELDS_MAX)
        field_errors: dict[str, Any] = {}
        for field_index, item in enumerate(fields):
            one: dict[str, Any] = {}
            for key, limit in (("name", FIELD_NAME_MAX), ("value", FIELD_VALUE_MAX)):
                value = item.get(key)
                if not value:
                    one[key] = field_error("BASE_TYPE_REQUIRED", "This field is required")
                elif len(value) > limit:
                    one[key] = _max_length(limit)
                total += len(value or "")
            if one:
                field_errors[str(field_index)] = one
        if field_errors:
            embed_errors.setdefault("fields", field_errors)
        footer = (embed.get("footer") or {}).get("text") or ""
        total += len(footer)
        if len(footer) > FOOTER_MAX:
            embed_errors["footer"] = {"text": _max_length(FOOTER_MAX)}
        author = (embed.get("author") or {}).get("name") or ""
        total += len(author)
        if len(author) > AUTHOR_NAME_MAX:
            embed_errors["author"] = {"name": _max_length(AUTHOR_NAME_MAX)}
        if embed_errors:
            errors[str(index)] = embed_errors
    if not errors and total > EMBED_TOTAL_MAX:
        errors = field_error("MAX_EMBED_SIZE_EXCEEDED", f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}")
    return errors


def validate_commands(commands: list[dict[str, Any]]) -> None:
    """Raise ApiError for a bulk-overwrite body Discord would reject (names, lengths, option order)."""
    if not isinstance(commands, list):
        raise invalid_form_body(field_error("LIST_TYPE_CONVERT", "Only iterables may be used in a ListType"))
    errors: dict[str, Any] = {}
    seen: set[tuple[int, str]] = set()
    for index, command in enumerate(commands):
        command_errors = _command_errors(command)
        key = (command.get("type", 1), command.get("name", ""))
        if key in seen:
            command_errors["name"] = field_error(
                "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique"
            )
        seen.add(key)
        if command_errors:
            errors[str(index)] = command_errors
    if errors:
        raise invalid_form_body(errors)


def _command_errors(command: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    name = command.get("name") or ""
    chat_input = command.get("type", 1) == 1
    if chat_input and (not COMMAND_NAME.match(name) or name != name.lower()):
        errors["name"] = field_error("APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    elif not 1 <= len(name) <= 32:
        errors["name"] = field_error("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.")
    if chat_input and not 1 <= len(command.get("description") or "") <= 100:
        errors["description"] = field_error("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
    option_errors = _options_errors(command.get("options") or [])
    if option_errors:
        errors["options"] = option_errors
    return errors


def _options_errors(options: list[dict[str, Any]]) -> dict[str, Any]:
    if len(options) > 25:
        return _max_length(25)
    errors: dict[str, Any] = {}
    seen_optional = False
    for index, option in enumerate(options):
        one: dict[str, Any] = {}
        name = option.get("name") or ""
        if not COMMAND_NAME.match(name) or name != name.lower():
            one["name"] = field_error("APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        if not 1 <= len(option.get("description") or "") <= 100:
            one["description"] = field_error("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        if option.get("type") in (1, 2):
            nested = _options_errors(option.get("options") or [])
            if nested:
                one["options"] = nested
        elif option.get("required"):
            if seen_optional:
                one["required"] = field_error(
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            seen_optional = True
        if len(option.get("choices") or []) > 25:
            one["choices"] = _max_length(25)
        if one:
            errors[str(index)] = one
    return errors
