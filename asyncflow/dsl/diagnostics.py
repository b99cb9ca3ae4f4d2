"""Turn problems found in a .flow file into :class:`FlowError` with a caret, in plain words.

Lark reports terminals by their internal names (``RPAR``, ``$END``, ``__ANON_0``); users
should never see those, so every expected terminal is described in words here.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from asyncflow.dsl import ast
from asyncflow.errors import FlowError


class FlowSyntaxError(FlowError):
    """The text of a .flow file does not follow the grammar."""


@dataclass(frozen=True)
class Source:
    """The text of one .flow file, to point at places in it."""

    filename: str
    text: str

    def line_text(self, line: int) -> str | None:
        lines = self.text.splitlines()
        return lines[line - 1] if 1 <= line <= len(lines) else None

    def error(
        self, message: str, line: int | None, column: int | None, kind: type[FlowError] = FlowError
    ) -> FlowError:
        """A FlowError at ``line``:``column`` of this file."""
        source_line = self.line_text(line) if line is not None else None
        return kind(message, file=self.filename, line=line, column=column, source_line=source_line)

    def error_at(self, node: ast.Node, message: str) -> FlowError:
        """A FlowError pointing at ``node``."""
        return self.error(message, node.line, node.column)

    def end(self) -> tuple[int, int]:
        """Line and column just after the last character that is not blank or a comment."""
        lines = self.text.splitlines() or [""]
        for number in range(len(lines), 0, -1):
            code = _strip_comment(lines[number - 1]).rstrip()
            if code:
                return number, len(code) + 1
        return 1, 1


def _strip_comment(line: str) -> str:
    quote = None
    for index, char in enumerate(line):
        if quote:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "#":
            return line[:index]
    return line


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest candidate, or an empty string."""
    close = difflib.get_close_matches(word, sorted(set(candidates)), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def join_words(words: list[str]) -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " or " + words[-1]


# --- syntax errors -----------------------------------------------------------------------

NAMED_TERMINALS = {
    "NAME": "a name",
    "STRING": "a string",
    "INT": "a number",
    "FLOAT": "a number",
    "PARAM_REF": "a $parameter",
    "$END": "end of file",
}
KEYWORDS = {
    "from",
    "import",
    "as",
    "shell",
    "task",
    "let",
    "param",
    "backend",
    "run",
    "with",
    "each",
    "true",
    "false",
}
STATEMENT_STARTS = {"FROM", "SHELL", "TASK", "LET", "PARAM", "BACKEND", "RUN"}
EXPRESSION_STARTS = {"NAME", "EACH", "LPAR", "LSQB"}
VALUE_STARTS = {"STRING", "INT", "FLOAT", "TRUE", "FALSE", "PARAM_REF", "LSQB"}


def terminal_words(literals: dict[str, str]) -> dict[str, str]:
    """Words for every terminal: ``literals`` maps a terminal to its fixed text."""
    words = {name: f"'{text}'" for name, text in literals.items()}
    words.update(NAMED_TERMINALS)
    return words


def describe_expected(expected: set[str], words: dict[str, str]) -> str:
    """The terminals a parser would accept, said in words, most useful first."""
    expected = set(expected)
    parts: list[str] = []
    if expected >= EXPRESSION_STARTS:
        parts.append("a task name")
        expected -= {"NAME"}
    if expected >= VALUE_STARTS and "NAME" in expected:
        parts.append("an argument (name=value)")
        expected -= VALUE_STARTS | {"NAME"}
    if expected >= VALUE_STARTS:
        parts.append("a value (a number, a string, true, false, a $parameter or a [list])")
        expected -= VALUE_STARTS
    statement = expected >= STATEMENT_STARTS
    expected -= STATEMENT_STARTS if statement else set()
    end = "$END" in expected
    expected.discard("$END")
    order = ["PIPE", "AMP", "COMMA", "RPAR", "RSQB", "LPAR", "LSQB", "EACH", "EQUAL"]
    rest = sorted(expected, key=lambda t: (order.index(t) if t in order else len(order), t))
    parts.extend(words.get(t, "a symbol") for t in rest)
    if statement:
        parts.append("a new statement")
    if end:
        parts.append("end of file")
    seen: list[str] = []
    for part in parts:
        if part not in seen:
            seen.append(part)
    return join_words(seen)


def describe_token(token: Token) -> str:
    """How to name the token that the parser did not expect."""
    text = str(token)
    if len(text) > 40:
        token = Token(token.type, text[:37] + "...")
    if token.type == "NAME":
        return f"name '{token}'"
    if token.type == "STRING":
        return f"string {token}"
    if token.type in ("INT", "FLOAT"):
        return f"number {token}"
    if token.type == "PARAM_REF":
        return f"parameter reference '{token}'"
    if str(token) in KEYWORDS:
        return f"keyword '{token}'"
    return f"'{token}'"


def syntax_error(
    exc: UnexpectedInput,
    source: Source,
    words: dict[str, str],
    accepts_at_end: set[str] | None = None,
) -> FlowError:
    """The FlowError that tells the user what Lark's exception means."""
    if (isinstance(exc, UnexpectedToken) and exc.token.type == "$END") or isinstance(
        exc, UnexpectedEOF
    ):
        line, column = source.end()
        expected = accepts_at_end or getattr(exc, "accepts", None) or exc.expected
        wanted = describe_expected(set(expected) - {"$END"}, words)
        message = "unexpected end of file" + (f", expected {wanted}" if wanted else "")
        return source.error(message, line, column, FlowSyntaxError)
    if isinstance(exc, UnexpectedToken):
        wanted = describe_expected(set(exc.accepts or exc.expected), words)
        message = f"unexpected {describe_token(exc.token)}"
        if wanted:
            message += f", expected {wanted}"
        return source.error(message, exc.line, exc.column, FlowSyntaxError)
    if isinstance(exc, UnexpectedCharacters):
        position = exc.pos_in_stream or 0
        char = source.text[position] if position < len(source.text) else ""
        if char in "\"'":
            message = f"unterminated string: add the closing {char} on the same line"
        elif char == "$":
            message = "'$' must be followed by a parameter name, e.g. $count"
        else:
            message = f"unexpected character {char!r}"
        return source.error(message, exc.line, exc.column, FlowSyntaxError)
    return source.error("the file cannot be parsed", exc.line, exc.column, FlowSyntaxError)
