"""Parameters: defaults, overrides converted to the default's type, and their errors."""

from __future__ import annotations

from typing import Any

import pytest

from asyncflow.dsl import parse
from asyncflow.dsl.diagnostics import Source
from asyncflow.dsl.params import convert, resolve_params
from asyncflow.errors import FlowError

FLOW = """
param n = 10
param ratio = 0.5
param verbose = false
param name = "x"
param names = ["a", "b"]
param sizes = [1, 2]
param empty = []
"""


def values(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    return resolve_params(parse(FLOW), Source("p.flow", FLOW), overrides)


def test_defaults() -> None:
    assert values() == {
        "n": 10,
        "ratio": 0.5,
        "verbose": False,
        "name": "x",
        "names": ["a", "b"],
        "sizes": [1, 2],
        "empty": [],
    }


@pytest.mark.parametrize(
    ("name", "text", "value"),
    [
        ("n", "20", 20),
        ("n", " -3 ", -3),
        ("ratio", "2", 2.0),
        ("ratio", "1e-3", 0.001),
        ("verbose", "yes", True),
        ("verbose", "ON", True),
        ("verbose", "0", False),
        ("name", " spaced out ", " spaced out "),
        ("names", "x,y , z", ["x", "y", "z"]),
        ("names", "", []),
        ("names", '["a b", 2]', ["a b", 2]),
        ("sizes", "3,4", [3, 4]),
        ("empty", "p,q", ["p", "q"]),
    ],
)
def test_text_overrides_take_the_defaults_type(name: str, text: str, value: Any) -> None:
    result = values({name: text})[name]
    assert result == value
    assert type(result) is type(value)


def test_python_values_of_the_right_type_are_kept() -> None:
    assert values({"n": 7, "ratio": 3, "names": ["q"]})["ratio"] == 3.0
    assert values({"verbose": True})["verbose"] is True


@pytest.mark.parametrize(
    ("name", "given", "message"),
    [
        ("n", "ten", "cannot set parameter 'n' to 'ten': expected an integer (its default is 10)"),
        ("n", "1.5", "cannot set parameter 'n' to '1.5': expected an integer (its default is 10)"),
        ("ratio", "half", "cannot set parameter 'ratio' to 'half': expected a number"),
        ("verbose", "maybe", "cannot set parameter 'verbose' to 'maybe': expected true or false"),
        ("sizes", "1,x", "expected a comma-separated list of integers (its default is [1, 2])"),
        ("names", "[1,", 'expected a list such as a,b,c or ["a", "b"]'),
        ("n", True, "cannot set parameter 'n' to True: expected an integer"),
        ("name", 3, "cannot set parameter 'name' to 3: expected a string"),
    ],
)
def test_bad_override_points_at_the_declaration(name: str, given: Any, message: str) -> None:
    with pytest.raises(FlowError) as info:
        values({name: given})
    error = info.value
    assert message in error.message
    line = [n for n, text in enumerate(FLOW.splitlines(), 1) if text.startswith(f"param {name} ")]
    assert (error.line, error.column) == (line[0], 7)


def test_unknown_override_suggests_a_name() -> None:
    with pytest.raises(FlowError) as info:
        values({"nmae": "y"})
    assert info.value.message == (
        "unknown parameter 'nmae' (did you mean 'name'?); "
        "this file declares: n, ratio, verbose, name, names, sizes, empty"
    )
    assert info.value.line is None
    assert str(info.value).startswith("p.flow: error: unknown parameter 'nmae'")


def test_duplicate_and_reserved_parameters() -> None:
    text = "param a = 1\nparam a = 2\n"
    with pytest.raises(FlowError) as info:
        resolve_params(parse(text), Source("d.flow", text))
    assert (info.value.line, info.value.column) == (2, 7)
    assert info.value.message == "parameter 'a' is already declared on line 1"
    text = "param input = 1"
    with pytest.raises(FlowError, match="'input' is reserved for the upstream result"):
        resolve_params(parse(text), Source("d.flow", text))


def test_a_default_cannot_refer_to_another_parameter() -> None:
    text = "param a = 1\nparam b = [$a]\n"
    with pytest.raises(FlowError) as info:
        resolve_params(parse(text), Source("d.flow", text))
    assert (info.value.line, info.value.column) == (2, 12)
    assert info.value.message == "a parameter's default must be a literal value, not '$a'"


def test_convert_leaves_strings_alone() -> None:
    assert convert("$(rm -rf ~)", "default") == "$(rm -rf ~)"
