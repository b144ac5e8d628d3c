"""The tile cache: a directory every worker process shares, with a small LRU in memory in front.

Keys are hex digests that already name the layer version (`keys.tile_key`), so a new version
is a new key and nothing is ever invalidated: old entries age out. A tile is one file,
`<dir>/<key[:2]>/<key>.mvt` (empty for an empty tile), written to a temporary file in the same
folder and renamed into place, so a reader in another process sees the whole tile or none.

The size bound is kept by a sweep: when a process has written a sixteenth of the bound since
its last sweep (or its estimate of the total passes the bound), a background thread takes an
exclusive `flock` on `<dir>/.sweep` (other processes skip their sweep meanwhile), adds up the
files and deletes the least recently used (oldest mtime; a disk hit touches its file) until
the total is under 90 % of the bound. Between sweeps every process may add at most a
sixteenth of the bound, so the directory stays under bound x (1 + workers / 16).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path

log = logging.getLogger("rtrw")
SUFFIX = ".mvt"


class MemoryLRU:
    """Tiles by key in this process, least recently used dropped past `max_bytes`."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        """Return the tile under `key`, or None."""
        with self._lock:
            data = self._items.get(key)
            if data is not None:
                self._items.move_to_end(key)
            return data

    def put(self, key: str, data: bytes) -> None:
        """Keep `data` under `key`, dropping the least recently used tiles past the bound."""
        if len(data) > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= len(old)
            self._items[key] = data
            self._bytes += len(data)
            while self._bytes > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped)

    def __len__(self) -> int:
        return len(self._items)


class TileCache:
    """Tiles on disk under `root` (shared by processes, at most ~`max_bytes`) behind a MemoryLRU."""

    def __init__(self, root: Path, max_bytes: int, memory_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.memory = MemoryLRU(memory_bytes) if memory_bytes > 0 else None
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._written = 0  # bytes this process wrote since its last sweep
        self._estimate = 0  # the directory's size as of the last sweep, plus our writes
        self._sweeping = False

    def path(self, key: str) -> Path:
        """Return the file of `key`."""
        return self.root / key[:2] / (key + SUFFIX)

    def get_memory(self, key: str) -> bytes | None:
        """Return the tile from the memory LRU only (no file access), or None."""
        return self.memory.get(key) if self.memory is not None else None

    def get(self, key: str) -> bytes | None:
        """Return the cached tile (b"" for a cached empty tile), or None on a miss."""
        if self.memory is not None and (data := self.memory.get(key)) is not None:
            return data
        path = self.path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        with contextlib.suppress(OSError):  # mark it used, for the sweep's LRU order
            os.utime(path)
        if self.memory is not None:
            self.memory.put(key, data)
        return data

    def put(self, key: str, data: bytes) -> None:
        """Store `data` under `key` in memory and, atomically, on disk."""
        if self.memory is not None:
            self.memory.put(key, data)
        path = self.path(key)
        try:
            path.parent.mkdir(exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                os.replace(tmp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError as exc:  # a full or read-only disk costs speed, never an answer
            log.warning("tile cache: cannot write %s: %s", path, exc)
            return
        with self._lock:
            self._written += len(data) + 512  # a file costs at least a block of metadata
            self._estimate += len(data) + 512
            due = self._written >= self.max_bytes // 16 or self._estimate > self.max_bytes
            if not due or self._sweeping:
                return
            self._sweeping = True
            self._written = 0
        threading.Thread(target=self._sweep_guarded, name="tile-cache-sweep", daemon=True).start()

    def _sweep_guarded(self) -> None:
        try:
            self.sweep()
        except OSError as exc:
            log.warning("tile cache: sweep failed: %s", exc)
        finally:
            with self._lock:
                self._sweeping = False

    def sweep(self) -> int:
        """Delete least recently used tiles until the directory is under 90 % of the bound.

        Returns the directory's size afterwards; skips (returning the estimate) while
        another process sweeps.
        """
        with open(self.root / ".sweep", "a+b") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return self._estimate
            files: list[tuple[float, int, str]] = []
            total = 0
            for sub in os.scandir(self.root):
                if not sub.is_dir():
                    continue
                for entry in os.scandir(sub.path):
                    try:
                        st = entry.stat()
                    except FileNotFoundError:
                        continue
                    size = st.st_size + 512
                    total += size
                    files.append((st.st_mtime, size, entry.path))
            if total > self.max_bytes:
                target = self.max_bytes * 9 // 10
                files.sort()
                for _, size, path in files:
                    if total <= target:
                        break
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(path)
                    total -= size
            with self._lock:
                self._estimate = total
            return total
