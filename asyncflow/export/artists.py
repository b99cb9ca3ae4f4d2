"""The matplotlib artists of a picture: edges, node shapes, labels.

Imported only while drawing. Everything of one kind goes into one collection or one path
(all edges are a single path), so thousands of nodes draw in one call each.
"""

from __future__ import annotations

import math
from typing import Any

from matplotlib.collections import PolyCollection
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath

from asyncflow.export.geometry import LINE, SHADOW, Scene
from asyncflow.export.glyphs import font
from asyncflow.export.shapes import inner, polygon
from asyncflow.export.style import (
    EDGE_COLOUR,
    FAILED_BORDER,
    FONT_FAMILY,
    TEXT_COLOUR,
    colours,
    kind_look,
)

#: up to this many label lines are matplotlib Text; more are drawn as glyph outlines,
#: because laying out each Text costs milliseconds (see glyphs.py)
TEXT_ARTISTS = 120
GREY = "#4a4a4a"


def draw_graph(ax: Any, scene: Scene, by: str) -> None:
    """Add edges, arrowheads, node shapes and labels of ``scene`` to ``ax``."""
    s = scene.scale
    width = max(0.35, 1.0 * math.sqrt(s))
    if scene.edge_vertices:
        path = MplPath(scene.edge_vertices, scene.edge_codes)
        # add_artist, not add_patch: the limits are set already, and computing them from
        # thousands of Bezier curves is the slowest part of a big picture
        ax.add_artist(
            PathPatch(
                path,
                fill=False,
                edgecolor=EDGE_COLOUR,
                linewidth=width * 0.9,
                zorder=1,
                capstyle="round",
            )
        )
        ax.add_collection(
            PolyCollection(scene.arrows, facecolors=EDGE_COLOUR, edgecolors="none", zorder=1.5)
        )

    bodies, faces, borders, widths = [], [], [], []
    shadows: list[list[Any]] = [[], [], []]  # polygons, faces, borders
    doubles: list[list[Any]] = [[], []]
    for box in scene.boxes:
        node = box.node
        shape = kind_look(node.kind).shape
        fill, edge = colours(node.kind, node.state, by)
        lw = width
        if by == "state" and node.collapsed and node.failed:
            edge, lw = FAILED_BORDER, width * 1.8
        if node.collapsed or shape == "stack":
            for k in (2, 1):
                off = SHADOW * s * k
                shadows[0].append(polygon(shape, box.x + off, box.y - off, box.w, box.h))
                shadows[1].append(fill)
                shadows[2].append(edge)
        bodies.append(polygon(shape, box.x, box.y, box.w, box.h))
        faces.append(fill)
        borders.append(edge)
        widths.append(lw)
        if shape == "double":
            doubles[0].append(inner(box.x, box.y, box.w, box.h, 0.035 * s))
            doubles[1].append(edge)
    if shadows[0]:
        ax.add_collection(
            PolyCollection(
                shadows[0],
                facecolors=shadows[1],
                edgecolors=shadows[2],
                linewidths=width * 0.8,
                zorder=2,
            )
        )
    ax.add_collection(
        PolyCollection(bodies, facecolors=faces, edgecolors=borders, linewidths=widths, zorder=3)
    )
    if doubles[0]:
        ax.add_collection(
            PolyCollection(
                doubles[0],
                facecolors="none",
                edgecolors=doubles[1],
                linewidths=width * 0.8,
                zorder=4,
            )
        )
    draw_labels(ax, scene)


def draw_labels(ax: Any, scene: Scene) -> None:
    """Add the label lines: Text artists when few, one glyph path per colour when many."""

    step = LINE * scene.scale
    placed: dict[str, list[tuple[str, float, float, float]]] = {}
    for box in scene.boxes:
        lines = box.lines
        top = box.y - (len(lines) - 1) * step / 2
        for i, line in enumerate(lines):
            colour = TEXT_COLOUR if i == 0 else FAILED_BORDER if line.startswith("(") else GREY
            size = scene.font * (1.0 if i == 0 else 0.9)
            placed.setdefault(colour, []).append((line, box.x, top + i * step, size))
    if sum(len(items) for items in placed.values()) <= TEXT_ARTISTS:
        # few labels: real text, selectable in SVG and PDF
        for colour, items in placed.items():
            for line, x, y, size in items:
                ax.text(
                    x,
                    y,
                    line,
                    ha="center",
                    va="center_baseline",
                    fontsize=size,
                    color=colour,
                    fontfamily=FONT_FAMILY,
                    usetex=False,
                    parse_math=False,
                    zorder=5,
                    clip_on=False,
                )
        return
    for colour, items in placed.items():
        path = font().path(items)
        if path is not None:
            ax.add_artist(
                PathPatch(path, facecolor=colour, edgecolor="none", linewidth=0, zorder=5)
            )
