"""Tests are independent of the live `data/` directory.

`data/digests/` is what the app ships with and what admins change (upload, replace, remove digests);
`data/eval/` no longer exists. Tests read their digests from tests/fixtures/digests (and
tests/fixtures/unseen/digests) and their questions from tests/fixtures/eval, so adding, removing or
replacing a digest in `data/digests/` changes no test result. Two checks hold that:

- a static one: no test module refers to the repository's `data/` directory, whether rooted at the
  repository (`REPO_ROOT / "data"`, `Path(__file__).parents[1] / "data"`), relative to the working
  directory (`Path("data/digests")`, the settings' default), or run from the repository root;
- a live one: the quality gates, run with an extra digest in the `data/digests/` every fallback
  would read, still pass.
"""

from __future__ import annotations

import ast
import itertools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURE_DIGESTS, REPO_ROOT, UNSEEN

TESTS = REPO_ROOT / "tests"
LIVE_DATA = REPO_ROOT / "data"
EXTRA_DIGEST = UNSEEN / "digests" / "2025-05_en_newsletter.md"

# Calls that read or list a path given as their first argument, or that make one.
_PATH_CALLS = {
    "Path",
    "PurePath",
    "open",
    "copy",
    "copy2",
    "copyfile",
    "copytree",
    "listdir",
    "scandir",
    "glob",
    "iglob",
}


class _LiveDataFinder(ast.NodeVisitor):
    """Evaluates the path expressions of one test module as far as they are known (constants,
    `__file__`, `.parent`, `.parents[n]`, `.resolve()`, `/`, `os.path.join`, names assigned from
    them, names imported from conftest) and reports those that reach the live data directory."""

    def __init__(self, path: Path, imported: dict[str, Path]) -> None:
        self.path = path
        self.imported = imported
        self.names: dict[str, Path] = {}
        self.found: dict[int, str] = {}

    # --- evaluation ---------------------------------------------------------------------------

    def value(self, node: ast.AST) -> Path | str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            if node.id == "__file__":
                return str(self.path)
            if node.id == "repo_root":  # the conftest fixture
                return REPO_ROOT
            return self.names.get(node.id, self.imported.get(node.id))
        if isinstance(node, ast.Attribute):
            base = self.value(node.value)
            if isinstance(base, Path) and node.attr == "parent":
                return base.parent
            return None
        if isinstance(node, ast.Subscript):
            base = self.value(node.value.value) if isinstance(node.value, ast.Attribute) else None
            if isinstance(base, Path) and node.value.attr == "parents" and isinstance(node.slice, ast.Constant):
                return base.parents[node.slice.value]
            return None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            left, right = self.value(node.left), self.value(node.right)
            if isinstance(left, Path) and isinstance(right, (str, Path)):
                return left / right
            return None
        if isinstance(node, ast.Call):
            name = _called_name(node.func)
            args = [self.value(arg) for arg in node.args]
            if name in {"Path", "PurePath"} and len(args) == 1 and isinstance(args[0], (str, Path)):
                return Path(args[0])
            if name == "joinpath" and isinstance(node.func, ast.Attribute):
                base = self.value(node.func.value)
                known = list(itertools.takewhile(lambda arg: isinstance(arg, (str, Path)), args))
                return base.joinpath(*known) if isinstance(base, Path) and known else None
            if name in {"resolve", "absolute", "expanduser"} and isinstance(node.func, ast.Attribute):
                base = self.value(node.func.value)
                return base if isinstance(base, Path) else None
            if name == "join" and isinstance(node.func, ast.Attribute) and _called_name(node.func.value) == "path":
                known = list(itertools.takewhile(lambda arg: isinstance(arg, (str, Path)), args))
                return Path(*known) if known else None  # os.path.join: as far as its parts are known
            if name == "str" and len(args) == 1 and isinstance(args[0], Path):
                return str(args[0])
        return None

    # --- what counts as the live data directory ------------------------------------------------

    @staticmethod
    def is_live(value: Path | str | None) -> bool:
        """The repository's data/ (or below), or a relative path into `data/` of the working
        directory, which is where the settings' default data directory is."""
        if not isinstance(value, Path):
            return False
        if value.is_absolute():
            return value == LIVE_DATA or LIVE_DATA in value.parents
        return bool(value.parts) and value.parts[0] == "data"

    def report(self, node: ast.AST, why: str) -> None:
        self.found.setdefault(node.lineno, f"{self.path.name}:{node.lineno}: {why}: {ast.unparse(node)}")

    # --- visiting ------------------------------------------------------------------------------

    def visit_Assign(self, node: ast.Assign) -> None:
        value = self.value(node.value)
        for target in node.targets:
            if isinstance(target, ast.Name) and isinstance(value, Path):
                self.names[target.id] = value
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if self.is_live(self.value(node)):
            self.report(node, "a path into the live data directory")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        name = _called_name(node.func)
        value = self.value(node)
        if name in {"Path", "PurePath", "join", "joinpath"} and self.is_live(value):
            self.report(node, "a path into the live data directory")
        elif name in _PATH_CALLS and node.args:
            first = self.value(node.args[0])
            if isinstance(first, str) and self.is_live(Path(first)):
                self.report(node, "reads the live data directory")
        if name == "chdir" and node.args and _as_path(self.value(node.args[-1])) in (REPO_ROOT, LIVE_DATA):
            self.report(node, "runs in the repository, where the default data directory is the live one")
        for keyword in node.keywords:
            if keyword.arg == "cwd" and _as_path(self.value(keyword.value)) in (REPO_ROOT, LIVE_DATA):
                self.report(node, "runs in the repository, where the default data directory is the live one")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and re.match(r"(\./)?data/eval(/|$)", node.value):
            self.report(node, "names the removed data/eval sets")


def _as_path(value: Path | str | None) -> Path | None:
    return Path(value) if isinstance(value, str) else value


def _called_name(func: ast.AST) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _evaluated_names(path: Path, source: str, imported: dict[str, Path]) -> _LiveDataFinder:
    finder = _LiveDataFinder(path, imported)
    tree = ast.parse(source, filename=str(path))
    for _ in range(2):  # a name may be used above the line that assigns it (in a function)
        finder.found.clear()
        finder.visit(tree)
    return finder


def live_data_references(path: Path, source: str | None = None) -> list[str]:
    """`file:line: why: code` for each place in a test module that reaches the live data directory."""
    conftest = TESTS / "conftest.py"
    imported = _evaluated_names(conftest, conftest.read_text("utf-8"), {}).names if path != conftest else {}
    text = path.read_text("utf-8") if source is None else source
    return sorted(_evaluated_names(path, text, imported).found.values())


def _test_modules() -> list[Path]:
    """Every test module, conftest and helper under tests/, but this one: it names the live
    directory (LIVE_DATA) to look for it, and its own examples are tested below."""
    return sorted(
        path
        for path in TESTS.rglob("*.py")
        if "fixtures" not in path.relative_to(TESTS).parts and path != Path(__file__).resolve()
    )


def test_no_test_module_refers_to_the_live_data_directory() -> None:
    modules = _test_modules()
    assert TESTS / "conftest.py" in modules and len(modules) > 20
    found = [line for path in modules for line in live_data_references(path)]
    assert found == [], "tests must use tests/fixtures or a temporary data directory:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "code",
    [
        'DIGESTS = REPO_ROOT / "data" / "digests"',
        'DATA = Path(__file__).resolve().parents[1] / "data" / "eval"',
        'cases = load_cases(Path(__file__).parent.parent / "data/eval/dev.jsonl")',
        'def test_x(repo_root):\n    shutil.copytree(repo_root / "data", target)',
        'ROOT = Path(__file__).parents[1]\nsource = ROOT / "data"',
        'shutil.copy2(os.path.join(REPO_ROOT, "data", "digests", name), target)',
        'settings = make_settings(Path("data"))',
        'digests = sorted(Path("data/digests").glob("*.txt"))',
        'text = open("data/digests/000.txt").read()',
        'run_cli(tmp_path, "eval", "--dataset", "data/eval/dev.jsonl")',
        'subprocess.run(["newsbot", "ask", "q"], cwd=str(REPO_ROOT))',
        'subprocess.run([sys.executable, "-m", "bot", "index"], cwd=REPO_ROOT)',
        "monkeypatch.chdir(Path(__file__).resolve().parents[1])",
        'digests = REPO_ROOT.joinpath("data", "digests")',
    ],
)
def test_the_static_check_finds_a_reference_to_live_data(code: str) -> None:
    assert live_data_references(TESTS / "test_example.py", code)


@pytest.mark.parametrize(
    "code",
    [
        'data = tmp_path / "data"\nshutil.copy2(FIXTURE_DIGESTS / name, data / "digests")',
        'root = tmp_path_factory.mktemp("cli")\nshutil.copytree(src, root / "data")',
        'assert digest.path == f"data/digests/{name}"',
        'answer = _answer_with("data/digests/a.txt", "text")',
        'EVAL = REPO_ROOT / "tests" / "fixtures" / "eval"',
        'run_cli(tmp_path, "--data", str(tmp_path / "data"), "ask", "q")',
        'changed=["data/digests/a.md"]',
    ],
)
def test_the_static_check_accepts_temporary_data_directories(code: str) -> None:
    assert live_data_references(TESTS / "test_example.py", code) == []


def _environment(data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_") and k != "DISCORD_TOKEN"}
    env.update(NEWSBOT_DATA_DIR=str(data), PYTHONIOENCODING="utf-8", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    return env


@pytest.mark.slow
def test_the_quality_gates_hold_with_an_extra_digest_in_data(tmp_path: Path) -> None:
    """The gates run in a fresh pytest whose working directory holds a `data/digests/` with the three
    fixture digests and a fourth one, the May 2025 English newsletter (newer than every other digest,
    so it would become "the latest" and answer May questions). The settings' default data directory is
    `data` relative to the working directory and settings read NEWSBOT_DATA_DIR, which points there
    too (conftest scrubs NEWSBOT_* inside tests, so the default is what a test would fall back on).
    A test that read the live data instead of its fixtures would index the extra digest: its passages
    would outrank, or sit next to, the labelled ones and the period answers would move, and the
    gate's figures with them. The gates pass, so none does; the static check above covers paths
    rooted at the repository itself, which this run cannot redirect."""
    data = tmp_path / "work" / "data"
    (data / "digests").mkdir(parents=True)
    for digest in sorted(FIXTURE_DIGESTS.iterdir()):
        shutil.copy2(digest, data / "digests" / digest.name)
    shutil.copy2(EXTRA_DIGEST, data / "digests" / EXTRA_DIGEST.name)
    env = _environment(data)

    # Control: in this environment, the default settings do read that directory and its four digests.
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "from index.settings import IndexSettings; print(IndexSettings().digests_dir.resolve())",
        ],
        cwd=data.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert probe.returncode == 0, probe.stderr
    assert Path(probe.stdout.strip()) == (data / "digests").resolve()
    assert len(list((data / "digests").iterdir())) == 4

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(TESTS / "test_evaluation.py"),
            "-k",
            "gate",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(REPO_ROOT),
            "--basetemp",
            str(tmp_path / "basetemp"),
        ],
        cwd=data.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    passed = re.search(r"(\d+) passed", output)
    assert passed and int(passed.group(1)) >= 3, output[-4000:]  # the two pooled gates and the unseen one
    assert not (data / "index").exists()  # nothing indexed the data directory it was given
