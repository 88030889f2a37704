"""End to end: the real bot, started by the production start-up code, against the Discord API
emulator over loopback (REST + gateway websocket, zlib-stream). Run alone with `-m e2e`."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import sys
from pathlib import Path

import pytest
from conftest import MANAGE_GUILD, LiveBot
from discord_emulator import DiscordEmulator

from index.service import NewsService

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

EPHEMERAL = 64
FOLLOWUP = r"/webhooks/\d+/[^/]+(/messages/@original)?"

NEW_DIGEST = """---
title: "Veille IA – Mai 2025"
date: 2025-05-31
---
# Veille IA – Mai 2025

## Nouveaux modèles

**Zephyrine 2 dévoilé par Atelier Quantique** – Le 12 mai, la startup lyonnaise Atelier Quantique a dévoilé Zephyrine 2, un modèle de raisonnement compact qui tient sur un ordinateur portable. ([Atelier Quantique présente Zephyrine 2](https://example.org/zephyrine-2?utm_source=newsletter))

**Annonce à toute la communauté** – Le message d'ouverture du serveur disait « @everyone venez tester Pixelune » : Pixelune est le générateur d'images d'Atelier Quantique, ouvert à tous le 20 mai.
"""


def answer_of(live: LiveBot, interaction: dict) -> dict:
    record = live.emulator.interaction(interaction)
    return record.followups[0] if record.followups else record.original


async def test_newsbot_run_starts_syncs_answers_and_stops(tmp_path: Path, built_service: NewsService) -> None:
    """The real `newsbot run` process: identify, ready, commands synced to the configured server,
    a question answered, healthy, token never logged, clean exit on SIGTERM."""
    data = tmp_path / "data"
    shutil.copytree(built_service.settings.data_dir, data, symlinks=True)
    async with DiscordEmulator() as emulator:
        health = tmp_path / "health"
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_") and k != "DISCORD_TOKEN"} | {
            "DISCORD_TOKEN": emulator.token,
            "NEWSBOT_DISCORD_API_BASE_URL": emulator.api_base_url,
            "NEWSBOT_DATA_DIR": str(data),
            "NEWSBOT_DISCORD_GUILD_ID": str(emulator.guild_id),
            "NEWSBOT_HEALTH_FILE": str(health),
            "HF_HUB_OFFLINE": "1",
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            env=env,
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            _, identify = await emulator.wait_for_gateway(op=2, timeout=90)
            assert identify["d"]["token"] == emulator.token and identify["d"]["intents"] & (1 << 9)  # guild messages
            await emulator.wait_for_gateway(event="READY", sent=True, timeout=10)
            await emulator.wait_for(lambda: emulator.guild_commands.get(emulator.guild_id), timeout=10)
            commands = {c["name"]: c for c in emulator.guild_commands[emulator.guild_id]}
            assert set(commands) == {"ask", "reindex", "digest", "status", "latest"}
            assert commands["reindex"]["default_member_permissions"] == str(MANAGE_GUILD)
            assert [o["name"] for o in commands["ask"]["options"]] == ["question"]
            assert {o["name"] for o in commands["digest"]["options"]} == {"add", "list", "remove"}
            assert not emulator.global_commands  # guild sync only, as configured

            interaction = await emulator.send_slash_command("ask", {"question": "What did Meta release in April?"})
            record = await emulator.wait_for_interaction_reply(interaction, timeout=30)
            assert record.callback_types == [5] and "LLaMA 4" in answer_of_record(record)["embeds"][0]["description"]
            for _ in range(100):  # written within a second of being ready
                if health.exists():
                    break
                await asyncio.sleep(0.1)
            health_check = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "health", env=env, stdout=asyncio.subprocess.DEVNULL
            )
            assert await health_check.wait() == 0
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    logs = stderr.decode()
    assert process.returncode == 0, logs[-2000:]
    assert emulator.token not in logs
    lines = [json.loads(line) for line in logs.splitlines() if line.startswith("{")]
    assert any(line["message"] == "ready" for line in lines)
    assert any(line["message"] == "slash commands synced" for line in lines)


def answer_of_record(record) -> dict:
    return record.followups[0] if record.followups else record.original


async def test_newsbot_run_with_a_refused_token_says_so(tmp_path: Path) -> None:
    async with DiscordEmulator() as emulator:
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")} | {
            "DISCORD_TOKEN": "not-the-token",
            "NEWSBOT_DISCORD_API_BASE_URL": emulator.api_base_url,
            "NEWSBOT_DATA_DIR": str(tmp_path / "nothing"),
        }
        env["NEWSBOT_INDEX_DIR"] = str(tmp_path / "index")
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            env=env,
            cwd=tmp_path,
            stderr=asyncio.subprocess.PIPE,
        )
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=90)
    assert process.returncode == 1
    message = stderr.decode().strip().splitlines()[-1]
    assert message.startswith("error: Discord refused the token") and "Traceback" not in stderr.decode()


async def test_newsbot_run_with_an_unusable_index_folder_names_it_not_discord(tmp_path: Path) -> None:
    """A data folder the bot cannot write was once reported as "cannot reach Discord"."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    async with DiscordEmulator() as emulator:
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")} | {
            "DISCORD_TOKEN": emulator.token,
            "NEWSBOT_DISCORD_API_BASE_URL": emulator.api_base_url,
            "NEWSBOT_DATA_DIR": str(tmp_path / "data"),
            "NEWSBOT_INDEX_DIR": str(blocker / "index"),
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path, stderr=asyncio.subprocess.PIPE
        )
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=90)
    assert process.returncode == 1
    message = stderr.decode().strip().splitlines()[-1]
    assert message == f"error: cannot write the index in {blocker / 'index'}: Not a directory", stderr.decode()


@pytest.mark.parametrize(
    ("question", "locale", "digest_title", "month", "expected"),
    [
        ("What did Meta release in April?", "en-US", "Veille IA – Avril 2025", "April 2025", "LLaMA 4"),
        ("qu'a annoncé Mistral en mars ?", "fr", "Veille IA – Mars 2025", "mars 2025", "Mistral Small 3.1"),
    ],
)
async def test_ask_in_english_and_french(
    live_bot: LiveBot, question: str, locale: str, digest_title: str, month: str, expected: str
) -> None:
    interaction = await live_bot.ask(question, locale=locale)
    record = live_bot.emulator.interaction(interaction)
    assert record.callback_types == [5] and record.callbacks[0].elapsed < 3.0
    embed = answer_of(live_bot, interaction)["embeds"][0]
    assert expected in embed["description"] and "[1]" in embed["description"]
    first_source = embed["fields"][0]["value"].split("\n")[0]
    assert first_source.startswith(f"**[1]** {digest_title}") and month in first_source


async def test_a_mention_gets_a_reply(live_bot: LiveBot) -> None:
    emulator = live_bot.emulator
    since = len(emulator.sent_messages)
    question = await emulator.send_message(
        f"{emulator.mention(emulator.bot_user)} what is GPT-4.5?", author=live_bot.member
    )
    reply = await emulator.wait_for_message(emulator.channel_id, since=since, timeout=30)
    assert reply["message_reference"]["message_id"] == question["id"] and "GPT-4.5" in reply["embeds"][0]["description"]


async def test_a_non_admin_reindex_is_refused(live_bot: LiveBot) -> None:
    interaction = await live_bot.emulator.send_slash_command("reindex", user=live_bot.member, permission_override=True)
    record = await live_bot.emulator.wait_for_callback(interaction)
    assert record.callbacks[0].data["flags"] & EPHEMERAL and "Manage Server" in record.callbacks[0].data["content"]
    assert record.original_edits == []  # no reindex started


async def test_admin_reindex_shows_progress_while_questions_are_still_answered(live_bot: LiveBot) -> None:
    emulator = live_bot.emulator
    digests = live_bot.settings.digests_dir
    march = (digests / "002_792bd4f9a76dcac6.txt").read_text(encoding="utf-8")
    (digests / "mars-bis.md").write_text(march.replace("Mars 2025", "Mars 2025 (réédition)"), encoding="utf-8")
    try:
        reindex = await emulator.send_slash_command("reindex", user=live_bot.admin)
        record = await emulator.wait_for_callback(reindex)
        await emulator.wait_for(lambda: live_bot.bot.service.reindexing, timeout=10)
        question = await live_bot.ask("c'est quoi TerraMind ?")  # answered from the old index meanwhile
        answered_at = emulator.interaction(question).events[-1][1] + emulator.interaction(question).dispatched_at
        await emulator.wait_for(lambda: any(e["content"].startswith("✅") for e in record.original_edits), timeout=90)
        progress = [e["content"] for e in record.original_edits if e["content"].startswith("⏳")]
        assert any("digests read" in p for p in progress) and any("chunks embedded" in p for p in progress)
        final = record.original_edits[-1]
        assert "Added: `mars-bis.md`" in final["content"] and "4 digests" in final["content"]
        final_at = next(r.time for r in reversed(emulator.requests) if r.json == final)
        assert answered_at < final_at  # the question did not wait for the rebuild
        assert "TerraMind" in answer_of(live_bot, question)["embeds"][0]["description"]
    finally:
        (digests / "mars-bis.md").unlink()
        await asyncio.to_thread(live_bot.bot.service.reindex)


async def test_digest_add_makes_it_answerable_and_everyone_pings_nobody(live_bot: LiveBot) -> None:
    emulator = live_bot.emulator
    attachment = emulator.add_attachment("2025-05-veille.md", NEW_DIGEST.encode(), "text/markdown")
    upload = await emulator.send_slash_command("digest", {"file": attachment}, subcommand="add", user=live_bot.admin)
    record = await emulator.wait_for_callback(upload, timeout=10)
    await emulator.wait_for(lambda: any(e["content"].count("✅") for e in record.original_edits), timeout=60)
    assert "Added: `2025-05-veille.md`" in record.original_edits[-1]["content"]
    try:
        interaction = await live_bot.ask("what did Atelier Quantique unveil in May?")
        embed = answer_of(live_bot, interaction)["embeds"][0]
        assert "Zephyrine 2" in embed["description"] and "May 2025" in embed["fields"][0]["value"]
        assert "(<https://example.org/zephyrine-2>)" in embed["fields"][0]["value"]  # tracking parameter gone

        pinged = await live_bot.ask("c'est quoi Pixelune ?")
        body = [
            r.json
            for r in emulator.requests_to("PATCH", FOLLOWUP) + emulator.requests_to("POST", FOLLOWUP)
            if pinged["token"] in r.path
        ][-1]
        # quoted as text (a zero-width space after the @), and sent with mentions off: nobody is pinged
        assert "@\u200beveryone" in body["embeds"][0]["description"]
        assert "@everyone" not in body["embeds"][0]["description"]
        assert body["allowed_mentions"] == {"parse": []}
    finally:
        removal = await emulator.send_slash_command(
            "digest", {"name": "2025-05-veille.md"}, subcommand="remove", user=live_bot.admin
        )
        done = await emulator.wait_for_callback(removal)
        await emulator.wait_for(lambda: any("✅" in e["content"] for e in done.original_edits), timeout=60)
    assert "Removed: `2025-05-veille.md`" in done.original_edits[-1]["content"]
    gone = await live_bot.ask("what did Atelier Quantique unveil in May?")
    assert "Zephyrine" not in answer_of(live_bot, gone)["embeds"][0].get("description", "")


async def test_the_bot_resumes_after_the_gateway_drops(live_bot: LiveBot) -> None:
    """Asked to reconnect, then cut off without a close frame: the bot resumes its session both times."""
    emulator = live_bot.emulator
    # The session's bot may be mid-reconnect: discord.py restarts a connection whose heartbeats went
    # unanswered while pytest ran synchronous code between tests (the event loop was not running).
    await emulator.wait_for(lambda: emulator.gateway.current is not None, timeout=30)
    for cut in (emulator.request_reconnect, emulator.drop_gateway):
        connections = len(emulator.gateway_connections)
        await cut()
        # Only the new connection counts: the earlier ones hold their own RESUME in the history.
        _, resume = await emulator.wait_for_gateway(op=6, connection=connections, timeout=30)
        assert resume["d"]["session_id"] and resume["d"]["token"] == emulator.token
        await emulator.wait_for_gateway(event="RESUMED", sent=True, connection=connections, timeout=10)
        assert len(emulator.gateway_connections) == connections + 1
    interaction = await live_bot.ask("what is TerraMind?")
    assert "TerraMind" in answer_of(live_bot, interaction)["embeds"][0]["description"]


async def test_a_rate_limited_reply_still_arrives_once(live_bot: LiveBot) -> None:
    emulator = live_bot.emulator
    emulator.rate_limit_next("POST", FOLLOWUP, retry_after=0.4)  # the follow-up carrying the answer
    interaction = await live_bot.ask("what did Meta release in April?")
    attempts = [r for r in emulator.requests_to("POST", FOLLOWUP) if interaction["token"] in r.path]
    assert [r.status for r in attempts] == [429, 200]
    assert attempts[1].time - attempts[0].time >= 0.35
    events = [event for event, _ in emulator.interaction(interaction).events]
    assert events == ["callback:5", "followup:edits-original"]  # answered exactly once


async def test_fifty_concurrent_questions_get_one_answer_each(live_bot: LiveBot) -> None:
    emulator = live_bot.emulator
    askers = [live_bot.member, live_bot.admin] + [emulator.add_member(name=f"reader{n}") for n in range(3)]
    questions = [
        "What did Meta release in April?",
        "qu'a annoncé Mistral en mars ?",
        "c'est quoi TerraMind ?",
        "what is GPT-4.5?",
        "latest news on Hugging Face?",
    ]
    interactions = await asyncio.gather(
        *(emulator.send_slash_command("ask", {"question": questions[n % 5]}, user=askers[n % 5]) for n in range(50))
    )
    await asyncio.gather(*(emulator.wait_for_interaction_reply(i, timeout=90) for i in interactions))
    for n, interaction in enumerate(interactions):
        record = emulator.interaction(interaction)
        assert record.callback_types == [5] and record.callbacks[0].elapsed < 3.0
        assert [event for event, _ in record.events] == ["callback:5", "followup:edits-original"]
        assert record.original["embeds"][0]["title"] == questions[n % 5]
    assert len({i["id"] for i in interactions}) == 50
