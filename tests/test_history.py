"""SQL aggregates over hand-built review logs: study days, streaks, forecasts, retention, accuracy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from sqlite3 import Connection
from zoneinfo import ZoneInfo

from conftest import NOW
from sqlite_utils import Database

from quizapp.content.bank import Bank
from quizapp.settings import Settings
from quizapp.srs import stats
from quizapp.store import history, repo
from quizapp.store.repo import CardState, Review, to_db

DAY = timedelta(days=1)
TODAY_4AM = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # the current study day began here (TZ=UTC)


def _card(
    db: Connection,
    card_id: str,
    *,
    topic: str = "alpha",
    kind: str = "flashcard",
    state: int = 2,
    due: datetime = NOW,
    suspended: bool = False,
) -> None:
    row = CardState(card_id, topic, kind, state, None, 5.0, 5.0, due, NOW - DAY, suspended=suspended)
    Database(db).table("cards").upsert(row.to_row(), pk="card_id")


def _review(
    db: Connection,
    card_id: str,
    at: datetime,
    rating: int = 3,
    state_before: int = 2,
    correct: bool | None = None,
    duration_ms: int = 1000,
) -> None:
    if db.execute("SELECT 1 FROM cards WHERE card_id = ?", [card_id]).fetchone() is None:
        _card(db, card_id)
    db.execute(
        "INSERT INTO reviews (card_id, reviewed_at, rating, duration_ms, correct, state_before)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [card_id, to_db(at), rating, duration_ms, None if correct is None else int(correct), state_before],
    )


def _drill(db: Connection, card_id: str, at: datetime, correct: bool) -> None:
    repo.record_drill(db, card_id, at, 1, correct, "0")


# -- study days -----------------------------------------------------------------------------------


def test_a_study_day_starts_at_four_in_the_morning(db: Connection, settings: Settings) -> None:
    _review(db, "a", TODAY_4AM - timedelta(microseconds=1))  # 03:59:59.999999: still yesterday
    _review(db, "a", TODAY_4AM)  # 04:00 sharp: today
    _review(db, "a", TODAY_4AM + DAY - timedelta(seconds=1))  # tomorrow 03:59:59: still today
    _review(db, "a", TODAY_4AM - DAY - timedelta(hours=1))  # yesterday 03:00: the day before yesterday
    series = stats.reviews_per_day(db, settings, NOW, days=3)
    assert [str(d) for d in series.dates] == ["2026-02-28", "2026-03-01", "2026-03-02"]
    assert series.counts == [1, 1, 2]
    assert (series.total, series.peak, series.active_days) == (4, 2, 3)


def test_the_day_boundary_follows_the_setting(db: Connection) -> None:
    _review(db, "a", datetime(2026, 3, 2, 1, 30, tzinfo=UTC))
    assert stats.reviews_per_day(db, Settings(day_starts_at=4), NOW, days=2).counts == [1, 0]
    assert stats.reviews_per_day(db, Settings(day_starts_at=0), NOW, days=2).counts == [0, 1]


def test_reviews_per_day_spans_ninety_days_and_ignores_older_and_future_reviews(
    db: Connection, settings: Settings
) -> None:
    _review(db, "a", TODAY_4AM - 89 * DAY)  # the first day shown
    _review(db, "a", TODAY_4AM - 89 * DAY - timedelta(seconds=1))  # just before it
    _review(db, "a", TODAY_4AM + DAY)  # tomorrow's study day
    series = stats.reviews_per_day(db, settings, NOW)
    assert len(series.counts) == len(series.dates) == 90
    assert series.counts[0] == 1 and series.total == 1
    assert str(series.dates[0]) == "2025-12-03" and str(series.dates[-1]) == "2026-03-02"


def test_day_edges_follow_daylight_saving_time() -> None:
    berlin = ZoneInfo("Europe/Berlin")  # clocks go forward at 02:00 on 29 March 2026
    now = datetime(2026, 3, 29, 12, 0, tzinfo=UTC)
    edges = stats.day_edges(now, 4, -1, 2, berlin)
    assert [edge.isoformat() for edge in edges] == [
        "2026-03-28T03:00:00+00:00",  # 04:00 CET
        "2026-03-29T02:00:00+00:00",  # 04:00 CEST: this study day lasted 23 hours
        "2026-03-30T02:00:00+00:00",
    ]


# -- streak ---------------------------------------------------------------------------------------


def test_streak_counts_back_from_yesterday_until_today_has_a_review(
    db: Connection, settings: Settings
) -> None:
    assert stats.streak(db, settings, NOW) == stats.Streak(0, False)
    for back in (1, 2, 3, 5):  # a gap four days back
        _review(db, "a", TODAY_4AM - back * DAY + timedelta(hours=10))
    assert stats.streak(db, settings, NOW) == stats.Streak(3, False)
    _review(db, "a", TODAY_4AM + timedelta(minutes=1))
    assert stats.streak(db, settings, NOW) == stats.Streak(4, True)


def test_a_review_at_03_59_counts_for_the_day_before(db: Connection, settings: Settings) -> None:
    _review(db, "a", TODAY_4AM - timedelta(minutes=1))  # 2 March 03:59: yesterday's study day
    assert stats.streak(db, settings, NOW) == stats.Streak(1, False)
    _review(db, "a", TODAY_4AM - 2 * DAY + timedelta(minutes=1))  # 28 February 04:01: the day before
    assert stats.streak(db, settings, NOW) == stats.Streak(2, False)
    _review(db, "a", TODAY_4AM - 3 * DAY - timedelta(minutes=1))  # 27 February 03:59: 26th's, a gap
    assert stats.streak(db, settings, NOW) == stats.Streak(2, False)


def test_a_streak_longer_than_one_query_chunk(db: Connection, settings: Settings) -> None:
    length = stats.STREAK_CHUNK * 2 + 5
    for back in range(length):
        _review(db, "a", TODAY_4AM - back * DAY + timedelta(hours=2))
    assert stats.streak(db, settings, NOW) == stats.Streak(length, True)


# -- due forecast ---------------------------------------------------------------------------------


def test_due_forecast_counts_overdue_today_and_skips_new_and_suspended(
    db: Connection, settings: Settings
) -> None:
    _card(db, "overdue", due=NOW - 10 * DAY)
    _card(db, "learning-now", state=1, due=NOW + timedelta(minutes=10))
    _card(db, "today-last-second", due=TODAY_4AM + DAY - timedelta(microseconds=1))
    _card(db, "tomorrow", due=TODAY_4AM + DAY)
    _card(db, "relearning-tomorrow", state=3, due=TODAY_4AM + DAY + timedelta(hours=5))
    _card(db, "day-29", due=TODAY_4AM + 29 * DAY)
    _card(db, "day-30", due=TODAY_4AM + 30 * DAY)  # past the window
    _card(db, "suspended", due=NOW, suspended=True)
    _card(db, "suspended-tomorrow", due=TODAY_4AM + DAY, suspended=True)
    _card(db, "reset-to-new", state=repo.NEW, due=NOW - DAY)
    forecast = stats.due_forecast(db, settings, NOW)
    assert len(forecast.counts) == 30 and str(forecast.dates[0]) == "2026-03-02"
    assert forecast.counts[:2] == [3, 2]
    assert forecast.counts[29] == 1
    assert forecast.total == 6


def test_due_counts_with_no_cards(db: Connection) -> None:
    assert history.due_counts(db, [NOW, NOW + DAY]) == [0, 0]
    assert history.due_counts(db, []) == []


# -- retention and accuracy -----------------------------------------------------------------------


def test_card_totals_true_retention_counts_only_reviews_of_cards_in_review_state(db: Connection) -> None:
    since = NOW - 7 * DAY
    _review(db, "a", NOW - DAY, rating=1, state_before=2)  # a lapse: fail
    _review(db, "a", NOW - DAY + timedelta(minutes=10), rating=3, state_before=3)  # relearning: not counted
    _review(db, "a", NOW - 2 * DAY, rating=2, state_before=2)  # Hard passes
    _review(db, "a", NOW - 3 * DAY, rating=4, state_before=2)
    _review(db, "a", NOW - 4 * DAY, rating=3, state_before=0)  # the first review: not counted
    _review(db, "a", NOW - 8 * DAY, rating=1, state_before=2)  # outside the window
    _review(db, "n", NOW - DAY, rating=3, state_before=1, correct=True)
    _review(db, "n", NOW - 2 * DAY, rating=1, state_before=2, correct=False)
    totals = history.card_totals(db, since)
    assert totals["a"] == history.CardTotals(reviews=5, mature=3, passed=2, checked=0, correct=0)
    assert totals["n"] == history.CardTotals(reviews=2, mature=1, passed=0, checked=2, correct=1)
    assert history.card_totals(db, since, NOW - 2 * DAY)["a"].reviews == 2  # [since, until)


def test_topic_history_maps_cards_onto_topics_numeric_accuracy_and_drills(db: Connection, bank: Bank) -> None:
    since = NOW - 30 * DAY
    # alpha: alpha-four is numeric, alpha-two a choice (auto-graded, but not numeric)
    _review(db, "alpha-four", NOW - DAY, rating=3, state_before=2, correct=True)
    _review(db, "alpha-four", NOW - 2 * DAY, rating=1, state_before=2, correct=False)
    _review(db, "alpha-four", NOW - 3 * DAY, rating=3, state_before=0, correct=True)
    _review(db, "alpha-two", NOW - DAY, rating=1, state_before=2, correct=False)
    _review(db, "beta-one", NOW - DAY, rating=3, state_before=2)
    _review(db, "retired-card", NOW - DAY, rating=1, state_before=2)  # no longer in the bank
    _drill(db, "alpha-four", NOW - DAY, True)
    _drill(db, "alpha-four", NOW - DAY, False)
    _drill(db, "alpha-four", NOW - DAY, True)
    _drill(db, "alpha-four", NOW - 40 * DAY, False)  # outside the window
    found = stats.topic_history(db, bank, since)
    assert found["alpha"] == stats.TopicHistory(
        reviews=4, retention=stats.Ratio(1, 3), numeric=stats.Ratio(2, 3), drills=stats.Ratio(2, 3)
    )
    assert found["beta"] == stats.TopicHistory(reviews=1, retention=stats.Ratio(1, 1))
    assert found["alpha"].retention.percent() == "33%" and stats.Ratio().percent() == "—"
    assert set(found) == set(bank.topics)
    assert stats.topic_history(db, bank, since, drills=False)["alpha"].drills == stats.Ratio()


def test_reviews_recorded_by_the_store_are_counted(db: Connection, bank: Bank, settings: Settings) -> None:
    before = CardState("beta-one", "beta", "flashcard", 2, None, 3.0, 5.0, NOW, NOW - 3 * DAY)
    repo.record_review(db, None, before, Review("beta-one", NOW - 3 * DAY, 3, 900))
    repo.record_review(db, before, before, Review("beta-one", NOW - timedelta(hours=1), 1, 2500))
    assert stats.topic_history(db, bank, NOW - DAY)["beta"].retention == stats.Ratio(0, 1)
    assert stats.today(db, settings, NOW) == stats.Today(reviewed=1, new_started=0, again=1, duration_ms=2500)


def test_activity_counts_new_cards_lapses_and_time(db: Connection) -> None:
    _review(db, "a", NOW - timedelta(hours=2), rating=3, state_before=0, duration_ms=4000)
    _review(db, "b", NOW - timedelta(hours=1), rating=1, state_before=2, duration_ms=6000)
    _review(db, "c", NOW - 2 * DAY, rating=1, state_before=2)
    assert history.activity(db, TODAY_4AM) == history.Activity(reviews=2, new=1, again=1, duration_ms=10_000)
    assert history.activity(db, TODAY_4AM, NOW - timedelta(hours=1)).reviews == 1
    assert history.activity(db, NOW) == history.Activity()


def test_every_aggregate_reads_a_range_of_the_time_index_not_the_whole_log(
    db: Connection, bank: Bank, settings: Settings
) -> None:
    """Bench-minded: the queries over `reviews` and `drills` seek by time; none scans those tables."""
    for k in range(50):
        _review(db, f"card-{k % 7}", NOW - k * timedelta(hours=7), rating=1 + k % 4, correct=bool(k % 2))
    db.execute("ANALYZE")
    statements: list[str] = []
    db.set_trace_callback(statements.append)
    try:
        stats.reviews_per_day(db, settings, NOW)
        stats.streak(db, settings, NOW)
        stats.topic_history(db, bank, NOW - 30 * DAY)
        stats.today(db, settings, NOW)
    finally:
        db.set_trace_callback(None)
    plans = {
        sql: " | ".join(row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}"))
        for sql in statements
        if sql.lstrip().upper().startswith(("SELECT", "WITH"))
    }
    assert len(plans) >= 4
    for sql, plan in plans.items():
        assert "SCAN reviews" not in plan and "SCAN drills" not in plan, (sql, plan)
        if " reviews " in sql:
            assert "reviews_time_cover" in plan, (sql, plan)
        if "sum(state_before" in sql and "duration_ms" not in sql:  # per-card totals: never a row lookup
            assert "COVERING INDEX reviews_time_cover" in plan, (sql, plan)


def test_recent_history_counts_past_days_once_per_study_day_and_today_every_time(
    db: Connection, bank: Bank, settings: Settings
) -> None:
    recent = stats.RecentHistory(days=30)
    _review(db, "beta-one", NOW - 3 * DAY, rating=3, state_before=2)
    _review(db, "beta-one", TODAY_4AM - 29 * DAY, rating=1, state_before=2)  # the first day of 30
    _review(db, "beta-one", TODAY_4AM - 29 * DAY - timedelta(seconds=1), rating=1, state_before=2)  # before
    assert recent.topics(db, bank, settings, NOW)["beta"].retention == stats.Ratio(1, 2)
    _review(db, "beta-one", NOW, rating=4, state_before=2)  # a grade made now: counted on the next call
    assert recent.topics(db, bank, settings, NOW)["beta"].retention == stats.Ratio(2, 3)
    statements: list[str] = []
    db.set_trace_callback(statements.append)
    recent.topics(db, bank, settings, NOW + timedelta(hours=1))
    db.set_trace_callback(None)
    assert len(statements) == 2  # a count of the past days, then today's reviews
    assert "count(*)" in statements[0] and "reviewed_at >= '2026-03-02T04:00:00" in statements[1]
    db.execute("DELETE FROM reviews WHERE reviewed_at < ? AND rating = 3", [to_db(TODAY_4AM)])  # an undo
    assert recent.topics(db, bank, settings, NOW)["beta"].retention == stats.Ratio(1, 2)
    # the next study day: the window moves (the oldest day leaves it), everything is counted again
    assert recent.topics(db, bank, settings, NOW + DAY)["beta"].retention == stats.Ratio(1, 1)
    assert recent.topics(db, bank, settings, NOW + DAY) == stats.topic_history(db, bank, TODAY_4AM - 28 * DAY)
