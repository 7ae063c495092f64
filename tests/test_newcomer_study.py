"""Study as a newcomer meets it: hints name the keys in force, a missed right option says so."""

from __future__ import annotations

from pathlib import Path

from conftest import FIXTURE_BANK, NOW
from textual.widgets import Input

from quizapp.settings import Settings
from quizapp.tui.app import QuizApp, StudyFilter, make_app
from quizapp.tui.screens.study import StudyScreen
from quizapp.tui.widgets.choice import ChoiceView
from quizapp.tui.widgets.flashcard import FlashcardView
from quizapp.tui.widgets.numeric import NumericView

SIZE = (100, 30)
REMAPPED = {
    "study.reveal": "r",
    "study.again": "j",
    "study.hard": "k",
    "study.good": "l",
    "study.easy": "semicolon",
    "study.next": "n",
}


def _app(tmp_path: Path, keymap: dict[str, str] | None = None) -> QuizApp:
    settings = Settings(keymap=keymap or {})
    return make_app(
        [FIXTURE_BANK], tmp_path / "q.db", settings, now=NOW, study=StudyFilter(topics=("alpha",))
    )


def _status(app: QuizApp) -> str:
    return str(app.screen.query_one("#status").render())


async def test_hints_name_the_remapped_keys(tmp_path: Path) -> None:
    app = _app(tmp_path, REMAPPED)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, StudyScreen)
        hint = str(screen.query_one(FlashcardView).query_one("#reveal-hint").render())
        assert hint == "press r to reveal"
        await pilot.press("r")
        assert _status(app) == "How well did you recall it? j Again · k Hard · l Good · ; Easy"
        await pilot.press("l")  # Good with the remapped key
        await pilot.press("c")  # alpha-two, wrong: auto-graded
        assert _status(app) == "Graded Again. Press j/k/l/; to change it, n to continue."
        assert "1" not in _status(app) and "enter" not in _status(app)


async def test_default_hints_are_unchanged(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        assert _status(app) == "How well did you recall it? 1 Again · 2 Hard · 3 Good · 4 Easy"
        await pilot.press("3", "c")
        assert _status(app) == "Graded Again. Press 1–4 to change it, enter to continue."


async def test_a_missed_right_option_is_marked_missed(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "3", "c", "enter")  # alpha-one, alpha-two (wrong), on to alpha-three
        view = app.screen.query_one(ChoiceView)
        assert view.card.id == "alpha-three" and view.card.multiple
        hint = str(view.query_one(".hint").render())
        assert hint == "Toggle each right option, then press enter."  # the question already says "select all"
        await pilot.press("a", "enter")  # only one of the vowels
        bodies = [str(row.query_one(".option-body").render()) for row in view.rows]
        missed = [
            body
            for row, body in zip(view.rows, bodies, strict=True)
            if row.option.correct and not row.selected
        ]
        assert missed and all("you missed it" in body for body in missed)
        picked = [body for row, body in zip(view.rows, bodies, strict=True) if row.selected]
        assert all("missed" not in body for body in picked)


LONG = """\
topic: long
title: Long
summary: Cards longer than the screen.
cards:
  - id: long-flash
    kind: flashcard
    front: A question?
    back: |-
{back}
  - id: long-num
    kind: numeric
    prompt: |-
      What is {{a}} + 1?
{filler}
    params: {{a: {{int: [1, 9]}}}}
    answer: a + 1
"""


def _long_app(tmp_path: Path) -> QuizApp:
    content = tmp_path / "content"
    content.mkdir()
    back = "\n\n".join(f"      Line {n} of the answer." for n in range(30))
    filler = "\n".join(f"      Given fact {n}." for n in range(30))
    (content / "long.yaml").write_text(LONG.format(back=back, filler=filler), encoding="utf-8")
    study = StudyFilter(topics=("long",))
    return make_app([content], tmp_path / "q.db", Settings(), now=NOW, study=study, seed=3)


async def test_the_card_scrolls_by_keyboard_whatever_has_focus(tmp_path: Path) -> None:
    app = _long_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("space")
        view = app.screen.query_one(FlashcardView)
        await pilot.pause()
        assert view.max_scroll_y > 0 and view.scroll_y == 0
        await pilot.press("end")
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y
        await pilot.press("home", "pagedown")
        await pilot.pause()
        assert view.scroll_y > 0
        await pilot.press("3")  # on to the numeric card: the answer box has focus
        for _ in range(100):
            await app.screen.workers.wait_for_complete()
            if app.screen.query(NumericView):
                break
            await pilot.pause(0.02)
        numeric = app.screen.query_one(NumericView)
        answer = numeric.query_one(Input)
        await pilot.pause()
        assert app.focused is answer and numeric.max_scroll_y > 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert numeric.scroll_y > 0
        answer.value = "12"
        answer.cursor_position = 1
        await pilot.press("end")  # the answer box keeps end for editing
        assert answer.cursor_position == 2


async def test_a_revealed_flashcard_shows_text_at_40_by_12(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.press("space")
        await pilot.pause()
        view = app.screen.query_one(FlashcardView)
        assert view.size.height >= 5  # at least five rows of the card, not the chrome around it
        assert app.screen.query_one("#back").region.height >= 1
