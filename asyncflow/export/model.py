"""The plain-data result of :func:`asyncflow.export.layout`: drawn nodes, edges, positions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: U+00D7, the multiplication sign of count labels: 1000 tasks named work are "work", sign, "1000"
TIMES = "\u00d7"


@dataclass(slots=True)
class LayoutNode:
    """One drawn node: a single task, or a collapsed group of sibling tasks.

    Attributes:
        index: position in :attr:`GraphLayout.nodes`.
        members: the graph node ids this drawn node stands for (sorted).
        name: display name shared by the members.
        kind: node kind shared by the members (``function``, ``executable``, ...).
        state: the majority state of the members.
        states: how many members are in each state.
        collapsed: True when ``members`` holds more than one task.
        count: the N shown as "times N" in the label: members of a group, or items of a map node.
        duration: run time in seconds: ``finished - started`` for a task, first start to
            last finish for a group; None when unknown.
        error: the failure message of a single failed task.
        layer: column, 0 = leftmost.
        order: rank inside the column, 0 = top.
        y: vertical position in row units, growing downwards; the topmost node or edge
            waypoint is at 0.
    """

    index: int
    members: tuple[Any, ...]
    name: str
    kind: str
    state: str
    states: Mapping[str, int]
    collapsed: bool = False
    count: int | None = None
    duration: float | None = None
    error: str | None = None
    layer: int = 0
    order: int = 0
    y: float = 0.0

    @property
    def failed(self) -> int:
        """Number of members in state FAILED."""
        return self.states.get("FAILED", 0)

    @property
    def title(self) -> str:
        """``name`` followed by "times N" when the node stands for many tasks or items."""
        return self.name if self.count is None else f"{self.name} {TIMES}{self.count}"

    @property
    def note(self) -> str | None:
        """``N failed`` for a group with failed members, else None."""
        if self.collapsed and self.failed:
            return f"{self.failed} failed"
        return None

    @property
    def label(self) -> str:
        """The full one-line label, e.g. ``work`` times 1000 ``(3 failed)``."""
        note = self.note
        return self.title if note is None else f"{self.title} ({note})"


@dataclass(frozen=True, slots=True)
class LayoutEdge:
    """An edge between two drawn nodes, routed through ``points`` as ``(layer, y)``."""

    source: int
    target: int
    points: tuple[tuple[int, float], ...]


@dataclass(slots=True)
class GraphLayout:
    """Positions of a (possibly collapsed) task graph, laid out left to right.

    Attributes:
        nodes: drawn nodes in a deterministic order (by layer, then id).
        edges: edges between drawn nodes, sorted by (source, target).
        n_layers: number of columns.
        n_tasks: number of nodes in the original graph.
        crossings: edge crossings left after crossing reduction.
    """

    nodes: list[LayoutNode]
    edges: list[LayoutEdge]
    n_layers: int
    n_tasks: int
    crossings: int = 0
    index_of: dict[Any, int] = field(default_factory=dict)

    @property
    def groups(self) -> list[LayoutNode]:
        """The drawn nodes that stand for more than one task."""
        return [node for node in self.nodes if node.collapsed]

    def node_of(self, task: Any) -> LayoutNode:
        """The drawn node that the graph node ``task`` belongs to."""
        return self.nodes[self.index_of[task]]

    @property
    def layers(self) -> list[list[LayoutNode]]:
        """Drawn nodes per column, top to bottom."""
        columns: list[list[LayoutNode]] = [[] for _ in range(self.n_layers)]
        for node in self.nodes:
            columns[node.layer].append(node)
        for column in columns:
            column.sort(key=lambda node: node.order)
        return columns
