"""Static checks of the Docker files (no Docker needed): what made the image fail on its first run stays fixed.

The image itself is built and run by hand with `bash scripts/docker-check.sh` (too slow for CI).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
ENTRYPOINT = ROOT / "scripts" / "docker-entrypoint.sh"


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (KEYWORD, arguments), continuation lines joined, comments dropped."""
    logical: list[str] = []
    pending = ""
    for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    result = []
    for text in logical:
        keyword, _, arguments = text.strip().partition(" ")
        result.append((keyword.upper(), arguments.strip()))
    return result


def position(predicate) -> int:
    return next(n for n, instruction in enumerate(instructions()) if predicate(*instruction))


def test_the_image_runs_as_a_numeric_non_root_user() -> None:
    users = [arguments for keyword, arguments in instructions() if keyword == "USER"]
    assert users, "the Dockerfile sets no USER: the image would run as root"
    assert re.fullmatch(r"[1-9]\d*(:\d+)?", users[-1]), f"USER {users[-1]} is not numeric (runAsNonRoot needs a uid)"


def test_dependencies_are_installed_before_the_code_is_copied() -> None:
    deps = position(lambda keyword, arguments: keyword == "RUN" and "pip install" in arguments and "torch" in arguments)
    copies = [(n, arguments) for n, (keyword, arguments) in enumerate(instructions()) if keyword == "COPY"]
    code = min(n for n, arguments in copies if re.match(r"(index|bot)\b", arguments))
    assert deps < code, "the dependencies layer must come before COPY index / COPY bot"
    for n, arguments in copies:
        if n < deps:  # only what the dependency list depends on, or any code change rebuilds the layer
            words = arguments.split()
            if any(word.startswith("--from=") for word in words):
                continue  # from the stage that works out the list: its own COPY is checked here too
            sources = [word for word in words[:-1] if not word.startswith("--")]
            assert set(sources) <= {"pyproject.toml", "scripts/install.sh"}, f"COPY {arguments} before the deps"


def test_the_entrypoint_script_is_copied_and_used() -> None:
    assert ENTRYPOINT.is_file()
    assert os.access(ENTRYPOINT, os.X_OK), "scripts/docker-entrypoint.sh is not executable"
    copied = [
        arguments for keyword, arguments in instructions() if keyword == "COPY" and "docker-entrypoint.sh" in arguments
    ]
    assert copied, "the Dockerfile does not copy scripts/docker-entrypoint.sh"
    target = copied[0].split()[-1]
    entrypoints = [arguments for keyword, arguments in instructions() if keyword == "ENTRYPOINT"]
    assert entrypoints and Path(target).name in entrypoints[-1], f"ENTRYPOINT does not run {target}"


@pytest.mark.skipif(shutil.which("sh") is None, reason="no POSIX shell")
def test_the_entrypoint_script_parses() -> None:
    subprocess.run(["sh", "-n", str(ENTRYPOINT)], check=True)


def test_the_entrypoint_names_the_fix_for_an_unwritable_data_directory() -> None:
    text = ENTRYPOINT.read_text(encoding="utf-8")
    assert "cannot write" in text and "--user" in text and "NEWSBOT_UID" in text
    assert re.search(r'exec newsbot "\$@"\s*$', text), "the entrypoint must end by exec'ing newsbot"


def test_compose_builds_with_the_install_flags_and_needs_no_token() -> None:
    text = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    service = yaml.safe_load(text)["services"]["newsbot"]
    assert {"INSTALL_FLAGS", "EMBEDDING_MODEL"} <= set(service["build"]["args"])
    assert not re.search(r"DISCORD_TOKEN:?\?", text), (
        "a required DISCORD_TOKEN breaks `docker compose config` and build"
    )
    assert "${DISCORD_TOKEN:-}" in str(service["environment"]["DISCORD_TOKEN"])
    assert "NEWSBOT_UID" in str(service["user"]) and "NEWSBOT_GID" in str(service["user"])


def test_the_build_context_leaves_out_the_virtualenv_tests_and_built_index() -> None:
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    for entry in (".venv", ".git", "tests", "docs"):
        assert entry in ignored
    assert "data/index" in ignored or "data/*" in ignored


def test_the_readme_shows_how_to_index_with_compose() -> None:
    assert "docker compose run --rm newsbot index" in (ROOT / "README.md").read_text(encoding="utf-8")
