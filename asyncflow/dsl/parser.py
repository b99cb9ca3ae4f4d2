"""Parse .flow text into the records of :mod:`asyncflow.dsl.ast`."""

from __future__ import annotations

import functools
from typing import Any

from lark import Token, v_args
from lark.exceptions import UnexpectedInput
from lark.tree import Meta
from lark.visitors import Transformer_NonRecursive

from asyncflow.dsl import ast
from asyncflow.dsl.diagnostics import Source, syntax_error, terminal_words
from asyncflow.dsl.grammar import flow_parser


def _ident(token: Token) -> ast.Ident:
    return ast.Ident(token.line or 1, token.column or 1, str(token))


def unquote(raw: str) -> str:
    """The value of a STRING token: a backslash escapes a quote or a backslash, nothing else."""
    body, out, index = raw[1:-1], [], 0
    while index < len(body):
        char = body[index]
        if char == "\\" and index + 1 < len(body) and body[index + 1] in "\\\"'":
            out.append(body[index + 1])
            index += 2
            continue
        out.append(char)
        index += 1
    return "".join(out)


@v_args(meta=True, inline=True)
class FlowTransformer(Transformer_NonRecursive):  # type: ignore[type-arg]
    """Build AST records from Lark's parse tree; every record keeps its line and column."""

    # values
    def string(self, meta: Meta, tok: Token) -> ast.Literal:
        return ast.Literal(meta.line, meta.column, unquote(str(tok)))

    def integer(self, meta: Meta, tok: Token) -> ast.Literal:
        return ast.Literal(meta.line, meta.column, int(tok))

    def float(self, meta: Meta, tok: Token) -> ast.Literal:
        return ast.Literal(meta.line, meta.column, float(tok))

    def true(self, meta: Meta) -> ast.Literal:
        return ast.Literal(meta.line, meta.column, True)

    def false(self, meta: Meta) -> ast.Literal:
        return ast.Literal(meta.line, meta.column, False)

    def param_ref(self, meta: Meta, tok: Token) -> ast.ParamRef:
        return ast.ParamRef(meta.line, meta.column, str(tok)[1:])

    def list_value(self, meta: Meta, *items: ast.Value) -> ast.ListValue:
        return ast.ListValue(meta.line, meta.column, tuple(items))

    # arguments and options
    def keyword_arg(self, meta: Meta, name: Token, value: ast.Value) -> ast.Arg:
        return ast.Arg(meta.line, meta.column, _ident(name), value)

    def positional_arg(self, meta: Meta, value: ast.Value) -> ast.Arg:
        return ast.Arg(meta.line, meta.column, None, value)

    def arguments(self, meta: Meta, *args: ast.Arg) -> tuple[ast.Arg, ...]:
        return args

    def option(self, meta: Meta, name: Token, value: ast.Value) -> ast.Option:
        return ast.Option(meta.line, meta.column, _ident(name), value)

    def options(self, meta: Meta, *options: ast.Option) -> tuple[ast.Option, ...]:
        return options

    # expressions
    def call(self, meta: Meta, name: Token, args: tuple[ast.Arg, ...] | None = None) -> ast.Call:
        return ast.Call(meta.line, meta.column, _ident(name), args)

    # a pipe or a group is placed at its operator, where composition errors point
    def pipe(self, meta: Meta, left: ast.Expr, op: Token, right: ast.Expr) -> ast.Pipe:
        return ast.Pipe(op.line or meta.line, op.column or meta.column, left, right)

    def par(self, meta: Meta, left: ast.Expr, op: Token, right: ast.Expr) -> ast.Par:
        return ast.Par(op.line or meta.line, op.column or meta.column, left, right)

    def list_group(self, meta: Meta, *items: ast.Expr) -> ast.ListGroup:
        return ast.ListGroup(meta.line, meta.column, tuple(items))

    def each(self, meta: Meta, body: ast.Expr) -> ast.Each:
        return ast.Each(meta.line, meta.column, body)

    # statements
    def file_source(self, meta: Meta, tok: Token) -> tuple[str, bool, int, int]:
        return unquote(str(tok)), True, meta.line, meta.column

    def module_source(self, meta: Meta, *parts: Token) -> tuple[str, bool, int, int]:
        return ".".join(str(p) for p in parts), False, meta.line, meta.column

    def import_name(self, meta: Meta, name: Token, alias: Token | None = None) -> ast.ImportName:
        return ast.ImportName(
            meta.line, meta.column, _ident(name), _ident(alias) if alias is not None else None
        )

    def import_stmt(
        self, meta: Meta, source: tuple[str, bool, int, int], *names: ast.ImportName
    ) -> ast.Import:
        text, is_file, line, column = source
        return ast.Import(meta.line, meta.column, text, is_file, line, column, tuple(names))

    def shell_def(
        self, meta: Meta, name: Token, template: Token, options: tuple[ast.Option, ...] = ()
    ) -> ast.ShellDef:
        literal = ast.Literal(template.line or 1, template.column or 1, unquote(str(template)))
        return ast.ShellDef(meta.line, meta.column, _ident(name), literal, options)

    def task_def(
        self, meta: Meta, name: Token, target: ast.Call, options: tuple[ast.Option, ...] = ()
    ) -> ast.TaskDef:
        return ast.TaskDef(meta.line, meta.column, _ident(name), target, options)

    def let_def(self, meta: Meta, name: Token, body: ast.Expr) -> ast.LetDef:
        return ast.LetDef(meta.line, meta.column, _ident(name), body)

    def param_def(self, meta: Meta, name: Token, default: ast.Value) -> ast.ParamDef:
        return ast.ParamDef(meta.line, meta.column, _ident(name), default)

    def backend_def(self, meta: Meta, name: Token) -> ast.BackendDef:
        text = unquote(str(name)) if name.type == "STRING" else str(name)
        return ast.BackendDef(
            meta.line, meta.column, ast.Ident(name.line or 1, name.column or 1, text)
        )

    def inputs(self, meta: Meta, *values: ast.Value) -> tuple[ast.Value, ...]:
        return values

    def run_stmt(self, meta: Meta, *parts: Any) -> ast.Run:
        inputs: tuple[ast.Value, ...] = parts[0] if len(parts) == 3 else ()
        return ast.Run(meta.line, meta.column, inputs, parts[-1])

    def start(self, meta: Meta, *statements: ast.Statement) -> ast.Module:
        return ast.Module(1, 1, tuple(statements))


@functools.cache
def _words() -> dict[str, str]:
    literals = {t.name: t.pattern.value for t in flow_parser().terminals if t.pattern.type == "str"}
    return terminal_words(literals)


def _accepts_at_end(text: str) -> set[str] | None:
    """What the parser would take at the end of ``text``, before it reduces for end of file.

    The exception Lark raises at the end of the file reports the state after those
    reductions, which forgets e.g. that '&' could still follow ``(a & b``.
    """
    try:
        interactive = flow_parser().parse_interactive(text)
        interactive.exhaust_lexer()
        return set(interactive.accepts())  # type: ignore[no-untyped-call]
    except UnexpectedInput:
        return None


def parse(text: str, filename: str = "<flow>") -> ast.Module:
    """Parse ``text`` into an :class:`ast.Module`; syntax errors raise FlowSyntaxError."""
    source = Source(filename, text)
    try:
        tree = flow_parser().parse(text)
    except UnexpectedInput as exc:
        raise syntax_error(exc, source, _words(), _accepts_at_end(text)) from exc
    module: ast.Module = FlowTransformer().transform(tree)
    return module
