"""From a layout (columns and rows) to inches: boxes, edge curves, arrowheads, folding.

Pure Python; :mod:`asyncflow.export.draw` turns the result into matplotlib artists. The
y axis grows downwards, like the layout's rows. Very long, flat graphs (a chain of
a thousand tasks) are folded into bands stacked top to bottom, like lines of text, so
the picture keeps a sensible shape; the size is then capped and everything scaled down
together. When that would make labels too small to read, the labels are dropped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from asyncflow.export.model import GraphLayout, LayoutNode
from asyncflow.export.style import format_duration, shorten, text_width

#: matplotlib.path.Path codes (kept here so this module needs no matplotlib)
MOVETO, LINETO, CURVE4 = 1, 2, 4

FONT = 9.0  # label size in points at scale 1
MIN_FONT = 5.5  # below this, labels are dropped instead of shrunk
LINE = 0.165  # inches per label line
PAD_X, PAD_Y = 0.22, 0.13  # inside a box, around the text
MIN_W, BARE_W, BARE_H = 0.55, 0.32, 0.2  # box sizes (labelled minimum, unlabelled)
ROW_GAP = 0.17  # between boxes of one column
MAX_W, MAX_H = 46.0, 46.0  # cap of the drawing area, inches
MARGIN = 0.16
SHADOW = 0.045  # offset of the stacked copies behind a group or map node
ARROW = 0.085


@dataclass(slots=True)
class Box:
    """One drawn node in inches: centre, size and text lines (empty when unlabelled)."""

    node: LayoutNode
    x: float
    y: float
    w: float
    h: float
    lines: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Scene:
    """Everything to draw, in inches of the graph area, already scaled."""

    width: float
    height: float
    scale: float
    font: float
    boxes: list[Box]
    edge_vertices: list[tuple[float, float]]
    edge_codes: list[int]
    arrows: list[list[tuple[float, float]]]
    labels_hidden: bool
    bands: int


def build_scene(
    lay: GraphLayout, *, durations: bool, max_labels: int, labels: bool = True
) -> Scene:
    """Place ``lay`` in inches; drop labels when they could not be read."""
    scene = _build(lay, durations=durations, max_labels=max_labels, labels=labels)
    if labels and scene.font < MIN_FONT and lay.nodes:
        scene = _build(lay, durations=durations, max_labels=max_labels, labels=False)
        scene.labels_hidden = True
    return scene


def _build(lay: GraphLayout, *, durations: bool, max_labels: int, labels: bool) -> Scene:
    nodes = lay.nodes
    chosen = _labelled(lay, max_labels) if labels else set()
    limit = 40 if len(nodes) <= 60 else 28 if len(nodes) <= max_labels else 16
    texts = [_lines(node, limit, durations) if node.index in chosen else [] for node in nodes]
    n_lines = max((len(t) for t in texts), default=0)
    box_h = n_lines * LINE + 2 * PAD_Y if n_lines else BARE_H
    row = box_h + ROW_GAP + SHADOW
    widths = [
        max(MIN_W, max(text_width(t, FONT) for t in lines) + 2 * PAD_X) if lines else BARE_W
        for lines in texts
    ]
    n_cols = lay.n_layers
    col_w = [0.0] * n_cols
    for node, w in zip(nodes, widths, strict=True):
        col_w[node.layer] = max(col_w[node.layer], w)
    steep = [0.0] * max(0, n_cols - 1)
    for edge in lay.edges:
        for (c0, y0), (_, y1) in zip(edge.points, edge.points[1:], strict=False):
            steep[c0] = max(steep[c0], abs(y1 - y0) * row)
    gaps = [min(1.6, 0.5 + 0.09 * dy) for dy in steep]

    # fold long flat graphs into bands
    natural_w = sum(col_w) + sum(gaps)
    rows = [0.0, 0.0]
    if nodes:
        all_y = [n.y for n in nodes] + [y for e in lay.edges for _, y in e.points]
        rows = [min(all_y), max(all_y)]
    natural_h = (rows[1] - rows[0]) * row + row
    bands = 1
    if natural_w > MAX_W and natural_w > 2.5 * natural_h:
        bands = max(1, min(n_cols, round(math.sqrt(natural_w / (1.4 * natural_h)))))
    band_of, col_x = _fold(col_w, gaps, bands)
    bands = max(band_of, default=0) + 1

    lows = [math.inf] * bands
    highs = [-math.inf] * bands
    for node in nodes:
        b = band_of[node.layer]
        lows[b], highs[b] = min(lows[b], node.y), max(highs[b], node.y)
    for edge in lay.edges:
        for c, y in edge.points[1:-1]:
            b = band_of[c]
            lows[b], highs[b] = min(lows[b], y), max(highs[b], y)
    tops, top = [], 0.0
    for b in range(bands):
        lows[b] = 0.0 if lows[b] == math.inf else lows[b]
        highs[b] = lows[b] if highs[b] == -math.inf else highs[b]
        tops.append(top)
        top += (highs[b] - lows[b]) * row + row + (0.45 if b < bands - 1 else 0.0)

    def where(col: int, y: float) -> float:
        b = band_of[col]
        return MARGIN + SHADOW + tops[b] + (y - lows[b]) * row + row / 2

    width = 2 * MARGIN + SHADOW + max((col_x[c] + col_w[c] for c in range(n_cols)), default=BARE_W)
    height = 2 * MARGIN + top
    scale = min(1.0, MAX_W / width, MAX_H / height)
    s = scale

    boxes = []
    for node, w, lines in zip(nodes, widths, texts, strict=True):
        cx = MARGIN + col_x[node.layer] + col_w[node.layer] / 2
        boxes.append(Box(node, cx * s, where(node.layer, node.y) * s, w * s, box_h * s, lines))

    verts: list[tuple[float, float]] = []
    codes: list[int] = []
    arrows: list[list[tuple[float, float]]] = []
    arrow = ARROW * math.sqrt(s)
    for edge in lay.edges:
        src, dst = boxes[edge.source], boxes[edge.target]
        c0, y0 = edge.points[0]
        x, y = src.x + src.w / 2, src.y
        verts.append((x, y))
        codes.append(MOVETO)
        right = (MARGIN + col_x[c0] + col_w[c0]) * s
        if right > x:
            verts.append((right, y))
            codes.append(LINETO)
            x = right
        for (c1, y1), last in zip(edge.points[1:], _last_flags(len(edge.points) - 1), strict=True):
            left = (MARGIN + col_x[c1]) * s
            ny = where(c1, y1) * s
            # into the next band: a carriage return, bending back leftwards
            bend = (left - x) / 2 if band_of[c1] == band_of[c0] else 0.35 * s
            verts += [(x + bend, y), (left - bend, ny), (left, ny)]
            codes += [CURVE4, CURVE4, CURVE4]
            x, y, c0 = left, ny, c1
            end = dst.x - dst.w / 2 - arrow if last else (MARGIN + col_x[c1] + col_w[c1]) * s
            if end > x:
                verts.append((end, y))
                codes.append(LINETO)
                x = end
        tip = dst.x - dst.w / 2
        arrows.append([(tip, y), (tip - arrow, y - arrow * 0.42), (tip - arrow, y + arrow * 0.42)])
    return Scene(
        width=width * s,
        height=height * s,
        scale=s,
        font=FONT * s,
        boxes=boxes,
        edge_vertices=verts,
        edge_codes=codes,
        arrows=arrows,
        labels_hidden=False,
        bands=bands,
    )


def _last_flags(n: int) -> list[bool]:
    return [i == n - 1 for i in range(n)]


def _fold(col_w: list[float], gaps: list[float], bands: int) -> tuple[list[int], list[float]]:
    """Assign columns to bands of about equal width; x offset of each column in its band."""
    total = sum(col_w) + sum(gaps)
    target = total / bands if bands else total
    band_of, col_x = [], []
    band, x = 0, 0.0
    for c, w in enumerate(col_w):
        if c and band < bands - 1 and x + w > target * 1.02 and x > 0:
            band, x = band + 1, 0.0
        band_of.append(band)
        col_x.append(x)
        x += w + (gaps[c] if c < len(gaps) else 0.0)
    return band_of, col_x


def _lines(node: LayoutNode, limit: int, durations: bool) -> list[str]:
    lines = [shorten(node.title, limit)]
    if node.note:
        lines.append(f"({node.note})")
    if durations and node.duration is not None:
        lines.append(format_duration(node.duration))
    return lines


def _labelled(lay: GraphLayout, max_labels: int) -> set[int]:
    """Which nodes get a label: all, or the most telling ``max_labels`` of them."""
    nodes = lay.nodes
    if len(nodes) <= max_labels:
        return {node.index for node in nodes}
    has_in = {e.target for e in lay.edges}
    has_out = {e.source for e in lay.edges}
    tiers: list[list[int]] = [[], [], [], []]
    for node in sorted(nodes, key=lambda n: (n.layer, n.order)):
        if node.collapsed or node.count is not None:
            tier = 0
        elif node.state in ("FAILED", "CANCELLED"):
            tier = 1
        elif node.index not in has_in or node.index not in has_out:
            tier = 2
        else:
            tier = 3
        tiers[tier].append(node.index)
    chosen: list[int] = []
    for tier in tiers:
        room = max_labels - len(chosen)
        if room <= 0:
            break
        if len(tier) <= room:
            chosen += tier
        else:  # evenly spread over the picture
            step = len(tier) / room
            chosen += [tier[int(i * step)] for i in range(room)]
    return set(chosen)


def polygon(shape: str, x: float, y: float, w: float, h: float) -> list[tuple[float, float]]:
    """Outline of a node of ``shape`` centred on (x, y), ``w`` wide and ``h`` high."""
    a, b = w / 2, h / 2
    if shape == "hexagon":
        c = min(b * 0.8, a / 3)
        return [
            (x - a, y),
            (x - a + c, y - b),
            (x + a - c, y - b),
            (x + a, y),
            (x + a - c, y + b),
            (x - a + c, y + b),
        ]
    if shape == "slant":
        c = min(b * 0.6, a / 4)
        return [(x - a + c, y - b), (x + a, y - b), (x + a - c, y + b), (x - a, y + b)]
    if shape == "double":
        return [(x - a, y - b), (x + a, y - b), (x + a, y + b), (x - a, y + b)]
    radius = b if shape == "pill" else min(b * 0.45, 0.07 * max(h / 0.46, 0.3))
    return _rounded(x, y, a, b, radius)


_ARC = [(math.cos(t), math.sin(t)) for t in (i * math.pi / 10 for i in range(6))]


def _rounded(x: float, y: float, a: float, b: float, r: float) -> list[tuple[float, float]]:
    r = min(r, a, b)
    points = []
    corners = (
        (a - r, b - r, 1, 1),
        (-(a - r), b - r, -1, 1),
        (-(a - r), -(b - r), -1, -1),
        (a - r, -(b - r), 1, -1),
    )
    for k, (cx, cy, sx, sy) in enumerate(corners):
        arc = _ARC if k % 2 == 0 else _ARC[::-1]
        for cos, sin in arc:
            points.append((x + cx + sx * r * cos, y + cy + sy * r * sin))
    return points


def inner(x: float, y: float, w: float, h: float, inset: float) -> list[tuple[float, float]]:
    """The inner rectangle of a double-bordered (block) node."""
    a, b = w / 2 - inset, h / 2 - inset
    return [(x - a, y - b), (x + a, y - b), (x + a, y + b), (x - a, y + b)]
