"""Plain-data side of the RADICAL-Pilot backend: pilot and task descriptions as dicts.

No RADICAL-Pilot import here: the checks run before anything reaches RP, so a bad
``task_description`` fails that one task with a clear :class:`BackendError` and a bad
resource dict fails the constructor, not a thread deep inside RP.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Mapping, Sequence
from typing import Any

from asyncflow.backends._radical_payload import function_modules, make_payload
from asyncflow.backends.base import Job
from asyncflow.backends.shell import SHELL
from asyncflow.errors import BackendError

#: the AsyncflowWorker method that function tasks name (see _radical_worker.py)
ENTRY_POINT = "asyncflow_call"

#: rp.PilotDescription keys a resource dict may carry (RP 1.9x - 1.10x)
PILOT_KEYS: dict[str, str] = {
    "resource": "RP resource label, e.g. 'local.localhost' or 'ornl.frontier'",
    "cores": "cores of the pilot (local default: this machine's cores, plus Raptor's)",
    "gpus": "GPUs of the pilot",
    "nodes": "nodes of the pilot (instead of cores on batch systems)",
    "memory": "memory of the pilot, MB",
    "runtime": "minutes the pilot lives (default 60)",
    "project": "allocation / account to charge",
    "queue": "batch queue or partition",
    "access_schema": "how RP reaches the resource ('local', 'ssh', 'batch', ...)",
    "job_name": "batch job name",
    "sandbox": "base directory of the pilot sandbox on the resource",
    "cleanup": "remove the pilot sandbox at the end",
    "exit_on_error": "let RP end the client on pilot failure (default False)",
    "prepare_env": "named Python environments to prepare on the pilot",
    "services": "service tasks started with the pilot",
    "input_staging": "files staged to the pilot sandbox",
    "output_staging": "files staged back from the pilot sandbox",
    "backup_nodes": "extra nodes to replace failing ones",
    "app_comm": "application communication channels",
    "enable_ep": "enable RP's endpoint executor",
    "reconfig_src": "agent reconfiguration source",
    "uid": "uid of the pilot",
}

#: task_description key -> (rp.TaskDescription key, meaning); keys RP knows by the same name
TASK_KEYS: dict[str, str] = {
    "ranks": "number of ranks (processes) of the task",
    "cores_per_rank": "cores per rank",
    "gpus_per_rank": "GPUs per rank",
    "ranks_per_node": "ranks placed on each node",
    "threading_type": "how ranks use their cores, e.g. 'OpenMP'",
    "gpu_type": "how ranks use their GPUs, e.g. 'CUDA'",
    "use_mpi": "launch the ranks with MPI (RP's default: ranks > 1)",
    "lfs_per_rank": "node-local disk per rank, MB",
    "mem_per_rank": "memory per rank, MB",
    "pre_exec": "shell lines run before the command, in the same shell",
    "post_exec": "shell lines run after the command",
    "pre_launch": "shell lines run before the launcher",
    "post_launch": "shell lines run after the launcher",
    "environment": "environment variables for the task (values are literal)",
    "named_env": "a named Python environment prepared on the pilot",
    "sandbox": "working directory of the task (relative: to the pilot sandbox)",
    "stage_on_error": "run output staging even if the task failed",
    "input_staging": "RP staging directives before the task",
    "output_staging": "RP staging directives after the task",
    "priority": "higher runs first",
    "tags": "RP scheduler tags, e.g. {'colocate': ...}",
    "metadata": "free-form data kept with the RP task",
    "partition": "pilot partition to run on",
    "startup_timeout": "seconds the task may take to start",
    "timeout": "seconds the task may run (same as the task's timeout option)",
    "name": "the RP task name (default: the asyncflow task name)",
    "stdout": "file name of the task's stdout in its sandbox",
    "stderr": "file name of the task's stderr in its sandbox",
}
#: asyncflow's short spellings, shared with the other backends' docs
ALIASES: dict[str, str] = {"cores": "cores_per_rank", "gpus": "gpus_per_rank"}
#: keys the backend sets itself; a task_description may not
RESERVED: frozenset[str] = frozenset(
    {
        "uid",
        "mode",
        "executable",
        "arguments",
        "function",
        "args",
        "kwargs",
        "code",
        "command",
        "raptor_id",
        "raptor_file",
        "raptor_class",
        "pilot",
        "slots",
        "scheduler",
        "worker_class",
        "worker_file",
    }
)
#: keys that Raptor honours for function tasks (the others only exist for executables)
FUNCTION_KEYS: frozenset[str] = frozenset(
    {"environment", "sandbox", "priority", "tags", "metadata", "timeout", "name"}
)

_UID_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def is_local(resource: str) -> bool:
    """True for RP resources on this machine (``local.*``): files are directly readable."""
    return resource.startswith("local.")


def pilot_description(
    resources: Mapping[str, Any] | None,
    sandbox: str | None,
    raptor_cores: int,
) -> dict[str, Any]:
    """The rp.PilotDescription dict for a resource dict; raises BackendError on bad keys."""
    given = dict(resources or {})
    unknown = sorted(str(k) for k in given if k not in PILOT_KEYS)
    if unknown:
        raise BackendError(
            f"RadicalExecutionBackend: unknown resource key(s) {', '.join(map(repr, unknown))};"
            f" rp.PilotDescription knows: {', '.join(sorted(PILOT_KEYS))}"
        )
    pd: dict[str, Any] = {"resource": "local.localhost", "runtime": 60, "exit_on_error": False}
    pd.update(given)
    if not isinstance(pd["resource"], str) or not pd["resource"]:
        raise BackendError(
            f"RadicalExecutionBackend: 'resource' must be a non-empty string, "
            f"got {pd['resource']!r}"
        )
    for key in ("cores", "gpus", "nodes", "runtime"):
        value = pd.get(key)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 0
        ):
            raise BackendError(
                f"RadicalExecutionBackend: {key!r} must be a whole number >= 0, got {value!r}"
            )
    if is_local(pd["resource"]):
        # Raptor's master and workers get cores of their own, so shell tasks keep `cores`.
        pd["cores"] = (pd.get("cores") or os.cpu_count() or 1) + raptor_cores
    if sandbox and "sandbox" not in given:
        pd["sandbox"] = sandbox
    return pd


def check_task_description(description: Mapping[str, Any], task: str, kind: str) -> dict[str, Any]:
    """Map a ``task_description`` onto rp.TaskDescription keys; BackendError if it can't."""
    out: dict[str, Any] = {}
    for key, value in description.items():
        name = ALIASES.get(key, key)
        if name in RESERVED:
            raise BackendError(
                f"task {task!r}: task_description key {key!r} is set by the radical backend "
                "itself and cannot be given"
            )
        if name not in TASK_KEYS:
            known = sorted([*TASK_KEYS, *ALIASES])
            raise BackendError(
                f"task {task!r}: the radical backend does not understand task_description key "
                f"{key!r}; it knows: {', '.join(known)}"
            )
        if kind == "function" and name not in FUNCTION_KEYS and not _is_trivial(name, value):
            raise BackendError(
                f"task {task!r}: task_description key {key!r} only applies to executable tasks "
                "on the radical backend (function tasks run in a Raptor worker, which honours "
                f"only {', '.join(sorted(FUNCTION_KEYS))})"
            )
        out[name] = _checked_value(name, value, task)
    return out


def _is_trivial(name: str, value: Any) -> bool:
    """A resource request a single-core Raptor worker meets anyway (ranks=1, gpus=0, ...)."""
    return (name in ("ranks", "cores_per_rank") and value == 1) or (
        name == "gpus_per_rank" and value == 0
    )


def _checked_value(name: str, value: Any, task: str) -> Any:
    if name in (
        "ranks",
        "cores_per_rank",
        "ranks_per_node",
        "lfs_per_rank",
        "mem_per_rank",
        "priority",
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise _bad(task, name, value, "a whole number >= 0")
    elif name == "gpus_per_rank":
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise _bad(task, name, value, "a number >= 0")
    elif name in ("pre_exec", "post_exec", "pre_launch", "post_launch"):
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, Sequence) or not all(isinstance(v, str) for v in value):
            raise _bad(task, name, value, "a list of shell lines")
        value = list(value)
    elif name == "environment":
        if not isinstance(value, Mapping):
            raise _bad(task, name, value, "a dict of names to values")
        value = {str(k): str(v) for k, v in value.items()}
    elif name in ("timeout", "startup_timeout"):
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise _bad(task, name, value, "seconds >= 0")
    elif name in (
        "named_env",
        "sandbox",
        "name",
        "stdout",
        "stderr",
        "threading_type",
        "gpu_type",
    ) and not isinstance(value, str):
        raise _bad(task, name, value, "a string")
    return value


def _bad(task: str, key: str, value: Any, expected: str) -> BackendError:
    return BackendError(
        f"task {task!r}: task_description[{key!r}] must be {expected}, got {value!r}"
    )


def safe_name(name: str) -> str:
    """A task name RP can write into its launch scripts and use in file names."""
    return _UID_UNSAFE.sub("_", name).strip("._")[:40] or "task"


def safe_uid(name: str, seq: int) -> str:
    """An RP task uid from a task name: unique, and usable as a directory name."""
    return f"{safe_name(name)}.{seq:06d}"


def shell_executable(command: str | Sequence[str], local: bool) -> str:
    """The command as one shell word list for RP's ``executable`` field.

    RP writes ``executable`` into its bash launch script as is, but wraps each entry of
    ``arguments`` in double quotes, where ``$`` and backticks still expand. A single
    string quoted with :func:`shlex.quote` is the only form that reaches the command
    unchanged: ``echo '$HOME'`` prints ``$HOME``, as on the thread backend.
    """
    if isinstance(command, str):
        shell = SHELL if local else "bash"
        return f"{shlex.quote(shell)} -c {shlex.quote(command)}"
    return shlex.join(str(part) for part in command)


def literal_environment(env: Mapping[str, str]) -> dict[str, str]:
    """Escape values for RP's ``export NAME="value"`` lines so they arrive literally."""
    out = {}
    for key, value in env.items():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            raise BackendError(f"environment variable name {key!r} is not valid in a shell")
        for char in ("\\", '"', "$", "`"):
            value = value.replace(char, "\\" + char)
        out[key] = value
    return out


#: options of ``raptor=`` and their defaults
RAPTOR_DEFAULTS: dict[str, Any] = {
    "workers": 1,
    "cores_per_worker": None,
    "gpus_per_worker": 0,
    "environment": {},
    "named_env": None,
    "pre_exec": [],
    "python_path": None,
}


def raptor_options(raptor: bool | Mapping[str, Any], local: bool) -> dict[str, Any] | None:
    """The checked ``raptor=`` options with defaults filled in; None if Raptor is off."""
    if raptor is False:
        return None
    opts = dict(RAPTOR_DEFAULTS)
    if isinstance(raptor, Mapping):
        unknown = sorted(str(k) for k in raptor if k not in RAPTOR_DEFAULTS)
        if unknown:
            raise BackendError(
                f"RadicalExecutionBackend: unknown raptor option(s) {', '.join(unknown)}; "
                f"known: {', '.join(RAPTOR_DEFAULTS)}"
            )
        opts.update(raptor)
    elif raptor is not True:
        raise BackendError(
            f"RadicalExecutionBackend: raptor must be True, False or a dict, got {raptor!r}"
        )
    if opts["cores_per_worker"] is None:
        opts["cores_per_worker"] = (os.cpu_count() or 1) if local else 1
    for key in ("workers", "cores_per_worker"):
        value = opts[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise BackendError(
                f"RadicalExecutionBackend: raptor {key!r} must be a whole number >= 1, "
                f"got {value!r}"
            )
    return opts


def raptor_descriptions(
    opts: Mapping[str, Any], worker_file: str, local: bool, python_path: Sequence[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """rp.TaskDescription dicts (without ``mode``) of the Raptor master and one worker."""
    common: dict[str, Any] = {"pre_exec": list(opts["pre_exec"])}
    if opts["named_env"]:
        common["named_env"] = opts["named_env"]
    env = {str(k): str(v) for k, v in dict(opts["environment"]).items()}
    if python_path:
        env["PYTHONPATH"] = os.pathsep.join([*python_path, env.get("PYTHONPATH", "")])
        env["PYTHONPATH"] = env["PYTHONPATH"].rstrip(os.pathsep)
    common["environment"] = literal_environment(env)
    worker: dict[str, Any] = {
        "ranks": 1,
        "cores_per_rank": opts["cores_per_worker"],
        "gpus_per_rank": opts["gpus_per_worker"],
        "raptor_class": "AsyncflowWorker",
        **common,
    }
    if local:
        worker["raptor_file"] = worker_file
    else:  # ship the worker class file into the worker's sandbox
        worker["raptor_file"] = os.path.basename(worker_file)
        worker["input_staging"] = [worker_file]
    return dict(common), worker


def rp_task(job: Job, uid: str, *, local: bool, raptor_id: str | None) -> dict[str, Any]:
    """The rp.TaskDescription dict of one job; BackendError/TaskError if it can't be run.

    ``raptor_id`` is the Raptor master that runs function tasks (None: not available).
    """
    desc = check_task_description(job.description, job.name, job.kind)
    td: dict[str, Any] = {"uid": uid, "name": safe_name(desc.pop("name", job.name))}
    timeout = job.timeout or desc.get("timeout")
    desc.pop("timeout", None)
    if timeout:
        td["timeout"] = float(timeout)
    if job.kind == "executable":
        if job.command is None:
            raise BackendError(f"task {job.name!r} has no command")
        if "environment" in desc:
            desc["environment"] = literal_environment(desc["environment"])
        td.update(desc)
        td["executable"] = shell_executable(job.command, local)
        return td
    if job.fn is None:
        raise BackendError(f"task {job.name!r} has no function")
    if raptor_id is None:
        raise BackendError(f"task {job.name!r} is a function task, but Raptor is not running")
    td.update(desc)
    td["mode"] = "task.function"  # rp.TASK_FUNCTION
    td["function"] = ENTRY_POINT
    td["args"] = [make_payload(job.fn, job.args, job.kwargs, job.name), function_modules(job.fn)]
    td["raptor_id"] = raptor_id
    return td
