"""Where the Dask backend's client and cluster come from, and who closes them.

Imported only by ``asyncflow.backends.dask``, so Dask is still imported only when the Dask
backend is chosen.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from distributed import Client, LocalCluster

from asyncflow.backends import _dask_errors as errors
from asyncflow.errors import BackendError

logger = logging.getLogger("asyncflow.backends.dask")


class Connection:
    """An async ``Client`` on the engine loop, and the ``LocalCluster`` if it started one.

    Args:
        target: ``None`` (start a LocalCluster), a scheduler address, a ``Client`` or a
            cluster object.
        cluster_options: ``LocalCluster`` keyword arguments (owned cluster only).
        allowed_failures: the owned scheduler's ``allowed_failures``.
    """

    def __init__(self, target: Any, cluster_options: dict[str, Any], allowed_failures: int) -> None:
        self.target = target
        self.cluster_options = cluster_options
        self.allowed_failures = allowed_failures
        self.client: Client | None = None
        self.cluster: Any = None
        self.owns_client = False
        self.owns_cluster = False

    @property
    def worker_resources(self) -> dict[str, float] | None:
        """What every worker offers, when known (a cluster started here); else None."""
        if not self.owns_cluster:
            return None
        return dict(self.cluster_options.get("resources") or {})

    async def open(self) -> Client:
        """Start or connect; raises :class:`BackendError` (after cleaning up) on failure."""
        try:
            await self._open()
        except Exception as exc:
            await self.close()
            hint = ""
            if self.target is None and self.cluster_options.get("processes", True):
                hint = (
                    "; its worker processes are started with 'spawn', so a script must "
                    "create the engine under `if __name__ == '__main__':` (or pass "
                    "processes=False)"
                )
            raise BackendError(
                f"the dask backend could not start: {errors.describe(exc)}{hint}"
            ) from exc
        assert self.client is not None
        return self.client

    async def _open(self) -> None:
        target = self.target
        if target is None:
            options = dict(self.cluster_options)
            scheduler_kwargs = {
                "allowed_failures": self.allowed_failures,
                **(options.pop("scheduler_kwargs", None) or {}),
            }
            if options.get("dashboard_address") is None:
                # without a dashboard the scheduler still serves /health on port 8787
                scheduler_kwargs.setdefault("dashboard_address", ":0")
            self.cluster = await LocalCluster(
                asynchronous=True, scheduler_kwargs=scheduler_kwargs, **options
            )
            self.owns_cluster = True
            address = self.cluster.scheduler_address
        elif isinstance(target, str):
            address = target
        elif isinstance(target, Client):
            loop = getattr(target.loop, "asyncio_loop", None)
            if target.asynchronous and loop is asyncio.get_running_loop():
                self.client = target  # already on this loop: use it as it is
                return
            address = target.scheduler.address
        elif hasattr(target, "scheduler_address"):
            address = target.scheduler_address
        else:
            raise TypeError(
                "cluster_or_address must be a scheduler address, a distributed.Client or a "
                f"cluster object, not {type(target).__name__}"
            )
        self.client = await Client(
            address,
            asynchronous=True,
            set_as_default=False,
            # results straight from the workers (one hop less per result) when they are
            # ours and local; a remote cluster's workers may not be reachable from here
            direct_to_workers=True if self.owns_cluster else None,
        )
        self.owns_client = True

    async def close(self) -> None:
        """Close what was started here; leave the rest running."""
        if self.client is not None and self.owns_client:
            try:
                await self.client.close()
            except Exception as exc:
                logger.warning("closing the Dask client failed: %s", exc)
        if self.cluster is not None and self.owns_cluster:
            try:
                await self.cluster.close()
            except Exception as exc:
                logger.warning("closing the Dask LocalCluster failed: %s", exc)

    def describe(self, label: str) -> str:
        """One line for plans and logs."""
        if self.owns_cluster and self.cluster is not None:
            return f"{label} (Dask LocalCluster, {len(self.cluster.workers)} workers)"
        if self.target is None:
            opts = self.cluster_options
            n, t = opts["n_workers"] or "auto", opts["threads_per_worker"] or "auto"
            return f"{label} (Dask LocalCluster, {n} workers x {t} threads)"
        address = self.client.scheduler.address if self.client is not None else self.target
        return f"{label} (Dask scheduler {address})"
