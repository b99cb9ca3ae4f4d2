"""Every example .flow has a Python operator twin: same graph, same result when run."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import networkx as nx
import pytest

from asyncflow import WorkflowEngine, shell, task
from asyncflow.dsl import FlowProgram, load_flow

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "flows"


def example_module(name: str) -> ModuleType:
    """A helper module of the examples, imported the ordinary way."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


# --- the twins: what a Python user writes for each example ------------------------------


def greetings_twin() -> tuple[Any, tuple[Any, ...]]:
    greet = shell("echo {greeting}, {input}!", name="greet", retries=1, timeout=10)
    pipeline = (
        greet.bind(greeting="Hello").map()
        | task(sorted, name="sorted")
        | task(json.dumps, name="dumps").bind(indent=2)
    )
    return pipeline, (["Ada", "Grace", "Linus"],)


def quoting_twin() -> tuple[Any, tuple[Any, ...]]:
    message = "hello; echo injected $(whoami) `id` | cat"
    say = shell("printf '%s' {message}", name="say").bind(message=message)
    shout = shell("printf '%s' {input} | tr a-z A-Z", name="shout")
    return say | shout, ()


def stdlib_stats_twin(limit: int) -> tuple[Any, tuple[Any, ...]]:
    tasks = example_module("stdlib_tasks")
    wc = shell("wc -l {input}", name="wc", timeout=30)
    measure = task(tasks.count_defs, name="measure", retries=1)
    pipeline = (
        task(tasks.list_modules, name="list_modules").bind(limit=limit)
        | [measure.map(), wc.map()]
        | task(tasks.summarize, name="summarize").bind(top=5)
    )
    return pipeline, ("auto",)


TWINS: dict[str, tuple[dict[str, str], Callable[[], tuple[Any, tuple[Any, ...]]]]] = {
    "greetings.flow": ({}, greetings_twin),
    "quoting.flow": ({}, quoting_twin),
    "stdlib_stats.flow": ({"limit": "25"}, lambda: stdlib_stats_twin(25)),
}


def node_facts(data: dict[str, Any]) -> tuple[Any, ...]:
    spec = data["spec"]
    inner = spec.inner or spec
    body = getattr(inner.fn, "template", None) or getattr(inner.fn.fn, "__qualname__", None)
    return (data["name"], data["kind"], data["backend"], body, dict(inner.bound), inner.options)


def load_example(name: str) -> FlowProgram:
    return load_flow(EXAMPLES / name, TWINS[name][0])


def test_every_example_has_a_twin() -> None:
    assert sorted(p.name for p in EXAMPLES.glob("*.flow")) == sorted(TWINS)


@pytest.mark.parametrize("name", sorted(TWINS))
def test_the_flow_and_its_twin_have_isomorphic_graphs(name: str) -> None:
    program = load_example(name)
    twin, inputs = TWINS[name][1]()
    assert nx.is_isomorphic(
        program.graph, twin.graph,
        node_match=lambda a, b: node_facts(a) == node_facts(b),
        edge_match=lambda a, b: a.get("slot") == b.get("slot"),
    )  # fmt: skip
    assert program.inputs == inputs


@pytest.mark.slow
@pytest.mark.timeout(120)
@pytest.mark.parametrize("name", sorted(TWINS))
def test_the_flow_and_its_twin_give_equal_results(name: str) -> None:
    program = load_example(name)
    twin, inputs = TWINS[name][1]()
    with WorkflowEngine(backend=program.backend) as flow:
        from_flow = flow.run(program.pipeline, *program.inputs, timeout=90)
    with WorkflowEngine() as flow:
        from_twin = flow.run(twin, *inputs, timeout=90)
    assert from_flow == from_twin
    EXPECTED[name](from_flow)


def _greetings(result: str) -> None:
    assert json.loads(result) == ["Hello, Ada!", "Hello, Grace!", "Hello, Linus!"]


def _quoting(result: str) -> None:
    assert result == "HELLO; ECHO INJECTED $(WHOAMI) `ID` | CAT"  # quoted: nothing ran


def _stdlib_stats(result: dict[str, Any]) -> None:
    assert result["modules"] == 25
    assert result["lines"] == result["wc_lines"] > 1000
    assert result["wc_agrees"] is True
    assert result["functions"] > 100
    sizes = [lines for _, lines in result["largest"]]
    assert len(sizes) == 5 and sizes == sorted(sizes, reverse=True)


EXPECTED: dict[str, Callable[[Any], None]] = {
    "greetings.flow": _greetings,
    "quoting.flow": _quoting,
    "stdlib_stats.flow": _stdlib_stats,
}


@pytest.mark.timeout(60)
def test_a_hostile_parameter_stays_one_argument(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    hostile = f"x; touch {marker}; $(touch {marker}) `touch {marker}`"
    program = load_flow(EXAMPLES / "quoting.flow", {"message": hostile})
    with WorkflowEngine() as flow:
        result = flow.run(program.pipeline, timeout=30)
    assert result == hostile.upper()
    assert not marker.exists()
