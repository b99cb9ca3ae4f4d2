"""The behavioural contract, with the same assertions on every backend."""

from __future__ import annotations

import asyncio
import time

import pytest

from asyncflow import DependencyFailureError, ExecutableTaskError

pytestmark = [pytest.mark.timeout(900)]


# task bodies live at module level so that every backend can ship them to its workers
def add(a, b):
    return a + b


async def async_double(x):
    await asyncio.sleep(0.01)
    return 2 * x


def total(*parts):
    return sum(parts)


def explode(x):
    raise ValueError(f"bad value {x}")


def touch(path, *_upstream):
    with open(path, "w") as handle:
        handle.write("ran")
    return path


def test_function_results(engine):
    f = engine.function_task(add)
    g = engine.function_task(async_double)
    assert f(2, 3).result(timeout=120) == 5
    assert g(21).result(timeout=120) == 42


def test_shell_results_and_quoting(engine):
    @engine.executable_task
    def hello(name):
        return f"printf '%s\\n' 'hello {name}' \"two  spaces\""

    assert hello("world").result(timeout=120) == "hello world\ntwo  spaces"

    @engine.executable_task
    def quoted():
        return """sh -c 'echo "a  b"; exit 3'"""

    err = quoted().exception(timeout=120)
    assert isinstance(err, ExecutableTaskError)
    assert (err.returncode, err.stdout, err.task) == (3, "a  b\n", "quoted")
    assert str(err).startswith("task 'quoted': command 'sh -c ")
    assert "exited with status 3" in str(err)


def test_dependencies_carry_values(engine):
    f = engine.function_task(add)
    g = engine.function_task(async_double)
    t = engine.function_task(total)

    @engine.executable_task
    def echo(x):
        return f"echo {x}"

    chain = f(f(1, 2), g(f(3, 4)))  # 3 + 14
    fan_in = t(*[f(i, i) for i in range(5)])  # 0+2+4+6+8
    shell = echo(chain)
    assert (chain.result(timeout=120), fan_in.result(timeout=120)) == (17, 20)
    assert shell.result(timeout=120) == "17"


def test_a_dependent_of_a_failure_never_runs(engine, tmp_path):
    marker = tmp_path / "must-not-exist"
    boom = engine.function_task(explode)
    after = engine.function_task(touch)
    failed = boom(7)
    dependent = after(str(marker), failed)
    err = dependent.exception(timeout=120)
    assert isinstance(err, DependencyFailureError)
    assert str(err) == (
        "task 'touch' did not run: its dependency 'explode' failed; "
        "root cause: ValueError: bad value 7"
    )
    assert isinstance(failed.exception(), ValueError)
    time.sleep(0.5)
    assert not marker.exists()


def test_large_output(engine):
    @engine.executable_task
    def big():
        return "head -c 2000000 /dev/zero | tr '\\0' 'y'"

    out = big().result(timeout=120)
    assert len(out) == 2_000_000 and set(out) == {"y"}


def test_cancellation_reaches_dependents(engine, tmp_path):
    marker = tmp_path / "never"

    @engine.executable_task
    def sleeper():
        return "sleep 60"

    after = engine.function_task(touch)
    slow = sleeper()
    dependent = after(str(marker), slow)
    time.sleep(1.0)
    assert slow.cancel("not needed")
    assert slow.state == "CANCELLED"
    assert isinstance(dependent.exception(timeout=30), DependencyFailureError)
    assert dependent.state == "CANCELLED"
    assert not marker.exists()


def test_pipelines_give_the_same_results(engine):
    from asyncflow import shell, task

    pipeline = task(add).bind(b=1) | [task(async_double), shell("echo {input}", name="say")]
    assert engine.run(pipeline, 4, timeout=120) == (10, "5")
    assert engine.run(task(add).bind(b=10).map(), [1, 2, 3], timeout=120) == [11, 12, 13]


def test_zz_shutdown_with_work_in_flight_is_prompt(engine):
    @engine.executable_task
    def sleeper():
        return "sleep 60"

    running = [sleeper() for _ in range(3)]
    time.sleep(1.0)
    start = time.monotonic()
    engine.close()
    assert time.monotonic() - start < 30
    assert all(f.state == "CANCELLED" for f in running)
