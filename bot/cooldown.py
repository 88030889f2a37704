"""Per-member question rate limit, shared by /ask, mentions and DMs."""

from __future__ import annotations

from discord.app_commands import Cooldown


class QuestionCooldown:
    """`rate` questions per `per` seconds for each user (discord.py's token bucket)."""

    def __init__(self, rate: int, per: float) -> None:
        self.rate = rate
        self.per = per
        self._buckets: dict[int, Cooldown] = {}

    def retry_after(self, user_id: int) -> float:
        """0 if the user may ask now (and counts the question), else seconds to wait."""
        bucket = self._buckets.setdefault(user_id, Cooldown(self.rate, self.per))
        return bucket.update_rate_limit() or 0.0
