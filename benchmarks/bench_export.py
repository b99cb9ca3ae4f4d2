"""Benchmark: time to draw and save task graphs as PNG (not a test).

Graphs of 100, 1,000 and 10,000 tasks in three shapes: a chain, a fan-out (one source,
N workers, one sink: collapsed to three nodes) and a random layered DAG (random names,
nothing collapses). Prints a table with wall-clock and CPU seconds (CPU time is the
steadier number on a busy machine); run it from the repository root::

    python benchmarks/bench_export.py [--sizes 100 1000 10000] [--out DIR]
"""

from __future__ import annotations

import argparse
import random
import statistics
import struct
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from asyncflow.export import layout, plot


def chain(n: int) -> nx.DiGraph:
    """``step_0 → step_1 → … → step_{n-1}``."""
    graph = nx.DiGraph()
    for i in range(n):
        graph.add_node(i, name=f"step_{i}", kind="function", state="DONE")
        if i:
            graph.add_edge(i - 1, i)
    return graph


def fan_out(n: int) -> nx.DiGraph:
    """One source, ``n - 2`` identical workers, one sink; 1% of the workers failed."""
    graph = nx.DiGraph()
    graph.add_node("src", name="split", kind="function", state="DONE")
    graph.add_node("sink", name="combine", kind="function", state="SKIPPED")
    for i in range(n - 2):
        state = "FAILED" if i % 100 == 7 else "DONE"
        graph.add_node(i, name="simulate", kind="executable", state=state)
        graph.add_edge("src", i)
        graph.add_edge(i, "sink")
    return graph


def random_dag(n: int, seed: int = 42) -> nx.DiGraph:
    """Layers of about sqrt(n) tasks, each fed by 1-3 tasks of the 1-3 layers before."""
    rng = random.Random(seed)
    width = max(2, round(n**0.5))
    layers = [list(range(i, min(n, i + width))) for i in range(0, n, width)]
    graph = nx.DiGraph()
    kinds = ("function", "function", "executable", "map")
    for i, layer in enumerate(layers):
        for v in layer:
            graph.add_node(v, name=f"task_{v}", kind=rng.choice(kinds), state="PENDING")
            if i:
                for _ in range(rng.randint(1, 3)):
                    back = min(i, rng.choice((1, 1, 1, 2, 3)))
                    graph.add_edge(rng.choice(layers[i - back]), v)
    return graph


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG header."""
    with path.open("rb") as handle:
        header = handle.read(24)
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10_000])
    parser.add_argument("--repeat", type=int, default=1, help="runs per case (median shown)")
    parser.add_argument("--out", type=Path, default=None, help="keep the PNGs here")
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="bench_export_"))
    out.mkdir(parents=True, exist_ok=True)
    plot(chain(3), out / "warmup.png")  # font cache, imports
    header = f"{'shape':<8} {'tasks':>6} {'edges':>6} {'drawn':>6} {'layout s':>9} "
    header += f"{'draw+save s':>12} {'cpu s':>6} {'PNG px':>12} {'KiB':>7}"
    print(header)
    print("-" * len(header))
    for shape, build in (("chain", chain), ("fan-out", fan_out), ("random", random_dag)):
        for n in args.sizes:
            graph = build(n)
            start = time.perf_counter()
            drawn = len(layout(graph).nodes)
            layout_s = time.perf_counter() - start
            times, cpu = [], []
            path = out / f"{shape}_{n}.png"
            for _ in range(args.repeat):
                start, start_cpu = time.perf_counter(), time.process_time()
                plot(graph, path)
                times.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
            w, h = png_size(path)
            print(
                f"{shape:<8} {n:>6} {graph.number_of_edges():>6} {drawn:>6} {layout_s:>9.2f} "
                f"{statistics.median(times):>12.2f} {statistics.median(cpu):>6.2f} "
                f"{f'{w}x{h}':>12} "
                f"{path.stat().st_size / 1024:>7.0f}",
                flush=True,
            )
    print(f"\npictures in {out}")


if __name__ == "__main__":
    main()
