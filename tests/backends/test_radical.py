"""The RADICAL-Pilot backend against real pilots on local.localhost.

One module-wide pilot serves most tests (RP needs 20-60 s to start one); a second, small
pilot, started at the same time, is cancelled on purpose. HOME, TMPDIR and the working
directory point at a temporary folder for the whole module, because RP writes to all three.

Most tests drive the backend directly with a recording Job; the last one runs the seed
example through ``WorkflowEngine`` and shuts the module's pilot down. Tests without the
``radical`` mark need no pilot.
"""

from __future__ import annotations

import asyncio
import base64
import importlib.util
import os
import pickle
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from asyncflow.backends import _radical_payload
from asyncflow.backends._radical_describe import check_task_description, shell_executable
from asyncflow.backends.base import Job
from asyncflow.backends.radical import RadicalExecutionBackend
from asyncflow.backends.shell import run_command
from asyncflow.errors import (
    BackendError,
    ExecutableTaskError,
    TaskCancelledError,
    TaskError,
    TaskExitError,
    TaskTimeoutError,
    WorkerLostError,
)
from asyncflow.runtime.loop import LoopThread

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "examples" / "02_seed_basic_usage_radical.py"


# -- task bodies (module level: the Raptor worker imports this module to find them) ----------
def square(x: int) -> int:
    return x * x


def shapes(x: int) -> tuple[int, list[int], dict[str, int]]:
    return (x, [x], {"k": x})


async def async_double(x: int) -> int:
    await asyncio.sleep(0.05)
    return 2 * x


class BoomError(ValueError):
    """An exception type of the user's own."""


def explode(message: str) -> None:
    raise BoomError(message)


def leave() -> None:
    sys.exit(3)


def die() -> None:
    os._exit(13)


def touch_and_sleep(path: str, seconds: float) -> float:
    Path(path).touch()
    time.sleep(seconds)
    return seconds


# -- a Job that records what the backend reports -----------------------------------------------
class RecordingJob(Job):
    """Records the reports; ``wait()`` returns the value or the exception."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.done = threading.Event()
        self.reports: list[tuple[str, Any]] = []
        self.running = False

    def set_running(self) -> None:
        self.running = True

    def set_result(self, value: Any) -> None:
        self.reports.append(("result", value))
        self.done.set()

    def set_exception(self, exc: BaseException) -> None:
        self.reports.append(("error", exc))
        self.done.set()

    @property
    def finished(self) -> bool:
        return self.done.is_set()

    def wait(self, timeout: float = 90) -> Any:
        assert self.done.wait(timeout), f"job {self.name!r} got no report in {timeout} s"
        assert len(self.reports) == 1, f"job {self.name!r} reported {self.reports}"
        return self.reports[0][1]


_uids = iter(range(1, 1_000_000))


def shell_job(command: Any, **kwargs: Any) -> RecordingJob:
    n = next(_uids)
    return RecordingJob(
        f"u{n}", kwargs.pop("name", f"sh{n}"), "executable", command=command, **kwargs
    )


def function_job(fn: Any, *args: Any, **kwargs: Any) -> RecordingJob:
    n = next(_uids)
    is_async = asyncio.iscoroutinefunction(fn)
    return RecordingJob(
        f"u{n}",
        kwargs.pop("name", f"fn{n}"),
        "function",
        fn=fn,
        args=args,
        is_async=is_async,
        **kwargs,
    )


def run(backend: RadicalExecutionBackend, *jobs: RecordingJob, timeout: float = 90) -> list[Any]:
    backend.submit(jobs)
    return [job.wait(timeout) for job in jobs]


def wait_for(path: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} did not appear in {timeout} s"
        time.sleep(0.1)


def session_processes(session_id: str) -> list[int]:
    """Pids of live processes whose command line names the session."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if session_id.encode() in (entry / "cmdline").read_bytes():
                    stat = (entry / "stat").read_text().rsplit(")", 1)[-1].split()
                    if stat and stat[0] != "Z":
                        found.append(int(entry.name))
            except OSError:
                continue
    return found


# -- module fixtures: one environment, two pilots, the seed example ----------------------------
@pytest.fixture(scope="module")
def rp_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """HOME, TMPDIR and cwd in a temporary folder (set before any session exists)."""
    pytest.importorskip("radical.pilot")
    root = tmp_path_factory.mktemp("radical")
    for sub in ("home", "tmp", "cwd"):
        (root / sub).mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(root / "home"))
        mp.setenv("TMPDIR", str(root / "tmp"))
        mp.setattr(tempfile, "tempdir", None)
        mp.chdir(root / "cwd")
        yield root


@pytest.fixture(scope="module")
def pilots(rp_home: Path) -> Iterator[tuple[RadicalExecutionBackend, RadicalExecutionBackend]]:
    """The module's pilot (2 cores + Raptor 1 x 2 cores) and a small one to cancel."""
    loop = LoopThread("radical-tests")
    main = RadicalExecutionBackend({"cores": 2}, raptor={"cores_per_worker": 2})
    doomed = RadicalExecutionBackend(
        {"resource": "local.localhost", "cores": 1, "runtime": 10},
        raptor={"cores_per_worker": 1},
        sandbox=rp_home / "doomed",
    )
    for backend in (main, doomed):
        backend.attach(loop.get_loop)

    async def start_both() -> None:
        await asyncio.gather(main.start(), doomed.start())

    try:
        loop.call(start_both(), timeout=150)
        yield main, doomed
    finally:
        for backend in (main, doomed):
            loop.call(backend.shutdown(), timeout=60)
        loop.stop()


@pytest.fixture
def backend(
    pilots: tuple[RadicalExecutionBackend, RadicalExecutionBackend],
) -> RadicalExecutionBackend:
    main = pilots[0]
    if main.session is None:
        pytest.skip("the module's pilot was already shut down")
    return main


# -- tests that need no pilot -------------------------------------------------------------------
@pytest.mark.timeout(60)
def test_constructing_the_backend_is_cheap_and_imports_no_rp() -> None:
    code = (
        "import sys, asyncflow\n"
        "from asyncflow import RadicalExecutionBackend\n"
        "b = RadicalExecutionBackend({'resource': 'local.localhost'})\n"
        "print('radical.pilot' in sys.modules, b.describe())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=50,
        check=True,
        cwd=REPO,
    ).stdout
    cpus = os.cpu_count() or 1
    assert out.split(" ", 1)[0] == "False"
    assert f"local.localhost, {2 * cpus + 1} cores, Raptor 1 worker(s) x {cpus} cores" in out


def test_resource_dict_is_checked_and_defaults_are_filled_in() -> None:
    with pytest.raises(BackendError, match=r"unknown resource key\(s\) 'cpus'.*cores"):
        RadicalExecutionBackend({"resource": "local.localhost", "cpus": 4})
    with pytest.raises(BackendError, match="raptor 'workers' must be a whole number"):
        RadicalExecutionBackend(raptor={"workers": 0})
    backend = RadicalExecutionBackend(
        {"cores": 3, "project": "abc"}, raptor={"cores_per_worker": 2}
    )
    pd = backend.pilot_description
    assert pd == {
        "resource": "local.localhost",
        "runtime": 60,
        "exit_on_error": False,
        "cores": 3 + 1 + 2,
        "project": "abc",
    }
    remote = RadicalExecutionBackend({"resource": "ornl.frontier", "nodes": 2}, raptor=False)
    assert "cores" not in remote.pilot_description
    assert remote.pilot_description["nodes"] == 2


def test_task_description_mapping() -> None:
    desc = {"cores": 2, "gpus": 1, "pre_exec": "module load x", "environment": {"A": 1}}
    assert check_task_description(desc, "t", "executable") == {
        "cores_per_rank": 2,
        "gpus_per_rank": 1,
        "pre_exec": ["module load x"],
        "environment": {"A": "1"},
    }
    with pytest.raises(BackendError, match=r"task 't'.*key 'cpus'.*it knows: .*cores_per_rank"):
        check_task_description({"cpus": 1}, "t", "executable")
    with pytest.raises(BackendError, match="'executable' is set by the radical backend"):
        check_task_description({"executable": "/bin/x"}, "t", "executable")
    with pytest.raises(BackendError, match="'pre_exec' only applies to executable tasks"):
        check_task_description({"pre_exec": ["x"]}, "t", "function")
    assert check_task_description({"ranks": 1, "environment": {}}, "t", "function") == {
        "ranks": 1,
        "environment": {},
    }
    # what RP writes into its bash launch script, and what bash makes of it
    line = shell_executable("echo \"a  b\" '$HOME' `echo x`", local=True)
    assert subprocess.run(["bash", "-c", line], capture_output=True, text=True).stdout == (
        "a  b $HOME x\n"
    )


def test_payloads_round_trip_without_a_pilot() -> None:
    def call(fn: Any, *args: Any) -> tuple[bool, Any]:
        payload = _radical_payload.make_payload(fn, args, {}, "t")
        return _radical_payload.read_outcome(_radical_payload.run_payload(payload), "t")

    assert call(shapes, 2) == (True, (2, [2], {"k": 2}))
    assert call(async_double, 4) == (True, 8)
    ok, error = call(explode, "no")
    assert not ok and type(error) is BoomError and str(error) == "no"
    ok, error = call(leave)
    assert not ok and isinstance(error, TaskExitError)
    lost = _radical_payload.read_outcome(_radical_payload.lost_outcome("exit status 13"), "t")
    assert lost[1].args[0] == (
        "task 't': the process running it on the RADICAL-Pilot worker died (exit status 13)"
    )
    late = _radical_payload.read_outcome(_radical_payload.timeout_outcome(2.0), "t")
    assert isinstance(late[1], TaskTimeoutError) and "after 2 s" in str(late[1])
    # the worker imports a payload's modules before forking: found without unpickling
    payload = _radical_payload.make_payload(square, (1,), {}, "t")
    assert _radical_payload.function_modules(square) == [__name__]
    assert __name__ in _radical_payload._modules_named(base64.b64decode(payload))


# -- tests on the module's pilot ----------------------------------------------------------------
@pytest.mark.radical
@pytest.mark.timeout(240)
def test_shell_task_gives_stdout_without_trailing_newlines(
    backend: RadicalExecutionBackend,
) -> None:
    job = shell_job("echo hello; echo")
    assert run(backend, job, timeout=150) == ["hello"]
    assert job.running


@pytest.mark.radical
@pytest.mark.timeout(120)
def test_quoting_is_kept_and_a_nonzero_exit_fails_as_on_the_thread_backend(
    backend: RadicalExecutionBackend,
) -> None:
    command = "echo \"a  b\"; echo '$HOME' `echo x` >&2; exit 3"
    (error,) = run(backend, shell_job(command, name="quoting"))
    with pytest.raises(ExecutableTaskError) as on_threads:
        run_command(command, task="quoting")
    assert isinstance(error, ExecutableTaskError)
    assert error.returncode == 3
    assert error.stdout == "a  b\n"
    assert error.stderr == "$HOME x\n"
    assert str(error) == str(on_threads.value)


@pytest.mark.radical
@pytest.mark.timeout(120)
def test_an_argv_list_runs_without_a_shell(backend: RadicalExecutionBackend) -> None:
    assert run(backend, shell_job(["printf", "%s|", "a  b", "$HOME", "`x`"])) == ["a  b|$HOME|`x`|"]


@pytest.mark.radical
@pytest.mark.timeout(120)
def test_function_results_keep_their_type(backend: RadicalExecutionBackend) -> None:
    results = run(
        backend, function_job(square, 7), function_job(shapes, 3), function_job(async_double, 21)
    )
    assert results == [49, (3, [3], {"k": 3}), 42]
    assert type(results[1]) is tuple


@pytest.mark.radical
@pytest.mark.timeout(120)
def test_exceptions_come_back_with_their_type(backend: RadicalExecutionBackend) -> None:
    boom, exit_ = run(backend, function_job(explode, "bad 7"), function_job(leave, name="quitter"))
    assert type(boom) is BoomError
    assert str(boom) == "bad 7"
    assert any("RADICAL-Pilot worker" in note for note in boom.__notes__)
    assert isinstance(exit_, TaskExitError)
    assert str(exit_) == "task 'quitter' called sys.exit(3)"


@pytest.mark.radical
@pytest.mark.timeout(120)
def test_a_function_that_kills_its_process_fails_alone(backend: RadicalExecutionBackend) -> None:
    dead, alive = run(backend, function_job(die, name="dies"), function_job(square, 5))
    assert isinstance(dead, WorkerLostError)
    assert str(dead) == (
        "task 'dies': the process running it on the RADICAL-Pilot worker died (exit status 13)"
    )
    assert alive == 25
    assert run(backend, function_job(square, 6)) == [36]  # the worker is still there


@pytest.mark.radical
@pytest.mark.timeout(120)
def test_lambdas_travel_by_value_or_fail_clearly(
    backend: RadicalExecutionBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("cloudpickle")
    assert run(backend, function_job(lambda: 41 + 1)) == [42]
    monkeypatch.setattr(_radical_payload, "_pickler", lambda: pickle)  # as without cloudpickle
    (error,) = run(backend, function_job(lambda: 1, name="anon"), timeout=30)
    assert isinstance(error, TaskError)
    assert "task 'anon' cannot run on RADICAL-Pilot" in str(error)
    assert "cannot be pickled" in str(error) and "install cloudpickle" in str(error)


@pytest.mark.radical
@pytest.mark.timeout(120)
def test_task_description_reaches_the_task(backend: RadicalExecutionBackend) -> None:
    job = shell_job(
        'echo $RP_CORES_PER_RANK $GREETING "$LITERAL"',
        description={
            "cores": 2,
            "pre_exec": ["export GREETING=hello"],
            "environment": {"LITERAL": 'a$b"c`d`'},
        },
    )
    fn = function_job(os.getenv, "LITERAL", description={"environment": {"LITERAL": "x$y"}})
    assert run(backend, job, fn) == ['2 hello a$b"c`d`', "x$y"]


@pytest.mark.radical
@pytest.mark.timeout(120)
def test_a_bad_task_description_fails_only_its_task(backend: RadicalExecutionBackend) -> None:
    bad = shell_job("true", description={"cpus": 2})
    bad_fn = function_job(square, 2, description={"pre_exec": ["true"]})
    good = shell_job("echo fine")
    unknown, wrong_kind, fine = run(backend, bad, bad_fn, good)
    assert isinstance(unknown, BackendError)
    assert "key 'cpus'" in str(unknown) and "cores_per_rank" in str(unknown)
    assert isinstance(wrong_kind, BackendError)
    assert "only applies to executable tasks" in str(wrong_kind)
    assert fine == "fine"


@pytest.mark.radical
@pytest.mark.timeout(120)
def test_cancelling_running_tasks(backend: RadicalExecutionBackend, tmp_path: Path) -> None:
    shell = shell_job(f"touch {tmp_path}/shell; sleep 60")
    fn = function_job(touch_and_sleep, str(tmp_path / "fn"), 60)
    backend.submit([shell, fn])
    wait_for(tmp_path / "shell")
    wait_for(tmp_path / "fn")
    started = time.monotonic()
    assert backend.cancel(shell) and backend.cancel(fn)
    assert isinstance(shell.wait(5), TaskCancelledError)
    assert isinstance(fn.wait(5), TaskCancelledError)
    assert time.monotonic() - started < 5
    assert not backend.cancel(shell)  # already reported


@pytest.mark.radical
@pytest.mark.timeout(120)
def test_timeouts(backend: RadicalExecutionBackend) -> None:
    shell = shell_job("sleep 30", timeout=2, name="slow-shell")
    fn = function_job(time.sleep, 30, timeout=2, name="slow-fn")
    started = time.monotonic()
    shell_error, fn_error = run(backend, shell, fn, timeout=25)
    assert isinstance(shell_error, TaskTimeoutError)
    assert str(shell_error).startswith("task 'slow-shell' timed out after 2 s")
    assert isinstance(fn_error, TaskTimeoutError)
    assert str(fn_error).startswith("task 'slow-fn' timed out after 2 s")
    assert time.monotonic() - started < 25


@pytest.mark.radical
@pytest.mark.timeout(120)
def test_a_megabyte_of_output_arrives_whole(backend: RadicalExecutionBackend) -> None:
    command = "for i in $(seq 1 1000); do printf '%0999d\\n' $i; done"
    (out,) = run(backend, shell_job(command))
    assert out == "\n".join(f"{i:0999d}" for i in range(1, 1001))
    assert len(out) == 999_999


@pytest.mark.radical
@pytest.mark.timeout(150)
def test_a_batch_goes_to_rp_in_one_call(
    backend: RadicalExecutionBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    original = backend.task_manager.submit_tasks

    def counting(descriptions: list[Any]) -> Any:
        calls.append(len(descriptions))
        return original(descriptions)

    monkeypatch.setattr(backend.task_manager, "submit_tasks", counting)
    shells = [shell_job(f"echo {i}") for i in range(20)]
    functions = [function_job(square, i) for i in range(20)]
    results = run(backend, *shells, *functions, timeout=120)
    assert results == [str(i) for i in range(20)] + [i * i for i in range(20)]
    assert calls == [40]


# -- a pilot that dies --------------------------------------------------------------------------
@pytest.mark.radical
@pytest.mark.timeout(180)
def test_a_lost_pilot_fails_every_unfinished_task_naming_it(
    pilots: tuple[RadicalExecutionBackend, RadicalExecutionBackend], tmp_path: Path
) -> None:
    doomed = pilots[1]
    uid = doomed.pilot.uid
    session_id = doomed.session.uid
    jobs = [shell_job(f"touch {tmp_path}/started; sleep 60")]
    jobs += [shell_job("sleep 60") for _ in range(3)]
    jobs += [function_job(touch_and_sleep, str(tmp_path / "fn"), 60)]
    doomed.submit(jobs)
    wait_for(tmp_path / "started")
    started = time.monotonic()
    canceller = threading.Thread(target=doomed.pilot_manager.cancel_pilots, args=(uid,))
    canceller.start()
    errors = [job.wait(60) for job in jobs]
    assert time.monotonic() - started < 30
    for error in errors:
        assert isinstance(error, BackendError)
        assert f"RADICAL-Pilot pilot {uid} on 'local.localhost' ended in state" in str(error)
    late = shell_job("true")
    doomed.submit([late])
    assert late.wait(1) is errors[0]
    canceller.join(60)
    loop = LoopThread("doomed")
    doomed.attach(loop.get_loop)
    try:
        loop.call(doomed.shutdown(), timeout=60)
    finally:
        loop.stop()
    assert session_processes(session_id) == []  # orphaned tasks were ended too
    # sandbox= put the client's session folder and the pilot sandbox in one place
    assert doomed.sandbox is not None
    assert Path(doomed.sandbox, session_id).is_dir()
    assert Path(doomed.sandbox, "radical.pilot.sandbox", session_id, uid).is_dir()


# -- through the engine (last: the seed's flow.shutdown() closes the module's pilot) ------------
@pytest.mark.radical
@pytest.mark.timeout(180)
def test_seed_basic_usage(
    backend: RadicalExecutionBackend, capsys: pytest.CaptureFixture[str]
) -> None:
    """examples/02_seed_basic_usage_radical.py, with its backend swapped for the module's."""
    import psutil

    spec = importlib.util.spec_from_file_location("seed_basic_usage_radical", SEED)
    assert spec is not None and spec.loader is not None
    seed = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(seed)
    made: list[Any] = []

    def same_pilot(resources: dict[str, Any]) -> RadicalExecutionBackend:
        made.append(resources)
        return backend

    seed.RadicalExecutionBackend = same_pilot
    session_id = backend.session.uid
    asyncio.run(seed.main())
    assert made == [{"resource": "local.localhost"}]
    out = capsys.readouterr().out
    # task1 printed 'N'; task2 returned 'NNNN'
    first = out.split("task1 printed '")[1].split("'")[0]
    second = out.split("task2 returned '")[1].split("'")[0]
    assert first.isdigit() and second == first * 4
    # flow.shutdown() closed the session; nothing of it is left running
    assert backend.session is None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and session_processes(session_id):
        time.sleep(0.2)
    assert session_processes(session_id) == []
    children = [p for p in psutil.Process().children(recursive=True) if p.is_running()]
    # other suites may leave processes of their own (multiprocessing's resource tracker,
    # for one): only what RP started counts here
    leftover = [
        " ".join(c.cmdline())
        for c in children
        if c.status() != psutil.STATUS_ZOMBIE
        and any(tag in " ".join(c.cmdline()) for tag in ("rp.", "radical", session_id))
    ]
    assert leftover == []
