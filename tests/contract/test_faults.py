"""Fault injection on every backend: no hang, the right errors, every other result kept,
nothing left running."""

from __future__ import annotations

import os
import time

import psutil
import pytest

from asyncflow import (
    ExecutableTaskError,
    TaskTimeoutError,
    WorkerLostError,
)

pytestmark = [pytest.mark.timeout(900)]

FAN_OUT = {"threads": 50_000, "processes": 5_000, "dask": 1_000, "radical": 100}


def maybe_fail(i):
    if i % 7 == 3:
        raise ArithmeticError(f"item {i} is bad")
    return i * i


def die_if(i, victim):
    if i == victim:
        os._exit(13)  # the worker process dies under the task
    time.sleep(0.05)
    return i


def inc(x):
    return x + 1


def _no_stray_sleepers(tag):
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        stray = [
            p
            for p in psutil.process_iter(["cmdline"])
            if p.info["cmdline"] and tag in " ".join(p.info["cmdline"])
        ]
        if not stray:
            return True
        time.sleep(0.2)
    return False


def test_raising_tasks_fail_alone(engine):
    f = engine.function_task(maybe_fail)
    futures = [f(i) for i in range(40)]
    for i, fut in enumerate(futures):
        if i % 7 == 3:
            err = fut.exception(timeout=120)
            assert isinstance(err, ArithmeticError) and str(err) == f"item {i} is bad"
        else:
            assert fut.result(timeout=120) == i * i


def test_failing_commands_fail_alone(engine):
    @engine.executable_task
    def cmd(i):
        return f"echo out{i}; echo err{i} >&2; exit {i % 3}"

    futures = [cmd(i) for i in range(12)]
    for i, fut in enumerate(futures):
        if i % 3:
            err = fut.exception(timeout=120)
            assert isinstance(err, ExecutableTaskError)
            assert (err.returncode, err.stdout.strip()) == (i % 3, f"out{i}")
            assert f"err{i}" in str(err)
        else:
            assert fut.result(timeout=120) == f"out{i}"


def test_a_hanging_command_is_killed_at_its_timeout(engine):
    tag = f"sleep 97{os.getpid() % 100:02d}"

    @engine.executable_task(timeout=2)
    def hangs():
        return f"{tag} & {tag}; wait"

    @engine.executable_task
    def fine():
        return "echo fine"

    start = time.monotonic()
    hung, ok = hangs(), fine()
    err = hung.exception(timeout=120)
    assert isinstance(err, TaskTimeoutError) and "'hangs'" in str(err)
    assert time.monotonic() - start < 60
    assert ok.result(timeout=60) == "fine"
    assert _no_stray_sleepers(tag)


def test_a_dead_worker_fails_only_its_task(engine):
    if engine.backend_kind in ("threads", "radical"):
        pytest.skip("no worker process of ours to kill on this backend")
    die = engine.function_task(die_if)
    futures = [die(i, 2) for i in range(6)]
    err = futures[2].exception(timeout=120)
    assert isinstance(err, WorkerLostError) and "'die_if'" in str(err)
    later = engine.function_task(inc)
    assert later(41).result(timeout=120) == 42


def test_a_wide_fan_out_delivers_every_result(engine):
    n = FAN_OUT[engine.backend_kind]
    from asyncflow import task

    start = time.monotonic()
    result = engine.run(task(inc).map(), list(range(n)), timeout=280)
    assert result == list(range(1, n + 1))
    assert time.monotonic() - start < 280
