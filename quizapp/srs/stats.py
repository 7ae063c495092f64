"""Counts for Home and Stats, computed by SQL over the store and mapped onto the bank and study days.

A study day begins at `settings.day_starts_at` local time (quizapp.srs.scheduler.study_day_start); day 0
is the current one, day -1 yesterday, day 1 tomorrow."""

from __future__ import annotations

import threading
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from sqlite3 import Connection

from quizapp.content.bank import Bank
from quizapp.settings import Settings
from quizapp.srs.scheduler import study_day_start
from quizapp.store import history, repo

RECENT_DAYS = 30  # Home's retention: the last 30 study days
HISTORY_DAYS = 90  # Stats: reviews per day, retention and accuracy over the last 90 study days
FORECAST_DAYS = 30  # the due forecast: the next 30 study days, today included


@dataclass(frozen=True)
class TopicCounts:
    """Due (learning + review, not suspended), never-reviewed, and all cards of a topic."""

    due: int = 0
    new: int = 0
    total: int = 0


def topic_counts(
    db: Connection, bank: Bank, now: datetime, kinds: Collection[str] = ()
) -> dict[str, TopicCounts]:
    """Counts per topic id, for every topic in the bank, over cards of `kinds` (all when empty)."""
    due: dict[str, int] = {}
    for card_id in repo.due_ids(db, now):
        owner = bank.topic_of.get(card_id)
        if owner is not None and (not kinds or bank.kind_of[card_id] in kinds):
            due[owner] = due.get(owner, 0) + 1
    known = repo.known_card_ids(db)
    result: dict[str, TopicCounts] = {}
    for topic_id, topic in bank.topics.items():
        ids = [c for c in topic.card_ids if not kinds or bank.kind_of[c] in kinds]
        fresh = sum(card_id not in known for card_id in ids)
        result[topic_id] = TopicCounts(due.get(topic_id, 0), fresh, len(ids))
    return result


@dataclass(frozen=True)
class Today:
    """Today's activity: reviews done, new cards started, Again grades and time spent since the day began."""

    reviewed: int
    new_started: int
    again: int = 0
    duration_ms: int = 0


def today(db: Connection, settings: Settings, now: datetime) -> Today:
    """What the user did since the start of the current study day."""
    done = history.activity(db, study_day_start(now, settings.day_starts_at))
    return Today(done.reviews, done.new, done.again, done.duration_ms)


# -- study days -----------------------------------------------------------------------------------


def study_dates(
    now: datetime, starts_at: int, first: int, count: int, tz: tzinfo | None = None
) -> list[date]:
    """The local calendar dates on which study days first .. first + count - 1 begin."""
    today_date = study_day_start(now, starts_at, tz).astimezone(tz).date()
    return [today_date + timedelta(days=first + k) for k in range(count)]


def day_edges(
    now: datetime, starts_at: int, first: int, count: int, tz: tzinfo | None = None
) -> list[datetime]:
    """UTC instants where study days first .. first + count begin: the count + 1 edges of count days.

    Built from local dates, so a day across a daylight-saving change is 23 or 25 hours long."""
    edges = []
    for day in study_dates(now, starts_at, first, count + 1, tz):
        local = datetime.combine(day, time(starts_at), tzinfo=tz)  # naive (tz None) means system local time
        edges.append(local.astimezone(UTC))
    return edges


@dataclass(frozen=True)
class DaySeries:
    """One number per study day, with each day's date."""

    dates: list[date] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        """The sum over all days."""
        return sum(self.counts)

    @property
    def peak(self) -> int:
        """The largest day (0 when empty)."""
        return max(self.counts, default=0)

    @property
    def active_days(self) -> int:
        """Days with a non-zero count."""
        return sum(count > 0 for count in self.counts)


def reviews_per_day(
    db: Connection, settings: Settings, now: datetime, days: int = HISTORY_DAYS, tz: tzinfo | None = None
) -> DaySeries:
    """Reviews on each of the last `days` study days, today last."""
    first = -(days - 1)
    edges = day_edges(now, settings.day_starts_at, first, days, tz)
    return DaySeries(
        study_dates(now, settings.day_starts_at, first, days, tz), history.review_counts(db, edges)
    )


def due_forecast(
    db: Connection, settings: Settings, now: datetime, days: int = FORECAST_DAYS, tz: tzinfo | None = None
) -> DaySeries:
    """Cards (scheduled, not suspended) due on each of the next `days` study days; today includes overdue."""
    ends = day_edges(now, settings.day_starts_at, 1, days - 1, tz)  # where days 1 .. days begin
    return DaySeries(study_dates(now, settings.day_starts_at, 0, days, tz), history.due_counts(db, ends))


@dataclass(frozen=True)
class Streak:
    """Consecutive study days with at least one review, up to today (or yesterday, if today has none yet)."""

    days: int
    today: bool  # today is one of them


STREAK_CHUNK = 64  # days looked at per query when walking back


def streak(db: Connection, settings: Settings, now: datetime, tz: tzinfo | None = None) -> Streak:
    """The current streak: one indexed EXISTS per day walked back, STREAK_CHUNK days per query."""
    (today_done,) = history.days_with_reviews(db, day_edges(now, settings.day_starts_at, 0, 1, tz))
    days = int(today_done)
    last = -1  # the latest day not yet looked at
    while True:
        first = last - STREAK_CHUNK + 1
        found = history.days_with_reviews(db, day_edges(now, settings.day_starts_at, first, STREAK_CHUNK, tz))
        for reviewed in reversed(found):
            if not reviewed:
                return Streak(days, today_done)
            days += 1
        last = first - 1


# -- per topic ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ratio:
    """`hits` out of `total` (e.g. passed out of reviews of mature cards)."""

    hits: int = 0
    total: int = 0

    @property
    def rate(self) -> float | None:
        """hits / total, or None when there is nothing to measure."""
        return self.hits / self.total if self.total else None

    def __add__(self, other: Ratio) -> Ratio:
        return Ratio(self.hits + other.hits, self.total + other.total)

    def percent(self) -> str:
        """E.g. "92%", or "—" when there is nothing to measure."""
        rate = self.rate
        return "—" if rate is None else f"{rate:.0%}"


@dataclass(frozen=True)
class TopicHistory:
    """A topic's reviews in a window: true retention, numeric accuracy (reviews and drills)."""

    reviews: int = 0
    retention: Ratio = Ratio()  # reviews of cards in Review state passed (Hard, Good or Easy)
    numeric: Ratio = Ratio()  # reviews of numeric cards answered correctly
    drills: Ratio = Ratio()  # drills (free practice of numeric cards) answered correctly

    def __add__(self, other: TopicHistory) -> TopicHistory:
        return TopicHistory(
            self.reviews + other.reviews,
            self.retention + other.retention,
            self.numeric + other.numeric,
            self.drills + other.drills,
        )


def topic_history(
    db: Connection, bank: Bank, since: datetime, until: datetime | None = None, drills: bool = True
) -> dict[str, TopicHistory]:
    """Per topic id (every topic of the bank) over reviews in [since, until); cards gone from the bank
    are left out. `drills=False` skips the drill log.

    Summed straight from per-card query rows into plain integers per topic: at 1M reviews
    the window holds ~90k cards, and an object per card (then one per topic sum) cost more than the SQL."""
    topic_of, kind_of = bank.topic_of, bank.kind_of
    sums: dict[str, list[int]] = {}  # reviews, mature, passed, numeric checked/correct, drills/right
    for card_id, reviews, mature, passed, checked, correct in history.card_total_rows(db, since, until):
        topic = topic_of.get(card_id)
        if topic is None:
            continue
        found = sums.get(topic) or sums.setdefault(topic, [0] * 7)
        found[0] += reviews
        found[1] += mature
        found[2] += passed
        if kind_of[card_id] == "numeric":
            found[3] += checked
            found[4] += correct
    if drills:
        for card_id, (total, correct) in history.drill_totals(db, since, until).items():
            topic = topic_of.get(card_id)
            if topic is not None:
                found = sums.get(topic) or sums.setdefault(topic, [0] * 7)
                found[5] += total
                found[6] += correct
    empty = TopicHistory()
    return {topic: _topic_history(sums[topic]) if topic in sums else empty for topic in bank.topics}


def _topic_history(sums: list[int]) -> TopicHistory:
    reviews, mature, passed, checked, correct, drills, right = sums
    return TopicHistory(reviews, Ratio(passed, mature), Ratio(correct, checked), Ratio(right, drills))


class RecentHistory:
    """`topic_history` over the last `days` study days, for counts made often (Home after each session,
    Stats at each opening). The days before today are aggregated once per study day: reviews are added at
    the current time, so those days only change when a grade from before the day began is undone, which
    an index-only count of them notices. Today's reviews are aggregated afresh on every call. Threads may
    share one (the app counts Stats' past days ahead, after start)."""

    def __init__(self, days: int, drills: bool = False) -> None:
        self.days, self.drills = days, drills
        self._key: tuple[datetime, datetime, int] | None = None
        self._past: dict[str, TopicHistory] = {}
        self._lock = threading.Lock()  # workers of several screens (and a warm-up) may share one

    def topics(
        self, db: Connection, bank: Bank, settings: Settings, now: datetime, tz: tzinfo | None = None
    ) -> dict[str, TopicHistory]:
        """Per topic id, every topic of the bank. Any thread, one call at a time."""
        edges = day_edges(now, settings.day_starts_at, -(self.days - 1), self.days - 1, tz)
        start, today_start = edges[0], edges[-1]
        with self._lock:
            (past_reviews,) = history.review_counts(db, [start, today_start]) if start < today_start else (0,)
            key = (start, today_start, past_reviews)
            if self._key != key:
                self._past = topic_history(db, bank, start, today_start, self.drills)
                self._key = key
            fresh = topic_history(db, bank, today_start, None, self.drills)
            past = self._past
        return {topic_id: past.get(topic_id, TopicHistory()) + fresh[topic_id] for topic_id in fresh}


def recent_start(now: datetime, settings: Settings, days: int, tz: tzinfo | None = None) -> datetime:
    """Where the last `days` study days (today included) began."""
    return day_edges(now, settings.day_starts_at, -(days - 1), 0, tz)[0]
