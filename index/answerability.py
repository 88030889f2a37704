"""A learned alternative to the hand-set answer rules: a logistic regression over the retrieval signals.

`features` reads one search result as numbers; `AnswerabilityModel` weighs them into the probability
that the digests answer the question. The model is fitted by `scripts/fit_answerability.py` on the
tuning questions (cross-validated) and stored as data, with what it was fitted on and the figures it
was measured at, in `data/answerability.json`. Whether it takes part in the decision is up to
`index.abstention`, which records the measurement that settled it. Needs numpy only.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from .abstention import is_about_the_field
from .search import SearchResult

# One number per feature, in this order.
FEATURES = (
    "dense",  # the best passage's cosine on the model's own scale (calibration.rescale: 0 = unrelated), 0 outside its calibrated languages
    "coverage",  # share of the question's terms the best passage has, weighted by rarity
    "matched_terms",  # log(1 + how many of the question's terms the best passage has)
    "unknown_names",  # 1 when the question names something no digest mentions ("GPT-7")
    "about_the_field",  # 1 when it is AI news at all: by its words, or a product version the passages have
    "matched_versions",  # 1 when the passages have a product version it names ("sd3")
    "names_a_digest",  # 1 when it points at a digest by its language ("the English article")
)


def features(result: SearchResult, language: str) -> np.ndarray:
    """The evidence on one question, as the model reads it (see FEATURES)."""
    signals, analysis, calibration = result.signals, result.analysis, result.calibration
    dense = float(calibration.rescale(np.array([signals.dense_top]))[0]) if language in calibration.languages else 0.0
    return np.array(
        [
            dense,
            signals.coverage,
            math.log1p(signals.matched_terms),
            float(bool(analysis.unknown_names)),
            float(is_about_the_field(result)),
            float(bool(signals.matched_versions)),
            float(analysis.digest_language is not None),
        ],
        dtype=np.float64,
    )


@dataclass(frozen=True, eq=False)
class AnswerabilityModel:
    """Logistic regression on standardised features, so that coefficients compare with each other."""

    feature_names: tuple[str, ...]
    means: np.ndarray
    scales: np.ndarray
    coefficients: np.ndarray  # one per standardised feature
    intercept: float
    threshold: float  # answer when the probability is at least this

    def probability(self, values: np.ndarray) -> float:
        """How likely the digests answer a question with these feature values."""
        logit = float((values - self.means) / self.scales @ self.coefficients) + self.intercept
        return 1.0 / (1.0 + math.exp(-logit)) if logit >= 0 else math.exp(logit) / (1.0 + math.exp(logit))

    def answers(self, values: np.ndarray) -> bool:
        return self.probability(values) >= self.threshold

    @classmethod
    def from_file(cls, path: Path | None = None) -> AnswerabilityModel:
        """The stored model (`data/answerability.json` unless `path` is given)."""
        if path is None:
            text = resources.files("index").joinpath("data/answerability.json").read_text("utf-8")
        else:
            text = path.read_text("utf-8")
        data = json.loads(text)
        rows = data["features"]
        names = tuple(row["name"] for row in rows)
        if names != FEATURES:
            raise ValueError(f"the stored model reads features {names}, this code computes {FEATURES}: refit it")
        return cls(
            feature_names=names,
            means=np.array([row["mean"] for row in rows], dtype=np.float64),
            scales=np.array([row["scale"] for row in rows], dtype=np.float64),
            coefficients=np.array([row["coefficient"] for row in rows], dtype=np.float64),
            intercept=float(data["intercept"]),
            threshold=float(data["threshold"]),
        )
