"""Open the SQLite file: accept or refuse it untouched, then pragmas, WAL and numbered migrations.

A file is looked at read-only first: another program's database, a file that is not SQLite, or one a
newer quizapp wrote is refused before a single byte of it changes (not even the switch to WAL). A file
quizapp may not write opens read-only. Writes go through `write_transaction`: `BEGIN IMMEDIATE`, so a
transaction takes the write lock before it reads and waits out the busy timeout for it."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from sqlite3 import Connection
from typing import TYPE_CHECKING

from platformdirs import user_data_dir

if TYPE_CHECKING:
    from sqlite_utils import Database

DB_ENV = "QUIZAPP_DB"
BUSY_TIMEOUT_MS = 5000
SQLITE_HEADER = b"SQLite format 3\x00"


def default_db_path(environ: dict[str, str] | None = None) -> Path:
    """`QUIZAPP_DB` if set, else quizapp.db in the platform's user data folder."""
    env = os.environ if environ is None else environ
    if env.get(DB_ENV):
        return Path(env[DB_ENV]).expanduser()
    return Path(user_data_dir("quizapp", appauthor=False)) / "quizapp.db"


def _v1_initial(db: Database) -> None:
    db.table("cards").create(
        {
            "card_id": str,
            "topic": str,
            "kind": str,
            "state": int,  # fsrs.State: 1 learning, 2 review, 3 relearning (no row = new)
            "step": int,
            "stability": float,
            "difficulty": float,
            "due": str,  # ISO 8601, UTC, microseconds: sorts as text
            "last_review": str,
            "lapses": int,
            "suspended": int,
            "leech": int,
        },
        pk="card_id",
        not_null={"topic", "kind", "state", "due", "lapses", "suspended", "leech"},
        defaults={"lapses": 0, "suspended": 0, "leech": 0},
    )
    db.table("cards").create_index(["due"], index_name="cards_due")
    db.table("reviews").create(
        {
            "id": int,
            "card_id": str,
            "reviewed_at": str,
            "rating": int,  # fsrs.Rating: 1 again, 2 hard, 3 good, 4 easy
            "duration_ms": int,
            "correct": int,  # auto-graded cards: 1/0; flashcards: NULL
            "seed": int,  # numeric cards: the seed of the variant shown
            "response": str,  # what the user answered, as typed
            "state_before": int,  # 0 when the card was new, else its fsrs.State
            "card_before": str,  # JSON of the cards row before this review (NULL when new): undo
        },
        pk="id",
        not_null={"card_id", "reviewed_at", "rating", "state_before"},
        foreign_keys=[("card_id", "cards", "card_id")],
    )
    db.table("reviews").create_index(["card_id", "reviewed_at"], index_name="reviews_card_time")
    db.table("reviews").create_index(["reviewed_at"], index_name="reviews_time")


def _v2_state_due_index(db: Database) -> None:
    # The queue asks for "learning cards due by now" and "review cards due by now": with only
    # cards(due), that walks every overdue card (p99 50 ms at 100k cards); with (state, due) it's a seek.
    db.table("cards").create_index(["state", "due"], index_name="cards_state_due")


def _v3_drill_log(db: Database) -> None:
    # Free practice (the Drill screen) is logged apart from the reviews: it must never move a schedule.
    db.table("drills").create(
        {
            "id": int,
            "card_id": str,
            "drilled_at": str,  # ISO 8601, UTC
            "seed": int,
            "correct": int,
            "response": str,
        },
        pk="id",
        not_null={"card_id", "drilled_at", "seed", "correct"},
    )
    db.table("drills").create_index(["drilled_at"], index_name="drills_time")


def _v4_code_attempts(db: Database) -> None:
    # The learner's last code for each code card, restored in the editor next time (one row per card).
    db.table("code_attempts").create(
        {"card_id": str, "source": str, "saved_at": str, "passed": int},
        pk="card_id",
        not_null={"source", "saved_at"},
    )


def _v5_reviews_time_covering(db: Database) -> None:
    # Stats and Home aggregate the reviews of a window per card (state_before, rating, correct): with
    # reviews(reviewed_at) alone each row is a table lookup (4.1 s at 1M reviews); with every column they
    # read in the index it is an index-only range scan, about 4x faster. It replaces reviews_time (same
    # leading column), so a grade still updates the same number of indexes.
    db.execute(
        "CREATE INDEX IF NOT EXISTS reviews_time_cover"
        " ON reviews(reviewed_at, card_id, state_before, rating, correct)"
    )
    db.execute("DROP INDEX IF EXISTS reviews_time")


MIGRATIONS: list[Callable[[Database], None]] = [
    _v1_initial,
    _v2_state_due_index,
    _v3_drill_log,
    _v4_code_attempts,
    _v5_reviews_time_covering,
]
SCHEMA_VERSION = len(MIGRATIONS)


class DatabaseRefused(RuntimeError):
    """quizapp will not use this file; it was left exactly as it was."""


class DatabaseTooNew(DatabaseRefused):
    """The file was written by a newer quizapp; refuse rather than damage it."""


class NotAQuizappDatabase(DatabaseRefused):
    """The file is not SQLite, or is another program's SQLite database."""


@contextmanager
def write_transaction(db: Connection) -> Iterator[Connection]:
    """One write transaction: `BEGIN IMMEDIATE` (waits up to the busy timeout for the write lock),
    then COMMIT, or ROLLBACK on any error. Read what you write from inside it: no other writer can
    change the rows in between. Inside an open transaction it simply joins it."""
    if db.in_transaction:
        yield db
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:  # a failed COMMIT (SQLITE_BUSY) leaves the transaction open
            db.execute("ROLLBACK")
        raise


@contextmanager
def busy_timeout(db: Connection, ms: int) -> Iterator[None]:
    """Wait at most `ms` for a lock inside the block (a retry that must not freeze the UI)."""
    db.execute(f"PRAGMA busy_timeout = {int(ms)}")
    try:
        yield
    finally:
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


def is_busy(error: BaseException) -> bool:
    """True for SQLite's "database is locked"/"busy": another writer held the lock past the timeout."""
    text = str(error).lower()
    return isinstance(error, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


def is_read_only(db: Connection) -> bool:
    """True when `db` was opened read-only (nothing can be written through it)."""
    return bool(db.execute("PRAGMA query_only").fetchone()[0])


def _stored_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def _current_version(conn: sqlite3.Connection) -> int:
    found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone()
    return _stored_version(conn) if found else 0


def _too_new(version: int) -> DatabaseTooNew:
    return DatabaseTooNew(
        f"this database has schema version {version}; this quizapp knows {SCHEMA_VERSION}: upgrade"
    )


def schema_version(db: Connection) -> int:
    """The migration count applied to `db` (0 for a new file)."""
    return _current_version(db)


@dataclass(frozen=True)
class FileCheck:
    """What a look at a database file, without changing it, found."""

    has_data: bool  # False: a new path or an empty file
    version: int  # quizapp's schema version stored in it (0: none yet)
    writable: bool  # quizapp may write the file and create its journal next to it


def _writable(path: Path) -> bool:
    """Whether the file (or, for a new path, its nearest existing folder) can be written."""
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not os.access(folder, os.W_OK | os.X_OK):  # WAL and journal files are created next to it
        return False
    if not path.exists():
        return True
    try:  # a real open, not os.access: root passes os.access even for an immutable file
        os.close(os.open(path, os.O_RDWR))
    except OSError:
        return False
    return True


def _read_only_uri(path: Path) -> str:
    return f"{path.resolve().as_uri()}?mode=ro"


def inspect_file(path: Path) -> FileCheck:
    """Look at `path` read-only; raise `DatabaseRefused` for a file quizapp must not touch."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return FileCheck(False, 0, _writable(path))
    if path.is_dir():
        raise DatabaseRefused(f"unable to open {path}: it is a folder, not a database file")
    if size == 0:
        return FileCheck(False, 0, _writable(path))
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise NotAQuizappDatabase(f"{path} is not a database: it is not a SQLite file")
    uri = _read_only_uri(path)
    if not any(Path(f"{path}{suffix}").exists() for suffix in ("-wal", "-journal")):
        uri += "&immutable=1"  # nothing to recover: read without even creating -shm/-wal next to it
    conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        tables = {
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        }
        version = _stored_version(conn) if "meta" in tables else 0
    except (sqlite3.DatabaseError, ValueError) as error:
        raise NotAQuizappDatabase(f"{path} cannot be read as a quizapp database: {error}") from error
    finally:
        conn.close()
    if version == 0 and not tables <= {"meta"}:
        raise NotAQuizappDatabase(
            f"{path} is another program's SQLite database (tables: {', '.join(sorted(tables))}); "
            "quizapp leaves it alone"
        )
    if version > SCHEMA_VERSION:
        raise _too_new(version)
    return FileCheck(True, version, _writable(path))


def migrate(db: Connection) -> int:
    """Apply pending migrations, each in its own write transaction with its version bump.

    An up-to-date file is only read (opening never waits for another writer's lock). Otherwise the
    version is read again inside each transaction, so two processes opening a new file at once apply
    each migration once."""
    current = _current_version(db)
    while current < SCHEMA_VERSION:
        with write_transaction(db):
            db.execute("CREATE TABLE IF NOT EXISTS [meta] ([key] TEXT PRIMARY KEY, [value] TEXT)")
            current = _stored_version(db)
            if current >= SCHEMA_VERSION:
                break
            MIGRATIONS[current](_ddl(db))
            current += 1
            db.execute(
                "INSERT INTO meta (key, value) VALUES ('schema_version', ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [str(current)],
            )
    if current > SCHEMA_VERSION:
        raise _too_new(current)
    return SCHEMA_VERSION


def _ddl(db: Connection) -> Database:
    """sqlite-utils' view of `db`, for a migration's DDL. Imported here only: it pulls numpy and click,
    too slow for a start whose schema is already current (everything else runs plain SQL)."""
    from sqlite_utils import Database

    return Database(db, recursive_triggers=False, execute_plugins=False)


def _connect(target: str, *, uri: bool = False) -> sqlite3.Connection:
    # isolation_level=None: no implicit BEGIN from the sqlite3 module; every transaction is explicit.
    conn = sqlite3.connect(target, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, uri=uri)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def open_db(path: Path | str, *, autocheckpoint: bool = True, read_only: bool | None = None) -> Connection:
    """Accept or refuse the file at `path`, then open it (creating folders and file if needed) and
    migrate it. `read_only=None` opens read-only exactly when quizapp may not write the file.

    `autocheckpoint=False` stops SQLite from folding the WAL back into the file in the middle of a
    commit (a 30 ms pause every ~80 grades); whoever passes it calls `checkpoint` when idle instead.
    Raises `DatabaseRefused` (the file is untouched) or sqlite3/OS errors."""
    if str(path) == ":memory:":
        db = _connect(":memory:")
        migrate(db)
        return db
    path = Path(path)
    found = inspect_file(path)
    if read_only is None:
        read_only = not found.writable
    if read_only:
        if not found.has_data:
            raise DatabaseRefused(f"{path} cannot be created: its folder is read-only")
        if found.version < SCHEMA_VERSION:
            raise DatabaseRefused(
                f"{path} is read-only and needs an upgrade (schema {found.version} to {SCHEMA_VERSION}); "
                "open it once where it can be written"
            )
        uri = _read_only_uri(path)
        if not os.access(path.parent, os.W_OK | os.X_OK):
            uri += "&immutable=1"  # no folder to put -shm in; and nobody can write the file there either
        conn = _connect(uri, uri=True)
        conn.execute("PRAGMA query_only = 1")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # fail here, not on the first screen
        return conn
    path.parent.mkdir(parents=True, exist_ok=True)
    db = _connect(str(path))
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")  # with WAL: a killed process never loses a commit
    if not autocheckpoint:
        db.execute("PRAGMA wal_autocheckpoint = 0")
    migrate(db)
    return db


def database_file(db: Connection) -> str | None:
    """The file behind `db`, or None for an in-memory database."""
    for _seq, name, file in db.execute("PRAGMA database_list"):
        if name == "main":
            return file or None
    return None


def checkpoint(path: str) -> None:
    """Fold the WAL into the database file, on a connection of its own (safe from a worker thread).

    PASSIVE: never waits for readers or writers; whatever it can't copy now is copied next time."""
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    finally:
        conn.close()
