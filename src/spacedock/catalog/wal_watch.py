"""Whether anything was committed to a SQLite database (in WAL mode) since we last looked, without a query.

Every connection to a SQLite database in WAL mode (Spacedock sets it) maps the WAL index, the `-shm` file
beside the database. Its header, 48 bytes written twice at its start (https://www.sqlite.org/walformat.html),
changes with every committed write transaction, whichever process or connection makes it: the last frame,
the change counter, the checksums, the salts after the log restarts. Reading it from a read-only mapping
of that file is a copy of 96 bytes of shared memory. Any query, `PRAGMA data_version` too, takes and drops
a read lock on that file (two `fcntl` calls and an `fstat`): with two workers under load, about 15 µs of
each request's 50 µs of CPU on a response-cache hit, for the data version that rarely moves.

`catalog.hot_reads` gives a one-row read (the data version, an API key) again, without a query, while the
header is the one it saw before that read. A header caught while SQLite rewrites it (its two copies
differ) counts as a change, so the row is then read. The file is the same one for as long as a
connection that mapped it stays open: SQLite removes it only with the last connection, so the watch
belongs to one kept connection (`catalog.hot_reads`).

The `-shm` file is opened once per process and its descriptor is never closed while the file exists.
Closing any descriptor of a file drops every POSIX lock the process holds on that file, SQLite's own
included (https://www.sqlite.org/howtocorrupt.html, 2.2): a watch that opened and closed the file would
take away its connection's claim on the WAL index, and the next process to connect would take itself for
the first, truncate the index under the connected ones and rebuild it (a worker reading it then was
killed by SIGBUS). A watch's descriptor is closed only once SQLite has deleted the file, after the last
connection to it, anywhere, closed; a new file at the same path gets a new watch.
"""
from __future__ import annotations

import mmap
import os
import threading

HEADER = 48  # bytes of one copy of the WAL-index header
IS_INIT = 12  # offset of its isInit byte: 1 once SQLite has written it


class WalWatch:
    """A read-only view of one database's WAL-index header, through a descriptor kept open while the file
    exists (see the module docstring)."""

    def __init__(self, database_path: str):
        self.shm_path = f"{database_path}-shm"
        # Never closed while the file exists, even if mapping fails (one descriptor then stays unused).
        self._fd = os.open(self.shm_path, os.O_RDONLY)
        self._map = mmap.mmap(self._fd, 2 * HEADER, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ)

    def stamp(self) -> bytes | None:
        """The header as it stands, or None when it cannot be trusted (being rewritten, or not yet written)."""
        try:
            both = self._map[: 2 * HEADER]
        except ValueError:  # released: the file is gone, and so is any connection this watch was for
            return None
        first = both[:HEADER]
        if first != both[HEADER:] or first[IS_INIT] != 1:
            return None
        return first

    def is_current(self) -> bool:
        """Whether the file at its path is still the one watched (SQLite makes a new one after deleting it)."""
        try:
            now, watched = os.stat(self.shm_path), os.fstat(self._fd)
        except OSError:
            return False
        return (now.st_dev, now.st_ino) == (watched.st_dev, watched.st_ino)

    def release(self) -> bool:
        """Unmap and close, once SQLite has deleted the file (no connection holds a lock on it any more); False,
        with nothing closed, while the file exists."""
        if os.fstat(self._fd).st_nlink:
            return False
        self._map.close()
        os.close(self._fd)
        return True


# -shm path -> its watch, shared by the process's connections to that database (one descriptor per file)
_WATCHES: dict[str, WalWatch] = {}
_WATCHES_LOCK = threading.Lock()


def _watch(database_path: str) -> WalWatch:
    with _WATCHES_LOCK:
        watch = _WATCHES.get(f"{database_path}-shm")
        if watch is None or not watch.is_current():
            if watch is not None:
                watch.release()  # the file deleted: closed; replaced some other way: left open
            watch = _WATCHES[f"{database_path}-shm"] = WalWatch(database_path)
        return watch


def watch_for(raw, database_path: str) -> WalWatch | None:
    """A watch over the database `raw` (a sqlite3 connection, open) is connected to, or None when there is
    nothing to watch: not WAL (in memory, or another journal mode), or no `-shm` file to map."""
    try:
        mode = raw.execute("PRAGMA journal_mode").fetchone()
        if not mode or str(mode[0]).lower() != "wal" or not database_path or database_path.startswith("file:"):
            return None
        return _watch(database_path)
    except Exception:  # noqa: BLE001 - the driver's or the OS's error, whatever it is: nothing is watched
        return None
