"""Shell command templates as the .flow checks see them: plain ``{name}`` placeholders."""

from __future__ import annotations

import string

from asyncflow.dsl import ast
from asyncflow.dsl.diagnostics import Source


def _field_column(source: Source, template: ast.Literal, field_name: str) -> int:
    """The column of ``{field_name`` inside the template's string, else the string's."""
    line = source.line_text(template.line) or ""
    found = line.find("{" + field_name, template.column)
    return found + 1 if found >= 0 else template.column


def template_fields(template: ast.Literal, source: Source) -> tuple[str, ...]:
    """The placeholder names of a shell template, in order of first use."""
    text = str(template.value)
    if not text.strip():
        raise source.error_at(template, "a shell command template cannot be empty")
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise source.error_at(
            template, f"bad command template: {exc}; write '{{{{' or '}}}}' for a literal brace"
        ) from exc
    names: list[str] = []
    for _, field_name, spec, conversion in parsed:
        if field_name is None:
            continue
        column = _field_column(source, template, field_name)
        if not field_name.isidentifier():
            raise source.error(
                f"bad placeholder {{{field_name}}}: a placeholder is a name, like {{input}} "
                "or {count}; write '{{' or '}}' for a literal brace",
                template.line,
                column,
            )
        if spec or conversion:
            raise source.error(
                f"placeholder {{{field_name}}} cannot have a format; write {{{field_name}}}",
                template.line,
                column,
            )
        if field_name not in names:
            names.append(field_name)
    return tuple(names)
