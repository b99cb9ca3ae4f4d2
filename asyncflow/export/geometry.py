"""From a layout (columns and rows) to inches: boxes, edge curves, arrowheads, folding.

Pure Python; :mod:`asyncflow.export.draw` turns the result into matplotlib artists. The
y axis grows downwards, like the layout's rows. Very long, flat graphs (a chain of
a thousand tasks) are folded into bands stacked top to bottom, like lines of text, so
the picture keeps a sensible shape; the size is then capped and everything scaled down
together. When that would make labels too small to read, the labels are dropped.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from asyncflow.export.model import GraphLayout, LayoutEdge, LayoutNode
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
BAND_GAP = 0.5  # between folded bands
TURN = 0.3  # radius of the U-turns that lead an edge into the next band


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
    lay: GraphLayout,
    *,
    durations: bool,
    max_labels: int,
    labels: bool = True,
    measure: Callable[[str, float], float] = text_width,
) -> Scene:
    """Place ``lay`` in inches; drop labels when they could not be read.

    ``measure(text, points)`` gives a text's width in inches.
    """

    def frame_with(labels: bool) -> _Frame:
        return _Frame(
            lay, durations=durations, max_labels=max_labels, labels=labels, measure=measure
        )

    frame = frame_with(labels)
    hidden = False
    if labels and FONT * frame.scale < MIN_FONT and lay.nodes:
        frame = frame_with(False)
        hidden = True
    return frame.scene(hidden)


class _Frame:
    """Sizes of boxes, columns, gaps and bands at scale 1, and the scale that fits."""

    def __init__(
        self,
        lay: GraphLayout,
        *,
        durations: bool,
        max_labels: int,
        labels: bool,
        measure: Callable[[str, float], float],
    ) -> None:
        self.lay = lay
        nodes = lay.nodes
        chosen = _labelled(lay, max_labels) if labels else set()
        limit = 40 if len(nodes) <= 60 else 28 if len(nodes) <= max_labels else 16
        self.texts = [
            _lines(node, limit, durations) if node.index in chosen else [] for node in nodes
        ]
        n_lines = max((len(t) for t in self.texts), default=0)
        self.box_h = n_lines * LINE + 2 * PAD_Y if n_lines else BARE_H
        self.row = row = self.box_h + ROW_GAP + SHADOW
        self.widths = [
            max(MIN_W, max(measure(t, FONT) for t in lines) + 2 * PAD_X) if lines else BARE_W
            for lines in self.texts
        ]
        n_cols = lay.n_layers
        self.col_w = col_w = [0.0] * n_cols
        for node, w in zip(nodes, self.widths, strict=True):
            col_w[node.layer] = max(col_w[node.layer], w)
        steep = [0.0] * max(0, n_cols - 1)
        for edge in lay.edges:
            for (c0, y0), (_, y1) in itertools.pairwise(edge.points):
                steep[c0] = max(steep[c0], abs(y1 - y0) * row)
        gaps = [min(1.0, 0.5 + 0.08 * dy) for dy in steep]

        # fold long flat graphs into bands, like lines of text
        natural_w = sum(col_w) + sum(gaps)
        ys = [n.y for n in nodes] + [y for e in lay.edges for _, y in e.points] or [0.0]
        natural_h = (max(ys) - min(ys)) * row + row
        bands = 1
        if natural_w > MAX_W and natural_w > 2.5 * natural_h:
            bands = max(1, min(n_cols, round(math.sqrt(natural_w / (1.4 * natural_h)))))
        self.band_of, self.col_x = _fold(col_w, gaps, bands)
        self.bands = bands = max(self.band_of, default=0) + 1
        self.side = MARGIN + (TURN if bands > 1 else 0.0)

        lows = [math.inf] * bands
        highs = [-math.inf] * bands
        spots = [(n.layer, n.y) for n in nodes]
        spots += [point for e in lay.edges for point in e.points[1:-1]]
        for col, y in spots:
            b = self.band_of[col]
            lows[b], highs[b] = min(lows[b], y), max(highs[b], y)
        self.lows, self.tops, self.bottoms = [], [], []
        top = MARGIN + SHADOW
        for b in range(bands):
            low = 0.0 if lows[b] == math.inf else lows[b]
            high = low if highs[b] == -math.inf else highs[b]
            self.lows.append(low)
            self.tops.append(top)
            top += (high - low) * row + row
            self.bottoms.append(top)
            top += BAND_GAP if b < bands - 1 else 0.0
        right = max((x + w for x, w in zip(self.col_x, col_w, strict=True)), default=BARE_W)
        self.width = 2 * self.side + SHADOW + right
        self.height = top + MARGIN
        self.scale = min(1.0, MAX_W / self.width, MAX_H / self.height)

    def y_of(self, col: int, y: float) -> float:
        """Vertical position in inches at scale 1 of row ``y`` in column ``col``."""
        b = self.band_of[col]
        return self.tops[b] + (y - self.lows[b]) * self.row + self.row / 2

    def left(self, col: int) -> float:
        """Left edge of column ``col`` at scale 1."""
        return self.side + self.col_x[col]

    def scene(self, hidden: bool) -> Scene:
        """Boxes and edge paths, scaled to fit."""
        s = self.scale
        boxes = []
        for node, w, lines in zip(self.lay.nodes, self.widths, self.texts, strict=True):
            cx = self.left(node.layer) + self.col_w[node.layer] / 2
            y = self.y_of(node.layer, node.y)
            boxes.append(Box(node, cx * s, y * s, w * s, self.box_h * s, lines))
        verts: list[tuple[float, float]] = []
        codes: list[int] = []
        arrows = [self._route(edge, boxes, verts, codes) for edge in self.lay.edges]
        return Scene(
            width=self.width * s,
            height=self.height * s,
            scale=s,
            font=FONT * s,
            boxes=boxes,
            edge_vertices=verts,
            edge_codes=codes,
            arrows=arrows,
            labels_hidden=hidden,
            bands=self.bands,
        )

    def _route(
        self,
        edge: LayoutEdge,
        boxes: list[Box],
        verts: list[tuple[float, float]],
        codes: list[int],
    ) -> list[tuple[float, float]]:
        """Append one edge's path (S-curves between columns); return its arrowhead."""
        s = self.scale
        src, dst = boxes[edge.source], boxes[edge.target]
        arrow = ARROW * math.sqrt(s)
        c0 = edge.points[0][0]
        x, y = src.x + src.w / 2, src.y
        verts.append((x, y))
        codes.append(MOVETO)
        last = len(edge.points) - 2
        for i, (c1, y1) in enumerate(edge.points[1:]):
            out = (self.left(c0) + self.col_w[c0]) * s
            if out > x:
                verts.append((out, y))
                codes.append(LINETO)
                x = out
            left, ny = self.left(c1) * s, self.y_of(c1, y1) * s
            if self.band_of[c1] == self.band_of[c0]:
                bend = (left - x) / 2
                verts += [(x + bend, y), (left - bend, ny), (left, ny)]
                codes += [CURVE4] * 3
            else:  # into the next band: U-turn down, back left along the gap, U-turn in
                r = TURN * s
                gap = (self.bottoms[self.band_of[c0]] + BAND_GAP / 2) * s
                verts += [(x + r, y), (x + r, gap), (x, gap), (left, gap)]
                verts += [(left - r, gap), (left - r, ny), (left, ny)]
                codes += [CURVE4] * 3 + [LINETO] + [CURVE4] * 3
            x, y, c0 = left, ny, c1
            if i == last:
                end = dst.x - dst.w / 2 - arrow
                if end > x:
                    verts.append((end, y))
                    codes.append(LINETO)
        tip = dst.x - dst.w / 2
        return [(tip, y), (tip - arrow, y - arrow * 0.42), (tip - arrow, y + arrow * 0.42)]


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
    for members in tiers:
        room = max_labels - len(chosen)
        if room <= 0:
            break
        if len(members) <= room:
            chosen += members
        else:  # evenly spread over the picture
            step = len(members) / room
            chosen += [members[int(i * step)] for i in range(room)]
    return set(chosen)
