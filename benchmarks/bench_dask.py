"""asyncflow on Dask versus Dask itself, on the same LocalCluster in the same process.

Three workloads, each run both ways, in alternating rounds so that machine noise hits both
sides alike; the best round of each is reported:

* ``functions``: N independent function tasks ``x + 1``.
* ``shell``: N independent shell tasks ``/bin/true`` (asyncflow: ``executable_task``;
  Dask: ``subprocess.run(..., shell=True)`` in a submitted function).
* ``chain``: a dependency chain of length N. asyncflow resolves each step in the client
  and submits the next; Dask is shown two ways: submitting each step after fetching the
  previous result (the same round trip as asyncflow) and handing Dask the futures so its
  scheduler chains the steps without the client.

Run: ``python benchmarks/bench_dask.py [--n 1000] [--chain 1000] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from distributed import Client

from asyncflow import WorkflowEngine
from asyncflow.backends.dask import DaskExecutionBackend


def inc(x: int) -> int:
    """The function task of the benchmark."""
    return x + 1


def sh_true() -> str:
    """What a Dask user writes to run ``/bin/true`` in a task."""
    done = subprocess.run("/bin/true", shell=True, capture_output=True, check=True)
    return done.stdout.decode()


def timed(run: Callable[[], Any]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


class Workloads:
    """The same work, through asyncflow and through the Dask client directly."""

    def __init__(self, flow: WorkflowEngine, client: Client, n: int, chain: int) -> None:
        self.client = client
        self.n = n
        self.chain = chain
        self.inc = flow.function_task(inc)

        @flow.executable_task
        def true() -> str:
            return "/bin/true"

        self.true = true

    # -- asyncflow ------------------------------------------------------------------
    def asyncflow_functions(self) -> None:
        futures = [self.inc(i) for i in range(self.n)]
        assert [f.result() for f in futures] == [i + 1 for i in range(self.n)]

    def asyncflow_shell(self) -> None:
        futures = [self.true() for _ in range(self.n)]
        assert [f.result() for f in futures] == [""] * self.n

    def asyncflow_chain(self) -> None:
        future = self.inc(0)
        for _ in range(self.chain - 1):
            future = self.inc(future)
        assert future.result() == self.chain

    # -- Dask directly ----------------------------------------------------------------
    def dask_functions(self) -> None:
        futures = [self.client.submit(inc, i, pure=False) for i in range(self.n)]
        assert self.client.gather(futures) == [i + 1 for i in range(self.n)]

    def dask_shell(self) -> None:
        futures = [self.client.submit(sh_true, pure=False) for _ in range(self.n)]
        assert self.client.gather(futures) == [""] * self.n

    def dask_chain_round_trip(self) -> None:
        value = 0
        for _ in range(self.chain):
            value = self.client.submit(inc, value, pure=False).result()
        assert value == self.chain

    def dask_chain_futures(self) -> None:
        future = self.client.submit(inc, 0, pure=False)
        for _ in range(self.chain - 1):
            future = self.client.submit(inc, future, pure=False)
        assert future.result() == self.chain


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="independent tasks per workload")
    parser.add_argument("--chain", type=int, default=1000, help="length of the chain")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="threads per worker")
    args = parser.parse_args(argv)

    load_before = f"{os.getloadavg()[0]:.1f}"
    backend = DaskExecutionBackend(n_workers=args.workers, threads_per_worker=args.threads)
    with WorkflowEngine(backend=backend) as flow:
        flow.function_task(inc)(0).result()  # waits for the cluster
        client = Client(backend.scheduler_address, set_as_default=False)
        try:
            work = Workloads(flow, client, args.n, args.chain)
            pairs = {
                "functions": ("dask_functions", "asyncflow_functions"),
                "shell": ("dask_shell", "asyncflow_shell"),
                "chain": ("dask_chain_round_trip", "asyncflow_chain"),
            }
            # warm both paths up (imports on the workers, connections)
            for native, ours in pairs.values():
                small = Workloads(flow, client, 20, 20)
                getattr(small, native)()
                getattr(small, ours)()
            times: dict[str, list[float]] = {}
            for _ in range(args.rounds):
                for native, ours in pairs.values():
                    for method in (native, ours):
                        times.setdefault(method, []).append(timed(getattr(work, method)))
                times.setdefault("dask_chain_futures", []).append(timed(work.dask_chain_futures))
        finally:
            client.close()
    report(times, args, f"{load_before}/{os.getloadavg()[0]:.1f}")
    return 0


def report(times: dict[str, list[float]], args: argparse.Namespace, load: str) -> None:
    """A Markdown table: tasks/s (best round, median in brackets) and time ratio."""
    print(
        f"Dask LocalCluster, {args.workers} workers x {args.threads} thread(s); "
        f"{args.rounds} alternating rounds; load average before/after: {load}\n"
    )
    print("| workload | Dask directly, tasks/s | asyncflow, tasks/s | asyncflow time / Dask time |")
    print("|---|---|---|---|")
    rows = [
        (f"{args.n} functions `x + 1`", "dask_functions", "asyncflow_functions", args.n),
        (f"{args.n} shell tasks `/bin/true`", "dask_shell", "asyncflow_shell", args.n),
        (
            f"chain of {args.chain} (Dask: fetch each result, submit the next)",
            "dask_chain_round_trip",
            "asyncflow_chain",
            args.chain,
        ),
        (
            f"chain of {args.chain} (Dask: pass futures, scheduler chains)",
            "dask_chain_futures",
            "asyncflow_chain",
            args.chain,
        ),
    ]
    for label, native, ours, count in rows:
        best_n, best_a = min(times[native]), min(times[ours])
        med_n, med_a = statistics.median(times[native]), statistics.median(times[ours])
        print(
            f"| {label} | {count / best_n:.0f} ({count / med_n:.0f}) "
            f"| {count / best_a:.0f} ({count / med_a:.0f}) | {best_a / best_n:.2f} "
            f"({med_a / med_n:.2f}) |"
        )
    print()
    for label, native, ours, count in rows[2:]:
        print(
            f"- {label}: {1000 * min(times[native]) / count:.1f} ms per step with Dask, "
            f"{1000 * min(times[ours]) / count:.1f} ms with asyncflow"
        )


if __name__ == "__main__":
    sys.exit(main())
