"""Checks on a parsed .flow file that need no Python import: names, cycles, templates, options.

Every problem is a :class:`FlowError` pointing at the place in the file where it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx

from asyncflow.backends import available_backends
from asyncflow.dsl import ast
from asyncflow.dsl.diagnostics import Source, did_you_mean
from asyncflow.dsl.imports import keyword_problem
from asyncflow.dsl.names import Definitions, collect, walk, walk_calls
from asyncflow.dsl.params import evaluate
from asyncflow.dsl.templates import template_fields

CORE_OPTIONS = ("retries", "retry_backoff", "timeout", "backend")


@dataclass
class Checked:
    """What the checks learnt, for lowering."""

    definitions: Definitions
    run: ast.Run
    backend: str | None
    placeholders: dict[str, tuple[str, ...]]


class _Checker:
    def __init__(self, module: ast.Module, source: Source, params: Mapping[str, Any]) -> None:
        self.module = module
        self.source = source
        self.params = params
        self.defs = collect(module, source)
        self.placeholders = {
            name: template_fields(shell.template, source)
            for name, shell in self.defs.shells.items()
        }

    def value(self, value: ast.Value) -> None:
        if isinstance(value, ast.ParamRef) and value.name not in self.params:
            hint = did_you_mean(value.name, self.params)
            hint = hint.replace("mean '", "mean '$")
            raise self.source.error_at(value, f"unknown parameter '${value.name}'{hint}")
        if isinstance(value, ast.ListValue):
            for item in value.items:
                self.value(item)

    def reference(self, call: ast.Call) -> None:
        name = call.name.text
        if name not in self.defs.where:
            hint = did_you_mean(name, self.defs.where)
            raise self.source.error_at(call.name, f"unknown task '{name}'{hint}")

    def arguments(self, call: ast.Call) -> None:
        seen: set[str] = set()
        for arg in call.args or ():
            if arg.name is None:
                raise self.source.error_at(
                    arg, f"arguments must be named: write {call.name.text}(name=value)"
                )
            if arg.name.text in seen:
                raise self.source.error_at(arg.name, f"argument '{arg.name.text}' is given twice")
            seen.add(arg.name.text)
            self.value(arg.value)
        root = self.defs.root(call.name.text)
        if root in self.placeholders:
            fields = self.placeholders[root]
            for arg in call.args or ():
                assert arg.name is not None
                if arg.name.text == "input":
                    raise self.source.error_at(
                        arg.name, "{input} is the upstream result; it cannot be bound"
                    )
                if arg.name.text not in fields:
                    shown = ", ".join(f"{{{f}}}" for f in fields) or "none"
                    raise self.source.error_at(
                        arg.name,
                        f"shell task '{root}' has no placeholder {{{arg.name.text}}}"
                        f"{did_you_mean(arg.name.text, fields)}; its placeholders: {shown}",
                    )

    def bound_names(self, call: ast.Call) -> set[str]:
        names = {a.name.text for a in call.args or () if a.name is not None}
        for task in self.defs.chain(call.name.text):
            names |= {a.name.text for a in task.target.args or () if a.name is not None}
        return names

    def use(self, call: ast.Call) -> None:
        """A call inside a pipeline expression."""
        self.reference(call)
        name = call.name.text
        if name in self.defs.lets and call.args is not None:
            raise self.source.error_at(
                call, f"'{name}' is a named pipeline (let); only tasks take arguments"
            )
        self.arguments(call)
        root = self.defs.root(name)
        if root not in self.placeholders:
            return
        bound = self.bound_names(call)
        for placeholder in self.placeholders[root]:
            if placeholder == "input" or placeholder in bound or placeholder in self.params:
                continue
            raise self.source.error_at(
                call,
                f"shell task '{root}' has no value for {{{placeholder}}}: bind it here, "
                f"e.g. {name}({placeholder}=...), or declare 'param {placeholder} = ...'",
            )

    def expression(self, expr: ast.Expr) -> None:
        """A pipeline expression: its calls, and what each(...) is applied to."""
        for node in walk(expr):
            if isinstance(node, ast.Call):
                self.use(node)
            elif isinstance(node, ast.Each) and not (
                isinstance(node.body, ast.Call) and node.body.name.text not in self.defs.lets
            ):
                raise self.source.error_at(
                    node.body,
                    "each(...) applies one task to every item, e.g. each(count_lines); "
                    "to apply a longer pipeline, write a Python task that runs it",
                )

    def options(self, options: tuple[ast.Option, ...]) -> None:
        seen: set[str] = set()
        for option in options:
            name = option.name.text
            if name in seen:
                raise self.source.error_at(option.name, f"option '{name}' is given twice")
            seen.add(name)
            self.value(option.value)
            value = evaluate(option.value, self.params)
            problem = _option_problem(name, value)
            if problem:
                raise self.source.error_at(option.value, f"option '{name}' {problem}")
            if name == "backend" and (problem := backend_problem(value)):
                raise self.source.error_at(option.value, problem)

    def cycles(self) -> None:
        graph: nx.DiGraph[str] = nx.DiGraph()
        sites: dict[tuple[str, str], ast.Call] = {}
        bodies: dict[str, ast.Expr] = {n: d.body for n, d in self.defs.lets.items()}
        bodies.update({n: d.target for n, d in self.defs.tasks.items()})
        for name in sorted(
            bodies, key=lambda n: (self.defs.where[n].line, self.defs.where[n].column)
        ):
            graph.add_node(name)
            for call in walk_calls(bodies[name]):
                if call.name.text in bodies:
                    graph.add_edge(name, call.name.text)
                    sites.setdefault((name, call.name.text), call)
        try:
            edges = nx.find_cycle(graph)
        except nx.NetworkXNoCycle:
            return
        cycle = [edge[0] for edge in edges]
        order = list(graph.nodes)
        start = min(range(len(cycle)), key=lambda i: order.index(cycle[i]))
        cycle = cycle[start:] + cycle[:start]
        path = " -> ".join([*cycle, cycle[0]])
        first = cycle[0]
        site = sites[(first, cycle[1] if len(cycle) > 1 else first)]
        raise self.source.error_at(site, f"'{first}' is defined in terms of itself: {path}")

    def run(self) -> Checked:
        runs = self.module.of_type(ast.Run)
        backends = self.module.of_type(ast.BackendDef)
        if len(backends) > 1:
            raise self.source.error_at(
                backends[1], f"the backend is already chosen on line {backends[0].line}"
            )
        if backends and (problem := backend_problem(backends[0].name.text)):
            raise self.source.error_at(backends[0].name, problem)
        if len(runs) > 1:
            raise self.source.error_at(
                runs[1], f"only one 'run' statement is allowed; the first is on line {runs[0].line}"
            )
        for task in self.defs.tasks.values():
            self.reference(task.target)
            target = task.target.name.text
            if target in self.defs.lets:
                raise self.source.error_at(
                    task.target.name,
                    f"'{target}' is a named pipeline (let); 'task' gives a new name to one task",
                )
        self.cycles()
        for task in self.defs.tasks.values():
            self.arguments(task.target)
            self.options(task.options)
        for shell in self.defs.shells.values():
            self.options(shell.options)
        for let in self.defs.lets.values():
            self.expression(let.body)
        if not runs:
            line, column = self.source.end()
            raise self.source.error(
                "this file has no 'run' statement; add one, e.g. 'run my_task'", line, column
            )
        for value in runs[0].inputs:
            self.value(value)
        self.expression(runs[0].body)
        backend = backends[0].name.text if backends else None
        return Checked(self.defs, runs[0], backend, self.placeholders)


def backend_problem(name: str) -> str | None:
    """Why ``name`` is not a backend asyncflow knows, or None."""
    known = available_backends()
    if name in known:
        return None
    return f"unknown backend '{name}'{did_you_mean(name, known)}; known: {', '.join(known)}"


def _option_problem(name: str, value: Any) -> str | None:
    if name == "retries" and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        return f"must be a whole number of retries, 0 or more, not {value!r}"
    if name == "retry_backoff" and (
        isinstance(value, bool) or not isinstance(value, int | float) or value < 0
    ):
        return f"must be a number of seconds, 0 or more, not {value!r}"
    if name == "timeout" and (
        isinstance(value, bool) or not isinstance(value, int | float) or value <= 0
    ):
        return f"must be a number of seconds greater than 0, not {value!r}"
    if name == "backend" and (not isinstance(value, str) or not value):
        return f'must be a backend name in quotes, e.g. backend="dask", not {value!r}'
    return None


def check_keywords(
    checked: Checked, functions: Mapping[str, Callable[..., Any]], source: Source
) -> None:
    """Every bound argument of a Python task names a parameter its function has."""
    defs = checked.definitions
    calls = [t.target for t in defs.tasks.values()]
    calls += [c for let in defs.lets.values() for c in walk_calls(let.body)]
    calls += list(walk_calls(checked.run.body))
    for call in calls:
        root = defs.root(call.name.text)
        if root not in functions:
            continue
        for arg in call.args or ():
            problem = keyword_problem(functions[root], arg.name.text) if arg.name else None
            if problem:
                raise source.error_at(arg.name or arg, f"function '{root}' {problem}")


def check(module: ast.Module, source: Source, params: Mapping[str, Any]) -> Checked:
    """Check ``module`` with the final parameter values; returns what lowering needs."""
    return _Checker(module, source, params).run()
