"""The dry-run backend: executes no body and no command, returns placeholders."""

from __future__ import annotations

from collections.abc import Sequence

from asyncflow.backends.base import ExecutionBackend, Job


class DryRunResult:
    """Placeholder result of a task in a dry run."""

    __slots__ = ("name", "uid")

    def __init__(self, name: str, uid: str) -> None:
        self.name = name
        self.uid = uid

    def __repr__(self) -> str:
        return f"<dry-run result of {self.name!r} ({self.uid})>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DryRunResult) and other.uid == self.uid

    def __hash__(self) -> int:
        return hash(self.uid)


class NoopExecutionBackend(ExecutionBackend):
    """Completes every job at once with a :class:`DryRunResult`; runs nothing."""

    name = "noop"
    runs_bodies = False

    def submit(self, jobs: Sequence[Job]) -> None:
        for job in jobs:
            job.set_result(DryRunResult(job.name, job.uid))

    def cancel(self, job: Job) -> bool:
        return True
