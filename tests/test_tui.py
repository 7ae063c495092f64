"""Headless Pilot tests of Home and Study: what the user does, checked in SQLite."""

from __future__ import annotations

from pathlib import Path

from conftest import FIXTURE_BANK, NOW
from textual.widgets import DataTable

from quizapp.settings import Settings
from quizapp.store.db import open_db
from quizapp.tui.app import QuizApp, StudyFilter, make_app
from quizapp.tui.screens.home import HomeScreen
from quizapp.tui.screens.study import Phase, StudyScreen
from quizapp.tui.widgets.choice import ChoiceView
from quizapp.tui.widgets.flashcard import FlashcardView

SIZE = (100, 30)


def _app(tmp_path: Path, study: StudyFilter | None = None, **settings: object) -> QuizApp:
    return make_app([FIXTURE_BANK], tmp_path / "q.db", Settings(**settings), now=NOW, study=study)  # type: ignore[arg-type]


def _reviews(tmp_path: Path) -> list[tuple]:
    db = open_db(tmp_path / "q.db")  # a second connection: sees only what was committed
    return db.execute("SELECT card_id, rating, correct, response FROM reviews ORDER BY id").fetchall()


def _home_row(app: QuizApp, topic: str) -> list[str]:
    table = app.screen.query_one("#topics", DataTable)
    return [str(cell) for cell in table.get_row(topic)]


async def test_home_lists_topics_with_counts(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, HomeScreen)
        await app.workers.wait_for_complete()  # Home counts in a worker
        await pilot.pause()
        assert _home_row(app, "alpha") == ["Alpha topic", "·", "4", "4", "—"]
        # beta-code is a code card: not studyable until the sandbox exists, so not counted
        assert _home_row(app, "beta") == ["Beta topic", "·", "3", "3", "—"]  # beta-code is studied too


async def test_study_a_flashcard_end_to_end(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")  # the highlighted topic: Alpha (sorted by title)
        screen = app.screen
        assert isinstance(screen, StudyScreen)
        view = screen.query_one(FlashcardView)
        assert view.card.id == "alpha-one" and not view.revealed
        await pilot.press("3")  # grading before revealing does nothing
        assert _reviews(tmp_path) == []
        await pilot.press("space")
        assert view.revealed and screen.phase is Phase.REVEALED
        await pilot.press("3")
        assert _reviews(tmp_path) == [("alpha-one", 3, None, None)]
        assert screen.query_one(ChoiceView).card.id == "alpha-two"
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
        await app.workers.wait_for_complete()  # Home recounts in a worker
        await pilot.pause()
        assert _home_row(app, "alpha")[2] == "3"  # one card less is new


async def test_choice_is_auto_graded_and_the_grade_can_change(tmp_path: Path) -> None:
    app = _app(tmp_path, study=StudyFilter(topics=("alpha",)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "4")  # alpha-one
        screen = app.screen
        assert isinstance(screen, StudyScreen)
        view = screen.query_one(ChoiceView)
        await pilot.press("c")  # "Omega": wrong (options unshuffled in the fixture)
        assert screen.phase is Phase.ANSWERED
        assert _reviews(tmp_path)[-1] == ("alpha-two", 1, 0, "2")
        assert all(row.answered for row in view.rows)
        assert "your answer" in str(view.rows[2].query_one(".option-body").render())
        await pilot.press("2")  # the user disagrees: Hard instead of Again
        assert _reviews(tmp_path)[-1] == ("alpha-two", 2, 0, "2")
        assert len(_reviews(tmp_path)) == 2
        await pilot.press("enter")
        assert screen.query_one(ChoiceView).card.id == "alpha-three"


async def test_multiple_answer_choice_needs_the_exact_set(tmp_path: Path) -> None:
    app = _app(tmp_path, study=StudyFilter(topics=("alpha",)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "4", "b", "enter")  # alpha-one, then alpha-two right
        view = app.screen.query_one(ChoiceView)
        await pilot.press("enter")  # nothing selected: nothing to submit
        await pilot.press("a", "c", "c")  # toggling c twice leaves only a selected
        assert [row.selected for row in view.rows] == [True, False, False]
        assert app.screen.phase is Phase.QUESTION  # type: ignore[attr-defined]
        await pilot.press("c", "enter")
        assert _reviews(tmp_path)[-1] == ("alpha-three", 3, 1, "0,2")


async def test_undo_restores_the_card_and_shows_it_again(tmp_path: Path) -> None:
    app = _app(tmp_path, study=StudyFilter(topics=("beta",)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "1")
        assert _reviews(tmp_path) == [("beta-one", 1, None, None)]
        await pilot.press("u")
        assert _reviews(tmp_path) == []
        screen = app.screen
        assert screen.query_one(FlashcardView).card.id == "beta-one"
        assert open_db(tmp_path / "q.db").execute("SELECT count(*) FROM cards").fetchone()[0] == 0
        await pilot.press("u")  # nothing left to undo: no error, nothing changes
        assert screen.query_one(FlashcardView).card.id == "beta-one"


async def test_session_ends_and_quitting_loses_no_grade(tmp_path: Path) -> None:
    app = _app(tmp_path, study=StudyFilter(topics=("beta",)), new_per_day=1)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "4")  # Easy: graduates, nothing else allowed today
        screen = app.screen
        assert isinstance(screen, StudyScreen) and screen.phase is Phase.DONE
        assert "1 card studied" in str(screen.query_one("#done").render())
        await pilot.press("ctrl+q")
    assert _reviews(tmp_path) == [("beta-one", 4, None, None)]


async def test_content_problems_are_reported_on_start(tmp_path: Path) -> None:
    broken = tmp_path / "content"
    broken.mkdir()
    (broken / "bad.yaml").write_text("topic: bad\ntitle: [\n", encoding="utf-8")
    app = make_app([FIXTURE_BANK, broken], tmp_path / "q.db", Settings(), now=NOW)
    async with app.run_test(size=SIZE):
        assert any("quizapp validate" in n.message for n in app._notifications)
        assert set(app.bank.topics) == {"alpha", "beta"}


async def test_multiple_answer_choice_with_a_missing_option_is_wrong(tmp_path: Path) -> None:
    app = _app(tmp_path, study=StudyFilter(topics=("alpha",)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "4", "b", "enter", "a", "enter")
        assert _reviews(tmp_path)[-1] == ("alpha-three", 1, 0, "0")


async def test_home_with_an_empty_bank_says_how_to_add_topics(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    app = make_app([empty], tmp_path / "q.db", Settings(), now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()  # the counts, made once Home is drawn
        await pilot.pause()
        assert "No topics found" in str(app.screen.query_one("#topic-summary").render())
        await pilot.press("enter", "a")  # studying nothing shows the end screen, not an error
        assert "Nothing is due" in str(app.screen.query_one("#done").render())


async def test_author_text_with_brackets_is_shown_as_written(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    (content / "scores.yaml").write_text(
        "topic: scores\ntitle: Scores in [0, 1]\n"
        "summary: 'Probabilities live in [0, 1] and [b]not[/b] markup.'\n"
        "cards:\n  - {id: s-one, kind: flashcard, front: 'Range of [p]?', back: '[0, 1]'}\n",
        encoding="utf-8",
    )
    app = make_app([content], tmp_path / "q.db", Settings(), now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        assert _home_row(app, "scores")[0] == "Scores in [0, 1]"
        summary = str(app.screen.query_one("#topic-summary").render())
        assert "[b]not[/b]" in summary
        await pilot.press("enter")
        assert "Scores in [0, 1]" in str(app.screen.query_one("#progress").render())
