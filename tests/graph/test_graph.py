"""The graph IR: validation before anything runs, and operator associativity."""

from __future__ import annotations

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asyncflow import CompositionError, CycleError, TaskGraph, shell, task
from asyncflow.errors import UnknownTaskError
from asyncflow.graph import NodeKind, TaskSpec, validate

pytestmark = pytest.mark.timeout(60)


def step(x):
    return x


STEPS = [task(step, name=f"s{i}") for i in range(6)]


def _cycle_graph(names):
    graph = TaskGraph()
    for name in names:
        graph.add_task(
            name, name=name, kind=NodeKind.FUNCTION, spec=TaskSpec(name, NodeKind.FUNCTION)
        )
    for u, v in zip(names, names[1:] + names[:1], strict=True):
        graph.add_edge(u, v)
    return graph


def test_a_cycle_is_reported_with_its_tasks_in_order():
    with pytest.raises(CycleError) as info:
        validate(_cycle_graph(["fetch", "clean", "train"]))
    assert info.value.cycle == ["fetch", "clean", "train"]
    assert "fetch -> clean -> train -> fetch" in str(info.value)


def test_a_dangling_input_is_reported():
    graph = TaskGraph()
    graph.add_task(
        "b", name="b", kind="function", wiring="a", spec=TaskSpec("b", NodeKind.FUNCTION)
    )
    with pytest.raises(UnknownTaskError, match="'b' takes its input from 'a'"):
        validate(graph)


def test_a_shell_placeholder_without_a_value_is_reported():
    pipeline = task(step) | shell("cp {input} {dest}", name="copy")
    with pytest.raises(CompositionError, match=r"'copy'.*\{dest\}.*bind\(dest=...\)"):
        pipeline.plan()
    assert pipeline.graph.number_of_nodes() == 2
    fixed = task(step) | shell("cp {input} {dest}", name="copy").bind(dest="/tmp/x")
    assert fixed.plan().task("copy").bound == {"dest": "/tmp/x"}


def _compose(steps, splits, use_group):
    """Compose ``steps`` in a tree shape given by ``splits``."""
    if len(steps) == 1:
        return steps[0]
    cut = 1 + splits[0] % (len(steps) - 1)
    left = _compose(steps[:cut], splits[1:] or [0], use_group)
    right = _compose(steps[cut:], splits[1:] or [0], use_group)
    return (left & right) if use_group else (left | right)


def _match(n1, n2):
    return (n1["name"], n1["kind"]) == (n2["name"], n2["kind"])


@settings(max_examples=60, deadline=None)
@given(
    count=st.integers(min_value=2, max_value=6),
    splits_a=st.lists(st.integers(0, 10), min_size=1, max_size=6),
    splits_b=st.lists(st.integers(0, 10), min_size=1, max_size=6),
    use_group=st.booleans(),
)
def test_any_bracketing_gives_isomorphic_graphs(count, splits_a, splits_b, use_group):
    steps = STEPS[:count]
    first = _compose(steps, splits_a, use_group).pipeline().graph
    second = _compose(steps, splits_b, use_group).pipeline().graph
    assert nx.is_isomorphic(first, second, node_match=_match)
    expected_edges = 0 if use_group else count - 1
    assert first.number_of_edges() == expected_edges
    assert first.number_of_nodes() == count


def test_no_edge_is_dropped_in_a_fan_out_fan_in():
    a, b, c, d, e = STEPS[:5]
    pipeline = a | [b, c | d] | task(lambda pair: pair, name="join") | e
    edges = {
        (pipeline.graph.nodes[u]["name"], pipeline.graph.nodes[v]["name"])
        for u, v in pipeline.graph.edges
    }
    assert edges == {
        ("s0", "s1"),
        ("s0", "s2"),
        ("s2", "s3"),
        ("s1", "join"),
        ("s3", "join"),
        ("join", "s4"),
    }
