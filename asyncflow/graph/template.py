"""Shell command templates whose substituted values are always shell-quoted."""

from __future__ import annotations

import shlex
import string
from typing import Any

from asyncflow.errors import CompositionError


class _QuotingFormatter(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, list | tuple):
            return " ".join(shlex.quote(format(item, format_spec)) for item in value)
        return shlex.quote(format(value, format_spec))


_FORMATTER = _QuotingFormatter()


def _reject_quoted_placeholders(template: str) -> None:
    """A placeholder inside '...' or "..." would defeat the quoting of its value."""
    quote: str | None = None
    escaped = False
    for literal, field, _, _ in string.Formatter().parse(template):
        for char in literal:
            if escaped:
                escaped = False
            elif char == "\\" and quote != "'":
                escaped = True
            elif quote is None and char in "'\"":
                quote = char
            elif char == quote:
                quote = None
        if field is not None and quote is not None:
            raise CompositionError(
                f"shell template {template!r}: the placeholder {{{field}}} is inside "
                f"{quote}...{quote} quotes; remove those quotes: every substituted value is "
                "already quoted as one argument, and quotes around it would let the shell "
                "interpret it"
            )


class ShellTemplate:
    """``ShellTemplate("wc -l {input}")("my file")`` → ``"wc -l 'my file'"``.

    ``{input}`` is the first positional value; ``{0}``, ``{1}`` index the positional values;
    other fields are keyword values. A list or tuple becomes several quoted words; ``{{``
    and ``}}`` are literal braces. Values are never evaluated by the shell.
    """

    __slots__ = ("placeholders", "template")

    def __init__(self, template: str) -> None:
        if not isinstance(template, str) or not template.strip():
            raise CompositionError(f"a shell template must be a non-empty string, got {template!r}")
        try:
            fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
        except ValueError as exc:
            raise CompositionError(f"bad shell template {template!r}: {exc}") from None
        _reject_quoted_placeholders(template)
        names = set()
        for field in fields:
            root = field.split(".", 1)[0].split("[", 1)[0]
            if root == "":
                raise CompositionError(
                    f"shell template {template!r} has an empty placeholder {{}}; "
                    "name it, e.g. {input}"
                )
            names.add(root)
        self.template = template
        self.placeholders = frozenset(names)

    def __call__(self, *inputs: Any, **values: Any) -> str:
        fields = dict(values)
        if inputs and "input" not in fields:
            fields["input"] = inputs[0]
        try:
            return _FORMATTER.vformat(self.template, inputs, fields)
        except (KeyError, IndexError) as exc:
            raise CompositionError(
                f"shell template {self.template!r} has no value for placeholder {exc}"
            ) from None

    def __reduce__(self) -> tuple[Any, ...]:
        return (ShellTemplate, (self.template,))

    def __repr__(self) -> str:
        return f"ShellTemplate({self.template!r})"
