"""Stats with a large log: the fit line is measured in a process of its own (killed when Stats closes or
the app quits), its failures are a plain message, and a recount reuses the days before today yet stays
exact."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURE_BANK, NOW
from textual.widgets import DataTable

from quizapp.settings import Settings
from quizapp.srs import stats
from quizapp.store import repo
from quizapp.store.db import open_db
from quizapp.store.repo import CardState, Review
from quizapp.tui.app import AFTER_START_S, QuizApp, make_app
from quizapp.tui.screens import stats as stats_module
from quizapp.tui.screens.home import HomeScreen
from quizapp.tui.screens.stats import ALL, StatsScreen

SIZE = (100, 30)
DAY = timedelta(days=1)
SLEEPER = (sys.executable, "-c", "import time; time.sleep(60)")


def _app(tmp_path: Path) -> QuizApp:
    return make_app([FIXTURE_BANK], tmp_path / "q.db", Settings(), now=NOW, seed=7)


def _log(tmp_path: Path, days: int = 3) -> None:
    """A few reviews of one card on separate days (enough for the fit line once MIN_ITEMS is 1)."""
    db = open_db(tmp_path / "q.db")
    for k in range(days, 0, -1):
        at = NOW - k * DAY
        before = repo.get_card(db, "alpha-one")
        after = CardState("alpha-one", "alpha", "flashcard", 2, None, 5.0, 5.0, at + DAY, at)
        repo.record_review(db, before, after, Review("alpha-one", at, 3, 1000))
    db.close()


@pytest.fixture
def spawned(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The processes Stats starts, in order (the fit line needs just one review here)."""
    monkeypatch.setattr(stats_module, "MIN_ITEMS", 1)
    found: list[Any] = []
    real = asyncio.create_subprocess_exec

    async def spy(*args: Any, **kwargs: Any) -> Any:
        process = await real(*args, **kwargs)
        found.append(process)
        return process

    monkeypatch.setattr(asyncio, "create_subprocess_exec", spy)
    return found


async def _until(condition: Any) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("timed out")


def _fit_caption(app: QuizApp) -> str:
    return str(app.screen.query_one("#fit-caption").render())


@asynccontextmanager
async def _stats_measuring(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...] | None = None
) -> AsyncIterator[tuple[QuizApp, Any]]:
    """The app with a small log, Stats opened; its fit measured by `command` (default: the real one)."""
    if command is not None:
        monkeypatch.setattr(stats_module, "FIT_COMMAND", command)
    _log(tmp_path)
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        yield app, pilot


async def test_the_fit_is_measured_in_another_process(
    tmp_path: Path, spawned: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    async with _stats_measuring(tmp_path, monkeypatch) as (app, _):
        await _until(lambda: "log loss" in _fit_caption(app))
        assert "default FSRS parameters · log loss" in _fit_caption(app)
        assert "over 2 predicted reviews" in _fit_caption(app)  # the first review predicts nothing
    assert [p.returncode for p in spawned] == [0]


async def test_leaving_stats_kills_the_fit_process(
    tmp_path: Path, spawned: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    async with _stats_measuring(tmp_path, monkeypatch, SLEEPER) as (app, pilot):
        await _until(lambda: spawned)
        assert "measuring the fit…" in _fit_caption(app)
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
        await _until(lambda: spawned[0].returncode is not None)
        await pilot.press("s")  # a second open measures afresh, in a new process
        await _until(lambda: len(spawned) == 2)
    await _until(lambda: spawned[1].returncode is not None)  # quitting killed it too
    assert all(p.returncode < 0 for p in spawned)  # killed, not finished


async def test_a_recount_while_the_fit_is_measured_leaves_it_running(
    tmp_path: Path, spawned: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    async with _stats_measuring(tmp_path, monkeypatch, SLEEPER) as (app, pilot):
        await _until(lambda: spawned)
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        screen.counted = False
        await pilot.press("r")
        await _until(lambda: screen.counted)
        await pilot.pause()
        assert len(spawned) == 1 and spawned[0].returncode is None  # the same log: not measured again
        assert "measuring the fit…" in _fit_caption(app)


async def test_a_failed_fit_is_a_plain_message(
    tmp_path: Path, spawned: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    failing = (sys.executable, "-c", "raise SystemExit('no luck')")
    async with _stats_measuring(tmp_path, monkeypatch, failing) as (app, pilot):
        await _until(lambda: "could not" in _fit_caption(app))
        assert "the fit could not be measured (no luck)" in _fit_caption(app)
        assert isinstance(app.screen, StatsScreen)
        monkeypatch.setattr(stats_module, "FIT_COMMAND", (sys.executable, "-c", "print('[1, 2]')"))
        await pilot.press("escape", "a", "space", "3", "escape", "s")  # a new grade: measured again
        await _until(lambda: "no answer" in _fit_caption(app))


# -- recounts: the days before today counted once, and still exact ---------------------------------


def _grade(db: Any, card_id: str, topic: str, at: Any, rating: int, kind: str = "flashcard") -> int:
    """Store one review (the card left in Review state); its id."""
    before = repo.get_card(db, card_id)
    after = CardState(card_id, topic, kind, 2, None, 5.0, 5.0, at + 5 * DAY, at)
    correct = None if kind == "flashcard" else rating > 1
    repo.record_review(db, before, after, Review(card_id, at, rating, 1000, correct))
    return int(db.execute("SELECT max(id) FROM reviews").fetchone()[0])


def _shown(app: QuizApp) -> dict[str, list[str]]:
    table = app.screen.query_one("#topic-stats", DataTable)
    return {
        str(row.key.value): [str(cell) for cell in table.get_row(row.key)][1:] for row in table.ordered_rows
    }


def _from_scratch(app: QuizApp, path: Path) -> dict[str, list[str]]:
    """The table's cells as a count with no cache, on a connection of its own, would fill them."""
    db = open_db(path)
    by_topic = stats_module.count_stats(db, app.bank, app.settings, NOW).by_topic
    db.close()
    total = sum(by_topic.values(), stats.TopicHistory())
    return {ALL: list(stats_module._cells(total))} | {
        t: list(stats_module._cells(h)) for t, h in by_topic.items()
    }


async def test_recounts_equal_a_count_from_scratch_after_grades_undo_and_reset(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    db = open_db(path)
    _grade(db, "alpha-four", "alpha", NOW - 9 * DAY, 3, "numeric")
    _grade(db, "alpha-four", "alpha", NOW - 6 * DAY, 1, "numeric")
    _grade(db, "beta-one", "beta", NOW - 3 * DAY, 3)
    past = _grade(db, "beta-one", "beta", NOW - 2 * DAY, 4)
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:

        async def recount() -> None:
            await pilot.press("r")
            await app.workers.wait_for_complete([w for w in app.workers if w.group == "stats-counts"])
            await pilot.pause()
            await _until(lambda: _shown(app) == _from_scratch(app, path))

        await pilot.press("s")
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        await _until(lambda: screen.counted)
        assert _shown(app) == _from_scratch(app, path)
        assert _shown(app)["alpha"] == ["2", "0% of 1", "50% of 2", "—"]
        assert app.stats_history._key is not None  # the past days are kept for the next recount

        _grade(db, "alpha-two", "alpha", NOW - 4 * DAY, 3, "choice")  # a past day changes (another process)
        await recount()
        assert _shown(app)["alpha"][0] == "3"
        repo.undo_review(db, past)  # a grade from before today undone
        await recount()
        assert _shown(app)["beta"] == ["1", "—", "—", "—"]
        _grade(db, "beta-one", "beta", NOW - timedelta(minutes=5), 1)  # today
        await recount()
        assert _shown(app)["beta"][:2] == ["2", "0% of 1"]
        assert repo.reset_card(db, "beta-one", NOW)  # reviews stay in the log: the counts stay
        await recount()
        assert _shown(app)["beta"][:2] == ["2", "0% of 1"]
    db.close()


async def test_stats_past_days_are_counted_ahead_after_start(tmp_path: Path) -> None:
    """A second after start the app counts Stats' days before today in a thread, so that opening Stats
    counts today's reviews alone; what it then shows equals a count from scratch."""
    _log(tmp_path)
    path, app = tmp_path / "q.db", _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        assert app.stats_history._key is None
        await pilot.pause(AFTER_START_S + 0.2)
        await app.workers.wait_for_complete()
        assert app.stats_history._key is not None  # counted ahead, before Stats was ever opened
        await pilot.press("s")
        await _until(lambda: isinstance(app.screen, StatsScreen) and app.screen.counted)
        assert _shown(app) == _from_scratch(app, path)
