"""Find the Python functions a .flow file imports, from a module or a .py file beside it."""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import re
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from asyncflow.api import TaskDefinition
from asyncflow.dsl import ast
from asyncflow.dsl.diagnostics import Source, did_you_mean

_import_module = importlib.import_module  # one seam, so tests can fence off imports


def _failure(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _module_name(path: Path) -> str:
    """A stable module name for a file, unique per absolute path."""
    stem = re.sub(r"\W", "_", path.stem)
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:8]
    return f"_asyncflow_flow_{stem}_{digest}"


def load_file_module(stmt: ast.Import, base_dir: Path, source: Source) -> ModuleType:
    """Import a .py file named relative to the .flow file (again only when it changed)."""
    path = (base_dir / stmt.source).resolve()
    here = (stmt.source_line, stmt.source_column)
    if path.suffix != ".py":
        raise source.error(f"'{stmt.source}' is not a Python file (.py)", *here)
    if not path.is_file():
        raise source.error(
            f"cannot find Python file '{stmt.source}' "
            "(a file path is relative to the folder of the .flow file)",
            *here,
        )
    name = _module_name(path)
    stamp = path.stat().st_mtime_ns
    cached = sys.modules.get(name)
    if cached is not None and getattr(cached, "__asyncflow_mtime__", None) == stamp:
        return cached  # the same file, unchanged: keep its functions (and their identity)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise source.error(f"cannot import '{stmt.source}' as a Python module", *here)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as exc:
        del sys.modules[name]
        raise source.error(f"importing '{stmt.source}' failed: {_failure(exc)}", *here) from exc
    module.__asyncflow_mtime__ = stamp  # type: ignore[attr-defined]
    return module


def load_named_module(stmt: ast.Import, source: Source) -> ModuleType:
    """Import a module by its dotted name."""
    here = (stmt.source_line, stmt.source_column)
    try:
        return _import_module(stmt.source)
    except ModuleNotFoundError as exc:
        raise source.error(f"cannot import module '{stmt.source}': {exc}", *here) from exc
    except (Exception, SystemExit) as exc:
        raise source.error(
            f"importing module '{stmt.source}' failed: {_failure(exc)}", *here
        ) from exc


def _functions(module: ModuleType) -> list[str]:
    return [n for n, v in vars(module).items() if callable(v) and not n.startswith("_")]


def _function(py: ModuleType, stmt: ast.Import, name: ast.ImportName, source: Source) -> Any:
    text = name.name.text
    try:
        value = getattr(py, text)
    except AttributeError:
        hint = did_you_mean(text, _functions(py))
        raise source.error_at(
            name.name, f"'{stmt.source}' has no function '{text}'{hint}"
        ) from None
    except Exception as exc:  # a module __getattr__ that failed
        raise source.error_at(
            name.name, f"importing '{text}' from '{stmt.source}' failed: {_failure(exc)}"
        ) from exc
    if isinstance(value, TaskDefinition):  # @flow.function_task: take its function
        if value.kind != "function":
            raise source.error_at(
                name.name,
                f"'{text}' is a @flow.{value.kind}_task; a .flow file runs Python "
                "functions, and shell commands with 'shell' templates",
            )
        value = value.fn
    if not callable(value) or inspect.isclass(value):
        raise source.error_at(
            name.name,
            f"'{text}' in '{stmt.source}' is not a function (it is a {type(value).__name__})",
        )
    return value


def resolve_imports(
    module: ast.Module, source: Source, base_dir: Path
) -> dict[str, Callable[..., Any]]:
    """Map each imported local name to its Python function."""
    found: dict[str, Callable[..., Any]] = {}
    for stmt in module.of_type(ast.Import):
        if stmt.is_file:
            py = load_file_module(stmt, base_dir, source)
        else:
            py = load_named_module(stmt, source)
        for name in stmt.names:
            fn = _function(py, stmt, name, source)
            found[name.local.text] = fn
    return found


def keyword_problem(fn: Callable[..., Any], keyword: str) -> str | None:
    """Why ``fn`` cannot take ``keyword=...``, or None when it can."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return None  # builtins without a signature: let the call decide
    params = signature.parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return None
    param = params.get(keyword)
    if param is None:
        names = [n for n, p in params.items() if p.kind is not inspect.Parameter.POSITIONAL_ONLY]
        listed = ", ".join(names) or "none"
        return (
            f"has no parameter '{keyword}'{did_you_mean(keyword, names)}; its parameters: {listed}"
        )
    if param.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.VAR_POSITIONAL):
        return f"takes '{keyword}' only by position"
    return None
