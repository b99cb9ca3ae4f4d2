"""What the export functions accept, and how they read node attributes.

Anything drawable is a ``networkx.DiGraph`` (usually an :class:`asyncflow.graph.TaskGraph`)
or an object that leads to one through ``.graph`` / ``.pipeline`` attributes. Attributes a
plain DiGraph lacks fall back to sensible defaults, so any DAG can be drawn.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from enum import Enum
from typing import Any

import networkx as nx

from asyncflow.errors import CycleError

#: how deep ``.graph`` / ``.pipeline`` attributes are followed before giving up
_MAX_UNWRAP = 6

_ACCEPTED = (
    "expected a networkx.DiGraph (such as asyncflow.graph.TaskGraph) or an object whose "
    ".graph attribute holds one (a Pipeline, WorkflowEngine, ExecutionPlan or loaded .flow "
    "program)"
)


def as_graph(obj: object) -> nx.DiGraph:
    """Return the task graph behind ``obj``; raise ``TypeError`` if there is none.

    Args:
        obj: a ``networkx.DiGraph``, or an object whose ``.graph`` (or ``.pipeline``)
            attribute leads to one, followed repeatedly.

    Raises:
        TypeError: ``obj`` is not a directed graph and does not lead to one.
    """
    found = _search(obj, _MAX_UNWRAP)
    if found is not None:
        return fold_map_items(found)
    if isinstance(obj, nx.Graph):
        raise TypeError(
            f"cannot draw an undirected {type(obj).__name__}: task graphs are directed; "
            "pass a networkx.DiGraph (e.g. nx.DiGraph(graph)) instead"
        )
    raise TypeError(f"cannot draw an object of type {type(obj).__qualname__!r}: {_ACCEPTED}")


def fold_map_items(graph: nx.DiGraph) -> nx.DiGraph:
    """Draw a map's items as part of their map node (``name ×count``), not on their own.

    After a run, an engine's graph holds one node per mapped item whose ``parent`` is the
    map node; they have no edges of their own, so they are folded into it. The map node
    keeps its own state (FAILED if any item failed) and gains ``failed_items``.
    """
    nodes = graph.nodes
    items: dict[Any, list[Any]] = {}
    for node, data in nodes(data=True):
        parent = data.get("parent")
        if parent is not None and parent in nodes and nodes[parent].get("kind") == "map":
            items.setdefault(parent, []).append(node)
    if not items:
        return graph
    folded = graph.copy()
    for parent, members in items.items():
        failed = sum(1 for m in members if nodes[m].get("state") == "FAILED")
        folded.nodes[parent]["count"] = len(members)
        folded.nodes[parent]["failed_items"] = failed
        folded.remove_nodes_from(members)
    return folded


def _search(obj: object, depth: int) -> nx.DiGraph | None:
    if isinstance(obj, nx.DiGraph):
        return obj
    if depth == 0 or obj is None or isinstance(obj, nx.Graph | dict | str | bytes):
        return None
    for attr in ("graph", "pipeline"):
        try:
            value = getattr(obj, attr)
        except AttributeError:
            continue
        if inspect.ismethod(value):
            # ``plan.graph()`` style accessors: call them, they take no arguments
            try:
                value = value()
            except TypeError:
                continue
        found = _search(value, depth - 1)
        if found is not None:
            return found
    return None


def text_of(value: Any) -> str:
    """The string behind an attribute value: enum members give their value."""
    if isinstance(value, Enum):
        value = value.value
    return str(value)


def sort_key(node: Any) -> tuple[str, str]:
    """A total, deterministic order over node ids of any (mixed) type."""
    return (str(node), type(node).__name__)


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """The drawing-relevant attributes of one node, with fallbacks applied."""

    id: Any
    name: str
    kind: str
    state: str
    count: int | None
    parent: Any
    error: str | None
    started: float | None
    finished: float | None

    @property
    def duration(self) -> float | None:
        """Run time in seconds (``finished - started``), if both are known."""
        if self.started is None or self.finished is None or self.finished < self.started:
            return None
        return self.finished - self.started


def node_info(graph: nx.DiGraph, node: Any) -> NodeInfo:
    """Read one node's attributes, falling back to id / ``function`` / ``PENDING``."""
    data = graph.nodes[node]
    name = data.get("name")
    kind = data.get("kind")
    state = data.get("state")
    count = data.get("count")
    timings = data.get("timings")
    if not isinstance(timings, dict):
        timings = {}
    error = data.get("error")
    return NodeInfo(
        id=node,
        name=text_of(name) if name is not None and name != "" else str(node),
        kind=text_of(kind).lower() if kind else "function",
        state=text_of(state).upper() if state else "PENDING",
        count=count if isinstance(count, int) and not isinstance(count, bool) else None,
        parent=data.get("parent"),
        error=None if error is None else str(error),
        started=_seconds(timings.get("started")),
        finished=_seconds(timings.get("finished")),
    )


def _seconds(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def generations(graph: nx.DiGraph) -> dict[Any, int]:
    """Map each node to its topological generation (0 = no predecessors).

    Raises:
        CycleError: the graph has a cycle; the error names its tasks in order.
    """
    try:
        gens = list(nx.topological_generations(graph))
    except nx.NetworkXUnfeasible as exc:
        raise cycle_error(graph) from exc
    return {node: index for index, layer in enumerate(gens) for node in layer}


def cycle_error(graph: nx.DiGraph) -> CycleError:
    """A :class:`CycleError` naming one cycle of ``graph`` by task names."""
    try:
        edges = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:  # pragma: no cover - only called on cyclic graphs
        return CycleError([])
    names = [node_info(graph, edge[0]).name for edge in edges]
    return CycleError(names)
