"""Next card and grade latency on a large collection: 100,000 cards and 1,000,000 reviews.

Builds a database with `open_db` in a temporary folder (mostly Review cards with spread due dates and
stabilities, some learning/relearning, some suspended; ten reviews per card), then measures with a fake
clock: StudyQueue construction (rebuild), `peek()` latency over 1,000 calls interleaved with
`Reviewer.grade()` and `StudyQueue.graded()`, and `grade()` latency. Prints EXPLAIN QUERY PLAN of the
learning_due query.

Budgets (DESIGN.md §8): next card <= 5 ms (p99); record a grade (one BEGIN IMMEDIATE transaction that
reads the card and writes it with its review) <= 5 ms (p99), aiming at <= 1 ms. Wall-clock percentiles
include preemption when the machine is busy; `grade_cpu` times the same calls in thread CPU time, which
other processes don't inflate.

Usage: python bench/study_queue.py [--quick] [--overdue FRACTION]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from quizapp.settings import Settings
from quizapp.srs.queue import LEARNING, RELEARNING, REVIEW, StudyQueue
from quizapp.srs.scheduler import Reviewer
from quizapp.store import repo
from quizapp.store.db import open_db

BUDGET_MS = 5.0
GRADE_TARGET_MS = 1.0
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
LEARNING_DUE_SQL = (
    "SELECT card_id FROM cards WHERE due <= ? AND state IN (?, ?) AND suspended = 0 ORDER BY due"
)


class FakeClock:
    """A clock the benchmark moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def iso(moment: datetime) -> str:
    return repo.to_db(moment)


def card_rows(ids: list[str], topics: list[str], rng: random.Random, overdue: float) -> list[tuple]:
    """(card_id, topic, kind, state, step, stability, difficulty, due, last_review, lapses, suspended)."""
    rows = []
    for card_id, topic in zip(ids, topics, strict=True):
        kind = "choice" if rng.random() < 0.4 else "flashcard"
        r = rng.random()
        if r < 0.005:  # 0.3% learning, 0.2% relearning: short steps, due within about a day
            state = LEARNING if r < 0.003 else RELEARNING
            step = rng.randint(0, 1)
            stability = rng.uniform(0.2, 3.0)
            due = NOW + timedelta(hours=rng.uniform(-1, 24))
            last = NOW - timedelta(hours=rng.uniform(0.1, 24))
        else:  # review: due `stability` days after the last review (never in the future); some overdue
            state, step = REVIEW, None
            stability = 10 ** rng.uniform(0, 2.6)  # 1 .. 400 days
            if rng.random() < overdue:
                last = NOW - timedelta(days=stability + rng.uniform(0, 30))
            else:
                last = NOW - timedelta(days=rng.uniform(0, stability * 0.99))
            due = last + timedelta(days=stability)
        rows.append(
            (
                card_id,
                topic,
                kind,
                state,
                step,
                stability,
                rng.uniform(1, 10),
                iso(due),
                iso(last),
                rng.choice((0, 0, 0, 0, 1, 2, 3)),
                int(rng.random() < 0.03),
            )
        )
    return rows


# `per_card` reviews a card, spaced back in time from its last review, generated inside SQLite (fast and
# deterministic: the "random" parts are a hash of the card's rowid and the review's index).
REVIEWS_SQL = """
WITH RECURSIVE k(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM k WHERE n < :per_card - 1),
h AS (
    SELECT c.card_id, c.topic, c.kind, c.difficulty, c.lapses, c.stability, k.n,
           (c.rowid * 2654435761 + k.n * 40503) % 1000003 AS r,
           max(c.stability, 0.5) / 2 AS gap,
           julianday(c.last_review) - (:per_card - 1 - k.n) * max(c.stability, 0.5) / 2 AS at
    FROM cards AS c CROSS JOIN k
)
INSERT INTO reviews (card_id, reviewed_at, rating, duration_ms, correct, seed, response, state_before,
                     card_before)
SELECT card_id,
       strftime('%Y-%m-%dT%H:%M:%f', at) || '000+00:00',
       CASE r % 8 WHEN 5 THEN 2 WHEN 6 THEN 1 WHEN 7 THEN 4 ELSE 3 END,
       1500 + r % 28500,
       CASE WHEN kind = 'choice' THEN r % 8 NOT IN (5, 6) END,
       NULL,
       CASE WHEN kind = 'choice' THEN 'b' END,
       CASE WHEN n = 0 THEN 0 ELSE 2 END,
       CASE WHEN n > 0 THEN printf(
           '{"card_id": "%s", "topic": "%s", "kind": "%s", "state": 2, "step": null, "stability": %.4f, '
           || '"difficulty": %.4f, "due": "%s000+00:00", "last_review": "%s000+00:00", "lapses": %d, '
           || '"suspended": 0, "leech": 0}',
           card_id, topic, kind, stability * n / :per_card, difficulty, strftime('%Y-%m-%dT%H:%M:%f', at),
           strftime('%Y-%m-%dT%H:%M:%f', at - gap), lapses) END
FROM h
"""


def build_db(path: Path, n_cards: int, n_reviews: int, overdue: float, rng: random.Random):
    """Create the file with open_db, bulk-load it fast, and return the cards' data."""
    open_db(path).close()  # the app's schema, indexes and migrations
    topics = [f"topic-{i % 200:03d}" for i in range(n_cards)]
    ids = [f"{topic}-card-{i:06d}" for i, topic in enumerate(topics)]
    cards = sorted(card_rows(ids, topics, rng, overdue))
    per_card = max(1, n_reviews // n_cards)
    conn = sqlite3.connect(path)
    # Bulk-load settings for this one-off build only; the timed part reopens the file with open_db.
    conn.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -262144;")
    index_sql = [
        sql
        for (sql,) in conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'reviews' AND sql IS NOT NULL"
        )
    ]
    index_names = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'reviews' AND sql IS NOT NULL"
        )
    ]
    with conn:  # one transaction for everything
        for name in index_names:  # an index built once at the end is much faster than kept up per row
            conn.execute(f"DROP INDEX {name}")
        conn.executemany(
            "INSERT INTO cards (card_id, topic, kind, state, step, stability, difficulty, due, last_review,"
            " lapses, suspended) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            cards,
        )
        conn.execute(REVIEWS_SQL, {"per_card": per_card})
        for sql in index_sql:
            conn.execute(sql)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
    # Flush the freshly written file now: else the first fsync of a timed grade pays for all of it.
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return ids, topics, {row[0]: row[2] for row in cards}


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of `values`."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50_ms": round(pct(values, 50), 3),
        "p99_ms": round(pct(values, 99), 3),
        "max_ms": round(max(values), 3),
        "slowest_ms": [round(x, 1) for x in sorted(values)[-5:]],
        "over_budget": sum(x > BUDGET_MS for x in values),
        "mean_ms": round(statistics.fmean(values), 3),
    }


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def p50(fn, repeat: int) -> float:
    return round(statistics.median(timed(fn, repeat)), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 cards, 100,000 reviews, 200 grades")
    parser.add_argument("--overdue", type=float, default=0.10, help="fraction of Review cards overdue")
    parser.add_argument(
        "--max-loop-seconds",
        type=float,
        default=30.0,
        help="stop the peek/grade loop early (and say so) once it has run this long (default 30)",
    )
    args = parser.parse_args()
    n_cards, n_reviews, n_grades = (10_000, 100_000, 200) if args.quick else (100_000, 1_000_000, 1_000)
    n_new = n_cards // 50
    os.environ["TZ"] = "UTC"  # study-day boundaries use local time: make runs comparable
    time.tzset()
    rng = random.Random(20260302)
    # Limits high enough that the session lasts `n_grades` grades (Anki's defaults would end it at 220).
    settings = Settings(new_per_day=500, reviews_per_day=20_000)

    with tempfile.TemporaryDirectory(prefix="quizapp-bench-queue-") as tmp:
        t = time.perf_counter()
        path = Path(tmp) / "quizapp.db"
        ids, topics, kind_of = build_db(path, n_cards, n_reviews, args.overdue, rng)
        build_s = time.perf_counter() - t
        db = open_db(
            path, autocheckpoint=False
        )  # as the TUI opens it: WAL, busy timeout, no mid-commit checkpoints
        new_ids = [f"topic-{i % 200:03d}-new-{i:06d}" for i in range(n_new)]
        candidates = ids + new_ids
        topic_of = dict(zip(ids, topics, strict=True))
        topic_of.update((card_id, card_id.split("-new-")[0]) for card_id in new_ids)
        kind_of.update(dict.fromkeys(new_ids, "flashcard"))
        db_mb = sum(f.stat().st_size for f in Path(tmp).iterdir()) / 1e6
        now_text = iso(NOW)
        stats = {
            "cards": db.execute("SELECT count(*) FROM cards").fetchone()[0],
            "reviews": db.execute("SELECT count(*) FROM reviews").fetchone()[0],
            "new_in_bank": n_new,
            "due_rows_scanned_by_due_index": db.execute(
                "SELECT count(*) FROM cards WHERE due <= ?", [now_text]
            ).fetchone()[0],
            "indexes": [
                f"{name} ON {table}"
                for name, table in db.execute(
                    "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' ORDER BY tbl_name, name"
                )
            ],
            "learning_due_now": len(
                db.execute(LEARNING_DUE_SQL, [now_text, LEARNING, RELEARNING]).fetchall()
            ),
        }
        plan = [
            row[3]
            for row in db.execute("EXPLAIN QUERY PLAN " + LEARNING_DUE_SQL, [now_text, LEARNING, RELEARNING])
        ]

        clock = FakeClock(NOW)
        rebuild_ms = timed(lambda: StudyQueue(db, candidates, topic_of, settings, clock), 3)
        queue = StudyQueue(db, candidates, topic_of, settings, clock)
        reviewer = Reviewer(db, settings, clock)

        # Parts of peek(), timed alone at the start state.
        def learning_sql() -> list:
            return db.execute(LEARNING_DUE_SQL, [now_text, LEARNING, RELEARNING]).fetchall()

        diag = {
            "learning_due_call_p50_ms": p50(queue.learning_due, 20),
            "learning_due_sql_only_p50_ms": p50(learning_sql, 20),
            "set_of_candidates_p50_ms": p50(lambda: set(queue.candidates), 20),
            "counts_call_p50_ms": p50(queue.counts, 10),
        }

        peek_ms: list[float] = []
        grade_ms: list[float] = []
        grade_cpu_ms: list[float] = []
        sources: dict[str, int] = {}
        empty_peeks = 0
        loop_start = time.perf_counter()
        stopped_early = False
        while len(grade_ms) < n_grades:
            if time.perf_counter() - loop_start > args.max_loop_seconds:
                stopped_early = True
                break
            start = time.perf_counter()
            nxt = queue.peek()
            peek_ms.append((time.perf_counter() - start) * 1000)
            if nxt is None:
                empty_peeks += 1
                clock.advance(300)
                continue
            card_id, source = nxt
            sources[source.value] = sources.get(source.value, 0) + 1
            rating = rng.choice((3, 3, 3, 3, 3, 3, 2, 1, 1, 4))
            start, cpu_start = time.perf_counter(), time.thread_time()
            reviewer.grade(
                card_id,
                topic=topic_of[card_id],
                kind=kind_of[card_id],
                rating=rating,
                duration_ms=rng.randint(2000, 20000),
                correct=None if kind_of[card_id] == "flashcard" else rating >= 3,
            )
            grade_ms.append((time.perf_counter() - start) * 1000)
            grade_cpu_ms.append((time.thread_time() - cpu_start) * 1000)
            queue.graded(card_id, source)
            clock.advance(rng.uniform(5, 30))
        db.close()

    peek, grade = summary(peek_ms), summary(grade_ms)
    report = {
        "benchmark": "queue",
        "quick": args.quick,
        "collection": {**stats, "db_mb": round(db_mb, 1), "build_s": round(build_s, 1)},
        "settings": {"new_per_day": settings.new_per_day, "reviews_per_day": settings.reviews_per_day},
        "rebuild_ms": {
            "median": round(statistics.median(rebuild_ms), 1),
            "runs": [round(x, 1) for x in rebuild_ms],
        },
        "peek": {**peek, "budget_ms": BUDGET_MS, "within_budget": peek["p99_ms"] <= BUDGET_MS},
        "grade": {
            **grade,
            "budget_ms": BUDGET_MS,
            "within_budget": grade["p99_ms"] <= BUDGET_MS,
            "target_ms": GRADE_TARGET_MS,
            "within_target": grade["p99_ms"] <= GRADE_TARGET_MS,
        },
        "grade_cpu": summary(grade_cpu_ms),
        "sources_shown": sources,
        "empty_peeks": empty_peeks,
        "loop_stopped_early_after_s": args.max_loop_seconds if stopped_early else None,
        "peek_parts_at_start": diag,
        "learning_due_query_plan": plan,
        "learning_due_uses_index": any("USING" in line and "INDEX" in line for line in plan),
        "budget_ms": BUDGET_MS,
        "within_budget": peek["p99_ms"] <= BUDGET_MS and grade["p99_ms"] <= BUDGET_MS,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
