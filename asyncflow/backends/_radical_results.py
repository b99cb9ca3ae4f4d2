"""Turning a finished RADICAL-Pilot task into the job's value or exception.

Executable tasks give the same values and errors as on the thread backend: stdout without
trailing newlines, :class:`ExecutableTaskError` with the stderr tail on a non-zero exit.
RP sends back only the last 1 KiB of a task's stdout and stderr, so the whole streams are
read from the task sandbox when it is on this machine.
"""

from __future__ import annotations

from typing import Any

from asyncflow.backends._radical_env import local_path
from asyncflow.backends._radical_payload import read_outcome
from asyncflow.backends.base import Job
from asyncflow.backends.shell import command_text, decode
from asyncflow.errors import ExecutableTaskError, TaskCancelledError, TaskError, TaskTimeoutError

#: RP keeps only this tail of a task's stdout/stderr inline, after this marker
SHORTENED = "[... CONTENT SHORTENED ...]\n"
#: keep at most this much of stdout/stderr in an error (as the thread backend does)
ERROR_KEEP = 64 * 1024


def done_outcome(task: Any, job: Job) -> tuple[bool, Any]:
    """``(True, value)`` or ``(False, exception)`` for a task in state DONE."""
    if job.kind == "executable":
        return True, read_stream(task, job, "stdout").rstrip("\n")
    value = task.return_value
    if not isinstance(value, str):
        return False, TaskError(
            f"task {job.name!r}: the Raptor worker returned no result ({value!r})",
            task=job.name,
        )
    return read_outcome(value, job.name)


def failed_error(task: Any, job: Job) -> BaseException:
    """The exception for a task in state FAILED (pilot loss is handled by the caller)."""
    exception = str(task.exception or "")
    if job.kind == "executable" and task.exit_code not in (None, 0):
        return ExecutableTaskError(
            job.name,
            command_text(job.command or ""),
            int(task.exit_code),
            read_stream(task, job, "stdout")[-ERROR_KEEP:],
            read_stream(task, job, "stderr")[-ERROR_KEEP:],
        )
    if "TimeoutError" in exception and timeout_of(task, job):
        return timeout_error(task, job)
    detail = "\n".join(str(task.exception_detail or "").strip().splitlines()[-5:])
    return TaskError(
        f"task {job.name!r}: RADICAL-Pilot task {task.uid} failed: {exception or 'no reason'}"
        + (f"\n{detail}" if detail else ""),
        task=job.name,
    )


def canceled_error(task: Any, job: Job) -> BaseException:
    """The exception for a task that RP cancelled without being asked to: its timeout."""
    if timeout_of(task, job):
        return timeout_error(task, job)
    return TaskCancelledError(f"task {job.name!r} was cancelled by RADICAL-Pilot", task=job.name)


def read_stream(task: Any, job: Job, which: str) -> str:
    """A task's whole stdout or stderr: from its sandbox when that is on this machine."""
    inline = str((task.stdout if which == "stdout" else task.stderr) or "")
    default = f"{task.uid}.{'out' if which == 'stdout' else 'err'}"
    path = local_path(task.task_sandbox, task.description.get(which) or default)
    if path is not None:
        try:
            return decode(path.read_bytes())
        except OSError:
            pass
    if inline.startswith(SHORTENED) and which == "stdout":
        raise TaskError(
            f"task {job.name!r}: its stdout is longer than the 1 KiB RADICAL-Pilot sends back, "
            f"and the task sandbox ({task.task_sandbox}) is not readable from here; write "
            "large output to a file and stage it back (task_description output_staging)",
            task=job.name,
        )
    return inline


def timeout_of(task: Any, job: Job) -> float | None:
    value = job.timeout or task.description.get("timeout")
    return float(value) if value else None


def timeout_error(task: Any, job: Job) -> TaskTimeoutError:
    return TaskTimeoutError(
        f"task {job.name!r} timed out after {timeout_of(task, job):g} s (RADICAL-Pilot stopped it)",
        task=job.name,
    )
