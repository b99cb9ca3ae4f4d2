"""Opening and closing the RP session, pilot and Raptor of one backend (blocking calls)."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asyncflow.backends._radical_describe import raptor_descriptions
from asyncflow.backends._radical_env import (
    client_python_path,
    prepare_process_environment,
    reap_session_processes,
)

logger = logging.getLogger("asyncflow.backends.radical")

WORKER_FILE = Path(__file__).with_name("_radical_worker.py")


@dataclass
class RPHandles:
    """The RP objects one backend owns."""

    rp: Any
    session: Any
    pilot_manager: Any = None
    task_manager: Any = None
    pilot: Any = None
    raptor_master: Any = None
    raptor_workers: list[Any] = field(default_factory=list)


def open_session(
    pilot_description: Mapping[str, Any],
    *,
    sandbox: str | None,
    raptor: Mapping[str, Any] | None,
    local: bool,
    on_pilot: Callable[..., Any],
    on_task: Callable[..., Any],
    opened: Callable[[RPHandles], None],
) -> RPHandles:
    """Start a session, submit the pilot and Raptor; ``opened`` gets the handles at once.

    ``opened`` is called as soon as the session exists, so that the caller can close it
    if a later step fails.
    """
    prepare_process_environment()
    import radical.pilot as rp

    if sandbox:
        os.makedirs(sandbox, exist_ok=True)
        session = rp.Session(cfg={"base": sandbox})
    else:
        session = rp.Session()
    handles = RPHandles(rp=rp, session=session)
    opened(handles)
    handles.pilot_manager = rp.PilotManager(session=session)
    handles.pilot_manager.register_callback(on_pilot)
    handles.task_manager = rp.TaskManager(session=session)
    handles.task_manager.register_callback(on_task)
    handles.pilot = handles.pilot_manager.submit_pilots(
        rp.PilotDescription(dict(pilot_description))
    )
    handles.task_manager.add_pilots(handles.pilot)
    if raptor is not None:
        paths = raptor["python_path"]
        if paths is None:
            paths = client_python_path() if local else []
        master, worker = raptor_descriptions(raptor, str(WORKER_FILE), local, paths)
        handles.raptor_master = handles.pilot.submit_raptors(
            [rp.TaskDescription({"mode": rp.RAPTOR_MASTER, **master})]
        )[0]
        handles.raptor_workers = handles.raptor_master.submit_workers(
            [
                rp.TaskDescription({"mode": rp.RAPTOR_WORKER, **worker})
                for _ in range(raptor["workers"])
            ]
        )
    return handles


def close_session(session: Any, local: bool) -> None:
    """Close ``session`` (pilots included) and end what it left running on this machine."""
    try:
        session.close(download=False)
    except Exception as exc:
        logger.warning("closing the RADICAL-Pilot session failed: %s", exc)
    if local:
        reaped = reap_session_processes(session.uid)
        if reaped:
            logger.debug("ended %d processes left by %s", len(reaped), session.uid)
