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
"""
from __future__ import annotations

import mmap
import os

HEADER = 48  # bytes of one copy of the WAL-index header
IS_INIT = 12  # offset of its isInit byte: 1 once SQLite has written it


class WalWatch:
    """A read-only view of one database's WAL-index header."""

    def __init__(self, database_path: str):
        fd = os.open(f"{database_path}-shm", os.O_RDONLY)
        try:
            self._map = mmap.mmap(fd, 2 * HEADER, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ)
        finally:
            os.close(fd)

    def stamp(self) -> bytes | None:
        """The header as it stands, or None when it cannot be trusted (being rewritten, or not yet written)."""
        both = self._map[: 2 * HEADER]
        first = both[:HEADER]
        if first != both[HEADER:] or first[IS_INIT] != 1:
            return None
        return first

    def close(self) -> None:
        self._map.close()


def watch_for(raw, database_path: str) -> WalWatch | None:
    """A watch over the database `raw` (a sqlite3 connection, open) is connected to, or None when there is
    nothing to watch: not WAL (in memory, or another journal mode), or no `-shm` file to map."""
    try:
        mode = raw.execute("PRAGMA journal_mode").fetchone()
        if not mode or str(mode[0]).lower() != "wal" or not database_path or database_path.startswith("file:"):
            return None
        return WalWatch(database_path)
    except Exception:  # noqa: BLE001 - the driver's or the OS's error, whatever it is: nothing is watched
        return None
