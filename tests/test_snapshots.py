"""Snapshot tests (pytest-textual-snapshot) of Home and Study at 100×30, frozen clock, fixed theme."""

from __future__ import annotations

from pathlib import Path

from conftest import FIXTURE_BANK, NOW

from quizapp.settings import Settings
from quizapp.tui.app import QuizApp, StudyFilter, make_app

SIZE = (100, 30)


def _app(tmp_path: Path, study: StudyFilter | None = None) -> QuizApp:
    return make_app([FIXTURE_BANK], tmp_path / "q.db", Settings(theme="textual-dark"), now=NOW, study=study)


def test_home(snap_compare, tmp_path: Path) -> None:
    assert snap_compare(_app(tmp_path), terminal_size=SIZE)


def test_study_flashcard_revealed(snap_compare, tmp_path: Path) -> None:
    app = _app(tmp_path, StudyFilter(topics=("alpha",)))
    assert snap_compare(app, terminal_size=SIZE, press=["space"])


def test_study_choice_answered(snap_compare, tmp_path: Path) -> None:
    app = _app(tmp_path, StudyFilter(topics=("alpha",)))
    assert snap_compare(app, terminal_size=SIZE, press=["space", "3", "c"])
