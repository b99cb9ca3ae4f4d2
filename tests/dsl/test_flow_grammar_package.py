"""The grammar has one source, grammar/flow.lark, and the built wheel ships it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from asyncflow.dsl import grammar_path, grammar_text
from asyncflow.dsl.grammar import flow_parser

ROOT = Path(__file__).resolve().parents[2]


def test_the_source_tree_grammar_is_the_one_used() -> None:
    assert grammar_path() == ROOT / "grammar" / "flow.lark"
    assert grammar_text() == (ROOT / "grammar" / "flow.lark").read_text()
    assert not list((ROOT / "asyncflow").rglob("*.lark")), "a second copy of the grammar"


def test_every_terminal_has_words_for_error_messages() -> None:
    from asyncflow.dsl.parser import _words

    words = _words()
    for terminal in flow_parser().terminals:
        if terminal.name not in ("WS", "COMMENT"):
            assert terminal.name in words, terminal.name
            assert not any(c.isupper() for c in words[terminal.name].strip("'")), terminal.name


def _copy_project(destination: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "dist")
    for name in ("asyncflow", "grammar"):
        shutil.copytree(ROOT / name, destination / name, ignore=ignore)
    for path in ROOT.iterdir():
        if path.is_file():
            shutil.copy2(path, destination / path.name)
    if not (destination / "README.md").exists():  # pyproject names it as the long description
        (destination / "README.md").write_text("asyncflow\n")
    return destination


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_the_wheel_ships_the_grammar_and_the_installed_package_finds_it(tmp_path: Path) -> None:
    import importlib.util

    import setuptools

    major, minor = (int(part) for part in setuptools.__version__.split(".")[:2])
    if importlib.util.find_spec("wheel") is None and (major, minor) < (70, 1):
        pytest.fail("building a wheel needs the 'wheel' package (or setuptools >= 70.1)")
    project = _copy_project(tmp_path / "project")  # building writes build/: not in the tree
    dist = tmp_path / "dist"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--no-index", "-q", "-w", str(dist), str(project)],
        capture_output=True, text=True, timeout=110, check=False,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr[-3000:]
    (wheel,) = dist.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "asyncflow/grammar/flow.lark" in names
    assert "asyncflow/grammar/__init__.py" in names
    sources = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "asyncflow").rglob("*.py")
        if "__pycache__" not in p.parts
    }
    assert sources <= names, f"modules missing from the wheel: {sorted(sources - names)}"

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)  # a pure-Python wheel installs by unpacking
    probe = (
        "import asyncflow.dsl as d; p = d.grammar_path(); print(p);"
        "print(d.parse('run a | b').statements[0].body.right.name.text)"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    found, parsed = result.stdout.split()
    assert Path(found) == site / "asyncflow" / "grammar" / "flow.lark"
    assert parsed == "b"
