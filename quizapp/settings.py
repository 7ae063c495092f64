"""User settings: a pydantic model read from settings.toml in the user config folder."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from platformdirs import user_config_dir
from pydantic import BaseModel, ConfigDict, Field, ValidationError

SETTINGS_ENV = "QUIZAPP_SETTINGS"


class Settings(BaseModel):
    """Scheduling and display preferences; defaults follow Anki's."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    desired_retention: float = Field(default=0.9, ge=0.70, le=0.97)
    new_per_day: int = Field(default=20, ge=0, le=9999)
    reviews_per_day: int = Field(default=200, ge=0, le=99999)
    day_starts_at: int = Field(default=4, ge=0, le=23, description="Local hour the study day begins.")
    leech_lapses: int = Field(default=8, ge=1, le=99)
    learn_ahead_minutes: int = Field(default=20, ge=0, le=240)
    theme: str = "textual-dark"


def settings_path(environ: dict[str, str] | None = None) -> Path:
    """`QUIZAPP_SETTINGS` if set, else settings.toml in the platform's user config folder."""
    env = os.environ if environ is None else environ
    if env.get(SETTINGS_ENV):
        return Path(env[SETTINGS_ENV]).expanduser()
    return Path(user_config_dir("quizapp", appauthor=False)) / "settings.toml"


def load_settings(path: Path | None = None) -> tuple[Settings, str | None]:
    """The saved settings (defaults when there is no file) and a warning if the file is unusable."""
    path = path or settings_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings(), None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        return Settings(), f"{path}: {error}; using default settings"
    try:
        return Settings.model_validate(data), None
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        return Settings(), f"{path}: {where}: {first['msg']}; using default settings"
