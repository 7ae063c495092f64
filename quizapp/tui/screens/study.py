"""The study loop: one card at a time from the queue, graded into the store as soon as it's answered."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from enum import Enum
from functools import partial

from rich.markup import escape
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, LoadingIndicator, Static

from quizapp.content.bank import Bank
from quizapp.content.schema import ChoiceCard, CodeCard, Flashcard, NumericCard
from quizapp.problems.code_check import CodeCardError, spec_for
from quizapp.problems.model import Problem
from quizapp.problems.registry import ProblemError, make_problem
from quizapp.srs.queue import Source, StudyQueue
from quizapp.srs.scheduler import RATING_NAMES, Graded, Reviewer
from quizapp.store import attempts, repo
from quizapp.store.db import is_read_only
from quizapp.store.pending import PendingWrites
from quizapp.tui.widgets.choice import LETTERS, ChoiceView
from quizapp.tui.widgets.code_exercise import CodeExerciseView
from quizapp.tui.widgets.flashcard import FlashcardView
from quizapp.tui.widgets.numeric import NumericView

AGAIN, GOOD = 1, 3
StudyCard = Flashcard | ChoiceCard | NumericCard | CodeCard


class Phase(Enum):
    """Where the user is with the current card."""

    QUESTION = "question"  # the card is shown, not answered
    REVEALED = "revealed"  # a flashcard's back is shown; waiting for a self-grade
    ANSWERED = "answered"  # an auto-graded card was answered and graded; the grade may still change
    DONE = "done"  # nothing left to study


class ProblemReady(Message):
    """A worker generated the problem for a numeric card (or failed to)."""

    def __init__(self, card_id: str, seed: int, problem: Problem | None, error: str | None) -> None:
        super().__init__()
        self.card_id, self.seed, self.problem, self.error = card_id, seed, problem, error


class StudyScreen(Screen[None]):
    """Study the cards of one queue."""

    BINDINGS = [
        Binding("space", "reveal", "Reveal", id="study.reveal"),
        Binding("1", "grade(1)", "Again", id="study.again"),
        Binding("2", "grade(2)", "Hard", id="study.hard"),
        Binding("3", "grade(3)", "Good", id="study.good"),
        Binding("4", "grade(4)", "Easy", id="study.easy"),
        Binding("enter", "submit", "Submit", id="study.submit"),
        Binding("enter,space", "next", "Next", key_display="enter", id="study.next"),
        Binding("u", "undo", "Undo", id="study.undo"),
        Binding("escape", "back", "Back", id="study.back"),
        *[
            Binding(letter, f"pick('{letter}')", f"Option {letter}", show=False, id=f"study.pick-{letter}")
            for letter in LETTERS[:8]
        ],
        # The card scrolls whatever has focus (the answer box keeps home/end for editing): `?` lists these.
        Binding("down", "scroll_card('down')", "Scroll down", show=False, id="study.scroll-down"),
        Binding("up", "scroll_card('up')", "Scroll up", show=False, id="study.scroll-up"),
        Binding("pagedown", "scroll_card('page_down')", "Page down", show=False, id="study.page-down"),
        Binding("pageup", "scroll_card('page_up')", "Page up", show=False, id="study.page-up"),
        Binding("end", "scroll_card('end')", "Scroll to the end", show=False, id="study.scroll-end"),
        Binding("home", "scroll_card('home')", "Scroll to the top", show=False, id="study.scroll-home"),
    ]
    # Below 20 rows the header, progress line and card border go, so the card itself keeps the room.
    VERTICAL_BREAKPOINTS = [(0, "-short"), (20, "-tall")]

    def __init__(
        self, bank: Bank, queue: StudyQueue, reviewer: Reviewer, title: str, seeds: Callable[[], int]
    ) -> None:
        super().__init__()
        self.bank, self.queue, self.reviewer = bank, queue, reviewer
        self.seeds = seeds  # a fresh seed for each review of a numeric card
        self.session_title = title
        self.phase = Phase.QUESTION
        self.current: tuple[str, Source] | None = None
        self.last_graded: Graded | None = None
        self.studied = 0
        self._shown_at = 0.0
        self._graded_seeds: dict[str, int] = {}  # card id -> seed of its last grade: undo poses it again
        # Grades, regrades and undos that met a locked database wait here (in order) and are retried.
        self.writes = PendingWrites(reviewer.db, notify=self._store_notice, schedule=self._schedule_retry)

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="study"):
            yield Static(id="progress")
            yield Container(id="card-area")
            yield Static(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.session_title
        self.show(self.queue.peek())

    # -- what is on screen ------------------------------------------------------------------

    def show(self, item: tuple[str, Source] | None, seed: int | None = None) -> None:
        """Put `item`'s card on screen, or the end-of-session message when it is None; a numeric card
        poses the problem of `seed` (after an undo), else of a fresh seed."""
        area = self.query_one("#card-area", Container)
        area.remove_children()
        self.current = item
        self.last_graded = None
        if item is not None and is_read_only(self.reviewer.db):
            item = self.current = None
            self.phase = Phase.DONE
            message = "This database is read-only: grades can't be saved, so there is no studying.\n"
            message += "Browse and Drill work."
            area.mount(Static(f"{message}\n\nPress escape to go back.", id="done"))
        elif item is None:
            self.phase = Phase.DONE
            message = (
                f"Session complete: {self.studied} card{'s' if self.studied != 1 else ''} studied."
                if self.studied
                else "Nothing is due here right now."
            )
            area.mount(Static(f"{message}\n\nPress escape to go back.", id="done"))
        else:
            card_id, _ = item
            card = self.bank.cards[card_id]
            self.phase = Phase.QUESTION
            if isinstance(card, Flashcard):
                area.mount(FlashcardView(card, reveal_key=self.key("study.reveal")))
            elif isinstance(card, ChoiceCard):
                order_seed = repo.review_count(self.reviewer.db, card_id)
                area.mount(ChoiceView(card, seed=order_seed, submit_key=self.key("study.submit")))
            elif isinstance(card, NumericCard):
                area.mount(LoadingIndicator())
                self.generate(card, self.seeds() if seed is None else seed)
            elif isinstance(card, CodeCard):
                self._show_code(area, card)
        self._shown_at = time.monotonic()
        self.update_status()
        self.refresh_bindings()

    def update_status(self, note: str = "") -> None:
        """Refresh the progress line and the status line."""
        counts = self.queue.counts()
        topic = ""
        if self.current is not None:
            topic = self.bank.topics[self.bank.topic_of[self.current[0]]].title
        self.query_one("#progress", Static).update(
            f"[b]{escape(topic)}[/b]   learning {counts.learning} · review {counts.review} · new {counts.new}"
            if topic
            else f"learning {counts.learning} · review {counts.review} · new {counts.new}"
        )
        if not note and self.writes:
            note = "[b]Not saved yet[/b]: the database is busy. Your answer is kept and retried."
        elif not note and self.phase is Phase.ANSWERED and self.last_graded is not None:
            rating = RATING_NAMES[self.last_graded.rating]
            grades, go_on = self.grade_keys(), self.key("study.next")
            note = f"Graded [b]{rating}[/b]. Press {grades} to change it, {go_on} to continue."
            if isinstance(self.current_card, CodeCard):
                note = f"Graded [b]{rating}[/b] (first run). Edit and rerun freely; esc leaves the editor, "
                note += f"then {grades} change the grade, {go_on} continues."
        elif not note and self.phase is Phase.QUESTION and isinstance(self.current_card, CodeCard):
            note = "Passing on the first run grades Good, otherwise Again."
        elif not note and self.phase is Phase.QUESTION and isinstance(self.current_card, ChoiceCard):
            keys = [self.key(f"study.pick-{letter}") for letter in LETTERS[: len(self.current_card.options)]]
            shown = f"{keys[0]}–{keys[-1]}" if keys == list(LETTERS[: len(keys)]) else "/".join(keys)
            note = f"Press {shown} to answer" + (
                f", {self.key('study.submit')} to submit." if self.current_card.multiple else "."
            )
        self.query_one("#status", Static).update(note)

    def key(self, binding_id: str) -> str:
        """The key a binding has now (the user's keymap, else the default): hints name what works."""
        default = next(b for b in self.BINDINGS if isinstance(b, Binding) and b.id == binding_id)
        keymap = getattr(getattr(self.app, "settings", None), "keymap", None) or {}
        remapped = keymap.get(binding_id)
        if not remapped and default.key_display:
            return default.key_display
        first = (remapped or default.key).split(",")[0].strip()
        if first in ("enter", "space", "tab", "escape"):
            return {"escape": "esc"}.get(first, first)  # words read better than ⏎ in a sentence
        return self.app.get_key_display(Binding(first, default.action))

    def grade_keys(self) -> str:
        """The four grade keys for a hint: "1–4" by default, else each of them ("j/k/l/;")."""
        keys = [self.key(f"study.{name}") for name in ("again", "hard", "good", "easy")]
        return "1–4" if keys == ["1", "2", "3", "4"] else "/".join(keys)

    @property
    def current_card(self) -> StudyCard | None:
        """The card on screen, if any."""
        if self.current is None:
            return None
        card = self.bank.cards[self.current[0]]
        return card if isinstance(card, StudyCard) else None

    # -- code exercises ---------------------------------------------------------------------

    def _show_code(self, area: Container, card: CodeCard) -> None:
        """Mount the exercise with a fresh seed (its tests), the time limit and the last attempt."""
        try:
            spec = spec_for(card)
        except (CodeCardError, ValueError) as error:
            self.phase = Phase.ANSWERED
            self.queue.skip(card.id)
            area.mount(Static(Text(f"This card cannot be checked: {error}"), id="problem-error"))
            return
        last = attempts.last_attempt(self.reviewer.db, card.id)
        settings = getattr(self.app, "settings", None)
        limit = float(getattr(settings, "code_time_limit", 5.0))
        area.mount(
            CodeExerciseView(spec, self.seeds(), time_limit=limit, last_attempt=last.source if last else None)
        )

    def on_code_exercise_view_ran(self, message: CodeExerciseView.Ran) -> None:
        """Keep the attempt; the first run of a review grades it: all passed → Good, else Again."""
        card = self.current_card
        if not isinstance(card, CodeCard):
            return
        try:
            attempts.save_attempt(
                self.reviewer.db, card.id, message.source, self.reviewer.clock(), message.report.passed
            )
        except sqlite3.Error as error:  # a busy or read-only file: the attempt is only a convenience
            note = f"Your code was not kept: {error}"
            self.notify(note, title="Database", severity="warning", markup=False)
        if message.first and self.phase is Phase.QUESTION:
            self._grade_code(message.report.passed, message.source)

    def on_code_exercise_view_gave_up(self, message: CodeExerciseView.GaveUp) -> None:
        """The solution was shown before any run: Again."""
        if isinstance(self.current_card, CodeCard) and self.phase is Phase.QUESTION:
            self._grade_code(False, "?")

    def _grade_code(self, passed: bool, response: str) -> None:
        view = self.query_one(CodeExerciseView)
        self.phase = Phase.ANSWERED
        self._grade(
            GOOD if passed else AGAIN,
            correct=passed,
            response=response,
            seed=view.seed,
            then=self._auto_graded,
        )
        self.update_status()
        self.refresh_bindings()

    # -- numeric problems -------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="problem")
    def generate(self, card: NumericCard, seed: int) -> None:
        """Generate the card's problem off the UI thread (the first one may import scikit-learn)."""
        try:
            self.post_message(ProblemReady(card.id, seed, make_problem(card, seed), None))
        except ProblemError as error:
            self.post_message(ProblemReady(card.id, seed, None, str(error)))

    def on_problem_ready(self, message: ProblemReady) -> None:
        """Show the generated problem, if its card is still the one on screen."""
        card = self.current_card
        if (
            not isinstance(card, NumericCard)
            or card.id != message.card_id
            or self.phase is not Phase.QUESTION
        ):
            return
        area = self.query_one("#card-area", Container)
        area.remove_children()
        if message.problem is None:
            self.phase = Phase.ANSWERED
            self.queue.skip(card.id)
            area.mount(Static(Text(f"This card cannot pose a problem: {message.error}"), id="problem-error"))
            self.update_status(
                "Skipped for this session. Press enter to go on; `quizapp validate` says more."
            )
        else:
            area.mount(NumericView(card, message.problem, message.seed))
        self.refresh_bindings()

    def on_numeric_view_answered(self, message: NumericView.Answered) -> None:
        """Auto-grade a numeric answer (correct → Good, wrong or given up → Again), stored at once."""
        correct = message.verdict is not None and message.verdict.correct
        view = self.query_one(NumericView)
        self.phase = Phase.ANSWERED
        self.set_focus(None)  # the keys 1–4, enter and u belong to the screen again
        self._grade(
            GOOD if correct else AGAIN,
            correct=correct,
            response=message.text,
            seed=view.seed,
            then=self._auto_graded,
        )
        self.update_status()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Show only the keys that do something now."""
        card = self.current_card
        phase = self.phase
        if action == "reveal":
            return isinstance(card, Flashcard) and phase is Phase.QUESTION
        if action == "grade":
            return phase is Phase.REVEALED or (phase is Phase.ANSWERED and self.last_graded is not None)
        if action == "submit":
            return isinstance(card, ChoiceCard) and card.multiple and phase is Phase.QUESTION
        if action == "next":
            return phase is Phase.ANSWERED
        if action == "pick":
            return isinstance(card, ChoiceCard) and phase is Phase.QUESTION
        if action == "undo":
            return self.reviewer.can_undo
        return True

    # -- actions ----------------------------------------------------------------------------

    def action_reveal(self) -> None:
        """Show a flashcard's back."""
        self.query_one(FlashcardView).revealed = True
        self.phase = Phase.REVEALED
        names = ("again", "hard", "good", "easy")
        grades = " · ".join(f"{self.key(f'study.{name}')} {name.title()}" for name in names)
        self.update_status(f"How well did you recall it? {grades}")
        self.refresh_bindings()

    def action_scroll_card(self, where: str) -> None:
        """Scroll the card on screen (up, down, page_up, page_down, home, end)."""
        views = self.query(".card-view")
        if views:
            getattr(views.first(), f"scroll_{where}")(animate=False)

    def action_pick(self, letter: str) -> None:
        """Pick or toggle a choice option."""
        self.query_one(ChoiceView).press_letter(letter)

    def action_submit(self) -> None:
        """Submit a multiple-answer choice."""
        self.query_one(ChoiceView).submit()

    def on_choice_view_answered(self, message: ChoiceView.Answered) -> None:
        """Auto-grade a choice: correct is Good, wrong is Again, stored at once."""
        outcome = message.outcome
        self.phase = Phase.ANSWERED
        self._grade(
            GOOD if outcome.correct else AGAIN,
            correct=outcome.correct,
            response=outcome.picked,
            then=self._auto_graded,
        )
        self.update_status()
        self.refresh_bindings()

    def action_grade(self, rating: int) -> None:
        """Self-grade a flashcard, or change the automatic grade of an answered card."""
        if self.writes and not self.writes.retry():
            return  # a grade is still waiting for the database: it goes first
        if self.phase is Phase.REVEALED:
            self._grade(rating, then=lambda _: self.show(self.queue.peek()))
        elif self.phase is Phase.ANSWERED and self.last_graded is not None:
            if self.last_graded.rating != rating:
                review_id = self.last_graded.review_id
                self.writes.submit(partial(self._regrade, review_id, rating), self._regraded)
            self.update_status()

    def action_next(self) -> None:
        """Move on from an answered card (once its grade is saved)."""
        if self._saved():
            self.show(self.queue.peek())

    def action_back(self) -> None:
        """Back to where the session started from (once every grade is saved)."""
        if self._saved():
            self.app.pop_screen()

    def action_undo(self) -> None:
        """Undo the last grade of this session and show that card again."""
        self.writes.submit(self._undo, self._undone)

    def _undo(self) -> str | repo.ReviewSuperseded | None:
        try:
            return self.reviewer.undo()
        except repo.ReviewSuperseded as error:
            return error

    def _undone(self, result: str | repo.ReviewSuperseded | None) -> None:
        if isinstance(result, repo.ReviewSuperseded):
            self.notify(f"Can't undo: {result}.", title="Undo", severity="warning", markup=False)
            self.refresh_bindings()
            return
        card_id = result
        if card_id is None:
            return
        self.studied = max(0, self.studied - 1)
        self.queue.rebuild()
        state = repo.get_card(self.reviewer.db, card_id)
        source = Source.NEW if state is None else Source.REVIEW if state.state == 2 else Source.LEARNING
        self.notify(f"Undid the last grade of “{card_id}”.", title="Undo", timeout=3)
        self.show((card_id, source), seed=self._graded_seeds.pop(card_id, None))

    # -- helpers ----------------------------------------------------------------------------

    def _grade(
        self,
        rating: int,
        *,
        correct: bool | None = None,
        response: str | None = None,
        seed: int | None = None,
        then: Callable[[Graded], None] | None = None,
    ) -> None:
        """Store a grade of the current card, then `then(graded)`; on a locked database the grade waits
        in `self.writes` (the card stays on screen) and `then` runs once it is saved."""
        assert self.current is not None
        card_id, source = self.current
        card = self.bank.cards[card_id]
        write = partial(
            self.reviewer.grade,
            card_id,
            topic=self.bank.topic_of[card_id],
            kind=card.kind,
            rating=rating,
            duration_ms=int((time.monotonic() - self._shown_at) * 1000),
            correct=correct,
            seed=seed,
            response=response,
        )

        def done(graded: Graded) -> None:
            self.queue.graded(card_id, source)
            self.studied += 1
            if seed is not None:
                self._graded_seeds[card_id] = seed
            if graded.became_leech:
                self.notify(
                    f"“{card_id}” has lapsed {graded.state.lapses} times: suspended as a leech.",
                    title="Leech",
                    severity="warning",
                )
            if then is not None:
                then(graded)

        self.writes.submit(write, done)

    def _auto_graded(self, graded: Graded) -> None:
        self.last_graded = graded
        self.update_status()
        self.refresh_bindings()

    def _regrade(self, review_id: int, rating: int) -> Graded | repo.ReviewSuperseded:
        try:
            return self.reviewer.regrade(review_id, rating)
        except repo.ReviewSuperseded as error:
            return error

    def _regraded(self, result: Graded | repo.ReviewSuperseded) -> None:
        if isinstance(result, repo.ReviewSuperseded):
            self.notify(f"Can't change the grade: {result}.", title="Grade", severity="warning", markup=False)
        else:
            self.last_graded = result
        self.update_status()

    def _saved(self) -> bool:
        """True when no write is waiting; else try once more and say why the screen stays."""
        if not self.writes or self.writes.retry():
            return True
        self.notify("Your last answer isn't saved yet: retrying.", title="Database", severity="warning")
        return False

    def _store_notice(self, text: str, warning: bool) -> None:
        self.notify(text, title="Database", severity="warning" if warning else "information", markup=False)
        if self.is_mounted:
            self.update_status()
            self.refresh_bindings()

    def _schedule_retry(self, seconds: float, callback: Callable[[], None]) -> None:
        self.set_timer(seconds, callback)

    def on_unmount(self) -> None:
        if self.writes:  # the app is quitting with a write still waiting: one last full-timeout try
            self.writes.flush()
