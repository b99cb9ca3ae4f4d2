"""Node outlines as polygons: one function per look, sized in inches."""

from __future__ import annotations

import math


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
