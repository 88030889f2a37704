"""Benchmarks for issue 23: corpus scale, concurrency through the bot, FAISS index types. See docs/performance.md."""
