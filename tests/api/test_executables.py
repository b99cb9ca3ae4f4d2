"""Executable tasks: commands after dependencies, stdout results, clear failures."""

from __future__ import annotations

import sys
import time

import pytest

from asyncflow import DefinitionError, ExecutableTaskError

pytestmark = pytest.mark.timeout(60)


def test_body_runs_after_dependencies_with_their_values(flow):
    @flow.function_task
    def word():
        return "hello"

    @flow.executable_task
    def shout(w, times=2):
        return f"printf '%s ' {w}" + f" {w}" * (times - 1)

    assert shout(word(), times=3).result() == "hello hello hello "


def test_quoting_inside_the_command_string_is_preserved(flow):
    @flow.executable_task
    def quoted():
        return """sh -c 'echo "a  b"; exit 3'"""

    with pytest.raises(ExecutableTaskError) as info:
        quoted().result()
    err = info.value
    assert isinstance(err, RuntimeError)
    assert (err.returncode, err.stdout, err.task) == (3, "a  b\n", "quoted")
    assert "'quoted'" in str(err) and "status 3" in str(err)


def test_stderr_tail_is_in_the_error(flow):
    @flow.executable_task
    def noisy():
        return "for i in $(seq 1 100); do echo line$i >&2; done; exit 2"

    err = noisy().exception()
    assert isinstance(err, ExecutableTaskError)
    assert "line100" in str(err) and "line1\n" not in str(err)
    assert err.stderr.count("\n") == 100


def test_argv_list_runs_without_a_shell(flow):
    @flow.executable_task
    def argv():
        return ["printf", "%s|", "a b", "$HOME", "; echo no"]

    assert argv().result() == "a b|$HOME|; echo no|"


def test_ten_megabytes_of_output_do_not_deadlock(flow):
    @flow.executable_task
    def big():
        return "head -c 10000000 /dev/zero | tr '\\0' 'x'; echo done >&2"

    out = big().result(timeout=50)
    assert len(out) == 10_000_000 and set(out) == {"x"}


def test_output_that_is_not_utf8_does_not_crash(flow):
    @flow.executable_task
    def binary():
        return "printf 'ok\\377\\376end'"

    assert binary().result() == "ok\ufffd\ufffdend"


@pytest.mark.parametrize(
    ("returned", "error", "message"),
    [
        (None, TypeError, "returned None"),
        ("", ValueError, "empty command"),
        ("   ", ValueError, "empty command"),
        (42, TypeError, "returned int 42"),
        ([], ValueError, "empty argv"),
        (["ls", object()], TypeError, "non-string"),
    ],
)
def test_a_body_that_returns_no_command_fails_promptly(flow, returned, error, message):
    @flow.executable_task
    def broken():
        return returned

    start = time.monotonic()
    exc = broken().exception(timeout=5)
    assert isinstance(exc, error)
    assert message in str(exc) and "'broken'" in str(exc)
    assert time.monotonic() - start < 2


def test_async_executable_body(flow):
    @flow.executable_task
    async def later(x):
        return f"echo {x}"

    assert later(5).result() == "5"


def test_a_command_that_does_not_exist(flow):
    @flow.executable_task
    def missing():
        return ["/no/such/program", "x"]

    err = missing().exception()
    assert isinstance(err, ExecutableTaskError) and err.returncode == 127


def test_sys_exit_in_an_executable_body_fails_the_task(flow):
    @flow.executable_task
    def leaves():
        sys.exit(4)

    err = leaves().exception()
    assert "sys.exit(4)" in str(err)
    assert not isinstance(err, DefinitionError)
