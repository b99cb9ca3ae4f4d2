"""Pictures of task graphs with matplotlib: PNG, SVG, PDF, and bytes for Jupyter.

matplotlib is imported inside these functions only, and only through its object-oriented
API (``Figure`` + ``FigureCanvasAgg``): no pyplot, so the user's backend is left alone,
no figure is registered anywhere, and nothing needs a display.
"""

from __future__ import annotations

import io
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from asyncflow.export.collapse import DEFAULT_COLLAPSE_THRESHOLD
from asyncflow.export.layout import layout
from asyncflow.export.legend import add_legend, legend_height, legend_width
from asyncflow.export.source import as_graph
from asyncflow.export.style import FONT_FAMILY as _FONT
from asyncflow.export.style import TEXT_COLOUR, choose_by

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: labels are thinned (the most telling ones kept) past this many drawn nodes
DEFAULT_MAX_LABELS = 1000
#: pictures are rendered at this resolution unless it would exceed MAX_PIXELS
DEFAULT_DPI = 100.0
MAX_PIXELS = 24_000_000
#: without labels fine detail is useless: fewer pixels, quicker files
MAX_PIXELS_UNLABELLED = 8_000_000

FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}

#: applied only while a picture is built and saved, then restored by rc_context
_RC: dict[str, Any] = {
    "text.usetex": False,
    "svg.fonttype": "none",  # SVG text stays text: searchable, smaller
    "svg.hashsalt": "asyncflow",  # reproducible SVG ids
    "pdf.fonttype": 42,
    "path.simplify": True,
    "savefig.bbox": None,
    "savefig.transparent": False,
    "savefig.facecolor": "white",
    "savefig.edgecolor": "white",
}


def draw(
    obj: object,
    path: str | os.PathLike[str] | None = None,
    *,
    by: str | None = None,
    durations: bool = False,
    title: str | None = None,
    collapse_threshold: int | None = DEFAULT_COLLAPSE_THRESHOLD,
    max_labels: int = DEFAULT_MAX_LABELS,
    dpi: float = DEFAULT_DPI,
) -> Figure:
    """Draw a task graph left to right and return the matplotlib figure.

    Args:
        obj: a ``networkx.DiGraph`` (e.g. a TaskGraph) or an object whose ``.graph``
            leads to one: Pipeline, WorkflowEngine, ExecutionPlan, loaded .flow program.
        path: if given, also save there; the format follows the extension
            (``.png``, ``.svg`` or ``.pdf``).
        by: colour nodes by ``"kind"`` or ``"state"``; default: by state once any node has
            left PENDING, else by kind.
        durations: add each task's run time (``finished - started``) under its label.
        title: text above the picture.
        collapse_threshold: sibling groups larger than this are drawn as one node
            labelled with the count; None draws every task.
        max_labels: past this many drawn nodes only the most telling ones are labelled.
        dpi: resolution of raster output (lowered automatically for huge pictures).

    Returns:
        A ``matplotlib.figure.Figure`` with an Agg canvas, registered nowhere.

    Raises:
        TypeError: ``obj`` is not a graph and does not lead to one.
        ValueError: unknown extension, ``by`` value or bad ``max_labels``.
        CycleError: the graph has a cycle.
        ImportError: matplotlib is not installed.
    """
    graph = as_graph(obj)
    fmt = format_of(path) if path is not None else None
    if not isinstance(max_labels, int) or max_labels < 0:
        raise ValueError(f"max_labels must be an int >= 0, got {max_labels!r}")
    colour_by = choose_by(graph, by)
    lay = layout(graph, collapse_threshold=collapse_threshold)
    mpl = _matplotlib()
    with mpl.rc_context(_RC):
        fig = _figure(
            lay, by=colour_by, durations=durations, title=title, max_labels=max_labels, dpi=dpi
        )
        if path is not None and fmt is not None:
            _save(fig, path, fmt)
    return fig


def plot(obj: object, path: str | os.PathLike[str], **options: Any) -> Path:
    """Draw ``obj`` and save it to ``path`` (PNG, SVG or PDF by extension); return the path.

    Takes the same keyword options as :func:`draw`.
    """
    draw(obj, path, **options)
    return Path(path)


def render_png_bytes(obj: object, **options: Any) -> bytes:
    """The picture as PNG bytes (for ``_repr_png_``); options as for :func:`draw`."""
    return _render(obj, "png", options)


def render_svg_text(obj: object, **options: Any) -> str:
    """The picture as SVG text (for ``_repr_svg_``); options as for :func:`draw`."""
    return _render(obj, "svg", options).decode("utf-8")


def format_of(path: str | os.PathLike[str]) -> str:
    """The output format for ``path``'s extension.

    Raises:
        ValueError: the extension is not one of ``.png``, ``.svg``, ``.pdf``.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        allowed = ", ".join(FORMATS)
        raise ValueError(
            f"cannot save a picture to {os.fspath(path)!r}: unknown extension "
            f"{suffix or '(none)'!r}; use one of {allowed}"
        )
    return FORMATS[suffix]


def _render(obj: object, fmt: str, options: dict[str, Any]) -> bytes:
    if "path" in options:
        raise TypeError("render functions return the picture; use plot() to save to a path")
    fig = draw(obj, **options)
    buffer = io.BytesIO()
    with _matplotlib().rc_context(_RC):
        _save(fig, buffer, fmt)
    return buffer.getvalue()


def _save(fig: Figure, target: Any, fmt: str) -> None:
    metadata = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}.get(fmt)
    options: dict[str, Any] = {}
    if fmt == "png":  # zlib level 3: about half the time of the default, files ~5% larger
        options["pil_kwargs"] = {"compress_level": 3}
    fig.savefig(target, format=fmt, dpi="figure", metadata=metadata, **options)


def _matplotlib() -> Any:
    try:
        import matplotlib
    except ImportError as exc:
        raise ImportError(
            "drawing task graphs needs matplotlib: pip install 'asyncflow-hpc[plot]'"
        ) from exc
    return matplotlib


def _figure(
    lay: Any, *, by: str, durations: bool, title: str | None, max_labels: int, dpi: float
) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from asyncflow.export.geometry import build_scene
    from asyncflow.export.glyphs import font

    scene = build_scene(lay, durations=durations, max_labels=max_labels, measure=font().width)
    graph_w = max(scene.width, 1.2)
    graph_h = max(scene.height, 0.6)
    fig_w = max(graph_w + 0.3, 4.0, min(legend_width(lay, by), 9.0))
    legend_h = legend_height(lay, scene, by, fig_w)
    title_h = 0.5 if title else 0.12
    fig_h = title_h + graph_h + legend_h
    budget = MAX_PIXELS_UNLABELLED if scene.labels_hidden else MAX_PIXELS
    dpi = min(float(dpi), math.sqrt(budget / (fig_w * fig_h)))
    fig = Figure(figsize=(fig_w, fig_h), dpi=dpi, facecolor="white")
    FigureCanvasAgg(fig)
    ax = fig.add_axes(
        ((fig_w - graph_w) / 2 / fig_w, legend_h / fig_h, graph_w / fig_w, graph_h / fig_h)
    )
    ax.set_axis_off()
    ax.set_xlim(-(graph_w - scene.width) / 2, scene.width + (graph_w - scene.width) / 2)
    ax.set_ylim(scene.height + (graph_h - scene.height) / 2, -(graph_h - scene.height) / 2)
    if scene.boxes:
        from asyncflow.export.artists import draw_graph

        draw_graph(ax, scene, by)
    else:
        ax.text(
            scene.width / 2,
            scene.height / 2,
            "(empty task graph)",
            ha="center",
            va="center",
            fontsize=9,
            color="#777777",
            fontfamily=_FONT,
            usetex=False,
            parse_math=False,
        )
    if title:
        fig.text(
            0.5,
            1 - 0.27 / fig_h,
            title,
            ha="center",
            va="center",
            fontsize=12,
            fontweight="bold",
            color=TEXT_COLOUR,
            fontfamily=_FONT,
            usetex=False,
            parse_math=False,
        )
    add_legend(fig, lay, scene, by, fig_w, legend_h)
    return fig
