"""Aggregates over the review log and the schedule, in SQL: counts per time interval and per card.

Pure functions of the database and UTC instants; quizapp.srs.stats turns study days into instants and
maps per-card results onto the bank. Every query over `reviews` is a range on `reviewed_at` (the
`reviews_time_cover` index, which also holds the columns the per-card totals read), so its cost follows
the window asked for, not the size of the log."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from sqlite3 import Connection

from quizapp.store.repo import to_db

REVIEW = 2  # fsrs.State.Review: a review of a card in this state is what "true retention" measures
SCHEDULED = (1, 2, 3)  # learning, review, relearning: the states of cards that fall due


def _intervals(edges: Sequence[str]) -> tuple[str, list[object]]:
    """A `days(i, lo, hi)` table of the half-open intervals between consecutive `edges` (stored text)."""
    params: list[object] = []
    for i, (lo, hi) in enumerate(pairwise(edges)):
        params += [i, lo, hi]
    rows = ", ".join("(?, ?, ?)" for _ in range(len(edges) - 1))
    return f"days(i, lo, hi) AS (VALUES {rows})", params


def review_counts(db: Connection, edges: Sequence[datetime]) -> list[int]:
    """Reviews in each interval [edges[k], edges[k+1]): len(edges) - 1 counts (index-only counts)."""
    if len(edges) < 2:
        return []
    days, params = _intervals([to_db(edge) for edge in edges])
    sql = (
        f"WITH {days} SELECT i, (SELECT count(*) FROM reviews"
        " WHERE reviewed_at >= days.lo AND reviewed_at < days.hi) FROM days ORDER BY i"
    )
    return [int(count) for _, count in db.execute(sql, params)]


def days_with_reviews(db: Connection, edges: Sequence[datetime]) -> list[bool]:
    """Whether each interval [edges[k], edges[k+1]) holds at least one review (one index seek each)."""
    if len(edges) < 2:
        return []
    days, params = _intervals([to_db(edge) for edge in edges])
    sql = (
        f"WITH {days} SELECT i, EXISTS(SELECT 1 FROM reviews"
        " WHERE reviewed_at >= days.lo AND reviewed_at < days.hi) FROM days ORDER BY i"
    )
    return [bool(found) for _, found in db.execute(sql, params)]


def due_counts(db: Connection, ends: Sequence[datetime]) -> list[int]:
    """Unsuspended scheduled cards due before ends[0] (overdue included), then in [ends[k-1], ends[k]).

    Counted on the (state, due) index alone, then the few suspended cards (a plain scan of `cards`)
    are taken off: a lookup of the `suspended` flag per card would cost far more."""
    if not ends:
        return []
    edges = [to_db(end) for end in ends]
    days, params = _intervals(["", *edges])  # "" sorts before any time: day 0 includes the overdue
    states = ", ".join(str(s) for s in SCHEDULED)
    sql = (
        f"WITH {days} SELECT i, (SELECT count(*) FROM cards"
        f" WHERE state IN ({states}) AND due >= days.lo AND due < days.hi) FROM days ORDER BY i"
    )
    counts = [int(count) for _, count in db.execute(sql, params)]
    suspended = db.execute(
        f"SELECT due FROM cards NOT INDEXED WHERE suspended != 0 AND state IN ({states}) AND due < ?",
        [edges[-1]],
    )
    for (due,) in suspended:
        counts[bisect_right(edges, due)] -= 1
    return counts


@dataclass(frozen=True)
class Activity:
    """What the log holds for an interval: reviews, first reviews of new cards, lapses, time spent."""

    reviews: int = 0
    new: int = 0
    again: int = 0
    duration_ms: int = 0


def activity(db: Connection, since: datetime, until: datetime | None = None) -> Activity:
    """Totals of the reviews in [since, until) (until: no upper bound)."""
    sql = (
        "SELECT count(*), coalesce(sum(state_before = 0), 0), coalesce(sum(rating = 1), 0),"
        " coalesce(sum(duration_ms), 0) FROM reviews WHERE reviewed_at >= ?"
    )
    params = [to_db(since)]
    if until is not None:
        sql += " AND reviewed_at < ?"
        params.append(to_db(until))
    reviews, new, again, duration = db.execute(sql, params).fetchone()
    return Activity(int(reviews), int(new), int(again), int(duration))


@dataclass(frozen=True)
class CardTotals:
    """One card's reviews in a window.

    `mature` reviews were of the card in Review state, `passed` of those were Hard, Good or Easy (true
    retention = passed / mature); `checked` reviews were auto-graded, `correct` of them right."""

    reviews: int = 0
    mature: int = 0
    passed: int = 0
    checked: int = 0
    correct: int = 0


def card_total_rows(
    db: Connection, since: datetime, until: datetime | None = None
) -> Iterator[tuple[str, int, int, int, int, int]]:
    """Per-card totals of the reviews in [since, until) as bare rows: (card id, reviews, mature, passed,
    checked, correct). An index-only range scan of `reviews_time_cover`."""
    # `+card_id`: without it SQLite walks the whole (card_id, reviewed_at) index to skip sorting,
    # which reads every review ever made instead of the window.
    sql = (
        f"SELECT +card_id, count(*), sum(state_before = {REVIEW}),"
        f" sum(state_before = {REVIEW} AND rating > 1), count(correct), coalesce(sum(correct), 0)"
        " FROM reviews WHERE reviewed_at >= ?"
    )
    params = [to_db(since)]
    if until is not None:
        sql += " AND reviewed_at < ?"
        params.append(to_db(until))
    rows: Iterator[tuple[str, int, int, int, int, int]] = db.execute(sql + " GROUP BY +card_id", params)
    return rows


def card_totals(db: Connection, since: datetime, until: datetime | None = None) -> dict[str, CardTotals]:
    """Per-card totals of the reviews in [since, until), by card id."""
    return {card_id: CardTotals(*values) for card_id, *values in card_total_rows(db, since, until)}


def drill_totals(
    db: Connection, since: datetime, until: datetime | None = None
) -> dict[str, tuple[int, int]]:
    """(drills, correct) per card id for the Drill screen's log in [since, until)."""
    sql = "SELECT +card_id, count(*), sum(correct) FROM drills WHERE drilled_at >= ?"
    params = [to_db(since)]
    if until is not None:
        sql += " AND drilled_at < ?"
        params.append(to_db(until))
    return {card_id: (int(n), int(ok)) for card_id, n, ok in db.execute(sql + " GROUP BY +card_id", params)}
