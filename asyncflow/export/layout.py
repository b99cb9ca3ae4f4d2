"""Layered left-to-right layout: columns, crossing reduction, vertical positions.

Pure Python, no matplotlib. The steps are the classic layered ("Sugiyama") ones:

1. columns from topological generations (sources are pulled right, next to their first
   consumer, so an input used late does not draw a long edge across the picture);
2. edges spanning several columns get invisible waypoints, one per column crossed;
3. barycenter sweeps order each column to reduce crossings (the best order seen is kept);
4. vertical positions: each node moves towards the mean of its neighbours, then the column
   is projected back to non-overlapping positions (isotonic regression), a few rounds.
"""

from __future__ import annotations

import itertools

from asyncflow.export.collapse import DEFAULT_COLLAPSE_THRESHOLD, build_nodes
from asyncflow.export.model import GraphLayout, LayoutEdge
from asyncflow.export.source import as_graph

#: height of a waypoint relative to a node (a node is 1 row)
_WAYPOINT = 0.3
#: waypoints are pulled less strongly than nodes
_WAYPOINT_WEIGHT = 0.5


def layout(
    obj: object,
    *,
    collapse_threshold: int | None = DEFAULT_COLLAPSE_THRESHOLD,
    sweeps: int | None = None,
) -> GraphLayout:
    """Lay out a task graph left to right, collapsing large sibling groups.

    Args:
        obj: a ``networkx.DiGraph`` or an object whose ``.graph`` leads to one.
        collapse_threshold: sibling groups larger than this become one node; None keeps
            every task.
        sweeps: rounds of crossing reduction (down and up); default depends on size.

    Returns:
        Plain data: nodes with ``layer``/``order``/``y`` and edges with waypoints.

    Raises:
        TypeError: ``obj`` is not a graph and has no ``.graph``.
        CycleError: the graph has a cycle.
    """
    graph = as_graph(obj)
    nodes, edges, index_of = build_nodes(graph, collapse_threshold)
    layer = _layers(len(nodes), edges)
    n_layers = max(layer, default=-1) + 1
    builder = _Builder(layer, n_layers)
    chains = [builder.chain(u, v) for u, v in edges]
    big = len(builder.layer) > 15_000  # vertices, waypoints included: keep big graphs quick
    if sweeps is None:
        sweeps = 2 if big else 4
    crossings = builder.order(sweeps)
    builder.place(rounds=2 if big else 4)
    for node in nodes:
        node.layer = layer[node.index]
        node.order = builder.pos[node.index]
        node.y = builder.y[node.index]
    routed = [
        LayoutEdge(u, v, tuple((builder.layer[w], builder.y[w]) for w in chain))
        for (u, v), chain in zip(edges, chains, strict=True)
    ]
    return GraphLayout(
        nodes=nodes,
        edges=routed,
        n_layers=n_layers,
        n_tasks=graph.number_of_nodes(),
        crossings=crossings,
        index_of=index_of,
    )


def _layers(n: int, edges: list[tuple[int, int]]) -> list[int]:
    """Longest-path columns; nodes are already in topological order (by generation)."""
    preds: list[list[int]] = [[] for _ in range(n)]
    succs: list[list[int]] = [[] for _ in range(n)]
    for u, v in edges:
        preds[v].append(u)
        succs[u].append(v)
    layer = [0] * n
    for v in range(n):
        if preds[v]:
            layer[v] = max(layer[u] for u in preds[v]) + 1
    for v in range(n):
        if not preds[v] and succs[v]:
            layer[v] = min(layer[s] for s in succs[v]) - 1
    low = min(layer, default=0)
    return [value - low for value in layer]


class _Builder:
    """Vertices (nodes, then waypoints) with their columns, order and positions."""

    def __init__(self, layer: list[int], n_layers: int) -> None:
        self.n_real = len(layer)
        self.layer = list(layer)
        self.up: list[list[int]] = [[] for _ in layer]
        self.down: list[list[int]] = [[] for _ in layer]
        self.columns: list[list[int]] = [[] for _ in range(n_layers)]
        for v, col in enumerate(layer):
            self.columns[col].append(v)
        self.pos: list[int] = []
        self.y: list[float] = []

    def chain(self, u: int, v: int) -> list[int]:
        """Link u to v through one waypoint per column in between; return the path."""
        path = [u]
        for col in range(self.layer[u] + 1, self.layer[v]):
            w = len(self.layer)
            self.layer.append(col)
            self.up.append([])
            self.down.append([])
            self.columns[col].append(w)
            path.append(w)
        path.append(v)
        for a, b in itertools.pairwise(path):
            self.down[a].append(b)
            self.up[b].append(a)
        return path

    # -- crossing reduction -------------------------------------------------------------

    def order(self, sweeps: int) -> int:
        """Reorder columns by barycenter sweeps; keep the best order; return its crossings."""
        self._index()
        best = [list(col) for col in self.columns]
        best_crossings = self.crossings()
        stale = 0
        for _ in range(sweeps):
            for pass_down in (True, False):
                if best_crossings == 0:
                    break
                self._sweep(pass_down)
                crossings = self.crossings()
                if crossings < best_crossings:
                    best, best_crossings, stale = [list(c) for c in self.columns], crossings, 0
                else:
                    stale += 1
            if stale >= 3 or best_crossings == 0:
                break
        self.columns = best
        self._index()
        return best_crossings

    def _index(self) -> None:
        self.pos = [0] * len(self.layer)
        for col in self.columns:
            for i, v in enumerate(col):
                self.pos[v] = i

    def _sweep(self, down: bool) -> None:
        cols = range(1, len(self.columns)) if down else range(len(self.columns) - 2, -1, -1)
        for c in cols:
            fixed = self.up if down else self.down
            col = self.columns[c]
            other = len(self.columns[c - 1 if down else c + 1])
            stretch = (other - 1) / max(1, len(col) - 1)
            pos = self.pos
            keys = []
            for i, v in enumerate(col):
                nbrs = fixed[v]
                bary = sum(pos[w] for w in nbrs) / len(nbrs) if nbrs else i * stretch
                keys.append((bary, i, v))
            keys.sort()
            self.columns[c] = col = [v for _, _, v in keys]
            for i, v in enumerate(col):
                pos[v] = i

    def crossings(self) -> int:
        """Number of edge crossings between neighbouring columns."""
        total = 0
        pos = self.pos
        for col in self.columns[:-1]:
            pairs = sorted((pos[u], pos[w]) for u in col for w in self.down[u])
            total += _inversions([w for _, w in pairs])
        return total

    # -- vertical placement -------------------------------------------------------------

    def place(self, rounds: int) -> None:
        """Give every vertex a y so that edges run as straight as spacing allows."""
        self.y = [0.0] * len(self.layer)
        for col in self.columns:
            ys = _stack([self._height(v) for v in col])
            middle = (ys[0] + ys[-1]) / 2 if ys else 0.0
            for v, y in zip(col, ys, strict=True):
                self.y[v] = y - middle
        cols = self.columns
        for _ in range(rounds):
            for col in cols[1:]:
                self._align(col, self.up)
            for col in reversed(cols[:-1]):
                self._align(col, self.down)
        for col in cols:
            self._align(col, None)
        top = min(self.y, default=0.0)
        self.y = [round(y - top, 6) for y in self.y]

    def _height(self, v: int) -> float:
        return 1.0 if v < self.n_real else _WAYPOINT

    def _align(self, col: list[int], nbrs: list[list[int]] | None) -> None:
        if not col:
            return
        y = self.y
        desired = []
        for v in col:
            near = (self.up[v] + self.down[v]) if nbrs is None else nbrs[v]
            desired.append(sum(y[w] for w in near) / len(near) if near else y[v])
        heights = [self._height(v) for v in col]
        gaps = [(a + b) / 2 for a, b in itertools.pairwise(heights)]
        weights = [1.0 if v < self.n_real else _WAYPOINT_WEIGHT for v in col]
        for v, value in zip(col, _project(desired, gaps, weights), strict=True):
            y[v] = value


def _stack(heights: list[float]) -> list[float]:
    ys, y = [], 0.0
    for i, h in enumerate(heights):
        if i:
            y += (heights[i - 1] + h) / 2
        ys.append(y)
    return ys


def _project(desired: list[float], gaps: list[float], weights: list[float]) -> list[float]:
    """Closest positions (weighted least squares) keeping ``y[i+1] - y[i] >= gaps[i]``."""
    offsets = [0.0]
    for gap in gaps:
        offsets.append(offsets[-1] + gap)
    # with z = y - offset the constraint is "z non-decreasing": pool adjacent violators
    blocks: list[list[float]] = []  # [value, weight, size]
    for d, off, w in zip(desired, offsets, weights, strict=True):
        blocks.append([d - off, w, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            v2, w2, n2 = blocks.pop()
            v1, w1, n1 = blocks[-1]
            blocks[-1] = [(v1 * w1 + v2 * w2) / (w1 + w2), w1 + w2, n1 + n2]
    out: list[float] = []
    for value, _, size in blocks:
        out.extend([value] * int(size))
    return [z + off for z, off in zip(out, offsets, strict=True)]


def _inversions(values: list[int]) -> int:
    """Pairs i < j with values[i] > values[j] (Fenwick tree, O(n log n))."""
    if len(values) < 2:
        return 0
    size = max(values) + 2
    tree = [0] * (size + 1)
    count = 0
    for seen, value in enumerate(values):
        i = value + 1
        not_greater = 0
        while i > 0:
            not_greater += tree[i]
            i -= i & -i
        count += seen - not_greater
        i = value + 1
        while i <= size:
            tree[i] += 1
            i += i & -i
    return count
