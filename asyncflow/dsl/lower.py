"""Lower a checked .flow AST to an operator pipeline, through the public operator API.

This is the only way a .flow file makes a graph: each definition becomes what a Python user
would write (``task(fn, name=...)``, ``shell(template, name=...)``, ``.bind(...)``,
``.map()``, ``|``, ``&``), so the file and its Python twin give the same graph.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Mapping
from typing import Any

from asyncflow.api import Pipeline, shell, task
from asyncflow.dsl import ast
from asyncflow.dsl.check import CORE_OPTIONS, Checked
from asyncflow.dsl.diagnostics import Source
from asyncflow.dsl.params import evaluate
from asyncflow.errors import AsyncflowError, FlowError


def as_pipeline(lowered: Any) -> Any:
    """A Pipeline for what an expression lowered to (a list is a group, as in a pipe)."""
    if isinstance(lowered, list):
        lowered = functools.reduce(operator.and_, lowered)
    return lowered if isinstance(lowered, Pipeline) else Pipeline(lowered)


class Lowerer:
    """Builds operator objects for the definitions and the run expression of one file."""

    def __init__(
        self,
        checked: Checked,
        functions: Mapping[str, Callable[..., Any]],
        params: Mapping[str, Any],
        source: Source,
    ) -> None:
        self.checked = checked
        self.defs = checked.definitions
        self.functions = functions
        self.params = params
        self.source = source
        self.steps: dict[str, Any] = {}
        self.lets: dict[str, Any] = {}

    def _attempt(self, node: ast.Node, what: str, action: Callable[[], Any]) -> Any:
        """Run one operator call; its errors become FlowErrors pointing at ``node``."""
        try:
            return action()
        except FlowError:
            raise
        except (AsyncflowError, TypeError, ValueError, AttributeError) as exc:
            raise self.source.error_at(node, f"{what}: {exc}") from exc

    def options(self, *groups: tuple[ast.Option, ...]) -> dict[str, Any]:
        """Keyword options for ``task``/``shell``; later groups override earlier ones."""
        core: dict[str, Any] = {}
        description: dict[str, Any] = {}
        for group in groups:
            for option in group:
                value = evaluate(option.value, self.params)
                if option.name.text in CORE_OPTIONS:
                    core[option.name.text] = value
                else:
                    description[option.name.text] = value
        if description:
            core["task_description"] = description
        return core

    def arguments(self, call: ast.Call) -> dict[str, Any]:
        return {
            arg.name.text: evaluate(arg.value, self.params)
            for arg in call.args or ()
            if arg.name is not None  # unnamed arguments were refused by the checks
        }

    def step(self, name: str, node: ast.Node) -> Any:
        """The operator object for an import, a shell task or a ``task`` definition."""
        if name in self.steps:
            return self.steps[name]
        chain = self.defs.chain(name)
        root = self.defs.root(name)
        binds: dict[str, Any] = {}
        for task_def in reversed(chain):  # innermost first, so outer bindings win
            binds.update(self.arguments(task_def.target))
        option_groups = [t.options for t in reversed(chain)]
        if root in self.defs.shells:
            shell_def = self.defs.shells[root]
            options = self.options(shell_def.options, *option_groups)
            template = str(shell_def.template.value)
            built = self._attempt(
                node,
                f"cannot make shell task '{name}'",
                lambda: shell(template, name=name, **options),
            )
        else:
            options = self.options(*option_groups)
            fn = self.functions[root]
            built = self._attempt(
                node, f"cannot make task '{name}'", lambda: task(fn, name=name, **options)
            )
        if binds:
            built = self._attempt(
                node, f"cannot bind arguments of '{name}'", lambda: built.bind(**binds)
            )
        self.steps[name] = built
        return built

    def call(self, call: ast.Call) -> Any:
        name = call.name.text
        if name in self.defs.lets:
            if name not in self.lets:
                self.lets[name] = self.expr(self.defs.lets[name].body)
            return self.lets[name]
        base = self.step(name, call.name)
        binds = self.arguments(call)
        root = self.defs.root(name)
        bound = set(binds)
        for task_def in self.defs.chain(name):
            bound |= {a.name.text for a in task_def.target.args or () if a.name is not None}
        for placeholder in self.checked.placeholders.get(root, ()):
            if placeholder != "input" and placeholder not in bound:
                binds[placeholder] = self.params[placeholder]  # present: checked before
        if not binds:
            return base
        return self._attempt(call, f"cannot bind arguments of '{name}'", lambda: base.bind(**binds))

    def expr(self, expr: ast.Expr) -> Any:
        if isinstance(expr, ast.Call):
            return self.call(expr)
        if isinstance(expr, ast.ListGroup):
            return [self.expr(item) for item in expr.items]
        if isinstance(expr, ast.Each):
            body = self.expr(expr.body)
            return self._attempt(expr, "cannot use each(...) here", lambda: body.map())
        left, right = self.expr(expr.left), self.expr(expr.right)
        if isinstance(expr, ast.Pipe):
            if isinstance(left, list) and isinstance(right, list):
                left = as_pipeline(left)  # Python has no list | list; [a, b] means a & b
            return self._attempt(expr, "cannot pipe these", lambda: left | right)
        left = as_pipeline(left) if isinstance(left, list) else left
        right = as_pipeline(right) if isinstance(right, list) else right
        return self._attempt(expr, "cannot group these with '&'", lambda: left & right)


def lower(
    checked: Checked,
    functions: Mapping[str, Callable[..., Any]],
    params: Mapping[str, Any],
    source: Source,
) -> Any:
    """The operator pipeline for the file's ``run`` expression."""
    lowerer = Lowerer(checked, functions, params, source)
    body = checked.run.body
    return lowerer._attempt(body, "cannot run this", lambda: as_pipeline(lowerer.expr(body)))
