"""Settings: scheduling limits, theme and key bindings.

A value is applied and saved when it is complete (enter, or leaving the field) and valid; the file is edited
in place (quizapp.settings.save_settings). Every problem with the file is listed at the top, every refusal
says why in full, and a key already used where the binding works is refused, naming its owner.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from pydantic import ValidationError
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.keys import key_to_character
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Label, Select, Static

from quizapp.settings import (
    ENV_PREFIX,
    Settings,
    as_toml,
    bad_fields,
    changes_between,
    env_overrides,
    load_settings,
    parse_keys,
    save_settings,
    settings_path,
    validate_settings,
)
from quizapp.tui.base import quiz_app
from quizapp.tui.keymap import KeyBinding, catalog, clashes, keymap_problems, normalize
from quizapp.wording import plural

# The numeric fields the form edits, with their labels.
FIELDS: dict[str, str] = {
    "desired_retention": "Desired retention (0.70–0.97)",
    "new_per_day": "New cards a day",
    "reviews_per_day": "Reviews a day",
    "day_starts_at": "Study day starts at (hour, 0–23)",
    "leech_lapses": "Leech after (lapses)",
    "learn_ahead_minutes": "Learn ahead (minutes)",
}


def show_keys(keys: str) -> str:
    """Keys as a user types them: "question_mark,g" -> "?, g"."""
    shown = []
    for key in keys.split(","):
        character = key_to_character(key)
        shown.append(character if character and character.isprintable() and character != " " else key)
    return ", ".join(shown)


def describe(changes: dict[str, Any]) -> str:
    """Changes in words, as they appear in the file: `new_per_day = 25`, `keymap.study.good = "g"`."""
    parts = []
    for name, value in changes.items():
        if name == "keymap":
            parts += [f"keymap.{k} = {as_toml(v)}" if v else f"keymap.{k} removed" for k, v in value.items()]
        else:
            parts.append(f"{name} = {as_toml(value)}")
    return ", ".join(parts)


class SettingsScreen(Screen[None]):
    """Edit the settings; a complete, valid value is applied at once and saved."""

    CSS_PATH = "../settings.tcss"
    BINDINGS = [
        Binding("escape", "back", "Back", id="settings.back"),
        Binding("ctrl+r", "reset_key", "Default key", id="settings.reset-key"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.key_bindings = catalog()
        self.by_id = {binding.id: binding for binding in self.key_bindings}
        self.editing: str | None = None  # the binding id whose keys are being typed
        self.overridden = env_overrides()

    def compose(self) -> ComposeResult:
        settings = quiz_app(self).settings
        yield Header()
        with VerticalScroll(id="settings"):
            yield Static("", id="settings-file", markup=False)
            yield Static("", id="settings-status", markup=False)
            yield Static("", id="settings-problems", markup=False)
            for name, label in FIELDS.items():
                with Horizontal(classes="setting"):
                    yield Label(label, classes="setting-label")
                    yield Input(
                        str(getattr(settings, name)),
                        id=f"setting-{name}",
                        classes="setting-input",
                        disabled=name in self.overridden,
                    )
                    note = f"set by {ENV_PREFIX}{name.upper()}" if name in self.overridden else ""
                    yield Static(note, id=f"error-{name}", classes="setting-error", markup=False)
            with Horizontal(classes="setting setting-select"):
                yield Label("Theme", classes="setting-label")
                themes = sorted(quiz_app(self).available_themes)
                yield Select(
                    [(t, t) for t in themes],
                    value=quiz_app(self).theme,  # the theme in use (a misspelt one in the file isn't)
                    allow_blank=False,
                    id="theme",
                    disabled="theme" in self.overridden,
                )
            yield Label("Keys: pick a row and press enter to change it (ctrl+r restores the default)")
            yield DataTable(id="keys", cursor_type="row", zebra_stripes=True)
            with Vertical(id="key-editor"):
                yield Label("", id="key-editor-label")
                yield Input(placeholder="keys, comma-separated: e.g. 3,g", id="key-input")
                yield Static("", id="key-error", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Settings"
        table = self.query_one("#keys", DataTable)
        table.add_columns("Screen", "Action", "Keys", "Binding id")
        self.fill_keys()
        self.show_file()

    def show_file(self) -> None:
        """The file's path and state, and every problem with the settings as they stand."""
        path = settings_path()
        state = "" if path.exists() else " (not created yet: the defaults are in use until you change one)"
        self.query_one("#settings-file", Static).update(f"Settings file: {path}{state}")
        loaded, problems = load_settings()
        problems += keymap_problems(loaded.keymap)
        text = Text()
        if problems:
            headline = f"{plural(len(problems), 'problem')}; each falls back to its default:"
            text.append(headline, style="bold yellow")
            for problem in problems:  # the path is shown above: its name is enough here
                if problem.startswith(str(path)):
                    problem = path.name + problem.removeprefix(str(path))
                text.append(f"\n• {problem}")
        self.query_one("#settings-problems", Static).update(text)
        self.query_one("#settings-problems").display = bool(problems)

    def show_status(self, message: str, *, error: bool = False) -> None:
        """Say what the last change did, in full."""
        style = "bold red" if error else "green"
        status = self.query_one("#settings-status", Static)
        status.update(Text(message, style=style))
        status.display = True

    def fill_keys(self) -> None:
        """Redraw the key table from the defaults and the current keymap."""
        keymap = quiz_app(self).settings.keymap
        table = self.query_one("#keys", DataTable)
        row = table.cursor_row
        table.clear()
        for binding in self.key_bindings:
            keys = keymap.get(binding.id, binding.keys)
            action = Text(binding.name)
            if binding.tooltip:
                action.append(f" {binding.tooltip}", style="dim")
            shown = Text(show_keys(keys), style="bold" if binding.id in keymap else "")
            table.add_row(binding.screen, action, shown, binding.id, key=binding.id)
        table.move_cursor(row=row)

    # -- numeric fields and theme -----------------------------------------------------------

    def on_input_changed(self, event: Input.Changed) -> None:
        """Check the value as it is typed; nothing is applied until it is complete."""
        name = (event.input.id or "").removeprefix("setting-")
        if name not in FIELDS or name in self.overridden:
            return
        error = self.query_one(f"#error-{name}", Static)
        try:
            updated = self.changed(**{name: event.value})
        except ValidationError as problem:
            error.update(Text(self.why(problem), style="red"))
            return
        pending = getattr(updated, name) != getattr(quiz_app(self).settings, name)
        error.update(Text("enter to apply", style="dim") if pending else "")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """A field is complete: apply it (or store the keys being edited)."""
        if event.input.id == "key-input":
            self.submit_keys(event.value)
        else:
            self.commit(event.input)

    def on_input_blurred(self, event: Input.Blurred) -> None:
        """Leaving a field completes it."""
        if event.input.id != "key-input":
            self.commit(event.input)

    def commit(self, field: Input) -> None:
        """Apply and save the value typed in `field` if it is valid; otherwise say why, in full."""
        name = (field.id or "").removeprefix("setting-")
        if name not in FIELDS or name in self.overridden:
            return
        error = self.query_one(f"#error-{name}", Static)
        current = getattr(quiz_app(self).settings, name)
        try:
            updated = self.changed(**{name: field.value})
        except ValidationError as problem:
            error.update(Text(f"{self.why(problem)}. Not applied: still {current}.", style="bold red"))
            return
        error.update("")
        self.save(updated, force=[name] if name in bad_fields() else [])

    @staticmethod
    def why(problem: ValidationError) -> str:
        """Pydantic's first message, whole."""
        return str(problem.errors(include_url=False)[0]["msg"])

    def on_select_changed(self, event: Select.Changed) -> None:
        """A theme is a complete value: switch at once."""
        if event.select.id == "theme" and isinstance(event.value, str) and event.value != self.app.theme:
            self.save(self.changed(theme=event.value))

    def save(self, updated: Settings, force: list[str] | None = None) -> None:
        """Use `updated` from now on and write what changed to the file, or say why it can't be written."""
        app = quiz_app(self)
        previous = app.settings
        changes = changes_between(previous, updated)
        if not changes and not force:
            return
        app.apply_settings(updated, save=False)
        try:
            path = save_settings(updated, previous, force=force or ())
        except OSError as error:
            message = f"Not saved (in use until you quit): {error}"
            self.show_status(message, error=True)
            self.notify(message, title="Settings", severity="error", timeout=12)
        else:
            done = describe(changes or {name: getattr(updated, name) for name in force or ()})
            self.show_status(f"Saved {done} to {path}")
        self.show_file()

    def changed(self, **values: Any) -> Settings:
        """The current settings with `values` replaced, validated (raises ValidationError)."""
        return validate_settings({**asdict(quiz_app(self).settings), **values})

    def action_back(self) -> None:
        """Complete the field being edited, then leave."""
        if isinstance(self.focused, Input) and self.focused.id != "key-input":
            self.commit(self.focused)
        self.app.pop_screen()

    # -- keys -------------------------------------------------------------------------------

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Edit the keys of the chosen binding."""
        binding = self.by_id[str(event.row_key.value)]
        current = quiz_app(self).settings.keymap.get(binding.id, binding.keys)
        label = f"New keys for {binding.name} ({binding.screen}, {binding.id}); empty: the default"
        self.query_one("#key-editor-label", Label).update(label)
        self.query_one("#key-error", Static).update("")
        editor = self.query_one("#key-input", Input)
        editor.value = show_keys(current)
        editor.focus()
        self.editing = binding.id

    def submit_keys(self, text: str) -> None:
        """Store the typed keys for the binding being edited, or say why they can't be used."""
        if self.editing is None:
            return
        try:
            keys = parse_keys(text) if text.strip() else ""
        except ValueError as error:
            self.query_one("#key-error", Static).update(Text(f"Not changed: {error}.", style="bold red"))
            return
        if self.set_keys(self.editing, keys):
            self.query_one("#keys", DataTable).focus()

    def action_reset_key(self) -> None:
        """Give the highlighted binding its default keys back."""
        table = self.query_one("#keys", DataTable)
        if table.row_count:
            row_key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
            self.set_keys(str(row_key.value), "")

    def set_keys(self, binding_id: str, keys: str) -> bool:
        """Remap `binding_id` to `keys` (empty: its default) unless another binding there uses one of them."""
        binding: KeyBinding = self.by_id[binding_id]
        wanted = keys or binding.keys
        keymap = dict(quiz_app(self).settings.keymap)
        if normalize(wanted) == binding.keys:
            keymap.pop(binding_id, None)
        else:
            keymap[binding_id] = keys
        clash = clashes(binding_id, wanted, keymap, self.key_bindings)
        if clash:
            message = (
                f"{binding.name} ({binding.screen}) not changed: {'; '.join(clash)}. Free that key first."
            )
            self.query_one("#key-error", Static).update(Text(message, style="bold red"))
            self.notify(message, title="Keys", severity="warning", timeout=10)
            return False
        self.save(self.changed(keymap=keymap))
        self.editing = None
        self.query_one("#key-editor-label", Label).update("")
        self.query_one("#key-input", Input).value = ""
        self.query_one("#key-error", Static).update("")
        self.fill_keys()
        self.notify(f"{binding.name} ({binding.screen}): {show_keys(wanted)}", title="Keys")
        return True
