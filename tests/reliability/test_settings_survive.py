"""Settings the user wrote must survive: a change made on the Settings screen edits one key and leaves the
rest of the file byte for byte; special files never block the start and are never written over; a failed
save leaves the old file whole."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import FIXTURE_BANK, NOW
from textual.widgets import DataTable, Input

from quizapp import settings as settings_module
from quizapp.settings import Settings, load_settings, read_settings_file, save_settings, settings_path
from quizapp.tui.app import make_app
from quizapp.tui.screens.settings import SettingsScreen

USER_FILE = """\
# quizapp settings, by hand
theme = "textual-light"   # easier on the eyes
new_per_day = 15
reviews_per_day = -3      # a bad value: reported, used as the default, and left for me to fix
future_option = { answer = 42 }   # a key this version doesn't know

[keymap]
# my study keys
"study.good" = "3,g"
"study.again" = "1,a"     # wait, a picks option a ... only when a question is up
"""


async def test_a_change_on_the_screen_leaves_the_rest_of_the_file_byte_for_byte() -> None:
    path = settings_path()
    path.write_text(USER_FILE, encoding="utf-8")
    loaded, problems = load_settings()
    assert len(problems) == 2  # reviews_per_day, future_option
    app = make_app([FIXTURE_BANK], ":memory:", loaded, now=NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        app.action_open_screen("settings")
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)
        screen = app.screen
        screen.query_one("#setting-new_per_day", Input).focus()
        await pilot.press("end", "backspace", "8", "enter")  # 15 -> 18
        assert path.read_text("utf-8") == USER_FILE.replace("new_per_day = 15", "new_per_day = 18")
        table = screen.query_one("#keys", DataTable)
        table.focus()
        table.move_cursor(row=table.get_row_index("study.easy"))
        await pilot.press("enter")
        screen.query_one("#key-input", Input).value = "4, e"
        await pilot.press("enter")
    assert path.read_text("utf-8") == (
        USER_FILE.replace("new_per_day = 15", "new_per_day = 18") + '"study.easy" = "4,e"\n'
    )
    assert list(path.parent.iterdir()) == [path]  # no temporary file, no clutter


def _start_with(settings_file: Path) -> subprocess.CompletedProcess[str]:
    """Start the app headless in a fresh process with QUIZAPP_SETTINGS=settings_file, change a value on
    the Settings screen, and print what the app reported; a hang is caught by the timeout."""
    script = textwrap.dedent(
        f"""
        import asyncio
        from pathlib import Path
        from textual.widgets import Input
        from quizapp.settings import load_settings
        from quizapp.tui.app import make_app

        async def main():
            settings, problems = load_settings()
            app = make_app([Path({str(FIXTURE_BANK)!r})], ":memory:", settings)
            app.settings_problems = tuple(problems)
            async with app.run_test(size=(100, 30)) as pilot:
                print("toast:", [n.message for n in app._notifications if n.title.startswith("Settings")])
                app.action_open_screen("settings")
                await pilot.pause()
                app.screen.query_one("#setting-new_per_day", Input).focus()
                await pilot.press("5", "enter")
                print("status:", app.screen.query_one("#settings-status").render())
                print("in use:", app.settings.new_per_day)

        asyncio.run(main())
        """
    )
    env = {**os.environ, "QUIZAPP_SETTINGS": str(settings_file), "QUIZAPP_CACHE": "off"}
    return subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_as_settings_file_neither_hangs_nor_is_written(tmp_path: Path) -> None:
    fifo = tmp_path / "settings.toml"
    os.mkfifo(fifo)
    done = _start_with(fifo)  # before the fix this blocked forever in open()
    assert done.returncode == 0, done.stderr
    assert "is a named pipe (FIFO), not a regular file" in done.stdout  # the toast on start
    assert "status: Not saved (in use until you quit): " in done.stdout
    assert "in use: 5" in done.stdout
    assert fifo.is_fifo()  # never replaced by a regular file


def test_a_folder_as_settings_file_is_reported_and_left_alone(tmp_path: Path) -> None:
    folder = tmp_path / "settings.toml"
    folder.mkdir()
    done = _start_with(folder)
    assert done.returncode == 0, done.stderr
    assert "is a folder, not a regular file" in done.stdout and "status: Not saved" in done.stdout
    assert folder.is_dir() and list(folder.iterdir()) == []


def test_a_device_is_refused_without_reading_it() -> None:
    device = Path(os.devnull)
    if not device.exists() or device.is_file():
        pytest.skip("no character device to try")
    file = read_settings_file(device)
    assert not file.writable and "is a device, not a regular file" in (file.problem or "")


def test_a_save_that_fails_halfway_leaves_the_old_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(USER_FILE, encoding="utf-8")
    before, _ = load_settings(path, environ={})

    def crash(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(settings_module.os, "replace", crash)
    with pytest.raises(OSError, match="No space left"):
        save_settings(replace(before, **{"new_per_day": 99}), before, path, environ={})
    assert path.read_text("utf-8") == USER_FILE
    assert list(tmp_path.iterdir()) == [path]  # the temporary file is cleaned up


def test_environment_overrides_are_never_written_back(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(USER_FILE, encoding="utf-8")
    env = {"QUIZAPP_NEW_PER_DAY": "2", "QUIZAPP_THEME": "nord"}
    before, _ = load_settings(path, environ=env)
    assert (before.new_per_day, before.theme) == (2, "nord")
    save_settings(replace(before, **{"leech_lapses": 5}), before, path, environ=env)
    known = "future_option = { answer = 42 }   # a key this version doesn't know\n"
    assert path.read_text("utf-8") == USER_FILE.replace(known, known + "leech_lapses = 5\n")
    assert load_settings(path, environ={})[0] == Settings(
        theme="textual-light",
        new_per_day=15,
        leech_lapses=5,
        keymap={"study.good": "3,g", "study.again": "1,a"},
    )
