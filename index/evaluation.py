"""Retrieval quality on a labelled question set: hit@k, MRR, abstention, latency.

A question is answered right at rank r when the r-th source comes from the expected
digest and contains the expected passage fragment (case and spacing ignored).
"""

from __future__ import annotations

import json
import re
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from .clean import replace_lookalikes
from .errors import NewsbotError
from .models import Answer
from .service import NewsService


@dataclass
class EvalCase:
    id: str
    question: str
    language: str
    answerable: bool
    digest: str | None
    fragment: str | None
    period: dict | None = None
    tags: list[str] = field(default_factory=list)


@dataclass
class EvalOutcome:
    case: EvalCase
    rank: int | None  # 1-based rank of the first right source, None if absent
    abstained: bool
    period_ok: bool
    retrieve_ms: float


@dataclass
class EvalReport:
    outcomes: list[EvalOutcome]

    def _answerable(self) -> list[EvalOutcome]:
        return [o for o in self.outcomes if o.case.answerable]

    def hit_at(self, k: int) -> float:
        cases = self._answerable()
        return sum(1 for o in cases if o.rank is not None and o.rank <= k) / len(cases) if cases else 0.0

    @property
    def mrr(self) -> float:
        cases = self._answerable()
        return sum(1 / o.rank for o in cases if o.rank) / len(cases) if cases else 0.0

    @property
    def abstention_precision(self) -> float:
        abstained = [o for o in self.outcomes if o.abstained]
        return sum(not o.case.answerable for o in abstained) / len(abstained) if abstained else 1.0

    @property
    def abstention_recall(self) -> float:
        unanswerable = [o for o in self.outcomes if not o.case.answerable]
        return sum(o.abstained for o in unanswerable) / len(unanswerable) if unanswerable else 1.0

    @property
    def false_abstentions(self) -> list[EvalOutcome]:
        return [o for o in self.outcomes if o.case.answerable and o.abstained]

    @property
    def period_accuracy(self) -> float:
        return sum(o.period_ok for o in self.outcomes) / len(self.outcomes) if self.outcomes else 0.0

    def latency(self, quantile: float) -> float:
        values = sorted(o.retrieve_ms for o in self.outcomes)
        if not values:
            return 0.0
        return (
            statistics.quantiles(values, n=100, method="inclusive")[int(quantile * 100) - 1]
            if len(values) > 1
            else values[0]
        )

    def summary(self) -> dict[str, float]:
        return {
            "questions": len(self.outcomes),
            "hit@1": self.hit_at(1),
            "hit@3": self.hit_at(3),
            "hit@5": self.hit_at(5),
            "mrr": self.mrr,
            "abstention_precision": self.abstention_precision,
            "abstention_recall": self.abstention_recall,
            "false_abstentions": len(self.false_abstentions),
            "period_accuracy": self.period_accuracy,
            "p50_ms": self.latency(0.50),
            "p95_ms": self.latency(0.95),
        }


def load_cases(path: Path) -> list[EvalCase]:
    """The labelled questions of a JSONL file; a bad line is reported with the file and line number."""
    try:
        lines = path.read_text("utf-8").splitlines()
    except OSError as error:
        raise NewsbotError(f"cannot read the question set {path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise NewsbotError(f"the question set {path} is not UTF-8 text") from None
    cases = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            cases.append(_case(line, f"{path} line {number}"))
    return cases


def _case(line: str, where: str) -> EvalCase:
    try:
        data = json.loads(line)
    except ValueError:
        raise NewsbotError(f"{where}: not valid JSON; each line must be one JSON object") from None
    if not isinstance(data, dict) or not isinstance(data.get("question"), str) or "answerable" not in data:
        raise NewsbotError(f'{where}: each case needs at least "question" (text) and "answerable" (true/false)')
    fields = {key: data[key] for key in EvalCase.__dataclass_fields__ if key in data}
    return EvalCase(**{"id": where, "language": "", "digest": None, "fragment": None, **fields})


def evaluate(service: NewsService, cases: list[EvalCase], k: int = 5) -> EvalReport:
    service.ask("warm-up question")  # first call pays one-off costs; keep it out of the latency
    return EvalReport([_run(service, case, k) for case in cases])


def _run(service: NewsService, case: EvalCase, k: int) -> EvalOutcome:
    answer = service.ask(case.question, k=k)
    return EvalOutcome(
        case=case,
        rank=first_right_rank(answer, case),
        abstained=answer.abstained,
        period_ok=(answer.period.to_dict() if answer.period else None) == case.period,
        retrieve_ms=answer.timings_ms.get("retrieve", 0.0),
    )


def first_right_rank(answer: Answer, case: EvalCase) -> int | None:
    if not case.answerable or not case.fragment:
        return None
    fragment = _normalise(case.fragment)
    # The passages retrieval ranked, not those the answer shows (a recap shows news items instead);
    # an abstention's are the related passages it offers, as they always were.
    ranked = answer.sources if answer.abstained else (answer.retrieved or answer.sources)
    for rank, hit in enumerate(ranked, start=1):
        # A source link is shown with its passage, so a question asking for the article finds it there.
        shown = [hit.chunk.text, *(f"{link.text} {link.url}" for link in hit.chunk.links)]
        if Path(hit.chunk.path).name == case.digest and any(fragment in _normalise(text) for text in shown):
            return rank
    return None


def _normalise(text: str) -> str:
    """Text as a reader compares it: fragments are copied from the raw digest, with its
    Markdown emphasis (`**GTC 2025**`), link brackets (`[Amazon Prime](…)`), curly apostrophes and
    non-breaking spaces."""
    text = _MARKDOWN_LINK_END.sub("", replace_lookalikes(text)).replace("[", "")
    return " ".join(text.replace("’", "'").replace("*", "").casefold().split())


_MARKDOWN_LINK_END = re.compile(r"\]\([^)\s]*\)?")
