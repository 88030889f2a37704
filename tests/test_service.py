"""index.service: question validation, answers with numbered sources, timings, language."""

from __future__ import annotations

import re

import pytest
from conftest import DIGEST_APRIL, DIGEST_MARCH

from index.errors import IndexMissingError, QuestionError
from index.models import Answer
from index.service import NewsService


@pytest.mark.parametrize("question", ["", "   ", "\u00a0\n\t", "?", "?!…", " -- ??? ", None])
def test_empty_or_punctuation_only_questions_are_refused(built_service, question):
    with pytest.raises(QuestionError) as caught:
        built_service.validate_question(question)
    assert "question" in str(caught.value).lower()


def test_too_long_question_is_refused(built_service):
    limit = built_service.settings.max_question_chars
    assert built_service.validate_question("a" * limit) == "a" * limit
    with pytest.raises(QuestionError, match=str(limit)):
        built_service.validate_question("a" * (limit + 1))
    with pytest.raises(QuestionError):
        built_service.ask("What did Meta release? " * 40)


def test_question_is_normalised(built_service):
    assert built_service.validate_question("  What\u00a0did \n Meta   release ?  ") == "What did Meta release ?"


def test_invisible_format_characters_are_dropped_from_questions(built_service):
    """A right-to-left override would turn the answer's title (which repeats the question) around."""
    assert built_service.validate_question("What did \u202eMeta\u200b release\u2066?") == "What did Meta release?"


def _markers(answer: Answer) -> list[int]:
    return [int(n) for n in re.findall(r"\[(\d+)\]", answer.text)]


@pytest.mark.parametrize("k", [1, 3, 5])
def test_ask_returns_numbered_sources(built_service, k):
    answer = built_service.ask("What did Meta announce with LLaMA 4?", k=k)
    assert isinstance(answer, Answer)
    assert not answer.abstained
    assert 1 <= len(answer.sources) <= k
    markers = _markers(answer)
    assert markers and markers[0] == 1
    assert all(1 <= n <= len(answer.sources) for n in markers)
    assert markers == sorted(set(markers))
    scores = [hit.score for hit in answer.sources]
    assert scores == sorted(scores, reverse=True)
    keys = [hit.chunk.item_key for hit in answer.sources]
    assert len(keys) == len(set(keys))  # one hit per news item
    best = answer.sources[0].chunk
    assert best.path.endswith(DIGEST_APRIL) and best.month == "2025-04" and "LLaMA 4" in best.text


def test_ask_uses_top_k_from_settings_by_default(built_service):
    answer = built_service.ask("Mistral Small 3.1")
    assert 1 <= len(answer.sources) <= built_service.settings.top_k


def test_ask_reports_timings(built_service):
    answer = built_service.ask("Runway Gen-4 video model")
    timings = answer.timings_ms
    assert {"retrieve", "answer", "total"} <= set(timings)
    assert all(value >= 0 for value in timings.values())
    assert timings["total"] >= timings["retrieve"]
    assert timings["total"] == pytest.approx(timings["retrieve"] + timings["answer"], abs=0.01)


def test_a_split_item_comes_back_whole(built_service):
    answer = built_service.ask("Runway Gen-4 génération vidéo")
    runway = next(hit.chunk for hit in answer.sources if hit.chunk.section[-1] == "Runway – Génération vidéo Gen-4")
    pieces = [chunk for chunk in built_service.stored.chunks if chunk.item_key == runway.item_key]
    assert len(pieces) > 1
    assert runway.text == " ".join(piece.text for piece in pieces)


def test_french_question_gets_a_french_answer(built_service):
    answer = built_service.ask("Qu'a annoncé Mistral AI avec le modèle Small 3.1 ?")
    assert answer.language == "fr"
    assert answer.text.startswith("Voici ce que disent les digests")
    assert any(hit.chunk.path.endswith(DIGEST_MARCH) and "Mistral" in hit.chunk.text for hit in answer.sources)


def test_english_question_gets_an_english_answer(built_service):
    answer = built_service.ask("What did Mistral AI release with the Small 3.1 model?")
    assert answer.language == "en"
    assert answer.text.startswith("Here is what")
    assert "Voici" not in answer.text


def test_answer_json_shape(built_service):
    data = built_service.ask("What did Meta announce with LLaMA 4?", k=2).to_json()
    assert {"question", "answer", "abstained", "sources", "timings_ms"} <= set(data)
    for n, source in enumerate(data["sources"], start=1):
        assert source["n"] == n
        assert re.fullmatch(r"\d{4}-\d{2}", source["date"])
        assert {"path", "digest", "section", "text", "links", "score"} <= set(source)


def test_ask_before_loading_is_an_error(settings_for, tmp_path, embedder):
    service = NewsService(settings_for(tmp_path / "data"), embedder)
    assert not service.is_loaded
    with pytest.raises(IndexMissingError):
        service.ask("What did Meta release?")
    with pytest.raises(IndexMissingError, match="newsbot index"):
        service.load(build_if_missing=False)


def test_a_lexical_index_from_another_tokenizer_is_rebuilt_on_load(
    built_service, tmp_path, embedder, monkeypatch, caplog
):
    """A saved BM25 index tokenized differently would silently stop matching; load rebuilds it."""
    import json
    import shutil

    from index import lexical

    data = tmp_path / "data"
    shutil.copytree(built_service.settings.data_dir, data, symlinks=True)
    settings = built_service.settings.model_copy(update={"data_dir": data, "index_dir": None})
    service = NewsService(settings, embedder)
    service.load(build_if_missing=False)
    saved = service.searcher.stored.directory / lexical.LEXICAL_DIR / lexical.NAMES_FILE
    assert json.loads(saved.read_text())["tokenizer"] == lexical.TOKENIZER_VERSION
    with pytest.raises(ValueError, match="tokenizer"):
        monkeypatch.setattr(lexical, "TOKENIZER_VERSION", lexical.TOKENIZER_VERSION + 1)
        lexical.LexicalIndex.load(service.searcher.stored.directory, len(service.stored.chunks))
    with caplog.at_level("WARNING"):
        service.load(build_if_missing=False)
    assert "tokenizer" in caplog.text
    assert service.ask("What did Meta release in April?").sources[0].chunk.month == "2025-04"


def test_an_index_of_an_older_format_is_rebuilt_on_load(built_service, tmp_path, embedder, caplog):
    """A build from before the manifest kept the end matter would never show it: load rebuilds it."""
    import json
    import shutil

    from index import store

    data = tmp_path / "data"
    shutil.copytree(built_service.settings.data_dir, data, symlinks=True)
    settings = built_service.settings.model_copy(update={"data_dir": data, "index_dir": None})
    manifest_file = store.current_path(settings.resolved_index_dir) / store.MANIFEST_FILE
    old = json.loads(manifest_file.read_text("utf-8"))
    old["format_version"] = 1
    for entry in old["digests"]:
        del entry["end_matter"]
    manifest_file.write_text(json.dumps(old), "utf-8")
    service = NewsService(settings, embedder)
    with caplog.at_level("INFO"):
        service.load()
    assert "older version" in caplog.text
    assert service.searcher.stored.manifest.format_version == store.FORMAT_VERSION
    assert service.ask("keywords de l'article trends ?").sources[0].chunk.text.startswith("Keywords:")


# --- several processes on one data folder: `refresh` ----------------------------------------

ORBITALE = """# AI digest – May 2025

## Hardware

**Orbitale ships the Quasar-9 chip** – On 14 May, the Grenoble startup Orbitale shipped Quasar-9, an inference chip cooled by liquid nitrogen.
"""


def _two_services(copy_built_data, make_settings_for, embedder) -> tuple[NewsService, NewsService]:
    """Two services on one data folder, as two bot processes sharing a volume; both serving."""
    settings = make_settings_for(copy_built_data())
    builder, follower = NewsService(settings, embedder), NewsService(settings, embedder)
    assert builder.open() is None and follower.open() is None
    return builder, follower


def test_refresh_serves_the_build_another_process_made_current(copy_built_data, settings_for, embedder, caplog):
    builder, follower = _two_services(copy_built_data, settings_for, embedder)
    assert follower.refresh() is False  # nothing new
    (builder.settings.digests_dir / "2025-05-orbitale.md").write_text(ORBITALE, "utf-8")
    builder.reindex()
    assert "Quasar-9" not in follower.ask("what did Orbitale ship?").text

    with caplog.at_level("INFO", logger="index.service"):
        assert follower.refresh() is True
    assert follower.stored.directory == builder.stored.directory
    assert "Quasar-9" in follower.ask("what did Orbitale ship?").text
    assert follower.refresh() is False  # already serving it
    assert builder.refresh() is False  # its own build
    assert builder.stored.directory.name in caplog.text


def test_refresh_keeps_serving_when_the_new_build_does_not_load(copy_built_data, settings_for, embedder, caplog):
    from index import store

    builder, follower = _two_services(copy_built_data, settings_for, embedder)
    serving = follower.stored.directory
    (builder.settings.digests_dir / "2025-05-orbitale.md").write_text(ORBITALE, "utf-8")
    builder.reindex()
    (builder.stored.directory / store.CHUNKS_FILE).write_text("[]", "utf-8")  # damaged after it was swapped in

    with caplog.at_level("WARNING", logger="index.service"):
        assert follower.refresh() is False
        assert follower.refresh() is False
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and builder.stored.directory.name in warnings[0] and "\n" not in warnings[0]
    assert follower.stored.directory == serving
    assert follower.ask("What did Meta release in April?").sources[0].chunk.month == "2025-04"


def test_refresh_waits_while_this_process_reindexes(copy_built_data, settings_for, embedder):
    """A build another process made current is not swapped in over this process's own reindex."""
    import threading

    builder, follower = _two_services(copy_built_data, settings_for, embedder)
    (builder.settings.digests_dir / "2025-05-orbitale.md").write_text(ORBITALE, "utf-8")
    builder.reindex()
    building, release = threading.Event(), threading.Event()

    def pause(stage: str, done: int, total: int) -> None:
        building.set()
        release.wait(10)

    reindex = threading.Thread(target=follower.reindex, kwargs={"progress": pause})
    reindex.start()
    try:
        assert building.wait(30)
        assert follower.refresh() is False and follower.stored.directory != builder.stored.directory
    finally:
        release.set()
        reindex.join(60)
    assert "Quasar-9" in follower.ask("what did Orbitale ship?").text  # its own build, with the new digest
    assert follower.refresh() is False


def test_a_service_keeps_blas_to_one_thread_beside_the_model(built_service):
    """numpy's BLAS threads spin after each product and slow the next forward pass (index/threads.py)."""
    from threadpoolctl import threadpool_info

    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas, "numpy is expected to bring a BLAS library"
    assert all(pool["num_threads"] == 1 for pool in blas)
