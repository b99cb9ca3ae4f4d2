"""Collapsing: many sibling tasks become one drawn node labelled with a count
(``name`` and a multiplication sign, then ``N``).

A fan-out of one task over many items (same name and kind, same column, same predecessors
and successors) is drawn once. Per-item chains (``a_i → b_i`` for every item) collapse too:
siblings are found by colour refinement (nodes are alike when their neighbours are alike),
then every candidate group is checked so that the collapsed picture tells no lie: a
drawn edge between two groups stands for a one-to-one matching or for all-to-all edges,
and an edge between a group and a single task means every member has that edge. A group
that fails the check falls back to exact siblings (identical neighbour sets), or is drawn
in full.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable
from typing import Any

import networkx as nx

from asyncflow.export.model import LayoutNode
from asyncflow.export.source import NodeInfo, generations, node_info, sort_key

#: a group of more than this many siblings is drawn as one node
DEFAULT_COLLAPSE_THRESHOLD = 10

#: colour refinement stops after this many rounds even if still splitting
_MAX_ROUNDS = 30

#: when states tie for the majority, the more telling one wins
_STATE_PRIORITY = ("FAILED", "CANCELLED", "RUNNING", "SKIPPED", "DONE", "PENDING")


def build_nodes(
    graph: nx.DiGraph, threshold: int | None
) -> tuple[list[LayoutNode], list[tuple[int, int]], dict[Any, int]]:
    """Group the graph's nodes into drawn nodes and project its edges onto them.

    Returns:
        The drawn nodes (sorted by generation, then id), the deduplicated edges between
        them as index pairs, and a map from each graph node to its drawn node's index.

    Raises:
        CycleError: the graph has a cycle.
        ValueError: ``threshold`` is not None and below 1.
    """
    if threshold is not None and (not isinstance(threshold, int) or threshold < 1):
        raise ValueError(f"collapse_threshold must be an int >= 1 or None, got {threshold!r}")
    gens = generations(graph)
    infos = {node: node_info(graph, node) for node in graph}
    groups = find_groups(graph, gens, infos, threshold)
    grouped = {member for group in groups for member in group}
    units = groups + [(node,) for node in graph if node not in grouped]
    units.sort(key=lambda members: (gens[members[0]], sort_key(members[0]), len(members)))
    nodes = [_make_node(index, members, infos) for index, members in enumerate(units)]
    index_of = {member: node.index for node in nodes for member in node.members}
    edges = sorted(
        {(index_of[u], index_of[v]) for u, v in graph.edges() if index_of[u] != index_of[v]}
    )
    return nodes, edges, index_of


def find_groups(
    graph: nx.DiGraph,
    gens: dict[Any, int],
    infos: dict[Any, NodeInfo],
    threshold: int | None,
) -> list[tuple[Any, ...]]:
    """The groups of graph nodes to draw as one node each (members sorted)."""
    if threshold is None or graph.number_of_nodes() <= threshold:
        return []
    colour = _initial_colours(graph, gens, infos)
    if max(Counter(colour.values()).values()) <= threshold:
        return []
    colour = _refine(graph, colour)
    classes: dict[int, list[Any]] = defaultdict(list)
    for node in graph:
        classes[colour[node]].append(node)
    candidates = {cid: members for cid, members in classes.items() if len(members) > threshold}
    groups = _validate(graph, candidates, threshold)
    return sorted(
        (tuple(sorted(members, key=sort_key)) for members in groups),
        key=lambda members: sort_key(members[0]),
    )


def _initial_colours(
    graph: nx.DiGraph, gens: dict[Any, int], infos: dict[Any, NodeInfo]
) -> dict[Any, int]:
    ids: dict[Hashable, int] = {}
    colour = {}
    for node in graph:
        info = infos[node]
        parent = None if info.parent is None else sort_key(info.parent)
        key = (info.name, info.kind, gens[node], parent)
        colour[node] = ids.setdefault(key, len(ids))
    return colour


def _refine(graph: nx.DiGraph, colour: dict[Any, int]) -> dict[Any, int]:
    pred, succ = graph.pred, graph.succ
    count = len(set(colour.values()))
    for _ in range(_MAX_ROUNDS):
        ids: dict[Hashable, int] = {}
        new = {}
        for node in graph:
            key = (
                colour[node],
                frozenset(colour[p] for p in pred[node]),
                frozenset(colour[s] for s in succ[node]),
            )
            new[node] = ids.setdefault(key, len(ids))
        colour = new
        if len(ids) == count:
            break
        count = len(ids)
    return colour


def _validate(
    graph: nx.DiGraph, candidates: dict[int, list[Any]], threshold: int
) -> list[list[Any]]:
    """Drop or split candidate groups until every remaining one draws truthfully."""
    cands = dict(candidates)
    group_of = {member: gid for gid, members in cands.items() for member in members}
    exact: set[int] = set()
    next_id = max(cands, default=0) + 1
    changed = True
    while changed:
        changed = False
        for gid in sorted(cands):
            if gid not in cands or _is_valid(graph, gid, cands, group_of):
                continue
            changed = True
            members = cands.pop(gid)
            for member in members:
                del group_of[member]
            if gid in exact:
                continue
            buckets: dict[tuple[frozenset[Any], frozenset[Any]], list[Any]] = defaultdict(list)
            for member in members:
                key = (frozenset(graph.pred[member]), frozenset(graph.succ[member]))
                buckets[key].append(member)
            for sub in buckets.values():
                if len(sub) > threshold:
                    cands[next_id] = sub
                    exact.add(next_id)
                    group_of.update((member, next_id) for member in sub)
                    next_id += 1
    return list(cands.values())


def _is_valid(
    graph: nx.DiGraph, gid: int, cands: dict[int, list[Any]], group_of: dict[Any, int]
) -> bool:
    members = cands[gid]
    for nbrs, back in ((graph.pred, graph.succ), (graph.succ, graph.pred)):
        reference: tuple[set[Any], set[int]] | None = None
        per_group: dict[int, list[int]] = defaultdict(list)
        for member in members:
            singles: set[Any] = set()
            counts: Counter[int] = Counter()
            for other in nbrs[member]:
                hid = group_of.get(other)
                if hid is None:
                    singles.add(other)
                else:
                    counts[hid] += 1
            seen = (singles, set(counts))
            if reference is None:
                reference = seen
            elif seen != reference:
                return False
            for hid, n in counts.items():
                per_group[hid].append(n)
        for hid, ns in per_group.items():
            size = len(cands[hid])
            if all(n == size for n in ns):
                continue  # all-to-all
            if size == len(members) and all(n == 1 for n in ns):
                partners = (sum(1 for y in back[x] if group_of.get(y) == gid) for x in cands[hid])
                if all(p == 1 for p in partners):
                    continue  # one-to-one
            return False
    return True


def _make_node(index: int, members: tuple[Any, ...], infos: dict[Any, NodeInfo]) -> LayoutNode:
    first = infos[members[0]]
    if len(members) == 1:
        return LayoutNode(
            index=index,
            members=members,
            name=first.name,
            kind=first.kind,
            state=first.state,
            states={first.state: 1},
            count=first.count,
            duration=first.duration,
            error=first.error if first.state == "FAILED" else None,
        )
    states = Counter(infos[m].state for m in members)
    starts = [s for m in members if (s := infos[m].started) is not None]
    ends = [f for m in members if (f := infos[m].finished) is not None]
    span = max(ends) - min(starts) if starts and ends and max(ends) >= min(starts) else None
    return LayoutNode(
        index=index,
        members=members,
        name=first.name,
        kind=first.kind,
        state=majority(states),
        states=dict(sorted(states.items())),
        collapsed=True,
        count=len(members),
        duration=span,
    )


def majority(states: Counter[str]) -> str:
    """The most common state; ties go to the more telling state (FAILED first)."""

    def rank(state: str) -> tuple[int, int]:
        prio = _STATE_PRIORITY.index(state) if state in _STATE_PRIORITY else len(_STATE_PRIORITY)
        return (states[state], -prio)

    return max(states, key=rank)
