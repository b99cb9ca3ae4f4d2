"""Graph builders shared by the export tests (fixtures, so no test imports another)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from asyncflow.graph import TaskGraph

#: states given to the diamond's nodes by ``diamond(run=True)``
RUN_STATES = {
    "load": "DONE",
    "clean": "DONE",
    "fetch": "FAILED",
    "merge": "SKIPPED",
    "analyse": "CANCELLED",
    "group": "RUNNING",
    "report": "PENDING",
}


def _diamond(run: bool = False) -> TaskGraph:
    """load → (clean, fetch) → merge → (analyse map ×64, group) → report; every kind once."""
    graph = TaskGraph()
    graph.add_task("load", name="load", kind="input")
    graph.add_task("clean", name="clean", kind="function")
    graph.add_task("fetch", name="fetch_remote", kind="executable")
    graph.add_task("merge", name="merge", kind="function")
    graph.add_task("analyse", name="analyse", kind="map", count=64)
    graph.add_task("group", name="group", kind="group")
    graph.add_task("report", name="report", kind="block")
    edges = [
        ("load", "clean"),
        ("load", "fetch"),
        ("clean", "merge"),
        ("fetch", "merge"),
        ("merge", "analyse"),
        ("merge", "group"),
        ("analyse", "report"),
        ("group", "report"),
    ]
    graph.add_edges_from(edges)
    if run:
        for index, (node, state) in enumerate(RUN_STATES.items()):
            graph.nodes[node]["state"] = state
            graph.nodes[node]["timings"] = {"started": 100.0, "finished": 100.0 + 1.5 * index}
        graph.nodes["fetch"]["error"] = "exit status 2"
    return graph


def _fan_out(n: int = 500, failed: int = 0, name: str = "work") -> TaskGraph:
    """split → n × ``name`` → combine; the first ``failed`` workers FAILED, others DONE."""
    graph = TaskGraph()
    graph.add_task("split", name="split", kind="function")
    graph.add_task("combine", name="combine", kind="function")
    for i in range(n):
        node = f"w{i:05d}"
        graph.add_task(node, name=name, kind="function")
        graph.add_edge("split", node)
        graph.add_edge(node, "combine")
    if failed:
        for node in graph:
            graph.nodes[node]["state"] = "DONE"
        for i in range(failed):
            graph.nodes[f"w{i:05d}"]["state"] = "FAILED"
        graph.nodes["combine"]["state"] = "SKIPPED"
    return graph


def _chain(n: int, name: str | None = None) -> TaskGraph:
    graph = TaskGraph()
    for i in range(n):
        graph.add_task(f"s{i}", name=name or f"step_{i}", kind="function")
        if i:
            graph.add_edge(f"s{i - 1}", f"s{i}")
    return graph


@pytest.fixture
def diamond() -> Callable[..., TaskGraph]:
    """Builder: ``diamond(run=False)``."""
    return _diamond


@pytest.fixture
def fan_out() -> Callable[..., TaskGraph]:
    """Builder: ``fan_out(n=500, failed=0, name="work")``."""
    return _fan_out


@pytest.fixture
def chain() -> Callable[..., TaskGraph]:
    """Builder: ``chain(n, name=None)``."""
    return _chain
