"""Pictures: real files in PNG, SVG and PDF, checked pixel by pixel and text by text."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import time
from pathlib import Path

import matplotlib
import networkx as nx
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.image import imread

from asyncflow.export import draw, plot, render_png_bytes, render_svg_text
from asyncflow.export.draw import MAX_PIXELS, MAX_PIXELS_UNLABELLED
from asyncflow.export.style import KINDS, STATES

ROOT = Path(__file__).resolve().parents[2]
TIMES = "\u00d7"
#: pixels of one colour needed to prove that a node (not just a legend icon) has it
NODE_PIXELS = 1200


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def colour_pixels(image: np.ndarray, colour: str, tolerance: float = 2.5 / 255) -> int:
    rgb = np.array(to_rgb(colour))
    return int((np.abs(image[..., :3] - rgb) <= tolerance).all(axis=-1).sum())


@pytest.mark.parametrize("run", [False, True], ids=["before-run", "after-run"])
@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_every_format_is_written(tmp_path, diamond, run, suffix) -> None:
    target = tmp_path / f"diamond{suffix}"
    returned = plot(diamond(run=run), target, title="Diamond", durations=run)
    assert returned == target
    data = target.read_bytes()
    assert len(data) > 3_000
    if suffix == ".png":
        width, height = png_size(data)
        assert 400 <= width <= 3_000 and 200 <= height <= 2_000
    elif suffix == ".svg":
        text = data.decode()
        assert text.startswith("<?xml") and "<svg" in text and text.rstrip().endswith("</svg>")
    else:
        assert data.startswith(b"%PDF-") and b"%%EOF" in data[-64:]


def test_png_size_matches_the_figure_and_is_not_blank(tmp_path, diamond) -> None:
    target = tmp_path / "d.png"
    fig = draw(diamond(), target, dpi=80)
    width, height = png_size(target.read_bytes())
    assert abs(width - fig.get_figwidth() * 80) <= 1
    assert abs(height - fig.get_figheight() * 80) <= 1
    image = imread(target)
    assert image.shape[:2] == (height, width)
    assert image[..., :3].std() > 0.05  # not blank
    assert image[0, 0, :3].tolist() == [1.0, 1.0, 1.0]  # white background


def test_kind_colours_appear_before_a_run(tmp_path, diamond) -> None:
    image = imread(plot(diamond(), tmp_path / "kinds.png"))
    for kind, look in KINDS.items():
        assert colour_pixels(image, look.fill) > NODE_PIXELS, kind
    assert colour_pixels(image, STATES["DONE"].fill) < 50


def test_state_colours_appear_after_a_run(tmp_path, diamond) -> None:
    image = imread(plot(diamond(run=True), tmp_path / "states.png"))
    for state, look in STATES.items():
        assert colour_pixels(image, look.fill) > NODE_PIXELS, state
    assert colour_pixels(image, KINDS["function"].fill) < 50  # stray anti-aliased pixels


def test_by_overrides_the_default(tmp_path, diamond) -> None:
    image = imread(plot(diamond(run=True), tmp_path / "k.png", by="kind"))
    assert colour_pixels(image, KINDS["executable"].fill) > NODE_PIXELS
    assert colour_pixels(image, STATES["FAILED"].fill) < 50


def test_legend_lists_only_what_appears(diamond, fan_out) -> None:
    before = render_svg_text(diamond())
    for label in ("kind:", "input", "function", "executable (shell)", "block", "map (per item)"):
        assert f">{label}<" in before, label
    assert "state:" not in before
    after = render_svg_text(diamond(run=True))
    for label in ("done (2)", "failed (1)", "cancelled (1)", "skipped (1)", "running (1)"):
        assert f">{label}<" in after, label
    assert ">pending / not run (1)<" in after
    fan = render_svg_text(fan_out(100, failed=3))
    assert ">done (98)<" in fan and ">failed (3)<" in fan and ">skipped (1)<" in fan
    assert "running" not in fan and "cancelled" not in fan
    assert f">{TIMES}N  N alike tasks drawn once<" in fan
    assert ">group with failed tasks<" in fan


def test_labels_title_and_durations_in_svg(diamond) -> None:
    svg = render_svg_text(diamond(run=True), durations=True, title='Run "7" <ok>')
    assert ">Run &quot;7&quot; &lt;ok&gt;<" in svg or '>Run "7" &lt;ok&gt;<' in svg
    for label in ("load", "fetch_remote", f"analyse {TIMES}64", "report"):
        assert f">{label}<" in svg
    assert ">1.50 s<" in svg and ">9.00 s<" in svg  # clean, report
    assert " s<" not in render_svg_text(diamond(run=True))


def test_collapsed_fan_out_is_one_labelled_node(fan_out) -> None:
    svg = render_svg_text(fan_out(1000, failed=3))
    assert f">work {TIMES}1000<" in svg
    assert ">(3 failed)<" in svg
    assert ">1,002 tasks drawn as 3 nodes<" in svg


def test_repeated_exports_are_identical(tmp_path, diamond) -> None:
    assert render_svg_text(diamond()) == render_svg_text(diamond())
    plot(diamond(), tmp_path / "a.pdf")
    plot(diamond(), tmp_path / "b.pdf")
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()


def test_draw_returns_an_unregistered_agg_figure(diamond) -> None:
    import matplotlib.pyplot as plt

    fig = draw(diamond())
    assert isinstance(fig, Figure)
    assert isinstance(fig.canvas, FigureCanvasAgg)
    assert plt.get_fignums() == []


def test_global_matplotlib_state_is_untouched(tmp_path, diamond, fan_out, capsys) -> None:
    import matplotlib.pyplot as plt

    backend = matplotlib.get_backend()
    before = dict(matplotlib.rcParams)
    for i in range(2):
        plot(diamond(run=bool(i % 2)), tmp_path / f"d{i}.png")
        plot(fan_out(300), tmp_path / f"f{i}.svg")
        render_png_bytes(diamond())
        render_svg_text(diamond())
        draw(diamond(), tmp_path / f"d{i}.pdf")
    assert matplotlib.get_backend() == backend
    assert dict(matplotlib.rcParams) == before
    assert plt.get_fignums() == []
    captured = capsys.readouterr()
    assert captured.out == ""


@pytest.mark.timeout(90)
def test_headless_without_pyplot_and_silent(tmp_path) -> None:
    code = (
        "import sys, networkx as nx\n"
        "from asyncflow.export import plot\n"
        "plot(nx.DiGraph([(1, 2), (2, 3)]), sys.argv[1])\n"
        "import matplotlib\n"
        "print('pyplot' if 'matplotlib.pyplot' in sys.modules else 'no-pyplot')\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "MPLBACKEND")}
    target = tmp_path / "headless.png"
    result = subprocess.run(
        [sys.executable, "-c", code, str(target)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=80,
        check=True,
    )
    assert result.stdout == "no-pyplot\n"
    assert png_size(target.read_bytes())[0] > 100


def test_user_rc_settings_do_not_break_labels(diamond) -> None:
    graph = nx.DiGraph([("$x_1$", "50% of #items & more_{a}")])
    with matplotlib.rc_context({"text.usetex": True, "font.size": 30}):
        data = render_png_bytes(graph)
        svg = render_svg_text(graph)
    assert png_size(data)[0] > 100
    assert ">$x_1$<" in svg
    assert ">50% of #items &amp; more_{a}<" in svg


def test_empty_graph_draws_a_note() -> None:
    svg = render_svg_text(nx.DiGraph())
    assert ">(empty task graph)<" in svg


def test_many_labels_are_thinned(tmp_path) -> None:
    graph = nx.DiGraph()  # 30 columns of 10 tasks, each fed by two of the column before
    for col in range(1, 30):
        for row in range(10):
            for back in (0, 3):
                graph.add_edge((col - 1, (row + back) % 10), (col, row))
    fig = draw(graph, max_labels=50)
    notes = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert "labels on 50 of 300 nodes" in notes


@pytest.mark.timeout(60)
def test_thousand_task_fan_out_renders_quickly(tmp_path, fan_out) -> None:
    start = time.perf_counter()
    target = plot(fan_out(1000, failed=4), tmp_path / "fan.png")
    assert time.perf_counter() - start < 10
    width, height = png_size(target.read_bytes())
    assert width * height < 1_500_000  # three nodes: a small picture
    image = imread(target)
    assert colour_pixels(image, STATES["DONE"].fill) > NODE_PIXELS


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_ten_thousand_task_chain_renders_capped(tmp_path, chain) -> None:
    start = time.perf_counter()
    fig = draw(chain(10_000), tmp_path / "chain.png")
    elapsed = time.perf_counter() - start
    width, height = png_size((tmp_path / "chain.png").read_bytes())
    assert width * height <= MAX_PIXELS_UNLABELLED * 1.01
    assert max(fig.get_size_inches()) <= 50
    notes = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert any("labels hidden" in note for note in notes)
    assert elapsed < 60  # about 4 s on the 2-core reference machine


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_thousand_task_random_dag_is_labelled_and_capped(tmp_path) -> None:
    import random

    rng = random.Random(5)
    graph = nx.DiGraph()
    for v in range(1000):
        graph.add_node(v, name=f"task_{v}")
        for u in rng.sample(range(max(0, v - 60), v), k=min(v, 2)):
            graph.add_edge(u, v)
    start = time.perf_counter()
    fig = draw(graph, tmp_path / "random.png")
    elapsed = time.perf_counter() - start
    width, height = png_size((tmp_path / "random.png").read_bytes())
    assert width * height <= MAX_PIXELS * 1.01
    notes = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert not any("labels" in note for note in notes)  # every node labelled
    assert elapsed < 60  # under 5 s on the 2-core reference machine
