"""Stats: reviews per day, true retention and numeric accuracy by topic, and the due forecast.

Everything is counted by SQL over the review log (quizapp.store.history) in study days."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from quizapp.srs import stats
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
ALL = "*all*"  # the key of the totals row (topic ids are lowercase words and dashes)


class StatsScreen(Screen[None]):
    """What the review log says: activity, retention by topic, numeric accuracy, what falls due next."""

    CSS_PATH = "../stats.tcss"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="stats.back"),
        Binding("r", "recount", "Recount", id="stats.recount"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="stats"):
            yield Static(id="reviews-caption", classes="stats-caption")
            yield BarChart(id="reviews-chart")
            with Horizontal(id="forecast-row"):
                yield Static(id="forecast-caption")
                yield BarChart(id="forecast-chart")
                yield Static(id="forecast-note")
            yield Static(id="topics-caption", classes="stats-caption")
            yield TopicTable(COLUMNS, id="topic-stats")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "statistics"
        self.query_one("#topic-stats", DataTable).focus()

    def on_screen_resume(self) -> None:
        # Each time Stats comes to the front, the first time included (after on_mount).
        self.recount()

    def action_recount(self) -> None:
        """Count again from the store."""
        self.recount()

    def recount(self) -> None:
        """Fill the charts, the captions and the table from the store."""
        app = quiz_app(self)
        db, bank, settings, now = app.db, app.bank, app.settings, app.clock()
        days = stats.HISTORY_DAYS

        per_day = stats.reviews_per_day(db, settings, now, days)
        streak = stats.streak(db, settings, now)
        self.query_one("#reviews-caption", Static).update(
            f"[b]Reviews per day[/b], last {days} days: {per_day.total:,} on {per_day.active_days} "
            f"day{_s(per_day.active_days)}, max {per_day.peak:,} · streak {streak.days} day{_s(streak.days)}"
        )
        labels = [day_label(d) for d in per_day.dates]
        self.query_one("#reviews-chart", BarChart).update(per_day.counts, labels, mark=len(labels) - 1)

        forecast = stats.due_forecast(db, settings, now)
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
        by_topic = stats.topic_history(db, bank, stats.recent_start(now, settings, days))
        total = stats.TopicHistory()
        for found in by_topic.values():
            total += found
        topics = sorted(bank.topics.items(), key=lambda item: item[1].title)
        rows = [
            TableRow(ALL, "All topics", _cells(total), "bold"),
            *(TableRow(topic_id, topic.title, _cells(by_topic[topic_id])) for topic_id, topic in topics),
        ]
        self.query_one("#topic-stats", TopicTable).show(rows)


def _cells(found: stats.TopicHistory) -> tuple[str, ...]:
    return (_count(found.reviews), _ratio(found.retention), _ratio(found.numeric), _ratio(found.drills))


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def _count(value: int) -> str:
    return f"{value:,}" if value else "·"


def _ratio(ratio: stats.Ratio) -> str:
    return f"{ratio.percent()} of {ratio.total}" if ratio.total else "—"
