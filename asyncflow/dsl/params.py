"""Parameters: defaults from the file, overrides from the command line, typed values.

An override given as text (``--set n=20``) takes the type of the parameter's default:
int, float, bool, str, or a list (``a,b,c`` or a .flow list literal ``["a", "b"]``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from asyncflow.dsl import ast
from asyncflow.dsl.diagnostics import Source, did_you_mean
from asyncflow.errors import FlowError

RESERVED = frozenset({"input"})
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}
_TYPE_WORDS = {
    bool: "true or false",
    int: "an integer",
    float: "a number",
    str: "a string",
    list: "a list",
}


def literal_value(value: ast.Value, source: Source) -> Any:
    """The Python value of a literal (a parameter default): no ``$references`` allowed."""
    if isinstance(value, ast.Literal):
        return value.value
    if isinstance(value, ast.ListValue):
        return [literal_value(item, source) for item in value.items]
    raise source.error_at(
        value, f"a parameter's default must be a literal value, not '${value.name}'"
    )


def declared_params(module: ast.Module, source: Source) -> dict[str, tuple[ast.ParamDef, Any]]:
    """Each declared parameter with its default value, in file order; duplicates refused."""
    declared: dict[str, tuple[ast.ParamDef, Any]] = {}
    for param in module.of_type(ast.ParamDef):
        name = param.name.text
        if name in RESERVED:
            raise source.error_at(
                param.name, f"'{name}' is reserved for the upstream result; choose another name"
            )
        if name in declared:
            first = declared[name][0].name.line
            raise source.error_at(
                param.name, f"parameter '{name}' is already declared on line {first}"
            )
        declared[name] = (param, literal_value(param.default, source))
    return declared


def _type_word(default: Any) -> str:
    return _TYPE_WORDS.get(type(default), type(default).__name__)


def convert(text: str, default: Any) -> Any:
    """``text`` as a value of ``default``'s type; ValueError says what was expected."""
    stripped = text.strip()
    if isinstance(default, bool):
        if stripped.lower() in _TRUE:
            return True
        if stripped.lower() in _FALSE:
            return False
        raise ValueError("expected true or false")
    if isinstance(default, int):
        try:
            return int(stripped)
        except ValueError:
            raise ValueError("expected an integer") from None
    if isinstance(default, float):
        try:
            return float(stripped)
        except ValueError:
            raise ValueError("expected a number") from None
    if isinstance(default, list):
        return _convert_list(stripped, default)
    return text


def _convert_list(text: str, default: list[Any]) -> list[Any]:
    if text.startswith("["):
        from asyncflow.dsl.parser import parse  # the .flow list syntax, e.g. ["a", 2]

        try:
            module = parse(f"param _ = {text}")
            (param,) = module.of_type(ast.ParamDef)
            value = literal_value(param.default, Source("<value>", text))
        except (FlowError, ValueError):
            raise ValueError('expected a list such as a,b,c or ["a", "b"]') from None
        if not isinstance(value, list):
            raise ValueError('expected a list such as a,b,c or ["a", "b"]')
        return value
    if not text:
        return []
    kinds = {type(item) for item in default}
    items = [item.strip() for item in text.split(",")]
    if len(kinds) == 1 and not isinstance(default[0], str):
        sample = default[0]
        try:
            return [convert(item, sample) for item in items]
        except ValueError:
            plural = {bool: "true/false values", int: "integers", float: "numbers"}
            words = plural.get(type(sample), "values")
            raise ValueError(f"expected a comma-separated list of {words}") from None
    return items


def _accepts(value: Any, default: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, float):
        return isinstance(value, int | float)
    return isinstance(value, type(default))


def resolve_params(
    module: ast.Module, source: Source, overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The final value of every parameter: defaults, then ``overrides`` converted to type."""
    declared = declared_params(module, source)
    values = {name: default for name, (_, default) in declared.items()}
    for name, given in (overrides or {}).items():
        if name not in declared:
            known = ", ".join(declared) or "no parameters"
            raise FlowError(
                f"unknown parameter '{name}'{did_you_mean(name, declared)}; "
                f"this file declares: {known}",
                file=source.filename,
            )
        param, default = declared[name]
        if isinstance(given, str):
            try:
                values[name] = convert(given, default)
            except ValueError as exc:
                raise source.error_at(
                    param.name,
                    f"cannot set parameter '{name}' to {given!r}: {exc} "
                    f"(its default is {_show(default)})",
                ) from exc
        elif _accepts(given, default):
            values[name] = float(given) if isinstance(default, float) else given
        else:
            raise source.error_at(
                param.name,
                f"cannot set parameter '{name}' to {given!r}: expected {_type_word(default)} "
                f"(its default is {_show(default)})",
            )
    return values


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_show(item) for item in value) + "]"
    return repr(value)


def evaluate(value: ast.Value, params: Mapping[str, Any]) -> Any:
    """The Python value of ``value`` with ``$references`` replaced (names already checked)."""
    if isinstance(value, ast.Literal):
        return value.value
    if isinstance(value, ast.ListValue):
        return [evaluate(item, params) for item in value.items]
    return params[value.name]
