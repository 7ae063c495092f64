"""Open the SQLite file: location, pragmas and numbered migrations that keep data."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from platformdirs import user_data_dir
from sqlite_utils import Database

DB_ENV = "QUIZAPP_DB"
BUSY_TIMEOUT_MS = 5000


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


MIGRATIONS: list[Callable[[Database], None]] = [_v1_initial, _v2_state_due_index, _v3_drill_log]
SCHEMA_VERSION = len(MIGRATIONS)


class DatabaseTooNew(RuntimeError):
    """The file was written by a newer quizapp; refuse rather than damage it."""


def schema_version(db: Database) -> int:
    """The migration count applied to `db` (0 for a new file)."""
    if not db.table("meta").exists():
        return 0
    row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def migrate(db: Database) -> int:
    """Apply pending migrations, each in its own transaction with its version bump."""
    if not db.table("meta").exists():
        db.table("meta").create({"key": str, "value": str}, pk="key", if_not_exists=True)
    current = schema_version(db)
    if current > SCHEMA_VERSION:
        raise DatabaseTooNew(
            f"this database has schema version {current}; this quizapp knows {SCHEMA_VERSION}: upgrade"
        )
    for version in range(current + 1, SCHEMA_VERSION + 1):
        with db.atomic():
            MIGRATIONS[version - 1](db)
            db.table("meta").upsert({"key": "schema_version", "value": str(version)}, pk="key")
    return SCHEMA_VERSION


def open_db(path: Path | str, *, autocheckpoint: bool = True) -> Database:
    """Open (creating folders and file if needed) and migrate the database at `path`.

    `autocheckpoint=False` stops SQLite from folding the WAL back into the file in the middle of a
    commit (a 30 ms pause every ~80 grades); whoever passes it calls `checkpoint` when idle instead."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
    db = Database(conn)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA foreign_keys = ON")
    db.enable_wal()
    db.execute("PRAGMA synchronous = NORMAL")  # with WAL: a killed process never loses a commit
    if not autocheckpoint:
        db.execute("PRAGMA wal_autocheckpoint = 0")
    migrate(db)
    return db


def database_file(db: Database) -> str | None:
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
