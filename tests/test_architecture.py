"""The layout promises of STYLE.md: imports flow one way, the facade is explicit, heavy
dependencies stay lazy."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import asyncflow

PACKAGE = Path(asyncflow.__file__).parent

# Which packages each stage may import. Front-ends sit on top; backends at the bottom.
ALLOWED = {
    "errors": set(),
    "backends": {"errors"},
    "graph": {"errors"},
    "compiler": {"graph", "errors"},
    "runtime": {"backends", "graph", "errors"},
    "api": {"runtime", "compiler", "graph", "backends", "errors", "export"},
    "dsl": {"api", "compiler", "graph", "backends", "errors"},
    "export": {"graph", "compiler", "errors"},
}


def _stage(module_path: Path) -> str:
    rel = module_path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.startswith("asyncflow.")
        ):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("asyncflow."):
                    found.add(alias.name.split(".")[1])
    return found


@pytest.mark.parametrize("stage", sorted(ALLOWED))
def test_imports_point_one_way(stage):
    files = (
        [PACKAGE / f"{stage}.py"]
        if (PACKAGE / f"{stage}.py").exists()
        else sorted((PACKAGE / stage).rglob("*.py"))
    )
    assert files, stage
    for path in files:
        wrong = _imports(path) - ALLOWED[stage] - {stage}
        assert not wrong, f"{path.relative_to(PACKAGE)} imports {sorted(wrong)}"


def test_modules_stay_small():
    sizes = {p.relative_to(PACKAGE): len(p.read_text().splitlines()) for p in PACKAGE.rglob("*.py")}
    assert {str(p): n for p, n in sizes.items() if n > 450} == {}


def test_the_facade_exports_exactly_its_names():
    assert asyncflow.__all__ == sorted(asyncflow.__all__)
    for name in asyncflow.__all__:
        assert getattr(asyncflow, name) is not None, name


def test_every_error_derives_from_the_root():
    from asyncflow import errors

    for name in errors.__all__:
        value = getattr(errors, name)
        if isinstance(value, type):
            assert issubclass(value, errors.AsyncflowError), name


def test_importing_asyncflow_imports_no_heavy_dependency():
    code = (
        "import sys, asyncflow; heavy = [m for m in ('dask', 'distributed', 'radical.pilot', "
        "'matplotlib', 'lark') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr
