"""Home: the dashboard. Every topic with its due, new and total counts and recent retention; today's
progress, the streak and a 30-day due forecast; start studying everything, a topic or a tag."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from sqlite3 import Connection

from rich.cells import cell_len
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from quizapp.content.bank import Bank
from quizapp.settings import Settings
from quizapp.srs import stats
from quizapp.srs.scheduler import Clock
from quizapp.store import repo
from quizapp.store.db import database_file, is_read_only
from quizapp.tui.base import quiz_app
from quizapp.tui.widgets.charts import BarChart

PROGRESS_CELLS = 12  # width of today's progress bar
COLUMNS = (
    ("topic", "Topic"),
    ("due", "Due"),
    ("new", "New"),
    ("total", "Total"),
    ("retention", f"Retention {stats.RECENT_DAYS}d"),
)


@dataclass(frozen=True)
class TableRow:
    """One row of a topic table: its key, the title, the other cells (right-aligned), a style."""

    key: str
    title: str
    cells: tuple[str, ...]
    style: str = ""


class TopicTable(DataTable[Text]):
    """A table of topics: the title column gets the width the other columns leave (at least 12 cells),
    a title too long for it ends in "…"; refitted whenever the table's width changes."""

    def __init__(self, columns: Sequence[tuple[str, str]], *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.column_labels = tuple(columns)  # (key, label); the first is the title
        self.rows_shown: list[TableRow] = []
        self._fitted_width = -1

    def show(self, rows: Sequence[TableRow]) -> None:
        """Show `rows` (the cursor stays on the same row number); the same rows again cost nothing."""
        rows = list(rows)
        if rows == self.rows_shown and self.row_count == len(rows) and self.size.width == self._fitted_width:
            return  # a recount that found nothing new: refilling 200 rows blocks the UI ~0.1 s
        self.rows_shown = rows
        if self.size.width:  # else the first layout's resize fills it, once, at the width it then has
            self._fill()

    def on_resize(self) -> None:
        if self.size.width != self._fitted_width:
            self._fill()

    def _fill(self) -> None:
        width = self._fitted_width = self.size.width or self.app.size.width - 2
        columns, rows = self.column_labels, self.rows_shown
        cursor = self.cursor_row
        self.clear(columns=True)
        others = [
            max([cell_len(label), *(cell_len(row.cells[k]) for row in rows)])
            for k, (_, label) in enumerate(columns[1:])
        ]
        room = width - sum(others) - 2 * self.cell_padding * len(columns) - 2  # 2: a vertical scrollbar
        longest = max((cell_len(row.title) for row in rows), default=0)
        first_key, first_label = columns[0]
        self.add_column(
            first_label, width=max(12, min(max(longest, cell_len(first_label)), room)), key=first_key
        )
        for (key, label), column_width in zip(columns[1:], others, strict=True):
            self.add_column(Text(label, justify="right"), width=column_width, key=key)
        for row in rows:
            title = Text(row.title, style=row.style, no_wrap=True, overflow="ellipsis")
            cells = (Text(cell, style=row.style, justify="right") for cell in row.cells)
            self.add_row(title, *cells, key=row.key)
        if self.row_count:
            self.move_cursor(row=min(cursor, self.row_count - 1))


@dataclass(frozen=True)
class HomeCounts:
    """Everything Home shows that is counted from the store, counted at once (in a worker)."""

    counts: dict[str, stats.TopicCounts]
    recent: dict[str, stats.TopicHistory]
    today: stats.Today
    streak: stats.Streak
    forecast: stats.DaySeries


def count_home(
    db: Connection,
    bank: Bank,
    settings: Settings,
    now: datetime,
    kinds: tuple[str, ...],
    recent: stats.RecentHistory,
) -> HomeCounts:
    """Home's counts from `db` (any thread, given a connection made in that thread)."""
    return HomeCounts(
        stats.topic_counts(db, bank, now, kinds),
        recent.topics(db, bank, settings, now),
        stats.today(db, settings, now),
        stats.streak(db, settings, now),
        stats.due_forecast(db, settings, now),
    )


@dataclass(frozen=True)
class TagRow:
    """A tag the user can study, with how many studyable cards carry it and how many are due or new."""

    tag: str
    cards: int
    due: int
    new: int


class TagPicker(ModalScreen[str | None]):
    """Pick one tag to study: type to filter, up/down to move, enter to study it, escape to cancel."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="tag-picker.cancel"),
        Binding("enter", "pick", "Study tag", priority=True, id="tag-picker.pick"),
        Binding("up", "move(-1)", "Previous", show=False, id="tag-picker.up"),
        Binding("down", "move(1)", "Next", show=False, id="tag-picker.down"),
    ]

    def __init__(self, rows: list[TagRow]) -> None:
        super().__init__()
        self.rows = rows
        self.shown: list[TagRow] = list(rows)

    def compose(self) -> ComposeResult:
        with Vertical(id="tag-dialog") as dialog:
            dialog.border_title = "Study a tag"
            dialog.border_subtitle = "enter study · esc cancel"
            yield Input(placeholder="type to filter tags", id="tag-filter")
            yield OptionList(id="tag-list")

    def on_mount(self) -> None:
        self.fill("")
        self.query_one("#tag-filter", Input).focus()

    def fill(self, text: str) -> None:
        """List the tags containing `text` (those starting with it first), the first highlighted."""
        wanted = text.strip().lower()
        found = [row for row in self.rows if wanted in row.tag]
        self.shown = sorted(
            found, key=lambda row: not row.tag.startswith(wanted)
        )  # stable: names stay sorted
        width = max((len(row.tag) for row in self.shown), default=0)
        options = self.query_one("#tag-list", OptionList)
        options.set_options(
            Option(
                f"[b]{row.tag:<{width}}[/b]  [$text-muted]{row.cards} card{'s' if row.cards != 1 else ''}"
                f" · {row.due} due · {row.new} new[/]",
                id=row.tag,
            )
            for row in self.shown
        )
        options.highlighted = 0 if self.shown else None

    def on_input_changed(self, event: Input.Changed) -> None:
        self.fill(event.value)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_move(self, step: int) -> None:
        """Highlight the previous or next tag."""
        options = self.query_one("#tag-list", OptionList)
        if self.shown:
            current = options.highlighted if options.highlighted is not None else -step
            options.highlighted = max(0, min(len(self.shown) - 1, current + step))

    def action_pick(self) -> None:
        """Study the highlighted tag."""
        highlighted = self.query_one("#tag-list", OptionList).highlighted
        if highlighted is not None and highlighted < len(self.shown):
            self.dismiss(self.shown[highlighted].tag)

    def action_cancel(self) -> None:
        """Close without studying."""
        self.dismiss(None)


class HomeScreen(Screen[None]):
    """The dashboard the app opens on. Its styles (stats.tcss) are among the app's own: a screen's
    CSS_PATH would make Textual parse every stylesheet again when it is pushed (~15 ms at start)."""

    BINDINGS = [
        # Short descriptions fit the footer at 80 columns; the help panel (?) adds the tooltips.
        Binding(
            "enter",
            "study_topic",
            "Study",
            tooltip="the highlighted topic",
            priority=True,
            id="home.study-topic",
        ),
        Binding("a", "study_all", "All", tooltip="topics: study everything due", id="home.study-all"),
        Binding("t", "study_tag", "Tag", tooltip="(pick one, study its cards)", id="home.study-tag"),
        Binding("b", "open('browse')", "Browse", tooltip="cards: search and preview", id="home.browse"),
        Binding(
            "s", "open('stats')", "Stats", tooltip="on reviews, retention, what falls due", id="home.stats"
        ),
        Binding("d", "open('drill')", "Drill", tooltip="numeric problems, off the schedule", id="home.drill"),
        Binding(
            "comma",
            "open('settings')",
            "Settings",
            tooltip="(limits, theme, keys)",
            key_display=",",
            id="home.settings",
        ),
        Binding("q", "app.quit", "Quit", id="home.quit"),
    ]

    class CountsReady(Message):
        """A worker counted Home's figures (`generation` tells a stale count from the latest)."""

        def __init__(self, found: HomeCounts, generation: int) -> None:
            super().__init__()
            self.found, self.generation = found, generation

    class StudyRequested(Message):
        """The user asked to study a topic, a tag, or everything (both None)."""

        def __init__(self, topic: str | None, tag: str | None = None) -> None:
            super().__init__()
            self.topic, self.tag = topic, tag

    def __init__(
        self, bank: Bank, db: Connection, settings: Settings, clock: Clock, kinds: tuple[str, ...]
    ) -> None:
        super().__init__()
        self.bank, self.db, self.settings, self.clock = bank, db, settings, clock
        self.kinds = kinds  # the card kinds this version can study; counts cover only those
        self.recent = stats.RecentHistory(stats.RECENT_DAYS)  # retention: past days counted once a day
        self.counted = False  # True once the store's counts are shown (until then: a loading state)
        self._generation = 0  # of the latest count asked for; older results are dropped
        self.has_tags = any(topic.tags for topic in bank.topics.values()) or any(bank.tags_of.values())

    @property
    def current_settings(self) -> Settings:
        """The app's settings as they are now (the Settings screen may have changed them)."""
        return quiz_app(self).settings

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="home"):
            with Horizontal(id="home-today"):
                yield Static(id="home-progress")
                yield Static(id="home-streak")
            with Horizontal(id="home-forecast"):
                yield Static(f"Due in {stats.FORECAST_DAYS} days", id="home-forecast-label")
                yield BarChart(id="home-forecast-chart")
                yield Static(id="home-forecast-note")
            yield TopicTable(COLUMNS, id="topics")
            yield Static(id="topic-summary", markup=False)  # author text: brackets are not markup
        yield Footer(show_command_palette=False)  # ctrl+p still opens it: the room goes to Home's keys

    def on_mount(self) -> None:
        self.sub_title = "machine-learning interview practice"
        if is_read_only(self.db):
            self.sub_title = "read-only database: browse and drill; studying needs a writable file"
            self.notify(
                "This database file can't be written: quizapp opened it read-only. Browse and Drill "
                "work; grades, undo, suspend and reset are off.",
                title="Read-only",
                severity="warning",
                timeout=15,
            )
        self.query_one("#topics", DataTable).focus()

    def on_screen_resume(self) -> None:
        # Each time Home comes to the front, the first time included: one count. As the app's first
        # screen, Home may hear of its first resume before it is composed: it counts once it is.
        if self.is_mounted:
            self.refresh_counts()
        else:
            self.call_after_refresh(self.refresh_counts)

    def refresh_counts(self) -> None:
        """Recount from the store (after a study session, say). With a database file the counts grow
        with the history, so a thread worker makes them on a connection of its own while the topics show
        at once with a loading state; an in-memory or read-only database is counted here."""
        now, settings = self.clock(), self.current_settings
        self._generation += 1
        path = database_file(self.db)
        if path is None or is_read_only(self.db):
            found = count_home(self.db, self.bank, settings, now, self.kinds, self.recent)
            self.show_counts(found, settings)
            return
        if not self.counted:
            self.show_loading()
        self.count_in_worker(path, settings, now, self._generation)

    @work(thread=True, exclusive=True, group="home-counts")
    def count_in_worker(self, path: str, settings: Settings, now: datetime, generation: int) -> None:
        """Count on a connection of this thread's own (sqlite3 connections are per thread)."""
        db = sqlite3.connect(path, timeout=5)
        try:
            found = count_home(db, self.bank, settings, now, self.kinds, self.recent)
        finally:
            db.close()
        self.post_message(self.CountsReady(found, generation))

    def on_home_screen_counts_ready(self, message: CountsReady) -> None:
        if message.generation == self._generation:
            self.show_counts(message.found, self.current_settings)

    def show_loading(self) -> None:
        """The topics and their sizes (from the bank) while the store is counted."""
        rows = []
        kind_of = self.bank.kind_of.__getitem__
        for topic_id, topic in sorted(self.bank.topics.items(), key=lambda item: item[1].title):
            kinds = Counter(map(kind_of, topic.card_ids))  # counted in C: 100,000 cards in a few ms
            total = sum(kinds[kind] for kind in self.kinds)
            rows.append(TableRow(topic_id, topic.title, ("…", "…", str(total), "…")))
        self.query_one("#topics", TopicTable).show(rows)
        self.query_one("#home-progress", Static).update("[b]Today[/b] counting…")

    def show_counts(self, found: HomeCounts, settings: Settings) -> None:
        """Fill the table, today's line, the streak and the forecast from `found`."""
        counts, recent = found.counts, found.recent
        quota = new_quota(found.today, settings)
        rows = []
        for topic_id, topic in sorted(self.bank.topics.items(), key=lambda item: item[1].title):
            c = counts[topic_id]  # New: what a session could start today, not every unseen card
            cells = (_num(c.due), _num(min(c.new, quota)), str(c.total), _ratio(recent[topic_id].retention))
            rows.append(TableRow(topic_id, topic.title, cells))
        self.query_one("#topics", TopicTable).show(rows)
        if not rows:
            self.query_one("#topic-summary", Static).update(
                "No topics found. Add a folder of topic files with --content DIR "
                "(quizapp validate DIR checks them)."
            )
        self.show_today(found, settings)
        self.show_forecast(found.forecast)
        self.counted = True
        self.refresh_bindings()

    def show_today(self, found: HomeCounts, settings: Settings) -> None:
        """Today's progress line and the streak."""
        counts, done = found.counts, found.today
        due = sum(c.due for c in counts.values())
        fresh = min(sum(c.new for c in counts.values()), new_quota(done, settings))
        planned = done.reviewed + due + fresh
        filled = round(PROGRESS_CELLS * done.reviewed / planned) if planned else PROGRESS_CELLS
        filled = max(filled, 1) if done.reviewed else filled  # any work done shows
        bar = f"[$success]{'━' * filled}[/][$foreground 20%]{'━' * (PROGRESS_CELLS - filled)}[/]"
        minutes = f" in {_duration(done.duration_ms)}" if done.reviewed else ""
        self.query_one("#home-progress", Static).update(
            f"[b]Today[/b] {bar} [b]{done.reviewed}[/b] done{minutes}"
            f" · [b]{due}[/b] due now · [b]{fresh}[/b] new"
        )
        streak = found.streak
        days = f"[b]{streak.days}[/b] day{'s' if streak.days != 1 else ''}"
        if streak.days == 0:
            text = "no streak yet"
        elif streak.today:
            text = f"streak {days}"
        else:
            text = f"streak {days} (none today yet)"
        self.query_one("#home-streak", Static).update(text)

    def show_forecast(self, forecast: stats.DaySeries) -> None:
        """The due forecast: a one-line chart and its scale. Its first day counts every card due before
        today's study day ends (overdue included), so it can exceed the progress line's "due now"."""
        self.query_one("#home-forecast-chart", BarChart).update(forecast.counts, mark=0)
        week = sum(forecast.counts[:7])
        self.query_one("#home-forecast-note", Static).update(
            f"due today {forecast.counts[0]} · week {week} · peak {forecast.peak}"
        )

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        topic = self.bank.topics.get(str(event.row_key.value))
        if topic is not None:
            self.query_one("#topic-summary", Static).update(topic.summary)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.post_message(self.StudyRequested(str(event.row_key.value)))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Show only the keys that do something now."""
        if action == "study_topic":
            return bool(self.bank.topics)
        if action == "study_tag":
            return self.has_tags
        return True

    def action_study_topic(self) -> None:
        """Study the highlighted topic."""
        table = self.query_one("#topics", DataTable)
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
            self.post_message(self.StudyRequested(str(key.value)))

    def action_study_all(self) -> None:
        """Study everything due, across topics."""
        self.post_message(self.StudyRequested(None))

    def action_study_tag(self) -> None:
        """Pick a tag, then study the cards that carry it."""
        rows = self.tag_rows()
        if not rows:
            self.notify("No card has a tag yet.", title="Tags")
            return

        def study(tag: str | None) -> None:
            if tag:
                self.post_message(self.StudyRequested(None, tag))

        self.app.push_screen(TagPicker(rows), study)

    def tag_rows(self) -> list[TagRow]:
        """Every tag of the bank's studyable cards (theirs or their topic's), by name."""
        now = self.clock()
        due, known = set(repo.due_ids(self.db, now)), repo.known_card_ids(self.db)
        totals: dict[str, list[int]] = {}
        for card_id in self.bank.select(kinds=self.kinds):
            for tag in self.bank.card_tags(card_id):
                counts = totals.setdefault(tag, [0, 0, 0])
                counts[0] += 1
                counts[1] += card_id in due
                counts[2] += card_id not in known
        return [TagRow(tag, *counts) for tag, counts in sorted(totals.items())]

    def action_open(self, name: str) -> None:
        """Open another screen by name (browse, stats, drill, settings)."""
        try:
            quiz_app(self).action_open_screen(name)
        except ImportError as error:  # a screen not built yet
            self.notify(f"The {name} screen is not available: {error}", title=name.title(), severity="error")


def new_quota(done: stats.Today, settings: Settings) -> int:
    """New cards a session may still start today (the daily limit less those started)."""
    return max(0, settings.new_per_day - done.new_started)


def _num(value: int) -> str:
    return str(value) if value else "·"


def _ratio(ratio: stats.Ratio) -> str:
    return f"{ratio.percent()} of {ratio.total}" if ratio.total else "—"


def _duration(ms: int) -> str:
    minutes = round(ms / 60000)
    return f"{minutes} min" if minutes else "<1 min"
