"""Benchmark: build, load, answer latency and incremental reindex at 10, 100, 1000 synthetic digests.

    .venv/bin/python -m benchmarks.bench_scale --digests 10 100 [--questions 200] [--sample-chunks 0]
    .venv/bin/python -m benchmarks.bench_scale --digests 1000 --sample-chunks 3000 --reuse

Each size gets a data dir /tmp/newsbot-bench/scale-N (rebuilt from scratch unless --reuse finds a
finished build there) holding benchmarks.corpus digests. Every step runs in a fresh process that
prints one JSON line, so that peak RSS (ru_maxrss of that process) and start-up cost are its own:
  build        full `NewsService.reindex()` with the model already loaded; time per build stage
  serve        a bot start: import, `NewsService(settings).load()`, first answer, then warm answers
  incremental  add digest N (time, embedded), remove it again, and index that digest alone
With --sample-chunks S (> 0) the build embeds only S passages with the model and gives every
other passage the vector of one of those (chosen by a hash of its text): retrieval, load and RSS
are those of a full-size index, chunks/s is measured on the sample, and the full build time is
estimated as the other stages plus chunks / (chunks/s). The table says so.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.corpus import questions, write_corpus, write_digest
from benchmarks.memory import peak_rss_mb, rss_mb

ROOT = Path("/tmp/newsbot-bench")
RESULT_FILE = "build-result.json"
BUILD_STAGES = {
    "read": ("index.builder", "_read_and_chunk"),
    "previous": ("index.builder", "_previous_index"),
    "embed": ("index.builder", "_embed"),
    "tables": ("index.builder", "_table_writer"),
    "write": ("index.store", "write_index"),
}


def settings_for(data_dir: Path) -> Any:
    from index import IndexSettings

    return IndexSettings(_env_file=None, data_dir=data_dir)


def time_stages() -> dict[str, float]:
    """Wrap the builder's stages so that each call adds its duration (seconds) to the returned dict."""
    import importlib

    spent: dict[str, float] = dict.fromkeys(BUILD_STAGES, 0.0)
    for stage, (module_name, attribute) in BUILD_STAGES.items():
        module = importlib.import_module(module_name)
        setattr(module, attribute, _timed(getattr(module, attribute), stage, spent))
    return spent


def _timed(function: Callable[..., Any], stage: str, spent: dict[str, float]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[stage] += time.perf_counter() - started

    return wrapper


def sampled_embedder(settings: Any, budget: int) -> Any:
    """An embedder that embeds the first `budget` passages with the model and reuses those vectors for the
    rest (same name and dimension as the model's, so the index loads and is queried with the real model)."""
    from index.embedding import Embedder

    class SampledEmbedder(Embedder):
        def __init__(self) -> None:
            super().__init__(settings.embedding_model, settings.embed_batch_size)
            self.pool: list[np.ndarray] = []
            self.model_seconds = 0.0

        def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
            room = max(0, budget - len(self.pool))
            started = time.perf_counter()
            real = super().encode(texts[:room], progress) if room and texts else np.zeros((0, self.dimension))
            self.model_seconds += time.perf_counter() - started
            self.pool.extend(real)
            reused = [self.pool[zlib.crc32(text.encode()) % len(self.pool)] for text in texts[room:]]
            return np.asarray([*real, *reused], dtype=np.float32).reshape(len(texts), self.dimension)

        def encode_query(self, text: str) -> np.ndarray:  # questions (and the warm-up) are not passages
            return Embedder.encode(self, [text])[0]

    return SampledEmbedder()


def worker_build(data_dir: Path, sample_chunks: int) -> dict[str, Any]:
    from index import NewsService

    settings = settings_for(data_dir)
    embedder = sampled_embedder(settings, sample_chunks) if sample_chunks else None
    service = NewsService(settings, embedder=embedder)
    service.embedder.encode(["warm up"])  # the model load is not part of the build (questions skip it: ONNX)
    spent = time_stages()
    report = service.reindex()
    result = {
        "digests": report.digests,
        "chunks": report.chunks,
        "build_s": report.seconds,
        "stages": spent,
        "rss_peak_mb": peak_rss_mb(),
        "sampled": sample_chunks,
    }
    if sample_chunks:
        real = min(sample_chunks, report.chunks)
        result["chunks_per_s"] = real / embedder.model_seconds
        result["build_est_s"] = report.seconds - spent["embed"] + report.chunks / result["chunks_per_s"]
    else:
        result["chunks_per_s"] = report.chunks / spent["embed"]
    return result


def worker_serve(data_dir: Path, question_count: int, digests: int) -> dict[str, Any]:
    started = time.perf_counter()
    from index import NewsService

    imported = time.perf_counter()
    service = NewsService(settings_for(data_dir))
    service.load(build_if_missing=False)
    loaded = time.perf_counter()
    rss_loaded = rss_mb()
    asked = questions(question_count, digests)
    service.ask(asked[0])  # loads the model: the bot's first answer
    first = time.perf_counter()
    retrieve, total = [], []
    for question in asked:
        answer = service.ask(question)
        retrieve.append(answer.timings_ms["retrieve"])
        total.append(answer.timings_ms["total"])
    return {
        "import_s": imported - started,
        "load_s": loaded - imported,
        "first_answer_s": first - loaded,
        "rss_loaded_mb": rss_loaded,
        "rss_peak_mb": peak_rss_mb(),
        "retrieve_ms": percentiles(retrieve),
        "total_ms": percentiles(total),
        "questions": len(asked),
    }


def worker_incremental(data_dir: Path, digests: int) -> dict[str, Any]:
    """Rebuild with nothing changed, add digest N, remove it, then index it alone: one process, model
    loaded once. The first rebuild also gives the build what this version stores for the next one."""
    from index import NewsService

    settings = settings_for(data_dir)
    service = NewsService(settings)
    service.load(build_if_missing=False)
    service.embedder.encode(["warm up"])  # loads the model passages need (questions go through ONNX)
    unchanged = service.reindex()
    spent = time_stages()
    added_path = write_digest(settings.digests_dir, digests)
    try:
        added = service.reindex()
        add_stages = dict(spent)
    finally:
        added_path.unlink()
    spent.update(dict.fromkeys(spent, 0.0))
    removed = service.reindex()
    alone_dir = data_dir.parent / f"{data_dir.name}-alone"
    shutil.rmtree(alone_dir, ignore_errors=True)
    write_digest(_mkdir(alone_dir / "digests"), digests)
    spent.update(dict.fromkeys(spent, 0.0))
    alone = NewsService(settings_for(alone_dir), embedder=service.embedder).reindex()
    shutil.rmtree(alone_dir, ignore_errors=True)
    return {
        "unchanged_s": unchanged.seconds,
        "add_s": added.seconds,
        "add_embedded": added.embedded,
        "add_stages": add_stages,
        "remove_s": removed.seconds,
        "remove_embedded": removed.embedded,
        "alone_s": alone.seconds,
        "alone_chunks": alone.chunks,
        "rss_peak_mb": peak_rss_mb(),
    }


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def percentiles(values: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(values, n=100)
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98]}


def run_worker(*args: str) -> dict[str, Any]:
    """Run one step in a fresh interpreter; its last stdout line is the JSON result."""
    command = [sys.executable, "-m", "benchmarks.bench_scale", "--worker", *args]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"worker {args[0]} failed ({done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def prepare(digests: int, reuse: bool) -> tuple[Path, dict[str, Any] | None]:
    """The data dir for a size, and the saved build result when --reuse finds a finished build."""
    data_dir = ROOT / f"scale-{digests}"
    saved = data_dir / RESULT_FILE
    if reuse and saved.exists():
        return data_dir, json.loads(saved.read_text())
    shutil.rmtree(data_dir, ignore_errors=True)
    write_corpus(data_dir, digests)
    return data_dir, None


def measure(digests: int, question_count: int, sample_chunks: int, reuse: bool) -> dict[str, Any]:
    data_dir, build = prepare(digests, reuse)
    if build is None:
        build = run_worker("build", str(data_dir), str(sample_chunks))
        (data_dir / RESULT_FILE).write_text(json.dumps(build))
    print(f"[{digests}] build {json.dumps(build)}", file=sys.stderr, flush=True)
    serve = run_worker("serve", str(data_dir), str(question_count), str(digests))
    print(f"[{digests}] serve {json.dumps(serve)}", file=sys.stderr, flush=True)
    incremental = run_worker("incremental", str(data_dir), str(digests))
    print(f"[{digests}] incremental {json.dumps(incremental)}", file=sys.stderr, flush=True)
    return {"n": digests, "build": build, "serve": serve, "incremental": incremental}


COLUMNS = [
    ("digests", lambda r: f"{r['n']}"),
    ("chunks", lambda r: f"{r['build']['chunks']}"),
    ("build s", lambda r: _build_time(r["build"])),
    ("chunks/s", lambda r: f"{r['build']['chunks_per_s']:.1f}" + ("*" if r["build"]["sampled"] else "")),
    ("build RSS MB", lambda r: f"{r['build']['rss_peak_mb']:.0f}"),
    ("import s", lambda r: f"{r['serve']['import_s']:.1f}"),
    ("load s", lambda r: f"{r['serve']['load_s']:.2f}"),
    ("1st answer s", lambda r: f"{r['serve']['first_answer_s']:.1f}"),
    ("RSS loaded/peak MB", lambda r: f"{r['serve']['rss_loaded_mb']:.0f}/{r['serve']['rss_peak_mb']:.0f}"),
    ("retrieve p50/p95/p99 ms", lambda r: "/".join(f"{v:.0f}" for v in r["serve"]["retrieve_ms"].values())),
    ("answer p50/p95/p99 ms", lambda r: "/".join(f"{v:.0f}" for v in r["serve"]["total_ms"].values())),
    ("rebuild, none changed s", lambda r: f"{r['incremental'].get('unchanged_s', float('nan')):.1f}"),
    ("+1 digest s (embedded)", lambda r: f"{r['incremental']['add_s']:.1f} ({r['incremental']['add_embedded']})"),
    ("alone s", lambda r: f"{r['incremental']['alone_s']:.1f}"),
    ("add write s", lambda r: f"{r['incremental']['add_stages']['write']:.1f}"),
    ("add/(alone+write)", lambda r: f"{_add_ratio(r['incremental']):.1f}x"),
    ("-1 digest s (embedded)", lambda r: f"{r['incremental']['remove_s']:.1f} ({r['incremental']['remove_embedded']})"),
]


def _build_time(build: dict[str, Any]) -> str:
    return f"~{build['build_est_s']:.0f} (est.)" if build["sampled"] else f"{build['build_s']:.1f}"


def _add_ratio(incremental: dict[str, Any]) -> float:
    return incremental["add_s"] / (incremental["alone_s"] + incremental["add_stages"]["write"])


def print_tables(rows: list[dict[str, Any]], question_count: int) -> None:
    headers = [name for name, _ in COLUMNS]
    cells = [[cell(row) for _, cell in COLUMNS] for row in rows]
    print("| " + " | ".join(headers) + " |")
    print("|" + "|".join("---" for _ in headers) + "|")
    for line in cells:
        print("| " + " | ".join(line) + " |")
    print()
    print("Build stages, seconds (full build | +1 digest):")
    print("| digests | " + " | ".join(BUILD_STAGES) + " |")
    print("|---|" + "|".join("---" for _ in BUILD_STAGES) + "|")
    for row in rows:
        full, add = row["build"]["stages"], row["incremental"]["add_stages"]
        print(f"| {row['n']} | " + " | ".join(f"{full[s]:.1f} \\| {add[s]:.1f}" for s in BUILD_STAGES) + " |")
    print()
    print(f"{question_count} questions, warm, one at a time; RSS = resident set of that step's own process.")
    for row in rows:
        if row["build"]["sampled"]:
            print(
                f"* {row['n']} digests: vectors reused from a {row['build']['sampled']}-chunk sample embedded "
                f"with the model; chunks/s measured on that sample; build s = other stages + chunks / chunks/s."
            )


def worker_main(argv: list[str]) -> None:
    mode, data_dir, *rest = argv
    if mode == "build":
        result = worker_build(Path(data_dir), int(rest[0]))
    elif mode == "serve":
        result = worker_serve(Path(data_dir), int(rest[0]), int(rest[1]))
    else:
        result = worker_incremental(Path(data_dir), int(rest[0]))
    print(json.dumps(result))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker_main(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--digests", type=int, nargs="+", default=[10, 100])
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--sample-chunks", type=int, default=0, help="embed only this many passages (0: all)")
    parser.add_argument("--reuse", action="store_true", help="reuse a finished build in /tmp/newsbot-bench")
    args = parser.parse_args()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    load_before = os.getloadavg()[0]
    rows = [measure(n, args.questions, args.sample_chunks, args.reuse) for n in args.digests]
    print_tables(rows, args.questions)
    print(f"load average (1 min) before/after: {load_before:.1f}/{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
