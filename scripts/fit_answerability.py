"""Fit the learned answerability model (`index.answerability`) and measure it against the hand-set rules.

    .venv/bin/python scripts/fit_answerability.py [--out index/data/answerability.json]

Builds an index of the fixture digests in a temporary directory, runs the tuning and held-out
questions through retrieval, and reads each one's features. Questions the rules settle whatever the
evidence (`index.abstention.settled`: period not covered, nothing found, a recap…) are decided the
same way for both; the model is fitted on the others. On the tuning questions: 5-fold stratified
cross-validation (fixed seed) chooses the L2 penalty (by log-loss) and the threshold (the highest that
refuses no more answerable questions than the rules do); the model is then fitted on all of them.
Prints the rules and the model side by side (tuning: the model's cross-validated predictions;
held-out: the model fitted on tuning), a trade-off table over thresholds, and writes the model with
those figures as JSON. The unseen set (tests/fixtures/unseen) stays out of it.
"""

from __future__ import annotations

import argparse
import datetime
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.abstention import settled, should_abstain
from index.answerability import FEATURES, AnswerabilityModel, features
from index.evaluation import load_cases
from index.language import detect_language
from index.service import NewsService
from index.settings import BUNDLED_MODEL, IndexSettings

ROOT = Path(__file__).resolve().parents[1]
DIGESTS = ROOT / "tests" / "fixtures" / "digests"
EVAL = ROOT / "tests" / "fixtures" / "eval"
FOLDS = 5
SEED = 20250501
PENALTIES = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)  # L2 on the standardised coefficients
TRADE_OFF_THRESHOLDS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9)


@dataclass
class Measured:
    """One labelled question, through retrieval."""

    answerable: bool
    rules_abstain: bool
    settled: bool | None  # abstain / answer whatever the evidence, or None: weighed
    values: np.ndarray


def build_service(data_dir: Path) -> NewsService:
    (data_dir / "digests").mkdir(parents=True)
    for source in sorted(DIGESTS.iterdir()):
        if source.is_file():
            shutil.copy2(source, data_dir / "digests" / source.name)
    # Explicit values only (as tests/conftest.py `make_settings`): no environment, no `.env` file.
    explicit: dict[str, Any] = dict(
        _env_file=None,
        data_dir=data_dir,
        index_dir=None,
        embedding_model=BUNDLED_MODEL,
        top_k=5,
        chunk_max_chars=900,
        embed_batch_size=32,
        max_question_chars=500,
    )
    service = NewsService(IndexSettings(**explicit))
    service.reindex()
    return service


def measure(service: NewsService, path: Path) -> list[Measured]:
    rows = []
    for case in load_cases(path):
        question = service.validate_question(case.question)
        language = detect_language(question)
        result = service.searcher.search(question, service.settings.top_k)
        rows.append(
            Measured(case.answerable, should_abstain(result, language), settled(result), features(result, language))
        )
    return rows


def fit(values: np.ndarray, answerable: np.ndarray, penalty: float, threshold: float = 0.5) -> AnswerabilityModel:
    """L2-penalised logistic regression (intercept not penalised) on standardised features, by Newton's method."""
    means = values.mean(axis=0)
    scales = values.std(axis=0)
    scales[scales == 0] = 1.0
    design = np.c_[(values - means) / scales, np.ones(len(values))]
    penalties = np.r_[np.full(len(FEATURES), penalty), 0.0]
    weights = np.zeros(design.shape[1])
    for _ in range(200):
        probabilities = 1.0 / (1.0 + np.exp(-np.clip(design @ weights, -35, 35)))
        gradient = design.T @ (probabilities - answerable) + penalties * weights
        hessian = (design * (probabilities * (1 - probabilities))[:, None]).T @ design + np.diag(penalties)
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if np.abs(step).max() < 1e-10:
            break
    return AnswerabilityModel(FEATURES, means, scales, weights[:-1], float(weights[-1]), threshold)


def stratified_folds(answerable: np.ndarray) -> np.ndarray:
    """A fold number per question, each fold with the same share of unanswerable ones."""
    rng = np.random.default_rng(SEED)
    fold = np.empty(len(answerable), dtype=int)
    for label in (False, True):
        members = np.flatnonzero(answerable == label)
        rng.shuffle(members)
        fold[members] = np.arange(len(members)) % FOLDS
    return fold


def probabilities(model: AnswerabilityModel, values: np.ndarray) -> np.ndarray:
    return np.array([model.probability(row) for row in values])


def cross_validated(values: np.ndarray, answerable: np.ndarray, penalty: float, fold: np.ndarray) -> np.ndarray:
    out = np.empty(len(answerable))
    for k in range(FOLDS):
        model = fit(values[fold != k], answerable[fold != k], penalty)
        out[fold == k] = probabilities(model, values[fold == k])
    return out


def log_loss(p: np.ndarray, answerable: np.ndarray) -> float:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(-np.mean(np.where(answerable, np.log(p), np.log(1 - p))))


def figures(abstained: np.ndarray, answerable: np.ndarray) -> dict[str, float]:
    """Abstention precision (share of refusals that were unanswerable) and recall (share of unanswerable refused)."""
    refused_unanswerable = int((abstained & ~answerable).sum())
    return {
        "precision": round(refused_unanswerable / abstained.sum(), 4) if abstained.any() else 1.0,
        "recall": round(refused_unanswerable / (~answerable).sum(), 4),
        "answerable_refused": int((abstained & answerable).sum()),
        "unanswerable_answered": int((~abstained & ~answerable).sum()),
        "unanswerable": int((~answerable).sum()),
    }


def model_abstains(rows: list[Measured], p: np.ndarray, threshold: float) -> np.ndarray:
    """The decision with the model weighing the evidence: `p` for the weighed rows, in order."""
    weighed = iter(p)
    return np.array([row.settled if row.settled is not None else next(weighed) < threshold for row in rows])


def table_row(label: str, f: dict[str, float]) -> str:
    return (
        f"{label:34} {f['precision']:9.3f} {f['recall']:7.3f} {f['answerable_refused']:10d}"
        f" {f['unanswerable_answered']:6d}/{f['unanswerable']}"
    )


@dataclass
class Pool:
    """One question pool's measurements as arrays: the weighed rows' features and labels, every row's
    label and what the rules decide."""

    rows: list[Measured]
    values: np.ndarray
    weighed_answerable: np.ndarray
    answerable: np.ndarray
    rules_abstain: np.ndarray

    @classmethod
    def of(cls, rows: list[Measured]) -> Pool:
        weighed = [row for row in rows if row.settled is None]
        return cls(
            rows,
            np.array([row.values for row in weighed]),
            np.array([row.answerable for row in weighed]),
            np.array([row.answerable for row in rows]),
            np.array([row.rules_abstain for row in rows]),
        )


@dataclass
class Outcome:
    """The chosen model and how it and the rules measure on both pools."""

    model: AnswerabilityModel
    penalty: float
    losses: dict[float, float]
    results: dict[str, dict[str, dict[str, float]]]
    trade_off: list[dict[str, Any]]
    beats: bool


def choose(tuning: Pool, heldout: Pool) -> Outcome:
    """L2 by cross-validated log-loss; the highest threshold refusing no more answerable tuning questions
    than the rules (refuse when p < threshold); then both pools measured for the rules and the model."""
    values, answerable = tuning.values, tuning.weighed_answerable
    fold = stratified_folds(answerable)
    losses = {p: log_loss(cross_validated(values, answerable, p, fold), answerable) for p in PENALTIES}
    penalty = min(losses, key=lambda k: losses[k])
    cv = cross_validated(values, answerable, penalty, fold)
    allowed = int((tuning.rules_abstain & tuning.answerable).sum())
    threshold = float(np.sort(cv[answerable])[allowed])
    model = fit(values, answerable, penalty, threshold)
    heldout_p = probabilities(model, heldout.values)

    def measured(t: float) -> dict[str, dict[str, float]]:
        return {
            "tuning_cv": figures(model_abstains(tuning.rows, cv, t), tuning.answerable),
            "heldout": figures(model_abstains(heldout.rows, heldout_p, t), heldout.answerable),
        }

    rules = {"tuning": figures(tuning.rules_abstain, tuning.answerable)}
    rules["heldout"] = figures(heldout.rules_abstain, heldout.answerable)
    results = {"rules": rules, "model": measured(threshold)}
    trade_off = [{"threshold": t, **measured(t)} for t in sorted({*TRADE_OFF_THRESHOLDS, threshold})]
    rules_h, model_h = rules["heldout"], results["model"]["heldout"]
    beats = model_h["answerable_refused"] <= rules_h["answerable_refused"] and (
        model_h["unanswerable_answered"] < rules_h["unanswerable_answered"]
    )
    return Outcome(model, penalty, losses, results, trade_off, beats)


def print_report(outcome: Outcome) -> None:
    results, model = outcome.results, outcome.model
    losses = ", ".join(f"{k:g}: {v:.4f}" for k, v in outcome.losses.items())
    print(f"L2 penalty by {FOLDS}-fold CV log-loss: {losses}")
    print(f"chosen L2 {outcome.penalty:g}; threshold {model.threshold:.4f} (answer when p >= threshold)\n")
    print(f"{'':34} {'precision':>9} {'recall':>7} {'ans.refus.':>10} {'unans.answered':>14}")
    print(table_row("rules, tuning", results["rules"]["tuning"]))
    print(table_row(f"model, tuning ({FOLDS}-fold CV)", results["model"]["tuning_cv"]))
    print(table_row("rules, held-out", results["rules"]["heldout"]))
    print(table_row("model, held-out (fitted on tuning)", results["model"]["heldout"]))
    print("\ntrade-off over thresholds (model):")
    for row in outcome.trade_off:
        print(table_row(f"  p < {row['threshold']:.4f}, tuning CV", row["tuning_cv"]))
        print(table_row(f"  p < {row['threshold']:.4f}, held-out", row["heldout"]))
    print("\ncoefficients (standardised features):")
    for name, coefficient in zip(FEATURES, model.coefficients, strict=True):
        print(f"  {name:18} {coefficient:+.3f}")
    print(f"  {'intercept':18} {model.intercept:+.3f}")
    beats = "beats" if outcome.beats else "does not beat"
    print(f"\nthe model {beats} the rules on held-out (fewer unanswerable answered, no more answerable refused)")


def stored(outcome: Outcome, weighed: np.ndarray, model_name: str) -> dict[str, Any]:
    """What `index/data/answerability.json` keeps: the model, what it was fitted on, and its measurements."""
    model = outcome.model
    return {
        "about": "Logistic regression: P(answerable) from index.answerability.features, standardised by mean and scale.",
        "fitted": datetime.date.today().isoformat(),
        "fitted_on": {
            "questions": "tests/fixtures/eval/tuning.jsonl",
            "weighed_questions": int(len(weighed)),
            "weighed_unanswerable": int((~weighed).sum()),
            "digests": sorted(path.name for path in DIGESTS.iterdir() if path.is_file()),
            "embedding_model": model_name,
        },
        "features": [
            {"name": name, "mean": float(mean), "scale": float(scale), "coefficient": float(coefficient)}
            for name, mean, scale, coefficient in zip(
                FEATURES, model.means, model.scales, model.coefficients, strict=True
            )
        ],
        "intercept": model.intercept,
        "threshold": model.threshold,
        "l2": outcome.penalty,
        "cross_validation": {
            "folds": FOLDS,
            "seed": SEED,
            "log_loss_by_l2": {f"{k:g}": round(v, 5) for k, v in outcome.losses.items()},
            "threshold_rule": "highest threshold refusing no more answerable tuning questions than the rules",
        },
        "measured": outcome.results,
        "trade_off": outcome.trade_off,
        "beats_rules_on_heldout": outcome.beats,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "index" / "data" / "answerability.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        service = build_service(Path(tmp) / "data")
        tuning = Pool.of(measure(service, EVAL / "tuning.jsonl"))
        heldout = Pool.of(measure(service, EVAL / "heldout.jsonl"))
        model_name = service.embedder.name
    outcome = choose(tuning, heldout)
    print_report(outcome)
    data = stored(outcome, tuning.weighed_answerable, model_name)
    args.out.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
