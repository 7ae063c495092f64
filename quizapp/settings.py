"""User settings: a pydantic model kept in settings.toml, each field overridable by a QUIZAPP_* variable."""

from __future__ import annotations

import os
import tempfile
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomli_w
from platformdirs import user_config_dir
from pydantic import BaseModel, ConfigDict, Field, ValidationError

SETTINGS_ENV = "QUIZAPP_SETTINGS"
ENV_PREFIX = "QUIZAPP_"


class Settings(BaseModel):
    """Scheduling and display preferences; defaults follow Anki's."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    desired_retention: float = Field(
        default=0.9, ge=0.70, le=0.97, description="Recall probability FSRS aims for at each review."
    )
    new_per_day: int = Field(default=20, ge=0, le=9999, description="New cards a day.")
    reviews_per_day: int = Field(default=200, ge=0, le=99999, description="Reviews a day.")
    day_starts_at: int = Field(default=4, ge=0, le=23, description="Local hour the study day begins.")
    leech_lapses: int = Field(default=8, ge=1, le=99, description="Lapses that make a card a leech.")
    learn_ahead_minutes: int = Field(
        default=20, ge=0, le=240, description="Learning steps due this soon are shown early."
    )
    theme: str = Field(default="textual-dark", description="A Textual theme name.")
    keymap: dict[str, str] = Field(
        default_factory=dict, description='Binding id -> keys, e.g. {"study.good" = "3,g"}.'
    )


def settings_path(environ: Mapping[str, str] | None = None) -> Path:
    """`QUIZAPP_SETTINGS` if set, else settings.toml in the platform's user config folder."""
    env = os.environ if environ is None else environ
    if env.get(SETTINGS_ENV):
        return Path(env[SETTINGS_ENV]).expanduser()
    return Path(user_config_dir("quizapp", appauthor=False)) / "settings.toml"


def env_overrides(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Fields set by environment variables, e.g. QUIZAPP_NEW_PER_DAY=10 (the keymap only in the file)."""
    env = os.environ if environ is None else environ
    fields = [name for name in Settings.model_fields if name != "keymap"]
    return {name: env[ENV_PREFIX + name.upper()] for name in fields if ENV_PREFIX + name.upper() in env}


def load_settings(
    path: Path | None = None, environ: Mapping[str, str] | None = None
) -> tuple[Settings, str | None]:
    """The settings (the file, with QUIZAPP_* variables on top) and a warning if something was unusable.

    An unusable value never stops the app: it falls back to its default, the rest still applies."""
    path = path or settings_path(environ)
    data, warning = read_file(path)
    overrides = env_overrides(environ)
    merged: dict[str, Any] = {**data, **overrides}
    while True:
        try:
            return Settings.model_validate(merged), warning
        except ValidationError as error:
            first = error.errors(include_url=False)[0]
            name = str(first["loc"][0]) if first["loc"] else ""
            where = ".".join(str(part) for part in first["loc"])
            origin = f"{ENV_PREFIX}{name.upper()}" if name in overrides else str(path)
            warning = f"{origin}: {where}: {first['msg']}; using the default"
            if name not in merged:
                return Settings(), warning
            del merged[name]


def read_file(path: Path) -> tuple[dict[str, Any], str | None]:
    """The file's table (empty when missing) and a warning if it can't be read."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8")), None
    except FileNotFoundError:
        return {}, None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        return {}, f"{path}: {error}; using default settings"


def save_settings(
    settings: Settings, path: Path | None = None, environ: Mapping[str, str] | None = None
) -> Path:
    """Write `settings` to the file atomically; fields set by QUIZAPP_* variables keep the file's value."""
    path = path or settings_path(environ)
    existing, _ = read_file(path)
    data = settings.model_dump(exclude_defaults=True)
    for name in env_overrides(environ):
        data.pop(name, None)
        if name in existing:
            data[name] = existing[name]
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("wb", dir=path.parent, prefix=".settings-", delete=False) as handle:
        tomli_w.dump(data, handle)
    Path(handle.name).replace(path)
    return path
