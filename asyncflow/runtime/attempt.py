"""One attempt of a task that may be retried or timed out.

Tasks without retries or a timeout are handed to backends as their own future (no extra
object on the hot path). The others get one :class:`Attempt` per try, with a uid of its
own, so that a late report from an abandoned attempt (a killed command, a thread that
could not be stopped) is recognised and ignored instead of finishing the next attempt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from asyncflow.backends.base import Job
from asyncflow.runtime.future import FINAL

if TYPE_CHECKING:
    from asyncflow.runtime.future import TaskFuture


class Attempt(Job):
    """A Job standing for try number ``number`` of ``future``."""

    __slots__ = ("future", "number")

    def __init__(self, future: TaskFuture) -> None:
        number = future.attempt
        super().__init__(
            future.uid if number == 0 else f"{future.uid}.retry{number}",
            future.name,
            future.kind,
            fn=future.fn,
            args=future.args,
            kwargs=future.kwargs,
            is_async=future.is_async,
            command=future.command,
            description=future.description,
            timeout=future.timeout,
        )
        self.future = future
        self.number = number

    @property
    def current(self) -> bool:
        return self.future.attempt == self.number and self.future.state not in FINAL

    @property
    def finished(self) -> bool:
        return not self.current

    def set_running(self) -> None:
        if self.current:
            self.future.set_running()

    def set_result(self, value: Any) -> None:
        if self.current:
            self.future.set_result(value)

    def set_exception(self, exc: BaseException) -> None:
        if self.current:
            self.future.set_exception(exc)
