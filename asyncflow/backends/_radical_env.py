"""The RADICAL-Pilot backend and this machine: environment, import path, leftover processes."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

from asyncflow.errors import BackendError


def prepare_process_environment() -> None:
    """Let RP find its helper scripts and this Python, even in a venv that isn't activated.

    RP starts its ``radical-pilot-*`` helpers through ``PATH``, and a local pilot uses the
    client's virtualenv only if ``VIRTUAL_ENV`` (or ``CONDA_PREFIX``) names it; otherwise
    it falls back to the system Python, which lacks RP.
    """
    bindir = os.path.dirname(sys.executable)
    if shutil.which("radical-pilot-bridge") is None:
        if not os.path.exists(os.path.join(bindir, "radical-pilot-bridge")):
            raise BackendError(
                "RADICAL-Pilot's helper scripts (radical-pilot-bridge, ...) are not on PATH; "
                "activate the environment where radical.pilot is installed"
            )
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    in_venv = sys.prefix != sys.base_prefix
    if in_venv and not os.environ.get("VIRTUAL_ENV") and not os.environ.get("CONDA_PREFIX"):
        os.environ["VIRTUAL_ENV"] = sys.prefix


def client_python_path() -> list[str]:
    """This process's import path minus the interpreter's own directories.

    Given to a local Raptor worker, so that it imports asyncflow and the user's modules
    the way the client does (functions pickled by reference need that).
    """
    prefixes = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    paths = [str(Path(__file__).resolve().parents[2])]  # the directory holding asyncflow
    for entry in sys.path:
        real = os.path.realpath(entry or os.getcwd())
        if not os.path.isdir(real) or any(real.startswith(p + os.sep) for p in prefixes):
            continue
        if real not in paths:
            paths.append(real)
    return paths


def local_path(sandbox: object, name: str) -> Path | None:
    """``sandbox/name`` as a path on this machine, or None if the sandbox is remote."""
    if not sandbox:
        return None
    if name.startswith("/"):
        return Path(name)
    url = urlparse(str(sandbox))
    if url.scheme not in ("file", "") or url.hostname not in (None, "", "localhost"):
        return None
    return Path(url.path) / name


def reap_session_processes(session_id: str, grace: float = 2.0) -> list[int]:
    """End the processes a closed local session left behind; return their pids.

    After ``Session.close()`` RP's bootstrap shell lingers for a few seconds, and a pilot
    that was cancelled or died leaves its running tasks orphaned. All of them carry the
    session id in their command line (or descend from a process that does). Linux only
    (reads ``/proc``); elsewhere a no-op.
    """
    deadline = time.monotonic() + grace
    pids = _session_tree(session_id)
    while pids and time.monotonic() < deadline:  # give them a moment to exit by themselves
        time.sleep(0.1)
        pids = _session_tree(session_id)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)
        end = time.monotonic() + 1.0
        while time.monotonic() < end and any(_alive(pid) for pid in pids):
            time.sleep(0.05)
    return pids


def _session_tree(session_id: str) -> list[int]:
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    me = os.getpid()
    parents: dict[int, int] = {}
    roots: list[int] = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()
        if not fields or fields[0] == "Z":  # zombies are for their parent to reap
            continue
        parents[pid] = int(fields[1])
        if pid != me and session_id.encode() in cmdline:
            roots.append(pid)
    found = set(roots)
    changed = True
    while changed:
        changed = False
        for pid, ppid in parents.items():
            if ppid in found and pid not in found and pid != me:
                found.add(pid)
                changed = True
    return sorted(found)


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[:1] != ["Z"]
