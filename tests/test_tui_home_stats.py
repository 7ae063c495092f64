"""Pilot tests of the Home dashboard (retention, streak, forecast, tag picker, keys) and the Stats screen."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from pathlib import Path
from sqlite3 import Connection

import pytest
from conftest import FIXTURE_BANK, NOW
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, OptionList

from quizapp.content.bank import content_dirs
from quizapp.settings import Settings
from quizapp.store import repo
from quizapp.store.db import open_db
from quizapp.store.repo import CardState, Review
from quizapp.tui.app import QuizApp, make_app
from quizapp.tui.screens import home as home_module
from quizapp.tui.screens import stats as stats_module
from quizapp.tui.screens.home import HomeScreen, TagPicker
from quizapp.tui.screens.stats import StatsScreen
from quizapp.tui.screens.study import StudyScreen
from quizapp.tui.widgets.charts import BarChart, bar_levels, bar_rows
from quizapp.tui.widgets.flashcard import FlashcardView

SIZE = (100, 30)
DAY = timedelta(days=1)


def _app(tmp_path: Path, content: list[Path] | None = None) -> QuizApp:
    return make_app(content or [FIXTURE_BANK], tmp_path / "q.db", Settings(), now=NOW, seed=7)


def _graded(
    db: Connection,
    card_id: str,
    topic: str,
    at: datetime,
    rating: int,
    *,
    kind: str = "flashcard",
    due: datetime | None = None,
    correct: bool | None = None,
) -> None:
    """Store one review of `card_id` at `at`; the card is left in Review state, due at `due`."""
    before = repo.get_card(db, card_id)
    after = CardState(card_id, topic, kind, 2, None, 5.0, 5.0, due or at + 5 * DAY, at)
    repo.record_review(db, before, after, Review(card_id, at, rating, 1000, correct))


def _cells(app: QuizApp, table_id: str, row: str) -> list[str]:
    table = app.screen.query_one(table_id, DataTable)
    return [str(cell) for cell in table.get_row(row)]


async def _settled(app: QuizApp, pilot: Pilot[None]) -> None:
    """Wait for Home's and Stats' counting workers (they post their results) and what they post."""
    counting = [w for w in app.workers if w.group in ("home-counts", "stats-counts")]
    await app.workers.wait_for_complete(counting)
    await pilot.pause()


def _text(app: QuizApp, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


def _reviews(tmp_path: Path) -> list[tuple]:
    db = open_db(tmp_path / "q.db")  # a second connection: sees only what was committed
    return db.execute("SELECT card_id, rating, state_before FROM reviews ORDER BY id").fetchall()


async def test_home_shows_retention_and_streak_after_grades_made_in_the_app(tmp_path: Path) -> None:
    db = open_db(tmp_path / "q.db")
    _graded(db, "beta-one", "beta", NOW - DAY, 3, due=NOW - timedelta(hours=1))  # learned yesterday, due now
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _settled(app, pilot)
        assert _cells(app, "#topics", "beta")[4] == "—"  # its one review was of a new card
        assert "streak 1 day (none today yet)" in _text(app, "#home-streak")
        table = app.screen.query_one("#topics", DataTable)
        table.move_cursor(row=table.get_row_index("beta"))
        await pilot.press("enter")
        assert isinstance(app.screen, StudyScreen)
        assert app.screen.query_one(FlashcardView).card.id == "beta-one"  # the due review comes first
        await pilot.press("space", "3")  # a review of a card in Review state, passed
        assert app.screen.query_one(FlashcardView).card.id == "beta-two"
        await pilot.press("space", "1")  # a new card: Again doesn't count against retention
        await pilot.press("escape", "escape")  # beta-code is next: the first escape leaves its editor
        assert isinstance(app.screen, HomeScreen)
        await _settled(app, pilot)
        assert _reviews(tmp_path) == [("beta-one", 3, 0), ("beta-one", 3, 2), ("beta-two", 1, 0)]
        assert _cells(app, "#topics", "beta")[4] == "100% of 1"
        assert _text(app, "#home-streak") == "streak 2 days"
        progress = _text(app, "#home-progress")
        assert "2 done" in progress and "<1 min" in progress


async def test_home_today_line_and_forecast(tmp_path: Path) -> None:
    db = open_db(tmp_path / "q.db")
    _graded(db, "alpha-one", "alpha", NOW - 9 * DAY, 3, due=NOW - 2 * DAY)  # overdue: due today
    _graded(db, "beta-one", "beta", NOW - 2 * DAY, 3, due=NOW + 2 * DAY)
    _graded(db, "beta-two", "beta", NOW - 2 * DAY, 3, due=NOW + 2 * DAY + timedelta(hours=1))
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _settled(app, pilot)
        chart = app.screen.query_one("#home-forecast-chart", BarChart)
        assert len(chart.values) == 30
        assert chart.values[:4] == (1, 0, 2, 0) and sum(chart.values) == 3
        assert _text(app, "#home-forecast-note") == "due today 1 · week 3 · peak 2"
        progress = _text(app, "#home-progress")
        assert "0 done · 1 due now · 4 new" in progress  # alpha's three other cards and beta-code (limit 20)


async def test_home_shows_the_topics_at_once_and_counts_them_in_a_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Home's counts grow with the history: they are made off the UI thread, on a connection of the
    worker's own, while the topics show with a loading state."""
    db = open_db(tmp_path / "q.db")
    _graded(db, "alpha-one", "alpha", NOW - 9 * DAY, 3, due=NOW - 2 * DAY)  # overdue: due today
    release, used = threading.Event(), []
    real_count = home_module.count_home

    def held_count(db: Connection, *args: object) -> home_module.HomeCounts:
        used.append((threading.get_ident(), db))
        assert release.wait(10)
        return real_count(db, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(home_module, "count_home", held_count)
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        home = app.screen
        assert isinstance(home, HomeScreen) and not home.counted
        assert _cells(app, "#topics", "alpha")[1:] == ["…", "…", "4", "…"]  # the size is the bank's
        assert "counting…" in _text(app, "#home-progress")
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert home.counted
        assert _cells(app, "#topics", "alpha")[1:4] == ["1", "3", "4"]
        assert "1 due" in _text(app, "#home-progress")
    (thread, worker_db), *_ = used
    assert thread != threading.get_ident() and worker_db is not app.db


async def test_stats_opens_at_once_and_counts_the_log_in_a_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = open_db(tmp_path / "q.db")
    _graded(db, "alpha-one", "alpha", NOW - DAY, 3)
    release, threads = threading.Event(), []
    real_count = stats_module.count_stats

    def held_count(db: Connection, *args: object) -> stats_module.StatsCounts:
        threads.append(threading.get_ident())
        assert release.wait(10)
        return real_count(db, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(stats_module, "count_stats", held_count)
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        screen = app.screen
        assert isinstance(screen, StatsScreen) and not screen.counted
        assert "counting…" in _text(app, "#reviews-caption")
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.counted
        assert "1 on 1 day" in _text(app, "#reviews-caption")
    assert threads and threading.get_ident() not in threads


async def test_the_new_column_counts_only_what_todays_new_card_quota_still_allows(tmp_path: Path) -> None:
    db = open_db(tmp_path / "q.db")
    _graded(db, "beta-one", "beta", NOW - timedelta(minutes=5), 3)  # a new card started today
    app = make_app([FIXTURE_BANK], tmp_path / "q.db", Settings(new_per_day=3), now=NOW, seed=7)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        unseen_alpha = 4  # alpha-one .. alpha-four: none reviewed
        assert _cells(app, "#topics", "alpha")[2] == str(min(unseen_alpha, 3 - 1))  # 3 a day, 1 started
        assert _cells(app, "#topics", "alpha")[3] == str(unseen_alpha)
        assert "1 done" in _text(app, "#home-progress") and "2 new" in _text(app, "#home-progress")


async def test_the_tag_picker_starts_a_session_over_that_tag(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        picker = app.screen
        assert isinstance(picker, TagPicker)
        assert [row.tag for row in picker.shown] == ["greek", "order", "second"]
        # beta-code counts: code cards are studyable (beta's topic tags are greek and second)
        assert [(row.cards, row.new) for row in picker.shown] == [(7, 7), (1, 1), (3, 3)]
        await pilot.press("o", "r")  # type to filter: only the tag on beta-two itself
        assert app.screen.query_one(Input).value == "or"
        assert [row.tag for row in picker.shown] == ["order"]
        await pilot.press("enter")
        assert isinstance(app.screen, StudyScreen)
        assert app.screen.sub_title == "#order"
        assert app.screen.query_one(FlashcardView).card.id == "beta-two"
        await pilot.press("space", "4")
        assert _reviews(tmp_path) == [("beta-two", 4, 0)]


async def test_the_tag_picker_moves_with_arrows_and_escape_cancels(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t", "escape")
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("t", "down", "down", "down", "up")  # greek → order → second (stays) → order
        assert app.screen.query_one(OptionList).highlighted == 1
        await pilot.press("enter")
        assert isinstance(app.screen, StudyScreen)
        assert app.screen.query_one(FlashcardView).card.id == "beta-two"


async def test_a_filter_matching_nothing_picks_nothing(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t", "z", "z", "enter")
        assert isinstance(app.screen, TagPicker) and app.screen.shown == []
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


@pytest.mark.parametrize(
    ("key", "name"), [("b", "browse"), ("s", "stats"), ("d", "drill"), ("comma", "settings")]
)
async def test_home_keys_open_the_other_screens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key: str, name: str
) -> None:
    app = _app(tmp_path)
    opened: list[str] = []
    monkeypatch.setattr(app, "action_open_screen", opened.append)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(key)
        assert opened == [name]


async def test_home_and_stats_tables_fit_80_columns_with_long_titles(tmp_path: Path) -> None:
    app = _app(tmp_path, content_dirs())  # the built-in bank: titles up to 46 characters
    async with app.run_test(size=(80, 24)) as pilot:
        for table_id in ("#topics", "#topic-stats"):
            await _settled(app, pilot)
            table = app.screen.query_one(table_id, DataTable)
            assert table.row_count > 10
            assert table.virtual_size.width <= table.scrollable_content_region.width, table_id
            longest = max(len(str(table.get_row_at(k)[0])) for k in range(table.row_count))
            assert 12 <= table.ordered_columns[0].width < longest  # the titles give way, ending in "…"
            await pilot.press("s")  # then the same on Stats
        # 90 days don't fit in 76 columns: the chart draws the latest days, its axis says which
        chart = app.screen.query_one("#reviews-chart", BarChart)
        lines = str(chart.render()).splitlines()
        assert chart.size.width == 76 and [len(line) for line in lines] == [76, 76, 76, 76]
        assert lines[-1].startswith("Dec 17") and lines[-1].endswith("Mar 2")


def test_bars_scale_from_zero_and_any_count_shows() -> None:
    assert bar_levels([0, 1, 4, 8], rows=1) == [0, 1, 4, 8]
    assert bar_levels([0, 1, 50, 100], rows=2) == [0, 1, 8, 16]  # 1 of 100 still gets an eighth
    assert bar_levels([3, 3], rows=1) == [8, 8]  # a flat series is full, not empty (unlike Sparkline)
    assert bar_levels([0, 0], rows=3) == [0, 0]
    assert bar_rows([0, 4, 12, 16], rows=2) == ["  ▄█", " ▄██"]


async def test_stats_counts_retention_and_numeric_accuracy_from_the_log(tmp_path: Path) -> None:
    db = open_db(tmp_path / "q.db")
    # alpha-four (numeric): a first review right, then (in Review state) wrong, then right
    _graded(db, "alpha-four", "alpha", NOW - 10 * DAY, 3, kind="numeric", correct=True)
    _graded(db, "alpha-four", "alpha", NOW - 5 * DAY, 1, kind="numeric", correct=False)
    _graded(db, "alpha-four", "alpha", NOW - 2 * DAY, 3, kind="numeric", correct=True)
    # alpha-two (choice, auto-graded but not numeric): new, then passed in Review state
    _graded(db, "alpha-two", "alpha", NOW - 3 * DAY, 3, kind="choice", correct=True)
    _graded(db, "alpha-two", "alpha", NOW - DAY, 4, kind="choice", correct=True)
    # beta-one: new, then a lapse
    _graded(db, "beta-one", "beta", NOW - 4 * DAY, 3)
    _graded(db, "beta-one", "beta", NOW - timedelta(hours=2), 1)
    _graded(db, "beta-one", "beta", NOW - 100 * DAY, 1)  # outside the 90 days: not counted anywhere
    repo.record_drill(db, "alpha-four", NOW - DAY, 1, True, "3")
    repo.record_drill(db, "alpha-four", NOW - DAY, 2, False, "9")
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.action_open_screen("stats")
        await pilot.pause()
        assert isinstance(app.screen, StatsScreen)
        await _settled(app, pilot)
        # retention: alpha 2 of 3 (alpha-four Again, Good; alpha-two Easy), beta 0 of 1
        assert _cells(app, "#topic-stats", "alpha") == [
            "Alpha topic",
            "5",
            "67% of 3",
            "67% of 3",
            "50% of 2",
        ]
        assert _cells(app, "#topic-stats", "beta") == ["Beta topic", "2", "0% of 1", "—", "—"]
        assert _cells(app, "#topic-stats", "*all*") == ["All topics", "7", "50% of 4", "67% of 3", "50% of 2"]
        reviews = app.screen.query_one("#reviews-chart", BarChart)
        assert len(reviews.values) == 90 and sum(reviews.values) == 7
        assert reviews.values[-1] == 1 and reviews.values[-2] == 1 and reviews.values[-11] == 1
        assert reviews.labels[0] == "Dec 3" and reviews.labels[-1] == "Mar 2"
        caption = _text(app, "#reviews-caption")
        assert "last 90 days: 7 on 7 days, max 1" in caption
        assert "streak 6 days" in caption  # today and the five days before (ten days back is after a gap)
        forecast = app.screen.query_one("#forecast-chart", BarChart)
        assert sum(forecast.values) == 3 and len(forecast.values) == 30
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_stats_recounts_when_shown_again(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        assert isinstance(app.screen, StatsScreen)
        await _settled(app, pilot)
        assert _cells(app, "#topic-stats", "*all*") == ["All topics", "·", "—", "—", "—"]
        assert "streak 0 days" in _text(app, "#reviews-caption")
        await pilot.press("escape", "a", "space", "3", "escape", "s")
        assert isinstance(app.screen, StatsScreen)
        await _settled(app, pilot)
        assert _cells(app, "#topic-stats", "alpha")[1] == "1"
        assert "streak 1 day" in _text(app, "#reviews-caption")
