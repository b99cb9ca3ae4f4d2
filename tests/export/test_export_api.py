"""The public surface of asyncflow.export: names, accepted inputs, errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

import asyncflow.export as export
from asyncflow.errors import AsyncflowError, CycleError, GraphError
from asyncflow.export import draw, layout, plot, render_png_bytes, to_dot, to_mermaid

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(30)
def test_exported_names() -> None:
    assert export.__all__ == sorted(export.__all__)
    assert set(export.__all__) == {
        "DEFAULT_COLLAPSE_THRESHOLD",
        "DEFAULT_MAX_LABELS",
        "GraphLayout",
        "LayoutEdge",
        "LayoutNode",
        "draw",
        "layout",
        "plot",
        "render_png_bytes",
        "render_svg_text",
        "to_dot",
        "to_mermaid",
    }
    for name in export.__all__:
        assert getattr(export, name) is not None


@pytest.mark.timeout(60)
def test_import_does_not_load_matplotlib() -> None:
    code = (
        "import sys, asyncflow.export as e\n"
        "e.to_dot(__import__('networkx').DiGraph([(1, 2)]))\n"
        "e.layout(__import__('networkx').DiGraph([(1, 2)]))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


class Wrapper:
    """Stands for a Pipeline / WorkflowEngine: anything with a ``.graph``."""

    def __init__(self, graph: object) -> None:
        self.graph = graph


class Program:
    """Stands for a loaded .flow program: ``.pipeline.graph``."""

    def __init__(self, graph: object) -> None:
        self.pipeline = Wrapper(graph)


class Plan:
    """An ExecutionPlan-like object exposing the graph through a method."""

    def __init__(self, graph: nx.DiGraph) -> None:
        self._graph = graph

    def graph(self) -> nx.DiGraph:
        return self._graph


@pytest.mark.parametrize(
    "wrap",
    [lambda g: g, Wrapper, lambda g: Wrapper(Wrapper(g)), Program, Plan],
    ids=["graph", "wrapper", "nested", "flow-program", "method"],
)
def test_accepts_graph_and_wrappers(wrap, diamond) -> None:
    obj = wrap(diamond())
    assert len(layout(obj).nodes) == 7
    assert to_dot(obj) == to_dot(diamond())
    assert to_mermaid(obj) == to_mermaid(diamond())
    assert render_png_bytes(obj).startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize(
    ("bad", "type_name"),
    [(42, "int"), ([1, 2], "list"), (Wrapper(3), "Wrapper"), (None, "NoneType")],
)
@pytest.mark.parametrize("function", [draw, layout, to_dot, to_mermaid, render_png_bytes])
def test_type_error_names_the_type_and_what_is_accepted(function, bad, type_name) -> None:
    with pytest.raises(TypeError) as info:
        function(bad)
    message = str(info.value)
    assert repr(type_name) in message
    assert "networkx.DiGraph" in message
    assert ".graph" in message


def test_undirected_graph_is_refused_with_a_hint() -> None:
    with pytest.raises(TypeError, match="undirected Graph.*nx.DiGraph"):
        to_dot(nx.Graph([(1, 2)]))


def _cyclic() -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_node("x", name="prepare")
    graph.add_node("y", name="train")
    graph.add_node("z", name="evaluate")
    graph.add_node("s", name="start")
    graph.add_edges_from([("s", "x"), ("x", "y"), ("y", "z"), ("z", "x")])
    return graph


@pytest.mark.parametrize("function", [draw, layout, to_dot, to_mermaid])
def test_cycle_raises_cycle_error_naming_the_cycle(function) -> None:
    with pytest.raises(CycleError) as info:
        function(_cyclic())
    error = info.value
    assert isinstance(error, GraphError) and isinstance(error, AsyncflowError)
    assert sorted(error.cycle) == ["evaluate", "prepare", "train"]
    # the cycle is named in edge order, whatever node it starts from
    order = ["prepare", "train", "evaluate"]
    start = order.index(error.cycle[0])
    assert error.cycle == order[start:] + order[:start]
    assert "->" in str(error)
    assert isinstance(error.__cause__, nx.NetworkXUnfeasible)


def test_self_loop_is_a_cycle() -> None:
    graph = nx.DiGraph([("a", "a")])
    with pytest.raises(CycleError) as info:
        layout(graph)
    assert info.value.cycle == ["a"]
    assert "a -> a" in str(info.value)


def test_unknown_extension_is_refused_before_drawing(tmp_path, diamond) -> None:
    target = tmp_path / "out.jpg"
    with pytest.raises(ValueError, match=r"'\.jpg'.*\.png, \.svg, \.pdf"):
        plot(diamond(), target)
    with pytest.raises(ValueError, match=r"'\(none\)'"):
        draw(diamond(), tmp_path / "noext")
    assert not target.exists()


def test_bad_options_are_refused(diamond) -> None:
    with pytest.raises(ValueError, match="by must be"):
        draw(diamond(), by="colour")
    with pytest.raises(ValueError, match="collapse_threshold"):
        layout(diamond(), collapse_threshold=0)
    with pytest.raises(ValueError, match="max_labels"):
        draw(diamond(), max_labels=-1)
    with pytest.raises(TypeError, match="plot"):
        render_png_bytes(diamond(), path="x.png")
