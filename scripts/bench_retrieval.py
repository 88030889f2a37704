"""Benchmark: retrieval latency per question, next to the query embedding alone.

    .venv/bin/python scripts/bench_retrieval.py [--dataset tests/fixtures/eval/tuning.jsonl] [--rounds 3]

Prints p50/p95 of the query embedding and of the whole retrieval (period parsing, BM25,
FAISS, fusion, merging) measured in the same run, and their ratio: this machine is
noisy, so compare ratios rather than absolute figures across runs.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from bot.settings import BotSettings
from index.evaluation import load_cases
from index.service import NewsService


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset", type=Path, default=Path("tests/fixtures/eval/tuning.jsonl"))
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    service = NewsService(BotSettings())
    service.load()
    questions = [case.question for case in load_cases(args.dataset)]
    service.ask(questions[0])  # warm-up
    embed_ms, retrieve_ms = [], []
    for _ in range(args.rounds):
        for question in questions:
            started = time.perf_counter()
            service.embedder.encode_query(question)
            embed_ms.append((time.perf_counter() - started) * 1000)
            retrieve_ms.append(service.ask(question).timings_ms["retrieve"])
    for label, values in (("query embedding", embed_ms), ("retrieval", retrieve_ms)):
        cuts = statistics.quantiles(values, n=100)
        print(f"{label:16} p50 {cuts[49]:6.1f} ms   p95 {cuts[94]:6.1f} ms   (n={len(values)})")
    print(f"retrieval / embedding (p50): {statistics.median(retrieve_ms) / statistics.median(embed_ms):.2f}x")


if __name__ == "__main__":
    main()
