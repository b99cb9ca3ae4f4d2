"""Seed Basic Usage: the RADICAL AsyncFlow README example, on asyncflow's thread backend.

The only changes from the seed are the import and the backend (the RADICAL-Pilot version is
examples/02_seed_basic_usage_radical.py).
"""

import asyncio

from asyncflow import ConcurrentExecutionBackend, WorkflowEngine


async def main():
    backend = ConcurrentExecutionBackend()
    flow = WorkflowEngine(backend=backend)

    @flow.executable_task
    def task1():
        return "echo $RANDOM"

    @flow.function_task
    def task2(t1_result):
        return t1_result * 2 * 2

    t1_result = task1().result()
    t2_result = task2(t1_result).result()
    print(f"task1 printed {t1_result!r}; task2 returned {t2_result!r}")
    await flow.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
