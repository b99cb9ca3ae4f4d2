"""Every entry of the error gallery in docs/dsl.md is exactly what loading its flow prints."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flow_gallery import gallery_entries

from asyncflow.errors import FlowError

ENTRIES = gallery_entries()

# where each gallery error points: (line, column), or None for errors about the command line
POSITIONS: dict[str, tuple[int, int] | None] = {
    "A token out of place": (2, 14),
    "The file ends too early": (2, 13),
    "An unterminated string": (1, 15),
    "A character that is not part of the language": (2, 12),
    "An unknown task": (2, 14),
    "A name defined twice": (2, 7),
    "A cycle of definitions": (2, 22),
    "A function the module does not have": (1, 24),
    "A module that cannot be imported": (1, 6),
    "A Python file that is not there": (1, 6),
    "A placeholder with no value": (2, 5),
    "An argument for a placeholder the template does not have": (2, 10),
    "A bad placeholder in a template": (1, 22),
    "An argument without a name": (2, 9),
    "An argument the function does not take": (2, 9),
    "each(...) around a pipeline": (3, 10),
    "A task that cannot take the piped input": (2, 12),
    "An unknown parameter": (3, 11),
    "An unknown parameter on the command line (`--set limt=5`)": None,
    "A value of the wrong type on the command line (`--set limit=ten`)": (1, 7),
    "A bad option value": (2, 37),
    "No `run` statement": (1, 30),
    "Two `run` statements": (3, 1),
}


def test_the_gallery_lists_every_expected_entry() -> None:
    assert [e.title for e in ENTRIES] == list(POSITIONS)


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.title for e in ENTRIES])
def test_gallery_entry(entry, error_of: Callable[..., FlowError]) -> None:  # type: ignore[no-untyped-def]
    error = error_of(entry.flow, params=entry.params)
    expected = POSITIONS[entry.title]
    assert (error.line, error.column) == (expected or (None, None))
    assert error.file is not None and error.file.endswith("demo.flow")
    rendered = str(error).replace(error.file, "demo.flow")
    assert rendered == entry.message
    if expected is not None:
        assert rendered.startswith(f"demo.flow:{expected[0]}:{expected[1]}: error: ")


def test_every_flow_example_of_the_reference_parses() -> None:
    from flow_gallery import DOC

    from asyncflow.dsl import parse

    reference = DOC.read_text().split("## Error gallery")[0]
    blocks = re.findall(r"```flow\n(.*?)```", reference, re.S)
    assert len(blocks) >= 3
    for block in blocks:
        assert parse(block, "reference.flow").statements
