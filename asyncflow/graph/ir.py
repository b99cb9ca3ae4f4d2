"""The graph IR: a ``networkx.DiGraph`` whose nodes carry typed task records.

Every front-end produces this graph and the export package draws it. Node attributes (the
contract the drawing and the compiler rely on):

- ``name``    display name of the task (str)
- ``kind``    a :class:`NodeKind` value (str)
- ``state``   a :class:`TaskState` value (str), ``PENDING`` before a run
- ``backend`` the backend name the task runs on, or ``None`` for "the default"
- ``timings`` dict with any of ``created``, ``submitted``, ``started``, ``finished``
  (``time.time()`` seconds)
- ``spec``    the typed :class:`TaskSpec` record (declarative graphs) or ``None``
- ``count``   for ``map`` nodes: number of items once known, else absent
- ``parent``  for tasks submitted inside a block: the block's node id
- ``error``   one-line description of the failure, on failed nodes

Edges point from producer to consumer; the ``slot`` edge attribute, when present, tells
which input of the consumer the producer feeds (declarative graphs).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

import networkx as nx


class NodeKind(StrEnum):
    """What a node does."""

    FUNCTION = "function"
    EXECUTABLE = "executable"
    BLOCK = "block"
    MAP = "map"
    GROUP = "group"
    INPUT = "input"


class TaskState(StrEnum):
    """Life cycle of a task: PENDING → RUNNING → DONE | FAILED | CANCELLED, or SKIPPED."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    SKIPPED = "SKIPPED"  # never ran because an upstream task failed or was cancelled

    @property
    def finished(self) -> bool:
        return self not in (TaskState.PENDING, TaskState.RUNNING)


@dataclass(frozen=True, slots=True)
class TaskOptions:
    """Execution options of a task; ``None`` means "the engine's default"."""

    backend: str | None = None
    retries: int = 0
    retry_backoff: float = 0.0
    timeout: float | None = None
    task_description: Mapping[str, Any] = field(default_factory=dict)

    def merged(self, **changes: Any) -> TaskOptions:
        """A copy with ``changes`` applied; ``task_description`` keys are merged, not replaced."""
        description = dict(self.task_description)
        description.update(changes.pop("task_description", None) or {})
        values = {k: v for k, v in changes.items() if v is not None}
        return replace(self, task_description=description, **values)


@dataclass(frozen=True, slots=True)
class TaskSpec:
    """The typed payload of a declarative node."""

    name: str
    kind: NodeKind
    fn: Callable[..., Any] | None = None
    options: TaskOptions = field(default_factory=TaskOptions)
    bound: Mapping[str, Any] = field(default_factory=dict)
    #: for MAP nodes, the spec of the task applied to each item
    inner: TaskSpec | None = None
    #: for INPUT nodes, the position of the pipeline input it stands for
    position: int | None = None
    #: free-form, front-end specific facts (e.g. a .flow command template)
    extra: Mapping[str, Any] = field(default_factory=dict)


class TaskGraph(nx.DiGraph):  # type: ignore[type-arg]
    """A ``networkx.DiGraph`` of tasks with a few typed helpers."""

    def add_task(
        self,
        node_id: str,
        *,
        name: str,
        kind: NodeKind | str,
        backend: str | None = None,
        spec: TaskSpec | None = None,
        **attrs: Any,
    ) -> dict[str, Any]:
        """Add one node with the attribute contract filled in; returns its attribute dict.

        This is on the hot path of every task submission, so it fills networkx's own
        adjacency dicts directly (the same structures ``add_node`` fills).
        """
        attributes: dict[str, Any] = {
            "name": name,
            "kind": str(kind),
            "state": TaskState.PENDING.value,
            "backend": backend,
            "timings": {},
            "spec": spec,
        }
        if attrs:
            attributes.update(attrs)
        nodes = self._node
        if node_id in nodes:
            nodes[node_id].update(attributes)
            return nodes[node_id]  # type: ignore[no-any-return]
        if node_id is None:
            raise ValueError("None cannot be a node")
        self._succ[node_id] = {}
        self._pred[node_id] = {}
        nodes[node_id] = attributes
        self._forget_cache()
        return attributes

    def insert(self, node_id: str, attributes: dict[str, Any]) -> None:
        """Add a new node whose attribute dict is ``attributes`` itself (hot path)."""
        self._succ[node_id] = {}
        self._pred[node_id] = {}
        self._node[node_id] = attributes
        self._forget_cache()

    def link(self, producer: str, consumer: str) -> None:
        """Add the edge ``producer -> consumer`` between two existing nodes (fast path)."""
        data: dict[str, Any] = {}
        self._succ[producer][consumer] = data
        self._pred[consumer][producer] = data
        self._forget_cache()

    def _forget_cache(self) -> None:
        cache = self.__dict__.get("__networkx_cache__")
        if cache:
            cache.clear()

    def tasks(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Yield ``(node_id, attributes)`` in insertion order."""
        yield from self.nodes(data=True)

    def names(self) -> dict[str, str]:
        """Map node id to display name."""
        return {n: d.get("name", str(n)) for n, d in self.nodes(data=True)}

    def states(self) -> dict[str, str]:
        """Map node id to state."""
        return {n: d.get("state", TaskState.PENDING.value) for n, d in self.nodes(data=True)}

    def summary(self) -> dict[str, int]:
        """Count nodes per state."""
        counts: dict[str, int] = {}
        for _, data in self.nodes(data=True):
            state = data.get("state", TaskState.PENDING.value)
            counts[state] = counts.get(state, 0) + 1
        return counts
