"""Scheduling: fsrs grading, leeches, undo/regrade, day boundary, queue order and daily limits."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from sqlite3 import Connection
from zoneinfo import ZoneInfo

import fsrs
import pytest
from conftest import NOW, FrozenClock

from quizapp.content.bank import Bank
from quizapp.settings import Settings
from quizapp.srs.queue import Source, StudyQueue, interleave
from quizapp.srs.scheduler import Reviewer, next_state, study_day_start
from quizapp.store import repo
from quizapp.store.repo import CardState, Review

STUDYABLE = ("flashcard", "choice", "numeric")


def _grade(reviewer: Reviewer, bank: Bank, card_id: str, rating: int) -> None:
    reviewer.grade(card_id, topic=bank.topic_of[card_id], kind=bank.cards[card_id].kind, rating=rating)


def _queue(db: Connection, bank: Bank, settings: Settings, clock: FrozenClock, **select: tuple) -> StudyQueue:
    candidates = bank.select(kinds=STUDYABLE, **select)
    return StudyQueue(db, candidates, bank.topic_of, settings, clock)


def _drain(queue: StudyQueue, reviewer: Reviewer, bank: Bank, rating: int = 3) -> list[str]:
    seen = []
    while (item := queue.peek()) is not None:
        card_id, source = item
        seen.append(card_id)
        _grade(reviewer, bank, card_id, rating)
        queue.graded(card_id, source)
        assert len(seen) < 100, "queue never ends"
    return seen


# -- grading -------------------------------------------------------------------------------------


def test_new_card_follows_fsrs_default_learning_steps() -> None:
    scheduler = fsrs.Scheduler()
    common = dict(card_id="c", topic="t", kind="flashcard", now=NOW, leech_lapses=8)
    again = next_state(scheduler, None, rating=1, **common)  # type: ignore[arg-type]
    good = next_state(scheduler, None, rating=3, **common)  # type: ignore[arg-type]
    easy = next_state(scheduler, None, rating=4, **common)  # type: ignore[arg-type]
    # fsrs' default learning steps are 1 and 10 minutes; Easy graduates straight to review.
    assert (again.state, again.step, again.due) == (1, 0, NOW + timedelta(minutes=1))
    assert (good.state, good.step, good.due) == (1, 1, NOW + timedelta(minutes=10))
    assert easy.state == 2 and easy.due >= NOW + timedelta(days=1)
    assert easy.last_review == NOW and easy.lapses == 0


def test_eighth_lapse_suspends_and_tags_a_leech() -> None:
    scheduler = fsrs.Scheduler()
    reviewed = CardState("c", "t", "flashcard", 2, None, 20.0, 5.0, NOW, NOW - timedelta(days=20), 6)
    common = dict(card_id="c", topic="t", kind="flashcard", rating=1, leech_lapses=8)
    seventh = next_state(scheduler, reviewed, now=NOW, **common)  # type: ignore[arg-type]
    assert (seventh.lapses, seventh.suspended, seventh.leech) == (7, False, False)
    back_in_review = replace(seventh, state=2, step=None)
    eighth = next_state(scheduler, back_in_review, now=NOW, **common)  # type: ignore[arg-type]
    assert (eighth.lapses, eighth.suspended, eighth.leech) == (8, True, True)


def test_again_on_a_learning_card_is_not_a_lapse() -> None:
    learning = CardState("c", "t", "flashcard", 1, 0, 1.0, 5.0, NOW, NOW, 0)
    after = next_state(
        fsrs.Scheduler(),
        learning,
        card_id="c",
        topic="t",
        kind="flashcard",
        rating=1,
        now=NOW,
        leech_lapses=8,
    )
    assert after.lapses == 0


def test_reviewer_undo_and_regrade(
    db: Connection, bank: Bank, settings: Settings, clock: FrozenClock
) -> None:
    reviewer = Reviewer(db, settings, clock)
    assert not reviewer.can_undo and reviewer.undo() is None
    _grade(reviewer, bank, "alpha-one", 3)
    after_first = repo.get_card(db, "alpha-one")
    clock.advance(minutes=10)
    graded = reviewer.grade("alpha-one", topic="alpha", kind="flashcard", rating=1)
    assert reviewer.undo() == "alpha-one"
    assert repo.get_card(db, "alpha-one") == after_first
    assert db.execute("SELECT count(*) FROM reviews").fetchone()[0] == 1

    regraded = reviewer.regrade(
        reviewer.grade("alpha-one", topic="alpha", kind="flashcard", rating=1).review_id, 4
    )
    rows = db.execute("SELECT rating FROM reviews ORDER BY id").fetchall()
    assert rows == [(3,), (4,)]
    direct = next_state(
        reviewer.scheduler,
        after_first,
        card_id="alpha-one",
        topic="alpha",
        kind="flashcard",
        rating=4,
        now=clock(),
        leech_lapses=8,
    )
    assert regraded.state.state == direct.state and regraded.state.step == direct.step
    assert regraded.state.stability == pytest.approx(direct.stability)
    assert graded.rating == 1 and regraded.rating == 4
    # undo after a regrade removes the regraded review, not a stale id
    assert reviewer.undo() == "alpha-one"
    assert db.execute("SELECT rating FROM reviews").fetchall() == [(3,)]


def test_regrading_a_first_review_keeps_the_card(
    db: Connection, settings: Settings, clock: FrozenClock
) -> None:
    reviewer = Reviewer(db, settings, clock)
    first = reviewer.grade("alpha-two", topic="alpha", kind="choice", rating=1, correct=False, response="1")
    regraded = reviewer.regrade(first.review_id, 3)
    row = db.execute("SELECT rating, correct, response, state_before FROM reviews").fetchall()
    assert row == [(3, 0, "1", repo.NEW)]
    assert regraded.state.kind == "choice" and regraded.state.step == 1


# -- day boundary --------------------------------------------------------------------------------


def test_study_day_starts_at_four_local_time() -> None:
    paris = ZoneInfo("Europe/Paris")
    just_before = datetime(2026, 3, 2, 3, 59, tzinfo=paris)
    at_four = datetime(2026, 3, 2, 4, 0, tzinfo=paris)
    assert study_day_start(just_before, 4, paris) == datetime(2026, 3, 1, 4, 0, tzinfo=paris)
    assert study_day_start(at_four, 4, paris) == at_four
    assert study_day_start(at_four, 4, paris).tzinfo is UTC


# -- queue ---------------------------------------------------------------------------------------


def test_interleave_round_robins_groups() -> None:
    assert interleave([["a1", "a2", "a3"], ["b1"], ["c1", "c2"]]) == ["a1", "b1", "c1", "a2", "c2", "a3"]


def test_new_cards_in_bank_order_interleaving_topics(
    db: Connection, bank: Bank, settings: Settings, clock: FrozenClock
) -> None:
    queue = _queue(db, bank, settings, clock)
    assert queue.peek() == ("alpha-one", Source.NEW)
    assert queue.counts().new == 6  # the code card is not studyable yet
    order = []
    while (item := queue.peek()) is not None and item[1] is Source.NEW:
        order.append(item[0])
        queue.graded(item[0], item[1])
    assert order == ["alpha-one", "beta-one", "alpha-two", "beta-two", "alpha-three", "alpha-four"]


def test_queue_order_learning_then_reviews_by_retrievability_then_new(
    db: Connection, bank: Bank, settings: Settings, clock: FrozenClock
) -> None:
    def review_state(card_id: str, stability: float, days_ago: int) -> CardState:
        last = NOW - timedelta(days=days_ago)
        return CardState(card_id, bank.topic_of[card_id], "flashcard", 2, None, stability, 5.0, NOW, last)

    # beta-one: 10 days since review with stability 5 (t/S = 2), alpha-one: 30 days, S = 60 (0.5)
    repo.record_review(db, None, review_state("alpha-one", 60.0, 30), Review("alpha-one", NOW, 3))
    repo.record_review(db, None, review_state("beta-one", 5.0, 10), Review("beta-one", NOW, 3))
    learning = CardState("beta-two", "beta", "flashcard", 3, 0, 1.0, 5.0, NOW - timedelta(minutes=1), NOW)
    repo.record_review(db, None, learning, Review("beta-two", NOW, 1))
    queue = _queue(db, bank, settings, clock)
    assert queue.counts().learning == 1 and queue.counts().review == 2
    seen = []
    while (item := queue.peek()) is not None and len(seen) < 5:
        seen.append(item)
        queue.graded(*item)
        if item[1] is Source.LEARNING:  # pretend it graduated
            repo.record_review(
                db,
                learning,
                replace(learning, state=2, due=NOW + timedelta(days=3)),
                Review("beta-two", NOW, 3),
            )
    assert seen == [
        ("beta-two", Source.LEARNING),
        ("beta-one", Source.REVIEW),  # lower retrievability first
        ("alpha-one", Source.REVIEW),
        ("alpha-two", Source.NEW),
        ("alpha-three", Source.NEW),
    ]


def test_new_card_limit_counts_cards_started_this_study_day(
    db: Connection, bank: Bank, clock: FrozenClock
) -> None:
    settings = Settings(new_per_day=2)
    reviewer = Reviewer(db, settings, clock)
    clock.now = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # before 04:00: still yesterday's study day
    _grade(reviewer, bank, "alpha-one", 4)
    clock.now = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
    queue = _queue(db, bank, settings, clock)
    assert queue.counts().new == 2
    _grade(reviewer, bank, "beta-one", 4)
    queue = _queue(db, bank, settings, clock)
    assert queue.counts().new == 1
    assert _drain(queue, reviewer, bank, rating=4) == ["alpha-two"]


def test_review_limit(db: Connection, bank: Bank, clock: FrozenClock) -> None:
    settings = Settings(reviews_per_day=1, new_per_day=0)
    for card_id in ("alpha-one", "beta-one", "beta-two"):
        state = CardState(
            card_id, bank.topic_of[card_id], "flashcard", 2, None, 3.0, 5.0, NOW, NOW - timedelta(days=3)
        )
        repo.record_review(db, None, state, Review(card_id, NOW - timedelta(days=3), 3))
    reviewer = Reviewer(db, settings, clock)
    queue = _queue(db, bank, settings, clock)
    assert queue.counts().review == 1
    assert len(_drain(queue, reviewer, bank, rating=4)) == 1


def test_suspended_cards_are_never_queued(
    db: Connection, bank: Bank, settings: Settings, clock: FrozenClock
) -> None:
    state = CardState("alpha-one", "alpha", "flashcard", 2, None, 3.0, 5.0, NOW, NOW - timedelta(days=3))
    repo.record_review(db, None, state, Review("alpha-one", NOW - timedelta(days=3), 3))
    repo.set_card_suspended(db, "alpha-one", "alpha", "flashcard", True, NOW)
    queue = _queue(db, bank, settings, clock, topics=("alpha",))
    assert queue.counts().review == 0
    assert "alpha-one" not in _drain(queue, Reviewer(db, settings, clock), bank, rating=4)


def test_learning_cards_come_back_and_learn_ahead(
    db: Connection, bank: Bank, settings: Settings, clock: FrozenClock
) -> None:
    reviewer = Reviewer(db, Settings(new_per_day=1), clock)
    queue = _queue(db, bank, Settings(new_per_day=1), clock, topics=("beta",))
    card_id, source = queue.peek()  # type: ignore[misc]
    _grade(reviewer, bank, card_id, 3)  # Good on a new card: due again in 10 minutes
    queue.graded(card_id, source)
    assert queue.peek() == (card_id, Source.LEARNING)  # within the 20-minute learn-ahead window
    queue.settings = Settings(new_per_day=1, learn_ahead_minutes=5)
    assert queue.peek() is None
    clock.advance(minutes=10)
    assert queue.peek() == (card_id, Source.LEARNING)


def test_filters_by_topic_and_tag(bank: Bank) -> None:
    assert bank.select(topics=("beta",)) == ["beta-one", "beta-two", "beta-code"]
    assert bank.select(tags=("order",)) == ["beta-two"]
    assert bank.select(tags=("greek",), kinds=("choice",)) == ["alpha-two", "alpha-three"]


def test_learning_count_includes_steps_due_later_today(
    db: Connection, bank: Bank, settings: Settings, clock: FrozenClock
) -> None:
    reviewer = Reviewer(db, settings, clock)
    queue = _queue(db, bank, settings, clock, topics=("beta",))
    _grade(reviewer, bank, "beta-one", 3)  # due again in 10 minutes
    queue.graded("beta-one", Source.NEW)
    assert queue.counts().learning == 1
    assert queue.learning_due() == []  # not due yet, but still today's work


def test_cards_gone_from_the_bank_keep_their_history_and_are_not_offered(
    db: Connection, bank: Bank, settings: Settings, clock: FrozenClock
) -> None:
    from quizapp.srs.stats import topic_counts

    overdue = CardState("retired", "beta", "flashcard", 2, None, 3.0, 5.0, NOW, NOW - timedelta(days=9))
    repo.record_review(db, None, overdue, Review("retired", NOW - timedelta(days=9), 3))
    queue = _queue(db, bank, settings, clock)
    assert "retired" not in _drain(queue, Reviewer(db, settings, clock), bank)
    assert topic_counts(db, bank, NOW)["beta"].due == 0
    assert repo.get_card(db, "retired") == overdue
    assert repo.review_count(db, "retired") == 1


def test_a_reset_card_is_studied_as_new_from_scratch_and_undo_restores_the_reset(
    db: Connection, bank: Bank, settings: Settings, clock: FrozenClock
) -> None:
    state = CardState("alpha-one", "alpha", "flashcard", 2, None, 30.0, 5.0, NOW, NOW - timedelta(days=30), 2)
    repo.record_review(db, None, state, Review("alpha-one", NOW - timedelta(days=30), 3))
    repo.reset_card(db, "alpha-one", NOW)
    queue = _queue(db, bank, settings, clock, topics=("alpha",))
    assert queue.peek() == ("alpha-one", Source.NEW)
    assert queue.counts().review == 0
    reviewer = Reviewer(db, settings, clock)
    _grade(reviewer, bank, "alpha-one", 3)
    after = repo.get_card(db, "alpha-one")
    assert after is not None and after.state == 1 and after.step == 1 and after.lapses == 0  # fsrs step 2
    assert repo.count_reviews_since(db, NOW - timedelta(hours=1), repo.NEW) == 1  # counts as a new card
    reviewer.undo()
    restored = repo.get_card(db, "alpha-one")
    assert restored is not None and restored.state == repo.NEW
