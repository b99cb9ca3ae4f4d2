"""Telling the tasks that were running on a dead Dask worker from those queued on it.

When a worker process dies, the scheduler fails with ``KilledWorker`` every task it had
handed to that worker (once ``allowed-failures`` is used up): the ones executing, one of
which may have caused the death, and the ones waiting in the worker's queue, which did
nothing wrong. Dask does not say which were executing. What is known: a worker executes at
most ``nthreads`` tasks at once, and its last heartbeat (sent every 0.5 s or so) names the
keys it was executing then; a task named there and lost with the worker was still running
when it died. (The order in which a worker starts its queued tasks is not known to the
client: it depends on the order the scheduler's messages arrived in.)

:func:`split_lost` decides from that, for one worker death, which jobs fail with
:class:`~asyncflow.errors.WorkerLostError` and which are resubmitted. Pure Python, so it
is tested without a cluster.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import TypeVar

J = TypeVar("J")

#: a job known to have been waiting is resubmitted at most this many times
MAX_RESUBMITS = 3


def split_lost(
    lost: Sequence[tuple[J, str]],
    *,
    nthreads: int,
    executing: Collection[str],
    resubmitted: dict[str, int],
    uid: Callable[[J], str],
) -> tuple[list[J], list[J]]:
    """Split the jobs lost with one worker into (fail, resubmit).

    Args:
        lost: ``(job, dask_key)`` for every job whose task failed with ``KilledWorker``
            from this worker.
        nthreads: the dead worker's thread count.
        executing: the keys its last heartbeat reported as executing.
        resubmitted: how often each job uid was resubmitted already; updated in place.
        uid: a job's uid.

    Jobs the heartbeat names were running: they fail. If the others fit in the threads
    left, they were running too and fail. If no thread was left, the others were waiting
    and are resubmitted (up to ``MAX_RESUBMITS`` times). Otherwise it is unknown which of
    them ran: each is resubmitted once, so a task that kills its worker every time fails
    at its second death, and a bystander fails only if it is unlucky twice.
    """
    known = [job for job, key in lost if key in executing]
    rest = [job for job, key in lost if key not in executing]
    free_threads = max(nthreads, 1) - len(known)
    if len(rest) <= free_threads:
        return known + rest, []
    limit = MAX_RESUBMITS if free_threads <= 0 else 1
    fail, again = list(known), []
    for job in rest:
        count = resubmitted.get(uid(job), 0)
        if count >= limit:
            fail.append(job)
        else:
            resubmitted[uid(job)] = count + 1
            again.append(job)
    return fail, again
