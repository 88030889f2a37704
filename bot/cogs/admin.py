"""/reindex and /digest add|list|remove: admins keep the digests and the index current.

A rebuild runs in a worker thread beside the serving index (questions keep being answered
from the old one) and its reply is edited with progress, throttled to respect rate limits.
"""

from __future__ import annotations

import asyncio
import logging
import time

import discord
from discord import app_commands
from discord.ext import commands

from index import BuildReport, ReindexInProgress, digest_summaries, library

from ..checks import admin_only
from ..client import NewsBot, apology, new_reference
from ..embeds import build_report_text, digest_list_embed

log = logging.getLogger("newsbot.admin")

PROGRESS_EVERY_SECONDS = 1.5
BUSY = "A reindex is already running; please try again when it has finished."
STAGES = {"read": "digests read", "embed": "chunks embedded"}


class Progress:
    """Build progress from the worker thread, shown by editing the command's reply."""

    def __init__(self, interaction: discord.Interaction, heading: str, note: str = "") -> None:
        self.interaction = interaction
        self.heading = heading
        self.note = note
        self.loop = asyncio.get_running_loop()
        self.state: dict[str, tuple[int, int]] = {}
        self.changed = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    def update(self, stage: str, done: int, total: int) -> None:
        """Called from the build thread."""
        self.loop.call_soon_threadsafe(self._set, stage, done, total)

    def _set(self, stage: str, done: int, total: int) -> None:
        self.state[stage] = (done, total)
        self.changed.set()

    def text(self) -> str:
        parts = [f"{STAGES.get(stage, stage)} {done}/{total}" for stage, (done, total) in self.state.items()]
        return f"{self.note}⏳ {self.heading}… " + (" · ".join(parts) if parts else "starting")

    async def _show(self) -> None:
        while True:
            await self.changed.wait()
            self.changed.clear()
            started = time.monotonic()
            try:
                await self.interaction.edit_original_response(content=self.text())
            except discord.HTTPException:
                log.warning("could not show reindex progress", exc_info=True)
            await asyncio.sleep(max(0.0, PROGRESS_EVERY_SECONDS - (time.monotonic() - started)))

    async def __aenter__(self) -> Progress:
        self.task = asyncio.create_task(self._show())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.task:  # stopped before the summary is written, so it cannot overwrite it
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)


class Admin(commands.Cog):
    """Index and digest management, for admins only (see checks.py)."""

    digest = app_commands.Group(name="digest", description="The news digests the bot answers from.", guild_only=True)

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="reindex", description="Rebuild the index from the data directory (admins).")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    @admin_only()
    async def reindex(self, interaction: discord.Interaction) -> None:
        if self.bot.service.reindexing:
            await interaction.response.send_message(BUSY, ephemeral=True)
            return
        await interaction.response.send_message("⏳ Reindexing…", ephemeral=True)
        await self.rebuild(interaction, "Reindexing")

    async def rebuild(self, interaction: discord.Interaction, heading: str, note: str = "") -> BuildReport | None:
        """Run a reindex with live progress; ends the reply with the summary or the failure."""
        try:
            async with Progress(interaction, heading, note) as progress:
                report = await asyncio.to_thread(self.bot.service.reindex, progress.update)
        except ReindexInProgress:
            await interaction.edit_original_response(content=f"{note}{BUSY}")
            return None
        except Exception:
            reference = new_reference()
            log.exception("reindex failed", extra={"reference": reference})
            await interaction.edit_original_response(
                content=f"{note}❌ The reindex failed; the previous index is still answering questions. {apology(reference)}"
            )
            return None
        log.info(
            "reindexed", extra={"digests": report.digests, "chunks": report.chunks, "seconds": round(report.seconds, 2)}
        )
        await interaction.edit_original_response(content=note + build_report_text(report))
        return report

    @digest.command(name="add", description="Add (or replace) a digest file and index it (admins).")
    @app_commands.describe(file="A .md or .txt digest, UTF-8", replace="Overwrite a digest with the same name")
    @admin_only()
    async def digest_add(
        self, interaction: discord.Interaction, file: discord.Attachment, replace: bool = False
    ) -> None:
        settings = self.bot.settings
        try:
            name = library.check_upload_name(file.filename)
            library.check_upload_size(file.size, settings.max_upload_bytes)
        except library.UploadError as error:
            await interaction.response.send_message(f"❌ {error}", ephemeral=True)
            return
        if self.bot.service.reindexing:
            await interaction.response.send_message(BUSY, ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            data = await file.read()
            _, replaced = await asyncio.to_thread(
                library.save_digest,
                settings.digests_dir,
                name,
                data,
                replace=replace,
                max_bytes=settings.max_upload_bytes,
            )
        except library.UploadError as error:
            await interaction.edit_original_response(content=f"❌ {error}")
            return
        except discord.HTTPException:
            await interaction.edit_original_response(content="❌ Could not download the attachment; please try again.")
            return
        log.info("digest saved", extra={"digest": name, "replaced": replaced, "by": interaction.user.id})
        note = f"📥 {'Replaced' if replaced else 'Saved'} `{name}`.\n"
        await interaction.edit_original_response(content=note + "⏳ Indexing…")
        await self.rebuild(interaction, "Indexing", note)

    @digest.command(name="list", description="The digests the bot answers from, with their months.")
    async def digest_list(self, interaction: discord.Interaction) -> None:
        summaries = digest_summaries(self.bot.service.stored)
        await interaction.response.send_message(embed=digest_list_embed(summaries), ephemeral=True)

    @digest.command(name="remove", description="Delete a digest and reindex (admins).")
    @app_commands.describe(name="The digest's file name, as /digest list shows it")
    @admin_only()
    async def digest_remove(self, interaction: discord.Interaction, name: str) -> None:
        if self.bot.service.reindexing:
            await interaction.response.send_message(BUSY, ephemeral=True)
            return
        try:
            await asyncio.to_thread(library.remove_digest, self.bot.settings.digests_dir, name)
        except library.UploadError as error:
            await interaction.response.send_message(f"❌ {error}", ephemeral=True)
            return
        log.info("digest removed", extra={"digest": name, "by": interaction.user.id})
        note = f"🗑️ Removed `{name}`.\n"
        await interaction.response.send_message(note + "⏳ Reindexing…", ephemeral=True)
        await self.rebuild(interaction, "Reindexing", note)

    @digest_remove.autocomplete("name")
    async def digest_names(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        names = await asyncio.to_thread(library.digest_names, self.bot.settings.digests_dir)
        matching = [n for n in names if current.lower() in n.lower()][:25]
        return [app_commands.Choice(name=n[:100], value=n[:100]) for n in matching]


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Admin(bot))
