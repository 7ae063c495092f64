"""Settings: the file, QUIZAPP_* overrides, every problem reported, strict types, saving in place."""

from __future__ import annotations

import os
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from quizapp import settings as settings_module
from quizapp.settings import (
    Settings,
    SettingsNotSaved,
    changes_between,
    load_settings,
    parse_keys,
    read_settings_file,
    save_settings,
)


def test_defaults_without_a_file(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "none.toml", environ={}) == (Settings(), [])


def test_the_file_then_environment_overrides(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text('new_per_day = 5\ntheme = "textual-light"\n[keymap]\n"study.good" = "3, g"\n', "utf-8")
    settings, problems = load_settings(path, environ={"QUIZAPP_NEW_PER_DAY": "9"})
    assert problems == []
    assert (settings.new_per_day, settings.theme, settings.keymap) == (
        9,
        "textual-light",
        {"study.good": "3,g"},  # normalized
    )


def test_an_unusable_value_falls_back_alone_and_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text("desired_retention = 0.5\nnew_per_day = 7\n", "utf-8")
    settings, problems = load_settings(path, environ={"QUIZAPP_REVIEWS_PER_DAY": "lots"})
    assert settings.new_per_day == 7  # the good value still applies
    assert settings.desired_retention == 0.9 and settings.reviews_per_day == 200
    assert len(problems) == 2
    assert problems[0].startswith(f"{path}: desired_retention = 0.5: ")
    assert problems[1].startswith('QUIZAPP_REVIEWS_PER_DAY: reviews_per_day = "lots": ')


def test_six_bad_values_give_six_problems(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(
        "desired_retention = 2.0\nnew_per_day = -1\nreviews_per_day = 'many'\n"
        "day_starts_at = 24\nleech_lapses = true\nlearn_ahead_minutes = 1.5\n",
        "utf-8",
    )
    settings, problems = load_settings(path, environ={})
    assert settings == Settings()
    named = [p.split(": ")[1].split(" = ")[0] for p in problems]
    assert named == [
        "desired_retention",
        "new_per_day",
        "reviews_per_day",
        "day_starts_at",
        "leech_lapses",
        "learn_ahead_minutes",
    ]


@pytest.mark.parametrize("value", ["true", "8.0", '"8"'])
def test_leech_lapses_must_be_a_toml_integer(tmp_path: Path, value: str) -> None:
    path = tmp_path / "s.toml"
    path.write_text(f"leech_lapses = {value}\n", "utf-8")
    settings, problems = load_settings(path, environ={})
    assert settings.leech_lapses == 8  # not 1: `true` is no number of lapses
    assert len(problems) == 1 and "leech_lapses" in problems[0] and "integer" in problems[0]


def test_an_integer_is_a_fine_retention(tmp_path: Path) -> None:
    """Strict types still let a TOML integer stand for a float (TOML writers emit 1 for 1.0)."""
    path = tmp_path / "s.toml"
    path.write_text("desired_retention = 0.8\n", "utf-8")
    assert load_settings(path, environ={})[0].desired_retention == 0.8


def test_bad_keymap_entries_are_reported_and_the_good_ones_kept(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(
        '[keymap]\n"study.good" = "g"\n"study.easy" = 4\n"study.hard" = "2,,h"\n"study.again" = "ctrl + a"\n',
        "utf-8",
    )
    settings, problems = load_settings(path, environ={})
    assert settings.keymap == {"study.good": "g"}
    assert [p.split(": ")[1].split(" = ")[0] for p in problems] == [
        "keymap.study.easy",
        "keymap.study.hard",
        "keymap.study.again",
    ]


def test_a_keymap_that_is_no_table_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text('keymap = "3,g"\n', "utf-8")
    settings, problems = load_settings(path, environ={})
    assert settings.keymap == {} and len(problems) == 1 and "table" in problems[0]


def test_an_unknown_key_is_reported_with_a_guess(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text("new_per_dya = 5\n", "utf-8")
    settings, problems = load_settings(path, environ={})
    assert settings == Settings()
    assert problems == [f"{path}: new_per_dya: not a setting, ignored (did you mean new_per_day?)"]


def test_keys_are_checked_and_normalized() -> None:
    assert parse_keys(" 3 , g,ctrl+r,space,?") == "3,g,ctrl+r,space,?"
    for bad in ["", " , ", "3,", "ctrl+", "two words", 3]:
        with pytest.raises(ValueError):
            parse_keys(bad)


def test_a_file_that_is_not_toml_says_where_and_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    text = "# mine\nnew_per_day = 30\nreviews_per_day = 50x\n"
    path.write_text(text, "utf-8")
    settings, problems = load_settings(path, environ={})
    assert settings == Settings()
    assert problems == [
        f"{path}:3:21: is not valid TOML: Expected newline or end of document after a statement; "
        "using default settings; changes won't be saved there until it is fixed"
    ]
    with pytest.raises(SettingsNotSaved, match="not valid TOML"):
        save_settings(Settings(theme="textual-light"), Settings(), path, environ={})
    assert path.read_text("utf-8") == text


def test_a_folder_is_reported_and_never_written(tmp_path: Path) -> None:
    settings, problems = load_settings(tmp_path, environ={})
    assert settings == Settings() and "is a folder" in problems[0]
    with pytest.raises(SettingsNotSaved):
        save_settings(Settings(new_per_day=3), Settings(), tmp_path, environ={})


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_is_reported_without_opening_it_for_long(tmp_path: Path) -> None:
    """Reading a FIFO nobody writes to would block forever; here it is refused at once."""
    fifo = tmp_path / "settings.toml"
    os.mkfifo(fifo)
    file = read_settings_file(fifo)
    assert not file.writable and "named pipe" in (file.problem or "")
    with pytest.raises(SettingsNotSaved):
        save_settings(Settings(new_per_day=3), Settings(), fifo, environ={})


def test_saving_edits_only_the_changed_keys(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    text = (
        "# my settings\r\n"
        "new_per_day   = 25  # more please\r\n"
        "leech_lapses = true   # a bad value stays the user's to fix\r\n"
        "future_option = 'kept'\r\n"
        "\r\n[keymap]\r\n"
        '"study.good" = "3,g"  # g too\r\n'
    )
    path.write_text(text, "utf-8", newline="")
    before, _ = load_settings(path, environ={})
    after = replace(before, **{"new_per_day": 30, "keymap": {"study.good": "3,g", "study.easy": "e"}})
    save_settings(after, before, path, environ={})
    assert path.read_bytes().decode() == (
        text.replace("new_per_day   = 25", "new_per_day   = 30") + '"study.easy" = "e"\n'
    )
    assert load_settings(path, environ={})[0] == after


def test_saving_leaves_alone_what_changed_in_the_file_meanwhile(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text("new_per_day = 25\n", "utf-8")
    before, _ = load_settings(path, environ={})
    path.write_text("new_per_day = 40\n", "utf-8")  # edited by hand while the app runs
    save_settings(replace(before, **{"theme": "textual-light"}), before, path, environ={})
    assert tomllib.loads(path.read_text("utf-8")) == {"new_per_day": 40, "theme": "textual-light"}


def test_a_removed_keymap_entry_is_deleted_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text('keymap = {"study.good" = "g", "study.easy" = "e"}\n', "utf-8")
    before, _ = load_settings(path, environ={})
    save_settings(replace(before, **{"keymap": {"study.easy": "e"}}), before, path, environ={})
    assert tomllib.loads(path.read_text("utf-8")) == {"keymap": {"study.easy": "e"}}


def test_saving_keeps_environment_values_out(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "s.toml"
    env = {"QUIZAPP_NEW_PER_DAY": "3"}
    settings, _ = load_settings(path, environ=env)
    changed = replace(
        settings, **{"new_per_day": 4, "desired_retention": 0.85, "keymap": {"study.again": "1,a"}}
    )
    save_settings(changed, settings, path, environ=env)
    stored = tomllib.loads(path.read_text("utf-8"))
    assert stored == {"desired_retention": 0.85, "keymap": {"study.again": "1,a"}}  # no new_per_day
    assert load_settings(path, environ={})[0] == replace(changed, **{"new_per_day": 20})


def test_saving_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "quizapp.toml"
    real.parent.mkdir()
    real.write_text("# tracked in git\n", "utf-8")
    link = tmp_path / "settings.toml"
    link.symlink_to(real)
    save_settings(Settings(new_per_day=5), Settings(), link, environ={})
    assert link.is_symlink() and real.read_text("utf-8") == "# tracked in git\nnew_per_day = 5\n"


def test_changes_between_lists_only_what_differs() -> None:
    old = Settings(keymap={"study.good": "g", "study.easy": "e"})
    new = replace(old, **{"theme": "nord", "keymap": {"study.good": "g", "study.hard": "h"}})
    assert changes_between(old, new) == {
        "theme": "nord",
        "keymap": {"study.easy": None, "study.hard": "h"},
    }


def test_checked_settings_are_remembered_until_the_file_or_a_variable_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A start with an unchanged settings file takes what pydantic made of it last time."""
    monkeypatch.setenv("QUIZAPP_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "settings.toml"
    path.write_text(
        'new_per_day = 7\ntheme = "nord"\nleech_lapses = "many"\n[keymap]\n"study.good" = "3, g"\n'
    )
    first = load_settings(path, environ={})
    assert first[0].new_per_day == 7 and first[0].keymap == {"study.good": "3,g"} and len(first[1]) == 1
    assert (tmp_path / "cache" / "settings.json").exists()

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("checked again")

    monkeypatch.setattr(settings_module, "validate_settings", refuse)
    assert load_settings(path, environ={}) == first  # remembered: the same settings and problems
    with pytest.raises(AssertionError, match="checked again"):
        load_settings(path, environ={"QUIZAPP_NEW_PER_DAY": "9"})  # a variable changed
    path.write_text("new_per_day = 8\n")
    with pytest.raises(AssertionError, match="checked again"):
        load_settings(path, environ={})  # the file changed
    monkeypatch.undo()
    monkeypatch.setenv("QUIZAPP_CACHE", str(tmp_path / "cache"))
    (tmp_path / "cache" / "settings.json").write_text("{not json")
    assert load_settings(path, environ={})[0].new_per_day == 8  # a damaged memo is only a miss
