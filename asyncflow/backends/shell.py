"""Running shell commands for executable tasks, on any machine a backend reaches.

Shared by the thread/process, Dask and RADICAL-Pilot (function mode) backends, so every
backend gives the same result and the same error for the same command.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import subprocess
from collections.abc import Callable, Sequence

from asyncflow.errors import ExecutableTaskError, TaskTimeoutError

#: the shell that runs command strings
SHELL = shutil.which("bash") or "/bin/sh"
#: keep at most this much of stdout/stderr in an error, so errors stay printable
_ERROR_KEEP = 64 * 1024


def command_text(command: str | Sequence[str]) -> str:
    """The command as a user would type it."""
    if isinstance(command, str):
        return command
    return shlex.join(str(part) for part in command)


def decode(data: bytes) -> str:
    """Decode process output: UTF-8, undecodable bytes replaced (never a crash)."""
    return data.decode("utf-8", errors="replace")


def run_command(
    command: str | Sequence[str],
    *,
    task: str,
    timeout: float | None = None,
    env: dict[str, str] | None = None,
    cwd: str | None = None,
    on_start: Callable[[subprocess.Popen[bytes]], object] | None = None,
) -> str:
    """Run ``command`` and return its stdout without trailing newlines.

    A string runs through ``/bin/sh -c`` (quoting behaves as in a shell); a list runs as
    argv with no shell. The command runs in its own process group so that a timeout kills
    the whole tree. Raises :class:`ExecutableTaskError` on a non-zero exit and
    :class:`TaskTimeoutError` past ``timeout`` seconds. ``on_start(proc)`` is called once
    the process exists (so a backend can kill it on cancellation).
    """
    shell = isinstance(command, str)
    # bash when the machine has it: commands like the seed's `echo $RANDOM` expect it
    executable = SHELL if shell else None
    argv: str | list[str] = command if shell else [str(p) for p in command]  # type: ignore[assignment]
    full_env = None
    if env:
        full_env = dict(os.environ)
        full_env.update({str(k): str(v) for k, v in env.items()})
    try:
        proc = subprocess.Popen(
            argv,
            shell=shell,
            executable=executable,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            env=full_env,
            cwd=cwd,
        )
    except OSError as exc:  # e.g. argv[0] not found
        raise ExecutableTaskError(task, command_text(command), 127, "", str(exc)) from exc
    if on_start is not None:
        on_start(proc)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        raise TaskTimeoutError(
            f"task {task!r}: command {command_text(command)!r} timed out after {timeout:g} s"
            " (its process group was killed)",
            task=task,
        ) from None
    except BaseException:
        kill_group(proc)
        raise
    stdout = decode(out)
    if proc.returncode != 0:
        raise ExecutableTaskError(
            task,
            command_text(command),
            proc.returncode,
            stdout[-_ERROR_KEEP:],
            decode(err)[-_ERROR_KEEP:],
        )
    return stdout.rstrip("\n")


def kill_group(proc: subprocess.Popen[bytes], *, reap: bool = True) -> None:
    """Kill a command and every process it started; reap it too if ``reap``.

    Pass ``reap=False`` from any thread other than the one running ``run_command``: that
    thread is inside ``communicate()`` and will see the end of the output and reap.
    """
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    if reap:
        with contextlib.suppress(subprocess.TimeoutExpired, ValueError, OSError):
            proc.communicate(timeout=5)
