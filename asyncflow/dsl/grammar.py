"""Find the one grammar file, from an installed wheel or from a source checkout.

The repository keeps the grammar at ``grammar/flow.lark``; the wheel ships that folder as
the package ``asyncflow.grammar`` (``package-dir`` in pyproject.toml). A checkout run in
place has no ``asyncflow.grammar`` package, so the file is then taken from the tree.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

from lark import Lark

from asyncflow.errors import FlowError

GRAMMAR_FILE = "flow.lark"
_SOURCE_TREE = Path(__file__).resolve().parents[2] / "grammar" / GRAMMAR_FILE


def grammar_path() -> Path:
    """The path of ``flow.lark``: inside the installed package, else in the source tree."""
    try:
        packaged = resources.files("asyncflow.grammar") / GRAMMAR_FILE
    except ModuleNotFoundError:
        packaged = None
    if packaged is not None and packaged.is_file():
        return Path(str(packaged))
    if _SOURCE_TREE.is_file():
        return _SOURCE_TREE
    raise FlowError(
        f"the .flow grammar ({GRAMMAR_FILE}) is missing from this installation of asyncflow; "
        "reinstall the package"
    )


def grammar_text() -> str:
    """The text of the grammar."""
    return grammar_path().read_text(encoding="utf-8")


@functools.cache
def flow_parser() -> Lark:
    """The LALR parser for .flow files, built once per process."""
    return Lark(
        grammar_text(),
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=False,
    )
