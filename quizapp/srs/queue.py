"""What to study next: due learning cards, then due reviews (least retrievable first), then new cards."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import zip_longest
from sqlite3 import Connection

from quizapp.settings import Settings
from quizapp.srs.scheduler import Clock, study_day_start, utcnow
from quizapp.store import repo

LEARNING, REVIEW, RELEARNING = 1, 2, 3


class Source(StrEnum):
    """Why a card is in the queue."""

    LEARNING = "learning"
    REVIEW = "review"
    NEW = "new"


@dataclass(frozen=True)
class Counts:
    """How many cards of each source are left today (within the daily limits)."""

    learning: int
    review: int
    new: int

    @property
    def total(self) -> int:
        """All cards left."""
        return self.learning + self.review + self.new


def interleave(groups: Iterable[Sequence[str]]) -> list[str]:
    """Round-robin over groups: first of each, then second of each, and so on."""
    return [item for row in zip_longest(*groups) for item in row if item is not None]


def new_card_order(card_ids: Sequence[str], topic_of: dict[str, str]) -> list[str]:
    """New cards in bank order, interleaving topics so a session mixes subjects."""
    by_topic: dict[str, list[str]] = {}
    for card_id in card_ids:
        by_topic.setdefault(topic_of[card_id], []).append(card_id)
    return interleave(by_topic.values())


class StudyQueue:
    """The cards of one study session, over a fixed candidate set (a topic, tag, or everything).

    Due reviews and new cards are listed once when built; learning cards are looked up each time,
    since their short steps fall due during the session."""

    def __init__(
        self,
        db: Connection,
        candidates: Sequence[str],
        topic_of: dict[str, str],
        settings: Settings,
        clock: Clock = utcnow,
    ) -> None:
        self.db, self.settings, self.clock = db, settings, clock
        self.candidates = list(candidates)
        self._wanted = frozenset(self.candidates)
        self.topic_of = topic_of
        self.rebuild()

    def rebuild(self) -> None:
        """Recompute the due reviews, new cards and remaining daily limits from the store."""
        now = self.clock()
        wanted = self._wanted
        day_start = study_day_start(now, self.settings.day_starts_at)
        self.new_left = max(
            0, self.settings.new_per_day - repo.count_reviews_since(self.db, day_start, repo.NEW)
        )
        self.reviews_left = max(
            0, self.settings.reviews_per_day - repo.count_reviews_since(self.db, day_start, REVIEW)
        )
        known = repo.known_card_ids(self.db)
        due_reviews = [
            (card_id, _overdue_ratio(now, last_review, stability))
            for card_id, last_review, stability in repo.due_reviews(self.db, now, REVIEW)
            if card_id in wanted
        ]
        due_reviews.sort(key=lambda item: -item[1])  # lowest retrievability = largest t/S first
        self._reviews = deque(card_id for card_id, _ in due_reviews)
        fresh = [card_id for card_id in self.candidates if card_id not in known and card_id in wanted]
        self._new = deque(new_card_order(fresh, self.topic_of))

    def learning_due(self, ahead: timedelta = timedelta(0)) -> list[str]:
        """Learning and relearning cards due by now + `ahead`, soonest first."""
        due = repo.due_ids(self.db, self.clock() + ahead, (LEARNING, RELEARNING))
        return [card_id for card_id in due if card_id in self._wanted]

    def counts(self) -> Counts:
        """Cards left today within the limits (learning: those due before the study day ends)."""
        now = self.clock()
        day_end = study_day_start(now, self.settings.day_starts_at) + timedelta(days=1)
        return Counts(
            learning=len(self.learning_due(day_end - now)),
            review=min(len(self._reviews), self.reviews_left),
            new=min(len(self._new), self.new_left),
        )

    def peek(self) -> tuple[str, Source] | None:
        """The next card and why it is due, without taking it; None when the session is done."""
        learning = self.learning_due()
        if learning:
            return learning[0], Source.LEARNING
        if self._reviews and self.reviews_left > 0:
            return self._reviews[0], Source.REVIEW
        if self._new and self.new_left > 0:
            return self._new[0], Source.NEW
        ahead = self.learning_due(timedelta(minutes=self.settings.learn_ahead_minutes))
        if ahead:
            return ahead[0], Source.LEARNING
        return None

    def graded(self, card_id: str, source: Source) -> None:
        """Account for a grade of `card_id` shown from `source`."""
        if source is Source.REVIEW:
            self._discard(self._reviews, card_id)
            self.reviews_left -= 1
        elif source is Source.NEW:
            self._discard(self._new, card_id)
            self.new_left -= 1

    def skip(self, card_id: str) -> None:
        """Leave `card_id` out of the rest of this session, ungraded (e.g. a card that cannot be shown)."""
        self._wanted = self._wanted - {card_id}
        self._discard(self._reviews, card_id)
        self._discard(self._new, card_id)

    @staticmethod
    def _discard(items: deque[str], card_id: str) -> None:
        with suppress(ValueError):
            items.remove(card_id)


def _overdue_ratio(now: datetime, last_review: datetime | None, stability: float | None) -> float:
    """Elapsed days over stability: FSRS retrievability falls monotonically as this grows."""
    if last_review is None or not stability:
        return float("inf")
    return (now - last_review).total_seconds() / 86400 / stability
