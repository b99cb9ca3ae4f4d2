"""Frozen records for a parsed ``.flow`` file; every node knows its line and column (1-based).

The tree says what the file *says*, nothing more: names are not resolved, parameters are
not substituted. :mod:`asyncflow.dsl.check` validates it and :mod:`asyncflow.dsl.lower`
turns it into an operator pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Node:
    """Base of every record: where it starts in the file."""

    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Ident(Node):
    """A name as written, e.g. a task or an option name."""

    text: str


# --- values --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Literal(Node):
    """A string, integer, float or boolean written in the file."""

    value: str | int | float | bool


@dataclass(frozen=True, slots=True)
class ParamRef(Node):
    """``$name``: the value of a parameter."""

    name: str


@dataclass(frozen=True, slots=True)
class ListValue(Node):
    """``[v, ...]``: a list of values."""

    items: tuple[Value, ...]


Value = Literal | ParamRef | ListValue


@dataclass(frozen=True, slots=True)
class Arg(Node):
    """``name=value`` inside a call's parentheses (or ``value`` alone, which is refused)."""

    name: Ident | None
    value: Value


@dataclass(frozen=True, slots=True)
class Option(Node):
    """``name=value`` after ``with``."""

    name: Ident
    value: Value


# --- pipeline expressions ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Call(Node):
    """A task or named pipeline, with bound arguments when parentheses follow it."""

    name: Ident
    args: tuple[Arg, ...] | None = None


@dataclass(frozen=True, slots=True)
class Pipe(Node):
    """``left | right``: ``right`` receives ``left``'s result."""

    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Par(Node):
    """``left & right``: both receive the same input; the result is a tuple."""

    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class ListGroup(Node):
    """``[a, b, ...]``: a parallel group, like ``a & b`` inside a pipe."""

    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Each(Node):
    """``each(x)``: run ``x`` once per item of the input list."""

    body: Expr


Expr = Call | Pipe | Par | ListGroup | Each


# --- statements ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportName(Node):
    """``name`` or ``name as alias`` in an import."""

    name: Ident
    alias: Ident | None = None

    @property
    def local(self) -> Ident:
        """The name the file uses for this function."""
        return self.alias or self.name


@dataclass(frozen=True, slots=True)
class Import(Node):
    """``from "file.py" import ...`` or ``from package.module import ...``."""

    source: str
    is_file: bool
    source_line: int
    source_column: int
    names: tuple[ImportName, ...]


@dataclass(frozen=True, slots=True)
class ShellDef(Node):
    """``shell name = "template" [with options]``."""

    name: Ident
    template: Literal
    options: tuple[Option, ...] = ()


@dataclass(frozen=True, slots=True)
class TaskDef(Node):
    """``task name = other(args) [with options]``: a configured copy of a task."""

    name: Ident
    target: Call
    options: tuple[Option, ...] = ()


@dataclass(frozen=True, slots=True)
class LetDef(Node):
    """``let name = expr``: a named sub-pipeline."""

    name: Ident
    body: Expr


@dataclass(frozen=True, slots=True)
class ParamDef(Node):
    """``param name = default``."""

    name: Ident
    default: Value


@dataclass(frozen=True, slots=True)
class BackendDef(Node):
    """``backend name``."""

    name: Ident


@dataclass(frozen=True, slots=True)
class Run(Node):
    """``run [inputs |] expr``: the pipeline the file runs, with its initial inputs."""

    inputs: tuple[Value, ...]
    body: Expr


Statement = Import | ShellDef | TaskDef | LetDef | ParamDef | BackendDef | Run
Definition = ShellDef | TaskDef | LetDef


@dataclass(frozen=True, slots=True)
class Module(Node):
    """A whole ``.flow`` file: its statements in order."""

    statements: tuple[Statement, ...]

    def of_type(self, kind: type[Any]) -> list[Any]:
        """The statements of one type, in file order."""
        return [s for s in self.statements if isinstance(s, kind)]
