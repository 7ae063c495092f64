"""Stats: reviews per day, true retention and numeric accuracy by topic, the due forecast, and how well the
FSRS parameters in use fit the review log (with a key to fit them to it, in a worker, or go back).

Everything is counted by SQL over the review log (quizapp.store.history) in study days."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
from asyncio.subprocess import PIPE
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from sqlite3 import Connection
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, ProgressBar, Static

from quizapp.content.bank import Bank
from quizapp.settings import Settings
from quizapp.srs import stats
from quizapp.srs.optimize import MIN_ITEMS, STEPS, Optimized
from quizapp.store import review_log
from quizapp.store.db import database_file, is_read_only
from quizapp.tui.base import quiz_app
from quizapp.tui.screens.home import TableRow, TopicTable
from quizapp.tui.widgets.charts import BarChart, day_label

COLUMNS = (
    ("topic", "Topic"),
    ("reviews", "Reviews"),
    ("retention", "True retention"),
    ("numeric", "Numeric right"),
    ("drills", "Drills right"),
)
COUNTING = "[b]Reviews per day[/b]: counting…"
ALL = "*all*"  # the key of the totals row (topic ids are lowercase words and dashes)
# Past this many reviews the fit is not measured each time Stats opens: it takes seconds of CPU per 100,000.
AUTO_FIT_LIMIT = 200_000


@dataclass(frozen=True)
class StatsCounts:
    """What Stats shows from the review log and the schedule, counted at once (in a worker)."""

    per_day: stats.DaySeries
    streak: stats.Streak
    forecast: stats.DaySeries
    by_topic: dict[str, stats.TopicHistory]


def count_stats(
    db: Connection, bank: Bank, settings: Settings, now: datetime, recent: stats.RecentHistory | None = None
) -> StatsCounts:
    """Stats' counts from `db` (any thread, given a connection made in that thread). With `recent` (over
    HISTORY_DAYS, drills included) the days before today are counted once a study day, not every time."""
    days = stats.HISTORY_DAYS
    return StatsCounts(
        stats.reviews_per_day(db, settings, now, days),
        stats.streak(db, settings, now),
        stats.due_forecast(db, settings, now),
        recent.topics(db, bank, settings, now)
        if recent is not None
        else stats.topic_history(db, bank, stats.recent_start(now, settings, days)),
    )


class StatsScreen(Screen[None]):
    """What the review log says: activity, retention by topic, numeric accuracy, what falls due next."""

    CSS_PATH = "../stats.tcss"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="stats.back"),
        Binding("r", "recount", "Recount", id="stats.recount"),
        Binding("o", "optimize", "Fit FSRS", id="stats.optimize"),
        Binding("d", "default_parameters", "Default FSRS", id="stats.default-parameters"),
    ]

    class CountsReady(Message):
        """A worker counted the log (`generation` tells a stale count from the latest)."""

        def __init__(self, found: StatsCounts, generation: int) -> None:
            super().__init__()
            self.found, self.generation = found, generation

    class FitShown(Message):
        """A worker measured how well the parameters in use predict the review log."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class OptimizeProgress(Message):
        """The fit reached `step` of `steps`."""

        def __init__(self, step: int, steps: int, what: str) -> None:
            super().__init__()
            self.step, self.steps, self.what = step, steps, what

    class OptimizeDone(Message):
        """The fit finished: its result, or why there is none."""

        def __init__(self, result: Optimized | None, error: str | None) -> None:
            super().__init__()
            self.result, self.error = result, error

    def __init__(self) -> None:
        super().__init__()
        self.fit_key: tuple[object, ...] | None = None  # what the fit shown was measured on
        self.fit_text: str | None = None
        self.counted = False  # True once the counts are shown (until then: a loading state)
        self._generation = 0  # of the latest count asked for; older results are dropped
        self._counting_early = False  # compose started the first count (resume needn't)

    def compose(self) -> ComposeResult:
        # The first count starts before the widgets mount (at 100k reviews mounting takes as long as it).
        self._counting_early = self.count_from_file()
        yield Header()
        with Vertical(id="stats"):
            yield Static(COUNTING, id="reviews-caption", classes="stats-caption")
            yield BarChart(id="reviews-chart")
            with Horizontal(id="forecast-row"):
                yield Static(id="forecast-caption")
                yield BarChart(id="forecast-chart")
                yield Static(id="forecast-note")
            with Horizontal(id="fit-row"):
                yield Static(id="fit-caption")
                yield ProgressBar(total=STEPS, show_eta=False, id="fit-progress")
            yield Static(id="topics-caption", classes="stats-caption")
            yield TopicTable(COLUMNS, id="topic-stats")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "statistics"
        self.query_one("#topic-stats", DataTable).focus()

    def on_screen_resume(self) -> None:
        # Each time Stats comes to the front; the first time, unless compose already started the count.
        if self._counting_early:
            self._counting_early = False
            return
        self.recount()

    def action_recount(self) -> None:
        """Count again from the store."""
        self.recount()

    def recount(self) -> None:
        """Count from the store: in a thread worker on a connection of its own when there is a database
        file (at 1M reviews this takes seconds), meanwhile the screen says so; in memory (tests), here."""
        if self.count_from_file():
            if not self.counted:
                self.query_one("#reviews-caption", Static).update(COUNTING)
            return
        app = quiz_app(self)
        self.show_counts(count_stats(app.db, app.bank, app.settings, app.clock(), app.stats_history))

    def count_from_file(self) -> bool:
        """Start a count in a worker when the store is a writable file; False (nothing started) if not."""
        app = quiz_app(self)
        path = database_file(app.db)
        if path is None or is_read_only(app.db):
            return False
        self._generation += 1
        self.count_in_worker(path, app.settings, app.clock(), self._generation)
        return True

    @work(thread=True, exclusive=True, group="stats-counts")
    def count_in_worker(self, path: str, settings: Settings, now: datetime, generation: int) -> None:
        """Count on this thread's own connection (sqlite3 connections are per thread)."""
        db = sqlite3.connect(path, timeout=5)
        try:
            app = quiz_app(self)
            found = count_stats(db, app.bank, settings, now, app.stats_history)
        finally:
            db.close()
        self.post_message(self.CountsReady(found, generation))

    def on_stats_screen_counts_ready(self, message: CountsReady) -> None:
        if message.generation == self._generation:
            self.show_counts(message.found)

    def show_counts(self, found: StatsCounts) -> None:
        """Fill the charts and the captions from `found`, then, after they are drawn, the table: drawn
        in one go, the first frame of the screen with every part new blocked the UI for 60 ms or more."""
        days = stats.HISTORY_DAYS
        per_day, streak, forecast = found.per_day, found.streak, found.forecast
        self.query_one("#reviews-caption", Static).update(
            f"[b]Reviews per day[/b], last {days} days: {per_day.total:,} on {per_day.active_days} "
            f"day{_s(per_day.active_days)}, max {per_day.peak:,} · streak {streak.days} day{_s(streak.days)}"
        )
        labels = [day_label(d) for d in per_day.dates]
        self.query_one("#reviews-chart", BarChart).update(per_day.counts, labels, mark=len(labels) - 1)

        self.query_one("#forecast-caption", Static).update(
            f"[b]Due per day[/b]\nnext {len(forecast.counts)} days"
        )
        self.query_one("#forecast-chart", BarChart).update(forecast.counts, mark=0)
        self.query_one("#forecast-note", Static).update(
            f"today {forecast.counts[0]:,} · max {forecast.peak:,}/day\n"
            f"week {sum(forecast.counts[:7]):,} · in {len(forecast.counts)} days {forecast.total:,}"
        )

        self.query_one("#topics-caption", Static).update(
            f"[b]By topic[/b], last {days} days · true retention: reviews of graduated cards passed"
        )
        self.call_after_refresh(self.show_table, found.by_topic)

    def show_table(self, by_topic: dict[str, stats.TopicHistory]) -> None:
        """Fill the table (a totals row, then the topics by title); the counts are on screen from now."""
        bank = quiz_app(self).bank
        total = stats.TopicHistory()
        for topic_found in by_topic.values():
            total += topic_found
        topics = sorted(bank.topics.items(), key=lambda item: item[1].title)
        rows = [
            TableRow(ALL, "All topics", _cells(total), "bold"),
            *(TableRow(topic_id, topic.title, _cells(by_topic[topic_id])) for topic_id, topic in topics),
        ]
        self.query_one("#topic-stats", TopicTable).show(rows)
        self.counted = True
        self.show_fit()

    # -- FSRS parameters ---------------------------------------------------------------------------

    def parameters_name(self) -> str:
        """Which parameters the scheduler uses, in words."""
        return "fitted" if quiz_app(self).settings.fsrs_parameters else "default"

    def show_fit(self) -> None:
        """Say which parameters are in use and, measured in a worker, how well they predict the log."""
        caption = self.query_one("#fit-caption", Static)
        head = f"[b]Memory model[/b]: {self.parameters_name()} FSRS parameters"
        app = quiz_app(self)
        count = review_log.count(app.db, MIN_ITEMS)
        if count < MIN_ITEMS:
            caption.update(f"{head} · {count:,} reviews; fitting needs {MIN_ITEMS}+")
            return
        if review_log.id_span(app.db) >= AUTO_FIT_LIMIT:
            caption.update(f"{head} · over {AUTO_FIT_LIMIT:,} reviews: o fits and measures them")
            return
        # The same log and parameters fit as well as last time: measured again only when either changed.
        key = (
            review_log.last_id(app.db),
            tuple(app.settings.fsrs_parameters or ()),
            app.settings.day_starts_at,
        )
        if key == self.fit_key:  # measured already, or being measured (its caption says so meanwhile)
            if self.fit_text:
                caption.update(self.fit_text)
            return
        self.fit_key, self.fit_text = key, None
        path = database_file(app.db)
        if path is None:  # in memory: nothing a process of its own could read
            caption.update(f"{head} · the fit is measured on a database file only")
            return
        caption.update(f"{head} · measuring the fit…")
        self.measure_fit(path, app.settings.fsrs_parameters, app.settings.day_starts_at, head)

    def log_reader(self) -> Callable[[], list[review_log.LoggedReview]]:
        """Read the whole log from a worker: on a connection of its own (sqlite3 connections are per
        thread), or read now when the database is in memory (tests)."""
        app = quiz_app(self)
        path = database_file(app.db)
        if path is None:
            reviews = review_log.all_reviews(app.db)
            return lambda: reviews

        def read() -> list[review_log.LoggedReview]:
            db = sqlite3.connect(path, timeout=5)
            try:
                return review_log.all_reviews(db)
            finally:
                db.close()

        return read

    @work(exclusive=True, group="stats-fit", description="measure the FSRS fit")
    async def measure_fit(self, path: str, parameters: list[float] | None, starts_at: int, head: str) -> None:
        """Log loss and RMSE of the parameters in use over every predicted review (in-sample), measured
        by `python -m quizapp.srs.optimize` in a process of its own: building the items is pure Python
        over every review, and in a thread it would hold the GIL (and block the UI) for seconds. A new
        measurement, leaving Stats or quitting cancels this worker, which kills the process."""
        request = json.dumps({"db": path, "parameters": parameters, "day_starts_at": starts_at})
        try:
            answer = await fit_in_process(request.encode(), FIT_COMMAND)
        except FitFailed as error:
            self.post_message(self.FitShown(f"{head} · the fit could not be measured ({error})"))
            return
        if "error" in answer:
            self.post_message(self.FitShown(f"{head} · {answer['error']}"))
            return
        self.post_message(
            self.FitShown(
                f"{head} · log loss {answer['log_loss']:.3f}, RMSE {answer['rmse']:.1%} over "
                f"{answer['predicted']:,} predicted reviews"
            )
        )

    def on_stats_screen_fit_shown(self, message: FitShown) -> None:
        """Show the measured fit (and keep it for as long as log and parameters stay the same)."""
        self.fit_text = message.text
        self.query_one("#fit-caption", Static).update(message.text)

    def action_optimize(self) -> None:
        """Fit FSRS parameters to the review log in a worker, with a progress bar."""
        bar = self.query_one("#fit-progress", ProgressBar)
        bar.update(total=STEPS, progress=0)
        bar.display = True
        self.query_one("#fit-caption", Static).update("[b]Memory model[/b]: reading your reviews…")
        self.fit_parameters(self.log_reader())

    @work(thread=True, exclusive=True, group="stats-optimize")
    def fit_parameters(self, read: Callable[[], list[review_log.LoggedReview]]) -> None:
        """Fit off the UI thread; progress and the outcome come back as messages."""
        from quizapp.srs.optimize import optimize, review_items

        def progress(step: int, steps: int, what: str) -> None:
            self.post_message(self.OptimizeProgress(step, steps, what))

        found = review_items(read(), quiz_app(self).settings.day_starts_at)
        try:
            result = optimize(found, progress)
        except ValueError as error:  # NotEnoughReviews, or parameters fsrs would refuse
            self.post_message(self.OptimizeDone(None, str(error)))
            return
        self.post_message(self.OptimizeDone(result, None))

    def on_stats_screen_optimize_progress(self, message: OptimizeProgress) -> None:
        """Move the progress bar and say what is being done."""
        self.query_one("#fit-progress", ProgressBar).update(total=message.steps, progress=message.step)
        self.query_one("#fit-caption", Static).update(f"[b]Memory model[/b]: {message.what}…")

    def on_stats_screen_optimize_done(self, message: OptimizeDone) -> None:
        """Use fitted parameters that predict better; otherwise keep what is in use. Say which, with why."""
        self.query_one("#fit-progress", ProgressBar).display = False
        app = quiz_app(self)
        result = message.result
        if result is None:
            app.notify(message.error or "the fit failed", title="FSRS parameters kept", severity="warning")
        elif result.better:
            app.apply_settings(replace(app.settings, fsrs_parameters=result.parameters))
            app.notify(result.summary(), title="Fitted FSRS parameters in use", timeout=15)
        else:
            app.notify(result.summary(), title="FSRS parameters kept", severity="warning", timeout=15)
        self.show_fit()

    def action_default_parameters(self) -> None:
        """Schedule with fsrs's default parameters again."""
        app = quiz_app(self)
        if app.settings.fsrs_parameters is None:
            app.notify("fsrs's default parameters are already in use.", title="FSRS parameters")
            return
        app.apply_settings(replace(app.settings, fsrs_parameters=None))
        app.notify("fsrs's default parameters are in use again.", title="FSRS parameters")
        self.show_fit()


class FitFailed(RuntimeError):
    """The fit process failed or answered nonsense; the message says how, in a few words."""


FIT_COMMAND = (sys.executable, "-m", "quizapp.srs.optimize")


async def fit_in_process(request: bytes, command: Sequence[str] = FIT_COMMAND) -> dict[str, Any]:
    """Run `command` with `request` on its stdin and return its JSON answer. Cancelled, it kills the
    process first (no orphan keeps working after Stats closes or the app quits)."""
    process = await asyncio.create_subprocess_exec(*command, stdin=PIPE, stdout=PIPE, stderr=PIPE)
    try:
        out, err = await process.communicate(request)
    finally:
        if process.returncode is None:
            process.kill()
            await asyncio.shield(process.wait())
    if process.returncode != 0:
        lines = err.decode(errors="replace").strip().splitlines()
        raise FitFailed(lines[-1] if lines else f"exit status {process.returncode}")
    try:
        answer = json.loads(out)
    except ValueError:
        raise FitFailed("no answer") from None
    if not isinstance(answer, dict):
        raise FitFailed("no answer")
    return answer


def _cells(found: stats.TopicHistory) -> tuple[str, ...]:
    return (_count(found.reviews), _ratio(found.retention), _ratio(found.numeric), _ratio(found.drills))


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def _count(value: int) -> str:
    return f"{value:,}" if value else "·"


def _ratio(ratio: stats.Ratio) -> str:
    return f"{ratio.percent()} of {ratio.total}" if ratio.total else "—"
