"""The learner's last code for each code card (restored in the editor next time): one row per card."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from sqlite3 import Connection

from quizapp.store.db import write_transaction
from quizapp.store.repo import from_db, to_db


@dataclass(frozen=True)
class Attempt:
    """What the learner last ran for a card, when, and whether it passed."""

    card_id: str
    source: str
    saved_at: datetime
    passed: bool | None


def save_attempt(
    db: Connection, card_id: str, source: str, now: datetime, passed: bool | None = None
) -> None:
    """Keep `source` as the card's last attempt (replacing the previous one), in one write transaction."""
    with write_transaction(db):
        db.execute(
            "INSERT INTO code_attempts (card_id, source, saved_at, passed) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(card_id) DO UPDATE SET source = excluded.source, saved_at = excluded.saved_at,"
            " passed = excluded.passed",
            (card_id, source, to_db(now), None if passed is None else int(passed)),
        )


def last_attempt(db: Connection, card_id: str) -> Attempt | None:
    """The card's last attempt, if any."""
    row = db.execute(
        "SELECT source, saved_at, passed FROM code_attempts WHERE card_id = ?", (card_id,)
    ).fetchone()
    if row is None:
        return None
    saved = from_db(row[1])
    assert saved is not None
    return Attempt(card_id, row[0], saved, None if row[2] is None else bool(row[2]))
