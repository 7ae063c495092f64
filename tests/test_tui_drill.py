"""Pilot tests of Drill: free practice of numeric problems, logged to `drills`, never to the schedule."""

from __future__ import annotations

import asyncio
import io
import itertools
from pathlib import Path

from conftest import NOW
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Input, SelectionList, Static, TextArea

from quizapp.content.schema import NumericCard
from quizapp.problems.registry import make_problem
from quizapp.settings import Settings
from quizapp.store import repo
from quizapp.store.db import open_db
from quizapp.tui.app import QuizApp, make_app
from quizapp.tui.screens.drill import DrillScreen, Phase
from quizapp.tui.screens.home import HomeScreen
from quizapp.tui.widgets.code_exercise import CodeExerciseView
from quizapp.tui.widgets.numeric import NumericView

SIZE = (100, 30)
THIRDS = """\
topic: thirds
title: Thirds
summary: Division by three, and a card that cannot pose a problem.
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
  - id: thirds-flash
    kind: flashcard
    front: Not a numeric card
    back: never drilled
"""
DOUBLES = """\
topic: doubles
title: Doubles
summary: Doubling and halving.
cards:
  - id: num-double
    kind: numeric
    prompt: "What is {a} × 2? Give 3 decimals."
    params: {a: {int: [1, 9]}}
    answer: a * 2
    tolerance: {decimals: 3}
    solution: "{a} × 2 = {answer}"
  - id: num-half
    kind: numeric
    prompt: "What is {a} / 2? Give 3 decimals."
    params: {a: {int: [1, 9]}}
    answer: a / 2
    tolerance: {decimals: 3}
    solution: "{a} / 2 = {answer}"
"""
BROKEN = """\
topic: broken
title: Broken
summary: Only cards that cannot pose a problem.
cards:
  - id: div-zero
    kind: numeric
    prompt: "What is {a} / 0?"
    params: {a: 1}
    answer: a / 0
  - id: log-zero
    kind: numeric
    prompt: "What is log({a})?"
    params: {a: 0}
    answer: log(a) / 0
"""
CODING = """\
topic: coding
title: Coding
summary: A code exercise.
cards:
  - id: code-softmax
    kind: code
    task: softmax
    prompt: Implement a numerically stable softmax over the last axis.
"""
SOFTMAX_BODY = """\
def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
"""
TOPIC_OF = {"num-third": "thirds", "num-broken": "thirds", "num-double": "doubles", "num-half": "doubles"}


def _app(tmp_path: Path, *texts: str) -> QuizApp:
    content = tmp_path / "content"
    content.mkdir(exist_ok=True)
    for number, text in enumerate(texts or (THIRDS, DOUBLES)):
        (content / f"topic{number}.yaml").write_text(text, encoding="utf-8")
    return make_app([content], tmp_path / "q.db", Settings(), now=NOW, seed=7)


def _drills(tmp_path: Path) -> list[tuple]:
    db = open_db(tmp_path / "q.db")  # a second connection: sees only what was committed
    return db.execute(
        "SELECT card_id, drilled_at, seed, correct, response FROM drills ORDER BY id"
    ).fetchall()


def _schedule_rows(tmp_path: Path) -> tuple[int, int]:
    db = open_db(tmp_path / "q.db")
    cards = db.execute("SELECT count(*) FROM cards").fetchone()[0]
    reviews = db.execute("SELECT count(*) FROM reviews").fetchone()[0]
    return cards, reviews


def _drill(app: QuizApp) -> DrillScreen:
    screen = app.screen
    assert isinstance(screen, DrillScreen)
    return screen


async def _open(pilot: Pilot[None]) -> DrillScreen:
    pilot.app.action_open_screen("drill")  # type: ignore[attr-defined]
    await pilot.pause()
    return _drill(pilot.app)  # type: ignore[arg-type]


async def _problem(app: QuizApp, number: int) -> NumericView:
    """The NumericView of problem `number`, once its worker has generated it and the screen shows it."""
    screen = _drill(app)
    for _ in range(200):
        await screen.workers.wait_for_complete()
        if screen.phase is Phase.QUESTION and screen.number == number:
            return screen.query_one(NumericView)
        await asyncio.sleep(0.02)
    raise AssertionError(f"problem {number} was never shown")


async def _answer(pilot: Pilot[None], view: NumericView, right: bool) -> str:
    """Type the right answer (from the problem's own truth) or a wrong one; the text typed."""
    truth = float(view.problem.answer)  # type: ignore[arg-type]
    text = f"{truth:.3f}" if right else f"{truth + 1:.3f}"
    view.query_one(Input).value = text
    await pilot.press("enter")
    return text


def _text(widget: Static) -> str:
    """What a Static shows, as plain text (tables included)."""
    console = Console(width=100, record=True, file=io.StringIO())
    console.print(widget.content)  # type: ignore[arg-type]
    return console.export_text()


async def test_answers_update_the_score_and_the_drill_log_never_the_schedule(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot)
        assert screen.phase is Phase.PICKING
        await pilot.press("s")  # nothing picked: every topic
        typed = []
        for number, right in enumerate([True, False, True, True], start=1):
            view = await _problem(app, number)
            typed.append((view.card.id, view.seed, view.problem.prompt, await _answer(pilot, view, right)))
            assert screen.phase is Phase.ANSWERED
            assert app.focused is None  # enter and n reach the screen, not the disabled input
            await pilot.press("n" if number % 2 else "enter")
        await _problem(app, 5)
        score = str(screen.query_one("#drill-score", Static).render())
        assert "3 / 4 correct" in score and "streak 2" in score
        rows = _drills(tmp_path)
        assert [(card, correct, response) for card, _, _, correct, response in rows] == [
            (card, int(right), text)
            for (card, _, _, text), right in zip(typed, [True, False, True, True], strict=True)
        ]
        assert {drilled_at for _, drilled_at, _, _, _ in rows} == {repo.to_db(NOW)}
        assert "num-broken" not in {card for card, *_ in rows}
        # the logged seed reproduces the very problem that was shown
        for (card_id, seed, prompt, _), row in zip(typed, rows, strict=True):
            card = app.bank.cards[card_id]
            assert isinstance(card, NumericCard) and row[2] == seed
            assert make_problem(card, seed).prompt == prompt
        assert _schedule_rows(tmp_path) == (0, 0)


async def test_giving_up_counts_as_wrong_and_breaks_the_streak(tmp_path: Path) -> None:
    app = _app(tmp_path, DOUBLES)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot)
        await pilot.press("s")
        await _answer(pilot, await _problem(app, 1), right=True)
        await pilot.press("enter")
        view = await _problem(app, 2)
        view.query_one(Input).value = "?"
        await pilot.press("enter")
        assert "The answer is" in str(view.query_one("#verdict", Static).render())
        assert "1 / 2 correct" in str(screen.query_one("#drill-score", Static).render())
        assert screen.streak == 0 and screen.best_streak == 1
        assert [(row[3], row[4]) for row in _drills(tmp_path)][1] == (0, "?")


async def test_the_picker_restricts_problems_to_the_chosen_topics(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot)
        picker = screen.query_one("#drill-topics", SelectionList)
        assert app.focused is picker
        assert [str(picker.get_option_at_index(i).prompt) for i in range(picker.option_count)] == [
            "Doubles  2 cards",  # sorted by title; only numeric cards count
            "Thirds  2 cards",
        ]
        await pilot.press("a")  # all / none
        assert sorted(picker.selected) == ["doubles", "thirds"]
        await pilot.press("a")
        assert picker.selected == []
        await pilot.press("space")  # Doubles, the highlighted one
        assert "1 topic picked (2 numeric cards)" in str(screen.query_one("#drill-status", Static).render())
        await pilot.press("s")
        assert screen.topics == ("doubles",)
        shown = []
        for number in range(1, 6):  # more problems than the topic has cards: it cycles
            view = await _problem(app, number)
            shown.append(view.card.id)
            await _answer(pilot, view, right=True)
            await pilot.press("n")
        assert set(shown) == {"num-double", "num-half"}
        assert all(a != b for a, b in itertools.pairwise(shown))  # never the same card twice in a row
        assert {TOPIC_OF[row[0]] for row in _drills(tmp_path)} == {"doubles"}


async def test_a_broken_card_is_skipped_with_a_notice(tmp_path: Path) -> None:
    app = _app(tmp_path)
    app.NOTIFICATION_TIMEOUT = 600  # a loaded machine can take longer than the default 5 s to get there
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(DrillScreen(("thirds",)))  # topics given: no picker
        await pilot.pause()
        screen = _drill(app)
        for number in range(1, 4):
            view = await _problem(app, number)
            assert view.card.id == "num-third"
            await _answer(pilot, view, right=False)
            await pilot.press("enter")
        assert screen.skipped == {"num-broken"}
        assert any("num-broken" in n.message and "cannot pose" in n.message for n in app._notifications)
        assert [row[0] for row in _drills(tmp_path)] == ["num-third"] * 3


async def test_nothing_to_drill_says_so(tmp_path: Path) -> None:
    app = _app(tmp_path, BROKEN)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot)
        await pilot.press("s")
        for _ in range(50):
            await screen.workers.wait_for_complete()
            await pilot.pause()
            if screen.phase is Phase.EMPTY:
                break
        assert screen.phase is Phase.EMPTY and screen.skipped == {"div-zero", "log-zero"}
        assert "None of these cards can pose a problem" in str(
            screen.query_one("#drill-empty", Static).render()
        )
        assert _drills(tmp_path) == []


async def test_the_summary_shows_the_session_by_topic(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot)
        await pilot.press("s")
        expected: dict[str, list[int]] = {}
        for number in range(1, 6):
            view = await _problem(app, number)
            right = number != 2
            await _answer(pilot, view, right)
            tally = expected.setdefault(TOPIC_OF[view.card.id], [0, 0])
            tally[0] += 1
            tally[1] += int(right)
            await pilot.press("n")
        await _problem(app, 6)
        await pilot.press("e")  # in the question: the letter goes into the answer
        assert screen.phase is Phase.QUESTION and screen.query_one(Input).value == "e"
        screen.query_one(Input).value = "?"
        await pilot.press("enter", "e")
        assert screen.phase is Phase.SUMMARY
        expected.setdefault(TOPIC_OF[screen.current[0]], [0, 0])[0] += 1  # type: ignore[index]
        assert "4 / 6 correct (67%)" in _text(screen.query_one("#drill-summary", Static))
        table = _text(screen.query_one("#drill-breakdown", Static))
        lines = [line.split() for line in table.splitlines() if line.strip()]
        assert lines[0] == ["Topic", "Answered", "Correct", "%"]
        rows = {line[0]: line[1:3] for line in lines[1:]}
        assert rows == {
            "Doubles": [str(v) for v in expected["doubles"]],
            "Thirds": [str(v) for v in expected["thirds"]],
        }
        await pilot.press("n")  # keep drilling after the summary
        await _problem(app, 7)
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
        assert _schedule_rows(tmp_path) == (0, 0)


async def test_keys_shown_match_the_phase(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot)
        assert screen.check_action("start", ()) and not screen.check_action("next", ())
        await pilot.press("n")  # not a drill key yet
        assert screen.phase is Phase.PICKING
        await pilot.press("s")
        view = await _problem(app, 1)
        assert not screen.check_action("next", ()) and not screen.check_action("start", ())
        await _answer(pilot, view, right=True)
        assert screen.check_action("next", ()) and screen.check_action("summary", ())
        await pilot.press("s")  # the picker is gone: s does nothing
        assert screen.phase is Phase.ANSWERED


async def test_topics_without_numeric_cards_say_so(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(DrillScreen(("no-such-topic",)))
        await pilot.pause()
        screen = _drill(app)
        assert screen.phase is Phase.EMPTY
        assert "no numeric or code cards" in str(screen.query_one("#drill-empty", Static).render())
        assert not screen.check_action("next", ()) and not screen.check_action("summary", ())


async def test_a_code_card_is_drilled_in_the_editor_and_logged_never_reviewed(tmp_path: Path) -> None:
    app = _app(tmp_path, THIRDS, CODING)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot)
        status = screen.query_one("#drill-status", Static)
        assert "s drills all 3 cards (1 code)" in str(status.render())  # num-third, num-broken, the code
        await pilot.press("space")  # the first topic by title: Coding
        assert "1 topic picked (1 code card)" in str(status.render())
        await pilot.press("s")
        assert screen.phase is Phase.QUESTION and screen.number == 1
        view = screen.query_one(CodeExerciseView)
        editor = view.query_one(TextArea)
        assert "def softmax(x: np.ndarray)" in editor.text and app.focused is editor
        editor.load_text("")
        await pilot.press(*"import numpy as np", "enter", "enter")
        editor.insert(SOFTMAX_BODY)  # typed keys auto-indent: the body goes in as text
        await pilot.press("ctrl+r")
        for _ in range(500):
            await screen.workers.wait_for_complete()
            await view.workers.wait_for_complete()
            await pilot.pause()
            if view.runs:
                break
            await asyncio.sleep(0.02)
        assert "all 5 tests passed" in str(view.query_one("#results").render())
        assert screen.phase is Phase.ANSWERED
        assert "1 / 1 correct" in str(screen.query_one("#drill-score", Static).render())
        await pilot.press("escape", "n")  # leave the editor; n goes on (the same card, a fresh seed)
        await pilot.pause()
        assert screen.phase is Phase.QUESTION and screen.number == 2
        assert "raise NotImplementedError" in screen.query_one(CodeExerciseView).query_one(TextArea).text
    rows = _drills(tmp_path)
    assert [(card, seed, correct) for card, _, seed, correct, _ in rows] == [("code-softmax", view.seed, 1)]
    assert "np.exp(x - x.max" in rows[0][4]
    assert _schedule_rows(tmp_path) == (0, 0)
