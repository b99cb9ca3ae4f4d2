"""Export task graphs: pictures (PNG, SVG, PDF) with matplotlib, and DOT / Mermaid text.

matplotlib is optional (``pip install 'asyncflow-hpc[plot]'``) and imported only when a
picture is drawn. Every function accepts a ``networkx.DiGraph`` (such as a
:class:`~asyncflow.graph.TaskGraph`) or any object whose ``.graph`` leads to one: a
Pipeline, a WorkflowEngine after a run, an ExecutionPlan, a loaded .flow program.

>>> from asyncflow.export import plot, to_mermaid
>>> plot(flow, "run.png", durations=True)           # doctest: +SKIP
>>> print(to_mermaid(pipeline))                     # doctest: +SKIP
"""

from asyncflow.export.collapse import DEFAULT_COLLAPSE_THRESHOLD
from asyncflow.export.draw import (
    DEFAULT_MAX_LABELS,
    draw,
    plot,
    render_png_bytes,
    render_svg_text,
)
from asyncflow.export.layout import layout
from asyncflow.export.model import GraphLayout, LayoutEdge, LayoutNode
from asyncflow.export.text import to_dot, to_mermaid

__all__ = [
    "DEFAULT_COLLAPSE_THRESHOLD",
    "DEFAULT_MAX_LABELS",
    "GraphLayout",
    "LayoutEdge",
    "LayoutNode",
    "draw",
    "layout",
    "plot",
    "render_png_bytes",
    "render_svg_text",
    "to_dot",
    "to_mermaid",
]
