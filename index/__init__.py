"""Retrieval library for the AI news digests: ingest, chunk, embed, store, search, answer.

Knows nothing about Discord. The bot and the CLI use only the names below; everything else is
internal and may change. Names are imported on first use, so `import index` stays cheap (the CLI
answers `--help` and settings errors without loading FAISS or the model stack).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import library
    from .answer import month_label
    from .builder import BuildReport
    from .catalog import DigestSummary, Headline, digest_summaries, headlines, newest_digests
    from .chunking import split_sentences
    from .embedders import load_embedder
    from .errors import NewsbotError, QuestionError
    from .evaluation import EvalReport, evaluate, load_cases
    from .language import detect_language
    from .models import Answer, Hit, Link
    from .question_limits import check_question
    from .service import NewsService, ReindexInProgress
    from .settings import IndexSettings

# Public name -> the module that defines it.
_EXPORTS = {
    "library": "index.library",
    "month_label": "index.answer",
    "BuildReport": "index.builder",
    "DigestSummary": "index.catalog",
    "Headline": "index.catalog",
    "digest_summaries": "index.catalog",
    "headlines": "index.catalog",
    "newest_digests": "index.catalog",
    "split_sentences": "index.chunking",
    "load_embedder": "index.embedders",
    "NewsbotError": "index.errors",
    "QuestionError": "index.errors",
    "EvalReport": "index.evaluation",
    "evaluate": "index.evaluation",
    "load_cases": "index.evaluation",
    "detect_language": "index.language",
    "Answer": "index.models",
    "Hit": "index.models",
    "Link": "index.models",
    "check_question": "index.question_limits",
    "NewsService": "index.service",
    "ReindexInProgress": "index.service",
    "IndexSettings": "index.settings",
}
__all__ = [
    "Answer",
    "BuildReport",
    "DigestSummary",
    "EvalReport",
    "Headline",
    "Hit",
    "IndexSettings",
    "Link",
    "NewsService",
    "NewsbotError",
    "QuestionError",
    "ReindexInProgress",
    "check_question",
    "detect_language",
    "digest_summaries",
    "evaluate",
    "headlines",
    "library",
    "load_cases",
    "load_embedder",
    "month_label",
    "newest_digests",
    "split_sentences",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'index' has no attribute {name!r}")
    module = import_module(_EXPORTS[name])
    return module if name == "library" else getattr(module, name)
