"""/ask, questions by mention or DM, and the buttons under an answer."""

from __future__ import annotations

import asyncio
import logging
import math
import re
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from index import Answer, IndexSettings, NewsbotError, QuestionError, detect_language

from ..client import NO_MENTIONS, NewsBot, apology, interaction_language, new_reference
from ..embeds import answer_embed, passage_embeds

log = logging.getLogger("newsbot.ask")

MAX_QUESTION = IndexSettings.model_fields["max_question_chars"].default

TEXT = {
    "en": {
        "cooldown": "You're asking quickly! Try again in {seconds} s.",
        "empty": "Ask me something about the AI news digests, e.g. “What did Meta release in April?”",
        "passages": "Show passages",
        "thanks_up": "Thanks, noted 👍",
        "thanks_down": "Thanks, noted 👎 — it helps us improve.",
        "already": "You already rated this answer.",
        "expired": "This answer is too old for that; please ask again.",
    },
    "fr": {
        "cooldown": "Doucement ! Réessayez dans {seconds} s.",
        "empty": "Posez-moi une question sur les digests d'actualité IA, par ex. « Qu'a annoncé Mistral en mars ? »",
        "passages": "Voir les passages",
        "thanks_up": "Merci, c'est noté 👍",
        "thanks_down": "Merci, c'est noté 👎 — ça nous aide à progresser.",
        "already": "Vous avez déjà noté cette réponse.",
        "expired": "Cette réponse est trop ancienne ; reposez la question.",
    },
}


def text(language: str, key: str, **values: object) -> str:
    return TEXT.get(language, TEXT["en"])[key].format(**values)


class PassagesButton(discord.ui.DynamicItem[discord.ui.Button], template=r"newsbot:passages:(?P<answer>[0-9a-f]{12})"):
    """Shows the full cited passages, only to the member who clicks."""

    def __init__(self, answer_id: str, language: str = "en") -> None:
        super().__init__(
            discord.ui.Button(
                label=text(language, "passages"),
                emoji="📄",
                style=discord.ButtonStyle.secondary,
                custom_id=f"newsbot:passages:{answer_id}",
            )
        )
        self.answer_id = answer_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]):
        return cls(match["answer"])

    async def callback(self, interaction: discord.Interaction) -> None:
        answer: Answer | None = interaction.client.recall(self.answer_id)  # type: ignore[attr-defined]
        if answer is None:
            await interaction.response.send_message(text(interaction_language(interaction), "expired"), ephemeral=True)
            return
        messages = passage_embeds(answer)
        await interaction.response.send_message(embeds=messages[0], ephemeral=True, allowed_mentions=NO_MENTIONS)
        for embeds in messages[1:]:
            await interaction.followup.send(embeds=embeds, ephemeral=True, allowed_mentions=NO_MENTIONS)


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"newsbot:vote:(?P<vote>up|down):(?P<answer>[0-9a-f]{12})"
):
    """👍/👎: recorded with the question, answer and sources for maintainers."""

    def __init__(self, answer_id: str, vote: str) -> None:
        super().__init__(
            discord.ui.Button(
                emoji="👍" if vote == "up" else "👎",
                style=discord.ButtonStyle.secondary,
                custom_id=f"newsbot:vote:{vote}:{answer_id}",
            )
        )
        self.answer_id = answer_id
        self.vote = vote

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]):
        return cls(match["answer"], match["vote"])

    async def callback(self, interaction: discord.Interaction) -> None:
        bot: NewsBot = interaction.client  # type: ignore[assignment]
        answer = bot.recall(self.answer_id)
        if answer is None:
            await interaction.response.send_message(text(interaction_language(interaction), "expired"), ephemeral=True)
            return
        voters = bot.voters.setdefault(self.answer_id, set())
        if interaction.user.id in voters:
            await interaction.response.send_message(text(answer.language, "already"), ephemeral=True)
            return
        voters.add(interaction.user.id)
        await asyncio.to_thread(bot.feedback.record, answer, self.vote, interaction.user.id, self.answer_id)
        await interaction.response.send_message(text(answer.language, f"thanks_{self.vote}"), ephemeral=True)


def answer_view(answer_id: str, language: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(PassagesButton(answer_id, language))
    view.add_item(VoteButton(answer_id, "up"))
    view.add_item(VoteButton(answer_id, "down"))
    return view


class Ask(commands.Cog):
    """Answers questions, whichever way they are asked."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="ask", description="Ask a question about the AI news digests (English or French).")
    @app_commands.describe(question="e.g. What did Meta release in April? / Qu'a annoncé Mistral en mars ?")
    async def ask(self, interaction: discord.Interaction, question: app_commands.Range[str, 2, MAX_QUESTION]) -> None:
        language = detect_language(question)
        wait = self.bot.cooldown.retry_after(interaction.user.id)
        if wait:
            await interaction.response.send_message(text(language, "cooldown", seconds=math.ceil(wait)), ephemeral=True)
            return
        try:
            question = self.bot.service.validate_question(question)
        except QuestionError as error:
            await interaction.response.send_message(str(error), ephemeral=True)
            return
        await interaction.response.defer(thinking=True)  # Discord wants an answer within 3 s
        try:
            answer = await self.bot.ask(question)
        except Exception:
            reference = new_reference()
            log.exception("ask failed", extra={"reference": reference, "interaction_id": interaction.id})
            # The public "thinking…" message goes; the apology is for the asker only.
            await interaction.delete_original_response()
            await interaction.followup.send(apology(reference), ephemeral=True)
            return
        answer_id = self.bot.remember(answer)
        await interaction.followup.send(
            embed=answer_embed(answer), view=answer_view(answer_id, answer.language), allowed_mentions=NO_MENTIONS
        )

    @commands.Cog.listener("on_message")
    async def answer_mention(self, message: discord.Message) -> None:
        """A message that mentions the bot (or any DM, if enabled) is a question."""
        question = self.question_in(message)
        if question is None:
            return
        language = detect_language(question) if question else "en"
        if not question:
            await message.reply(text(language, "empty"), mention_author=False, allowed_mentions=NO_MENTIONS)
            return
        wait = self.bot.cooldown.retry_after(message.author.id)
        if wait:
            await message.reply(
                text(language, "cooldown", seconds=math.ceil(wait)), mention_author=False, allowed_mentions=NO_MENTIONS
            )
            return
        try:
            async with message.channel.typing():
                answer = await self.bot.ask(question)
        except NewsbotError as error:  # a question the service refuses (too long, no words)
            await message.reply(str(error), mention_author=False, allowed_mentions=NO_MENTIONS)
            return
        except Exception:
            reference = new_reference()
            log.exception("mention failed", extra={"reference": reference, "message_id": message.id})
            await message.reply(apology(reference), mention_author=False, allowed_mentions=NO_MENTIONS)
            return
        answer_id = self.bot.remember(answer)
        await message.reply(
            embed=answer_embed(answer),
            view=answer_view(answer_id, answer.language),
            mention_author=False,
            allowed_mentions=NO_MENTIONS,
        )

    def question_in(self, message: discord.Message) -> str | None:
        """The question a message asks the bot, "" for a bare mention, None if it asks nothing."""
        me = self.bot.user
        if message.author.bot or me is None or message.author.id == me.id:
            return None
        is_dm = message.guild is None
        if is_dm and not self.bot.settings.allow_dms:
            return None
        if not is_dm and not any(user.id == me.id for user in message.mentions):
            return None  # @everyone and role mentions are not questions to the bot
        return re.sub(rf"<@!?{me.id}>", " ", message.content).strip(" ,:\n\t")


async def setup(bot: NewsBot) -> None:
    bot.add_dynamic_items(PassagesButton, VoteButton)
    await bot.add_cog(Ask(bot))
