"""The Settings screen: complete values apply and persist, problems and refusals are shown whole, keys remap
without clashes and the footer keeps its order."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tomllib
from collections import Counter
from pathlib import Path

import pytest
from conftest import FIXTURE_BANK, NOW
from textual.app import App
from textual.widgets import DataTable, Input, Select, Static
from textual.widgets._footer import FooterKey

from quizapp.settings import Settings, load_settings, settings_path
from quizapp.store.db import open_db
from quizapp.tui.app import AFTER_START_S, QuizApp, StudyFilter, make_app
from quizapp.tui.keymap import catalog, clashes, ordered_keymap
from quizapp.tui.screens.settings import SettingsScreen

SIZE = (100, 30)


def _app(tmp_path: Path, study: StudyFilter | None = None, settings: Settings | None = None) -> QuizApp:
    return make_app([FIXTURE_BANK], tmp_path / "q.db", settings or Settings(), now=NOW, study=study)


def _saved() -> dict[str, object]:
    return tomllib.loads(settings_path().read_text(encoding="utf-8"))


def _text(screen: SettingsScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def _open_settings(app: QuizApp, pilot: object) -> SettingsScreen:
    app.action_open_screen("settings")
    await pilot.pause()  # type: ignore[attr-defined]
    assert isinstance(app.screen, SettingsScreen)
    return app.screen


async def _edit_keys(screen: SettingsScreen, pilot: object, binding_id: str, keys: str) -> None:
    table = screen.query_one("#keys", DataTable)
    table.focus()
    table.move_cursor(row=table.get_row_index(binding_id))
    await pilot.press("enter")  # type: ignore[attr-defined]
    screen.query_one("#key-input", Input).value = keys
    await pilot.press("enter")  # type: ignore[attr-defined]


async def test_a_value_applies_and_saves_only_when_complete(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_settings(app, pilot)
        assert "not created yet" in _text(screen, "#settings-file")
        screen.query_one("#setting-new_per_day", Input).focus()
        await pilot.press("end", "backspace", "backspace", "2")  # '20' cleared, '2' typed on the way to 25
        assert app.settings.new_per_day == 20 and not settings_path().exists()
        await pilot.press("5")
        assert not settings_path().exists()
        await pilot.press("enter")
        assert app.settings.new_per_day == 25 and app.reviewer.settings.new_per_day == 25
        assert _saved() == {"new_per_day": 25}
        assert f"Saved new_per_day = 25 to {settings_path()}" in _text(screen, "#settings-status")
        assert "not created yet" not in _text(screen, "#settings-file")


async def test_leaving_a_field_completes_it(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_settings(app, pilot)
        screen.query_one("#setting-desired_retention", Input).focus()
        await pilot.press("end", "5")  # 0.9 -> 0.95
        assert not settings_path().exists()
        await pilot.press("tab")
        await pilot.pause()
        assert app.reviewer.scheduler.desired_retention == 0.95  # the scheduler itself changed
        assert _saved() == {"desired_retention": 0.95}
        screen.query_one("#setting-reviews_per_day", Input).focus()
        await pilot.press("end", "0")
        await pilot.press("escape")  # leaving the screen completes the field too
        assert _saved() == {"desired_retention": 0.95, "reviews_per_day": 2000}
        assert not isinstance(app.screen, SettingsScreen)


async def test_an_invalid_value_is_explained_in_full_and_nothing_changes(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_settings(app, pilot)
        field = screen.query_one("#setting-day_starts_at", Input)
        field.focus()
        await pilot.press("end", "backspace", "n", "o", "o", "n", "enter")
        message = _text(screen, "#error-day_starts_at")
        assert "Input should be a valid integer, unable to parse string as an integer" in message
        assert "Not applied: still 4." in message
        assert app.settings.day_starts_at == 4 and not settings_path().exists()
        region = screen.query_one("#error-day_starts_at").region
        assert region.height >= 2  # wrapped, not cut off


async def test_theme_switches_and_persists(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_settings(app, pilot)
        screen.query_one("#theme", Select).value = "textual-light"
        await pilot.pause()
        assert app.theme == "textual-light"
        assert _saved() == {"theme": "textual-light"}


async def test_problems_with_the_file_are_shown_on_start_and_on_the_screen(tmp_path: Path) -> None:
    settings_path().write_text(
        'leech_lapses = true\nnew_per_dya = 3\n[keymap]\n"study.easy" = "1"\n', "utf-8"
    )
    settings, problems = load_settings()
    app = _app(tmp_path, settings=settings)
    app.settings_problems = tuple(problems)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(AFTER_START_S + 0.2)
        await app.workers.wait_for_complete()  # the keymap is checked in a thread, once Home is shown
        await pilot.pause()
        toasts = {n.title: n.message for n in app._notifications}
        assert "leech_lapses = true" in toasts["Settings: 2 problems"]
        assert "new_per_dya" in toasts["Settings: 2 problems"]
        assert "“1” is already Again on Study (study.again)" in toasts["Keys: 1 problem"]
        screen = await _open_settings(app, pilot)
        listed = _text(screen, "#settings-problems")
        assert listed.startswith("3 problems;") and "settings.toml: leech_lapses = true" in listed


async def test_typing_the_default_over_a_bad_value_fixes_the_file(tmp_path: Path) -> None:
    settings_path().write_text("leech_lapses = true  # oops\n", "utf-8")
    app = _app(tmp_path, settings=load_settings()[0])
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_settings(app, pilot)
        screen.query_one("#setting-leech_lapses", Input).focus()
        await pilot.press("enter")  # 8, the default in use, replaces `true`
        assert settings_path().read_text("utf-8") == "leech_lapses = 8  # oops\n"
        assert not screen.query_one("#settings-problems").display


async def test_a_file_that_is_not_toml_is_not_overwritten(tmp_path: Path) -> None:
    text = "# mine\nreviews_per_day = 50x\n"
    settings_path().write_text(text, "utf-8")
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_settings(app, pilot)
        assert "settings.toml:2:21: is not valid TOML" in _text(screen, "#settings-problems")
        screen.query_one("#setting-new_per_day", Input).value = "7"
        screen.query_one("#setting-new_per_day", Input).focus()
        await pilot.press("enter")
        assert app.settings.new_per_day == 7  # in use for this session ...
        assert settings_path().read_text("utf-8") == text  # ... but the file is the user's to fix
        status = _text(screen, "#settings-status")
        assert status.startswith("Not saved (in use until you quit): ") and "not valid TOML" in status


async def test_a_field_set_by_the_environment_is_not_editable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUIZAPP_NEW_PER_DAY", "3")
    app = _app(tmp_path, settings=load_settings()[0])
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_settings(app, pilot)
        assert screen.query_one("#setting-new_per_day", Input).disabled
        assert _text(screen, "#error-new_per_day") == "set by QUIZAPP_NEW_PER_DAY"


async def test_a_remapped_key_works_and_ctrl_r_restores_the_default(tmp_path: Path) -> None:
    app = _app(tmp_path, study=StudyFilter(topics=("beta",)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("escape")  # leave the session for Home
        screen = await _open_settings(app, pilot)
        await _edit_keys(screen, pilot, "study.good", "g")
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
        assert app.settings.keymap == {} and _saved() == {"keymap": {}}


async def test_a_key_already_used_on_that_screen_is_refused(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_settings(app, pilot)
        await _edit_keys(screen, pilot, "study.easy", "1")
        assert app.settings.keymap == {} and not settings_path().exists()
        message = _text(screen, "#key-error")
        assert message == (
            "Easy (Study) not changed: “1” is already Again on Study (study.again). Free that key first."
        )
        assert any(n.message == message for n in app._notifications)
        await _edit_keys(screen, pilot, "study.easy", "?")  # the app-wide help key
        assert app.settings.keymap == {} and "already Help everywhere" in _text(screen, "#key-error")
        await _edit_keys(screen, pilot, "study.undo", "q")  # q quits on Home only: fine on Study
        assert app.settings.keymap == {"study.undo": "q"}


async def test_restoring_a_default_key_that_another_binding_took_is_refused(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_settings(app, pilot)
        await _edit_keys(screen, pilot, "study.easy", "5")
        await _edit_keys(screen, pilot, "study.hard", "4")  # Easy's default, free now
        assert app.settings.keymap == {"study.easy": "5", "study.hard": "4"}
        table = screen.query_one("#keys", DataTable)
        table.focus()
        table.move_cursor(row=table.get_row_index("study.easy"))
        await pilot.press("ctrl+r")
        assert app.settings.keymap == {"study.easy": "5", "study.hard": "4"}
        assert "“4” is already Hard on Study (study.hard)" in _text(screen, "#key-error")
        assert _saved() == {"keymap": {"study.easy": "5", "study.hard": "4"}}


async def test_the_footer_keeps_its_order_after_remapping_and_resetting(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()

        def footer() -> list[str]:
            return [key.description for key in app.screen.query(FooterKey)]

        before = footer()
        screen = await _open_settings(app, pilot)
        await _edit_keys(screen, pilot, "home.browse", "x")
        await _edit_keys(screen, pilot, "home.stats", "z")
        await pilot.press("escape")
        await pilot.pause()
        assert footer() == before
        assert [key.key for key in app.screen.query(FooterKey)][3:5] == ["x", "z"]
        screen = await _open_settings(app, pilot)
        table = screen.query_one("#keys", DataTable)
        table.focus()
        table.move_cursor(row=table.get_row_index("home.browse"))
        await pilot.press("ctrl+r")
        await pilot.press("escape")
        await pilot.pause()
        assert footer() == before


def test_every_binding_has_a_unique_name_on_its_screen() -> None:
    names = Counter((binding.screen, binding.name) for binding in catalog())
    assert [name for name, count in names.items() if count > 1] == []
    assert all(binding.name and binding.name[0].isupper() for binding in catalog())


@pytest.mark.parametrize("theme", ["no-such-theme"])
async def test_an_unknown_theme_in_the_file_is_reported_not_fatal(tmp_path: Path, theme: str) -> None:
    app = make_app([FIXTURE_BANK], tmp_path / "q.db", Settings(theme=theme), now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        assert app.theme == "textual-dark"
        assert any(theme in n.message for n in app._notifications)
        await _open_settings(app, pilot)  # the theme list opens on the theme in use
        assert app.settings.theme == theme and not settings_path().exists()


def test_the_default_keys_clash_nowhere() -> None:
    bindings = catalog()
    assert {
        b.id: clashes(b.id, b.keys, {}, bindings) for b in bindings if clashes(b.id, b.keys, {}, bindings)
    } == {}


def test_remapping_one_binding_keeps_the_others_that_shared_its_keys() -> None:
    """Textual drops every binding on a remapped binding's old keys; the full keymap restates them."""
    from quizapp.tui.screens.study import StudyScreen

    assert ordered_keymap({}) == {}
    keymap = ordered_keymap({"study.next": "n"})
    assert keymap["study.submit"] == "enter" and keymap["study.reveal"] == "space"

    def actions(keymap: dict[str, str]) -> dict[str, set[str]]:
        bindings = StudyScreen._merged_bindings.copy()  # type: ignore[union-attr]
        bindings.apply_keymap(App._normalize_keymap(keymap))
        return {key: {b.action for b in found} for key, found in bindings.key_to_bindings.items()}

    assert "enter" not in actions({"study.next": "n"})  # Textual alone: submit lost its key
    remapped = actions(keymap)
    assert (remapped["enter"], remapped["space"], remapped["n"]) == ({"submit"}, {"reveal"}, {"next"})


def test_a_screen_imported_after_start_keeps_its_footer_order(tmp_path: Path) -> None:
    """In a fresh process Study isn't imported when the keymap is set; opening it restates the keymap."""
    script = textwrap.dedent(
        f"""
        import asyncio, sys
        from pathlib import Path
        from textual.widgets._footer import FooterKey
        from quizapp.settings import Settings
        import quizapp.tui.app
        from quizapp.tui.app import StudyFilter, make_app

        quizapp.tui.app.report_problems = lambda app, keymap: None  # its thread would import Study

        async def footer(keymap):
            app = make_app([Path({str(FIXTURE_BANK)!r})], ":memory:", Settings(keymap=keymap))
            async with app.run_test(size=(100, 30)) as pilot:
                assert ("quizapp.tui.screens.study" in sys.modules) == (keymap == {{}})
                app.start_study(StudyFilter(topics=("beta",)))
                await pilot.pause()
                await pilot.press("space")
                await pilot.pause()
                await pilot.pause()
                return [(key.key, key.description) for key in app.screen.query(FooterKey)]

        print(asyncio.run(footer({{"study.again": "z"}})))
        print(asyncio.run(footer({{}})))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    remapped, default = done.stdout.splitlines()
    assert remapped == default.replace("('1', 'Again')", "('z', 'Again')") != default
