"""Remappable key bindings: what they are, which keys would clash, and a keymap that keeps the footer order.

A binding id is "<context>.<name>" (study.good); the context says where the key works. Two bindings clash
when they share a key in one context (or one is app-wide) and can be active at the same moment. Screen
classes are imported only when asked about (or in a thread), so the app's start-up doesn't pay for them.
"""

from __future__ import annotations

import difflib
import importlib
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary, WeakSet

from textual.app import App
from textual.binding import Binding
from textual.keys import _character_to_key  # what App.set_keymap itself uses to normalize "?" etc.

from quizapp.settings import as_toml
from quizapp.wording import plural

# Context (the binding id's prefix) -> (the class declaring its bindings, the name users see).
CONTEXTS: dict[str, tuple[str, str]] = {
    "app": ("quizapp.tui.app:QuizApp", "Everywhere"),
    "home": ("quizapp.tui.screens.home:HomeScreen", "Home"),
    "tag-picker": ("quizapp.tui.screens.home:TagPicker", "Tag picker"),
    "study": ("quizapp.tui.screens.study:StudyScreen", "Study"),
    "browse": ("quizapp.tui.screens.browse:BrowseScreen", "Browse"),
    "stats": ("quizapp.tui.screens.stats:StatsScreen", "Stats"),
    "drill": ("quizapp.tui.screens.drill:DrillScreen", "Drill"),
    "settings": ("quizapp.tui.screens.settings:SettingsScreen", "Settings"),
    "confirm": ("quizapp.tui.screens.confirm:ConfirmScreen", "Confirm"),
}
MODAL_CONTEXTS = {"tag-picker", "confirm"}  # app-wide keys don't reach a modal dialog
# Textual's own app keys (no id, not remappable) that a screen key would hide.
RESERVED = {"ctrl+c": "Textual's copy / quit help", "ctrl+p": "the command palette"}

# When a binding works, for bindings that work only some of the time (their screen's check_action).
# Bindings whose states don't meet may share keys: space reveals a flashcard, or moves on once answered.
_QUESTION = frozenset({"choice question", "multiple-choice question"})
ACTIVE_WHEN: dict[str, frozenset[str]] = {
    "study.reveal": frozenset({"flashcard question"}),
    "study.submit": frozenset({"multiple-choice question"}),
    **{f"study.pick-{letter}": _QUESTION for letter in "abcdefgh"},
    **{f"study.{grade}": frozenset({"revealed", "answered"}) for grade in ("again", "hard", "good", "easy")},
    "study.next": frozenset({"answered"}),
    "browse.suspend": frozenset({"unsuspended card"}),
    "browse.unsuspend": frozenset({"suspended card"}),
}


@dataclass(frozen=True)
class KeyBinding:
    """One remappable binding as the Settings screen lists it."""

    id: str
    context: str  # the id's prefix
    screen: str  # the context as users know it
    name: str  # the short label the footer and help panel show
    tooltip: str
    keys: str  # the default keys, normalized


def normalize(keys: str) -> str:
    """Keys as Textual stores them: "?, g" -> "question_mark,g"."""
    parts = [part.strip() for part in keys.split(",") if part.strip()]
    return ",".join(_character_to_key(part) if len(part) == 1 else part for part in parts)


def catalog(contexts: Iterable[str] | None = None) -> list[KeyBinding]:
    """Every binding with an id, context by context (all contexts, or only those named)."""
    found: dict[str, KeyBinding] = {}
    for context in CONTEXTS if contexts is None else contexts:
        if context not in CONTEXTS:
            continue
        dotted, screen = CONTEXTS[context]
        module_name, _, class_name = dotted.partition(":")
        owner = getattr(importlib.import_module(module_name), class_name)
        for binding in owner.BINDINGS:
            if isinstance(binding, Binding) and binding.id and binding.id not in found:
                found[binding.id] = KeyBinding(
                    binding.id,
                    context,
                    screen,
                    binding.description or binding.action,
                    binding.tooltip,
                    normalize(binding.key),
                )
    return list(found.values())


def context_of(binding_id: str) -> str:
    """The context of an id: "study.good" -> "study"."""
    return binding_id.partition(".")[0]


def _contexts_for(keymap: Mapping[str, str], extra: Iterable[str] = ()) -> list[str]:
    wanted = {context_of(binding_id) for binding_id in keymap} | set(extra)
    return [context for context in CONTEXTS if context in wanted]


def loaded(context: str) -> bool:
    """Whether the module declaring a context's bindings is imported already (asking costs nothing)."""
    return CONTEXTS[context][0].partition(":")[0] in sys.modules


def ordered_keymap(keymap: Mapping[str, str]) -> dict[str, str]:
    """`keymap` plus the default keys of every other binding of the contexts it touches.

    Textual moves a remapped binding to the end of its screen's bindings (the footer order changes) and
    drops the other bindings that shared one of its old keys; restating every binding of the screen
    makes it rebuild them all, in their declared order. Only screens already imported are restated
    (importing Study costs a quarter of a second: not on the way to the first frame); keep_footer_order
    restates again as each screen opens."""
    if not keymap:
        return {}
    contexts = [context for context in _contexts_for(keymap) if loaded(context)]
    full = {binding.id: binding.keys for binding in catalog(contexts)}
    return {**full, **{binding_id: normalize(keys) for binding_id, keys in keymap.items()}}


_IN_FORCE: WeakKeyDictionary[App[Any], dict[str, str]] = WeakKeyDictionary()  # each app's own keymap
_WATCHED: WeakSet[App[Any]] = WeakSet()  # apps that restate it when a screen opens


def keep_footer_order(app: App[Any], keymap: Mapping[str, str]) -> None:
    """Put `keymap` in force in `app`, restated (ordered_keymap) now and whenever a screen opens, since
    opening one may have imported its module."""
    _IN_FORCE[app] = dict(keymap)

    def restate(_: object = None) -> None:
        App.set_keymap(app, ordered_keymap(_IN_FORCE.get(app, {})))

    restate()
    if app.is_running and app not in _WATCHED:
        _WATCHED.add(app)
        app.screen_change_signal.subscribe(app, restate)


def report_problems(app: App[Any], keymap: Mapping[str, str]) -> None:
    """Notify what is wrong with `keymap`, checked in a thread (it imports every screen it names)."""
    if not keymap:
        return

    def check() -> None:
        if problems := keymap_problems(keymap):
            app.call_from_thread(
                app.notify,
                "\n".join(problems) + "\nSettings (,) lists them too.",
                title=f"Keys: {plural(len(problems), 'problem')}",
                severity="warning",
                timeout=20,
            )

    app.run_worker(check, thread=True, group="keymap-check", exit_on_error=False)


def _may_meet(first: KeyBinding, second: KeyBinding) -> bool:
    """Whether both bindings can be live on one screen at the same moment."""
    if first.context != second.context:
        app_wide = {first.context, second.context} - {"app"}
        return "app" in {first.context, second.context} and not (app_wide & MODAL_CONTEXTS)
    when_first, when_second = ACTIVE_WHEN.get(first.id), ACTIVE_WHEN.get(second.id)
    return when_first is None or when_second is None or bool(when_first & when_second)


def clashes(
    binding_id: str, keys: str, keymap: Mapping[str, str], bindings: list[KeyBinding] | None = None
) -> list[str]:
    """Why `keys` can't go to `binding_id` with `keymap` in force: one message per clash, [] if none."""
    bindings = catalog() if bindings is None else bindings
    by_id = {binding.id: binding for binding in bindings}
    target = by_id.get(binding_id)
    if target is None:
        return []
    problems: list[str] = []
    wanted = {normalize(key): key.strip() for key in keys.split(",") if key.strip()}  # normalized: typed
    for key, typed in wanted.items():
        if key in RESERVED and target.context not in MODAL_CONTEXTS:
            problems.append(f"“{typed}” opens {RESERVED[key]} everywhere")
    for other in bindings:
        if other.id == binding_id or not _may_meet(target, other):
            continue
        theirs = normalize(keymap.get(other.id, other.keys)).split(",")
        for key, typed in wanted.items():
            if key in theirs:
                where = "everywhere" if other.context == "app" else f"on {other.screen}"
                problems.append(f"“{typed}” is already {other.name} {where} ({other.id})")
    return problems


def keymap_problems(keymap: Mapping[str, str]) -> list[str]:
    """What is wrong with a keymap from the settings file: unknown binding ids and clashing keys."""
    if not keymap:
        return []
    bindings = catalog(_contexts_for(keymap, extra=["app"]))
    known = {binding.id for binding in bindings}
    problems: list[str] = []
    for binding_id, keys in keymap.items():
        if binding_id not in known:
            every = [binding.id for binding in catalog()]
            hint = difflib.get_close_matches(binding_id, every, n=1)
            guess = f" (did you mean {hint[0]}?)" if hint else ""
            problems.append(f"keymap.{binding_id}: no such binding{guess}; ignored")
            continue
        for clash in clashes(binding_id, keys, keymap, bindings):
            problems.append(f"keymap.{binding_id} = {as_toml(keys)}: {clash}")
    return problems
