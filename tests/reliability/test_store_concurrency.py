"""Two writers on one database: two processes grade the same cards at full speed while a third holds
the write lock for 2 s at random moments. No grade may fail or be lost, and every card row must equal a
replay of its reviews through the same fsrs scheduler code."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import fsrs

from quizapp.settings import Settings
from quizapp.srs.scheduler import next_state
from quizapp.store import repo
from quizapp.store.db import open_db
from quizapp.store.repo import CardState

CARDS = [f"card-{i:02d}" for i in range(12)]  # few cards: the two graders collide on them constantly
GRADES_PER_PROCESS = 1500
HOLD_SECONDS = 2.0

GRADER = textwrap.dedent(
    """
    import json, random, sys
    import fsrs
    from quizapp.settings import Settings
    from quizapp.srs.scheduler import Reviewer
    from quizapp.store.db import open_db

    path, seed, n, cards = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4].split(",")
    rng = random.Random(seed)
    reviewer = Reviewer(open_db(path), Settings())
    reviewer.scheduler = fsrs.Scheduler(enable_fuzzing=False)  # the replay must be able to recompute due
    ok, failures = [], []
    for _ in range(n):
        card_id = rng.choice(cards)
        try:
            graded = reviewer.grade(card_id, topic="t", kind="flashcard", rating=rng.randint(1, 4))
            ok.append(graded.review_id)
        except Exception as error:  # every failure is counted, none may happen
            failures.append(f"{type(error).__name__}: {error}")
    print(json.dumps({"ok": ok, "failures": failures}))
    """
)

# Holds BEGIN IMMEDIATE for HOLD_SECONDS, pauses a random 0.3-1 s, again, until the stop file appears.
HOLDER = textwrap.dedent(
    """
    import os, random, sqlite3, sys, time
    path, stop, hold = sys.argv[1], sys.argv[2], float(sys.argv[3])
    rng = random.Random(7)
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    holds = 0
    while not os.path.exists(stop):
        conn.execute("BEGIN IMMEDIATE")
        holds += 1
        if holds == 1:
            print("holding", flush=True)
        time.sleep(hold)
        conn.execute("ROLLBACK")
        time.sleep(rng.uniform(0.3, 1.0))
    print(holds, flush=True)
    """
)


def _replay(rows: list[tuple[str, str, int, str | None]], scheduler: fsrs.Scheduler) -> CardState | None:
    """The card's state recomputed from its reviews (reviewed_at, rating), checking each `card_before`."""
    state: CardState | None = None
    for card_id, reviewed_at, rating, card_before in rows:
        assert card_before == (json.dumps(state.to_row()) if state else None), "a lost update"
        at = repo.from_db(reviewed_at)
        assert at is not None
        state = next_state(
            scheduler,
            state,
            card_id=card_id,
            topic="t",
            kind="flashcard",
            rating=rating,
            now=at,
            leech_lapses=Settings().leech_lapses,
        )
    return state


def test_two_graders_and_a_lock_holder_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    open_db(path).close()
    stop = tmp_path / "stop"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), str(stop), str(HOLD_SECONDS)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "holding"  # the graders start against a held lock
        started = time.monotonic()
        args = [str(path), str(GRADES_PER_PROCESS), ",".join(CARDS)]
        graders = [
            subprocess.Popen(
                [sys.executable, "-c", GRADER, args[0], str(seed), *args[1:]],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for seed in (1, 2)
        ]
        outputs = [grader.communicate(timeout=240) for grader in graders]
        grading_seconds = time.monotonic() - started
    finally:
        stop.touch()
        holder_out, _ = holder.communicate(timeout=30)
    holds = int(holder_out.strip())
    assert holds >= 1 and grading_seconds > HOLD_SECONDS * 0.9  # the lock really got in the graders' way

    results = []
    for grader, (out, err) in zip(graders, outputs, strict=True):
        assert grader.returncode == 0, err
        results.append(json.loads(out))
    failures = [f for result in results for f in result["failures"]]
    assert failures == []  # no "database is locked", no FOREIGN KEY failure
    review_ids = [i for result in results for i in result["ok"]]
    assert len(review_ids) == len(set(review_ids)) == 2 * GRADES_PER_PROCESS

    db = open_db(path)
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    stored_ids = {row[0] for row in db.execute("SELECT id FROM reviews")}
    assert stored_ids == set(review_ids)  # every grade reported as saved is in the log
    scheduler = fsrs.Scheduler(enable_fuzzing=False)
    for card_id in CARDS:
        rows = db.execute(
            "SELECT card_id, reviewed_at, rating, card_before FROM reviews WHERE card_id = ? ORDER BY id",
            [card_id],
        ).fetchall()
        assert rows, card_id
        assert [r[1] for r in rows] == sorted(r[1] for r in rows)  # times follow commit order
        assert repo.get_card(db, card_id) == _replay(rows, scheduler), card_id
