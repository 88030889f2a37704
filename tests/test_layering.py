"""The layers stay apart: `index/` knows nothing of Discord or the bot, and the bot uses only the
small public API that `index/__init__.py` exports, never the library's internal modules."""

from __future__ import annotations

import ast
from pathlib import Path

import index

REPO_ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> list[str]:
    """Every module a file imports, absolute, as written (`from . import x` inside index/ counts as index)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
    return found


def test_the_library_never_imports_discord_or_the_bot() -> None:
    for path in sorted((REPO_ROOT / "index").rglob("*.py")):
        for module in _imports(path):
            assert module.split(".")[0] not in {"discord", "bot"}, f"{path.name} imports {module}"


def test_the_bot_uses_only_the_public_api_of_the_library() -> None:
    for path in sorted((REPO_ROOT / "bot").rglob("*.py")):
        for module in _imports(path):
            assert not module.startswith("index."), f"{path.relative_to(REPO_ROOT)} imports {module}"


def test_every_public_name_resolves() -> None:
    for name in index.__all__:
        assert getattr(index, name) is not None, name


def test_the_embedding_backends_do_not_import_each_other() -> None:
    backends = {"embedding.py": "e5", "e5.py": "embedders"}
    for file, other in backends.items():
        path = REPO_ROOT / "index" / file
        relative = [node for node in ast.walk(ast.parse(path.read_text("utf-8"))) if isinstance(node, ast.ImportFrom)]
        assert all(node.module != other for node in relative), f"{file} imports .{other}"
