"""Embedding throughput for index builds (issue 23): chunks/s per variant, and agreement with the default.

    .venv/bin/python -m benchmarks.bench_embedding [--passages 2000] [--suite torch]

The passages are the fixture digests' chunks (tests/fixtures/digests, chunked as `index.builder` does),
repeated in order to --passages. Every variant embeds the same passages in the same run; its chunks/s is
also given as a ratio to the default measured in that run (the machine is noisy: the default is timed
first and again last). Agreement with the default, the retrieval-quality proxy: the per-passage cosine
between the variant's vector and the default's (mean and minimum), and the largest change of a
passage-passage cosine score over the unique passages.

Suites: `torch` (batch sizes, threads, length sorting, outer batching, torch int8 dynamic quantisation)
and `onnx` (the bot's ONNX export of the bundled model, onnxruntime's BERT fusions, int8 dynamic
quantisation, OpenVINO if installed) both run in the project's environment:

    .venv/bin/python -m benchmarks.bench_embedding --suite onnx

The ONNX exports are written to --export-dir (a copy of the bundled model folder), never into the
installed package.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from index.chunking import chunk_digest  # noqa: E402
from index.embedding import Embedder  # noqa: E402
from index.ingest import ingest_directory  # noqa: E402
from index.query_onnx import export_transformer  # noqa: E402
from index.settings import BUNDLED_MODEL  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "digests"
DEFAULT_BATCH = 32
OUTER_FACTOR = 4  # index.builder._embed hands Embedder.encode batch_size * 4 passages at a time

Encode = Callable[[list[str]], np.ndarray]


@dataclass
class Variant:
    name: str
    encode: Encode
    threads: int | None = None  # torch threads while this variant runs; None: leave as is


@dataclass
class Result:
    name: str
    seconds: float
    passages: int
    vectors: np.ndarray

    @property
    def rate(self) -> float:
        return self.passages / self.seconds


def fixture_passages(directory: Path = FIXTURES) -> list[str]:
    """The embedding texts of the fixture digests' chunks, in build order."""
    ingested = ingest_directory(directory, directory.resolve().parent)
    return [chunk.embedding_text() for digest in ingested.digests for chunk in chunk_digest(digest)]


def repeated(passages: list[str], count: int) -> list[str]:
    """The passages repeated in order up to `count` (whole or partial last round)."""
    rounds = -(-count // len(passages))
    return (passages * rounds)[:count]


def builder_like(encode: Callable[[list[str]], np.ndarray], outer: int, presort: bool = False) -> Encode:
    """Embed as index.builder._embed does: `outer` passages per encode call, optionally length-sorted first."""

    def run(texts: list[str]) -> np.ndarray:
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i])) if presort else list(range(len(texts)))
        parts: list[np.ndarray] = []
        for start in range(0, len(order), outer):
            parts.append(encode([texts[i] for i in order[start : start + outer]]))
        stacked = np.concatenate(parts)
        vectors = np.empty_like(stacked)
        vectors[order] = stacked
        return vectors

    return run


@contextmanager
def torch_threads(count: int | None) -> Iterator[None]:
    import torch

    before = torch.get_num_threads()
    if count is not None:
        torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def st_encode(model: Any, batch_size: int) -> Encode:
    """A SentenceTransformer's encode as Embedder.encode calls it."""

    def run(texts: list[str]) -> np.ndarray:
        vectors = model.encode(texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    return run


def torch_variants(embedder: Embedder) -> list[Variant]:
    model = embedder.model
    variants = [
        Variant(
            f"builder: outer {bs * OUTER_FACTOR}, batch {bs}", builder_like(st_encode(model, bs), bs * OUTER_FACTOR)
        )
        for bs in (8, 16, 64, 128)
    ]
    variants += [
        Variant("builder: outer 128, batch 32, 1 thread", builder_like(embedder.encode, 128), threads=1),
        Variant("builder: outer 128, batch 32, 2 threads", builder_like(embedder.encode, 128), threads=2),
        Variant("builder: presorted by length, outer 128, batch 32", builder_like(embedder.encode, 128, presort=True)),
        Variant("one encode call (global sort), batch 32", embedder.encode),
        Variant("one encode call (global sort), batch 16", st_encode(model, 16)),
        Variant("one encode call (global sort), batch 64", st_encode(model, 64)),
    ]
    quantized = torch_dynamic_int8(model)
    if quantized is not None:
        variants.append(Variant("torch int8 dynamic (Linear), builder outer 128", builder_like(quantized, 128)))
    return variants


def torch_dynamic_int8(model: Any) -> Encode | None:
    """torch.ao dynamic int8 quantisation of the Linear layers of a copy of the model, if this torch has it."""
    import copy

    import torch

    try:
        from torch.ao.quantization import quantize_dynamic
    except ImportError:
        return None
    try:
        quantized = quantize_dynamic(copy.deepcopy(model), {torch.nn.Linear}, dtype=torch.qint8)
    except Exception as error:  # deprecated or unsupported on this build
        print(f"torch int8 dynamic quantisation unavailable: {error}", file=sys.stderr)
        return None
    return st_encode(quantized, DEFAULT_BATCH)


def onnx_variants(model: Any, export_dir: Path) -> list[Variant]:
    """onnxruntime fp32 (plain and BERT-fused) and int8 dynamic, OpenVINO fp32: exported here from the bundled model.

    No optimum (optimum-onnx requires transformers < 5, the project has 5.x): torch.onnx.export of the
    Transformer module, the ST tokenizer, mean pooling and normalisation in numpy.
    """
    import onnxruntime as ort

    plain, fused, quantized = export_onnx(model, export_dir)
    options = ort.SessionOptions()
    options.intra_op_num_threads = _torch_threads()
    options.inter_op_num_threads = 1

    def session(path: Path) -> Encode:
        runner = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        names = {item.name for item in runner.get_inputs()}

        def forward(features: dict[str, np.ndarray]) -> np.ndarray:
            return runner.run(None, {name: value for name, value in features.items() if name in names})[0]

        return pooled_encode(model, forward, DEFAULT_BATCH)

    variants = [
        Variant("onnxruntime fp32, builder outer 128, batch 32", builder_like(session(plain), 128)),
        Variant("onnxruntime fp32 BERT-fused, builder outer 128, batch 32", builder_like(session(fused), 128)),
    ]
    variants += [
        Variant(f"onnxruntime int8 {label}", builder_like(session(path), 128)) for label, path in quantized.items()
    ]
    try:
        import openvino
    except ImportError:
        print("OpenVINO not installed: skipped", file=sys.stderr)
        return variants
    compiled = openvino.Core().compile_model(str(plain), "CPU", {"INFERENCE_NUM_THREADS": _torch_threads()})

    def openvino_forward(features: dict[str, np.ndarray]) -> np.ndarray:
        inputs = {port.any_name: features[port.any_name] for port in compiled.inputs}
        return np.asarray(compiled(inputs)[0])

    variants.append(
        Variant(
            "openvino fp32 (from the ONNX), builder outer 128",
            builder_like(pooled_encode(model, openvino_forward, 32), 128),
        )
    )
    return variants


def _torch_threads() -> int:
    import torch

    return torch.get_num_threads()


def export_onnx(model: Any, export_dir: Path) -> tuple[Path, Path, dict[str, Path]]:
    """model.onnx (torch.onnx.export), model_fused.onnx (onnxruntime's BERT fusions) and int8 dynamic
    quantisations of them (label -> file), made once in export_dir."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model

    export_dir.mkdir(parents=True, exist_ok=True)
    plain, fused = export_dir / "model.onnx", export_dir / "model_fused.onnx"
    started = time.perf_counter()
    if not plain.exists():
        export_transformer(model, plain)  # the bot's own export (index/query_onnx.py)
    config = model[0].auto_model.config
    if not fused.exists():
        optimized = optimize_model(
            str(plain), model_type="bert", num_heads=config.num_attention_heads, hidden_size=config.hidden_size
        )
        optimized.save_model_to_file(str(fused))
    untyped = {"DefaultTensorType": onnx.TensorProto.FLOAT}  # fused ops (com.microsoft) have no inferred type
    # label -> (source, file, options). onnxruntime's defaults (per-tensor, every op) lose much more than
    # per-channel MatMul-only; s8 weights need reduce_range on AVX2 (u8s8 saturation).
    recipes: dict[str, tuple[Path, str, dict[str, Any]]] = {
        "u8 per-tensor, all ops (ORT defaults), fused": (fused, "model_fused_quint8.onnx", {}),
        "u8 per-channel MatMul, fused": (
            fused,
            "model_fused_quint8_pc.onnx",
            {"per_channel": True, "op_types_to_quantize": ["MatMul"]},
        ),
        "s8 per-channel reduce-range MatMul, plain": (
            plain,
            "model_qint8_pc_rr.onnx",
            {"per_channel": True, "reduce_range": True, "op_types_to_quantize": ["MatMul"], "signed": True},
        ),
    }
    quantized: dict[str, Path] = {}
    for label, (source, file_name, options) in recipes.items():
        target = export_dir / file_name
        options = dict(options)
        weight_type = QuantType.QInt8 if options.pop("signed", False) else QuantType.QUInt8
        if not target.exists():
            quantize_dynamic(str(source), str(target), weight_type=weight_type, extra_options=untyped, **options)
        quantized[label] = target
    sizes = ", ".join(f"{path.name} {path.stat().st_size / 1e6:.0f} MB" for path in (plain, fused, *quantized.values()))
    print(f"ONNX export + fusion + quantisation: {time.perf_counter() - started:.1f}s ({sizes})", file=sys.stderr)
    return plain, fused, quantized


def token_features(model: Any, texts: list[str]) -> dict[str, Any]:
    """The model's own tokenisation (truncation at max_seq_length) as arrays: input_ids, attention_mask, ..."""
    import torch

    preprocess = getattr(model, "preprocess", None) or model.tokenize
    return {name: value.numpy() for name, value in preprocess(texts).items() if isinstance(value, torch.Tensor)}


def pooled_encode(model: Any, forward: Callable[[dict[str, np.ndarray]], np.ndarray], batch_size: int) -> Encode:
    """Embed as SentenceTransformer.encode does (length-sorted batches, the model's tokenizer and truncation,
    mean pooling, L2 normalisation) with `forward` mapping token features to the last hidden state."""
    getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    dimension = int(getter())

    def run(texts: list[str]) -> np.ndarray:
        order = np.argsort([-len(text) for text in texts], kind="stable")
        vectors = np.empty((len(texts), dimension), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            part = order[start : start + batch_size]
            features = token_features(model, [texts[i] for i in part])
            hidden = forward(features)
            mask = features["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
            vectors[part] = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
        return vectors

    return run


def timed(variant: Variant, texts: list[str]) -> tuple[float, np.ndarray]:
    with torch_threads(variant.threads):
        variant.encode(texts[:8])  # warm-up: first-call allocations, lazy initialisation
        started = time.perf_counter()
        vectors = variant.encode(texts)
        return time.perf_counter() - started, vectors


def agreement(vectors: np.ndarray, reference: np.ndarray, unique: int) -> tuple[float, float, float]:
    """(mean cosine, minimum cosine, max |change| of a passage-passage cosine over the unique passages)."""
    cosines = np.sum(vectors.astype(np.float64) * reference.astype(np.float64), axis=1)
    first, base = vectors[:unique].astype(np.float64), reference[:unique].astype(np.float64)
    score_change = np.abs(first @ first.T - base @ base.T).max()
    return float(cosines.mean()), float(cosines.min()), float(score_change)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--passages", type=int, default=2000, help="passages per variant, split over the rounds")
    parser.add_argument("--rounds", type=int, default=2, help="each round times every variant once, in turn")
    parser.add_argument("--suite", choices=["torch", "onnx"], default="torch")
    parser.add_argument("--export-dir", type=Path, default=Path("/tmp/newsbot-bench/minilm-onnx"))
    args = parser.parse_args(argv)

    import torch

    passages = fixture_passages()
    texts = repeated(passages, max(len(passages), args.passages // args.rounds))
    print(
        f"{args.rounds} rounds x {len(texts)} passages ({len(passages)} unique fixture chunks, mean "
        f"{np.mean([len(t) for t in texts]):.0f} chars); torch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"{os.cpu_count()} CPUs",
        file=sys.stderr,
    )
    embedder = Embedder(BUNDLED_MODEL, batch_size=DEFAULT_BATCH)
    default = Variant(
        f"DEFAULT builder: outer {DEFAULT_BATCH * OUTER_FACTOR}, batch {DEFAULT_BATCH}",
        builder_like(embedder.encode, DEFAULT_BATCH * OUTER_FACTOR),
    )
    others = torch_variants(embedder) if args.suite == "torch" else onnx_variants(embedder.model, args.export_dir)
    variants = [default, *others]

    seconds: dict[str, list[float]] = {variant.name: [] for variant in variants}
    vectors: dict[str, np.ndarray] = {}
    for round_number in range(args.rounds):
        turn = variants[round_number % len(variants) :] + variants[: round_number % len(variants)]
        for variant in turn:
            elapsed, vectors[variant.name] = timed(variant, texts)
            seconds[variant.name].append(elapsed)
            print(f"  round {round_number + 1}: {variant.name}: {len(texts) / elapsed:.1f}/s", file=sys.stderr)

    def rate(name: str) -> float:  # best round: the one least disturbed by other work on the machine
        return len(texts) / min(seconds[name])

    baseline = rate(default.name)
    reference = vectors[default.name]
    print(f"\n{args.rounds} rounds x {len(texts)} passages; chunks/s = best round; ratio to DEFAULT in this run\n")
    print(f"| {'variant':<62} | chunks/s | ratio | mean cos | min cos  | max abs score change |")
    print(f"|{'-' * 64}|----------|-------|----------|----------|----------------------|")
    for variant in variants:
        mean_cos, min_cos, change = agreement(vectors[variant.name], reference, len(passages))
        print(
            f"| {variant.name:<62} | {rate(variant.name):8.2f} | {rate(variant.name) / baseline:5.2f} "
            f"| {mean_cos:8.6f} | {min_cos:8.6f} | {change:20.2e} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
