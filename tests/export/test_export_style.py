"""Label text helpers and the colour rule."""

from __future__ import annotations

import networkx as nx
import pytest

from asyncflow.export.style import choose_by, format_duration, shorten
from asyncflow.graph import TaskState


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.0, "0 µs"),
        (0.00085, "850 µs"),
        (0.012, "12 ms"),
        (3.4, "3.40 s"),
        (42.25, "42.2 s"),
        (125, "2m05s"),
        (3720, "1h02m"),
    ],
)
def test_format_duration(seconds, text) -> None:
    assert format_duration(seconds) == text


def test_shorten() -> None:
    assert shorten("short", 10) == "short"
    assert shorten("a_rather_long_task_name", 10) == "a_rather_…"
    assert shorten("two\nlines\tand  tabs", 40) == "two lines and tabs"


def test_colour_rule_follows_the_states() -> None:
    graph = nx.DiGraph()
    graph.add_node("a", state="PENDING")
    graph.add_node("b")
    assert choose_by(graph, None) == "kind"
    graph.nodes["b"]["state"] = TaskState.RUNNING
    assert choose_by(graph, None) == "state"
    assert choose_by(graph, "kind") == "kind"
    graph.nodes["b"]["state"] = "pending"  # case does not matter
    assert choose_by(graph, None) == "kind"
