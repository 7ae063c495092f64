"""Home: every topic with its due, new and total counts; start studying from here."""

from __future__ import annotations

from rich.text import Text
from sqlite_utils import Database
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from quizapp.content.bank import Bank
from quizapp.settings import Settings
from quizapp.srs import stats
from quizapp.srs.scheduler import Clock


class HomeScreen(Screen[None]):
    """The dashboard the app opens on."""

    BINDINGS = [
        Binding("enter", "study_topic", "Study topic", priority=True, id="home.study-topic"),
        Binding("a", "study_all", "Study all", id="home.study-all"),
        Binding("q", "app.quit", "Quit", id="home.quit"),
    ]

    class StudyRequested(Message):
        """The user asked to study a topic, a tag, or everything (both None)."""

        def __init__(self, topic: str | None, tag: str | None = None) -> None:
            super().__init__()
            self.topic, self.tag = topic, tag

    def __init__(
        self, bank: Bank, db: Database, settings: Settings, clock: Clock, kinds: tuple[str, ...]
    ) -> None:
        super().__init__()
        self.bank, self.db, self.settings, self.clock = bank, db, settings, clock
        self.kinds = kinds  # the card kinds this version can study; counts cover only those

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="home"):
            yield Static(id="today")
            yield DataTable(id="topics", cursor_type="row", zebra_stripes=True)
            yield Static(id="topic-summary", markup=False)  # author text: brackets are not markup
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "machine-learning interview practice"
        table = self.query_one("#topics", DataTable)
        table.add_column("Topic", key="topic")
        table.add_column("Due", key="due")
        table.add_column("New", key="new")
        table.add_column("Total", key="total")
        self.refresh_counts()
        table.focus()

    def on_screen_resume(self) -> None:
        self.refresh_counts()

    def refresh_counts(self) -> None:
        """Recount from the store (after a study session, say)."""
        now = self.clock()
        table = self.query_one("#topics", DataTable)
        row = table.cursor_row
        table.clear()
        counts = stats.topic_counts(self.db, self.bank, now, self.kinds)
        for topic_id, topic in sorted(self.bank.topics.items(), key=lambda item: item[1].title):
            c = counts[topic_id]
            table.add_row(Text(topic.title), _num(c.due), _num(c.new), str(c.total), key=topic_id)
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))
        else:
            self.query_one("#topic-summary", Static).update(
                "No topics found. Add a folder of topic files with --content DIR "
                "(quizapp validate DIR checks them)."
            )
        due = sum(c.due for c in counts.values())
        fresh = sum(c.new for c in counts.values())
        done = stats.today(self.db, self.settings, now)
        new_left = max(0, self.settings.new_per_day - done.new_started)
        self.query_one("#today", Static).update(
            f"[b]{due}[/b] due · [b]{min(fresh, new_left)}[/b] new today "
            f"(limit {self.settings.new_per_day}) · [b]{done.reviewed}[/b] reviewed today · "
            f"{sum(c.total for c in counts.values())} cards in {len(self.bank.topics)} topics"
        )

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        topic = self.bank.topics.get(str(event.row_key.value))
        if topic is not None:
            self.query_one("#topic-summary", Static).update(topic.summary)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.post_message(self.StudyRequested(str(event.row_key.value)))

    def action_study_topic(self) -> None:
        """Study the highlighted topic."""
        table = self.query_one("#topics", DataTable)
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
            self.post_message(self.StudyRequested(str(key.value)))

    def action_study_all(self) -> None:
        """Study everything due, across topics."""
        self.post_message(self.StudyRequested(None))


def _num(value: int) -> str:
    return str(value) if value else "·"
