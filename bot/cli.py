"""Command line: `newsbot index | ask | eval | run | health | model`.

Output for people by default, JSON lines with --json for scripts and evaluation.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from pydantic import ValidationError

import index  # its names load on first use: `--help` and settings errors never import FAISS or the model stack
from index import NewsbotError, QuestionError, check_question

if TYPE_CHECKING:
    from index import Answer, BuildReport

from .settings import BotSettings

log = logging.getLogger("newsbot")

DEFAULT_DATASET = Path("tests/fixtures/eval/heldout.jsonl")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        settings = load_settings(args)
        return args.handler(args, settings)
    except NewsbotError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `newsbot ask ... | head`
        sys.stderr.close()
        return 0
    except OSError as error:  # a file or folder the command needs: one line with the path, not a traceback
        where = f" {error.filename}" if error.filename else ""
        print(
            f"error: cannot use{where}: {error.strerror or error}; check that it exists and is readable",
            file=sys.stderr,
        )
        return 1
    except Exception as error:  # a bug: one line for the operator, the traceback with -v
        log.debug("unexpected error", exc_info=True)
        print(
            f"error: unexpected {type(error).__name__}: {error}; run with -v for details and report it",
            file=sys.stderr,
        )
        return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsbot", description="Answers questions about the AI news digests.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    parser.add_argument("--data", type=Path, help="data directory (holds digests/ and index/)")
    commands = parser.add_subparsers(dest="command", required=True)

    index = commands.add_parser("index", help="build or refresh the index from the digests")
    index.set_defaults(handler=run_index)

    ask = commands.add_parser("ask", help="answer a question with cited sources")
    ask.add_argument("question", nargs="?", help="the question (omit with --batch)")
    ask.add_argument("--k", type=int, help="number of sources (default from settings)")
    ask.add_argument("--json", action="store_true", help="one JSON object per question")
    ask.add_argument("--batch", type=Path, help="file with one question per line ('-' for stdin)")
    ask.set_defaults(handler=run_ask)
    evaluate = commands.add_parser("eval", help="measure retrieval quality on a labelled question set")
    evaluate.add_argument("--dataset", type=Path, default=DEFAULT_DATASET, help="JSONL question set")
    evaluate.add_argument("--k", type=int, default=5)
    evaluate.add_argument("--fusion", choices=["convex", "rrf", "dense", "lexical"], default="convex")
    evaluate.add_argument("--show-failures", action="store_true", help="list the questions answered wrong")
    evaluate.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    evaluate.set_defaults(handler=run_eval)

    run = commands.add_parser("run", help="start the Discord bot (needs DISCORD_TOKEN)")
    run.set_defaults(handler=run_discord)
    health = commands.add_parser("health", help="exit 0 if the running bot is connected (container healthcheck)")
    health.set_defaults(handler=run_health)

    model = commands.add_parser("model", help="load the configured embedding model and print its dimension")
    model.set_defaults(handler=run_model)

    for sub in (index, ask, evaluate, run):  # `newsbot ask --data DIR` reads as naturally as `newsbot --data DIR ask`
        sub.add_argument("--data", type=Path, default=argparse.SUPPRESS, help="data directory")
    return parser


def load_settings(args: argparse.Namespace) -> BotSettings:
    overrides = {"data_dir": args.data} if getattr(args, "data", None) else {}
    try:
        return BotSettings(**overrides)
    except ValidationError as error:
        raise NewsbotError(f"invalid settings: {settings_problems(error)}") from None


def settings_problems(error: ValidationError) -> str:
    """Each problem as the variable a maintainer sets, where it was set, and what is wrong with it."""
    problems = []
    for problem in error.errors():
        if not problem["loc"]:  # a check across settings: its message names the variables
            problems.append(str(problem["msg"]).removeprefix("Value error, "))
            continue
        variable, source = BotSettings.variable_source(str(problem["loc"][0]))
        problems.append(f"{variable} ({source}): {problem['msg']}")
    return "; ".join(problems)


def run_index(args: argparse.Namespace, settings: BotSettings) -> int:
    service = index.NewsService(settings)
    report = service.reindex(show_progress_bar=sys.stderr.isatty())
    print(format_build_report(report))
    return 0


def run_eval(args: argparse.Namespace, settings: BotSettings) -> int:
    if not args.dataset.is_file():
        raise NewsbotError(f"no dataset at {args.dataset}")
    cases = index.load_cases(args.dataset)  # a malformed line is reported before the slow model load
    settings = settings.model_copy(update={"answer_mode": "extractive"})  # retrieval is measured, not prose
    service = index.NewsService(settings, fusion=args.fusion)
    service.load(build_if_missing=True)
    report = index.evaluate(service, cases, k=args.k)
    summary = report.summary()
    if args.json:
        _print_json(summary)
    else:
        print(format_eval(summary))
    if args.show_failures:
        for outcome in report.outcomes:
            wrong = outcome.abstained != (not outcome.case.answerable) or (
                outcome.case.answerable and outcome.rank != 1
            )
            if wrong:
                print(
                    f"  {outcome.case.id}: rank={outcome.rank} abstained={outcome.abstained} "
                    f"period_ok={outcome.period_ok} :: {outcome.case.question}"
                )
    return 0


def format_eval(summary: dict[str, float]) -> str:
    return "\n".join(
        [
            f"questions            {summary['questions']}",
            f"hit@1 / @3 / @5      {summary['hit@1']:.3f} / {summary['hit@3']:.3f} / {summary['hit@5']:.3f}",
            f"MRR                  {summary['mrr']:.3f}",
            f"abstention P / R     {summary['abstention_precision']:.3f} / {summary['abstention_recall']:.3f}"
            f"   (false abstentions: {summary['false_abstentions']})",
            f"period understood    {summary['period_accuracy']:.3f}",
            f"retrieval p50 / p95  {summary['p50_ms']:.1f} ms / {summary['p95_ms']:.1f} ms",
        ]
    )


def run_discord(args: argparse.Namespace, settings: BotSettings) -> int:
    from .runner import run_bot  # imports discord.py only for this command

    return run_bot(settings)


def run_health(args: argparse.Namespace, settings: BotSettings) -> int:
    from .runner import is_healthy

    healthy = is_healthy(settings.health_file)
    print("healthy" if healthy else f"unhealthy: {settings.health_file} is missing or stale")
    return 0 if healthy else 1


def run_model(args: argparse.Namespace, settings: BotSettings) -> int:
    """Loads the model once: checks the setting, and bakes hub models into the cache (Docker build)."""
    embedder = index.load_embedder(settings.embedding_model, settings.embed_batch_size, allow_download=True)
    print(f"{embedder.name}: {embedder.dimension} dimensions")
    return 0


def run_ask(args: argparse.Namespace, settings: BotSettings) -> int:
    if args.batch is None and not args.question:
        raise NewsbotError("give a question, or --batch FILE")
    if args.k is not None and not 1 <= args.k <= 50:
        raise NewsbotError("--k must be between 1 and 50")
    questions = _read_batch(args.batch) if args.batch else [args.question]
    if not args.batch:  # refused before the slow model load
        check_question(args.question, settings.max_question_chars)
    service = index.NewsService(settings)
    built = service.load(build_if_missing=True, show_progress_bar=sys.stderr.isatty())
    if built:
        print(f"(built the index first: {built.digests} digests, {built.chunks} chunks)", file=sys.stderr)
    status = 0
    for question in questions:
        try:
            answer = service.ask(question, k=args.k)
        except QuestionError as error:
            status = 1
            if args.json:
                _print_json({"question": question, "error": str(error)})
            else:
                print(f"{error}", file=sys.stderr)
            continue
        if args.json:
            _print_json(answer.to_json())
        else:
            print(format_answer(answer))
    return status


def _read_batch(path: Path) -> list[str]:
    try:
        stream: TextIO = sys.stdin if str(path) == "-" else path.open(encoding="utf-8")
        with stream:
            return [line.strip() for line in stream if line.strip()]
    except OSError as error:
        raise NewsbotError(f"cannot read the batch file {path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise NewsbotError(f"the batch file {path} is not UTF-8 text") from None


def _print_json(data: dict) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def format_answer(answer: Answer) -> str:
    """Human-readable answer and sources list."""
    lines = [answer.text, ""]
    see_also = set(answer.see_also) if not answer.abstained else set()
    if answer.sources:
        lines.append("Sources:" if answer.language == "en" else "Sources :")
    for n, hit in enumerate(answer.sources, start=1):
        chunk = hit.chunk
        if n == min(see_also, default=0):
            lines.append("See also:" if answer.language == "en" else "Voir aussi :")
        lines.append(
            f"[{n}] {chunk.digest_title} · {index.month_label(chunk.month, answer.language)} · {chunk.section_label}"
        )
        lines.append(f"    {chunk.path}  (score {hit.score:.2f})")
        for link in chunk.links[:4]:
            lines.append(f"    ↳ {link.text}: {link.url}")
    return "\n".join(lines).rstrip() + "\n"


def format_build_report(report: BuildReport) -> str:
    lines = [
        f"Indexed {report.digests} digests, {report.chunks} chunks in {report.seconds:.1f} s "
        f"({report.embedded} embedded, {report.reused} reused).",
    ]
    for label, paths in (("added", report.added), ("changed", report.changed), ("removed", report.removed)):
        if paths:
            lines.append(f"  {label}: {', '.join(paths)}")
    for error in report.skipped:
        lines.append(f"  skipped {error.path}: {error.reason}")
    return "\n".join(lines)
