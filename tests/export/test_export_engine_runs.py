"""Pictures of finished engine runs: mapped items are folded into their map node."""

from __future__ import annotations

import pytest

from asyncflow import WorkflowEngine, task
from asyncflow.export import to_mermaid
from asyncflow.export.source import as_graph

pytestmark = pytest.mark.timeout(60)


def square(x):
    if x == 3:
        raise ValueError("three")
    return x * x


def test_map_items_fold_into_the_map_node(tmp_path):
    with WorkflowEngine() as flow:
        run = flow.submit(task(square).map(), list(range(8)))
        run.exception = None
        with pytest.raises(ValueError):
            run.result(timeout=30)
        graph = as_graph(flow)
        assert flow.graph.number_of_nodes() == 9  # the map and its 8 items
        assert graph.number_of_nodes() == 1
        (data,) = [d for _, d in graph.nodes(data=True)]
        assert (data["kind"], data["count"], data["failed_items"], data["state"]) == ("map", 8, 1, "FAILED")
        assert "square" in to_mermaid(flow)
        flow.plot(tmp_path / "run.png")
    assert (tmp_path / "run.png").stat().st_size > 1000
