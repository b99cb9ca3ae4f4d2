"""Colours, shapes and label text: the one table every output format reads.

Before a run nodes are coloured by kind; after it by state. Shapes always follow the kind,
so a picture coloured by state still shows what each node is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx

from asyncflow.export.source import text_of


@dataclass(frozen=True, slots=True)
class Look:
    """How one kind or state is drawn."""

    label: str  # legend text
    fill: str
    edge: str
    shape: str = "rounded"  # see geometry.SHAPES
    dot_shape: str = "box"
    dot_style: str = "rounded,filled"


KINDS: dict[str, Look] = {
    "function": Look("function", "#dbe9f6", "#41729f"),
    "executable": Look("executable (shell)", "#fde3c4", "#b36b1e", "hexagon", "hexagon", "filled"),
    "block": Look("block", "#e8def5", "#6f5499", "double", "box", "filled"),
    "map": Look("map (per item)", "#d3efe4", "#2f8566", "stack", "box3d", "filled"),
    "group": Look("group", "#f3efd0", "#8a7d2b", "pill", "ellipse", "filled"),
    "input": Look("input", "#ececec", "#6e6e6e", "slant", "parallelogram", "filled"),
}
#: kinds outside the contract still draw, as a grey rounded box
OTHER_KIND = Look("other", "#f4f4f4", "#8a8a8a")

STATES: dict[str, Look] = {
    "DONE": Look("done", "#9fd8a8", "#2e7d32"),
    "FAILED": Look("failed", "#f4a29b", "#b71c1c"),
    "CANCELLED": Look("cancelled", "#ffcf8f", "#c25e00"),
    "SKIPPED": Look("skipped", "#e4e4e4", "#9a9a9a"),
    "RUNNING": Look("running", "#9dcbf5", "#1565c0"),
    "PENDING": Look("pending / not run", "#fbfbf8", "#7a7a7a"),
}
OTHER_STATE = Look("other", "#f4f4f4", "#8a8a8a")

#: order of entries in legends and class definitions
STATE_ORDER = ("DONE", "FAILED", "CANCELLED", "SKIPPED", "RUNNING", "PENDING")
KIND_ORDER = ("input", "function", "executable", "block", "map", "group")

EDGE_COLOUR = "#707070"
FONT_FAMILY = "DejaVu Sans"  # ships with matplotlib, so pictures look alike everywhere
TEXT_COLOUR = "#1d1d1d"
#: border colour of a collapsed group that has failed members
FAILED_BORDER = "#c62828"

BY_VALUES = ("kind", "state")


def choose_by(graph: nx.DiGraph, by: str | None) -> str:
    """Resolve ``by``: ``"state"`` once any node has left PENDING, else ``"kind"``.

    Raises:
        ValueError: ``by`` is neither None, ``"kind"`` nor ``"state"``.
    """
    if by is None:
        states = (data.get("state") for _, data in graph.nodes(data=True))
        started = any(state and text_of(state).upper() != "PENDING" for state in states)
        return "state" if started else "kind"
    if by not in BY_VALUES:
        raise ValueError(f"by must be 'kind', 'state' or None, got {by!r}")
    return by


def kind_look(kind: str) -> Look:
    """The look of a kind (unknown kinds get a neutral one with their own name)."""
    look = KINDS.get(kind)
    if look is None:
        return Look(kind, OTHER_KIND.fill, OTHER_KIND.edge)
    return look


def state_look(state: str) -> Look:
    """The colours of a state (unknown states get a neutral one with their own name)."""
    look = STATES.get(state)
    if look is None:
        return Look(state.lower(), OTHER_STATE.fill, OTHER_STATE.edge)
    return look


def colours(kind: str, state: str, by: str) -> tuple[str, str]:
    """``(fill, border)`` of a node of ``kind`` in ``state`` when colouring ``by``."""
    look = kind_look(kind) if by == "kind" else state_look(state)
    return look.fill, look.edge


def ordered(values: Iterable[str], order: tuple[str, ...]) -> list[str]:
    """Distinct ``values`` in the table order, unknown ones last, sorted."""
    present = set(values)
    known = [v for v in order if v in present]
    return known + sorted(present.difference(order))


def shorten(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, ending with an ellipsis when cut."""
    text = " ".join(text.split())  # no newlines or tabs inside a label
    if len(text) <= limit:
        return text
    return text[: max(1, limit - 1)].rstrip() + "…"


def format_duration(seconds: float) -> str:
    """A short human duration: ``850 µs``, ``12 ms``, ``3.4 s``, ``2m05s``, ``1h02m``."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.0f} ms"
    if seconds < 10:
        return f"{seconds:.2f} s"
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        minutes, secs = divmod(round(seconds), 60)
        return f"{minutes}m{secs:02d}s"
    hours, rest = divmod(round(seconds), 3600)
    return f"{hours}h{rest // 60:02d}m"


_NARROW = set("ijlft!.,:;'|()[]{} ")
_WIDE = set("mwMW@%")


def text_width(text: str, size: float) -> float:
    """Estimated width in inches of ``text`` at ``size`` points in DejaVu Sans."""
    ems = 0.0
    for ch in text:
        if ch in _NARROW:
            ems += 0.34
        elif ch in _WIDE:
            ems += 0.88
        elif ch.isupper() or ch.isdigit():
            ems += 0.66
        else:
            ems += 0.58
    return ems * size / 72.0
