"""Writes that met a locked database, kept in order and retried until the database takes them.

Another quizapp (the TUI in a second terminal, `quizapp serve`, a CLI command) may hold the write lock
longer than the busy timeout. The screens hand every write to a `PendingWrites`: it runs at once, and if
SQLite says the database is locked the write waits in the queue (nothing was written: each write is one
transaction) and is tried again on a timer, with a short timeout so a retry never freezes the UI.
Framework-free: the screen passes in how to tell the user and how to schedule a retry."""

from __future__ import annotations

import sqlite3
import weakref
from collections import deque
from collections.abc import Callable
from sqlite3 import Connection
from typing import Any

from quizapp.store.db import busy_timeout

RETRY_SECONDS = 1.0
RETRY_TIMEOUT_MS = 100  # a retry waits this long for the lock, not the full busy timeout

Write = Callable[[], Any]
Done = Callable[[Any], None]


_LIVE: weakref.WeakSet[PendingWrites] = weakref.WeakSet()


def waiting_writes() -> int:
    """How many writes, over every live queue, still wait for the database (quit asks first if any)."""
    return sum(len(queue) for queue in list(_LIVE))


class PendingWrites:
    """A queue of writes (each one transaction), run in order; a write that fails is kept, never lost."""

    def __init__(
        self,
        db: Connection,
        *,
        notify: Callable[[str, bool], None],
        schedule: Callable[[float, Callable[[], None]], object],
    ) -> None:
        """`notify(text, warning)` tells the user; `schedule(seconds, callback)` calls back later once."""
        self.db, self.notify, self.schedule = db, notify, schedule
        self._queue: deque[tuple[Write, Done | None]] = deque()
        self._retry_scheduled = False
        self.last_error: sqlite3.OperationalError | None = None
        _LIVE.add(self)

    def __len__(self) -> int:
        return len(self._queue)

    def submit(self, write: Write, done: Done | None = None) -> bool:
        """Run `write` (after any writes still waiting), then `done(result)`; True when all are saved.

        False: `write` is kept and retried; `done` runs once it succeeds."""
        self._queue.append((write, done))
        if len(self._queue) > 1:
            return self.retry()
        return self._flush(None)

    def retry(self) -> bool:
        """Try the waiting writes again now, waiting only briefly for the lock."""
        return self._flush(RETRY_TIMEOUT_MS)

    def flush(self) -> bool:
        """Try the waiting writes again, waiting the full busy timeout (on quit: a last chance)."""
        return self._flush(None)

    def _flush(self, timeout_ms: int | None) -> bool:
        was_blocked = self.last_error is not None
        while self._queue:
            write, done = self._queue[0]
            try:
                if timeout_ms is None:
                    result = write()
                else:
                    with busy_timeout(self.db, timeout_ms):
                        result = write()
            except sqlite3.OperationalError as error:  # locked, busy, disk I/O: nothing was written
                if self.last_error is None:
                    self.notify(
                        f"Could not save ({error}): another quizapp may be writing to the database. "
                        f"Kept; retrying every {RETRY_SECONDS:g} s.",
                        True,
                    )
                self.last_error = error
                if not self._retry_scheduled:
                    self._retry_scheduled = True
                    self.schedule(RETRY_SECONDS, self._tick)
                return False
            self._queue.popleft()
            if done is not None:
                done(result)
        self.last_error = None
        if was_blocked:
            self.notify("Saved.", False)
        return True

    def _tick(self) -> None:
        self._retry_scheduled = False
        if self._queue:
            self.retry()
