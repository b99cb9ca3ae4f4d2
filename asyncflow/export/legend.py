"""The legend under a picture: only the kinds or states that appear, with counts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from asyncflow.export.geometry import Scene
from asyncflow.export.model import TIMES, GraphLayout
from asyncflow.export.shapes import inner, polygon
from asyncflow.export.style import (
    FAILED_BORDER,
    KIND_ORDER,
    STATE_ORDER,
    TEXT_COLOUR,
    kind_look,
    ordered,
    state_look,
    text_width,
)

FONT = 8.5
ROW = 0.3
ICON_W, ICON_H = 0.34, 0.2
SIDE = 0.2
NOTE_ROW = 0.24


@dataclass(frozen=True, slots=True)
class Entry:
    """One legend item; ``shape`` None means a bold heading without an icon."""

    text: str
    shape: str | None = None
    fill: str = "white"
    edge: str = "black"
    stacked: bool = False
    width: float = 1.0
    newline: bool = False  # start a new row with this entry

    @property
    def icon(self) -> float:
        """Width in inches of the icon and the space after it."""
        if self.shape is None:
            return 0.0
        return ICON_W + 0.12 + (0.06 if self.stacked else 0.0)

    @property
    def size(self) -> float:
        """Width in inches taken in its row."""
        return (
            self.icon + text_width(self.text, FONT) * (1.08 if self.shape is None else 1.0) + 0.32
        )


def entries(lay: GraphLayout, by: str) -> list[Entry]:
    """The legend items for ``lay`` coloured ``by`` kind or state."""
    items: list[Entry] = []
    neutral = state_look("PENDING")
    if by == "kind":
        items.append(Entry("kind:"))
        for kind in ordered((n.kind for n in lay.nodes), KIND_ORDER):
            look = kind_look(kind)
            items.append(Entry(look.label, look.shape, look.fill, look.edge))
    else:
        counts: Counter[str] = Counter()
        for node in lay.nodes:
            counts.update(node.states)
        items.append(Entry("state:"))
        for state in ordered(counts, STATE_ORDER):
            look = state_look(state)
            items.append(
                Entry(f"{look.label} ({counts[state]:,})", "rounded", look.fill, look.edge)
            )
    if lay.groups:
        items.append(
            Entry(
                f"{TIMES}N  N alike tasks drawn once",
                "rounded",
                neutral.fill,
                neutral.edge,
                stacked=True,
                newline=True,
            )
        )
        if by == "state" and any(g.failed for g in lay.groups):
            items.append(
                Entry(
                    "group with failed tasks",
                    "rounded",
                    neutral.fill,
                    FAILED_BORDER,
                    stacked=True,
                    width=1.8,
                )
            )
    return items


def notes(lay: GraphLayout, scene: Scene) -> str | None:
    """A grey line saying what was simplified, if anything."""
    parts = []
    if lay.groups:
        parts.append(f"{lay.n_tasks:,} tasks drawn as {len(lay.nodes):,} nodes")
    if scene.labels_hidden:
        parts.append("labels hidden: too many nodes to label legibly")
    else:
        labelled = sum(1 for box in scene.boxes if box.lines)
        if labelled < len(scene.boxes):
            parts.append(f"labels on {labelled:,} of {len(scene.boxes):,} nodes")
    return " · ".join(parts) or None


def _rows(items: list[Entry], fig_w: float) -> list[list[Entry]]:
    """Wrap entries into rows no wider than the figure, rows of a group about equal."""
    groups: list[list[Entry]] = []
    for item in items:
        if item.newline or not groups:
            groups.append([])
        groups[-1].append(item)
    rows: list[list[Entry]] = []
    room = fig_w - 2 * SIDE
    for group in groups:
        wrapped = _wrap(group, room)
        if len(wrapped) > 1:  # balance: the narrowest width that needs no more rows
            width = sum(item.size for item in group) / len(wrapped)
            while len(balanced := _wrap(group, width)) > len(wrapped):
                width *= 1.05
            wrapped = balanced
        rows += wrapped
    return rows


def _wrap(items: list[Entry], room: float) -> list[list[Entry]]:
    rows: list[list[Entry]] = [[]]
    used = 0.0
    for item in items:
        if rows[-1] and used + item.size > room:
            rows.append([])
            used = 0.0
        rows[-1].append(item)
        used += item.size
    return rows


def legend_width(lay: GraphLayout, by: str) -> float:
    """Width in inches the legend would like: its widest forced row, unwrapped."""
    rows = _rows(entries(lay, by), 1e9)
    return max(sum(item.size for item in row) for row in rows) + 2 * SIDE


def legend_height(lay: GraphLayout, scene: Scene, by: str, fig_w: float) -> float:
    """Height in inches of the legend band for a figure ``fig_w`` inches wide."""
    rows = _rows(entries(lay, by), fig_w)
    return 0.1 + len(rows) * ROW + (NOTE_ROW if notes(lay, scene) else 0.0) + 0.08


def add_legend(
    fig: Any, lay: GraphLayout, scene: Scene, by: str, fig_w: float, height: float
) -> None:
    """Draw the legend band at the bottom of ``fig``."""
    from matplotlib.collections import PolyCollection

    fig_h = fig.get_figheight()
    ax = fig.add_axes((0.0, 0.0, 1.0, height / fig_h))
    ax.set_axis_off()
    ax.set_xlim(0, fig_w)
    ax.set_ylim(height, 0)
    polys, faces, edges, widths = [], [], [], []
    doubles = []
    y = 0.1 + ROW / 2
    for row in _rows(entries(lay, by), fig_w):
        x = (fig_w - sum(item.size for item in row)) / 2 + 0.1
        for item in row:
            if item.shape is not None:
                cx = x + ICON_W / 2
                copies = (2, 1, 0) if item.stacked else (0,)
                for k in copies:
                    off = 0.03 * k
                    polys.append(polygon(item.shape, cx + off, y - off, ICON_W, ICON_H))
                    faces.append(item.fill)
                    edges.append(item.edge)
                    widths.append(item.width)
                if item.shape == "double":
                    doubles.append(inner(cx, y, ICON_W, ICON_H, 0.03))
                    polys.append(doubles[-1])
                    faces.append("none")
                    edges.append(item.edge)
                    widths.append(0.8)
                x += item.icon
            ax.text(
                x,
                y,
                item.text,
                ha="left",
                va="center_baseline",
                fontsize=FONT,
                color=TEXT_COLOUR,
                fontweight="bold" if item.shape is None else "normal",
                fontfamily="DejaVu Sans",
                usetex=False,
                parse_math=False,
            )
            x += item.size - item.icon
        y += ROW
    if polys:
        ax.add_collection(
            PolyCollection(polys, facecolors=faces, edgecolors=edges, linewidths=widths)
        )
    note = notes(lay, scene)
    if note:
        ax.text(
            fig_w / 2,
            y - ROW / 2 + NOTE_ROW,
            note,
            ha="center",
            va="center_baseline",
            fontsize=FONT - 0.5,
            color="#6a6a6a",
            fontfamily="DejaVu Sans",
            usetex=False,
            parse_math=False,
        )
