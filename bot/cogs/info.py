"""/status for maintainers and curious members, /latest for members who want the news."""

from __future__ import annotations

from datetime import UTC, datetime

import discord
from discord import app_commands
from discord.ext import commands

from index import headlines, month_label, newest_digests

from ..client import NO_MENTIONS, NewsBot, interaction_language
from ..embeds import ANSWER_COLOUR, group_for_messages, headlines_embed


class Info(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="status", description="Index size, model, digests covered, uptime and answer speed.")
    async def status(self, interaction: discord.Interaction) -> None:
        shard_id = interaction.guild.shard_id if interaction.guild else None
        await interaction.response.send_message(embed=self.status_embed(shard_id), ephemeral=True)

    def status_embed(self, shard_id: int | None = None) -> discord.Embed:
        """`shard_id`: the shard of the server asking (None in direct messages)."""
        service = self.bot.service
        stored = service.stored
        manifest = stored.manifest
        months = sorted({d.month for d in manifest.digests})
        embed = discord.Embed(title="News bot status", colour=ANSWER_COLOUR)
        embed.add_field(name="Index", value=f"{manifest.chunk_count} passages from {len(manifest.digests)} digests")
        embed.add_field(name="Months covered", value=", ".join(month_label(m, "en") for m in months) or "none")
        embed.add_field(name="Model", value=f"`{manifest.model}` ({manifest.dimension} dimensions)", inline=False)
        last = service.last_build
        built = f"{manifest.built_at} UTC" + (f" ({last.seconds:.1f} s)" if last else "")
        embed.add_field(
            name="Last reindex", value=built + (" · a reindex is running now" if service.reindexing else "")
        )
        embed.add_field(name="Uptime", value=_duration(datetime.now(UTC) - self.bot.started_at))
        p50 = self.bot.latency_p50_ms()
        answered = len(self.bot.latencies_ms)
        embed.add_field(
            name="Answer latency (p50)",
            value=f"{p50:.0f} ms over the last {answered} answers" if p50 is not None else "no question yet",
        )
        embed.add_field(name="Gateway", value=self._gateway(shard_id), inline=False)
        return embed

    def _gateway(self, shard_id: int | None) -> str:
        """Which shard serves this server and which ones this process runs: with several processes
        sharing the load, this tells a maintainer which one to look at."""
        count = self.bot.shard_count or 1
        if count == 1:
            return "one connection (not sharded)"
        shards = self.bot.running_shards()
        here = f"shard {shard_id} of {count} serves this server; " if shard_id is not None else ""
        runs = "shard" + ("s " if len(shards) > 1 else " ") + ", ".join(str(shard) for shard in shards)
        return here + f"this process runs {runs}"

    @app_commands.command(name="latest", description="Headlines of the newest digest.")
    async def latest(self, interaction: discord.Interaction) -> None:
        stored = self.bot.service.stored
        digests = newest_digests(stored)
        if not digests:
            await interaction.response.send_message("No digest is indexed yet.", ephemeral=True)
            return
        language = interaction_language(interaction)
        embeds = [headlines_embed(d, headlines(stored, d.path), language) for d in digests]
        messages = group_for_messages(embeds)
        await interaction.response.send_message(embeds=messages[0], allowed_mentions=NO_MENTIONS)
        for more in messages[1:]:
            await interaction.followup.send(embeds=more, allowed_mentions=NO_MENTIONS)


def _duration(delta) -> str:
    seconds = int(delta.total_seconds())
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes = seconds // 60
    return f"{days} d {hours} h {minutes} min" if days else f"{hours} h {minutes} min"


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Info(bot))
