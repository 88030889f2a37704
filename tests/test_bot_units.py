"""The bot's small parts: admin check, cooldown, feedback log, settings, logging."""

from __future__ import annotations

import io
import json
import logging
import sys
import threading
from pathlib import Path
from types import SimpleNamespace

import discord
import pytest
from pydantic import ValidationError

from bot.checks import NotAdmin, admin_only, is_admin
from bot.cooldown import QuestionCooldown
from bot.feedback import FeedbackLog
from bot.logs import JsonFormatter, RedactSecrets, configure_logging
from bot.settings import BotSettings
from index.models import Answer, Chunk, Hit, Link

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.s3cr3t-t0k3n-value_abcdefghijklmnop"

GUILD_ID = 100
MOD_ROLE = 200  # has Manage Server
ADMIN_ROLE = 300  # configured as an admin role, no special permission
OTHER_ROLE = 400  # neither
OWNER_ID = 999


# --- real discord.py objects built from gateway payloads --------------------------------------


def _role(role_id: int, name: str, permissions: discord.Permissions, position: int) -> dict:
    return {
        "id": str(role_id),
        "name": name,
        "permissions": str(permissions.value),
        "position": position,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


def _user_payload(user_id: int) -> dict:
    return {"id": str(user_id), "username": f"user{user_id}", "discriminator": "0", "avatar": None, "global_name": None}


@pytest.fixture(scope="module")
def state():
    client = discord.Client(intents=discord.Intents.default())  # never started: only its ConnectionState
    return client._connection


@pytest.fixture(scope="module")
def guild(state) -> discord.Guild:
    payload = {
        "id": str(GUILD_ID),
        "name": "AI news",
        "owner_id": str(OWNER_ID),
        "features": [],
        "emojis": [],
        "member_count": 5,
        "roles": [
            _role(GUILD_ID, "@everyone", discord.Permissions(send_messages=True, read_messages=True), 0),
            _role(MOD_ROLE, "mods", discord.Permissions(manage_guild=True), 1),
            _role(ADMIN_ROLE, "digest-admins", discord.Permissions(send_messages=True), 2),
            _role(OTHER_ROLE, "regulars", discord.Permissions(manage_messages=True, kick_members=True), 3),
        ],
    }
    return discord.Guild(data=payload, state=state)


def make_member(state, guild: discord.Guild, user_id: int, roles: list[int]) -> discord.Member:
    data = {
        "user": _user_payload(user_id),
        "roles": [str(r) for r in roles],
        "joined_at": "2024-01-01T00:00:00+00:00",
        "flags": 0,
        "deaf": False,
        "mute": False,
    }
    return discord.Member(data=data, guild=guild, state=state)


def make_user(state, user_id: int) -> discord.User:
    return discord.User(state=state, data=_user_payload(user_id))


def settings(**values) -> BotSettings:
    return BotSettings(_env_file=None, **values)


# --- checks.is_admin ------------------------------------------------------------------------


def test_the_member_objects_are_what_they_claim(state, guild) -> None:
    mod = make_member(state, guild, 1, [MOD_ROLE])
    plain = make_member(state, guild, 2, [OTHER_ROLE])
    assert isinstance(mod, discord.Member)
    assert mod.guild_permissions.manage_guild
    assert not plain.guild_permissions.manage_guild
    assert {r.id for r in plain.roles} == {GUILD_ID, OTHER_ROLE}


def test_admin_by_user_id(state, guild) -> None:
    config = settings(admin_user_ids=[5, 6])
    assert is_admin(make_member(state, guild, 6, []), config)
    assert is_admin(make_user(state, 5), config)
    assert not is_admin(make_member(state, guild, 7, []), config)


def test_admin_by_manage_server_permission(state, guild) -> None:
    config = settings()
    assert is_admin(make_member(state, guild, 11, [MOD_ROLE]), config)
    assert is_admin(make_member(state, guild, OWNER_ID, []), config)  # the owner has every permission


def test_admin_by_configured_role(state, guild) -> None:
    member = make_member(state, guild, 12, [OTHER_ROLE, ADMIN_ROLE])
    assert not is_admin(member, settings())
    assert is_admin(member, settings(admin_role_ids=[ADMIN_ROLE]))
    assert not is_admin(member, settings(admin_role_ids=[ADMIN_ROLE + 1]))


def test_plain_member_is_refused(state, guild) -> None:
    config = settings(admin_role_ids=[ADMIN_ROLE], admin_user_ids=[1])
    assert not is_admin(make_member(state, guild, 13, []), config)
    assert not is_admin(make_member(state, guild, 14, [OTHER_ROLE]), config)


def test_everyone_role_id_is_not_an_admin_role_by_accident(state, guild) -> None:
    # Every member holds @everyone (whose id is the guild's); only configuring it makes everyone admin.
    member = make_member(state, guild, 15, [])
    assert not is_admin(member, settings(admin_role_ids=[ADMIN_ROLE]))
    assert is_admin(member, settings(admin_role_ids=[GUILD_ID]))


def test_interaction_permissions_take_precedence(state, guild) -> None:
    config = settings()
    plain = make_member(state, guild, 16, [])
    mod = make_member(state, guild, 17, [MOD_ROLE])
    assert is_admin(plain, config, discord.Permissions(manage_guild=True))
    assert not is_admin(mod, config, discord.Permissions(send_messages=True))


def test_dm_user_is_admin_only_by_id(state) -> None:
    user = make_user(state, 21)
    assert isinstance(user, discord.User) and not isinstance(user, discord.Member)
    assert not is_admin(user, settings(admin_role_ids=[ADMIN_ROLE, MOD_ROLE]))
    assert not is_admin(user, settings(), discord.Permissions.all())
    assert is_admin(user, settings(admin_user_ids=[21]))


def _predicate():
    @admin_only()
    async def command(interaction) -> None: ...

    [predicate] = command.__discord_app_commands_checks__
    return predicate


def _interaction(user, config: BotSettings, guild=None, permissions=None):
    return SimpleNamespace(user=user, client=SimpleNamespace(settings=config), guild=guild, permissions=permissions)


async def test_admin_only_check_allows_admins_and_refuses_others(state, guild) -> None:
    predicate = _predicate()
    config = settings(admin_user_ids=[31])
    mod = make_member(state, guild, 32, [MOD_ROLE])
    assert await predicate(_interaction(make_user(state, 31), config)) is True
    assert await predicate(_interaction(mod, config, guild, discord.Permissions(manage_guild=True))) is True
    with pytest.raises(NotAdmin) as refused:
        await predicate(
            _interaction(make_member(state, guild, 33, []), config, guild, discord.Permissions(send_messages=True))
        )
    assert "Manage Server" in str(refused.value)
    assert isinstance(refused.value, discord.app_commands.CheckFailure)
    # In DMs the channel permissions are not those of a server: only the id list counts.
    with pytest.raises(NotAdmin):
        await predicate(_interaction(make_user(state, 34), config, None, discord.Permissions.all()))


# --- cooldown -------------------------------------------------------------------------------


def test_cooldown_allows_rate_then_asks_to_wait() -> None:
    cooldown = QuestionCooldown(rate=2, per=30)
    assert cooldown.retry_after(1) == 0
    assert cooldown.retry_after(1) == 0
    wait = cooldown.retry_after(1)
    assert 0 < wait <= 30
    assert cooldown.retry_after(1) > 0  # still waiting


def test_cooldown_is_per_user() -> None:
    cooldown = QuestionCooldown(rate=2, per=30)
    cooldown.retry_after(1)
    cooldown.retry_after(1)
    assert cooldown.retry_after(1) > 0
    assert cooldown.retry_after(2) == 0
    assert cooldown.retry_after(2) == 0
    assert cooldown.retry_after(2) > 0


def test_cooldown_resets_after_the_window(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1_000_000.0]
    monkeypatch.setattr("discord.app_commands.checks.time.time", lambda: now[0])
    cooldown = QuestionCooldown(rate=1, per=30)
    assert cooldown.retry_after(1) == 0
    assert cooldown.retry_after(1) == pytest.approx(30)
    now[0] += 10
    assert cooldown.retry_after(1) == pytest.approx(20)
    now[0] += 20.5
    assert cooldown.retry_after(1) == 0


# --- feedback log ---------------------------------------------------------------------------


def _answer(question: str, n: int) -> Answer:
    chunk = Chunk(
        id=f"c{n}",
        path="data/digests/001_ef2a3645dd1a3bf1.txt",
        digest_title="Veille IA – Avril 2025",
        month="2025-04",
        language="fr",
        section=["Nouveaux modèles", "Meta dévoile LLaMA 4"],
        text="Meta a annoncé LLaMA 4.",
        links=[Link("blog", "https://ai.meta.com/blog/llama-4")],
        position=n,
        block=n,
    )
    return Answer(
        question=question,
        text=f"Réponse {n} : LLaMA 4. [1]",
        abstained=False,
        sources=[Hit(chunk, 0.876543)],
        language="fr",
    )


def test_feedback_from_two_threads_gives_two_json_lines(tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path / "nested" / "feedback.jsonl")
    threads = [
        threading.Thread(target=log.record, args=(_answer("Qu'a publié Meta ?", 1), "up", 111, "a1")),
        threading.Thread(target=log.record, args=(_answer("Et Google ?", 2), "down", 222, "a2")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    raw = log.path.read_text(encoding="utf-8")
    lines = raw.splitlines()
    assert len(lines) == 2 and raw.endswith("\n")
    entries = sorted((json.loads(line) for line in lines), key=lambda e: e["answer_id"])
    assert [(e["question"], e["vote"], e["user_id"]) for e in entries] == [
        ("Qu'a publié Meta ?", "up", "111"),
        ("Et Google ?", "down", "222"),
    ]
    assert entries[0]["answer"] == "Réponse 1 : LLaMA 4. [1]"
    assert entries[0]["abstained"] is False
    assert entries[0]["sources"] == [
        {
            "digest": "data/digests/001_ef2a3645dd1a3bf1.txt",
            "month": "2025-04",
            "section": "Nouveaux modèles › Meta dévoile LLaMA 4",
            "score": 0.8765,
        }
    ]
    assert "publié" in raw  # readable UTF-8, not \u escapes
    assert all(e["at"].endswith("+00:00") for e in entries)


def test_feedback_under_concurrency_never_interleaves(tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path / "feedback.jsonl")
    long_answer = _answer("q " * 2000, 0)

    def vote(worker: int) -> None:
        for i in range(25):
            log.record(long_answer, "up" if i % 2 else "down", worker, f"{worker}-{i}")

    threads = [threading.Thread(target=vote, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    entries = [json.loads(line) for line in log.path.read_text(encoding="utf-8").splitlines()]
    assert len(entries) == 200
    assert len({e["answer_id"] for e in entries}) == 200


def test_feedback_record_returns_the_entry_written(tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path / "feedback.jsonl")
    entry = log.record(_answer("q", 3), "up", 5, "x")
    assert json.loads(log.path.read_text(encoding="utf-8")) == entry


# --- settings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("1, 2", [1, 2]),
        ("[3,4]", [3, 4]),
        ("[5, 6]", [5, 6]),
        ("7", [7]),
        ("8;9", [8, 9]),
        (" ", []),
        ("", []),
        ("123456789012345678,876543210987654321", [123456789012345678, 876543210987654321]),
    ],
)
def test_admin_ids_from_the_environment(monkeypatch: pytest.MonkeyPatch, raw: str, expected: list[int]) -> None:
    monkeypatch.setenv("NEWSBOT_ADMIN_USER_IDS", raw)
    monkeypatch.setenv("NEWSBOT_ADMIN_ROLE_IDS", raw)
    loaded = BotSettings(_env_file=None)
    assert loaded.admin_user_ids == expected
    assert loaded.admin_role_ids == expected


def test_admin_ids_default_to_empty() -> None:
    loaded = BotSettings(_env_file=None)
    assert loaded.admin_user_ids == [] and loaded.admin_role_ids == []


def test_admin_ids_from_a_dotenv_file(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text('NEWSBOT_ADMIN_USER_IDS="[11, 12]"\nNEWSBOT_ADMIN_ROLE_IDS=13,14\n', encoding="utf-8")
    loaded = BotSettings(_env_file=env)
    assert loaded.admin_user_ids == [11, 12]
    assert loaded.admin_role_ids == [13, 14]


@pytest.mark.parametrize("raw", ["abc", "1,x", "1.5"])
def test_bad_admin_ids_are_refused(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("NEWSBOT_ADMIN_USER_IDS", raw)
    with pytest.raises(ValidationError):
        BotSettings(_env_file=None)


def test_admin_ids_as_a_python_list() -> None:
    assert settings(admin_user_ids=[1, "2"]).admin_user_ids == [1, 2]


@pytest.mark.parametrize("variable", ["DISCORD_TOKEN", "NEWSBOT_DISCORD_TOKEN"])
def test_token_from_the_environment_is_never_shown(monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    monkeypatch.setenv(variable, TOKEN)
    loaded = BotSettings(_env_file=None)
    assert loaded.discord_token is not None
    assert loaded.discord_token.get_secret_value() == TOKEN
    for shown in (
        repr(loaded),
        str(loaded),
        loaded.model_dump_json(),
        str(loaded.model_dump()),
        repr(loaded.discord_token),
        str(loaded.discord_token),
        f"{loaded}",
    ):
        assert TOKEN not in shown
        assert "s3cr3t" not in shown


def test_no_token_by_default() -> None:
    assert BotSettings(_env_file=None).discord_token is None


def test_other_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NEWSBOT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("NEWSBOT_QUESTION_RATE", "5")
    monkeypatch.setenv("NEWSBOT_ALLOW_DMS", "false")
    monkeypatch.setenv("NEWSBOT_LOG_FORMAT", "text")
    loaded = BotSettings(_env_file=None)
    assert (loaded.question_rate, loaded.allow_dms, loaded.log_format) == (5, False, "text")
    assert loaded.resolved_feedback_file == tmp_path / "feedback.jsonl"
    assert settings(feedback_file=tmp_path / "votes.jsonl").resolved_feedback_file == tmp_path / "votes.jsonl"


def test_shard_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = BotSettings(_env_file=None)
    assert (defaults.shard_count, defaults.shard_ids, defaults.index_poll_seconds) == (None, None, 30.0)
    monkeypatch.setenv("NEWSBOT_SHARD_COUNT", "4")
    monkeypatch.setenv("NEWSBOT_SHARD_IDS", "2, 3")
    monkeypatch.setenv("NEWSBOT_INDEX_POLL_SECONDS", "0.5")
    loaded = BotSettings(_env_file=None)
    assert (loaded.shard_count, loaded.shard_ids, loaded.index_poll_seconds) == (4, [2, 3], 0.5)
    monkeypatch.setenv("NEWSBOT_SHARD_IDS", "1")  # a single id, not JSON's number
    assert BotSettings(_env_file=None).shard_ids == [1]
    monkeypatch.setenv("NEWSBOT_SHARD_IDS", "")  # empty: all of the count's shards
    assert BotSettings(_env_file=None).shard_ids is None


@pytest.mark.parametrize(
    "values, message",
    [
        ({"shard_ids": [0]}, "NEWSBOT_SHARD_IDS needs NEWSBOT_SHARD_COUNT"),
        ({"shard_ids": [0, 2], "shard_count": 2}, "NEWSBOT_SHARD_IDS has 2, outside 0-1"),
        ({"shard_ids": [-1], "shard_count": 2}, "NEWSBOT_SHARD_IDS has -1, outside 0-1"),
        ({"shard_ids": [1, 0, 1], "shard_count": 2}, "NEWSBOT_SHARD_IDS lists 1 more than once"),
        ({"shard_count": 0}, "greater than or equal to 1"),
        ({"index_poll_seconds": 0}, "greater than 0"),
    ],
)
def test_inconsistent_shard_settings_are_refused(values: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        settings(**values)


@pytest.mark.parametrize(
    "field, value", [("question_rate", 0), ("question_per_seconds", 0), ("max_upload_bytes", 10), ("log_format", "xml")]
)
def test_out_of_range_settings_are_refused(field: str, value: object) -> None:
    with pytest.raises(ValidationError):
        settings(**{field: value})


# --- logs -----------------------------------------------------------------------------------


def _record(msg: str, *args, level: int = logging.INFO, name: str = "newsbot.test", exc_info=None, **extra):
    record = logging.LogRecord(name, level, __file__, 10, msg, args or None, exc_info)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_json_formatter_writes_one_object_with_extras() -> None:
    record = _record("answered %s in %d ms", "q1", 42, guild_id=7, command="ask", path=Path("/tmp/x"))
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "info"
    assert entry["logger"] == "newsbot.test"
    assert entry["message"] == "answered q1 in 42 ms"
    assert entry["guild_id"] == 7 and entry["command"] == "ask"
    assert entry["path"] == "/tmp/x"  # not JSON-serialisable values are written as text
    assert "T" in entry["at"] and entry["at"].endswith("+00:00")
    for standard in ("args", "msg", "levelno", "pathname", "lineno", "exc_info", "threadName"):
        assert standard not in entry
    assert "traceback" not in entry


def test_json_formatter_adds_the_traceback() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = _record("failed", level=logging.ERROR, exc_info=sys.exc_info())
    entry = json.loads(JsonFormatter().format(record))
    assert entry["level"] == "error"
    assert "ValueError: boom" in entry["traceback"]


def test_json_formatter_keeps_unicode_readable() -> None:
    line = JsonFormatter().format(_record("question « %s »", "Qu'a publié Meta ?"))
    assert "publié" in line and json.loads(line)["message"] == "question « Qu'a publié Meta ? »"


def test_redact_secrets_masks_the_token_in_args() -> None:
    record = _record("connecting with %s to %s", TOKEN, "gateway")
    assert RedactSecrets([TOKEN]).filter(record) is True
    assert record.getMessage() == "connecting with *** to gateway"
    assert TOKEN not in json.dumps(json.loads(JsonFormatter().format(record)))


def test_redact_secrets_masks_the_token_in_the_message() -> None:
    record = _record(f"Authorization: Bot {TOKEN} (twice: {TOKEN})")
    RedactSecrets([TOKEN, None, ""]).filter(record)  # type: ignore[list-item]
    assert record.getMessage() == "Authorization: Bot *** (twice: ***)"


def test_redact_secrets_leaves_other_records_alone() -> None:
    record = _record("hello %s", "world")
    RedactSecrets([TOKEN, ""]).filter(record)
    assert record.msg == "hello %s" and record.args == ("world",)
    assert record.getMessage() == "hello world"


@pytest.fixture
def restore_root_logger():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield root
    root.handlers[:] = handlers
    root.setLevel(level)


def test_configure_logging_writes_redacted_json_lines(restore_root_logger, monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    configure_logging("json", [TOKEN])
    log = logging.getLogger("newsbot.configured")
    log.info("token is %s", TOKEN, extra={"guild_id": 9})
    log.debug("not shown at INFO")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["message"] == "token is ***" and entry["guild_id"] == 9
    assert TOKEN not in stream.getvalue()


def test_configure_logging_text_style(restore_root_logger, monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    configure_logging("text", [TOKEN], level=logging.DEBUG)
    logging.getLogger("newsbot.text").debug("token %s", TOKEN)
    output = stream.getvalue()
    assert "DEBUG newsbot.text: token ***" in output
    assert TOKEN not in output
    with pytest.raises(json.JSONDecodeError):
        json.loads(output.splitlines()[0])


def test_configure_logging_names_the_shards_of_the_process(restore_root_logger, monkeypatch) -> None:
    """Several processes' logs side by side: every line says which shards wrote it."""
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    configure_logging("json", [TOKEN], shards=[2, 3])
    logging.getLogger("newsbot.shards").info("index loaded")
    logging.getLogger("newsbot.shards").info("shard 3 ready", extra={"shards": [3]})
    assert [json.loads(line)["shards"] for line in stream.getvalue().splitlines()] == [[2, 3], [3]]
    configure_logging("text", [TOKEN], shards=[1])
    logging.getLogger("newsbot.shards").info("ready")
    assert "INFO newsbot.shards [shards 1]: ready" in stream.getvalue()
