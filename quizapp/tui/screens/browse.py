"""Browse: search every card as you type, filter by topic, tag, kind and state, preview any card (a fresh
variant of a numeric one on demand), and act on it: suspend or unsuspend, reset its schedule, study it now."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Select
from textual.worker import get_current_worker

from quizapp.content.bank import Bank
from quizapp.content.schema import CARD_KINDS, Card, ChoiceCard, CodeCard, Flashcard, NumericCard
from quizapp.heap import long_lived
from quizapp.problems.model import Problem
from quizapp.problems.registry import ProblemError, make_problem
from quizapp.srs.queue import StudyQueue
from quizapp.store import repo
from quizapp.store.db import database_file, is_read_only
from quizapp.store.pending import PendingWrites
from quizapp.tui.app import STUDYABLE_KINDS
from quizapp.tui.base import app_pending_writes, quiz_app
from quizapp.tui.screens.confirm import ConfirmScreen
from quizapp.tui.widgets.card_table import CardTable
from quizapp.tui.widgets.preview import CardPreview

ANY = "*"  # the "any" choice of every filter
SEARCH_PAUSE = 0.08  # seconds of no typing before the table is rebuilt: fast typing rebuilds once
STATES = ("new", "learning", "review", "suspended", "leech")
LEARNING_STATES = (1, 3)  # learning, relearning
COLUMNS = ("card", "state", "due", "kind", "topic")  # the table's column keys, left to right
ID_WIDTH = 24  # the card column; longer ids end in "…" (the preview shows them whole)
INLINE_CARDS = 300  # a bank this small is read and matched on the UI thread (a few ms): no loading state
FIRST_ROWS = 60  # rows added to the table at once (more than a screenful) ...
BATCH_ROWS = 40  # ... then this many at a time (a row costs ~0.1 ms to add and measure) ...
FILL_BUDGET = 0.015  # ... while a tick has spent less than this many seconds adding rows ...
FILL_PAUSE = 0.005  # ... ticks this long apart, so the table measures each batch and keys are handled
AHEAD = 60  # the table holds this many rows past the cursor or the bottom of the view, not the whole list


@dataclass(frozen=True)
class CardStatus:
    """Where a card is in its schedule, as Browse shows and filters it."""

    state: str  # new, learning or review
    suspended: bool = False
    leech: bool = False
    due: datetime | None = None  # None for a new card

    @classmethod
    def of(cls, stored: repo.CardState | None) -> CardStatus:
        """From the card's stored state (None: never reviewed)."""
        if stored is None:
            return NEW_CARD  # one for all: a bank's new cards are many
        if stored.state == repo.NEW:
            return cls("new", stored.suspended, stored.leech)
        state = "learning" if stored.state in LEARNING_STATES else "review"
        return cls(state, stored.suspended, stored.leech, stored.due)

    @property
    def label(self) -> str:
        """The state column: leech and suspended win over the schedule state."""
        return "leech" if self.leech else "suspended" if self.suspended else self.state

    def matches(self, wanted: str) -> bool:
        """True when the card belongs under the state filter `wanted` (ANY matches all)."""
        if wanted == ANY:
            return True
        if wanted == "suspended":
            return self.suspended
        if wanted == "leech":
            return self.leech
        return not self.suspended and self.state == wanted


NEW_CARD = CardStatus("new")


Compact = tuple[str, bool, bool, datetime | None]  # a CardStatus's fields: a tuple the GC stops tracking


class Statuses(Mapping[str, CardStatus]):
    """Every card's status, made when asked (any id: a card with no stored state is new; iterating gives
    the stored ones). Each is kept as a plain tuple, which the garbage collector stops tracking: 100,000
    objects kept alive would make it go through the whole heap, blocking every thread for 0.25 s."""

    def __init__(self, compact: dict[str, Compact] | None = None) -> None:
        self._compact = compact or {}

    @classmethod
    def of(cls, stored: Iterable[repo.CardState]) -> Statuses:
        """From stored states (an iterable: they needn't all be alive at once)."""
        return cls({state.card_id: _compact(state) for state in stored})

    def __getitem__(self, card_id: str) -> CardStatus:
        compact = self._compact.get(card_id)
        return NEW_CARD if compact is None else CardStatus(*compact)

    def __iter__(self) -> Iterator[str]:
        return iter(self._compact)

    def __len__(self) -> int:
        return len(self._compact)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Statuses) and self._compact == other._compact

    __hash__ = None  # type: ignore[assignment]

    def updated(self, card_id: str, stored: repo.CardState | None) -> Statuses:
        """A copy with `card_id`'s stored state replaced (a worker may be reading this one)."""
        compact = dict(self._compact)
        if stored is None:
            compact.pop(card_id, None)
        else:
            compact[card_id] = _compact(stored)
        return Statuses(compact)


def _compact(stored: repo.CardState) -> Compact:
    status = CardStatus.of(stored)
    return (status.state, status.suspended, status.leech, status.due)


def read_statuses(path: str) -> Statuses:
    """Every card's status, read on a connection of the calling thread's own (sqlite3 connections are per
    thread: a worker can't use the app's)."""
    db = sqlite3.connect(path, timeout=5)
    try:
        return Statuses.of(repo.card_states(db))
    finally:
        db.close()


def haystack(bank: Bank, card_id: str) -> str:
    """Everything search looks at for one card, lowercased: id, texts, tags, topic id and title."""
    card = bank.cards[card_id]
    topic = bank.topics[bank.topic_of[card_id]]
    parts: list[str] = [card_id, topic.id, topic.title, *sorted(bank.card_tags(card_id))]
    if card.explain:
        parts.append(card.explain)
    if isinstance(card, Flashcard):
        parts += [card.front, card.back]
    elif isinstance(card, ChoiceCard):
        parts.append(card.question)
        for option in card.options:
            parts.append(option.text)
            if option.why:
                parts.append(option.why)
    elif isinstance(card, NumericCard):
        parts += [text for text in (card.generator, card.prompt, card.solution) if text]
    elif isinstance(card, CodeCard):
        parts += [text for text in (card.prompt, card.signature, card.task) if text]
    return "\n".join(parts).lower()


@dataclass(frozen=True)
class Catalog:
    """What search and the filters read of every card, in bank order: built once, off the UI thread for a
    large bank, so that matching never reads (nor, in a lazy bank, unpickles) a card's body again."""

    haystacks: dict[str, str]
    kinds: dict[str, str]
    tags: dict[str, frozenset[str]]  # the card's own and its topic's
    by_topic: dict[str, list[str]]

    @classmethod
    def of(cls, bank: Bank) -> Catalog:
        """Read every card of `bank` (0.35 s for 100,000 cards in memory; more if they are unpickled)."""
        haystacks: dict[str, str] = {}
        kinds: dict[str, str] = {}
        tags: dict[str, frozenset[str]] = {}
        by_topic: dict[str, list[str]] = {}
        same: dict[frozenset[str], frozenset[str]] = {}  # one set per set of tags: far fewer objects for
        for card_id in bank.cards:  # the garbage collector to go through than one per card
            haystacks[card_id] = haystack(bank, card_id)
            kinds[card_id] = bank.kind_of[card_id]
            card_tags = frozenset(bank.card_tags(card_id))
            tags[card_id] = same.setdefault(card_tags, card_tags)
            by_topic.setdefault(bank.topic_of[card_id], []).append(card_id)
        return cls(haystacks, kinds, tags, by_topic)

    def __len__(self) -> int:
        return len(self.haystacks)

    def tag_names(self) -> list[str]:
        """Every tag of any card, sorted."""
        return sorted(frozenset().union(*set(self.tags.values())))

    def kind_names(self) -> list[str]:
        """The kinds of card there are, in CARD_KINDS order."""
        present = set(self.kinds.values())
        return [kind for kind in CARD_KINDS if kind in present]


@dataclass(frozen=True)
class Criteria:
    """What to show: every search word must occur in a card's haystack; ANY disables a filter."""

    words: tuple[str, ...] = ()
    topic: str = ANY
    tag: str = ANY
    kind: str = ANY
    state: str = ANY


def match_cards(catalog: Catalog, statuses: Mapping[str, CardStatus], criteria: Criteria) -> list[str]:
    """Ids of the cards meeting `criteria`, in bank order: a topic's cards, then narrowed by one simple
    test at a time (about 30 ms for a word in 100,000 cards)."""
    c, want = catalog, criteria
    ids = list(c.haystacks) if want.topic == ANY else c.by_topic.get(want.topic, [])
    if want.kind != ANY:
        ids = [card_id for card_id in ids if c.kinds[card_id] == want.kind]
    if want.tag != ANY:
        ids = [card_id for card_id in ids if want.tag in c.tags[card_id]]
    if want.state != ANY:
        ids = [card_id for card_id in ids if statuses[card_id].matches(want.state)]
    for word in want.words:
        ids = [card_id for card_id in ids if word in c.haystacks[card_id]]
    return list(ids)  # a copy: never the catalog's own list


def when(due: datetime, now: datetime) -> str:
    """How long until `due`, briefly: "now", "in 12m", "in 5h", "in 3d"."""
    left = due - now
    if left <= timedelta(0):
        return "now"
    minutes = int(left.total_seconds() // 60)
    if minutes < 60:
        return f"in {max(1, minutes)}m"
    if minutes < 24 * 60:
        return f"in {minutes // 60}h"
    return f"in {left.days}d"


def local_time(moment: datetime) -> str:
    """A stored (UTC) time in the user's time zone, to the minute."""
    return f"{moment.astimezone():%Y-%m-%d %H:%M}"


class BrowseScreen(Screen[None]):
    """Every card of the bank, searchable and filterable, with a preview and per-card actions."""

    CSS_PATH = "../browse.tcss"
    BINDINGS = [
        # priority: checked as the key arrives, so keys typed right after it land in the search box
        Binding("slash", "focus_search", "Search", key_display="/", priority=True, id="browse.search"),
        Binding("s", "suspend(True)", "Suspend", id="browse.suspend"),
        Binding("s", "suspend(False)", "Unsuspend", id="browse.unsuspend"),
        Binding("r", "reset", "Reset schedule", id="browse.reset"),
        Binding("n", "variant", "New variant", id="browse.variant"),
        Binding("t", "study", "Study now", id="browse.study"),
        Binding("escape", "back", "Back", id="browse.back"),
    ]

    class VariantReady(Message):
        """A worker generated a variant of a numeric card (or found the card broken)."""

        def __init__(self, card_id: str, seed: int, problem: Problem | None, error: str | None) -> None:
            super().__init__()
            self.card_id, self.seed, self.problem, self.error = card_id, seed, problem, error

    class SearchDone(Message):
        """The cards matching `criteria`, the search as typed when search number `generation` started; the
        cursor goes to `keep` (None: the selected card), else to the same row (`stay`) or the first."""

        def __init__(
            self, generation: int, criteria: Criteria, card_ids: list[str], keep: str | None, stay: bool
        ) -> None:
            super().__init__()
            self.generation, self.criteria, self.card_ids = generation, criteria, card_ids
            self.keep, self.stay = keep, stay

    class Loaded(Message):
        """A worker read the cards and their states, and matched `criteria` with them."""

        def __init__(
            self, catalog: Catalog, statuses: Statuses, criteria: Criteria, card_ids: list[str]
        ) -> None:
            super().__init__()
            self.catalog, self.statuses, self.criteria, self.card_ids = catalog, statuses, criteria, card_ids

    class StatusesRead(Message):
        """A worker read every card's state again (back from a study session)."""

        def __init__(self, statuses: Statuses) -> None:
            super().__init__()
            self.statuses = statuses

    def __init__(self, card_id: str | None = None) -> None:
        super().__init__()
        self.initial_card = card_id
        self.selected: str | None = None  # the card in the preview
        self.shown: list[str] = []  # card ids of the list, in bank order (the table holds the first ones)
        self.statuses = Statuses()
        self.catalog: Catalog | None = None  # None while a worker reads the cards
        self.generation = 0  # bumped by every change of the search or the filters
        self.applied = Criteria()  # what the table shows
        self.asked = Criteria()  # what the last match was asked for (its result may be on its way)
        self.variant_for: tuple[str, int] | None = None  # (card id, seed) of the variant last asked for
        self._writes: PendingWrites | None = None
        self._filling = 0  # bumped by every new list: a fill still adding rows of an older one stops
        self._fill_busy = False  # a fill is adding rows on later ticks
        self._wanted = 0  # rows of `shown` the table should hold (more as the cursor or view nears them)
        self._cursor_to: int | None = None  # the cursor's row once the fill has added it

    # -- layout -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        bank = quiz_app(self).bank
        topics = sorted(bank.topics.values(), key=lambda topic: topic.title.casefold())
        yield Header()
        with Vertical(id="browse"):
            yield Input(
                placeholder="Search: words from any text, tag or id  ( / )", compact=True, id="search"
            )
            with Horizontal(id="browse-filters"):
                yield _filter("topic", [(Text(topic.title), topic.id) for topic in topics])
                yield _filter("tag", [])  # tags and kinds are the cards': filled once they are read
                yield _filter("kind", [])
                yield _filter("state", [(state, state) for state in STATES])
            with Horizontal(id="browse-body"):
                yield CardTable(id="browse-cards", cursor_type="row", zebra_stripes=True)
                yield CardPreview(id="preview")
        yield Footer()

    def on_mount(self) -> None:
        """Show the screen at once; a thread worker reads the cards and their states (a small bank, or an
        in-memory or read-only database, is read here), and the table fills in batches."""
        app = quiz_app(self)
        self.sub_title = "Browse cards"
        table = self.query_one("#browse-cards", DataTable)
        for key in COLUMNS:
            table.add_column(key.title(), key=key, width=ID_WIDTH if key == "card" else None)
        self.watch(table, "scroll_y", self._scrolled, init=False)
        if self.initial_card is not None and self.initial_card not in app.bank.cards:
            self.notify(f"No card “{self.initial_card}” in the bank.", title="Browse", severity="warning")
        table.focus()
        path = database_file(app.db)
        if path is None or is_read_only(app.db) or len(app.bank.cards) <= INLINE_CARDS:
            self._set_catalog(Catalog.of(app.bank))
            self.statuses = Statuses.of(repo.card_states(app.db))
            self.refilter(keep=self.initial_card)
            return
        table.border_title = "loading…"
        self.query_one(CardPreview).show_message("Loading the cards…")
        # after the first frame: the worker holds the GIL half the time, which would double the time
        # the UI thread takes to lay out and draw the screen
        self.call_after_refresh(lambda: self.load(app.bank, path, self.criteria()))

    # a description of its own: by default Textual describes a worker by the repr of its arguments,
    # and the bank's takes seconds for 10,000 cards
    @work(thread=True, exclusive=True, group="browse-load", description="Browse: load the cards")
    def load(self, bank: Bank, path: str, criteria: Criteria) -> None:
        """Read every card (search texts, kinds, tags) and its state, and match `criteria`."""
        with long_lived():  # unpickles and reads every card: kept while Browse is open
            catalog = Catalog.of(bank)
        statuses = read_statuses(path)
        found = match_cards(catalog, statuses, criteria)
        self.post_message(self.Loaded(catalog, statuses, criteria, found))

    def on_browse_screen_loaded(self, message: Loaded) -> None:
        """Show what the worker found, or match again if the search or a filter changed meanwhile."""
        self._set_catalog(message.catalog)
        self.statuses = message.statuses
        if self.criteria() == message.criteria:
            self.generation += 1
            self.applied = self.asked = message.criteria
            self.show_results(message.card_ids, keep=self.initial_card)
        else:
            self.refilter(keep=self.initial_card)

    def _set_catalog(self, catalog: Catalog) -> None:
        """Keep the cards as read, and offer their tags and kinds in the filters."""
        self.catalog = catalog
        self.query_one("#filter-tag", Select).set_options(
            _choices("tag", [(Text(f"#{tag}"), tag) for tag in catalog.tag_names()])
        )
        self.query_one("#filter-kind", Select).set_options(
            _choices("kind", [(kind, kind) for kind in catalog.kind_names()])
        )

    def on_screen_resume(self) -> None:
        """Back from a study session: states may have changed."""
        if self.catalog is None:
            return
        app = quiz_app(self)
        path = database_file(app.db)
        if path is None or is_read_only(app.db) or len(self.catalog) <= INLINE_CARDS:
            self._new_statuses(Statuses.of(repo.card_states(app.db)))
        else:
            self.reread(path)

    @work(thread=True, exclusive=True, group="browse-load", description="Browse: read the states")
    def reread(self, path: str) -> None:
        """Read every card's state again, on this thread's own connection."""
        self.post_message(self.StatusesRead(read_statuses(path)))

    def on_browse_screen_statuses_read(self, message: StatusesRead) -> None:
        self._new_statuses(message.statuses)

    def _new_statuses(self, statuses: Statuses) -> None:
        """Show states read again, if any changed."""
        if statuses != self.statuses:
            self.statuses = statuses
            self.refilter(keep=self.selected, stay=True)

    # -- data -------------------------------------------------------------------------------

    def criteria(self) -> Criteria:
        """What the search box and the filters ask for now."""
        words = tuple(self.query_one("#search", Input).value.lower().split())
        topic, tag, kind, state = (self._filter_value(name) for name in ("topic", "tag", "kind", "state"))
        return Criteria(words, topic, tag, kind, state)

    def refilter(self, keep: str | None = None, stay: bool = False, pause: float = 0.0) -> None:
        """Match again (the search, a filter or a card's state changed) and show the result: at once for a
        small bank, else in a thread worker (after `pause`) whose result a newer change makes stale."""
        if self.catalog is None:
            return  # the load matches what is asked for when it ends
        self.generation += 1  # a match still under way is out of date
        criteria = self.asked = self.criteria()
        if pause == 0 and len(self.catalog) <= INLINE_CARDS:
            self.applied = criteria
            self.show_results(match_cards(self.catalog, self.statuses, criteria), keep, stay)
        else:
            self.search(self.catalog, self.statuses, criteria, self.generation, pause, keep, stay)

    # exclusive: typing again cancels a match still pausing or under way (its result is dropped)
    @work(thread=True, exclusive=True, group="browse-search", description="Browse: match the cards")
    def search(
        self,
        catalog: Catalog,
        statuses: Statuses,
        criteria: Criteria,
        generation: int,
        pause: float,
        keep: str | None,
        stay: bool,
    ) -> None:
        """Match after `pause` seconds (a pause in typing: fast typing matches once)."""
        worker = get_current_worker()
        time.sleep(pause)
        if worker.is_cancelled:
            return
        found = match_cards(catalog, statuses, criteria)
        if not worker.is_cancelled:
            self.post_message(self.SearchDone(generation, criteria, found, keep, stay))

    def on_browse_screen_search_done(self, message: SearchDone) -> None:
        """Show a search's result unless the search or a filter changed since it started."""
        if message.generation == self.generation:
            self.applied = message.criteria
            keep = self.selected if message.keep is None else message.keep
            self.show_results(message.card_ids, keep, message.stay)

    def show_results(self, card_ids: list[str], keep: str | None = None, stay: bool = False) -> None:
        """Show `card_ids`; put the cursor on `keep` if it is there, else at the same row (`stay`: the card
        left the list after an action) or the first. Adding rows is the slow part (about 0.1 ms a row,
        measuring cells included), so the table holds only the rows up to a screenful past the cursor, and
        adds more as the cursor or the view moves on (`_want`); an unchanged list only redraws its rows."""
        table = self.query_one("#browse-cards", DataTable)
        self._filling += 1
        update = card_ids == self.shown
        row = table.cursor_row
        if not update:
            self.shown = card_ids
            table.clear()
            fallback = min(row, len(card_ids) - 1) if stay else 0
            row = card_ids.index(keep) if keep in card_ids else max(fallback, 0)
            self._cursor_to = row if card_ids else None
        self._wanted = max(table.row_count, row + AHEAD, FIRST_ROWS)
        self._fill(self._filling, 0)
        if not card_ids:
            self.selected = None
            self.query_one(CardPreview).show_message("No card matches")
        else:
            self.select(card_ids[row])
        self.refresh_bindings()

    def _want(self, rows: int) -> None:
        """Have the table hold at least the first `rows` rows of the list."""
        if rows <= self._wanted:
            return
        self._wanted = rows
        if not self._fill_busy:
            self._fill(self._filling, self.query_one("#browse-cards", DataTable).row_count)

    def _fill(self, filling: int, start: int) -> None:
        """Add (or redraw, those the table holds) the rows of `self.shown` from `start` up to `_wanted`, a
        batch now and the rest later, unless a newer list (`filling`) has replaced it; the border says
        "loading…" till done."""
        if filling != self._filling:  # (a timer of a removed screen never fires)
            return
        table = self.query_one("#browse-cards", DataTable)
        bank, now, began = quiz_app(self).bank, quiz_app(self).clock(), time.perf_counter()
        last = min(len(self.shown), self._wanted)
        end = min(last, start + (FIRST_ROWS if start == 0 else BATCH_ROWS))
        while True:
            for index in range(start, end):
                card_id = self.shown[index]
                cells = self._row(card_id, bank, now)
                if index >= table.row_count:
                    table.add_row(*cells, key=card_id)
                    continue
                for key, cell in zip(COLUMNS, cells, strict=True):
                    if table.get_cell(card_id, key) != cell:
                        table.update_cell(card_id, key, cell, update_width=True)
            if start == 0 or end == last or time.perf_counter() - began >= FILL_BUDGET:
                break
            start, end = end, min(last, end + BATCH_ROWS)
        if self._cursor_to is not None and self._cursor_to < end:
            table.move_cursor(row=self._cursor_to, animate=False)
            self._cursor_to = None
        self._fill_busy = end < last
        total, count = len(bank.cards), len(self.shown)
        if end < last:
            table.border_title = f"loading… {end:,} of {count:,}"
            self.set_timer(FILL_PAUSE, partial(self._fill, filling, end))
        else:
            table.border_title = f"{count:,} of {total:,} cards" if count != total else f"{total:,} cards"

    def _scrolled(self) -> None:
        """The view moved: hold the rows up to a screenful past its bottom."""
        table = self.query_one("#browse-cards", DataTable)
        self._want(round(table.scroll_y) + table.size.height + AHEAD)

    def on_card_table_to_bottom(self, event: CardTable.ToBottom) -> None:
        """ctrl+end: the last card of the whole list, once the table holds it."""
        event.stop()
        if self.shown:
            self._cursor_to = len(self.shown) - 1
            self._want(len(self.shown))

    def _row(self, card_id: str, bank: Bank, now: datetime) -> list[Text]:
        """One table row: id (cut to fit), state, due, kind, topic."""
        status = self.statuses[card_id]
        due = "·" if status.due is None else when(status.due, now)
        return [
            Text(card_id, no_wrap=True, overflow="ellipsis"),  # the columns are COLUMNS
            Text(status.label, style="bold" if status.suspended else ""),
            Text(due),
            Text(bank.kind_of[card_id]),
            Text(bank.topic_of[card_id]),
        ]

    def select(self, card_id: str) -> None:
        """Show `card_id` in the preview (again, if it already is: states may have changed)."""
        preview = self.query_one(CardPreview)
        if card_id == self.selected:
            preview.show_meta(self.meta(card_id))
        else:
            self.selected = card_id
            self.variant_for = None  # a variant still being generated is for the card left behind
            card = quiz_app(self).bank.cards[card_id]
            hint = "Press n for a fresh variant with its worked solution." if card.kind == "numeric" else ""
            preview.show_card(card, self.meta(card_id), hint)
        self.refresh_bindings()

    def meta(self, card_id: str) -> Text:
        """The preview's heading: id; kind and where the card is in its schedule; topic and tags."""
        bank, now = quiz_app(self).bank, quiz_app(self).clock()
        card: Card = bank.cards[card_id]
        status = self.statuses[card_id]
        text = Text.assemble((card_id, "bold"), f"\n{card.kind} · ", (status.state, "bold"))
        if status.due is not None:
            text.append(f" · due {when(status.due, now)}")
            if status.due - now > timedelta(days=1):
                text.append(f" ({local_time(status.due)})")
        if status.leech:
            text.append(" · leech, suspended", style="bold")
        elif status.suspended:
            text.append(" · suspended", style="bold")
        text.append("\n")
        text.append(bank.topics[bank.topic_of[card_id]].title, style="italic")
        tags = sorted(bank.card_tags(card_id))
        if tags:
            text.append("  " + " ".join(f"#{tag}" for tag in tags), style="dim")
        return text

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        card_id = event.row_key.value
        self._want(event.cursor_row + AHEAD)  # the rows a page or two down are there before they're asked
        if self._cursor_to is not None:
            return  # the table is filling and the cursor is yet to reach its card (the preview shows it)
        if isinstance(card_id, str) and card_id in self.shown:  # not a stale event from a rebuilt table
            self.select(card_id)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a row studies that card."""
        event.stop()
        self.action_study()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "search":
            self.generation += 1  # a match under way is out of date (while loading: the load matches it)
            self.refilter(pause=SEARCH_PAUSE)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the search box goes to the results."""
        if event.input.id == "search":
            self.set_focus(self.query_one("#browse-cards", DataTable))

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if self.criteria() != self.asked:  # not the Changed each Select posts at start
            self.refilter(keep=self.selected)

    def _filter_value(self, name: str) -> str:
        value = self.query_one(f"#filter-{name}", Select).value
        return value if isinstance(value, str) else ANY

    # -- actions ----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Show only the keys that do something for the selected card."""
        if action == "focus_search":
            return not isinstance(self.focused, Input)  # in the search box, "/" is typed
        if action in ("suspend", "reset", "variant", "study"):
            if self.selected is None:
                return False
            card = quiz_app(self).bank.cards[self.selected]
            status = self.statuses[self.selected]
            if action == "suspend":
                return parameters[0] is not status.suspended
            if action == "variant":
                return card.kind == "numeric"
            if action == "study":
                return card.kind in STUDYABLE_KINDS
        return True

    def action_focus_search(self) -> None:
        """Put the cursor in the search box."""
        self.set_focus(self.query_one("#search", Input))  # now, not later: the next key is typed there

    def action_back(self) -> None:
        """From the search box or a filter, back to the results; from the results, back to Home."""
        if isinstance(self.focused, Input | Select):
            self.set_focus(self.query_one("#browse-cards", DataTable))
        else:
            self.app.pop_screen()

    def action_suspend(self, suspended: bool) -> None:
        """Suspend the selected card (it is never offered for study), or unsuspend it."""
        card_id = self.selected
        if card_id is None:
            return
        app = quiz_app(self)
        if self._read_only():
            return
        card = app.bank.cards[card_id]
        write = partial(
            repo.set_card_suspended,
            app.db, card_id, app.bank.topic_of[card_id], card.kind, suspended, app.clock(),
        )  # fmt: skip
        verb = "suspended" if suspended else "unsuspended"
        self.writes.submit(write, lambda _: self._changed(card_id, f"“{card_id}” {verb}.", "Browse"))

    def action_reset(self) -> None:
        """Ask, then forget the selected card's schedule: it is new again; its reviews stay in the log."""
        card_id = self.selected
        if card_id is None:
            return
        app = quiz_app(self)
        if self._read_only():
            return
        stored = repo.get_card(app.db, card_id)
        if stored is None or stored.state == repo.NEW:
            self.notify(f"“{card_id}” is new: there is no schedule to reset.", title="Reset")
            return
        count = repo.review_count(app.db, card_id)
        message = f"“{card_id}” becomes a new card, studied from scratch. " + (
            "Its review stays in the log." if count == 1 else f"Its {count} reviews stay in the log."
        )

        def reset(yes: bool | None) -> None:
            if yes:
                write = partial(repo.reset_card, app.db, card_id, app.clock())
                self.writes.submit(
                    write, lambda _: self._changed(card_id, f"“{card_id}” is new again.", "Reset")
                )

        app.push_screen(ConfirmScreen("Reset schedule?", message), reset)

    @property
    def writes(self) -> PendingWrites:
        """Suspends and resets that met a locked database wait here and are retried (on the app's
        timer: leaving Browse doesn't drop them)."""
        if self._writes is None:
            self._writes = app_pending_writes(self)
        return self._writes

    def on_unmount(self) -> None:
        if self._writes:  # leaving or quitting with a change still waiting: one last try, full timeout
            self._writes.flush()

    def _changed(self, card_id: str, text: str, title: str) -> None:
        """A suspend or reset was saved: say so and show it (if Browse is still open)."""
        self.app.notify(text, title=title, timeout=3)
        if self.is_mounted:  # read the one card again: a large bank's states take a worker to read
            stored = repo.get_card(quiz_app(self).db, card_id)
            self.statuses = self.statuses.updated(card_id, stored)
            self.refilter(keep=card_id, stay=True)

    def _read_only(self) -> bool:
        if not is_read_only(quiz_app(self).db):
            return False
        self.notify("The database is read-only: nothing can be changed.", title="Browse", severity="warning")
        return True

    def action_variant(self) -> None:
        """Generate a fresh instance of the selected numeric card, with its worked solution."""
        card = quiz_app(self).bank.cards.get(self.selected or "")
        if not isinstance(card, NumericCard):
            return
        seed = quiz_app(self).seeds()
        self.variant_for = (card.id, seed)
        self.query_one(CardPreview).show_loading()
        self.generate(card, seed)

    @work(thread=True, exclusive=True, group="browse-variant")
    def generate(self, card: NumericCard, seed: int) -> None:
        """Generate off the UI thread (the first problem may import scikit-learn)."""
        try:
            self.post_message(self.VariantReady(card.id, seed, make_problem(card, seed), None))
        except ProblemError as error:
            self.post_message(self.VariantReady(card.id, seed, None, str(error)))

    def on_browse_screen_variant_ready(self, message: VariantReady) -> None:
        """Show the variant if its card is still the one in the preview."""
        if (message.card_id, message.seed) != self.variant_for or message.card_id != self.selected:
            return  # for a card left behind, or overtaken by a newer request
        preview = self.query_one(CardPreview)
        if message.problem is None:
            preview.show_problem_error(message.error or "unknown error")
        else:
            preview.show_problem(message.problem, message.seed)

    def action_study(self) -> None:
        """Study the selected card now, if it is new, learning or due; else say when it is due."""
        card_id = self.selected
        if card_id is None or not self.check_action("study", ()):
            return
        app = quiz_app(self)
        status = self.statuses[card_id]
        if status.suspended:
            self.notify(f"“{card_id}” is suspended: press s to unsuspend it first.", title="Study")
            return
        queue = StudyQueue(app.db, [card_id], app.bank.topic_of, app.settings, app.clock)
        if queue.peek() is None:
            if status.due is not None and status.due > app.clock():
                why = f"it is not due until {local_time(status.due)} ({when(status.due, app.clock())})"
            else:
                why = "today's limit of new cards or reviews is reached"
            self.notify(f"“{card_id}” can't be studied now: {why}.", title="Study")
            return
        from quizapp.tui.screens.study import StudyScreen

        screen = StudyScreen(app.bank, queue, app.reviewer, card_id, app.seeds)
        app.push_screen(screen, lambda _: app.fold_wal())


def _filter(name: str, options: list[tuple[Text | str, str]]) -> Select[str]:
    """A filter with an "any" choice first, selected."""
    return Select(_choices(name, options), value=ANY, allow_blank=False, compact=True, id=f"filter-{name}")


def _choices(name: str, options: list[tuple[Text | str, str]]) -> list[tuple[Text | str, str]]:
    """A filter's choices: "any" first."""
    return [(f"{name.title()}: any", ANY), *options]
