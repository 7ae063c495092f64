"""Snapshot tests of Home, Study and Settings at 100×30: frozen clock, fixed theme, fixed seeds."""

from __future__ import annotations

from pathlib import Path

import pytest
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


def test_study_numeric_answered_wrong(snap_compare, tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    (content / "numbers.yaml").write_text(
        "topic: numbers\ntitle: Numbers\nsummary: Numeric cards.\ncards:\n"
        "  - id: num-sigmoid\n    kind: numeric\n"
        '    prompt: "What is σ\'(z) at z = {z}? Give 4 decimals."\n'
        "    params: {z: {uniform: [-4, 4], round: 1}}\n"
        "    answer: sigmoid(z) * (1 - sigmoid(z))\n    tolerance: {decimals: 4}\n"
        '    solution: "σ\'(z) = σ(z)(1 − σ(z)) = {answer}"\n',
        encoding="utf-8",
    )
    app = make_app(
        [content],
        tmp_path / "q.db",
        Settings(theme="textual-dark"),
        now=NOW,
        study=StudyFilter(topics=("numbers",)),
        seed=3,
    )

    async def answer(pilot) -> None:  # type: ignore[no-untyped-def]
        while not pilot.app.screen.query("NumericView"):
            await pilot.app.screen.workers.wait_for_complete()
            await pilot.pause()
        pilot.app.screen.query_one("Input").value = "0.5"
        await pilot.press("enter")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=answer)


def test_settings(snap_compare, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the screen shows the settings path: keep it the same on every machine
    monkeypatch.setenv("QUIZAPP_SETTINGS", "settings.toml")

    async def open_settings(pilot) -> None:  # type: ignore[no-untyped-def]
        pilot.app.action_open_screen("settings")
        await pilot.pause()

    assert snap_compare(_app(tmp_path), terminal_size=SIZE, run_before=open_settings)
