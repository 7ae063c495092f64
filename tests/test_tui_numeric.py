"""Pilot tests of numeric cards in Study: typed answers, verdicts, seeds, regrades, broken cards."""

from __future__ import annotations

import asyncio
from pathlib import Path

from conftest import NOW
from textual.widgets import Input

from quizapp.content.schema import NumericCard
from quizapp.problems.check import expected_text
from quizapp.problems.registry import make_problem
from quizapp.settings import Settings
from quizapp.store.db import open_db
from quizapp.tui.app import QuizApp, StudyFilter, make_app
from quizapp.tui.screens.study import Phase, StudyScreen
from quizapp.tui.widgets.numeric import NumericView

SIZE = (100, 30)
TOPIC = """\
topic: numbers
title: Numbers
summary: Numeric cards for tests.
cards:
  - id: num-third
    kind: numeric
    prompt: "What is {a} / 3? Give 3 decimals."
    params: {a: {int: [1, 2]}}
    answer: a / 3
    tolerance: {decimals: 3}
    solution: "{a} / 3 = {answer}"
  - id: num-broken
    kind: numeric
    prompt: "What is {a} / 0?"
    params: {a: 1}
    answer: a / 0
  - id: num-auc
    kind: numeric
    generator: metrics.roc_auc
"""


def _app(tmp_path: Path) -> QuizApp:
    content = tmp_path / "content"
    content.mkdir(exist_ok=True)
    (content / "numbers.yaml").write_text(TOPIC, encoding="utf-8")
    study = StudyFilter(topics=("numbers",))
    return make_app([content], tmp_path / "q.db", Settings(), now=NOW, study=study, seed=7)


def _reviews(tmp_path: Path) -> list[tuple]:
    db = open_db(tmp_path / "q.db")  # a second connection: sees only what was committed
    rows = db.execute("SELECT card_id, rating, correct, seed, response FROM reviews ORDER BY id")
    return rows.fetchall()


async def _view(app: QuizApp) -> NumericView:
    """The numeric view once the worker has generated its problem and the screen has mounted it."""
    for _ in range(100):
        await app.screen.workers.wait_for_complete()
        views = app.screen.query(NumericView)
        if views:
            return views.first()
        await asyncio.sleep(0.02)
    raise AssertionError("no numeric problem was shown")


async def _type(pilot: object, text: str) -> None:
    app = pilot.app  # type: ignore[attr-defined]
    app.screen.query_one(Input).value = text
    await pilot.press("enter")  # type: ignore[attr-defined]


async def test_correct_answer_is_good_and_records_the_seed(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        view = await _view(app)
        assert view.card.id == "num-third"
        truth = view.problem.answer
        assert isinstance(truth, float)
        await _type(pilot, f"{truth:.3f}")
        screen = app.screen
        assert isinstance(screen, StudyScreen) and screen.phase is Phase.ANSWERED
        [(card_id, rating, correct, seed, response)] = _reviews(tmp_path)
        assert (card_id, rating, correct, response) == ("num-third", 3, 1, f"{truth:.3f}")
        # the recorded seed reproduces the very problem that was shown
        card = app.bank.cards["num-third"]
        assert isinstance(card, NumericCard)
        assert make_problem(card, seed).prompt == view.problem.prompt
        assert "✓" in str(view.query_one("#verdict").render())
        assert "/ 3 =" in str(view.query_one("#solution").render())


async def test_unusable_and_imprecise_answers_are_explained_not_graded(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        view = await _view(app)
        await _type(pilot, "one third")
        assert "not a number" in str(view.query_one("#feedback").render())
        truth = float(view.problem.answer)  # type: ignore[arg-type]
        await _type(pilot, f"{truth:.1f}")
        assert "Not precise enough" in str(view.query_one("#feedback").render())
        assert _reviews(tmp_path) == []
        assert app.screen.phase is Phase.QUESTION  # type: ignore[attr-defined]


async def test_wrong_answer_is_again_and_the_grade_can_change(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        view = await _view(app)
        await _type(pilot, "5")
        assert _reviews(tmp_path)[0][:3] == ("num-third", 1, 0)
        verdict = str(view.query_one("#verdict").render())
        assert "✗" in verdict and expected_text(view.problem.answer, view.problem.tolerance) in verdict
        assert view.query_one(Input).disabled
        await pilot.press("2")  # the user disagrees: Hard
        assert [row[:3] for row in _reviews(tmp_path)] == [("num-third", 2, 0)]
        await pilot.press("u")  # undo puts the card back with the same problem, to retry it
        assert _reviews(tmp_path) == []
        again = await _view(app)
        for _ in range(100):
            if again is not view:
                break
            await asyncio.sleep(0.02)
            again = await _view(app)
        assert again is not view and again.card.id == "num-third"
        assert (again.seed, again.problem.prompt) == (view.seed, view.problem.prompt)
        await _type(pilot, "5")  # and the retry is recorded with that seed
        assert [(row[0], row[3]) for row in _reviews(tmp_path)] == [("num-third", view.seed)]


async def test_giving_up_shows_the_solution_and_grades_again(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        view = await _view(app)
        await _type(pilot, "?")
        assert _reviews(tmp_path)[0][:3] == ("num-third", 1, 0)
        assert "The answer is" in str(view.query_one("#verdict").render())


async def test_a_broken_card_is_skipped_without_a_grade(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _view(app)
        await _type(pilot, "?")
        await pilot.press("enter")  # next: num-broken cannot pose a problem
        await app.screen.workers.wait_for_complete()
        await pilot.pause()
        assert "cannot pose a problem" in str(app.screen.query_one("#problem-error").render())
        await pilot.press("1")  # grading keys do nothing for it
        assert [row[0] for row in _reviews(tmp_path)] == ["num-third"]
        await pilot.press("enter")
        assert (await _view(app)).card.id == "num-auc"  # a generator card, with sklearn behind it
