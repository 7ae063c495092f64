"""The whole review log, read for fitting FSRS parameters and for export (one pass, card by card)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from sqlite3 import Connection

from quizapp.store.repo import NEW, from_db


@dataclass(frozen=True)
class LoggedReview:
    """One review as the optimizer and the exports see it.

    `restart` is True when the card was new (never reviewed, or reset) before this review: its memory
    history starts again there. A log brought from elsewhere doesn't say, so it is False there."""

    card_id: str
    reviewed_at: datetime
    rating: int
    duration_ms: int | None = None
    restart: bool = False


def all_reviews(db: Connection) -> list[LoggedReview]:
    """Every review, by card then time (the `reviews(card_id, reviewed_at)` index: no sort)."""
    rows = db.execute(
        "SELECT card_id, reviewed_at, rating, duration_ms, state_before FROM reviews"
        " ORDER BY card_id, reviewed_at, id"
    )
    found = []
    for card_id, reviewed_at, rating, duration_ms, state_before in rows:
        at = from_db(reviewed_at)
        assert at is not None, "reviewed_at is NOT NULL"
        found.append(LoggedReview(card_id, at, int(rating), duration_ms, state_before == NEW))
    return found


def count(db: Connection, limit: int) -> int:
    """How many reviews the log holds, counting no further than `limit` (a full count costs ~30 ms per
    million reviews; "are there a hundred?" needs only a hundred rows)."""
    return int(db.execute("SELECT count(*) FROM (SELECT 1 FROM reviews LIMIT ?)", [limit]).fetchone()[0])


def last_id(db: Connection) -> int:
    """The id of the newest review (0 when none): changes with every grade and every undo."""
    return int(db.execute("SELECT coalesce(max(id), 0) FROM reviews").fetchone()[0])


def id_span(db: Connection) -> int:
    """Newest minus oldest review id, plus one: at least the number of reviews, found in two seeks (one
    query asking for both min and max would scan the table: SQLite seeks only for a lone min or max)."""
    newest = last_id(db)
    oldest = db.execute("SELECT min(id) FROM reviews").fetchone()[0]
    return 0 if oldest is None else newest - int(oldest) + 1
