"""The .flow front-end: grammar, parser (text → AST), checks, and lowering to operators."""

from asyncflow.dsl.diagnostics import FlowSyntaxError
from asyncflow.dsl.grammar import grammar_path, grammar_text
from asyncflow.dsl.loader import FlowProgram, load_flow, parse_flow
from asyncflow.dsl.parser import parse

__all__ = [
    "FlowProgram",
    "FlowSyntaxError",
    "grammar_path",
    "grammar_text",
    "load_flow",
    "parse",
    "parse_flow",
]
