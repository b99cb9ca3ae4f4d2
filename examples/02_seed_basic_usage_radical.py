"""Seed Basic Usage on RADICAL-Pilot: the RADICAL AsyncFlow README example, as written.

Only the import differs from the seed (it imports ``asyncflow``).
It starts a pilot on this machine (``local.localhost``, 20-60 s), runs a shell task and a
function task on it, and closes the pilot. RP writes its files to the current directory
(``rp.session.*``), to ``$HOME`` (``radical.pilot.sandbox``, ``.radical``) and to
``$TMPDIR``; set ``ASYNCFLOW_RADICAL_SANDBOX=/some/dir`` to move the first two there.
"""

import asyncio

from asyncflow import RadicalExecutionBackend, WorkflowEngine


async def main():
    backend = RadicalExecutionBackend({"resource": "local.localhost"})
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
