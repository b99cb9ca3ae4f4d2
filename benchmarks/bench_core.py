#!/usr/bin/env python3
"""Side-by-side benchmark of the core engine against its peers, printed as ratios.

One invocation runs every configuration (each in a fresh process, interleaved round by
round so that machine noise hits all of them alike) and prints medians and the ratios the
project's targets are stated in:

- dry-run independent tasks vs radical-asyncflow 0.6's no-op backend (target >= 5x);
- a 1,000-task chain on the dry run vs radical-asyncflow 0.6's no-op backend (>= 100x);
- thread-backend trivial functions vs a raw ThreadPoolExecutor (>= 0.3x).

usage: python benchmarks/bench_core.py [--rounds 3] [--peers-python /tmp/peers/bin/python]

The peers need their own virtual environment (see ../shared/peers/README.md); without it
only asyncflow's and the standard-library baselines run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PEERS = Path(os.environ.get("ASYNCFLOW_PEERS", HERE.parents[1] / "shared" / "peers"))

N_INDEP, N_CHAIN = 10_000, 1_000


def configurations(peers_python: str | None) -> dict[str, list[str]]:
    ours = [sys.executable, str(HERE / "bench_asyncflow.py")]
    base = [sys.executable, str(PEERS / "bench_baselines.py")]
    configs = {
        "asyncflow dry-run indep": [*ours, "noop", "indep", str(N_INDEP)],
        "asyncflow dry-run chain": [*ours, "noop", "chain", str(N_CHAIN)],
        "asyncflow threads indep (async def)": [*ours, "threads", "indep", str(N_INDEP)],
        "asyncflow threads indep (def)": [
            *ours,
            "threads",
            "indep",
            str(N_INDEP),
            "--kind",
            "sync",
        ],
        "asyncflow threads chain (def)": [
            *ours,
            "threads",
            "chain",
            str(N_CHAIN),
            "--kind",
            "sync",
        ],
        "asyncio gather indep": [*base, "asyncio", "indep", str(N_INDEP)],
        "asyncio chain": [*base, "asyncio", "chain", str(N_CHAIN)],
        "ThreadPoolExecutor indep": [*base, "threadpool", "indep", str(N_INDEP)],
        "ThreadPoolExecutor chain": [*base, "threadpool", "chain", str(N_CHAIN)],
    }
    if peers_python:
        ref = [peers_python, str(PEERS / "bench_radical_asyncflow.py")]
        configs |= {
            "radical-asyncflow 0.6 noop indep": [*ref, "noop", "indep", str(N_INDEP)],
            "radical-asyncflow 0.6 noop chain": [*ref, "noop", "chain", str(N_CHAIN)],
            "radical-asyncflow 0.6 local indep": [*ref, "local", "indep", "1000"],
        }
    return configs


def run_once(command: list[str]) -> dict:
    env = dict(os.environ, ASYNCFLOW_PEERS=str(PEERS))
    out = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"{' '.join(command)} printed no RESULT line:\n{out.stderr[-2000:]}")


RATIOS = [
    (
        "dry-run indep / ref noop indep",
        "asyncflow dry-run indep",
        "radical-asyncflow 0.6 noop indep",
        5.0,
    ),
    (
        "dry-run chain / ref noop chain",
        "asyncflow dry-run chain",
        "radical-asyncflow 0.6 noop chain",
        100.0,
    ),
    (
        "threads indep (def) / ThreadPoolExecutor",
        "asyncflow threads indep (def)",
        "ThreadPoolExecutor indep",
        0.3,
    ),
    (
        "threads indep (async def) / ThreadPoolExecutor",
        "asyncflow threads indep (async def)",
        "ThreadPoolExecutor indep",
        0.3,
    ),
    (
        "threads indep (async def) / ref local threads",
        "asyncflow threads indep (async def)",
        "radical-asyncflow 0.6 local indep",
        None,
    ),
    ("dry-run indep / asyncio gather", "asyncflow dry-run indep", "asyncio gather indep", None),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    default_peers = "/tmp/peers/bin/python" if Path("/tmp/peers/bin/python").exists() else None
    parser.add_argument("--peers-python", default=default_peers)
    parser.add_argument("--json", help="also write the medians to this file")
    args = parser.parse_args()
    configs = configurations(args.peers_python)
    samples: dict[str, list[dict]] = {name: [] for name in configs}
    for round_number in range(args.rounds):
        for name, command in configs.items():
            samples[name].append(run_once(command))
        print(f"round {round_number + 1}/{args.rounds} done", file=sys.stderr)
    medians = {
        name: {
            "tasks_per_s": statistics.median(s["tasks_per_s"] for s in runs),
            "peak_rss_mb": statistics.median(s["peak_rss_self_mb"] for s in runs),
        }
        for name, runs in samples.items()
    }
    print(f"\n{'configuration':<42} {'tasks/s (median)':>17} {'peak RSS MB':>12}")
    for name, values in medians.items():
        print(f"{name:<42} {values['tasks_per_s']:>17,.0f} {values['peak_rss_mb']:>12.1f}")
    print(f"\n{'ratio':<50} {'measured':>9} {'target':>8}")
    for label, ours, theirs, target in RATIOS:
        if ours in medians and theirs in medians:
            ratio = medians[ours]["tasks_per_s"] / medians[theirs]["tasks_per_s"]
            verdict = (
                ""
                if target is None
                else f">= {target:g} {'ok' if ratio >= target else 'MISSED'}"
            )
            print(f"{label:<50} {ratio:>8.2f}x {verdict:>8}")
    if args.json:
        Path(args.json).write_text(json.dumps(medians, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
