"""Hostile typed answers (issue 9): every input of up to 2,000 characters gets a verdict or a message.

The parser and checker run the inputs in a child process with a timeout, so a regression to building a
huge integer (`1e99999999/1`) fails this test instead of hanging the run; the CLI cases run the real
command the same way; the Pilot tests type the same inputs into Study and Drill."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import NOW
from textual.pilot import Pilot
from textual.widgets import Input, Static

from quizapp.cli import main
from quizapp.problems.answers import MAX_LENGTH
from quizapp.settings import Settings
from quizapp.store.db import open_db
from quizapp.tui.app import QuizApp, StudyFilter, make_app
from quizapp.tui.screens.drill import DrillScreen
from quizapp.tui.screens.drill import Phase as DrillPhase
from quizapp.tui.screens.study import Phase, StudyScreen
from quizapp.tui.widgets.numeric import NumericView

TIMEOUT = 60  # seconds for a child process; every case inside takes milliseconds

# (typed text, what the message says) for inputs that must be refused with a message
REFUSED = [
    ("1e400", "too large to check"),
    ("1e400/1", "too large to check"),
    ("1" * 400 + "/1", "too large to check"),
    ("9" * MAX_LENGTH, "too large to check"),
    ("1e99999999/1", "too large to check"),
    ("1/1e-99999999", "too large to check"),
    ("1e99999999999999999999999999999", "too large to check"),
    ("1e-400", "too close to zero"),
    ("1e-99999999/1", "too close to zero"),
    ("0." + "0" * 1990 + "1", "too close to zero"),
    ("nan", "not a number"),
    ("inf", "not a number"),
    ("-inf", "not a number"),
    ("1e", "not a number"),
    ("e5", "not a number"),
    ("1..2", "not a number"),
    ("0x1p3", "not a number"),
    ("1_000", "not a number"),
    ("1/0", "divides by zero"),
    ("0/0", "divides by zero"),
    ("1/2/3", "not a fraction"),
    ("/" * MAX_LENGTH, "not a fraction"),
    ("%" * MAX_LENGTH, "not a number"),
    ("-" * MAX_LENGTH, "not a number"),
    ("[" * 999 + "1" + "]" * 999, "too many brackets"),
    ("[" * MAX_LENGTH, "unbalanced brackets"),
    ("[(1, 2])", "unbalanced brackets"),
    ("1 " * MAX_LENGTH, "longer than"),
    ("x" * (MAX_LENGTH + 1), "longer than"),
    ("__import__('os').system('true')", "expected"),
    ("1e5x/2", "not a fraction"),
]
# typed text for inputs that are numbers: 0e999999 is zero, whatever its exponent
READ = ["0e999999", "0.0e400", "-0e99999999999", "٣", "３/４", "1.7976931348623157e308", "5e-324"]

_CHILD = textwrap.dedent(
    """
    import json, sys
    from quizapp.problems.check import check
    from quizapp.problems.model import Problem

    problems = [Problem("p", {}, 0.75, "s", "probability"), Problem("v", {}, [0.2, 0.8], "s")]
    out = []
    for text in json.load(sys.stdin):
        out.append([[v.status, v.message, v.parsed] for v in (check(p, text) for p in problems)])
    json.dump(out, sys.stdout)
    """
)


def _check_in_child(texts: list[str]) -> list[list[list[object]]]:
    """check() on each text against a scalar and a vector problem, in a child process with a timeout."""
    result = subprocess.run(
        [sys.executable, "-c", _CHILD],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_hostile_answers_get_a_message_and_are_never_graded() -> None:
    verdicts = _check_in_child([text for text, _ in REFUSED])
    for (text, says), both in zip(REFUSED, verdicts, strict=True):
        for status, message, parsed in both:
            assert status == "unusable", (text[:40], message)
            assert parsed is None and says in str(message), (text[:40], message)
            assert len(str(message)) < 300  # a long token is elided in the message


def test_zeros_with_huge_exponents_and_other_numbers_are_graded() -> None:
    verdicts = _check_in_child(READ)
    scalar = {text: both[0] for text, both in zip(READ, verdicts, strict=True)}
    assert scalar["0e999999"][:1] == ["wrong"] and scalar["0e999999"][2] == 0.0
    assert scalar["0.0e400"][2] == 0.0 and scalar["-0e99999999999"][2] == 0.0
    assert scalar["٣"][2] == 3.0  # Arabic-Indic three: read as Python's float() reads it
    assert scalar["３/４"][:1] == ["correct"]  # fullwidth 3/4 is the truth, 0.75
    assert scalar["1.7976931348623157e308"][2] == 1.7976931348623157e308
    for text, both in zip(READ, verdicts, strict=True):
        assert both[0][0] in ("correct", "wrong")  # a number for the scalar: graded
        assert both[1][0] == "unusable" and "asks for 2 numbers" in str(both[1][1]), text


def test_many_numbers_and_many_rows_are_bounded_too() -> None:
    vector = " ".join(["1e308"] * (MAX_LENGTH // 6))
    matrix = "; ".join(["1 2"] * (MAX_LENGTH // 5))
    fractions = " ".join(["1e99999/1e99998"] * (MAX_LENGTH // 16))
    verdicts = _check_in_child([vector, matrix, fractions])
    assert "you typed 333" in str(verdicts[0][1][1])
    assert "list of 2 numbers, not a matrix" in str(verdicts[1][1][1])
    assert "you typed 125" in str(verdicts[2][1][1])  # every 1e99999/1e99998 read as 10


# ---- the CLI: the issue's exact commands, through the real entry point ----------------------------------

ISSUE_ANSWERS = ["0e999999", "0.0e400", "1e400/1", "1" * 400 + "/3", "1e99999999/1", "1/1e-99999999"]


def _quizapp(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "quizapp.cli", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        env=env,
    )


def test_the_issues_cli_answers_return_a_verdict_without_a_traceback() -> None:
    # one process for the slowest of them; the others in-process below
    result = _quizapp("check", "roc-auc-from-scores", "--seed", "1", "--answer", "1e99999999/1", "--json")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "too large to check" in json.loads(result.stdout)["message"]
    result = _quizapp("check", "roc-auc-from-scores", "--seed", "-1", "--answer", "0.5")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "a seed is a whole number from 0 to 9223372036854775807" in result.stderr
    result = _quizapp("check", "roc-auc-from-scores", "--seed", "1", "--answer", "-2.5e-3", "--json")
    assert result.returncode == 1, result.stderr  # a number, and wrong: an AUC is in [0, 1]
    assert json.loads(result.stdout)["parsed"] == -0.0025


@pytest.mark.parametrize("answer", ISSUE_ANSWERS)
def test_the_issues_answers_in_process(answer: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", "roc-auc-from-scores", "--seed", "1", "--answer", answer, "--json"])
    verdict = json.loads(capsys.readouterr().out)
    if answer.startswith("0"):
        assert (code, verdict["status"], verdict["parsed"]) == (1, "wrong", 0.0)
    else:
        assert (code, verdict["status"]) == (2, "unusable") and "to check" in verdict["message"]


@pytest.mark.parametrize(
    "args",
    [
        ["check", "roc-auc-from-scores", "--seed", "-1", "--answer", "0.5"],
        ["check", "roc-auc-from-scores", "--seed", str(2**63), "--answer", "0.5"],
        ["check", "roc-auc-from-scores", "--seed", "9" * 5000, "--answer", "0.5"],
        ["check", "roc-auc-from-scores", "--seed", "1e3", "--answer", "0.5"],
        ["problem", "roc-auc-from-scores", "--seed", "-5"],
        ["problem", "roc-auc-from-scores", "--seed=-1e400"],
        ["drill", "--seed", "-1"],
        ["drill", "-n", "99999999999"],
    ],
)
def test_out_of_range_seeds_exit_2_with_a_message(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "a seed is a whole number" in err or "number of problems is a whole number" in err
    assert len(err) < 1000  # a 5,000-digit seed is not echoed in full


def test_the_largest_seed_is_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["problem", "roc-auc-from-scores", "--seed", str(2**63 - 1), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["seed"] == 2**63 - 1


# ---- the TUI: the same inputs typed into Study and Drill ------------------------------------------------

SIZE = (100, 30)
TOPIC = """\
topic: hostile
title: Hostile
summary: One numeric card for hostile answers.
cards:
  - id: hostile-third
    kind: numeric
    prompt: "What is {a} / 3? Give 3 decimals."
    params: {a: {int: [1, 2]}}
    answer: a / 3
    tolerance: {decimals: 3}
    solution: "{a} / 3 = {answer}"
"""
TYPED = ["1e400/1", "1e99999999/1"]


def _app(tmp_path: Path, study: bool) -> QuizApp:
    content = tmp_path / "content"
    content.mkdir(exist_ok=True)
    (content / "hostile.yaml").write_text(TOPIC, encoding="utf-8")
    chosen = StudyFilter(topics=("hostile",)) if study else None
    return make_app([content], tmp_path / "q.db", Settings(), now=NOW, study=chosen, seed=7)


async def _view(app: QuizApp, ready: object) -> NumericView:
    for _ in range(200):
        await app.screen.workers.wait_for_complete()
        views = app.screen.query(NumericView)
        if views and ready is getattr(app.screen, "phase", None):
            return views.first()
        await asyncio.sleep(0.02)
    raise AssertionError("no numeric problem was shown")


async def _type_hostile_then_the_truth(pilot: Pilot[None], view: NumericView) -> None:
    """Each hostile input gets a message and no grade; then the app still takes the right answer."""
    for text in TYPED:
        view.query_one(Input).value = text
        await pilot.press("enter")
        feedback = str(view.query_one("#feedback", Static).render())
        assert "too large to check" in feedback, feedback
        assert not view.answered and pilot.app.return_code is None
    view.query_one(Input).value = f"{float(view.problem.answer):.3f}"  # type: ignore[arg-type]
    await pilot.press("enter")
    assert view.answered and "✓" in str(view.query_one("#verdict", Static).render())


async def test_study_survives_hostile_answers(tmp_path: Path) -> None:
    app = _app(tmp_path, study=True)
    async with app.run_test(size=SIZE) as pilot:
        view = await _view(app, Phase.QUESTION)
        await _type_hostile_then_the_truth(pilot, view)
        assert isinstance(app.screen, StudyScreen) and app.screen.phase is Phase.ANSWERED
        db = open_db(tmp_path / "q.db")
        assert db.execute("SELECT correct, response FROM reviews").fetchall() == [
            (1, view.query_one(Input).value)
        ]  # one review: the right answer; the hostile ones were never graded


async def test_drill_survives_hostile_answers(tmp_path: Path) -> None:
    app = _app(tmp_path, study=False)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(DrillScreen(("hostile",)))
        await pilot.pause()
        view = await _view(app, DrillPhase.QUESTION)
        await _type_hostile_then_the_truth(pilot, view)
        screen = app.screen
        assert isinstance(screen, DrillScreen) and screen.phase is DrillPhase.ANSWERED
        assert "1 / 1 correct" in str(screen.query_one("#drill-score", Static).render())
