"""asyncflow on RADICAL-Pilot versus RADICAL-Pilot itself, on the same pilot in one process.

Two workloads, each run both ways in alternating rounds (so machine noise hits both sides
alike); the best round of each side is reported:

* ``shell``: N independent ``/bin/true`` tasks. asyncflow: ``executable_task`` through
  ``WorkflowEngine``; RP: ``TaskDescription(executable='/bin/true')`` batches handed to
  ``TaskManager.submit_tasks``.
* ``functions``: N independent function tasks ``x + 1``. asyncflow: ``function_task``;
  RP: ``TaskDescription(mode=TASK_FUNCTION, function=PythonTask(inc, x))`` sent to the
  same Raptor master and worker, where RP's default dispatch runs it (fork twice per
  task); and "rp+afworker": RP's ``submit_tasks`` with the same payloads and worker entry
  point asyncflow uses (fork once per task), i.e. asyncflow's worker without asyncflow's
  client side. The ratio against the latter is what asyncflow's client side costs.

Both sides measure from the first submission to the last final state. The pilot, its
Raptor worker and the task manager are shared, so the difference is what asyncflow adds
(futures, scheduling, task description mapping, payload pickling, result decoding).

Run: ``python benchmarks/bench_radical.py [--n 1000] [--rounds 2] [--cores 4]``. It starts a
pilot on local.localhost; RP writes to ``--sandbox`` (default: a temporary directory).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any

from asyncflow import WorkflowEngine
from asyncflow.backends._radical_describe import ENTRY_POINT
from asyncflow.backends._radical_payload import make_payload
from asyncflow.backends.radical import RadicalExecutionBackend


def inc(x: int) -> int:
    """The function task of the benchmark."""
    return x + 1


def true_command() -> str:
    """The warm-up shell task."""
    return "/bin/true"


class NativeRP:
    """The same work, submitted to the backend's task manager with RP's own API."""

    def __init__(self, backend: RadicalExecutionBackend) -> None:
        import radical.pilot as rp

        self.rp = rp
        self.backend = backend
        self.lock = threading.Lock()
        self.pending: set[str] = set()
        self.failed = 0
        self.last_error = ""
        self.all_done = threading.Event()
        backend.task_manager.register_callback(self._on_state)

    def _on_state(self, task: Any, state: Any = None, *_: Any) -> None:
        if state not in self.rp.FINAL:
            return
        with self.lock:
            if task.uid not in self.pending:
                return
            self.pending.discard(task.uid)
            if state != self.rp.DONE:
                self.failed += 1
                self.last_error = f"{task.uid}: {state} {task.exception} {task.stderr}"
            if not self.pending:
                self.all_done.set()

    def run(self, descriptions: list[Any]) -> float:
        with self.lock:
            self.pending = {td.uid for td in descriptions}
            self.failed = 0
        self.all_done.clear()
        start = time.perf_counter()
        self.backend.task_manager.submit_tasks(descriptions)
        if not self.all_done.wait(3600):
            raise RuntimeError("native RP run did not finish")
        elapsed = time.perf_counter() - start
        if self.failed:
            raise RuntimeError(f"{self.failed} native RP tasks failed, e.g. {self.last_error}")
        return elapsed

    def shell(self, n: int, tag: str) -> float:
        td = self.rp.TaskDescription
        return self.run(
            [td({"uid": f"n.{tag}.{i:06d}", "executable": "/bin/true"}) for i in range(n)]
        )

    def functions_af_worker(self, n: int, tag: str) -> float:
        rp = self.rp
        master = self.backend.raptor_master.uid
        start = time.perf_counter()
        descriptions = [
            rp.TaskDescription(
                {
                    "uid": f"w.{tag}.{i:06d}",
                    "mode": rp.TASK_FUNCTION,
                    "function": ENTRY_POINT,
                    "args": [make_payload(inc, (i,), {}, "inc")],
                    "raptor_id": master,
                }
            )
            for i in range(n)
        ]
        return self.run(descriptions) + (time.perf_counter() - start)

    def functions(self, n: int, tag: str) -> float:
        rp = self.rp
        master = self.backend.raptor_master.uid
        return self.run(
            [
                rp.TaskDescription(
                    {
                        "uid": f"n.{tag}.{i:06d}",
                        "mode": rp.TASK_FUNCTION,
                        "function": rp.PythonTask(inc, (i,), {}),
                        "raptor_id": master,
                    }
                )
                for i in range(n)
            ]
        )


def through_asyncflow(
    flow: WorkflowEngine,
) -> tuple[Callable[[int, str], float], Callable[[int, str], float]]:
    """The two workloads through the engine; each returns its wall time."""

    @flow.executable_task
    def true(i: int) -> str:
        return "/bin/true"

    fn = flow.function_task(inc)

    def shell(n: int, _tag: str) -> float:
        start = time.perf_counter()
        futures = [true(i) for i in range(n)]
        assert all(f.result() == "" for f in futures)
        return time.perf_counter() - start

    def functions(n: int, _tag: str) -> float:
        start = time.perf_counter()
        futures = [fn(i) for i in range(n)]
        assert [f.result() for f in futures] == [i + 1 for i in range(n)]
        return time.perf_counter() - start

    return shell, functions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="tasks per run (default 1000)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds (default 2)")
    parser.add_argument("--cores", type=int, default=4, help="pilot cores for shell tasks")
    parser.add_argument("--worker-cores", type=int, default=4, help="Raptor worker cores")
    parser.add_argument("--sandbox", default=None, help="where RP writes (default: a temp dir)")
    parser.add_argument("--only", choices=["shell", "functions"], default=None)
    args = parser.parse_args()

    sandbox = args.sandbox or tempfile.mkdtemp(prefix="bench-radical-")
    backend = RadicalExecutionBackend(
        {"resource": "local.localhost", "cores": args.cores},
        raptor={"cores_per_worker": args.worker_cores},
        sandbox=sandbox,
    )
    started = time.perf_counter()
    flow = WorkflowEngine(backend=backend)
    try:
        # the first task waits for the pilot (and the second for Raptor): that is start-up
        warm = flow.function_task(inc)
        flow.executable_task(true_command)().result()
        pilot_up = time.perf_counter() - started
        warm(0).result()
        raptor_up = time.perf_counter() - started
        print(f"{backend.describe()}; sandbox {sandbox}")
        print(
            f"start-up: first shell task done after {pilot_up:.1f} s, "
            f"first function task after {raptor_up:.1f} s"
        )
        native = NativeRP(backend)
        af_shell, af_functions = through_asyncflow(flow)
        workloads: dict[str, list[tuple[str, Callable[[int, str], float]]]] = {
            "shell": [("rp", native.shell), ("asyncflow", af_shell)],
            "functions": [
                ("rp", native.functions),
                ("rp+afworker", native.functions_af_worker),
                ("asyncflow", af_functions),
            ],
        }
        best: dict[tuple[str, str], float] = {}
        for r in range(args.rounds):
            for name, sides in workloads.items():
                if args.only and name != args.only:
                    continue
                for side, run in sides if r % 2 == 0 else sides[::-1]:
                    elapsed = run(args.n, f"{name}{r}")
                    best[(name, side)] = min(best.get((name, side), elapsed), elapsed)
                    print(
                        f"round {r + 1} {name:9s} {side:11s} {elapsed:7.2f} s "
                        f"{args.n / elapsed:7.1f} tasks/s",
                        flush=True,
                    )
        print(f"\nbest of {args.rounds} rounds, {args.n} tasks each:")
        for name, sides in workloads.items():
            if (name, "asyncflow") not in best:
                continue
            ours = best[(name, "asyncflow")]
            for side, _ in sides:
                t = best[(name, side)]
                ratio = "" if side == "asyncflow" else f"  asyncflow time / this = {ours / t:.2f}"
                print(f"  {name:9s} {side:11s} {args.n / t:7.1f} tasks/s{ratio}")
        print(f"(cpus: {os.cpu_count()}, load average now: {os.getloadavg()[0]:.1f})")
    finally:
        closing = time.perf_counter()
        flow.close()
        print(f"shutdown: {time.perf_counter() - closing:.1f} s")


if __name__ == "__main__":
    main()
