"""Settings: scheduling limits, theme and key bindings; every valid change applies at once and is saved."""

from __future__ import annotations

import importlib
from typing import Any

from pydantic import ValidationError
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Label, Select, Static

from quizapp.settings import Settings, settings_path
from quizapp.tui.base import quiz_app

# The numeric fields the form edits, with their labels.
FIELDS: dict[str, str] = {
    "desired_retention": "Desired retention (0.70–0.97)",
    "new_per_day": "New cards a day",
    "reviews_per_day": "Reviews a day",
    "day_starts_at": "Study day starts at (hour, 0–23)",
    "leech_lapses": "Leech after (lapses)",
    "learn_ahead_minutes": "Learn ahead (minutes)",
}
SCREEN_CLASSES = (
    "quizapp.tui.app:QuizApp",
    "quizapp.tui.screens.home:HomeScreen",
    "quizapp.tui.screens.study:StudyScreen",
    "quizapp.tui.screens.browse:BrowseScreen",
    "quizapp.tui.screens.stats:StatsScreen",
    "quizapp.tui.screens.drill:DrillScreen",
    "quizapp.tui.screens.settings:SettingsScreen",
)


def remappable_bindings() -> list[tuple[str, str, str]]:
    """(binding id, description, default keys) of every binding with an id, screen by screen."""
    found: dict[str, tuple[str, str]] = {}
    for dotted in SCREEN_CLASSES:
        module_name, _, class_name = dotted.partition(":")
        try:
            owner = getattr(importlib.import_module(module_name), class_name)
        except (ImportError, AttributeError):
            continue
        bindings: list[BindingType] = list(owner.BINDINGS)
        for binding in bindings:
            if isinstance(binding, Binding) and binding.id and binding.id not in found:
                found[binding.id] = (binding.tooltip or binding.description or binding.action, binding.key)
    return [(binding_id, description, keys) for binding_id, (description, keys) in found.items()]


class SettingsScreen(Screen[None]):
    """Edit the settings; a valid value is applied and saved as soon as it is typed."""

    CSS_PATH = "../settings.tcss"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="settings.back"),
        Binding("ctrl+r", "reset_key", "Default key", id="settings.reset-key"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.defaults = {binding_id: keys for binding_id, _, keys in remappable_bindings()}
        self.editing: str | None = None  # the binding id whose keys are being typed

    def compose(self) -> ComposeResult:
        settings = quiz_app(self).settings
        yield Header()
        with VerticalScroll(id="settings"):
            yield Static(f"Saved to {settings_path()}", id="settings-file", markup=False)
            for name, label in FIELDS.items():
                with Horizontal(classes="setting"):
                    yield Label(label, classes="setting-label")
                    yield Input(str(getattr(settings, name)), id=f"setting-{name}", classes="setting-input")
                    yield Static("", id=f"error-{name}", classes="setting-error")
            with Horizontal(classes="setting setting-select"):
                yield Label("Theme", classes="setting-label")
                themes = sorted(quiz_app(self).available_themes)
                yield Select([(t, t) for t in themes], value=settings.theme, allow_blank=False, id="theme")
            yield Label("Keys: pick a row and press enter to change it (ctrl+r restores the default)")
            yield DataTable(id="keys", cursor_type="row", zebra_stripes=True)
            with Vertical(id="key-editor"):
                yield Label("", id="key-editor-label")
                yield Input(placeholder="keys, comma-separated: e.g. 3,g", id="key-input")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Settings"
        table = self.query_one("#keys", DataTable)
        table.add_columns("Action", "Binding id", "Keys")
        self.fill_keys()

    def fill_keys(self) -> None:
        """Redraw the key table from the defaults and the current keymap."""
        keymap = quiz_app(self).settings.keymap
        table = self.query_one("#keys", DataTable)
        row = table.cursor_row
        table.clear()
        for binding_id, description, default in remappable_bindings():
            keys = keymap.get(binding_id, default)
            shown = Text(keys, style="bold" if binding_id in keymap else "")
            table.add_row(Text(description), binding_id, shown, key=binding_id)
        table.move_cursor(row=row)

    # -- numeric fields and theme -----------------------------------------------------------

    def on_input_changed(self, event: Input.Changed) -> None:
        """Apply and save a valid value; explain an invalid one and keep the last good value."""
        name = (event.input.id or "").removeprefix("setting-")
        if name not in FIELDS:
            return
        error = self.query_one(f"#error-{name}", Static)
        try:
            updated = self.changed(**{name: event.value})
        except ValidationError as problem:
            error.update(Text(problem.errors(include_url=False)[0]["msg"], style="bold red"))
            return
        error.update("")
        self.apply(updated)

    def on_select_changed(self, event: Select.Changed) -> None:
        """Switch theme at once."""
        if event.select.id == "theme" and isinstance(event.value, str):
            self.apply(self.changed(theme=event.value))

    def apply(self, updated: Settings) -> None:
        """Apply and save `updated` if it differs from what is in use (a widget's first event doesn't)."""
        if updated != quiz_app(self).settings:
            quiz_app(self).apply_settings(updated)

    def changed(self, **values: Any) -> Settings:
        """The current settings with `values` replaced, validated (raises ValidationError)."""
        return Settings.model_validate({**quiz_app(self).settings.model_dump(), **values})

    # -- keys -------------------------------------------------------------------------------

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Edit the keys of the chosen binding."""
        binding_id = str(event.row_key.value)
        current = quiz_app(self).settings.keymap.get(binding_id, self.defaults.get(binding_id, ""))
        self.query_one("#key-editor-label", Label).update(f"New keys for {binding_id}:")
        editor = self.query_one("#key-input", Input)
        editor.value = current
        editor.focus()
        self.editing = binding_id

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Store the typed keys for the binding being edited (empty: back to the default)."""
        if event.input.id != "key-input" or self.editing is None:
            return
        keys = ",".join(part.strip() for part in event.value.split(",") if part.strip())
        self.set_keys(self.editing, keys)
        self.query_one("#keys", DataTable).focus()

    def action_reset_key(self) -> None:
        """Give the highlighted binding its default keys back."""
        table = self.query_one("#keys", DataTable)
        if table.row_count:
            row_key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
            self.set_keys(str(row_key.value), "")

    def set_keys(self, binding_id: str, keys: str) -> None:
        """Remap `binding_id` to `keys` (empty or the default: no override), apply and save."""
        keymap = dict(quiz_app(self).settings.keymap)
        if not keys or keys == self.defaults.get(binding_id):
            keymap.pop(binding_id, None)
        else:
            keymap[binding_id] = keys
        self.apply(self.changed(keymap=keymap))
        self.editing = None
        self.query_one("#key-editor-label", Label).update("")
        self.query_one("#key-input", Input).value = ""
        self.fill_keys()
        self.notify(
            f"{binding_id}: {keymap.get(binding_id, self.defaults.get(binding_id, ''))}", title="Keys"
        )
