"""to_dot() and to_mermaid(): fixed expected text, escaping, determinism."""

from __future__ import annotations

import random
import shutil
import subprocess

import networkx as nx
import pytest

from asyncflow.export import to_dot, to_mermaid

TIMES = "\u00d7"

EDGES = [
    ("a", "b"),
    ("a", "c"),
    ("b", "d"),
    ("c", "d"),
    ("d", "e0"),
    ("d", "e1"),
    ("d", "e2"),
    ("e0", "f"),
    ("e1", "f"),
    ("e2", "f"),
]
NODES = {
    "a": ("load", "input"),
    "b": ("clean", "function"),
    "c": ("fetch", "executable"),
    "d": ("merge", "function"),
    "e0": ("score", "function"),
    "e1": ("score", "function"),
    "e2": ("score", "function"),
    "f": ("report", "block"),
}


def diamond_fan_out(order: list[str] | None = None) -> nx.DiGraph:
    """A diamond (a → b, c → d) then a fan-out d → e0..e2 → f."""
    graph = nx.DiGraph()
    for node in order or list(NODES):
        name, kind = NODES[node]
        graph.add_node(node, name=name, kind=kind, state="PENDING")
    graph.add_edges_from(EDGES)
    return graph


EXPECTED_DOT = """\
// asyncflow task graph: 8 tasks, 10 edges; coloured by kind
digraph asyncflow {
    rankdir=LR;
    node [fontname="Helvetica", fontsize=10];
    edge [color="#707070", arrowsize=0.7];
    "a" [label="load", shape=parallelogram, style="filled", fillcolor="#ececec", color="#6e6e6e"];
    "b" [label="clean", shape=box, style="rounded,filled", fillcolor="#dbe9f6", color="#41729f"];
    "c" [label="fetch", shape=hexagon, style="filled", fillcolor="#fde3c4", color="#b36b1e"];
    "d" [label="merge", shape=box, style="rounded,filled", fillcolor="#dbe9f6", color="#41729f"];
    "e0" [label="score", shape=box, style="rounded,filled", fillcolor="#dbe9f6", color="#41729f"];
    "e1" [label="score", shape=box, style="rounded,filled", fillcolor="#dbe9f6", color="#41729f"];
    "e2" [label="score", shape=box, style="rounded,filled", fillcolor="#dbe9f6", color="#41729f"];
    "f" [label="report", shape=box, style="filled", fillcolor="#e8def5", color="#6f5499", \
peripheries=2];
    "a" -> "b";
    "a" -> "c";
    "b" -> "d";
    "c" -> "d";
    "d" -> "e0";
    "d" -> "e1";
    "d" -> "e2";
    "e0" -> "f";
    "e1" -> "f";
    "e2" -> "f";
}
"""

EXPECTED_MERMAID = """\
flowchart LR
    %% asyncflow task graph: 8 tasks, 10 edges; coloured by kind
    n_a[/"load"/]
    n_b("clean")
    n_c{{"fetch"}}
    n_d("merge")
    n_e0("score")
    n_e1("score")
    n_e2("score")
    n_f[["report"]]
    n_a --> n_b
    n_a --> n_c
    n_b --> n_d
    n_c --> n_d
    n_d --> n_e0
    n_d --> n_e1
    n_d --> n_e2
    n_e0 --> n_f
    n_e1 --> n_f
    n_e2 --> n_f
    classDef kind_input fill:#ececec,stroke:#6e6e6e,color:#1d1d1d
    class n_a kind_input
    classDef kind_function fill:#dbe9f6,stroke:#41729f,color:#1d1d1d
    class n_b,n_d,n_e0,n_e1,n_e2 kind_function
    classDef kind_executable fill:#fde3c4,stroke:#b36b1e,color:#1d1d1d
    class n_c kind_executable
    classDef kind_block fill:#e8def5,stroke:#6f5499,color:#1d1d1d
    class n_f kind_block
"""


def test_dot_matches_expected_text() -> None:
    assert to_dot(diamond_fan_out()) == EXPECTED_DOT


def test_mermaid_matches_expected_text() -> None:
    assert to_mermaid(diamond_fan_out()) == EXPECTED_MERMAID


def test_text_does_not_depend_on_insertion_order() -> None:
    order = list(NODES)
    random.Random(11).shuffle(order)
    shuffled = diamond_fan_out(order)
    assert list(shuffled) != list(NODES)
    assert to_dot(shuffled) == EXPECTED_DOT
    assert to_mermaid(shuffled) == EXPECTED_MERMAID


def test_state_colours_after_a_run() -> None:
    graph = diamond_fan_out()
    for node in graph:
        graph.nodes[node]["state"] = "DONE"
    graph.nodes["c"]["state"] = "FAILED"
    graph.nodes["d"]["state"] = "SKIPPED"
    dot = to_dot(graph)
    assert "coloured by state" in dot
    assert '"c" [label="fetch", shape=hexagon, style="filled", fillcolor="#f4a29b"' in dot
    assert '"d" [label="merge", shape=box, style="rounded,filled", fillcolor="#e4e4e4"' in dot
    mermaid = to_mermaid(graph)
    assert "    classDef state_failed fill:#f4a29b,stroke:#b71c1c,color:#1d1d1d\n" in mermaid
    assert "    class n_c state_failed\n" in mermaid
    assert "    class n_a,n_b,n_e0,n_e1,n_e2,n_f state_done\n" in mermaid
    assert to_mermaid(graph, by="kind") == EXPECTED_MERMAID


NASTY = 'say "hi" \\ <b>&amp; #1 `x`\nnext'


def test_dot_escapes_quotes_backslashes_and_newlines() -> None:
    graph = nx.DiGraph()
    graph.add_node('id "1"', name=NASTY)
    line = to_dot(graph).splitlines()[5]
    assert line.startswith('    "id \\"1\\"" [label="say \\"hi\\" \\\\ <b>&amp; #1 `x`\\nnext",')


def test_mermaid_escapes_special_characters_and_ids() -> None:
    graph = nx.DiGraph()
    graph.add_node("my task-1", name=NASTY)
    graph.add_node("my task_1", name="second")
    graph.add_edge("my task-1", "my task_1")
    lines = to_mermaid(graph).splitlines()
    assert lines[2] == (
        '    n_my_task_1("say #quot;hi#quot; \\ #lt;b#gt;#amp;amp; #35;1 #96;x#96; next")'
    )
    assert lines[3] == '    n_my_task_1_2("second")'
    assert lines[4] == "    n_my_task_1 --> n_my_task_1_2"


def test_collapse_option_in_text(fan_out) -> None:
    graph = fan_out(200, failed=2)
    mermaid = to_mermaid(graph, collapse_threshold=10)
    assert f'    g_w00000_x200("work {TIMES}200 (2 failed)")' in mermaid
    assert "    n_split --> g_w00000_x200" in mermaid
    assert mermaid.count("-->") == 2
    dot = to_dot(graph, collapse_threshold=10)
    assert f'"w00000 {TIMES}200" [label="work {TIMES}200 (2 failed)", shape=box3d,' in dot
    # default: every task
    assert to_dot(graph).count("->") == 400


def test_empty_graph() -> None:
    assert to_dot(nx.DiGraph()).endswith(
        "digraph asyncflow {\n    rankdir=LR;\n"
        '    node [fontname="Helvetica", fontsize=10];\n'
        '    edge [color="#707070", arrowsize=0.7];\n}\n'
    )
    assert to_mermaid(nx.DiGraph()).splitlines()[0] == "flowchart LR"


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz not installed")
def test_graphviz_accepts_the_dot_text(fan_out) -> None:
    graph = diamond_fan_out()
    graph.add_node("weird", name=NASTY)
    for text in (to_dot(graph), to_dot(fan_out(50, failed=1), collapse_threshold=10)):
        result = subprocess.run(
            ["dot", "-Tsvg"], input=text, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
        assert "<svg" in result.stdout
