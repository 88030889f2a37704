"""index.query_onnx: questions embedded without torch give the model's own vectors, and anything
wrong with the export sends them back through torch rather than to wrong vectors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
from conftest import EVAL_DIR

from index.embedding import Embedder
from index.query_onnx import ENCODER_DIR, MODEL_FILE, SPEC_FILE
from index.settings import BUNDLED_MODEL


def _questions(count: int) -> list[str]:
    lines = (EVAL_DIR / "heldout.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines[:count]]


def test_questions_get_the_models_own_vectors(embedder: Embedder) -> None:
    questions = _questions(60)
    assert embedder.question_encoder is not None
    exported = embedder.encode_queries(questions)
    expected = embedder.encode(questions)  # passages' path: sentence-transformers and torch
    assert exported.shape == expected.shape and exported.dtype == np.float32
    assert float(np.min(np.sum(exported * expected, axis=1))) > 0.9999
    alone = embedder.encode_query(questions[0])  # one question: no padding in the batch
    assert float(np.dot(alone, expected[0])) > 0.9999


def _fresh_export(embedder: Embedder, tmp_path: Path) -> Path:
    assert embedder.query_dir is not None
    copy = tmp_path / "question-encoder"
    shutil.copytree(embedder.query_dir, copy)
    return copy


def test_a_damaged_export_sends_questions_through_torch(embedder: Embedder, tmp_path: Path, caplog) -> None:
    root = _fresh_export(embedder, tmp_path)
    model_file = next(root.glob(f"*/{MODEL_FILE}"))
    damaged = bytearray(model_file.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF  # same size: only the checksum tells
    model_file.write_bytes(bytes(damaged))
    fresh = Embedder(BUNDLED_MODEL, query_dir=root)
    fresh.__dict__["model"] = embedder.model  # the session's loaded model, instead of loading it again
    assert fresh.question_encoder is None
    assert "damaged" in caplog.text
    vector = fresh.encode_query("What did Meta release in April?")
    assert float(np.dot(vector, embedder.encode(["What did Meta release in April?"])[0])) > 0.9999


def test_an_export_of_another_model_is_not_used(embedder: Embedder, tmp_path: Path) -> None:
    root = _fresh_export(embedder, tmp_path)
    spec_file = next(root.glob(f"*/{SPEC_FILE}"))
    spec = json.loads(spec_file.read_text(encoding="utf-8"))
    spec_file.write_text(json.dumps({**spec, "model": "another-model"}), encoding="utf-8")
    assert Embedder(BUNDLED_MODEL, query_dir=root).question_encoder is None


def test_a_cold_process_answers_without_importing_torch(copy_built_data, embedder: Embedder) -> None:
    data = copy_built_data()
    assert embedder.query_dir is not None
    shutil.copytree(embedder.query_dir, data / "index" / ENCODER_DIR)  # as a build in this folder leaves it
    script = (
        "import sys, json\n"
        "from index import NewsService, IndexSettings\n"
        f"service = NewsService(IndexSettings(_env_file=None, data_dir={str(data)!r}))\n"
        "service.load(build_if_missing=False)\n"
        "answer = service.ask('What did Meta release in April?')\n"
        "print(json.dumps({'torch': 'torch' in sys.modules, 'answer': answer.text}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=data.parent, capture_output=True, text=True, timeout=120, check=True
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["torch"] is False
    assert "LLaMA 4" in result["answer"]


def test_an_export_that_disagrees_with_the_model_is_refused_once(
    embedder: Embedder, tmp_path: Path, monkeypatch
) -> None:
    from index import query_onnx

    monkeypatch.setattr(query_onnx, "MIN_AGREEMENT", 1.1)  # no export can agree this much
    fresh = Embedder(BUNDLED_MODEL, query_dir=tmp_path / "question-encoder")
    fresh.__dict__["model"] = embedder.model
    assert fresh.prepare_questions() is False
    assert fresh.question_encoder is None
    assert [path.suffix for path in (tmp_path / "question-encoder").iterdir()] == [".refused"]
    exported: list[str] = []
    monkeypatch.setattr(query_onnx, "export_transformer", lambda *args: exported.append("again") or [])
    assert fresh.prepare_questions() is False and not exported  # not tried again at the next start


def test_a_hub_model_in_the_local_cache_gets_the_export_too(embedder: Embedder, tmp_path: Path, monkeypatch) -> None:
    """A model named by its hub id (as a Docker build bakes it in) is found in the HF cache's snapshot."""
    import huggingface_hub.constants

    from index.embedding import model_folder, resolve_model_location

    cache = tmp_path / "hub"
    repository = cache / "models--example--minilm-copy"
    snapshot = repository / "snapshots" / ("0" * 40)
    bundled = Path(resolve_model_location(BUNDLED_MODEL))
    for source in bundled.rglob("*"):
        if source.is_file():
            target = snapshot / source.relative_to(bundled)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(source)
    (repository / "refs").mkdir()
    (repository / "refs" / "main").write_text("0" * 40, encoding="utf-8")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(cache))

    assert model_folder("example/minilm-copy") == snapshot
    assert model_folder("example/not-in-the-cache") is None
    hub = Embedder("example/minilm-copy", query_dir=tmp_path / "question-encoder")
    hub.__dict__["model"] = embedder.model  # the same weights, already loaded
    assert hub.prepare_questions()
    question = "qu'a annoncé Mistral en mars ?"
    assert float(np.dot(hub.encode_query(question), embedder.encode([question])[0])) > 0.9999
