"""Drill: free practice of numeric problems and code exercises by topic, outside the schedule, with a
running score.

Answers go to the drill log (`repo.record_drill`; a code card's first run, its source as the response);
card schedules, the review log and kept code attempts are never touched."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import Enum
from functools import partial

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, LoadingIndicator, SelectionList, Static
from textual.widgets.selection_list import Selection

from quizapp.content.schema import CodeCard, NumericCard
from quizapp.drill import drill_plan
from quizapp.problems.code_check import CodeCardError, spec_for
from quizapp.problems.model import Problem
from quizapp.problems.registry import ProblemError, make_problem
from quizapp.store import repo
from quizapp.store.db import is_read_only
from quizapp.store.pending import PendingWrites
from quizapp.tui.base import app_pending_writes, quiz_app
from quizapp.tui.widgets.code_exercise import CodeExerciseView
from quizapp.tui.widgets.numeric import NumericView

KINDS = ("numeric", "code")  # the kinds Drill poses


class Phase(Enum):
    """What the drill screen is showing."""

    PICKING = "picking"  # the topic picker
    LOADING = "loading"  # a worker is generating the next problem
    QUESTION = "question"  # a problem waits for an answer
    ANSWERED = "answered"  # verdict and solution shown; waiting for `next`
    SUMMARY = "summary"  # the session's score by topic
    EMPTY = "empty"  # nothing to drill (no numeric or code cards, or every one is broken)


@dataclass
class Tally:
    """Problems answered and answered correctly."""

    asked: int = 0
    correct: int = 0

    def add(self, correct: bool) -> None:
        """Count one answer."""
        self.asked += 1
        self.correct += int(correct)

    @property
    def percent(self) -> int:
        """Share correct, rounded (0 before the first answer)."""
        return round(100 * self.correct / self.asked) if self.asked else 0


class DrillScreen(Screen[None]):
    """Endless practice over the numeric and code cards of some topics; nothing is scheduled or graded."""

    CSS_PATH = "../drill.tcss"
    BINDINGS = [
        Binding("s", "start", "Start drill", id="drill.start"),
        Binding("a", "toggle_all", "All / none", id="drill.all-topics"),
        Binding("enter,n", "next", "Next problem", key_display="enter", id="drill.next"),
        Binding("e", "summary", "End · summary", id="drill.summary"),
        Binding("escape", "app.pop_screen", "Back", id="drill.back"),
    ]

    class ProblemReady(Message):
        """A worker generated problem number `number` (or found its card broken)."""

        def __init__(
            self, number: int, card_id: str, seed: int, problem: Problem | None, error: str | None
        ) -> None:
            super().__init__()
            self.number, self.card_id, self.seed = number, card_id, seed
            self.problem, self.error = problem, error

    def __init__(self, topics: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.topics = topics  # the topics drilled (empty while picking = not chosen yet)
        self.phase = Phase.PICKING
        self.plan: deque[tuple[str, int]] = deque()  # (card id, problem seed) still to come this round
        self.current: tuple[str, int] | None = None  # the card and seed on screen
        self.number = 0  # problems posed so far (broken cards don't count)
        self.score = Tally()
        self.by_topic: dict[str, Tally] = {}
        self.streak = 0
        self.best_streak = 0
        self.skipped: set[str] = set()  # cards that could not pose a problem this session
        self._writes: PendingWrites | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="drill"):
            with Horizontal(id="drill-head"):
                yield Static(id="drill-where")
                yield Static(id="drill-score")
            yield Container(id="drill-area")
            yield Static(id="drill-status")
        yield Footer()

    @property
    def writes(self) -> PendingWrites:
        """Drill-log rows that met a locked database wait here, retried on the app's timer."""
        if self._writes is None:
            self._writes = app_pending_writes(self)
        return self._writes

    def on_unmount(self) -> None:
        if self._writes:  # quitting with a log row still waiting: one last try, full busy timeout
            self._writes.flush()

    def on_mount(self) -> None:
        self.sub_title = "Drill: free practice, not scheduled"
        if self.topics:
            self.start(self.topics)
        else:
            self.show_picker()

    # -- the topic picker -------------------------------------------------------------------

    def drill_counts(self) -> dict[str, tuple[int, int]]:
        """Topic id → (numeric cards, code cards) it has (topics without any left out), by title."""
        bank = quiz_app(self).bank
        counts: dict[str, tuple[int, int]] = {}
        for card_id in bank.select(kinds=KINDS):
            numeric, code = counts.get(bank.topic_of[card_id], (0, 0))
            is_code = bank.cards[card_id].kind == "code"
            counts[bank.topic_of[card_id]] = (numeric + (not is_code), code + is_code)
        return dict(sorted(counts.items(), key=lambda item: bank.topics[item[0]].title.casefold()))

    def show_picker(self) -> None:
        """Offer the topics that have numeric or code cards, with their counts."""
        counts = self.drill_counts()
        if not counts:
            self.show_empty(
                "There are no numeric or code cards in the content, so there is nothing to drill."
            )
            return
        self.phase = Phase.PICKING
        bank = quiz_app(self).bank
        selections = [
            Selection(_topic_prompt(bank.topics[topic_id].title, sum(count)), topic_id)
            for topic_id, count in counts.items()
        ]
        area = self.query_one("#drill-area", Container)
        area.remove_children()
        area.border_title = "Pick topics"
        picker: SelectionList[str] = SelectionList(*selections, id="drill-topics")
        area.mount(
            Static("Space or enter: pick a topic · s: start (nothing picked: all topics)", classes="hint"),
            picker,
        )
        picker.focus()
        kinds = "numeric or code cards" if any(code for _, code in counts.values()) else "numeric cards"
        self.query_one("#drill-where", Static).update(f"{len(counts)} topics with {kinds}")
        self.update_picker_status()
        self.update_score()
        self.refresh_bindings()

    def picked(self) -> list[str]:
        """The topic ids ticked in the picker."""
        return list(self.query_one("#drill-topics", SelectionList).selected)

    def update_picker_status(self) -> None:
        """Say what `s` will drill."""
        counts = self.drill_counts()
        picked = self.picked()
        chosen = [counts[t] for t in picked] or list(counts.values())
        cards = _cards(sum(n for n, _ in chosen), sum(c for _, c in chosen))
        if picked:
            note = f"{_plural(len(picked), 'topic')} picked ({cards}): s starts."
        else:
            note = f"Nothing picked: s drills all {cards}."
        self.query_one("#drill-status", Static).update(note)

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged[str]) -> None:
        event.stop()
        self.update_picker_status()

    def action_start(self) -> None:
        """Drill the picked topics (all of them when none is picked)."""
        self.start(tuple(self.picked()))

    def action_toggle_all(self) -> None:
        """Pick every topic, or none if all are picked."""
        picker = self.query_one("#drill-topics", SelectionList)
        if len(picker.selected) == picker.option_count:
            picker.deselect_all()
        else:
            picker.select_all()

    # -- the drill loop ---------------------------------------------------------------------

    def start(self, topics: tuple[str, ...]) -> None:
        """Begin drilling `topics` (empty = every topic)."""
        self.topics = topics
        bank = quiz_app(self).bank
        names = [bank.topics[t].title for t in topics if t in bank.topics]
        self.sub_title = f"Drill · {', '.join(names)}" if names else "Drill · all topics"
        self.next_problem()

    def next_card(self) -> tuple[str, int] | None:
        """The next (card id, seed): cards shuffled, cycling round after round; None if none can pose."""
        bank = quiz_app(self).bank
        while not self.plan:
            cards = bank.select(topics=self.topics, kinds=KINDS)
            if not set(cards) - self.skipped:
                return None
            seed = quiz_app(self).seeds()
            round_ = [
                item
                for item in drill_plan(bank, self.topics, len(cards), seed, kinds=KINDS)
                if item[0] not in self.skipped
            ]
            if len(round_) > 1 and self.current is not None and round_[0][0] == self.current[0]:
                round_[0], round_[1] = round_[1], round_[0]  # no card twice in a row across rounds
            self.plan.extend(round_)
        return self.plan.popleft()

    def next_problem(self) -> None:
        """Show the next card: a numeric one is generated in a worker (a loading indicator meanwhile), a
        code exercise is mounted at once."""
        item = self.next_card()
        if item is None:
            self.show_empty(
                "None of these cards can pose a problem; `quizapp validate` says why."
                if self.skipped
                else "These topics have no numeric or code cards."
            )
            return
        self.current = item
        card_id, seed = item
        card = quiz_app(self).bank.cards[card_id]
        if isinstance(card, CodeCard):
            self.show_code(card, seed)
            return
        assert isinstance(card, NumericCard)
        self.phase = Phase.LOADING
        area = self.query_one("#drill-area", Container)
        area.remove_children()
        area.border_title = None
        area.mount(LoadingIndicator())
        self.update_where()
        self.update_score()
        self.query_one("#drill-status", Static).update("Generating a problem…")
        self.refresh_bindings()
        self.generate(self.number + 1, card, seed)

    @work(thread=True, exclusive=True, group="drill-problem")
    def generate(self, number: int, card: NumericCard, seed: int) -> None:
        """Generate the problem off the UI thread (the first one may import scikit-learn)."""
        try:
            self.post_message(self.ProblemReady(number, card.id, seed, make_problem(card, seed), None))
        except ProblemError as error:
            self.post_message(self.ProblemReady(number, card.id, seed, None, str(error)))

    def on_drill_screen_problem_ready(self, message: DrillScreen.ProblemReady) -> None:
        """Show the problem, or skip a broken card; stale results are dropped."""
        if (
            self.phase is not Phase.LOADING
            or self.current != (message.card_id, message.seed)
            or message.number != self.number + 1
        ):
            return
        if message.problem is None:
            self.skipped.add(message.card_id)
            self.notify(
                f"Skipped “{message.card_id}”: it cannot pose a problem ({message.error}).",
                title="Drill",
                severity="warning",
                markup=False,  # the error quotes author text
            )
            self.next_problem()
            return
        card = quiz_app(self).bank.cards[message.card_id]
        assert isinstance(card, NumericCard)
        self.number = message.number
        self.phase = Phase.QUESTION
        area = self.query_one("#drill-area", Container)
        area.remove_children()
        area.mount(NumericView(card, message.problem, message.seed))
        self.update_where()
        self.query_one("#drill-status", Static).update(
            "Type your answer and press enter; ? shows the solution."
        )
        self.refresh_bindings()

    def show_code(self, card: CodeCard, seed: int) -> None:
        """Mount the code exercise for `card` (its tests drawn from `seed`); a card that cannot be checked
        is skipped for the session, like a numeric card that cannot pose a problem."""
        try:
            spec = spec_for(card)
        except (CodeCardError, ValueError) as error:
            self.skipped.add(card.id)
            self.notify(
                f"Skipped “{card.id}”: it cannot be checked ({error}).",
                title="Drill",
                severity="warning",
                markup=False,
            )
            self.next_problem()
            return
        self.number += 1
        self.phase = Phase.QUESTION
        area = self.query_one("#drill-area", Container)
        area.remove_children()
        area.border_title = None
        limit = float(getattr(getattr(self.app, "settings", None), "code_time_limit", 5.0))
        area.mount(CodeExerciseView(spec, seed, time_limit=limit))
        self.update_where()
        self.update_score()
        self.query_one("#drill-status", Static).update("The first run counts: all tests pass → correct.")
        self.refresh_bindings()

    def on_numeric_view_answered(self, message: NumericView.Answered) -> None:
        """Log the answer (a give-up counts as wrong) and update the running score."""
        correct = message.verdict is not None and message.verdict.correct
        self.answered(correct, message.text)
        self.set_focus(None)  # enter, n and e belong to the screen again
        self.query_one("#drill-status", Static).update(
            "Enter or n: next problem · e: end and see the summary · escape: back"
        )

    def on_code_exercise_view_ran(self, message: CodeExerciseView.Ran) -> None:
        """The first run of the exercise counts: all tests passed is correct; later runs are practice."""
        if message.first and self.phase is Phase.QUESTION:
            self.answered(message.report.passed, message.source)
            self.query_one("#drill-status", Static).update(
                "Rerun freely · esc leaves the editor, then enter or n: next problem · e: summary"
            )

    def on_code_exercise_view_gave_up(self, message: CodeExerciseView.GaveUp) -> None:
        """The solution was shown before any run: wrong."""
        if self.phase is Phase.QUESTION:
            self.answered(False, "?")
            self.query_one("#drill-status", Static).update(
                "Enter or n: next problem · e: end and see the summary · escape: back"
            )

    def answered(self, correct: bool, response: str | None) -> None:
        """Log the answer to the card on screen and count it in the running score."""
        assert self.current is not None
        card_id, seed = self.current
        app = quiz_app(self)
        if not is_read_only(app.db):  # read-only: practice still works, the log just isn't kept
            self.writes.submit(
                partial(repo.record_drill, app.db, card_id, app.clock(), seed, correct, response)
            )
        self.score.add(correct)
        self.by_topic.setdefault(app.bank.topic_of[card_id], Tally()).add(correct)
        self.streak = self.streak + 1 if correct else 0
        self.best_streak = max(self.best_streak, self.streak)
        self.phase = Phase.ANSWERED
        self.update_score()
        self.refresh_bindings()

    def action_next(self) -> None:
        """Go on to the next problem."""
        self.next_problem()

    # -- summary, score, empty --------------------------------------------------------------

    def action_summary(self) -> None:
        """Show the session's score and its breakdown by topic."""
        bank = quiz_app(self).bank
        self.phase = Phase.SUMMARY
        area = self.query_one("#drill-area", Container)
        area.remove_children()
        area.border_title = "Session summary"
        self.query_one("#drill-where", Static).update(f"{_plural(self.score.asked, 'problem')} answered")
        if not self.score.asked:
            area.mount(Static("No problems answered yet.", id="drill-summary"))
        else:
            table = Table(box=None, padding=(0, 2), pad_edge=False, show_edge=False, expand=False)
            table.add_column("Topic", no_wrap=False)
            table.add_column("Answered", justify="right")
            table.add_column("Correct", justify="right")
            table.add_column("%", justify="right")
            rows = sorted(self.by_topic.items(), key=lambda item: bank.topics[item[0]].title.casefold())
            for topic_id, tally in rows:
                table.add_row(
                    Text(bank.topics[topic_id].title),
                    str(tally.asked),
                    str(tally.correct),
                    f"{tally.percent}%",
                )
            headline = Text.assemble(
                (f"{self.score.correct} / {self.score.asked} correct", "bold"),
                f" ({self.score.percent}%) · best streak {self.best_streak}",
            )
            area.mount(Static(headline, id="drill-summary"), Static(table, id="drill-breakdown"))
        self.query_one("#drill-status", Static).update(
            "Enter or n: keep drilling · escape: back (the drill log keeps every answer)"
        )
        self.refresh_bindings()

    def update_where(self) -> None:
        """The problem number and the current card's topic."""
        if self.current is None:
            return
        bank = quiz_app(self).bank
        card_id = self.current[0]
        number = self.number + 1 if self.phase is Phase.LOADING else self.number
        where = Text.assemble((f"Problem {number}", "bold"), " · ", bank.topics[bank.topic_of[card_id]].title)
        self.query_one("#drill-where", Static).update(where)

    def update_score(self) -> None:
        """The running score, e.g. `7 / 9 correct (78%) · streak 3`."""
        if not self.score.asked:
            self.query_one("#drill-score", Static).update(
                "" if self.phase is Phase.PICKING else "no answers yet"
            )
            return
        self.query_one("#drill-score", Static).update(
            Text.assemble(
                (f"{self.score.correct} / {self.score.asked} correct", "bold"),
                f" ({self.score.percent}%) · streak {self.streak}",
            )
        )

    def show_empty(self, message: str) -> None:
        """Nothing can be drilled: say why."""
        self.phase = Phase.EMPTY
        area = self.query_one("#drill-area", Container)
        area.remove_children()
        area.mount(Static(message, id="drill-empty", markup=False))
        self.query_one("#drill-status", Static).update("Escape: back")
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Show only the keys that do something now."""
        if action in ("start", "toggle_all"):
            return self.phase is Phase.PICKING
        if action == "next":
            return self.phase in (Phase.ANSWERED, Phase.SUMMARY)
        if action == "summary":
            return self.phase in (Phase.ANSWERED, Phase.LOADING) or (
                self.phase is Phase.EMPTY and self.score.asked > 0
            )
        return True


def _topic_prompt(title: str, count: int) -> Text:
    """A picker line: the topic's title (author text, never markup) and its number of numeric cards."""
    return Text.assemble(title, (f"  {_plural(count, 'card')}", "dim"))


def _cards(numeric: int, code: int) -> str:
    """E.g. `3 numeric cards`, `1 code card`, or `5 cards (2 code)` when both kinds are among them."""
    if not code or not numeric:
        return _plural(numeric, "numeric card") if numeric else _plural(code, "code card")
    return f"{_plural(numeric + code, 'card')} ({code} code)"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
