"""Pilot tests of code cards in Study (the editor, a run in a worker, the grade and the kept attempt) and in
Browse's preview (the stub in a read-only editor)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from conftest import NOW
from textual.widgets import TextArea

from quizapp.settings import Settings
from quizapp.store.attempts import last_attempt
from quizapp.store.db import open_db
from quizapp.tui.app import QuizApp, StudyFilter, make_app
from quizapp.tui.screens.study import Phase, StudyScreen
from quizapp.tui.widgets.code_exercise import CodeExerciseView

SIZE = (100, 30)
TOPIC = """\
topic: coding
title: Coding
summary: Code cards for tests.
cards:
  - id: code-softmax
    kind: code
    task: softmax
    prompt: Implement a numerically stable softmax over the last axis.
"""
SOLUTION = """\
import numpy as np


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
"""
NAIVE = """\
import numpy as np


def softmax(x):
    return np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True)
"""


def _app(tmp_path: Path) -> QuizApp:
    content = tmp_path / "content"
    content.mkdir(exist_ok=True)
    (content / "coding.yaml").write_text(TOPIC, encoding="utf-8")
    settings = Settings(code_time_limit=2)
    return make_app(
        [content], tmp_path / "q.db", settings, now=NOW, study=StudyFilter(topics=("coding",)), seed=7
    )


def _reviews(tmp_path: Path) -> list[tuple]:
    db = open_db(tmp_path / "q.db")
    return db.execute("SELECT card_id, rating, correct, seed, response FROM reviews ORDER BY id").fetchall()


async def _run(pilot, view: CodeExerciseView) -> None:  # type: ignore[no-untyped-def]
    runs = view.runs
    await pilot.press("ctrl+r")
    for _ in range(500):
        await pilot.app.screen.workers.wait_for_complete()
        await pilot.pause()
        if view.runs > runs:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the run never finished")


async def test_correct_solution_typed_in_the_editor_grades_good(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, StudyScreen)
        view = screen.query_one(CodeExerciseView)
        editor = view.query_one(TextArea)
        assert "raise NotImplementedError" in editor.text and app.focused is editor
        editor.load_text("")
        await pilot.press(*"import numpy as np", "enter", "enter")
        editor.insert(SOLUTION.split("\n\n\n", 1)[1])  # typing keys auto-indents; insert the body as text
        await _run(pilot, view)
        assert "all 5 tests passed" in str(view.query_one("#results").render())
        assert screen.phase is Phase.ANSWERED
    rows = _reviews(tmp_path)
    assert [(r[0], r[1], r[2]) for r in rows] == [("code-softmax", 3, 1)]
    assert rows[0][3] == view.seed and "np.exp(x - x.max" in rows[0][4]
    kept = last_attempt(open_db(tmp_path / "q.db"), "code-softmax")
    assert kept is not None and kept.passed and "x.max" in kept.source


async def test_failing_first_run_is_again_even_if_fixed_later_and_regrade_works(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        view = app.screen.query_one(CodeExerciseView)
        view.query_one(TextArea).load_text(NAIVE)
        await _run(pilot, view)
        report_text = str(view.query_one("#results").render())
        assert "First failure" in report_text and "expected:" in report_text and "float64" in report_text
        view.query_one(TextArea).load_text(SOLUTION)
        await _run(pilot, view)
        assert "all 5 tests passed" in str(view.query_one("#results").render())
        await pilot.press("escape")  # leave the editor: the screen's keys work again
        assert not isinstance(app.focused, TextArea)
        await pilot.press("2")
        await pilot.pause()
    assert [(r[1], r[2]) for r in _reviews(tmp_path)] == [(2, 0)]


async def test_last_attempt_is_offered_next_time(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        view = app.screen.query_one(CodeExerciseView)
        view.query_one(TextArea).load_text(NAIVE)
        await _run(pilot, view)
    app = _app(tmp_path)  # same database; the card is due again (learning step) in a new session
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        views = screen.query(CodeExerciseView)
        assert views, "the code card should be shown again"
        view = views.first()
        assert view.last_attempt == NAIVE
        await pilot.press("ctrl+l")
        assert view.query_one(TextArea).text == NAIVE


async def test_question_mark_shows_the_solution_and_grades_again(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        view = app.screen.query_one(CodeExerciseView)
        await pilot.press("question_mark")  # in the editor it is just a character
        assert view.query_one(TextArea).text.startswith("?") and not view.solution_shown
        await pilot.press("escape", "question_mark")
        await pilot.pause()
        shown = str(view.query_one("#code-solution").render())
        assert "x.max(axis=-1, keepdims=True)" in shown and "Reference solution" in shown
    assert [(r[1], r[4]) for r in _reviews(tmp_path)] == [(1, "?")]


async def test_browse_previews_a_code_card_with_its_stub_in_a_read_only_editor(tmp_path: Path) -> None:
    from quizapp.tui.screens.browse import BrowseScreen
    from quizapp.tui.widgets.preview import CardPreview

    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(BrowseScreen("code-softmax"))
        await pilot.pause()
        preview = app.screen.query_one(CardPreview)
        editor = preview.query_one("#preview-code", TextArea)
        for _ in range(200):  # Browse may load its cards in a worker
            await app.screen.workers.wait_for_complete()
            await pilot.pause()
            if editor.text:
                break
            await asyncio.sleep(0.02)
        assert editor.display and editor.read_only
        assert editor.language == "python" and editor.text.startswith("import numpy as np")
        assert (
            "def softmax(x: np.ndarray) -> np.ndarray:" in editor.text
            and "NotImplementedError" in editor.text
        )
        body = str(preview.query_one("#preview-body").render())
        assert "numerically stable softmax" in body and "Signature" in body
        assert "press t to study it" in str(preview.query_one("#preview-code-hint").render()).lower()
