"""The Settings screen: valid changes apply at once and persist; bad ones are explained; keys remap."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from conftest import FIXTURE_BANK, NOW
from textual.widgets import DataTable, Input, Select

from quizapp.settings import Settings, settings_path
from quizapp.store.db import open_db
from quizapp.tui.app import QuizApp, StudyFilter, make_app
from quizapp.tui.screens.settings import SettingsScreen

SIZE = (100, 30)


def _app(tmp_path: Path, study: StudyFilter | None = None) -> QuizApp:
    return make_app([FIXTURE_BANK], tmp_path / "q.db", Settings(), now=NOW, study=study)


def _saved() -> dict[str, object]:
    return tomllib.loads(settings_path().read_text(encoding="utf-8"))


async def _open_settings(app: QuizApp, pilot: object) -> SettingsScreen:
    app.action_open_screen("settings")
    await pilot.pause()  # type: ignore[attr-defined]
    assert isinstance(app.screen, SettingsScreen)
    return app.screen


async def test_a_valid_change_applies_at_once_and_is_saved(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_settings(app, pilot)
        screen.query_one("#setting-new_per_day", Input).value = "7"
        await pilot.pause()
        assert app.settings.new_per_day == 7 and app.reviewer.settings.new_per_day == 7
        assert _saved() == {"new_per_day": 7}
        screen.query_one("#setting-desired_retention", Input).value = "0.85"
        await pilot.pause()
        assert app.reviewer.scheduler.desired_retention == 0.85  # the scheduler itself changed
        await pilot.press("escape")
        assert not isinstance(app.screen, SettingsScreen)


async def test_an_invalid_value_is_explained_and_nothing_changes(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_settings(app, pilot)
        screen.query_one("#setting-desired_retention", Input).value = "0.5"
        await pilot.pause()
        assert "greater than or equal to 0.7" in str(screen.query_one("#error-desired_retention").render())
        assert app.settings.desired_retention == 0.9
        assert not settings_path().exists()
        screen.query_one("#setting-day_starts_at", Input).value = "noon"
        await pilot.pause()
        assert "integer" in str(screen.query_one("#error-day_starts_at").render())


async def test_theme_switches_and_persists(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_settings(app, pilot)
        screen.query_one("#theme", Select).value = "textual-light"
        await pilot.pause()
        assert app.theme == "textual-light"
        assert _saved()["theme"] == "textual-light"


async def test_a_remapped_key_works_and_ctrl_r_restores_the_default(tmp_path: Path) -> None:
    app = _app(tmp_path, study=StudyFilter(topics=("beta",)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("escape")  # leave the session for Home
        screen = await _open_settings(app, pilot)
        table = screen.query_one("#keys", DataTable)
        table.focus()
        table.move_cursor(row=table.get_row_index("study.good"))
        await pilot.press("enter")
        screen.query_one("#key-input", Input).value = "g"
        await pilot.press("enter")
        assert app.settings.keymap == {"study.good": "g"}
        assert _saved() == {"keymap": {"study.good": "g"}}
        await pilot.press("escape")
        app.start_study(StudyFilter(topics=("beta",)))
        await pilot.pause()
        await pilot.press("space", "g")  # g now grades Good
        row = open_db(tmp_path / "q.db").execute("SELECT card_id, rating FROM reviews").fetchone()
        assert row == ("beta-one", 3)
        await pilot.press("escape")
        screen = await _open_settings(app, pilot)
        table = screen.query_one("#keys", DataTable)
        table.focus()
        table.move_cursor(row=table.get_row_index("study.good"))
        await pilot.press("ctrl+r")
        assert app.settings.keymap == {}


@pytest.mark.parametrize("theme", ["no-such-theme"])
async def test_an_unknown_theme_in_the_file_is_reported_not_fatal(tmp_path: Path, theme: str) -> None:
    app = make_app([FIXTURE_BANK], tmp_path / "q.db", Settings(theme=theme), now=NOW)
    async with app.run_test(size=SIZE):
        assert app.theme == "textual-dark"
        assert any(theme in n.message for n in app._notifications)
