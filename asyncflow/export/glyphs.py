"""Fast label text for big pictures: glyph outlines cached per character.

matplotlib lays out every ``Text`` with FreeType on each draw, a few milliseconds per
label; a thousand labels would take seconds. Here each character's outline and advance are
read once, and a label is the concatenation of its characters' outlines, moved into
place. All labels of one colour become a single filled path, drawn in one call. Kerning
is ignored, which is invisible at label sizes. Imported only when drawing (needs
matplotlib).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from matplotlib import ft2font
from matplotlib.font_manager import FontProperties, findfont
from matplotlib.path import Path
from matplotlib.textpath import TextPath

FAMILY = "DejaVu Sans"
#: baseline below the visual centre of a line, in ems (half the height of "x" and caps)
BASELINE = 0.36


class GlyphFont:
    """One font's glyph outlines and advances, in ems, cached per character."""

    def __init__(self, family: str = FAMILY) -> None:
        self._prop = FontProperties(family=family)
        self._font = ft2font.FT2Font(findfont(self._prop))
        self._font.set_size(72, 72)  # 72 px per em: advances come out in 1/72 em
        flags = getattr(ft2font, "LoadFlags", None)  # matplotlib >= 3.10; before: constants
        self._flags = flags.NO_HINTING if flags is not None else ft2font.LOAD_NO_HINTING  # type: ignore[attr-defined]
        self._glyphs: dict[str, tuple[Any, Any, float]] = {}

    def _glyph(self, char: str) -> tuple[Any, Any, float]:
        glyph = self._glyphs.get(char)
        if glyph is None:
            advance = self._font.load_char(ord(char), flags=self._flags).horiAdvance / 64 / 72
            if char.isspace():  # no outline (and TextPath fails on an empty one)
                glyph = (np.empty((0, 2)), np.empty(0, dtype=np.uint8), advance)
            else:
                outline = TextPath((0, 0), char, size=1, prop=self._prop)
                glyph = (np.asarray(outline.vertices), np.asarray(outline.codes), advance)
            self._glyphs[char] = glyph
        return glyph

    def width(self, text: str, size: float) -> float:
        """Advance width of ``text`` in inches at ``size`` points."""
        return sum(self._glyph(char)[2] for char in text) * size / 72.0

    def path(self, labels: list[tuple[str, float, float, float]]) -> Path | None:
        """One path for many labels, each ``(text, centre_x, centre_y, size_pt)``.

        Coordinates are inches with y growing downwards (as in the graph axes).
        """
        vertices, codes = [], []
        for text, cx, cy, size in labels:
            em = size / 72.0
            x = cx - self.width(text, size) / 2
            baseline = cy + BASELINE * em
            for char in text:
                verts, kinds, advance = self._glyph(char)
                if len(verts):
                    placed = verts * (em, -em)
                    placed += (x, baseline)
                    vertices.append(placed)
                    codes.append(kinds)
                x += advance * em
        if not vertices:
            return None
        return Path(np.concatenate(vertices), np.concatenate(codes))


@functools.cache
def font() -> GlyphFont:
    """The shared label font."""
    return GlyphFont()
