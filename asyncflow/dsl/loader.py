"""Load a .flow file: parse, check, import its Python functions, lower to a pipeline.

:func:`load_flow` is the single entry point (the CLI uses it too); everything wrong with the
file comes out as a :class:`~asyncflow.errors.FlowError` before anything runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asyncflow.dsl import ast
from asyncflow.dsl.check import backend_problem, check, check_keywords
from asyncflow.dsl.diagnostics import Source
from asyncflow.dsl.imports import resolve_imports
from asyncflow.dsl.lower import lower
from asyncflow.dsl.params import evaluate, resolve_params
from asyncflow.dsl.parser import parse
from asyncflow.errors import FlowError


@dataclass(frozen=True)
class FlowProgram:
    """A loaded .flow file, ready to run: ``engine.run(program.pipeline, *program.inputs)``."""

    pipeline: Any
    params: dict[str, Any]
    backend: str | None
    inputs: tuple[Any, ...]
    path: Path | None
    module: ast.Module = field(repr=False)

    @property
    def graph(self) -> Any:
        """The pipeline's task graph (a :class:`~asyncflow.graph.TaskGraph`)."""
        return self.pipeline.graph


def parse_flow(
    text: str,
    filename: str = "<flow>",
    params: Mapping[str, Any] | None = None,
    *,
    backend: str | None = None,
    base_dir: str | Path | None = None,
) -> FlowProgram:
    """Load .flow ``text``; ``.py`` imports are looked up in ``base_dir``.

    ``base_dir`` defaults to the folder of ``filename`` (the current folder for
    ``"<flow>"``). ``params`` overrides parameter defaults (strings are converted to the
    default's type); ``backend`` overrides the file's ``backend`` statement.
    """
    try:
        return _load(text, filename, params, backend, base_dir)
    except RecursionError as exc:
        raise FlowError(
            "the file nests pipelines too deeply to load; split it with 'let'", file=filename
        ) from exc


def _load(
    text: str,
    filename: str,
    params: Mapping[str, Any] | None,
    backend: str | None,
    base_dir: str | Path | None,
) -> FlowProgram:
    source = Source(filename, text)
    module = parse(text, filename)
    values = resolve_params(module, source, params)
    checked = check(module, source, values)
    if base_dir is None:
        base_dir = Path(filename).parent if not filename.startswith("<") else Path.cwd()
    functions = resolve_imports(module, source, Path(base_dir))
    check_keywords(checked, functions, source)
    pipeline = lower(checked, functions, values, source)
    inputs = tuple(evaluate(value, values) for value in checked.run.inputs)
    if backend is not None and (problem := backend_problem(backend)):
        raise FlowError(problem, file=filename)
    path = None if filename.startswith("<") else Path(filename)
    return FlowProgram(pipeline, values, backend or checked.backend, inputs, path, module)


def load_flow(
    path: str | Path,
    params: Mapping[str, Any] | None = None,
    *,
    backend: str | None = None,
) -> FlowProgram:
    """Load the .flow file at ``path``; see :func:`parse_flow` for ``params`` and ``backend``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise FlowError(f"the file is not UTF-8 text: {exc.reason}", file=str(path)) from exc
    except OSError as exc:
        raise FlowError(f"cannot read the file: {exc.strerror or exc}", file=str(path)) from exc
    return parse_flow(text, str(path), params, backend=backend, base_dir=path.parent)
