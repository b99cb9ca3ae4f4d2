#!/usr/bin/env python3
"""Scale of operator pipelines: a map over 100,000 items, composed, compiled and run on
the dry-run backend, against the same 100,000 tasks written with plain futures on the
same engine. Each form runs in its own process so that its peak RSS is its own.

Targets: <= 300 MB peak RSS for the pipeline, and time within 2x of plain futures.

usage: python benchmarks/bench_pipeline.py [--n 100000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time


def inc(x):
    return x + 1


def run_pipeline(n: int) -> dict:
    from asyncflow import WorkflowEngine, task

    items = list(range(n))
    t0 = time.perf_counter()
    pipeline = task(inc).map()
    plan = pipeline.plan()
    t_compile = time.perf_counter() - t0
    with WorkflowEngine(dry_run=True) as flow:
        result = flow.submit(plan, items).result()
    total = time.perf_counter() - t0
    assert len(result) == n
    return {"compile_s": t_compile, "total_s": total}


def run_futures(n: int) -> dict:
    from asyncflow import WorkflowEngine

    t0 = time.perf_counter()
    with WorkflowEngine(dry_run=True) as flow:
        f = flow.function_task(inc)
        futures = [f(i) for i in range(n)]
        results = [fut.result() for fut in futures]
    total = time.perf_counter() - t0
    assert len(results) == n
    return {"compile_s": 0.0, "total_s": total}


def child(form: str, n: int) -> None:
    out = (run_pipeline if form == "pipeline" else run_futures)(n)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(out))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", choices=["pipeline", "futures"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.n)
        return 0
    samples: dict[str, list[dict]] = {"pipeline": [], "futures": []}
    for _ in range(args.rounds):
        for form in samples:
            out = subprocess.run(
                [sys.executable, __file__, "--child", form, "--n", str(args.n)],
                capture_output=True,
                text=True,
                timeout=900,
                check=True,
            ).stdout
            line = next(x for x in out.splitlines() if x.startswith("RESULT "))
            samples[form].append(json.loads(line[7:]))
    med = {
        form: {key: statistics.median(s[key] for s in runs) for key in runs[0]}
        for form, runs in samples.items()
    }
    print(f"{args.n:,} tasks on the dry-run backend, median of {args.rounds} runs")
    print(f"{'form':<28} {'compile s':>10} {'total s':>9} {'peak RSS MB':>12}")
    for form, label in (("pipeline", "pipeline (task(inc).map())"), ("futures", "plain futures")):
        m = med[form]
        print(f"{label:<28} {m['compile_s']:>10.3f} {m['total_s']:>9.2f} {m['peak_rss_mb']:>12.1f}")
    ratio = med["pipeline"]["total_s"] / med["futures"]["total_s"]
    rss = med["pipeline"]["peak_rss_mb"]
    verdict_time = "ok" if ratio <= 2 else "MISSED"
    verdict_rss = "ok" if rss <= 300 else "MISSED"
    print(f"time ratio pipeline/futures: {ratio:.2f} (target <= 2: {verdict_time})")
    print(f"pipeline peak RSS: {rss:.0f} MB (target <= 300: {verdict_rss})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
