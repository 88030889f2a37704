"""bot.cli, run as users run it: `python -m bot ...` in a subprocess, in a temporary data directory.

Each run loads the model (seconds), so the runs are few and each checks a lot. The data
directory starts as a copy of the session's built index, so `index` and `ask` reuse its vectors.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DIGEST_APRIL, DIGEST_EN, FIXTURE_DIGESTS

TIMEOUT = 600


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_") and k != "DISCORD_TOKEN"}
    env.update(PYTHONIOENCODING="utf-8", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    return env


def run_cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=_clean_env(),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=TIMEOUT,
    )


@pytest.fixture(scope="module")
def cli_root(tmp_path_factory, built_service) -> Path:
    """A working directory holding `data/` (digests and a built index), and no `.env`."""
    root = tmp_path_factory.mktemp("cli")
    shutil.copytree(built_service.settings.data_dir, root / "data", symlinks=True)
    return root


def test_index_prints_a_summary(cli_root, built_service):
    result = run_cli(cli_root, "index", "--data", str(cli_root / "data"))
    assert result.returncode == 0, result.stderr
    match = re.search(r"Indexed (\d+) digests, (\d+) chunks .*\((\d+) embedded, (\d+) reused\)", result.stdout)
    assert match, result.stdout
    digests, chunks, embedded, reused = map(int, match.groups())
    assert (digests, chunks) == (3, len(built_service.stored.chunks))
    assert (embedded, reused) == (0, chunks)  # same model, same digests: every vector reused
    assert "Traceback" not in result.stderr


def test_ask_json(cli_root):
    result = run_cli(cli_root, "ask", "--json", "What did Meta release in April?", "--data", str(cli_root / "data"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    data = json.loads(lines[0])
    assert {"question", "answer", "abstained", "sources", "timings_ms"} <= set(data)
    assert data["question"] == "What did Meta release in April?"
    assert isinstance(data["abstained"], bool) and data["abstained"] is False
    assert isinstance(data["answer"], str) and "[1]" in data["answer"]
    assert {"retrieve", "answer", "total"} <= set(data["timings_ms"])
    assert all(isinstance(v, (int, float)) and v >= 0 for v in data["timings_ms"].values())
    sources = data["sources"]
    assert sources
    for n, source in enumerate(sources, start=1):
        assert {"n", "path", "digest", "date", "section", "text", "links", "score"} <= set(source)
        assert source["n"] == n
        assert re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", source["date"])
        assert (cli_root / source["path"]).is_file()
        assert isinstance(source["score"], (int, float)) and source["text"]
        assert all(set(link) == {"text", "url"} for link in source["links"])
    assert any(
        s["date"] == "2025-04" and s["path"].endswith(DIGEST_APRIL) and "LLaMA 4" in s["text"] for s in sources
    ), [s["section"] for s in sources]
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", data["answer"])}
    assert markers and markers <= set(range(1, len(sources) + 1))


def test_ask_json_batch(cli_root, tmp_path):
    questions = ["What did Meta release in April?", "Qu'a annoncé Mistral en mars ?", "Runway Gen-4"]
    batch = tmp_path / "questions.txt"
    batch.write_text("\n".join(questions[:2]) + "\n\n" + questions[2] + "\n", encoding="utf-8")  # blank line skipped
    result = run_cli(cli_root, "--data", str(cli_root / "data"), "ask", "--json", "--batch", str(batch))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    answers = [json.loads(line) for line in lines]
    assert [a["question"] for a in answers] == questions
    assert all(a["sources"] and isinstance(a["abstained"], bool) for a in answers)
    assert answers[1]["answer"].startswith("Voici")  # French question, French answer
    assert answers[0]["answer"].startswith("Here is what")


def test_ask_human_output(cli_root):
    result = run_cli(cli_root, "--data", str(cli_root / "data"), "ask", "What did Meta release in April?", "--k", "3")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Sources" in out and "[1]" in out
    assert re.search(r"^\[1\] .+ · April 2025 · ", out, re.MULTILINE), out
    assert re.search(r"^    data/digests/\S+\s+\(score ", out, re.MULTILINE)
    assert "[4]" not in out  # --k 3
    assert not result.stdout.lstrip().startswith("{")


def test_ask_without_index_builds_it_first(tmp_path):
    data = tmp_path / "data"
    (data / "digests").mkdir(parents=True)
    shutil.copy2(FIXTURE_DIGESTS / DIGEST_EN, data / "digests")
    result = run_cli(tmp_path, "ask", "--json", "Which trends in explainable AI?", "--data", str(data))
    assert result.returncode == 0, result.stderr
    assert "built the index first: 1 digests" in result.stderr
    assert (data / "index" / "current").is_symlink()
    answer = json.loads(result.stdout.strip())
    assert answer["sources"] and all(s["path"] == f"data/digests/{DIGEST_EN}" for s in answer["sources"])
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [["ask", ""], ["ask"], ["ask", "--k", "0", "Meta ?"]])
def test_bad_ask_exits_nonzero_without_traceback(tmp_path, args):
    (tmp_path / "data" / "digests").mkdir(parents=True)
    result = run_cli(tmp_path, "--data", str(tmp_path / "data"), *args)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ")
    assert "question" in result.stderr or "--k" in result.stderr
    assert result.stdout == ""
    assert not (tmp_path / "data" / "index").exists()  # refused before any work


# --- in process: formatting, and errors that need no model --------------------------------------------


def test_format_answer_lists_the_numbered_sources(built_service):
    from bot.cli import format_answer

    answer = built_service.ask("What did Meta announce with LLaMA 4?", k=3)
    out = format_answer(answer)
    assert out.startswith(answer.text + "\n")
    assert "\nSources:\n" in out
    for n, hit in enumerate(answer.sources, start=1):
        assert f"\n[{n}] {hit.chunk.digest_title} · " in out
        assert f"    {hit.chunk.path}  (score {hit.score:.2f})" in out
    assert f"[{len(answer.sources) + 1}] " not in out


def test_format_build_report_lists_changes_and_skips(built_service):
    from bot.cli import format_build_report
    from index.builder import BuildReport
    from index.errors import DigestError

    report = BuildReport(
        digests=2,
        chunks=10,
        embedded=3,
        reused=7,
        changed=["data/digests/a.md"],
        removed=["data/digests/b.md"],
        skipped=[DigestError("data/digests/c.md", "is empty")],
    )
    out = format_build_report(report)
    assert out.startswith("Indexed 2 digests, 10 chunks in ")
    assert "(3 embedded, 7 reused)" in out
    assert "  changed: data/digests/a.md" in out and "  removed: data/digests/b.md" in out
    assert "  skipped data/digests/c.md: is empty" in out
    assert "added" not in out


def test_missing_batch_file_is_a_clean_error(tmp_path, monkeypatch, capsys):
    import bot.cli as cli

    class StubService:  # no model, no index: only the batch file matters here
        def __init__(self, *args, **kwargs):
            pass

        def load(self, **kwargs):
            return None

    monkeypatch.setattr("index.NewsService", StubService)
    status = cli.main(["--data", str(tmp_path / "data"), "ask", "--batch", str(tmp_path / "missing.txt")])
    assert status != 0
    assert "missing.txt" in capsys.readouterr().err


def test_run_without_a_token_says_how_to_set_it(tmp_path, monkeypatch, capsys):
    import bot.cli as cli

    monkeypatch.chdir(tmp_path)  # no .env here
    status = cli.main(["run"])
    err = capsys.readouterr().err
    assert status == 1 and err.startswith("error: no Discord token: set DISCORD_TOKEN") and "Traceback" not in err


def test_health_is_unhealthy_without_a_fresh_file(tmp_path, monkeypatch, capsys):
    import time

    import bot.cli as cli

    health = tmp_path / "health"
    monkeypatch.setenv("NEWSBOT_HEALTH_FILE", str(health))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["health"]) == 1
    health.write_text("now")
    assert cli.main(["health"]) == 0
    old = time.time() - 3600
    os.utime(health, (old, old))
    assert cli.main(["health"]) == 1
