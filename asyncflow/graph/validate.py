"""Checks a graph must pass before anything runs."""

from __future__ import annotations

import networkx as nx

from asyncflow.errors import CompositionError, CycleError, UnknownTaskError
from asyncflow.graph.ir import NodeKind, TaskGraph
from asyncflow.graph.wiring import leaves


def validate(graph: nx.DiGraph) -> None:
    """Raise the first problem found: a cycle, a dangling input, an unfilled placeholder."""
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        cycle = None
    if cycle:
        names = [graph.nodes[u].get("name", str(u)) for u, _ in cycle]
        raise CycleError(names)
    for node, data in graph.nodes(data=True):
        wiring = data.get("wiring")
        if wiring is not None:
            for _, producer in leaves(wiring):
                if producer not in graph:
                    raise UnknownTaskError(
                        f"task {data.get('name', node)!r} takes its input from "
                        f"{producer!r}, which is not in the workflow"
                    )
        spec = data.get("spec")
        if spec is None:
            continue
        target = spec.inner if spec.kind == NodeKind.MAP and spec.inner is not None else spec
        placeholders = target.extra.get("placeholders")
        if placeholders:
            missing = sorted(
                p
                for p in placeholders
                if p != "input" and not p.isdigit() and p not in target.bound
            )
            if missing:
                raise CompositionError(
                    f"shell task {target.name!r}: no value for placeholder(s) "
                    f"{', '.join('{' + p + '}' for p in missing)}; bind them with "
                    f".bind({missing[0]}=...)"
                )


__all__ = ["TaskGraph", "validate"]
