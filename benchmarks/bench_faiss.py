"""Benchmark: FAISS index types at 1e4, 1e5, 1e6 synthetic 384-dimensional unit vectors.

    .venv/bin/python -m benchmarks.bench_faiss [--sizes 10000 100000 1000000] [--queries 200] [--hnsw-max 100000]

For IndexFlatIP (what index/store.py writes today), IndexHNSWFlat (M=32, efSearch 64 and 128) and
IndexIVFFlat (nlist = 4*sqrt(n), nprobe 8 and 32): build time, memory (growth of this process's
resident set while building), single-query latency p50/p95 at k=50, and recall@10 against exact
search. Vectors are seeded and clustered like sentence embeddings (Gaussian clouds around 1000
random centres, then normalised), float32. Queries: half are stored vectors with noise added, half
random unit vectors. HNSW above --hnsw-max and sizes whose vectors would take more than a third of
the available memory are skipped, with a note. IVF is trained on at most 64*nlist vectors, 10
k-means iterations. FAISS uses its default OpenMP threads (this machine's cores).
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import faiss
import numpy as np

from benchmarks.memory import available_mb, rss_mb

DIMENSION = 384
K = 50
CENTRES = 1000
SEED = 23


@dataclass
class Row:
    size: int
    kind: str
    build_s: float
    memory_mb: float
    p50_ms: float
    p95_ms: float
    recall: float


def normalise(vectors: np.ndarray) -> np.ndarray:
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def make_vectors(size: int, seed: int = SEED, block: int = 100_000) -> np.ndarray:
    """`size` clustered unit vectors, generated block by block to bound the temporary memory."""
    rng = np.random.default_rng(seed)
    centres = normalise(rng.standard_normal((CENTRES, DIMENSION), dtype=np.float32))
    vectors = np.empty((size, DIMENSION), dtype=np.float32)
    for start in range(0, size, block):
        stop = min(size, start + block)
        noise = rng.standard_normal((stop - start, DIMENSION), dtype=np.float32) / math.sqrt(DIMENSION)
        vectors[start:stop] = normalise(centres[rng.integers(0, CENTRES, stop - start)] + noise)
    return vectors


def make_queries(vectors: np.ndarray, count: int, seed: int = SEED + 1) -> np.ndarray:
    """Half perturbed copies of stored vectors (a question close to a passage), half random."""
    rng = np.random.default_rng(seed)
    near = vectors[rng.integers(0, len(vectors), count // 2)]
    near = near + 0.5 * rng.standard_normal(near.shape, dtype=np.float32) / math.sqrt(DIMENSION)
    far = rng.standard_normal((count - count // 2, DIMENSION), dtype=np.float32)
    return normalise(np.vstack([near, far]).astype(np.float32))


def build(
    factory: Callable[[], faiss.Index], vectors: np.ndarray, train: np.ndarray | None
) -> tuple[faiss.Index, float, float]:
    """The index, its build seconds and the growth of the resident set while building it."""
    before = rss_mb()
    started = time.perf_counter()
    index = factory()
    if train is not None:
        index.train(train)
    index.add(vectors)
    return index, time.perf_counter() - started, rss_mb() - before


def latencies_ms(index: faiss.Index, queries: np.ndarray) -> list[float]:
    out = []
    for query in queries:
        started = time.perf_counter()
        index.search(query[None, :], K)
        out.append((time.perf_counter() - started) * 1000)
    return out


def recall_at_10(index: faiss.Index, queries: np.ndarray, truth: np.ndarray) -> float:
    _, found = index.search(queries, 10)
    return float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, truth, strict=True)]))


def measure_kind(
    size: int, kind: str, index: faiss.Index, build_s: float, memory: float, queries: np.ndarray, truth: np.ndarray
) -> Row:
    times = latencies_ms(index, queries)
    cuts = statistics.quantiles(times, n=100)
    return Row(size, kind, build_s, memory, cuts[49], cuts[94], recall_at_10(index, queries, truth))


def measure_size(size: int, query_count: int, hnsw_max: int) -> list[Row]:
    vectors = make_vectors(size)
    queries = make_queries(vectors, query_count)
    flat, seconds, memory = build(lambda: faiss.IndexFlatIP(DIMENSION), vectors, None)
    _, truth = flat.search(queries, 10)
    rows = [measure_kind(size, "FlatIP (exact)", flat, seconds, memory, queries, truth)]
    del flat
    if size <= hnsw_max:
        hnsw, seconds, memory = build(
            lambda: faiss.IndexHNSWFlat(DIMENSION, 32, faiss.METRIC_INNER_PRODUCT), vectors, None
        )
        for ef in (64, 128):
            hnsw.hnsw.efSearch = ef
            rows.append(measure_kind(size, f"HNSWFlat M=32 ef={ef}", hnsw, seconds, memory, queries, truth))
        del hnsw
    nlist = int(4 * math.sqrt(size))
    sample = vectors[np.random.default_rng(SEED + 2).choice(size, min(size, 64 * nlist), replace=False)]

    def ivf_factory() -> faiss.Index:
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(DIMENSION), DIMENSION, nlist, faiss.METRIC_INNER_PRODUCT)
        index.cp.niter = 10
        return index

    ivf, seconds, memory = build(ivf_factory, vectors, sample)
    for nprobe in (8, 32):
        ivf.nprobe = nprobe
        rows.append(measure_kind(size, f"IVFFlat nlist={nlist} nprobe={nprobe}", ivf, seconds, memory, queries, truth))
    return rows


def print_table(rows: list[Row], notes: list[str]) -> None:
    print("| vectors | index | build s | memory MB | p50 ms (k=50) | p95 ms | recall@10 |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row.size:,} | {row.kind} | {row.build_s:.1f} | {row.memory_mb:.0f} | {row.p50_ms:.2f} "
            f"| {row.p95_ms:.2f} | {row.recall:.3f} |"
        )
    flat = [row for row in rows if row.kind.startswith("FlatIP")]
    if flat:
        largest = flat[-1]
        crossing = largest.size * 50 / largest.p50_ms
        print()
        print(
            f"Exact search p50 reaches 50 ms at about {crossing:,.0f} vectors "
            f"(linear in n, extrapolated from {largest.size:,}: {largest.p50_ms:.1f} ms)."
        )
    for note in notes:
        print(f"Note: {note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--hnsw-max", type=int, default=100_000, help="skip HNSW above this size (slow to build)")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    rows: list[Row] = []
    notes: list[str] = []
    for size in args.sizes:
        needed = size * DIMENSION * 4 / 2**20
        if needed * 3 > available_mb():
            notes.append(f"{size:,} skipped: {needed:.0f} MB of vectors, {available_mb():.0f} MB available")
            continue
        if size > args.hnsw_max:
            notes.append(
                f"HNSW skipped at {size:,} (--hnsw-max {args.hnsw_max:,}): its build would exceed the time budget"
            )
        rows += measure_size(size, args.queries, args.hnsw_max)
        print_table(rows, notes)  # partial results as they come
        print(flush=True)
    print(f"faiss {faiss.__version__}, OpenMP threads {faiss.omp_get_max_threads()}, {args.queries} queries")
    print(f"load average (1 min) before/after: {load_before:.1f}/{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
