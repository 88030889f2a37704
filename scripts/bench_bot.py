"""Benchmark: /ask through the whole bot (gateway in, REST out) against the Discord API emulator.

Prints, from one run, the time to the deferral and to the answer for questions asked one at a
time and many at once, next to the bare `NewsService.ask` time, so the Discord layer's cost
and the event loop's responsiveness under load read as ratios.

    .venv/bin/python scripts/bench_bot.py [--questions 40] [--concurrency 20]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # the emulator is a test fixture

from discord_emulator import DiscordEmulator  # noqa: E402

from bot.runner import create_bot, run_until_closed  # noqa: E402
from bot.settings import BotSettings  # noqa: E402
from index.service import NewsService  # noqa: E402

QUESTIONS = [
    "What did Meta release in April?",
    "qu'a annoncé Mistral en mars ?",
    "c'est quoi TerraMind ?",
    "what is GPT-4.5?",
    "latest news on Hugging Face?",
    "la CNIL interdit quoi ?",
    "what happened in March 2025?",
    "any news about PyTorch 2.7?",
]


def quantiles(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"p50 {statistics.median(ordered) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms"


async def ask_all(
    emulator: DiscordEmulator, user: dict, count: int, concurrency: int
) -> tuple[list[float], list[float]]:
    """Deferral and answer delays (seconds after dispatch) of `count` /ask, `concurrency` at a time."""
    deferrals: list[float] = []
    answers: list[float] = []
    gate = asyncio.Semaphore(concurrency)

    async def one(n: int) -> None:
        async with gate:
            interaction = await emulator.send_slash_command(
                "ask", {"question": QUESTIONS[n % len(QUESTIONS)]}, user=user
            )
            record = await emulator.wait_for_interaction_reply(interaction, timeout=120)
            deferrals.append(record.callbacks[0].elapsed)
            answers.append(record.events[-1][1])

    await asyncio.gather(*(one(n) for n in range(count)))
    return deferrals, answers


async def main(count: int, concurrency: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(REPO / "data" / "digests", data / "digests")
        async with DiscordEmulator() as emulator:
            settings = BotSettings(
                _env_file=None,
                data_dir=data,
                discord_token=emulator.token,
                discord_api_base_url=emulator.api_base_url,
                question_rate=100,
                question_per_seconds=1,
                health_file=data / "health",
                log_format="text",
            )
            service = NewsService(settings)
            service.load(build_if_missing=True)
            bare = []
            for n in range(count):
                started = time.perf_counter()
                service.ask(QUESTIONS[n % len(QUESTIONS)])
                bare.append(time.perf_counter() - started)
            bot = create_bot(settings, service)
            task = asyncio.create_task(run_until_closed(bot, emulator.token))
            await asyncio.wait_for(bot.wait_until_ready(), timeout=60)
            user = emulator.add_member(name="bench")
            try:
                one_defer, one_answer = await ask_all(emulator, user, count, 1)
                many_defer, many_answer = await ask_all(emulator, user, count, concurrency)
            finally:
                await bot.close()
                await task
    print(f"{count} questions; NewsService.ask alone:        {quantiles(bare)}")
    print(f"one at a time   deferral:                      {quantiles(one_defer)}")
    print(f"one at a time   answer:                        {quantiles(one_answer)}")
    print(f"{concurrency:2d} at a time   deferral:                      {quantiles(many_defer)}")
    print(f"{concurrency:2d} at a time   answer:                        {quantiles(many_answer)}")
    print(
        f"answer one at a time / NewsService.ask (p50):  {statistics.median(one_answer) / statistics.median(bare):.2f}x"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.questions, args.concurrency))
