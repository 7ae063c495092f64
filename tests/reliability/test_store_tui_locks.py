"""A write lock held past the busy timeout by another process: every TUI write (grade, regrade, undo,
suspend, reset, drill log) is kept, said so, and retried; nothing crashes and nothing is lost."""

from __future__ import annotations

import sqlite3
from collections.abc import Sized
from pathlib import Path

import pytest
from conftest import FIXTURE_BANK, NOW
from test_tui_drill import DOUBLES, _answer, _problem
from test_tui_drill import _app as _drill_app
from test_tui_drill import _open as _open_drill
from textual.pilot import Pilot

from quizapp.settings import Settings
from quizapp.store import db as store_db
from quizapp.store import pending, repo
from quizapp.store.db import open_db
from quizapp.tui.app import QuizApp, StudyFilter, make_app
from quizapp.tui.screens.browse import BrowseScreen
from quizapp.tui.screens.drill import DrillScreen
from quizapp.tui.screens.study import Phase, StudyScreen
from quizapp.tui.widgets.choice import ChoiceView
from quizapp.tui.widgets.flashcard import FlashcardView

SIZE = (100, 30)


@pytest.fixture(autouse=True)
def _short_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """A busy timeout of 50 ms and retries every 0.1 s: the lock below outlasts every wait."""
    monkeypatch.setattr(store_db, "BUSY_TIMEOUT_MS", 50)
    monkeypatch.setattr(pending, "RETRY_SECONDS", 0.1)
    monkeypatch.setattr(pending, "RETRY_TIMEOUT_MS", 10)


class Lock:
    """Another process's write transaction on the file (its own connection)."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        self.conn.execute("ROLLBACK")
        self.conn.close()


def _app(tmp_path: Path, study: StudyFilter | None = None) -> QuizApp:
    return make_app([FIXTURE_BANK], tmp_path / "q.db", Settings(), now=NOW, study=study)


def _reviews(tmp_path: Path) -> list[tuple]:
    db = open_db(tmp_path / "q.db")  # a second connection: sees only what was committed
    return db.execute("SELECT card_id, rating, correct FROM reviews ORDER BY id").fetchall()


def _browse_writes(app: QuizApp) -> Sized | None:
    screen = app.screen
    assert isinstance(screen, BrowseScreen)
    return screen._writes


def _drill_writes(app: QuizApp) -> Sized | None:
    screen = app.screen
    assert isinstance(screen, DrillScreen)
    return screen._writes


def _noticed(app: QuizApp, text: str) -> bool:
    return any(text in str(n.message) for n in app._notifications)


async def _retried(pilot: Pilot[None], writes: Sized | None) -> None:
    """Wait (up to 10 s on a busy machine) until a retry on the timer has saved `writes`, then let the
    messages it posted (notices, the next card) be handled."""
    for _ in range(100):
        await pilot.pause(0.1)
        if not writes:
            break
    await pilot.pause()
    await pilot.pause()


async def test_a_flashcard_grade_waits_out_the_lock_and_is_saved(tmp_path: Path) -> None:
    app = _app(tmp_path, StudyFilter(topics=("beta",)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        screen = app.screen
        assert isinstance(screen, StudyScreen)
        lock = Lock(tmp_path / "q.db")
        await pilot.press("3")
        assert _noticed(app, "database is locked") and _reviews(tmp_path) == []
        assert screen.phase is Phase.REVEALED  # the card stays until its grade is saved
        assert screen.query_one(FlashcardView).card.id == "beta-one"
        assert "Not saved yet" in str(screen.query_one("#status").render())
        await pilot.press("escape")
        assert app.screen is screen  # leaving would drop the grade
        await pilot.press("3")  # pressing again while locked adds no second grade
        lock.release()
        await _retried(pilot, screen.writes)
        assert _reviews(tmp_path) == [("beta-one", 3, None)]
        assert _noticed(app, "Saved.")
        assert screen.query_one(FlashcardView).card.id == "beta-two"  # moved on once saved
    assert _reviews(tmp_path) == [("beta-one", 3, None)]


async def test_auto_grade_regrade_and_undo_survive_a_lock(tmp_path: Path) -> None:
    app = _app(tmp_path, StudyFilter(topics=("alpha",)))
    path = tmp_path / "q.db"
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "4")  # alpha-one, saved normally
        screen = app.screen
        assert isinstance(screen, StudyScreen)
        lock = Lock(path)
        await pilot.press("c")  # alpha-two answered wrong while locked
        assert screen.phase is Phase.ANSWERED and screen.last_graded is None
        await pilot.press("enter")  # can't move on before the grade is saved
        assert screen.query_one(ChoiceView).card.id == "alpha-two"
        lock.release()
        await _retried(pilot, screen.writes)
        assert _reviews(tmp_path) == [("alpha-one", 4, None), ("alpha-two", 1, 0)]
        assert screen.last_graded is not None and screen.last_graded.rating == 1

        lock = Lock(path)
        await pilot.press("2")  # change Again to Hard while locked
        assert _reviews(tmp_path)[-1] == ("alpha-two", 1, 0)
        lock.release()
        await _retried(pilot, screen.writes)
        assert _reviews(tmp_path) == [("alpha-one", 4, None), ("alpha-two", 2, 0)]

        lock = Lock(path)
        await pilot.press("u")  # undo while locked
        assert len(_reviews(tmp_path)) == 2
        lock.release()
        await _retried(pilot, screen.writes)
        assert _reviews(tmp_path) == [("alpha-one", 4, None)]
        assert screen.query_one(ChoiceView).card.id == "alpha-two"  # shown again


async def test_suspend_and_reset_in_browse_survive_a_lock(tmp_path: Path) -> None:
    app = _app(tmp_path)
    path = tmp_path / "q.db"
    db = open_db(path)
    state = repo.CardState("alpha-one", "alpha", "flashcard", 2, None, 5.0, 5.0, NOW, NOW)
    repo.record_review(db, None, state, repo.Review("alpha-one", NOW, 3))
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(BrowseScreen("alpha-two"))
        await pilot.pause()
        lock = Lock(path)
        await pilot.press("s")
        assert _noticed(app, "database is locked") and repo.get_card(db, "alpha-two") is None
        lock.release()
        await _retried(pilot, _browse_writes(app))
        stored = repo.get_card(db, "alpha-two")
        assert stored is not None and stored.suspended

        app.pop_screen()
        app.push_screen(BrowseScreen("alpha-one"))
        await pilot.pause()
        lock = Lock(path)
        await pilot.press("r", "y")
        assert repo.get_card(db, "alpha-one").state == 2  # type: ignore[union-attr]
        lock.release()
        await _retried(pilot, _browse_writes(app))
        assert repo.get_card(db, "alpha-one").state == repo.NEW  # type: ignore[union-attr]


async def test_a_drill_answer_is_logged_once_the_lock_is_gone(tmp_path: Path) -> None:
    app = _drill_app(tmp_path, DOUBLES)
    path = tmp_path / "q.db"
    async with app.run_test(size=SIZE) as pilot:
        await _open_drill(pilot)
        await pilot.press("s")
        view = await _problem(app, 1)
        lock = Lock(path)
        await _answer(pilot, view, right=True)
        assert _noticed(app, "database is locked")
        assert open_db(path).execute("SELECT count(*) FROM drills").fetchone()[0] == 0
        lock.release()
        await _retried(pilot, _drill_writes(app))
        rows = open_db(path).execute("SELECT card_id, seed, correct FROM drills").fetchall()
        assert rows == [(view.card.id, view.seed, 1)]


async def test_quit_while_a_grade_waits_for_the_lock_asks_first_and_keeps_it(tmp_path: Path) -> None:
    from quizapp.tui.screens.confirm import ConfirmScreen

    app = _app(tmp_path, StudyFilter(topics=("beta",)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        screen = app.screen
        assert isinstance(screen, StudyScreen)
        lock = Lock(tmp_path / "q.db")
        await pilot.press("3")
        assert pending.waiting_writes() == 1
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)  # not gone: the grade would be lost
        await pilot.press("n")  # keep waiting
        await pilot.pause()
        assert app.screen is screen and app.is_running
        lock.release()
        await _retried(pilot, screen.writes)
        assert _reviews(tmp_path) == [("beta-one", 3, None)]
        await pilot.press("ctrl+q")  # nothing waits any more: quits at once
        await pilot.pause()
    assert not app.is_running
