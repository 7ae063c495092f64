"""User settings: kept in settings.toml, checked by pydantic, each field overridable by a QUIZAPP_* variable.

Reading never blocks and never stops the app: every unusable value is reported (all of them, with where
they come from) and falls back to its default alone. Saving edits only the keys that changed, in place,
with a style-preserving TOML library, so the user's comments, unknown keys and even bad values survive;
when that can't be done safely (the file isn't TOML, isn't a regular file) saving is refused with the reason.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import hashlib
import importlib.util
import json
import os
import re
import stat
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints

from platformdirs import user_config_dir

from quizapp.content.files import read_regular_file, write_atomically

SETTINGS_ENV = "QUIZAPP_SETTINGS"
ENV_PREFIX = "QUIZAPP_"
MAX_FILE_BYTES = 1 << 20  # a settings file is a few hundred bytes; anything this big is a mistake

# One key: optional modifiers, then a single character or a key name (Textual's: "space", "f5", "comma").
TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
KEY_PATTERN = re.compile(r"(?:(?:ctrl|shift|alt|meta|super|hyper)\+)*(?:[a-z][a-z0-9_]*|[^\s,])")


def _about(description: str, **limits: float) -> dict[str, Any]:
    """A settings field's metadata: what it means, and pydantic's limits for it (ge, le)."""
    return {"description": description, "limits": limits}


@dataclass(frozen=True)
class Settings:
    """Scheduling and display preferences; defaults follow Anki's.

    A plain dataclass, so a start with nothing to check never imports pydantic (~65 ms); values from the
    file or the environment are checked by pydantic with these fields' types and limits
    (`validate_settings`)."""

    desired_retention: float = field(
        default=0.9, metadata=_about("Recall probability FSRS aims for at each review.", ge=0.70, le=0.97)
    )
    new_per_day: int = field(default=20, metadata=_about("New cards a day.", ge=0, le=9999))
    reviews_per_day: int = field(default=200, metadata=_about("Reviews a day.", ge=0, le=99999))
    day_starts_at: int = field(default=4, metadata=_about("Local hour the study day begins.", ge=0, le=23))
    leech_lapses: int = field(default=8, metadata=_about("Lapses that make a card a leech.", ge=1, le=99))
    learn_ahead_minutes: int = field(
        default=20, metadata=_about("Learning steps due this soon are shown early.", ge=0, le=240)
    )
    theme: str = field(default="textual-dark", metadata=_about("A Textual theme name."))
    keymap: dict[str, str] = field(
        default_factory=dict, metadata=_about('Binding id -> keys, e.g. {"study.good" = "3,g"}.')
    )
    code_time_limit: float = field(
        default=5.0,
        metadata=_about("Seconds a code exercise's tests may run before they are stopped.", ge=0.5, le=60),
    )
    fsrs_parameters: list[float] | None = field(
        default=None,
        metadata=_about("The 21 FSRS-6 parameters fitted by `quizapp optimize`; absent: fsrs's defaults."),
    )


SETTING_FIELDS = {setting.name: setting for setting in fields(Settings)}


def default_of(name: str) -> Any:
    """The default value of the setting `name`."""
    setting = SETTING_FIELDS[name]
    return setting.default_factory() if setting.default_factory is not MISSING else setting.default


def validate_settings(values: Mapping[str, Any], *, strict: bool = False) -> Settings:
    """`values` checked by pydantic against the fields' types and limits; missing ones take their
    defaults and unknown ones are ignored. Raises pydantic.ValidationError (a ValueError)."""
    checked = _settings_model().model_validate(values, strict=strict)
    return Settings(**{name: getattr(checked, name) for name in SETTING_FIELDS})


@functools.cache
def _settings_model() -> Any:
    """The pydantic model of `Settings`, built from its fields on first use (pydantic is imported here)."""
    from pydantic import ConfigDict, Field, create_model, field_validator

    hints = get_type_hints(Settings)
    definitions: dict[str, Any] = {}
    for name, setting in SETTING_FIELDS.items():
        default = (
            {"default_factory": setting.default_factory}
            if setting.default_factory is not MISSING
            else {"default": setting.default}
        )
        limits = setting.metadata["limits"]
        definitions[name] = (
            hints[name],
            Field(description=setting.metadata["description"], **default, **limits),
        )
    return create_model(
        "Settings",
        __config__=ConfigDict(extra="ignore", frozen=True),
        __validators__={
            "fsrs_parameters_in_bounds": field_validator("fsrs_parameters")(_fsrs_parameters_in_bounds)
        },
        **definitions,
    )


def _fsrs_parameters_in_bounds(value: list[float] | None) -> list[float] | None:
    """Refuse a vector fsrs.Scheduler would refuse (wrong length, a parameter out of its bounds)."""
    if value is not None:
        from quizapp.srs.optimize import parameter_problem  # fsrs loads only when parameters are set

        problem = parameter_problem(value)
        if problem:
            raise ValueError(problem)
    return value


class SettingsNotSaved(OSError):
    """The settings file can't be updated safely; the message says why and what to do."""


@dataclass(frozen=True)
class SettingsFile:
    """What the settings file holds, read without blocking.

    `data` is its table ({} when missing or unusable); `problem` says why it is unusable; `writable` is
    False when saving there would destroy something (not TOML, not a regular file)."""

    path: Path
    exists: bool
    data: dict[str, Any]
    text: str = ""
    problem: str | None = None
    writable: bool = True


def settings_path(environ: Mapping[str, str] | None = None) -> Path:
    """`QUIZAPP_SETTINGS` if set, else settings.toml in the platform's user config folder."""
    env = os.environ if environ is None else environ
    if env.get(SETTINGS_ENV):
        return Path(env[SETTINGS_ENV]).expanduser()
    return Path(user_config_dir("quizapp", appauthor=False)) / "settings.toml"


def env_overrides(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Fields set by environment variables, e.g. QUIZAPP_NEW_PER_DAY=10 (keymap, parameters: file only)."""
    env = os.environ if environ is None else environ
    names = [name for name in SETTING_FIELDS if name not in ("keymap", "fsrs_parameters")]
    return {name: env[ENV_PREFIX + name.upper()] for name in names if ENV_PREFIX + name.upper() in env}


def load_settings(
    path: Path | None = None, environ: Mapping[str, str] | None = None
) -> tuple[Settings, list[str]]:
    """The settings (the file, with QUIZAPP_* variables on top) and every problem found on the way.

    An unusable value never stops the app: it falls back to its default, the rest still applies. Values
    from the file must have the right TOML type (`true` is not a number); variables are parsed from text.
    What pydantic made of a file and variables is remembered in the cache folder (`settings.json`), so
    an unchanged file is not checked again at every start."""
    path = path or settings_path(environ)
    file = read_settings_file(path)
    problems = [file.problem] if file.problem else []
    overrides = env_overrides(environ)
    if not file.data and not overrides:
        return Settings(), problems
    memo, key = _memo_file(), _memo_key(path, file.text, overrides)
    remembered = _recall(memo, key) if memo is not None and key is not None else None
    if remembered is not None:
        return remembered
    values, found = check_values(file.data, str(path), strict=True)
    problems += found
    for name, text in overrides.items():
        value, found = check_values({name: text}, ENV_PREFIX + name.upper(), strict=False)
        values.update(value)
        problems += found
    settings = validate_settings(values) if values else Settings()
    if memo is not None and key is not None:
        with contextlib.suppress(OSError, TypeError, ValueError):  # a cache: never worth failing for
            body = {"key": key, "values": asdict(settings), "problems": problems}
            write_atomically(memo, [json.dumps(body).encode()], durable=False)
    return settings, problems


def _memo_file() -> Path | None:
    """Where checked settings are remembered: beside the parsed-bank cache, in the folder the process's
    QUIZAPP_CACHE names or the user cache folder (None when QUIZAPP_CACHE is `off`)."""
    from quizapp.content.cache import default_cache_file

    bank_cache = default_cache_file()
    return None if bank_cache is None else bank_cache.with_name("settings.json")


def _memo_key(path: Path, text: str, overrides: Mapping[str, str]) -> str | None:
    """Changes with anything the checked settings depend on: the file, the variables, the code that
    checks them (this module, the FSRS parameter bounds, pydantic). None when that code can't be read."""
    digest = hashlib.sha256(json.dumps([str(path), text, sorted(overrides.items())]).encode())
    try:
        for file in (Path(__file__), Path(__file__).parent / "srs" / "optimize.py"):
            digest.update(file.read_bytes())
        for package, name in (("pydantic", "version.py"), ("fsrs", "scheduler.py")):
            spec = importlib.util.find_spec(package)  # found, not imported
            if spec is None or spec.origin is None:
                return None
            digest.update((Path(spec.origin).parent / name).read_bytes())
    except OSError:  # installed in a way that hides its files (a zip): check every time
        return None
    return digest.hexdigest()


def _recall(memo: Path, key: str) -> tuple[Settings, list[str]] | None:
    """The settings and problems remembered under `key`, if any."""
    try:
        stored = json.loads(read_regular_file(memo, MAX_FILE_BYTES)[0])
        if stored["key"] != key or set(stored["values"]) != set(SETTING_FIELDS):
            return None
        return Settings(**stored["values"]), [str(problem) for problem in stored["problems"]]
    except Exception:  # missing, damaged, foreign: check the settings again
        return None


def check_values(data: Mapping[str, Any], origin: str, *, strict: bool) -> tuple[dict[str, Any], list[str]]:
    """The usable fields of `data` and one message per unusable or unknown one, each naming `origin`."""
    if not data:
        return {}, []
    from pydantic import ValidationError  # only when there is something to check

    values: dict[str, Any] = {}
    problems: list[str] = []
    for name, value in data.items():
        if name not in SETTING_FIELDS:
            hint = difflib.get_close_matches(name, list(SETTING_FIELDS), n=1)
            guess = f" (did you mean {hint[0]}?)" if hint else ""
            problems.append(f"{origin}: {name}: not a setting, ignored{guess}")
        elif name == "keymap":
            keymap, found = check_keymap(value, origin)
            values[name] = keymap
            problems += found
        else:
            try:
                validate_settings({name: value}, strict=strict)
            except ValidationError as error:
                message = error.errors(include_url=False)[0]["msg"]
                default = default_of(name)
                shown = f"{name} = {as_toml(value)}"
                fallback = "fsrs's defaults" if default is None else f"the default {as_toml(default)}"
                problems.append(f"{origin}: {shown}: {message}; using {fallback}")
            else:
                values[name] = value
    return values, problems


def check_keymap(raw: Any, origin: str) -> tuple[dict[str, str], list[str]]:
    """The usable entries of a keymap table (keys normalized) and one message per unusable entry."""
    if not isinstance(raw, dict):
        return {}, [f'{origin}: keymap = {as_toml(raw)}: should be a table of binding id = "keys"; ignored']
    keymap: dict[str, str] = {}
    problems: list[str] = []
    for binding_id, keys in raw.items():
        try:
            keymap[binding_id] = parse_keys(keys)
        except ValueError as error:
            problems.append(
                f"{origin}: keymap.{binding_id} = {as_toml(keys)}: {error}; using the default keys"
            )
    return keymap, problems


def as_toml(value: Any) -> str:
    """A value as TOML spells it (true, "text", 3), for messages about the file."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


def parse_keys(keys: Any) -> str:
    """`keys` normalized ("3, g" -> "3,g"), or ValueError saying what is wrong with them."""
    if not isinstance(keys, str):
        raise ValueError('should be a string of comma-separated keys, e.g. "3,g"')
    parts = [part.strip() for part in keys.split(",")]
    if not any(parts):
        raise ValueError("no keys given")
    for part in parts:
        if not part:
            raise ValueError("an empty key between commas")
        if not KEY_PATTERN.fullmatch(part):
            raise ValueError(f"“{part}” is not a key (a character, or a name like space, f5, ctrl+r)")
    return ",".join(dict.fromkeys(parts))


def bad_fields(path: Path | None = None) -> set[str]:
    """The fields the settings file sets to unusable values (saving the field replaces them)."""
    data = read_settings_file(path or settings_path()).data
    usable, _ = check_values(data, "", strict=True)
    return {name for name in data if name in SETTING_FIELDS and name not in usable}


def read_settings_file(path: Path) -> SettingsFile:
    """Read the file without ever blocking (a FIFO, a device, a folder are refused, not opened for long)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        return SettingsFile(path, exists=False, data={})
    except IsADirectoryError:
        return _unusable(path, "is a folder, not a regular file")
    except OSError as error:
        return _unusable(path, f"can't be read ({error.strerror or error})")
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return _unusable(path, f"is {_kind(info.st_mode)}, not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            return _unusable(path, f"is {info.st_size:,} bytes; a settings file is far smaller")
        raw = os.read(fd, MAX_FILE_BYTES + 1)
    except OSError as error:
        return _unusable(path, f"can't be read ({error.strerror or error})")
    finally:
        os.close(fd)
    try:
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError as error:
        return _unusable(path, f"is not UTF-8 text (byte {error.start})")
    except tomllib.TOMLDecodeError as error:
        where = TOML_POSITION.search(str(error))
        if where is None:
            return _unusable(path, f"is not valid TOML: {error}")
        message = str(error)[: where.start()].rstrip()
        return _unusable(path, f"is not valid TOML: {message}", where=f":{where[1]}:{where[2]}")
    return SettingsFile(path, exists=True, data=data, text=text)


def _unusable(path: Path, why: str, where: str = "") -> SettingsFile:
    """A file that can't be used: report it (at `where`, ":line:col") and never write over it."""
    message = f"{path}{where}: {why}; using default settings; changes won't be saved there until it is fixed"
    return SettingsFile(path, exists=True, data={}, problem=message, writable=False)


def _kind(mode: int) -> str:
    """A file type in words."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def changes_between(old: Settings, new: Settings) -> dict[str, Any]:
    """The fields that differ; for the keymap, only the entries that differ (None: entry removed)."""
    changes: dict[str, Any] = {}
    for name in SETTING_FIELDS:
        before, after = getattr(old, name), getattr(new, name)
        if name == "keymap":
            entries = {k: after.get(k) for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
            if entries:
                changes[name] = entries
        elif before != after:
            changes[name] = after
    return changes


def save_settings(
    settings: Settings,
    previous: Settings | None = None,
    path: Path | None = None,
    environ: Mapping[str, str] | None = None,
    force: Collection[str] = (),
) -> Path:
    """Write what changed from `previous` (default: what the file holds now) into the settings file.

    Only those keys (and the fields named in `force`, e.g. to replace a bad value with the default) are
    touched: comments, layout, unknown keys and other values stay byte for byte. Fields set by QUIZAPP_*
    variables are never written. The file is replaced atomically (a temporary file in the same folder,
    then os.replace). Raises SettingsNotSaved when the file can't be edited safely."""
    path = path or settings_path(environ)
    if previous is None:
        previous, _ = load_settings(path, environ)
    changes = changes_between(previous, settings)
    changes.update({name: getattr(settings, name) for name in force if name != "keymap"})
    for name in env_overrides(environ):
        changes.pop(name, None)
    if not changes:
        return path
    target = path.resolve() if path.is_symlink() else path  # keep a link to a dotfiles repository a link
    file = read_settings_file(target)
    if not file.writable:
        raise SettingsNotSaved(file.problem)
    write_atomically(target, [updateas_toml(file.text, changes).encode()])
    return path


def updateas_toml(text: str, changes: Mapping[str, Any]) -> str:
    """`text` with the changed keys set (keymap entries set or removed), everything else as it was."""
    import tomlkit  # only a save needs it: keep it off the start-up path
    from tomlkit.exceptions import TOMLKitError

    try:
        document = tomlkit.parse(text)
    except TOMLKitError as error:
        raise SettingsNotSaved(f"the settings file is not valid TOML ({error}); fix it, then save") from None
    if document.as_string() != text:
        raise SettingsNotSaved("the settings file would not round-trip unchanged; edit it by hand")
    for name, value in changes.items():
        if value is None:  # TOML has no null: an absent key means the default
            document.pop(name, None)
            continue
        if name != "keymap":
            document[name] = value
            continue
        table = document.get("keymap")
        if not isinstance(table, dict):  # missing, or a bad value (reported at start): a fresh table
            table = tomlkit.table()
            document["keymap"] = table
            table = document["keymap"]
        for binding_id, keys in value.items():
            if keys is None:
                table.pop(binding_id, None)
            else:
                table[binding_id] = keys
    return document.as_string()
