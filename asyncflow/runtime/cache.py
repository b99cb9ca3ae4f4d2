"""An on-disk cache of task results, keyed by the task's code and its input values.

With a cache, a task whose code and inputs are unchanged since a finished earlier run is
not run again: its stored result is used. A re-run after a failure therefore re-runs only
what failed or changed (``asyncflow run --resume``). Tasks whose inputs cannot be pickled,
blocks and maps are never cached; a task's own failures are never stored.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

_MISSING = object()


class ResultCache:
    """Results stored as pickles under ``folder``, one file per key."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._code_ids: dict[Any, str] = {}
        self.hits = 0
        self.stores = 0

    def key(self, kind: str, body: Any, args: Any, kwargs: Any, command: Any) -> str | None:
        """The cache key of one task call, or None if it cannot be cached."""
        digest = hashlib.sha256()
        digest.update(kind.encode())
        if kind == "executable":
            if command is None:  # not rendered (a dry run): it cannot be looked up
                return None
            digest.update(repr(command).encode())
        else:
            digest.update(self._code_id(body).encode())
            try:
                digest.update(pickle.dumps((args, sorted(kwargs.items())), protocol=5))
            except Exception:
                return None
        return digest.hexdigest()

    def _code_id(self, body: Any) -> str:
        fn = getattr(body, "fn", body)
        cached = self._code_ids.get(fn)
        if cached is not None:
            return cached
        name = f"{getattr(fn, '__module__', '?')}:{getattr(fn, '__qualname__', repr(fn))}"
        try:
            code = inspect.getsource(fn)
        except (OSError, TypeError):
            code_obj = getattr(fn, "__code__", None)
            code = repr((code_obj.co_code, code_obj.co_consts)) if code_obj else repr(fn)
        ident = name + "\n" + hashlib.sha256(code.encode()).hexdigest()
        with contextlib.suppress(TypeError):  # unhashable callables are not memoised
            self._code_ids[fn] = ident
        return ident

    def get(self, key: str) -> Any:
        """The stored result, or ``MISSING``."""
        path = self.folder / key[:2] / key
        try:
            data = path.read_bytes()
        except OSError:
            return _MISSING
        try:
            value = pickle.loads(data)
        except Exception:
            return _MISSING
        self.hits += 1
        return value

    def put(self, key: str, value: Any) -> bool:
        """Store ``value``; False (and nothing stored) if it cannot be pickled."""
        try:
            data = pickle.dumps(value, protocol=5)
        except Exception:
            return False
        folder = self.folder / key[:2]
        folder.mkdir(exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, folder / key)  # atomic: a crash never leaves half a result
        self.stores += 1
        return True


MISSING = _MISSING
