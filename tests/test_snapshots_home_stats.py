"""Snapshots of the Home dashboard, its tag picker and Stats (100×30, 80×24): frozen clock, fixed log."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from conftest import FIXTURE_BANK, NOW

from quizapp.settings import Settings
from quizapp.store import repo
from quizapp.store.db import open_db
from quizapp.store.repo import CardState, Review
from quizapp.tui.app import QuizApp, make_app

SIZE = (100, 30)
CARDS = [
    ("alpha-one", "alpha", "flashcard"),
    ("alpha-two", "alpha", "choice"),
    ("alpha-four", "alpha", "numeric"),
    ("beta-one", "beta", "flashcard"),
]


def _log(path: Path) -> None:
    """Six weeks of reviews (a few a day, some days off, streak of four days) and a spread of due dates."""
    db = open_db(path)
    for day in range(42, -1, -1):
        if day % 7 in (4, 5) or day == 4:
            continue
        for k in range(1 + (day * 3) % 5):
            card_id, topic, kind = CARDS[(day + k) % len(CARDS)]
            at = NOW - timedelta(days=day, hours=3 - k)
            rating = 1 if (day + k) % 6 == 0 else 3
            correct = None if kind == "flashcard" else rating > 1
            before = repo.get_card(db, card_id)
            due = NOW + timedelta(days=(day * 7 + k * 3) % 24 - 2, hours=1)
            after = CardState(card_id, topic, kind, 2, None, 5.0, 5.0, due, at)
            repo.record_review(db, before, after, Review(card_id, at, rating, 20_000, correct))
    repo.record_drill(db, "alpha-four", NOW - timedelta(days=1), 1, True, "3")
    db.close()


def _app(tmp_path: Path) -> QuizApp:
    _log(tmp_path / "q.db")
    return make_app([FIXTURE_BANK], tmp_path / "q.db", Settings(theme="textual-dark"), now=NOW, seed=7)


def test_home_dashboard(snap_compare, tmp_path: Path) -> None:
    assert snap_compare(_app(tmp_path), terminal_size=SIZE)


def test_home_tag_picker(snap_compare, tmp_path: Path) -> None:
    assert snap_compare(_app(tmp_path), terminal_size=SIZE, press=["t", "down"])


def test_stats(snap_compare, tmp_path: Path) -> None:
    async def open_stats(pilot) -> None:  # type: ignore[no-untyped-def]
        pilot.app.action_open_screen("stats")
        await pilot.pause()

    assert snap_compare(_app(tmp_path), terminal_size=SIZE, run_before=open_stats)


def test_stats_at_80_by_24(snap_compare, tmp_path: Path) -> None:
    assert snap_compare(_app(tmp_path), terminal_size=(80, 24), press=["s"])
