"""Questions embedded with onnxruntime, so that answering a question never imports torch.

Importing sentence-transformers (torch, transformers, scikit-learn) is about 7 s of a cold
`newsbot ask`; onnxruntime and tokenizers import in a fraction of a second. A process that has
the model loaded (a build) exports its transformer to ONNX once, beside the index, and keeps the
export only if it gives the same vectors as sentence-transformers on sample texts. Passages are
always embedded by sentence-transformers.

Only the plain shape is exported: a transformer, mean or CLS pooling, optionally normalised,
from a model folder on disk with a `tokenizer.json`. Any other model answers through torch.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import uuid
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

ENCODER_DIR = "query-encoder"  # under the index directory, one folder per model fingerprint
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
SPEC_FILE = "encoder.json"
# The export is kept only if every sample's vector has at least this cosine with sentence-transformers'.
MIN_AGREEMENT = 0.9999
_SAMPLES = [
    "What did Meta release in April?",
    "qu'a annoncé Mistral en mars ?",
    "GPT-4.5, o4-mini et LLaMA 4 : que retenir du mois ?",
    "Le 5 avril, Meta a annoncé LLaMA 4, une série de trois modèles de langage multimodaux. " * 12,
]
_POOLINGS = ("mean", "cls")


@dataclass(frozen=True)
class EncoderSpec:
    """What an export was made from and how to turn its token vectors into a question's vector."""

    model: str
    fingerprint: str
    dimension: int
    max_tokens: int
    pooling: str
    normalize: bool
    inputs: list[str]
    sha256: str  # of model.onnx: a damaged file would give other vectors without failing


def model_fingerprint(location: Path) -> str:
    """Changes when the model folder's files do (names, sizes, modification times); reads no weights."""
    entries = sorted(
        f"{path.relative_to(location).as_posix()}:{stat.st_size}:{stat.st_mtime_ns}"
        for path in location.rglob("*")
        if path.is_file() and (stat := path.stat())
    )
    return hashlib.sha256("\n".join(entries).encode("utf-8")).hexdigest()[:16]


class OnnxQueryEncoder:
    """Questions to unit vectors, with onnxruntime and the model's own tokenizer."""

    def __init__(self, directory: Path, spec: EncoderSpec) -> None:
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # its threads do not survive a fork
        import onnxruntime
        from tokenizers import Tokenizer

        self.spec = spec
        options = onnxruntime.SessionOptions()
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # idle threads leave the cores
        self.session = onnxruntime.InferenceSession(
            str(directory / MODEL_FILE), options, providers=["CPUExecutionProvider"]
        )
        self.tokenizer = Tokenizer.from_file(str(directory / TOKENIZER_FILE))
        self.tokenizer.enable_truncation(spec.max_tokens)
        self.tokenizer.enable_padding()  # to the longest text of the call

    @classmethod
    def open(cls, root: Path, model: str, fingerprint: str) -> OnnxQueryEncoder | None:
        """The export for this model as it is on disk, or None (then questions go through torch)."""
        directory = root / fingerprint
        try:
            spec = EncoderSpec(**json.loads((directory / SPEC_FILE).read_text(encoding="utf-8")))
            if spec.model != model or spec.fingerprint != fingerprint:
                return None
            if _sha256(directory / MODEL_FILE) != spec.sha256:
                log.warning("ignoring the damaged question encoder in %s; questions go through torch", directory)
                return None
            return cls(directory, spec)
        except FileNotFoundError:
            return None
        except Exception as error:  # onnxruntime missing or refusing the file, a bad spec: torch answers
            log.warning("cannot use the question encoder in %s (%s); questions go through torch", directory, error)
            return None

    def encode(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        features = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        hidden = self.session.run(None, {name: features[name] for name in self.spec.inputs})[0]
        if self.spec.pooling == "cls":
            vectors = hidden[:, 0]
        else:
            mask = features["attention_mask"][..., None].astype(np.float32)
            vectors = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        if self.spec.normalize:
            vectors = vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
        return np.ascontiguousarray(vectors, dtype=np.float32)


def export(model: Any, model_name: str, location: Path, root: Path, dimension: int) -> bool:
    """Export a loaded SentenceTransformer's question path under `root`, verified; False if its shape is
    not the plain one or the export disagrees with the model."""
    shape = _plain_shape(model, location)
    if shape is None:
        return False
    fingerprint = model_fingerprint(location)
    final, refused = root / fingerprint, root / f"{fingerprint}.refused"
    if (final / SPEC_FILE).exists():
        return True
    if refused.exists():  # tried once for these files: not again at every start
        return False
    staging = root / f".tmp-{uuid.uuid4().hex[:8]}"
    staging.mkdir(parents=True)
    try:
        inputs = export_transformer(model, staging / MODEL_FILE)
        shutil.copyfile(location / TOKENIZER_FILE, staging / TOKENIZER_FILE)
        spec = EncoderSpec(
            model_name, fingerprint, dimension, *shape, inputs=inputs, sha256=_sha256(staging / MODEL_FILE)
        )
        (staging / SPEC_FILE).write_text(json.dumps(asdict(spec)), encoding="utf-8")
        agreement = _agreement(model, OnnxQueryEncoder(staging, spec))
        if agreement < MIN_AGREEMENT:
            log.warning("not using the ONNX export of %s: its vectors differ (cosine %.6f)", model_name, agreement)
            refused.write_text(f"lowest cosine with the model's own vectors: {agreement:.6f}\n", encoding="utf-8")
            return False
        try:
            os.rename(staging, final)
        except OSError:  # another process exported it meanwhile
            return (final / SPEC_FILE).exists()
        log.info("exported %s for questions to %s (agreement %.6f)", model_name, final, agreement)
        for other in root.iterdir():  # exports of the model's earlier files (a process using one keeps it open)
            if other not in (final, refused) and not other.name.startswith("."):
                shutil.rmtree(other, ignore_errors=True)
        return True
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _plain_shape(model: Any, location: Path) -> tuple[int, str, bool] | None:
    """(max tokens, pooling, normalize) if the model is a transformer, mean or CLS pooling and
    an optional normalisation, from a folder with a tokenizer.json; else None."""
    modules = [type(module).__name__ for module in model]
    if not (location / TOKENIZER_FILE).is_file() or modules not in (
        ["Transformer", "Pooling"],
        ["Transformer", "Pooling", "Normalize"],
    ):
        return None
    pooling = getattr(model[1], "pooling_mode", None)
    if pooling not in _POOLINGS or not hasattr(model[0], "auto_model"):
        return None
    return int(model.max_seq_length), pooling, len(modules) == 3


def export_transformer(model: Any, path: Path) -> list[str]:
    """torch.onnx.export of the transformer's last hidden state, batch and length dynamic."""
    import torch

    transformer = model[0].auto_model.eval()
    sample = model.tokenizer(["an example", "a longer example, padded"], padding=True, return_tensors="pt")
    inputs = [name for name in ("input_ids", "attention_mask", "token_type_ids") if name in sample]

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = transformer

        def forward(self, *features: torch.Tensor) -> torch.Tensor:
            return self.inner(**dict(zip(inputs, features))).last_hidden_state

    dynamic = {"batch": 0, "tokens": 1}
    # The tracer warns about Python branches on shapes; the agreement check below is what vouches.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            LastHiddenState(),
            tuple(sample[name] for name in inputs),
            str(path),
            input_names=inputs,
            output_names=["last_hidden_state"],
            dynamic_axes={name: {v: k for k, v in dynamic.items()} for name in [*inputs, "last_hidden_state"]},
            opset_version=17,
            dynamo=False,
        )
    return inputs


def _agreement(model: Any, encoder: OnnxQueryEncoder) -> float:
    """The lowest cosine between the two paths' vectors over the sample texts."""
    expected = model.encode(_SAMPLES, normalize_embeddings=True, convert_to_numpy=True)
    found = encoder.encode(_SAMPLES)
    found = found / np.linalg.norm(found, axis=1, keepdims=True)
    return float(np.min(np.sum(expected * found, axis=1)))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
