"""The names a .flow file defines, and walks over pipeline expressions."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from asyncflow.dsl import ast
from asyncflow.dsl.diagnostics import Source


@dataclass
class Definitions:
    """Every name a pipeline expression can use, with the statement that defines it."""

    imports: dict[str, tuple[ast.Import, ast.ImportName]] = field(default_factory=dict)
    shells: dict[str, ast.ShellDef] = field(default_factory=dict)
    tasks: dict[str, ast.TaskDef] = field(default_factory=dict)
    lets: dict[str, ast.LetDef] = field(default_factory=dict)
    where: dict[str, ast.Ident] = field(default_factory=dict)

    def root(self, name: str) -> str:
        """The import or shell task a (chain of) ``task`` definition(s) stands for."""
        while name in self.tasks:
            name = self.tasks[name].target.name.text
        return name

    def chain(self, name: str) -> list[ast.TaskDef]:
        """The ``task`` definitions from ``name`` down to its root, outermost first."""
        found = []
        while name in self.tasks:
            found.append(self.tasks[name])
            name = self.tasks[name].target.name.text
        return found


def walk(expr: ast.Expr) -> Iterator[ast.Expr]:
    """Every node of ``expr``, parents before children (iteratively: pipelines may be long)."""
    stack: list[ast.Expr] = [expr]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.Pipe | ast.Par):
            stack += [node.right, node.left]
        elif isinstance(node, ast.ListGroup):
            stack += reversed(node.items)
        elif isinstance(node, ast.Each):
            stack.append(node.body)


def walk_calls(expr: ast.Expr) -> Iterator[ast.Call]:
    """Every call in ``expr``, left to right."""
    return (node for node in walk(expr) if isinstance(node, ast.Call))


def collect(module: ast.Module, source: Source) -> Definitions:
    """All definitions by name; a name defined twice is an error."""
    defs = Definitions()

    def claim(ident: ast.Ident) -> None:
        if ident.text in defs.where:
            first = defs.where[ident.text].line
            raise source.error_at(ident, f"'{ident.text}' is already defined on line {first}")
        defs.where[ident.text] = ident

    for stmt in module.statements:
        if isinstance(stmt, ast.Import):
            for name in stmt.names:
                claim(name.local)
                defs.imports[name.local.text] = (stmt, name)
        elif isinstance(stmt, ast.ShellDef):
            claim(stmt.name)
            defs.shells[stmt.name.text] = stmt
        elif isinstance(stmt, ast.TaskDef):
            claim(stmt.name)
            defs.tasks[stmt.name.text] = stmt
        elif isinstance(stmt, ast.LetDef):
            claim(stmt.name)
            defs.lets[stmt.name.text] = stmt
    return defs
