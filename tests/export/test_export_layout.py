"""layout(): columns, crossing reduction, positions and collapsing, without rendering."""

from __future__ import annotations

import itertools
import random
import time

import networkx as nx
import pytest

from asyncflow.export import DEFAULT_COLLAPSE_THRESHOLD, layout

TIMES = "\u00d7"


def _by_name(lay):
    return {node.name: node for node in lay.nodes}


def test_diamond_columns_rows_and_waypoints() -> None:
    graph = nx.DiGraph([("a", "b"), ("a", "c"), ("b", "d"), ("c", "d"), ("a", "d")])
    lay = layout(graph)
    nodes = _by_name(lay)
    assert [nodes[n].layer for n in "abcd"] == [0, 1, 1, 2]
    assert lay.n_layers == 3 and lay.n_tasks == 4 and lay.crossings == 0
    assert {nodes["b"].order, nodes["c"].order} == {0, 1}
    assert abs(nodes["b"].y - nodes["c"].y) >= 1.0  # one row apart at least
    assert min([n.y for n in lay.nodes] + [y for e in lay.edges for _, y in e.points]) == 0.0
    # a plain DiGraph: names are ids, kind function, state PENDING
    assert {(n.name, n.kind, n.state) for n in lay.nodes} == {
        (x, "function", "PENDING") for x in "abcd"
    }
    long_edge = next(e for e in lay.edges if (e.source, e.target) == (0, 3))
    assert [layer for layer, _ in long_edge.points] == [0, 1, 2]  # one waypoint in column 1
    assert [(e.source, e.target) for e in lay.edges] == [(0, 1), (0, 2), (0, 3), (1, 3), (2, 3)]


def test_layout_is_deterministic_whatever_the_insertion_order() -> None:
    edges = [(f"n{i}", f"n{j}") for i in range(12) for j in range(i + 1, 12) if (i * j) % 5 == 1]
    first = nx.DiGraph(edges)
    shuffled = list(edges)
    random.Random(3).shuffle(shuffled)
    second = nx.DiGraph(shuffled)

    def snapshot(lay):
        return [(n.members, n.layer, n.order, n.y) for n in lay.nodes]

    assert snapshot(layout(first)) == snapshot(layout(second))
    assert snapshot(layout(first)) == snapshot(layout(first))


def test_crossing_reduction_untangles_a_twisted_graph() -> None:
    # sorted ids put a0 above a1 but their children the other way round
    graph = nx.DiGraph([("a0", "b9"), ("a1", "b0"), ("b9", "c9"), ("b0", "c0")])
    lay = layout(graph)
    assert lay.crossings == 0
    nodes = _by_name(lay)
    assert (nodes["a0"].order < nodes["a1"].order) == (nodes["b9"].order < nodes["b0"].order)


def test_rows_do_not_overlap_in_any_column() -> None:
    rng = random.Random(7)
    graph = nx.DiGraph()
    for v in range(1, 120):
        for u in rng.sample(range(max(0, v - 15), v), k=min(v, 2)):
            graph.add_edge(u, v)
    lay = layout(graph)
    for column in lay.layers:
        ys = [node.y for node in column]
        assert ys == sorted(ys)
        assert all(b - a >= 1.0 - 1e-6 for a, b in itertools.pairwise(ys))
    for edge in lay.edges:
        layers = [layer for layer, _ in edge.points]
        assert layers == list(range(layers[0], layers[-1] + 1))


def test_source_is_pulled_next_to_its_consumer() -> None:
    graph = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "d"), ("config", "d")])
    nodes = _by_name(layout(graph))
    assert nodes["config"].layer == nodes["d"].layer - 1 == 2


def test_fan_out_of_500_becomes_one_node(fan_out) -> None:
    lay = layout(fan_out(500))
    assert len(lay.nodes) == 3
    assert [n.label for n in lay.nodes] == ["split", f"work {TIMES}500", "combine"]
    (group,) = lay.groups
    assert group.collapsed and group.count == 500 and len(group.members) == 500
    assert lay.node_of("w00042") is group
    assert group.layer == 1
    assert [(e.source, e.target) for e in lay.edges] == [(0, 1), (1, 2)]


def test_group_with_failures_shows_the_count_and_majority_state(fan_out) -> None:
    group = layout(fan_out(1000, failed=3)).groups[0]
    assert group.state == "DONE"
    assert group.failed == 3
    assert group.states == {"DONE": 997, "FAILED": 3}
    assert group.label == f"work {TIMES}1000 (3 failed)"


def test_majority_ties_go_to_the_failed_state(fan_out) -> None:
    graph = fan_out(20, failed=10)
    assert layout(graph).groups[0].state == "FAILED"


@pytest.mark.parametrize(
    ("n", "threshold", "drawn"),
    [
        (DEFAULT_COLLAPSE_THRESHOLD, DEFAULT_COLLAPSE_THRESHOLD, DEFAULT_COLLAPSE_THRESHOLD + 2),
        (DEFAULT_COLLAPSE_THRESHOLD + 1, DEFAULT_COLLAPSE_THRESHOLD, 3),
        (50, None, 52),
        (50, 49, 3),
        (50, 50, 52),
    ],
)
def test_collapse_threshold(fan_out, n, threshold, drawn) -> None:
    assert len(layout(fan_out(n), collapse_threshold=threshold).nodes) == drawn


def test_per_item_chains_collapse_column_by_column() -> None:
    graph = nx.DiGraph()
    for i in range(100):
        graph.add_node(f"a{i}", name="fetch", kind="executable")
        graph.add_node(f"b{i}", name="parse", kind="function")
        graph.add_edge("start", f"a{i}")
        graph.add_edge(f"a{i}", f"b{i}")
        graph.add_edge(f"b{i}", "end")
    lay = layout(graph)
    assert [n.label for n in lay.nodes] == [
        "start",
        f"fetch {TIMES}100",
        f"parse {TIMES}100",
        "end",
    ]
    assert lay.nodes[1].kind == "executable"


def test_same_name_in_different_fan_outs_gives_separate_groups() -> None:
    graph = nx.DiGraph()
    for source in ("left", "right"):
        for i in range(30):
            graph.add_node(f"{source}{i}", name="work")
            graph.add_edge(source, f"{source}{i}")
            graph.add_edge(f"{source}{i}", f"{source}_sink")
        graph.add_node(f"{source}_sink", name="sink")
        graph.add_node(source, name="source")
    lay = layout(graph)
    groups = lay.groups
    assert len(groups) == 2 and [g.count for g in groups] == [30, 30]
    assert {frozenset(g.members) for g in groups} == {
        frozenset(f"left{i}" for i in range(30)),
        frozenset(f"right{i}" for i in range(30)),
    }
    assert len(lay.nodes) == 6


def test_partial_wiring_is_never_hidden_by_a_group() -> None:
    # 40 alike workers, but only some feed the "audit" task: drawing them as one node
    # with an edge to audit would be a lie, so they split by their exact neighbours
    graph = nx.DiGraph()
    for i in range(40):
        graph.add_node(i, name="work")
        graph.add_edge("src", i)
        graph.add_edge(i, "sink")
        if i < 25:
            graph.add_edge(i, "audit")
    lay = layout(graph)
    assert sorted(g.count for g in lay.groups) == [15, 25]
    audit = next(n for n in lay.nodes if n.name == "audit")
    feeding = [e.source for e in lay.edges if e.target == audit.index]
    assert [lay.nodes[i].count for i in feeding] == [25]


def test_chain_of_same_named_tasks_is_not_collapsed(chain) -> None:
    lay = layout(chain(60, name="step"))
    assert len(lay.nodes) == 60 and not lay.groups
    assert [n.layer for n in lay.nodes] == list(range(60))


def test_map_node_count_is_shown(diamond) -> None:
    nodes = _by_name(layout(diamond()))
    assert nodes["analyse"].label == f"analyse {TIMES}64"
    assert not nodes["analyse"].collapsed


def test_group_duration_spans_first_start_to_last_finish(fan_out) -> None:
    graph = fan_out(30)
    for i in range(30):
        graph.nodes[f"w{i:05d}"]["timings"] = {"started": 10.0 + i, "finished": 12.0 + i}
    nodes = _by_name(layout(graph))
    assert nodes["work"].duration == pytest.approx(31.0)
    assert nodes["split"].duration is None


@pytest.mark.timeout(60)
def test_ten_thousand_tasks_lay_out_in_seconds(fan_out) -> None:
    start = time.perf_counter()
    lay = layout(fan_out(10_000, failed=7))
    assert time.perf_counter() - start < 10
    assert len(lay.nodes) == 3
    assert lay.groups[0].label == f"work {TIMES}10000 (7 failed)"
