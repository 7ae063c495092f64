"""Counts for the dashboard, computed by SQL over the store and mapped onto the bank."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from quizapp.content.bank import Bank
from quizapp.settings import Settings
from quizapp.srs.scheduler import study_day_start
from quizapp.store import repo


@dataclass(frozen=True)
class TopicCounts:
    """Due (learning + review, not suspended), never-reviewed, and all cards of a topic."""

    due: int = 0
    new: int = 0
    total: int = 0


def topic_counts(
    db: Database, bank: Bank, now: datetime, kinds: Collection[str] = ()
) -> dict[str, TopicCounts]:
    """Counts per topic id, for every topic in the bank, over cards of `kinds` (all when empty)."""
    due: dict[str, int] = {}
    for card_id in repo.due_ids(db, now):
        owner = bank.topic_of.get(card_id)
        if owner is not None and (not kinds or bank.cards[card_id].kind in kinds):
            due[owner] = due.get(owner, 0) + 1
    known = repo.known_card_ids(db)
    result: dict[str, TopicCounts] = {}
    for topic_id, topic in bank.topics.items():
        ids = [c for c in topic.card_ids if not kinds or bank.cards[c].kind in kinds]
        fresh = sum(card_id not in known for card_id in ids)
        result[topic_id] = TopicCounts(due.get(topic_id, 0), fresh, len(ids))
    return result


@dataclass(frozen=True)
class Today:
    """Today's activity: reviews done and new cards started since the study day began."""

    reviewed: int
    new_started: int


def today(db: Database, settings: Settings, now: datetime) -> Today:
    """What the user did since the start of the current study day."""
    reviewed, new_started = repo.reviews_since(db, study_day_start(now, settings.day_starts_at))
    return Today(reviewed, new_started)
