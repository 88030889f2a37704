"""The bot's commands through discord.py's real client and app_commands tree.

Interactions arrive as INTERACTION_CREATE payloads from the Discord API emulator and the
bot's replies are the HTTP requests it records, so each test sees what Discord would.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re

import pytest
from conftest import LiveBot

from bot.cooldown import QuestionCooldown
from bot.embeds import DESCRIPTION_LIMIT, FIELD_LIMIT, MESSAGE_LIMIT
from index.models import Answer, Chunk, Hit, Link

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

EPHEMERAL = 64
NO_MENTIONS = {"parse": []}


def reply_bodies(live: LiveBot, interaction: dict) -> list[dict]:
    """Every message body the bot sent for an interaction: callback data, follow-ups, edits."""
    token = interaction["token"]
    bodies = []
    for request in live.emulator.requests:
        if token in request.path and isinstance(request.json, dict):
            bodies.append(request.json.get("data", request.json) if "/callback" in request.path else request.json)
    return [b for b in bodies if b]


def answer_message(live: LiveBot, interaction: dict) -> dict:
    """The message holding the answer (the deferred reply's follow-up)."""
    record = live.emulator.interaction(interaction)
    return record.followups[0] if record.followups else record.original


def ephemeral_text(live: LiveBot, interaction: dict) -> str:
    callback = live.emulator.interaction(interaction).callbacks[0]
    assert callback.type == 4 and callback.data["flags"] & EPHEMERAL, callback.data
    return callback.data["content"]


def embed_size(embed: dict) -> int:
    fields = sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    footer = len(embed.get("footer", {}).get("text", ""))
    author = len(embed.get("author", {}).get("name", ""))
    return len(embed.get("title", "")) + len(embed.get("description", "")) + fields + footer + author


async def test_ask_is_deferred_then_answered_with_cited_sources(live_bot: LiveBot) -> None:
    interaction = await live_bot.ask("What did Meta release in April?")
    record = live_bot.emulator.interaction(interaction)
    assert record.callback_types == [5]  # deferred ("thinking…") first
    assert record.callbacks[0].elapsed < 3.0  # within Discord's deadline
    assert [event for event, _ in record.events][:2] == ["callback:5", "followup:edits-original"]
    embed = answer_message(live_bot, interaction)["embeds"][0]
    assert embed["title"] == "What did Meta release in April?"
    assert "LLaMA 4" in embed["description"] and "[1]" in embed["description"]
    sources = embed["fields"][0]
    assert sources["name"] == "Sources" and sources["value"].startswith("**[1]** Veille IA – Avril 2025 · April 2025")
    buttons = [c for row in answer_message(live_bot, interaction)["components"] for c in row["components"]]
    assert [b["custom_id"].split(":")[1] for b in buttons] == ["passages", "vote", "vote"]
    assert all(body.get("allowed_mentions") == NO_MENTIONS for body in reply_bodies(live_bot, interaction)[1:])


async def test_a_french_question_gets_the_bots_words_in_french(live_bot: LiveBot) -> None:
    interaction = await live_bot.ask("qu'a annoncé Mistral en mars ?", locale="fr")
    embed = answer_message(live_bot, interaction)["embeds"][0]
    assert embed["description"].startswith("Voici ce que disent les digests pour mars 2025")
    assert "mars 2025" in embed["fields"][0]["value"] and "Mistral" in embed["description"]
    assert embed["footer"]["text"].startswith("D'après les digests")
    assert "](<https://www.blogdumoderateur.com/mistral-ai-lance-small-3-1" in embed["fields"][0]["value"]


def _huge_answer(question: str) -> Answer:
    sentence = "Un modèle a été publié avec des performances remarquables sur de nombreux bancs d'essai. "
    text = "\n".join(f"• Item {n}: {sentence * 12}[{n}]" for n in range(1, 11))
    links = [
        Link(text=f"Article [{i}] with a very long title " * 3, url=f"https://example.org/{'x' * 300}/{i}")
        for i in range(6)
    ]
    sources = [
        Hit(
            Chunk(
                id=str(n),
                path="data/digests/x.md",
                digest_title="Veille IA *spéciale* " * 8,
                month="2025-04",
                language="fr",
                section=["Section " * 30, "Sous-section " * 30],
                text=sentence * 60,
                links=links,
                position=n,
                block=n,
            ),
            1.0 - n / 100,
        )
        for n in range(10)
    ]
    return Answer(question=question, text=text, abstained=False, sources=sources, language="fr")


async def test_a_long_answer_fits_discords_embed_limits(live_bot: LiveBot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live_bot.bot.service, "ask", _huge_answer)
    interaction = await live_bot.ask("tout sur avril ?")
    message = answer_message(live_bot, interaction)  # the emulator answers 400 to an embed over the limits
    embed = message["embeds"][0]
    assert len(embed["description"]) <= DESCRIPTION_LIMIT
    assert all(len(f["value"]) <= FIELD_LIMIT for f in embed["fields"])
    assert embed_size(embed) <= MESSAGE_LIMIT
    assert embed["description"].endswith("…") and "[1]" in embed["description"]
    for value in [embed["description"], *(f["value"] for f in embed["fields"])]:
        assert value.count("](<") == len(re.findall(r"\[[^\]]*\]\(<https://[^>]+>\)", value))  # no cut link


async def test_quoted_everyone_in_an_answer_pings_nobody(live_bot: LiveBot, monkeypatch: pytest.MonkeyPatch) -> None:
    def answer_with_everyone(question: str) -> Answer:
        answer = _huge_answer(question)
        answer.text = "@everyone @here <@&123> the digest said so [1]"
        return answer

    monkeypatch.setattr(live_bot.bot.service, "ask", answer_with_everyone)
    interaction = await live_bot.ask("ping?")
    bodies = reply_bodies(live_bot, interaction)
    sent = [b for b in bodies if b.get("embeds")]
    assert "@everyone" in sent[0]["embeds"][0]["description"]
    assert all(b["allowed_mentions"] == NO_MENTIONS for b in sent)


async def test_a_non_admin_is_refused_reindex_ephemerally(live_bot: LiveBot) -> None:
    # permission_override: a server owner made /reindex visible to everyone; the bot still checks
    interaction = await live_bot.emulator.send_slash_command("reindex", user=live_bot.member, permission_override=True)
    await live_bot.emulator.wait_for_callback(interaction)
    assert "Manage Server" in ephemeral_text(live_bot, interaction)
    assert live_bot.bot.service.last_build is None or not live_bot.bot.service.reindexing


async def test_reindex_is_hidden_from_members_by_default(live_bot: LiveBot) -> None:
    commands = {c["name"]: c for c in live_bot.emulator.global_commands}
    assert commands["reindex"]["default_member_permissions"] == str(1 << 5)  # Manage Server
    assert commands["ask"]["default_member_permissions"] is None
    question = commands["ask"]["options"][0]
    assert question["name"] == "question" and question["required"] and question["max_length"] == 500
    digest = {o["name"]: o for o in commands["digest"]["options"]}
    assert set(digest) == {"add", "list", "remove"}
    with pytest.raises(PermissionError):
        await live_bot.emulator.send_slash_command("reindex", user=live_bot.member)


async def test_questions_too_fast_get_a_friendly_wait(live_bot: LiveBot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live_bot.bot, "cooldown", QuestionCooldown(1, 60))
    first = await live_bot.ask("what is TerraMind?")
    assert live_bot.emulator.interaction(first).callback_types == [5]
    second = await live_bot.emulator.send_slash_command("ask", {"question": "and PyTorch 2.7?"}, user=live_bot.member)
    await live_bot.emulator.wait_for_callback(second)
    wait = re.search(r"Try again in (\d+) s", ephemeral_text(live_bot, second))
    assert wait and 0 < int(wait.group(1)) <= 60
    other = await live_bot.ask("and PyTorch 2.7?", user=live_bot.admin)  # others are not slowed down
    assert live_bot.emulator.interaction(other).callback_types == [5]


@pytest.mark.parametrize(
    ("filename", "data", "expected"),
    [
        ("notes.pdf", b"%PDF-1.4 hello", "only .md and .txt"),
        ("big.md", b"# Big\n" + b"x" * 2_100_000, "too large"),
        ("binary.md", b"# Title\n\x00\x01\x02\xff\xfe" * 50, "binary"),
        ("../evil.md", b"# Evil\nText.", "not a plain file name"),
        ("latin.txt", "Résumé de l'actualité de l'IA en mars 2025".encode("latin-1"), "not UTF-8"),
    ],
)
async def test_digest_uploads_are_validated(live_bot: LiveBot, filename: str, data: bytes, expected: str) -> None:
    emulator = live_bot.emulator
    before = sorted(p.name for p in live_bot.settings.digests_dir.iterdir())
    attachment = emulator.add_attachment(filename, data, "text/plain")
    interaction = await emulator.send_slash_command(
        "digest", {"file": attachment}, subcommand="add", user=live_bot.admin
    )
    record = await emulator.wait_for_interaction_reply(interaction, timeout=15)
    messages = [c.data.get("content", "") for c in record.callbacks if c.data] + [
        e.get("content", "") for e in record.original_edits
    ]
    assert any(expected in m and m.startswith("❌") for m in messages), messages
    assert sorted(p.name for p in live_bot.settings.digests_dir.iterdir()) == before  # nothing written


async def test_a_second_reindex_is_refused_while_one_runs(live_bot: LiveBot) -> None:
    service = live_bot.bot.service
    assert service._build_lock.acquire(blocking=False)  # a reindex is running
    try:
        interaction = await live_bot.emulator.send_slash_command("reindex", user=live_bot.admin)
        await live_bot.emulator.wait_for_callback(interaction)
        assert "already running" in ephemeral_text(live_bot, interaction)
    finally:
        service._build_lock.release()


async def test_admin_reindex_reports_progress_then_a_summary(live_bot: LiveBot) -> None:
    interaction = await live_bot.emulator.send_slash_command("reindex", user=live_bot.admin)
    record = await live_bot.emulator.wait_for_callback(interaction)
    assert record.callbacks[0].data["flags"] & EPHEMERAL
    await live_bot.emulator.wait_for(
        lambda: any("Reindexed" in e.get("content", "") for e in record.original_edits), timeout=60
    )
    final = record.original_edits[-1]["content"]
    assert final.startswith("✅ Reindexed") and "3 digests" in final and "No digest changed." in final


async def test_a_mention_is_answered_as_a_reply(live_bot: LiveBot) -> None:
    emulator = live_bot.emulator
    since = len(emulator.sent_messages)
    question = await emulator.send_message(
        f"{emulator.mention(emulator.bot_user)} c'est quoi TerraMind ?", author=live_bot.member
    )
    reply = await emulator.wait_for_message(emulator.channel_id, since=since, timeout=30)
    assert reply["message_reference"]["message_id"] == question["id"]
    assert "TerraMind" in reply["embeds"][0]["description"]
    body = emulator.requests_to("POST", rf"/channels/{emulator.channel_id}/messages")[-1].json
    assert body["allowed_mentions"] == {"parse": [], "replied_user": False}


async def test_a_message_without_a_mention_is_ignored(live_bot: LiveBot) -> None:
    emulator = live_bot.emulator
    since = len(emulator.sent_messages)
    await emulator.send_message("@everyone what did Meta release in April?", author=live_bot.member)
    await emulator.send_message(f"{emulator.mention(emulator.bot_user)}", author=live_bot.member)  # bare mention
    reply = await emulator.wait_for_message(emulator.channel_id, since=since, timeout=10)
    assert reply["content"].startswith("Ask me something")  # only the bare mention got a reply
    await asyncio.sleep(0.3)
    assert len(emulator.sent_messages) == since + 1


async def test_a_dm_is_answered(live_bot: LiveBot) -> None:
    emulator = live_bot.emulator
    since = len(emulator.sent_messages)
    await emulator.send_message("what is GPT-4.5?", author=live_bot.member, guild=False)
    reply = await emulator.wait_for_message(timeout=30, since=since)
    assert reply["channel_id"] == emulator.dm_channel(live_bot.member)["id"]
    assert "GPT-4.5" in reply["embeds"][0]["description"]


async def test_show_passages_and_feedback_buttons(live_bot: LiveBot) -> None:
    emulator = live_bot.emulator
    interaction = await live_bot.ask("c'est quoi TerraMind ?")
    message = answer_message(live_bot, interaction)
    passages, up, _ = [c["custom_id"] for row in message["components"] for c in row["components"]]

    click = await emulator.send_component_click(passages, message, user=live_bot.admin)
    record = await emulator.wait_for_callback(click)
    shown = record.callbacks[0].data
    assert shown["flags"] & EPHEMERAL and "TerraMind" in shown["embeds"][0]["description"]

    vote = await emulator.send_component_click(up, message, user=live_bot.admin)
    await emulator.wait_for_callback(vote)
    assert "Merci" in ephemeral_text(live_bot, vote)
    entry = json.loads(live_bot.settings.resolved_feedback_file.read_text(encoding="utf-8").splitlines()[-1])
    assert entry["vote"] == "up" and entry["question"] == "c'est quoi TerraMind ?" and entry["sources"]
    again = await emulator.send_component_click(up, message, user=live_bot.admin)
    await emulator.wait_for_callback(again)
    assert "déjà" in ephemeral_text(live_bot, again)


async def test_status_latest_and_digest_list(live_bot: LiveBot) -> None:
    emulator = live_bot.emulator
    status = await emulator.send_slash_command("status", user=live_bot.member)
    fields = {
        f["name"]: f["value"]
        for f in (await emulator.wait_for_callback(status)).callbacks[0].data["embeds"][0]["fields"]
    }
    assert "3 digests" in fields["Index"] and "April 2025" in fields["Months covered"]
    assert "all-MiniLM-L6-v2" in fields["Model"] and "ms" in fields["Answer latency (p50)"]
    assert fields["Gateway"] == "one connection (not sharded)"

    latest = await emulator.send_slash_command("latest", user=live_bot.member)
    embeds = (await emulator.wait_for_callback(latest)).callbacks[0].data["embeds"]
    assert any("Meta dévoile LLaMA 4" in e["description"] for e in embeds)

    listing = await emulator.send_slash_command("digest", subcommand="list", user=live_bot.member)
    text = (await emulator.wait_for_callback(listing)).callbacks[0].data["embeds"][0]["description"]
    assert "001_ef2a3645dd1a3bf1.txt" in text and "chunks" in text


async def test_an_unexpected_error_gets_an_apology_with_a_reference(
    live_bot: LiveBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(question: str) -> Answer:
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(live_bot.bot.service, "ask", broken)
    with caplog.at_level(logging.ERROR, logger="newsbot.ask"):
        interaction = await live_bot.ask("what is new?")
        record = live_bot.emulator.interaction(interaction)
        await live_bot.emulator.wait_for(lambda: record.followups, timeout=10)
    assert record.original_deleted  # the public "thinking…" message is gone
    apology = record.followups[-1]
    assert apology["flags"] & EPHEMERAL
    text = apology["content"]
    reference = re.search(r"reference `([0-9a-f]{8})`", text)
    assert reference and "Traceback" not in text and "fire" not in text
    logged = [r for r in caplog.records if getattr(r, "reference", None) == reference.group(1)]
    assert logged and logged[0].exc_info and "the disk is on fire" in str(logged[0].exc_info[1])
