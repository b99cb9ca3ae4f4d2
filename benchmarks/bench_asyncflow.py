#!/usr/bin/env python3
"""asyncflow's side of the peer benchmarks: the same workloads, the same RESULT line.

usage: bench_asyncflow.py BACKEND WORKLOAD N [--kind func|exec|sync]

BACKEND : noop (dry run) | threads (default thread pool)
WORKLOAD: overhead | one | indep | chain (as in ../shared/peers/README.md)
--kind  : func = ``async def inc(x): return x + 1`` (as the reference benchmark), sync = the
          same as a plain ``def``, exec = an executable task running ``/bin/true``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

PEERS = Path(
    os.environ.get("ASYNCFLOW_PEERS", Path(__file__).resolve().parents[2] / "shared" / "peers")
)
sys.path.insert(0, str(PEERS))
from bench_common import TreeRSS, emit, mb  # noqa: E402

T0 = time.perf_counter()
import asyncflow  # noqa: E402
from asyncflow import WorkflowEngine  # noqa: E402

T_IMPORT = time.perf_counter() - T0


async def main(args: argparse.Namespace) -> dict:
    t0 = time.perf_counter()
    flow = await WorkflowEngine.create(dry_run=args.backend == "noop")
    t_start = time.perf_counter() - t0
    if args.kind == "func":

        @flow.function_task
        async def inc(x):
            return x + 1

    elif args.kind == "sync":

        @flow.function_task
        def inc(x):
            return x + 1

    else:

        @flow.executable_task
        def inc(x):
            return "/bin/true"

    n, ok = args.n, None
    t1 = time.perf_counter()
    try:
        if args.workload == "overhead":
            n = 0
        elif args.workload == "one":
            n = 1
            ok = await inc(41) == 42 if args.kind != "exec" and args.backend != "noop" else None
        elif args.workload == "indep":
            results = await asyncio.gather(*[inc(i) for i in range(n)])
            if args.kind != "exec" and args.backend != "noop":
                ok = sum(results) == n * (n - 1) // 2 + n
        elif args.workload == "chain":
            fut = inc(0)
            for _ in range(n - 1):
                fut = inc(fut)
            value = await fut
            ok = value == n if args.kind != "exec" and args.backend != "noop" else None
        t_run = time.perf_counter() - t1
    finally:
        t2 = time.perf_counter()
        await flow.shutdown()
        t_shutdown = time.perf_counter() - t2
    return {
        "n": n,
        "t_start": round(t_start, 4),
        "t_run": round(t_run, 4),
        "t_shutdown": round(t_shutdown, 4),
        "tasks_per_s": round(n / t_run, 1) if n > 1 and t_run > 0 else None,
        "ok": ok,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("backend", choices=["noop", "threads"])
    parser.add_argument("workload", choices=["overhead", "one", "indep", "chain"])
    parser.add_argument("n", type=int, nargs="?", default=0)
    parser.add_argument("--kind", default="func", choices=["func", "sync", "exec"])
    args = parser.parse_args()
    with TreeRSS() as rss:
        wall = time.perf_counter()
        out = asyncio.run(main(args))
        wall = time.perf_counter() - wall
    emit(
        tool=f"asyncflow-{asyncflow.__version__}",
        backend=args.backend,
        workload=args.workload,
        kind=args.kind,
        import_s=round(T_IMPORT, 3),
        wall_in_proc=round(wall, 3),
        peak_rss_self_mb=mb(rss.peak_self),
        peak_rss_tree_mb=mb(rss.peak_tree),
        **out,
    )
