"""Grading: the fsrs reference Scheduler turns a rating into the card's next state, stored atomically."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, tzinfo
from sqlite3 import Connection
from typing import TYPE_CHECKING

from quizapp.settings import Settings
from quizapp.store import repo
from quizapp.store.db import write_transaction
from quizapp.store.repo import CardState, Review

if TYPE_CHECKING:
    import fsrs

Clock = Callable[[], datetime]
RATING_NAMES = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}


def utcnow() -> datetime:
    """The current time, timezone-aware UTC (the only kind fsrs accepts)."""
    return datetime.now(UTC)


def study_day_start(now: datetime, starts_at_hour: int, tz: tzinfo | None = None) -> datetime:
    """The UTC instant the current study day began: today at `starts_at_hour` local time, or yesterday."""
    local = now.astimezone(tz)
    start = local.replace(hour=starts_at_hour, minute=0, second=0, microsecond=0)
    if local < start:
        start -= timedelta(days=1)
    return start.astimezone(UTC)


def make_scheduler(settings: Settings) -> fsrs.Scheduler:
    """The fsrs Scheduler for these settings. fsrs is imported here, at the first grade, not at start."""
    import fsrs

    parameters = settings.fsrs_parameters or fsrs.scheduler.DEFAULT_PARAMETERS  # fitted: `quizapp optimize`
    return fsrs.Scheduler(parameters=parameters, desired_retention=settings.desired_retention)


def next_state(
    scheduler: fsrs.Scheduler,
    before: CardState | None,
    *,
    card_id: str,
    topic: str,
    kind: str,
    rating: int,
    now: datetime,
    leech_lapses: int,
) -> CardState:
    """The card's state after `rating` at `now`; a lapse past the threshold makes it a suspended leech."""
    import fsrs

    now = now.astimezone(UTC)
    if before is None or before.state == repo.NEW:  # never reviewed, or reset to new
        card = fsrs.Card(card_id=0, due=now)  # an explicit id: fsrs sleeps 1 ms to invent one
    else:
        card = fsrs.Card(
            card_id=0,
            state=fsrs.State(before.state),
            step=before.step,
            stability=before.stability,
            difficulty=before.difficulty,
            due=before.due,
            last_review=before.last_review,
        )
    reviewed, _ = scheduler.review_card(card, fsrs.Rating(rating), review_datetime=now)
    lapsed = before is not None and before.state == fsrs.State.Review and rating == fsrs.Rating.Again
    lapses = (before.lapses if before else 0) + int(lapsed)
    becomes_leech = lapsed and lapses >= leech_lapses
    return CardState(
        card_id=card_id,
        topic=topic,
        kind=kind,
        state=int(reviewed.state),
        step=reviewed.step,
        stability=reviewed.stability,
        difficulty=reviewed.difficulty,
        due=reviewed.due,
        last_review=reviewed.last_review,
        lapses=lapses,
        suspended=(before.suspended if before else False) or becomes_leech,
        leech=(before.leech if before else False) or becomes_leech,
    )


@dataclass(frozen=True)
class Graded:
    """What a grade did: the stored review's id and the card's new state."""

    review_id: int
    rating: int
    state: CardState
    became_leech: bool


class Reviewer:
    """Grades cards into the store and remembers this session's grades for undo."""

    def __init__(self, db: Connection, settings: Settings, clock: Clock = utcnow) -> None:
        self.db, self.clock = db, clock
        self.settings = settings
        self._undo_stack: list[int] = []

    @property
    def settings(self) -> Settings:
        """The settings grades follow; setting them makes the next grade use a new scheduler."""
        return self._settings

    @settings.setter
    def settings(self, settings: Settings) -> None:
        self._settings = settings
        self._scheduler: fsrs.Scheduler | None = None

    @property
    def scheduler(self) -> fsrs.Scheduler:
        """The fsrs Scheduler for the current settings, made at the first grade (fsrs costs ~12 ms)."""
        if self._scheduler is None:
            self._scheduler = make_scheduler(self._settings)
        return self._scheduler

    @scheduler.setter
    def scheduler(self, scheduler: fsrs.Scheduler) -> None:
        """Use `scheduler` until the settings change (a test's scheduler without fuzzing)."""
        self._scheduler = scheduler

    def grade(
        self,
        card_id: str,
        *,
        topic: str,
        kind: str,
        rating: int,
        duration_ms: int | None = None,
        correct: bool | None = None,
        seed: int | None = None,
        response: str | None = None,
    ) -> Graded:
        """Schedule and store one review: the card is read and written in one `BEGIN IMMEDIATE`
        transaction, so a grade from another process can't slip in between and be overwritten.

        Raises sqlite3.OperationalError ("database is locked") when another writer holds the lock past
        the busy timeout: nothing was written, and the same call may simply be made again."""
        with write_transaction(self.db):
            now = self.clock().astimezone(UTC)  # once the lock is held: review times follow commit order
            review = Review(card_id, now, rating, duration_ms, correct, seed, response)
            before = repo.get_card(self.db, card_id)
            graded = self._store(before, review, topic=topic, kind=kind)
        self._undo_stack.append(graded.review_id)
        return graded

    def regrade(self, review_id: int, rating: int) -> Graded:
        """Replace the rating of a review just made (the user overrode an automatic grade).

        Raises KeyError for an unknown review, `repo.ReviewSuperseded` when the card was graded since."""
        with write_transaction(self.db):
            stored = repo.get_review(self.db, review_id)
            if stored is None:
                raise KeyError(f"no review {review_id}")
            current = repo.get_card(self.db, stored.card_id)
            assert current is not None, "a reviewed card always has a state row"
            card_id, review = stored.card_id, replace(stored, rating=rating)
            repo.undo_review(self.db, review_id)
            before = repo.get_card(self.db, card_id)
            graded = self._store(before, review, topic=current.topic, kind=current.kind)
        self._undo_stack = [graded.review_id if r == review_id else r for r in self._undo_stack]
        return graded

    def undo(self) -> str | None:
        """Undo this session's last grade; returns the card id, or None if nothing is left to undo.

        A grade leaves the undo list only once undone (or found gone), so a locked database loses
        nothing: call again. Raises `repo.ReviewSuperseded` (and forgets that grade) when the card was
        graded again elsewhere since."""
        while self._undo_stack:
            review_id = self._undo_stack[-1]
            try:
                card_id = repo.undo_review(self.db, review_id)
            except repo.ReviewSuperseded:
                self._undo_stack.pop()
                raise
            self._undo_stack.pop()
            if card_id is not None:
                return card_id
        return None

    @property
    def can_undo(self) -> bool:
        """True when this session has a grade to undo."""
        return bool(self._undo_stack)

    def _store(self, before: CardState | None, review: Review, *, topic: str, kind: str) -> Graded:
        after = next_state(
            self.scheduler,
            before,
            card_id=review.card_id,
            topic=topic,
            kind=kind,
            rating=review.rating,
            now=review.reviewed_at,
            leech_lapses=self.settings.leech_lapses,
        )
        review_id = repo.record_review(self.db, before, after, review)
        return Graded(review_id, review.rating, after, after.leech and not (before and before.leech))
