"""Benchmark: answers per second and latency with 1, 5 and 20 concurrent askers through `NewsBot.ask`.

    .venv/bin/python -m benchmarks.bench_concurrency [--corpus fixtures scale-100] [--questions 100] [--askers 1 5 20]

`NewsBot.ask` is the bot's answer path (a thread pool of ANSWER_THREADS); the
bot object is constructed without connecting to Discord. Corpora: `fixtures` (tests/fixtures/digests,
indexed into /tmp/newsbot-bench/fixtures if needed) and `scale-N` (the index bench_scale left in
/tmp/newsbot-bench/scale-N; built there if missing, which embeds every passage and is slow).
Each asker count answers the same `--questions` questions (benchmarks.corpus.questions); the bare
`NewsService.ask` one at a time is measured in the same run as the reference.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import time
from pathlib import Path
from typing import Any

from benchmarks.corpus import questions, write_corpus

REPO = Path(__file__).resolve().parents[1]
ROOT = Path("/tmp/newsbot-bench")


def data_dir_for(corpus: str) -> tuple[Path, int]:
    """The data dir of a corpus, with digests in place, and how many digests it holds."""
    data_dir = ROOT / corpus
    digests_dir = data_dir / "digests"
    if corpus == "fixtures":
        if not digests_dir.exists():
            shutil.copytree(REPO / "tests" / "fixtures" / "digests", digests_dir)
        return data_dir, 3
    count = int(corpus.removeprefix("scale-"))
    if not digests_dir.exists():
        write_corpus(data_dir, count)
    return data_dir, count


def make_bot(data_dir: Path) -> Any:
    """A NewsBot over a loaded index, never connected to Discord."""
    from bot.client import NewsBot
    from bot.settings import BotSettings
    from index import NewsService

    settings = BotSettings(_env_file=None, data_dir=data_dir, health_file=data_dir / "health", log_format="text")
    service = NewsService(settings)
    service.load(build_if_missing=True)
    return NewsBot(settings, service)


async def ask_concurrently(bot: Any, asked: list[str], askers: int) -> tuple[float, list[float]]:
    """Wall seconds to answer every question with `askers` askers pulling from one queue, and each latency."""
    queue: asyncio.Queue[str] = asyncio.Queue()
    for question in asked:
        queue.put_nowait(question)
    latencies: list[float] = []

    async def asker() -> None:
        while not queue.empty():
            question = queue.get_nowait()
            started = time.perf_counter()
            await bot.ask(question)
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(asker() for _ in range(askers)))
    return time.perf_counter() - started, latencies


def quantile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def measure(corpus: str, question_count: int, asker_counts: list[int]) -> list[dict[str, Any]]:
    data_dir, digests = data_dir_for(corpus)
    bot = make_bot(data_dir)
    asked = questions(question_count, digests)
    bot.service.ask(asked[0])  # the model loads here
    batcher = bot.service.searcher.queries
    calls_before = batcher.batches
    bare = []
    for question in asked:
        started = time.perf_counter()
        bot.service.ask(question)
        bare.append((time.perf_counter() - started) * 1000)
    rows = [{"corpus": corpus, "askers": "bare", "per_s": 1000 / statistics.mean(bare), "latencies": bare}]
    rows[0]["calls"] = batcher.batches - calls_before
    for askers in asker_counts:
        calls_before = batcher.batches
        wall, latencies = await ask_concurrently(bot, asked, askers)
        row = {"corpus": corpus, "askers": askers, "per_s": len(asked) / wall, "latencies": latencies}
        rows.append({**row, "calls": batcher.batches - calls_before})
    # No bot.close(): it never connected, and AutoShardedClient.close() needs a connection's state.
    return rows


def print_table(rows: list[dict[str, Any]], question_count: int) -> None:
    from bot.client import ANSWER_THREADS

    print("| corpus | askers | answers/s | p50 ms | p95 ms | model calls |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        askers = "1 (NewsService.ask, no bot)" if row["askers"] == "bare" else row["askers"]
        p50, p95 = quantile(row["latencies"], 0.5), quantile(row["latencies"], 0.95)
        print(f"| {row['corpus']} | {askers} | {row['per_s']:.1f} | {p50:.0f} | {p95:.0f} | {row['calls']} |")
    print()
    print(
        f"{question_count} questions per line; ANSWER_THREADS = {ANSWER_THREADS}; latency includes the wait for a thread."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", nargs="+", default=["fixtures", "scale-100"])
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--askers", type=int, nargs="+", default=[1, 5, 20])
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    rows: list[dict[str, Any]] = []
    for corpus in args.corpus:
        rows += asyncio.run(measure(corpus, args.questions, args.askers))
    print_table(rows, args.questions)
    print(f"load average (1 min) before/after: {load_before:.1f}/{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
