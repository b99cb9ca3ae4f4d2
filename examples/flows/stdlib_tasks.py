"""Python tasks for ``stdlib_stats.flow``: list the standard library's modules, measure them.

Plain functions, no asyncflow import: the .flow file imports them with
``from "stdlib_tasks.py" import ...`` and the pipeline runs them on any backend.
"""

from __future__ import annotations

import ast
import os
import sysconfig
import threading
from pathlib import Path
from typing import Any

SKIPPED_DIRS = {"test", "tests", "idlelib", "site-packages", "dist-packages", "__pycache__"}


_AST_LOCK = threading.Lock()

def list_modules(stdlib_dir: str = "auto", limit: int = 0) -> list[str]:
    """Paths of the ``.py`` files under ``stdlib_dir``, sorted; ``"auto"`` is this Python's.

    Test suites and third-party folders are left out; ``limit`` > 0 keeps the first files.
    """
    root = Path(sysconfig.get_paths()["stdlib"] if stdlib_dir in ("", "auto") else stdlib_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"no such folder: {root}")
    paths = sorted(
        str(path)
        for path in root.rglob("*.py")
        if not SKIPPED_DIRS.intersection(path.relative_to(root).parts[:-1])
    )
    return paths[:limit] if limit > 0 else paths


def count_defs(path: str) -> dict[str, Any]:
    """Lines, functions and classes of one Python source file."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    functions = classes = 0
    try:
        with _AST_LOCK:  # CPython 3.11's ast.parse is not safe in several threads at once
            tree = ast.parse(text)
    except SyntaxError:  # a few stdlib files are templates or need a newer Python
        tree = None
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            functions += 1
        elif isinstance(node, ast.ClassDef):
            classes += 1
    return {
        "path": path,
        "lines": text.count("\n"),
        "functions": functions,
        "classes": classes,
    }


def parse_wc(output: str) -> dict[str, Any]:
    """``wc -l`` output (``"  120 /path/x.py"``) as ``{"path": ..., "lines": 120}``."""
    count, _, path = output.strip().partition(" ")
    return {"path": path.strip(), "lines": int(count)}


def summarize(measured: tuple[list[dict[str, Any]], list[str]], top: int = 5) -> dict[str, Any]:
    """Totals over all modules, the ``top`` largest ones, and whether ``wc -l`` agrees."""
    python_counts, wc_outputs = measured
    by_wc = {row["path"]: row["lines"] for row in map(parse_wc, wc_outputs)}
    largest = sorted(python_counts, key=lambda row: (-row["lines"], row["path"]))[:top]
    folders = [os.path.dirname(row["path"]) for row in python_counts]
    root = Path(os.path.commonpath(folders)) if folders else Path()
    return {
        "modules": len(python_counts),
        "lines": sum(row["lines"] for row in python_counts),
        "functions": sum(row["functions"] for row in python_counts),
        "classes": sum(row["classes"] for row in python_counts),
        "wc_lines": sum(by_wc.values()),
        "wc_agrees": all(by_wc.get(row["path"]) == row["lines"] for row in python_counts),
        "largest": [
            (Path(row["path"]).relative_to(root).as_posix(), row["lines"]) for row in largest
        ],
    }
