"""DOT (Graphviz) and Mermaid text: deterministic, diffable descriptions of a task graph.

Nodes come in topological-generation order, then by id; edges sorted; every name is
escaped for the target language. The same graph always gives the same text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from asyncflow.export.collapse import build_nodes
from asyncflow.export.model import TIMES, LayoutNode
from asyncflow.export.source import as_graph
from asyncflow.export.style import (
    EDGE_COLOUR,
    KIND_ORDER,
    STATE_ORDER,
    TEXT_COLOUR,
    choose_by,
    kind_look,
    ordered,
    state_look,
)

_MERMAID_SHAPES = {
    "function": ('("', '")'),
    "executable": ('{{"', '"}}'),
    "block": ('[["', '"]]'),
    "map": ('[/"', '"\\]'),
    "group": ('(["', '"])'),
    "input": ('[/"', '"/]'),
}


def to_dot(obj: object, *, by: str | None = None, collapse_threshold: int | None = None) -> str:
    """Graphviz DOT text for a task graph, laid out left to right.

    Args:
        obj: a ``networkx.DiGraph`` or an object whose ``.graph`` leads to one.
        by: fill colours by ``"kind"`` or ``"state"`` (default as in :func:`draw`).
        collapse_threshold: collapse sibling groups larger than this (None: every task).

    Raises:
        TypeError: ``obj`` is not a graph and does not lead to one.
        CycleError: the graph has a cycle.
    """
    graph = as_graph(obj)
    colour_by = choose_by(graph, by)
    nodes, edges, _ = build_nodes(graph, collapse_threshold)
    ids = _unique([_raw_id(node) for node in nodes], sep="#")
    lines = [
        f"// asyncflow task graph: {_summary(graph, colour_by)}",
        "digraph asyncflow {",
        "    rankdir=LR;",
        '    node [fontname="Helvetica", fontsize=10];',
        f'    edge [color="{EDGE_COLOUR}", arrowsize=0.7];',
    ]
    for node, node_id in zip(nodes, ids, strict=True):
        look = kind_look(node.kind)
        fill, edge = _colours(node, colour_by)
        attrs = [
            f"label={_dot_quote(node.label)}",
            f"shape={'box3d' if node.collapsed else look.dot_shape}",
            f'style="{look.dot_style}"',
            f'fillcolor="{fill}"',
            f'color="{edge}"',
        ]
        if node.kind == "block":
            attrs.append("peripheries=2")
        lines.append(f"    {_dot_quote(node_id)} [{', '.join(attrs)}];")
    for u, v in edges:
        lines.append(f"    {_dot_quote(ids[u])} -> {_dot_quote(ids[v])};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_mermaid(obj: object, *, by: str | None = None, collapse_threshold: int | None = None) -> str:
    """Mermaid ``flowchart LR`` text for a task graph (renders on GitHub, in many docs).

    Args and errors as for :func:`to_dot`.
    """
    graph = as_graph(obj)
    colour_by = choose_by(graph, by)
    nodes, edges, _ = build_nodes(graph, collapse_threshold)
    prefix = {True: "g_", False: "n_"}
    raw = [
        prefix[node.collapsed] + re.sub(r"[^0-9A-Za-z_]", "_", _raw_id(node, mark=False))
        for node in nodes
    ]
    ids = _unique(raw, sep="_")
    lines = ["flowchart LR", f"    %% asyncflow task graph: {_summary(graph, colour_by)}"]
    classes: dict[str, list[str]] = {}
    for node, node_id in zip(nodes, ids, strict=True):
        opening, closing = _MERMAID_SHAPES.get(node.kind, ('("', '")'))
        lines.append(f"    {node_id}{opening}{_mermaid_text(node.label)}{closing}")
        value = node.kind if colour_by == "kind" else node.state
        classes.setdefault(value, []).append(node_id)
    lines += [f"    {ids[u]} --> {ids[v]}" for u, v in edges]
    order = KIND_ORDER if colour_by == "kind" else STATE_ORDER
    for value in ordered(classes, order):
        look = kind_look(value) if colour_by == "kind" else state_look(value)
        name = f"{colour_by}_{re.sub(r'[^0-9A-Za-z_]', '_', value.lower())}"
        lines.append(f"    classDef {name} fill:{look.fill},stroke:{look.edge},color:{TEXT_COLOUR}")
        lines.append(f"    class {','.join(classes[value])} {name}")
    return "\n".join(lines) + "\n"


def _summary(graph: Any, by: str) -> str:
    n, m = graph.number_of_nodes(), graph.number_of_edges()
    return f"{n} task{'s' * (n != 1)}, {m} edge{'s' * (m != 1)}; coloured by {by}"


def _colours(node: LayoutNode, by: str) -> tuple[str, str]:
    look = kind_look(node.kind) if by == "kind" else state_look(node.state)
    return look.fill, look.edge


def _raw_id(node: LayoutNode, mark: bool = True) -> str:
    first = str(node.members[0])
    if node.collapsed:
        return f"{first} {TIMES}{len(node.members)}" if mark else f"{first}_x{len(node.members)}"
    return first


def _unique(ids: Iterable[str], sep: str) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for raw in ids:
        candidate = raw
        while candidate in seen:
            seen[raw] += 1
            candidate = f"{raw}{sep}{seen[raw]}"
        seen.setdefault(raw, 1)
        seen.setdefault(candidate, 1)
        out.append(candidate)
    return out


def _dot_quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = escaped.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")
    return f'"{escaped}"'


def _mermaid_text(text: str) -> str:
    text = " ".join(text.split())
    for char, entity in (
        ("#", "#35;"),
        ('"', "#quot;"),
        ("<", "#lt;"),
        (">", "#gt;"),
        ("&", "#amp;"),
        ("`", "#96;"),
    ):
        text = text.replace(char, entity)
    return text
