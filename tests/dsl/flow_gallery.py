"""Read the error gallery of docs/dsl.md: each entry is a title, a flow and its message."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "dsl.md"
_ENTRY = re.compile(
    r"^### (?P<title>.+?)\n+```flow\n(?P<flow>.*?)```\n+```text\n(?P<text>.*?)```", re.M | re.S
)
_SET = re.compile(r"`--set (\w+)=([^`]*)`")


@dataclass(frozen=True)
class Entry:
    title: str
    flow: str
    message: str
    params: dict[str, str]
    start: int  # offset of the message text in the doc
    end: int


def gallery_entries(doc: str | None = None) -> list[Entry]:
    """The entries after the '## Error gallery' heading, in order."""
    text = DOC.read_text() if doc is None else doc
    offset = text.index("## Error gallery")
    entries = []
    for match in _ENTRY.finditer(text, offset):
        params = dict(_SET.findall(match["title"]))
        entries.append(
            Entry(match["title"], match["flow"], match["text"].rstrip("\n"), params,
                  match.start("text"), match.end("text"))
        )  # fmt: skip
    return entries
