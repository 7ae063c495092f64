"""Reads and writes of card states and reviews. A grade is one transaction.

Every write is plain SQL inside `write_transaction` (BEGIN IMMEDIATE), reading what it changes from
inside the transaction, so two processes on one file never lose each other's writes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from sqlite3 import Connection
from typing import Any

from quizapp.store.db import write_transaction

NEW = 0  # a review's `state_before` when its card was new; a `cards` row in this state was reset to new


def to_db(moment: datetime) -> str:
    """A timezone-aware datetime as UTC ISO text with microseconds (sorts correctly as text)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: quizapp stores only timezone-aware times")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_db(text: str | None) -> datetime | None:
    """The inverse of `to_db`; None stays None."""
    return None if text is None else datetime.fromisoformat(text).astimezone(UTC)


@dataclass(frozen=True)
class CardState:
    """A reviewed card's scheduling state, as in the `cards` table."""

    card_id: str
    topic: str
    kind: str
    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None
    lapses: int = 0
    suspended: bool = False
    leech: bool = False

    def to_row(self) -> dict[str, Any]:
        """The `cards` row for this state."""
        row = dict(self.__dict__)  # the fields in order; asdict's deep copies cost half a grade's time
        row.update(
            due=to_db(self.due),
            last_review=to_db(self.last_review) if self.last_review else None,
            suspended=int(self.suspended),
            leech=int(self.leech),
        )
        return row

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> CardState:
        """Build from a `cards` row."""
        due = from_db(row["due"])
        assert due is not None
        return cls(
            **{
                **row,
                "due": due,
                "last_review": from_db(row["last_review"]),
                "suspended": bool(row["suspended"]),
                "leech": bool(row["leech"]),
            }
        )


@dataclass(frozen=True)
class Review:
    """One grade, as in the `reviews` table (without its id)."""

    card_id: str
    reviewed_at: datetime
    rating: int
    duration_ms: int | None = None
    correct: bool | None = None
    seed: int | None = None
    response: str | None = None


CARD_COLUMNS = (
    "card_id", "topic", "kind", "state", "step", "stability", "difficulty", "due", "last_review", "lapses",
    "suspended", "leech",
)  # fmt: skip
_SELECT_CARD = f"SELECT {', '.join(CARD_COLUMNS)} FROM cards"
_PUT_CARD = (
    f"INSERT INTO cards ({', '.join(CARD_COLUMNS)}) VALUES ({', '.join(':' + c for c in CARD_COLUMNS)})"
    f" ON CONFLICT(card_id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in CARD_COLUMNS[1:])}"
)


class ReviewSuperseded(RuntimeError):
    """A review can't be undone or changed: its card was graded again after it (another window?)."""


def _card(values: tuple[Any, ...]) -> CardState:
    return CardState.from_row(dict(zip(CARD_COLUMNS, values, strict=True)))


def _put_card(db: Connection, row: dict[str, Any]) -> None:
    """Insert or replace a `cards` row (plain SQL: the write path never asks sqlite-utils to probe)."""
    db.execute(_PUT_CARD, row)


def get_card(db: Connection, card_id: str) -> CardState | None:
    """The stored state of one card, or None when it was never reviewed."""
    found = db.execute(_SELECT_CARD + " WHERE card_id = ?", [card_id]).fetchone()
    return None if found is None else _card(found)


def get_review(db: Connection, review_id: int) -> Review | None:
    """One stored review, or None."""
    found = db.execute(
        "SELECT card_id, reviewed_at, rating, duration_ms, correct, seed, response FROM reviews WHERE id = ?",
        [review_id],
    ).fetchone()
    if found is None:
        return None
    card_id, reviewed_at, rating, duration_ms, correct, seed, response = found
    at = from_db(reviewed_at)
    assert at is not None
    checked = None if correct is None else bool(correct)
    return Review(card_id, at, rating, duration_ms, checked, seed, response)


def review_count(db: Connection, card_id: str) -> int:
    """How many reviews a card has had."""
    return int(db.execute("SELECT count(*) FROM reviews WHERE card_id = ?", [card_id]).fetchone()[0])


def record_review(db: Connection, before: CardState | None, after: CardState, review: Review) -> int:
    """Write the new card state and its review row in one transaction; returns the review id.

    Call it inside the `write_transaction` that read `before`, or `before` may already be stale."""
    row = {
        "card_id": review.card_id,
        "reviewed_at": to_db(review.reviewed_at),
        "rating": review.rating,
        "duration_ms": review.duration_ms,
        "correct": None if review.correct is None else int(review.correct),
        "seed": review.seed,
        "response": review.response,
        "state_before": before.state if before else NEW,
        "card_before": json.dumps(before.to_row()) if before else None,
    }
    with write_transaction(db):
        _put_card(db, after.to_row())
        cursor = db.execute(
            "INSERT INTO reviews (card_id, reviewed_at, rating, duration_ms, correct, seed, response,"
            " state_before, card_before) VALUES (:card_id, :reviewed_at, :rating, :duration_ms,"
            " :correct, :seed, :response, :state_before, :card_before)",
            row,
        )
        review_id = cursor.lastrowid
    assert review_id is not None
    return review_id


def undo_review(db: Connection, review_id: int) -> str | None:
    """Delete a review and restore its card to the state before it, in one transaction.

    Returns the card id, or None when no such review exists. Raises `ReviewSuperseded` when the card
    was graded again since (restoring would wipe that later grade)."""
    with write_transaction(db):
        found = db.execute("SELECT card_id, card_before FROM reviews WHERE id = ?", [review_id]).fetchone()
        if found is None:
            return None
        card_id, card_before = found
        later = db.execute(
            "SELECT 1 FROM reviews WHERE card_id = ? AND id > ? LIMIT 1", [card_id, review_id]
        ).fetchone()
        if later is not None:
            raise ReviewSuperseded(f"“{card_id}” was graded again after this review")
        db.execute("DELETE FROM reviews WHERE id = ?", [review_id])
        if card_before is None:
            db.execute("DELETE FROM cards WHERE card_id = ?", [card_id])
        else:
            _put_card(db, json.loads(card_before))
    return str(card_id)


def count_reviews_since(db: Connection, since: datetime, state_before: int) -> int:
    """How many reviews since `since` were of cards that were in `state_before` at the time."""
    row = db.execute(
        "SELECT count(*) FROM reviews WHERE reviewed_at >= ? AND state_before = ?",
        [to_db(since), state_before],
    ).fetchone()
    return int(row[0])


def known_card_ids(db: Connection) -> set[str]:
    """Ids of the cards that are not offered as new: scheduled ones, and suspended ones of any state.

    A card with no row was never reviewed; a row in state NEW was reset, or suspended before its first
    review: both are new unless suspended."""
    rows = db.execute(f"SELECT card_id FROM cards WHERE state != {NEW} OR suspended = 1")
    return {card_id for (card_id,) in rows}


def card_states(db: Connection) -> Iterator[CardState]:
    """Every stored card state, one at a time (at 100,000 cards, all alive at once set off full garbage
    collections: the Browse screen keeps only what it shows of each)."""
    return (_card(values) for values in db.execute(_SELECT_CARD))


def set_card_suspended(
    db: Connection, card_id: str, topic: str, kind: str, suspended: bool, now: datetime
) -> None:
    """Suspend or unsuspend any card, even one never reviewed (it gets a row in state NEW).

    Unsuspending also clears the leech flag. Only those two columns change, read and written in one
    write transaction: a grade from another process in between is kept."""
    with write_transaction(db):
        if get_card(db, card_id) is None:
            if suspended:
                new = CardState(card_id, topic, kind, NEW, None, None, None, now, None, suspended=True)
                _put_card(db, new.to_row())
            return
        db.execute(
            "UPDATE cards SET suspended = ?, leech = leech AND ? WHERE card_id = ?",
            [int(suspended), int(suspended), card_id],
        )


def reset_card(db: Connection, card_id: str, now: datetime) -> bool:
    """Forget a card's schedule: it is new again, its reviews stay in the log. False if never reviewed."""
    with write_transaction(db):
        cursor = db.execute(
            f"UPDATE cards SET state = {NEW}, step = NULL, stability = NULL, difficulty = NULL, due = ?,"
            " last_review = NULL, lapses = 0, leech = 0 WHERE card_id = ?",
            [to_db(now), card_id],
        )
    return cursor.rowcount > 0


def due_reviews(db: Connection, now: datetime, state: int) -> list[tuple[str, datetime | None, float | None]]:
    """(card id, last review, stability) of unsuspended cards in `state` due by `now`."""
    rows = db.execute(
        "SELECT card_id, last_review, stability FROM cards WHERE due <= ? AND state = ? AND suspended = 0",
        [to_db(now), state],
    )
    return [(card_id, from_db(last), stability) for card_id, last, stability in rows]


def due_ids(db: Connection, until: datetime, states: tuple[int, ...] | None = None) -> list[str]:
    """Ids of unsuspended cards due by `until` (in `states`, or any state), soonest first."""
    sql = f"SELECT card_id FROM cards WHERE due <= ? AND suspended = 0 AND state != {NEW}"
    params: list[object] = [to_db(until)]
    if states is not None:
        sql += f" AND state IN ({', '.join('?' * len(states))})"
        params.extend(states)
    return [card_id for (card_id,) in db.execute(sql + " ORDER BY due", params)]


def reviews_since(db: Connection, since: datetime) -> tuple[int, int]:
    """(reviews, of which first reviews of new cards) since `since`."""
    reviewed, new_started = db.execute(
        "SELECT count(*), coalesce(sum(state_before = 0), 0) FROM reviews WHERE reviewed_at >= ?",
        [to_db(since)],
    ).fetchone()
    return int(reviewed), int(new_started)


def record_drill(
    db: Connection, card_id: str, drilled_at: datetime, seed: int, correct: bool, response: str | None
) -> int:
    """Log one free-practice answer (the Drill screen): never touches the card's schedule."""
    with write_transaction(db):
        cursor = db.execute(
            "INSERT INTO drills (card_id, drilled_at, seed, correct, response) VALUES (?, ?, ?, ?, ?)",
            [card_id, to_db(drilled_at), seed, int(correct), response],
        )
    assert cursor.lastrowid is not None
    return cursor.lastrowid
