"""Errors an operator meets from the command line: one line that names the cause and the fix,
found before the slow model load wherever the model is not needed to find them."""

from __future__ import annotations

import errno
import json
import os
import socket
from pathlib import Path

import pytest

from bot import cli
from index import locking
from index.embedding import Embedder
from index.errors import ModelLoadError


@pytest.fixture
def no_model(monkeypatch):
    """Fails the test if anything tries to load the embedding model."""

    def refuse(self):
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(Embedder, "model", property(refuse))


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("question", ["", "   ", "?!…", "🙂🙂", "a" * 10_000])
def test_unusable_questions_are_refused_before_the_model_loads(question, no_model, tmp_path, capsys):
    assert cli.main(["--data", str(tmp_path), "ask", question]) == 1
    err = _one_line_error(capsys)
    assert any(reason in err for reason in ("Please ask a question", "too long (10000 characters", "give a question"))


def test_a_settings_error_names_the_variable_and_where_it_was_set(monkeypatch, tmp_path, no_model, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEWSBOT_TOP_K", "lots")
    (tmp_path / ".env").write_text("NEWSBOT_CHUNK_MAX_CHARS=5\n", "utf-8")
    assert cli.main(["ask", "What did Meta release?"]) == 1
    err = _one_line_error(capsys)
    assert "NEWSBOT_TOP_K (from the environment)" in err and "top_k:" not in err
    assert "NEWSBOT_CHUNK_MAX_CHARS (from .env)" in err


@pytest.mark.parametrize(
    "environment, expected",
    [
        ({"NEWSBOT_SHARD_IDS": "0,1"}, "NEWSBOT_SHARD_IDS needs NEWSBOT_SHARD_COUNT: set it to the total number"),
        ({"NEWSBOT_SHARD_IDS": "0,2", "NEWSBOT_SHARD_COUNT": "2"}, "NEWSBOT_SHARD_IDS has 2, outside 0-1: shard ids"),
        (
            {"NEWSBOT_SHARD_IDS": "1,1", "NEWSBOT_SHARD_COUNT": "2"},
            "NEWSBOT_SHARD_IDS lists 1 more than once: name each shard once",
        ),
    ],
)
def test_shard_settings_that_do_not_fit_say_which_and_the_fix(
    monkeypatch, tmp_path, no_model, capsys, environment, expected
):
    monkeypatch.chdir(tmp_path)
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    assert cli.main(["health"]) == 1
    assert _one_line_error(capsys).startswith(f"error: invalid settings: {expected}")


def test_a_malformed_dataset_line_names_the_file_and_line(tmp_path, no_model, capsys):
    dataset = tmp_path / "questions.jsonl"
    good = json.dumps({"id": "q1", "question": "What did Meta release?", "answerable": True})
    dataset.write_text(f"{good}\n\n{{not json\n", "utf-8")
    assert cli.main(["--data", str(tmp_path), "eval", "--dataset", str(dataset)]) == 1
    assert f"{dataset} line 3: not valid JSON" in _one_line_error(capsys)
    dataset.write_text(json.dumps({"question": "no label"}) + "\n", "utf-8")
    assert cli.main(["--data", str(tmp_path), "eval", "--dataset", str(dataset)]) == 1
    assert f'{dataset} line 1: each case needs at least "question"' in _one_line_error(capsys)


def test_a_model_that_is_not_on_disk_fails_at_once_without_the_network(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the network was tried")

    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    with pytest.raises(ModelLoadError) as caught:
        _ = Embedder("no-such-org/no-such-model").dimension
    message = str(caught.value)
    assert "NEWSBOT_EMBEDDING_MODEL" in message and "\n" not in message


def test_an_unwritable_index_folder_is_one_line_with_the_fix(monkeypatch, tmp_path, no_model, capsys):
    real_open = os.open

    def denied(path, *args, **kwargs):
        if str(path).endswith(locking.LOCK_FILE):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(locking.os, "open", denied)  # tests run as root, where chmod stops nothing
    assert cli.main(["--data", str(tmp_path), "index"]) == 1
    err = _one_line_error(capsys)
    assert f"cannot write the index in {tmp_path / 'index'}: permission denied" in err
    assert "NEWSBOT_DATA_DIR" in err


def test_an_index_folder_under_a_file_is_one_line(monkeypatch, tmp_path, no_model, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("NEWSBOT_INDEX_DIR", str(blocker / "index"))
    assert cli.main(["--data", str(tmp_path), "index"]) == 1
    assert f"cannot write the index in {Path(blocker / 'index')}: Not a directory" in _one_line_error(capsys)


HEAVY = ("faiss", "torch", "sentence_transformers", "bm25s", "transformers")
IMPORTS_AFTER = """
import sys
from bot.cli import main
try:
    main({args!r})
except SystemExit:
    pass
print("loaded:", ",".join(name for name in {heavy!r} if name in sys.modules))
"""


@pytest.mark.parametrize("args", [["--help"], ["ask", "   "], ["ask", "x" * 600], ["ask", "What is new?"]])
def test_help_bad_questions_and_settings_errors_never_import_the_model_stack(args, tmp_path) -> None:
    """`newsbot --help` and one-line refusals answer in about a second, not after seconds of imports."""
    import subprocess
    import sys

    from test_cli import _clean_env

    env = _clean_env() | {"NEWSBOT_DATA_DIR": str(tmp_path)}
    if args[-1] == "What is new?":
        env["NEWSBOT_TOP_K"] = "many"  # a settings error
    result = subprocess.run(
        [sys.executable, "-c", IMPORTS_AFTER.format(args=args, heavy=HEAVY)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "loaded: \n" in result.stdout, result.stdout + result.stderr
