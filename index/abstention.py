"""When to say "the digests don't cover that" instead of answering from a weak match.

Thresholds are calibrated on the eval sets (`newsbot eval`): answerable questions share
named terms with their passage (coverage) or are close to it in meaning (dense), while
off-topic ones have neither. They lean towards answering: a wrong "not covered" hides news
that is there, while a weak answer still shows its sources.

A logistic regression over the same evidence (`index.answerability`, fitted with cross-validation by
`scripts/fit_answerability.py`) was measured against these rules and did not beat them on the held-out
questions: at the threshold chosen on the tuning questions it refuses 6 answerable ones (the rules 2)
to let 5 unanswerable ones through (the rules 7), and a threshold refusing just one lets 12 through
(`data/answerability.json`). So the rules decide; refit and measure again before letting the model in.
"""

from __future__ import annotations

from .search import SearchResult

# An answer needs at least this share of the question's terms in the best passage, or a
# passage close in meaning that shares some of them (the model's `DenseCalibration`).
MIN_COVERAGE = 0.22
MIN_DENSE_COVERAGE = 0.10
# A long, chatty question ("Bon, j'ai lu en diagonale… c'est juste du blabla ?") dilutes the
# share with words no passage has; a passage matching this many of its terms still answers it.
# No off-topic question in the eval sets that the share rule refuses matches more than two.
MIN_MATCHED_TERMS = 3
# Below the answer thresholds, passages this close are still shown as "maybe related".
RELATED_COVERAGE = 0.15


def is_answerable(result: SearchResult, language: str) -> bool:
    analysis, signals = result.analysis, result.signals
    # A question with no topic words left ("what happened in March?", "tl;dr of April") asks for an overview.
    if analysis.is_recap or not analysis.terms or result.end_matter:
        return True
    if analysis.unknown_names:  # "GPT-7", "Qwen 3", "Amazon Nova": names no digest mentions
        return False
    if not is_about_the_field(result):  # "where can I stream the snooker final?": not for this bot
        return False
    if signals.matched_versions:  # "a tiny sd3 model for a potato pc": the product is there, however it is asked
        return True
    if analysis.digest_language:  # "selon l'article en anglais, que doivent faire…": that article answers
        return True
    calibration = result.calibration
    close_in_meaning = (
        language in calibration.languages
        and signals.dense_top >= calibration.answer
        and signals.coverage >= MIN_DENSE_COVERAGE
    )
    return signals.coverage >= MIN_COVERAGE or signals.matched_terms >= MIN_MATCHED_TERMS or close_in_meaning


def is_related(result: SearchResult, language: str) -> bool:
    """Close enough to offer as "maybe related"; the dense score counts under the same rule as above,
    and only for a passage sharing at least one of the question's words."""
    signals, calibration = result.signals, result.calibration
    if not is_about_the_field(result):  # the snooker final's nearest passage is no lead
        return False
    close_in_meaning = (
        language in calibration.languages and signals.dense_top >= calibration.related and signals.coverage > 0
    )
    return signals.coverage >= RELATED_COVERAGE or close_in_meaning


def is_about_the_field(result: SearchResult) -> bool:
    """AI news at all: by its words, or because the passages have the product version it names."""
    return result.analysis.about_the_field or bool(result.signals.matched_versions)


def settled(result: SearchResult) -> bool | None:
    """Whether to abstain when it is no matter of degree, or None when the evidence must be weighed:
    no digest covers the period or nothing was found (abstain); a recap, no topic words left, or the end
    matter asked for was found (answer)."""
    analysis = result.analysis
    if not analysis.period_covered or not result.hits:
        return True
    if analysis.is_recap or not analysis.terms or result.end_matter:
        return False
    return None


def should_abstain(result: SearchResult, language: str) -> bool:
    """The one place that decides whether to answer."""
    decided = settled(result)
    return decided if decided is not None else not is_answerable(result, language)
