"""Settings: the file, QUIZAPP_* overrides, bad values falling back, and saving that keeps env values out."""

from __future__ import annotations

import tomllib
from pathlib import Path

from quizapp.settings import Settings, load_settings, save_settings


def test_defaults_without_a_file(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "none.toml", environ={}) == (Settings(), None)


def test_the_file_then_environment_overrides(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text('new_per_day = 5\ntheme = "textual-light"\n[keymap]\n"study.good" = "3,g"\n', "utf-8")
    settings, warning = load_settings(path, environ={"QUIZAPP_NEW_PER_DAY": "9"})
    assert warning is None
    assert (settings.new_per_day, settings.theme, settings.keymap) == (
        9,
        "textual-light",
        {"study.good": "3,g"},
    )


def test_an_unusable_value_falls_back_alone_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text("desired_retention = 0.5\nnew_per_day = 7\n", "utf-8")
    settings, warning = load_settings(path, environ={"QUIZAPP_REVIEWS_PER_DAY": "lots"})
    assert settings.new_per_day == 7  # the good value still applies
    assert settings.desired_retention == 0.9 and settings.reviews_per_day == 200
    assert warning is not None and "using the default" in warning


def test_a_broken_file_warns_and_uses_defaults(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text("new_per_day = [", "utf-8")
    settings, warning = load_settings(path, environ={})
    assert settings == Settings() and warning and str(path) in warning


def test_saving_round_trips_and_keeps_environment_values_out(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "s.toml"
    env = {"QUIZAPP_NEW_PER_DAY": "3"}
    settings, _ = load_settings(path, environ=env)
    changed = settings.model_copy(update={"desired_retention": 0.85, "keymap": {"study.again": "1,a"}})
    save_settings(changed, path, environ=env)
    stored = tomllib.loads(path.read_text("utf-8"))
    assert stored == {"desired_retention": 0.85, "keymap": {"study.again": "1,a"}}  # not new_per_day = 3
    assert load_settings(path, environ={})[0] == changed.model_copy(update={"new_per_day": 20})
