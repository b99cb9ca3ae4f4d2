"""Helpers of the scheduler that touch task bodies: validation of what they return."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from asyncflow.errors import BackendError, DefinitionError, TaskError, TaskExitError

if TYPE_CHECKING:
    from asyncflow.runtime.future import TaskFuture
    from asyncflow.runtime.slots import BackendSlot


def check_support(slot: BackendSlot, fut: TaskFuture) -> None:
    backend = slot.backend
    if fut.kind == "executable" and not backend.supports_executables:
        raise BackendError(f"task {fut.name!r}: backend {slot.name!r} cannot run shell commands")
    if fut.kind == "function" and not backend.supports_functions:
        raise BackendError(f"task {fut.name!r}: backend {slot.name!r} cannot run Python functions")


def call_body(fut: TaskFuture) -> Any:
    try:
        return fut.body(*fut.args, **fut.kwargs)  # type: ignore[misc]
    except SystemExit as exc:
        raise exit_to_error(fut, exc) from None


def exit_to_error(fut: TaskFuture, exc: BaseException) -> BaseException:
    """What a task's failure becomes: never a BaseException that would stop the caller.

    ``sys.exit()`` in a body becomes :class:`TaskExitError`; KeyboardInterrupt,
    asyncio.CancelledError or GeneratorExit raised by a body become :class:`TaskError`
    (the original is its ``__cause__``), so that awaiting or ``.result()`` on the task
    raises an ordinary exception in the caller, not an interrupt or a cancellation.
    """
    if isinstance(exc, SystemExit):
        return TaskExitError(f"task {fut.name!r} called sys.exit({exc.code!r})", task=fut.name)
    if not isinstance(exc, Exception) and not isinstance(exc, TaskError):
        error = TaskError(f"task {fut.name!r} raised {type(exc).__name__}: {exc}", task=fut.name)
        error.__cause__ = exc
        return error
    return exc


def checked_command(fut: TaskFuture, command: Any) -> str | list[str]:
    """Validate what an executable body returned: a non-empty string or argv list."""
    where = f"executable task {fut.name!r}"
    if command is None:
        raise DefinitionError(
            f"{where} returned None; its body must return the command to run, "
            'e.g. return f"wc -l {path}"'
        )
    if isinstance(command, str):
        if not command.strip():
            raise ValueError(f"{where} returned an empty command string")
        return command
    if isinstance(command, list | tuple) and command:
        if not all(isinstance(part, str | bytes | int | float) for part in command):
            raise DefinitionError(
                f"{where} returned an argv list with non-string items: {command!r}"
            )
        return [str(part) for part in command]
    if isinstance(command, list | tuple):
        raise ValueError(f"{where} returned an empty argv list")
    raise DefinitionError(
        f"{where} returned {type(command).__name__} {command!r}; expected a command string "
        "or an argv list of strings"
    )
