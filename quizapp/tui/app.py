"""The Textual application: owns the bank, the store and the settings; screens ask it for sessions."""

from __future__ import annotations

import importlib
import random
import sqlite3
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from sqlite3 import Connection

from textual.app import App
from textual.binding import Binding, Keymap

from quizapp.content.bank import Bank, content_dirs, load_bank
from quizapp.content.cache import FileCache
from quizapp.settings import Settings, save_settings
from quizapp.srs import stats
from quizapp.srs.queue import StudyQueue
from quizapp.srs.scheduler import Clock, Reviewer, utcnow
from quizapp.store.db import checkpoint, database_file, is_read_only, open_db
from quizapp.tui.commands import QuizCommands
from quizapp.tui.keymap import keep_footer_order, report_problems
from quizapp.tui.screens.home import HomeScreen
from quizapp.wording import plural

STUDYABLE_KINDS = ("flashcard", "choice", "numeric", "code")
# Work that may wait until Home is on screen: importing scikit-learn (warming up) and checking a keymap
# (it imports every screen it names). In a thread each still holds the GIL most of the time: started with
# the app, they delayed Home's first frame by 25 ms and 400 ms.
AFTER_START_S = 1.0

# Screens opened by name (keys on Home, the command palette); imported on first use, not at start-up.
SCREENS_BY_NAME: dict[str, str] = {
    "browse": "quizapp.tui.screens.browse:BrowseScreen",
    "stats": "quizapp.tui.screens.stats:StatsScreen",
    "drill": "quizapp.tui.screens.drill:DrillScreen",
    "settings": "quizapp.tui.screens.settings:SettingsScreen",
}


def new_seed() -> int:
    """A fresh problem seed. The generator registry pulls numpy: imported when a session needs it."""
    from quizapp.problems.registry import new_seed as registry_seed

    return registry_seed()


def _warm_problem_libraries() -> None:
    """Import the generator registry (numpy) and scikit-learn: run in a thread, never at start-up."""
    from quizapp.problems.registry import warm_problem_libraries

    warm_problem_libraries()


@dataclass(frozen=True)
class StudyFilter:
    """Which cards a session covers (empty = everything)."""

    topics: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


class QuizApp(App[None]):
    """quizapp's TUI."""

    CSS_PATH = ["app.tcss", "stats.tcss", "widgets/code_exercise.tcss"]  # stats.tcss: Home and Stats
    TITLE = "quizapp"
    COMMANDS = App.COMMANDS | {QuizCommands}
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app.quit"),
        Binding("question_mark", "toggle_help", "Help", key_display="?", id="app.help"),
    ]
    settings_problems: tuple[str, ...] = ()  # what load_settings reported; shown on start

    def __init__(
        self,
        bank: Bank,
        db: Connection,
        settings: Settings | None = None,
        clock: Clock = utcnow,
        study: StudyFilter | None = None,
        seeds: Callable[[], int] = new_seed,
    ) -> None:
        super().__init__()
        self.seeds = seeds
        self.bank, self.db = bank, db
        self.settings = settings or Settings()
        self.clock = clock
        self.initial_study = study
        self.reviewer = Reviewer(db, self.settings, clock)
        # Stats' retention and accuracy by topic: the days before today, kept between openings of Stats
        # and counted ahead after start, so that opening it counts today's reviews alone.
        self.stats_history = stats.RecentHistory(stats.HISTORY_DAYS, drills=True)

    def on_load(self) -> None:
        # Before Home is made: set later, each would restyle or rebind a screen already drawn.
        self.use_theme(self.settings.theme)
        self.set_keymap(self.settings.keymap)

    def on_mount(self) -> None:
        self.fold_wal()
        if self.bank.problems:
            self.notify(
                f"{plural(len(self.bank.problems), 'problem')} in the content were skipped; "
                "run `quizapp validate` to see them.",
                title="Content",
                severity="warning",
                timeout=8,
            )
        if self.settings_problems:
            self.notify(
                "\n".join(self.settings_problems) + "\nSettings (,) lists them too.",
                title=f"Settings: {plural(len(self.settings_problems), 'problem')}",
                severity="warning",
                timeout=20,
            )
        if self.initial_study is not None:
            self.start_study(self.initial_study)
        self.set_timer(AFTER_START_S, self.after_start)

    def after_start(self) -> None:
        """Check the keymap, count Stats' past days and warm up scikit-learn, in threads, once Home is on
        screen."""
        report_problems(self, self.settings.keymap)
        self.count_stats_ahead()
        if "numeric" in self.bank.kind_of.values():
            self.warm_libraries()

    def count_stats_ahead(self) -> None:
        """Count Stats' days before today in a thread, on a connection of its own (a database file only)."""
        path = database_file(self.db)
        if path is None or is_read_only(self.db):
            return
        bank, settings, now = self.bank, self.settings, self.clock()

        def count() -> None:
            db = sqlite3.connect(path, timeout=5)
            try:
                self.stats_history.topics(db, bank, settings, now)
            finally:
                db.close()

        self.run_worker(count, thread=True, group="stats-ahead", exit_on_error=False)

    def get_default_screen(self) -> HomeScreen:
        """Home is the first screen: no blank default screen is mounted and drawn before it."""
        return HomeScreen(self.bank, self.db, self.settings, self.clock, STUDYABLE_KINDS)

    async def action_quit(self) -> None:
        """Quit; while a grade still waits for the database's lock, ask first instead of losing it."""
        from quizapp.store.pending import waiting_writes

        waiting = waiting_writes()
        if not waiting:
            self.exit()
            return
        from quizapp.tui.screens.confirm import ConfirmScreen

        what = "1 change is" if waiting == 1 else f"{waiting} changes are"
        message = (
            f"{what} not saved yet: another program holds the database's write lock, and quizapp retries "
            "every second. Quit anyway and lose it?"
        )

        def answered(quit_anyway: bool | None) -> None:
            if quit_anyway or not waiting_writes():
                self.exit()

        self.push_screen(ConfirmScreen("Unsaved grade", message, "Quit anyway", "Keep waiting"), answered)

    def warm_libraries(self) -> None:
        """Import scikit-learn and the generators in a thread, so the first numeric card doesn't wait."""
        self.run_worker(_warm_problem_libraries, thread=True, group="warm", exit_on_error=False)

    def apply_settings(self, settings: Settings, *, save: bool = True) -> None:
        """Use `settings` from now on (scheduling, limits, theme, keys) and, by default, save them."""
        self.settings = settings
        self.reviewer.settings = settings  # and so its scheduler
        self.use_theme(settings.theme)
        self.set_keymap(settings.keymap)
        if save:
            try:
                save_settings(settings)
            except OSError as error:
                self.notify(f"Could not save the settings: {error}", title="Settings", severity="error")

    def set_keymap(self, keymap: Keymap) -> None:
        """Remap keys by binding id, keeping every screen's footer in its declared order."""
        keep_footer_order(self, keymap)

    def use_theme(self, name: str) -> None:
        """Switch to the theme `name`, or say it doesn't exist (a typo in settings.toml must not crash)."""
        if name in self.available_themes:
            self.theme = name
        else:
            self.notify(
                f"No theme called “{name}”; keeping {self.theme}.", title="Settings", severity="warning"
            )

    def action_toggle_help(self) -> None:
        """Show or hide the panel listing the keys of the screen in front."""
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def action_open_screen(self, name: str) -> None:
        """Open the screen called `name` ("home" goes back to Home) unless it is already showing."""
        if name == "home":
            while len(self.screen_stack) > 1 and not isinstance(self.screen, HomeScreen):
                self.pop_screen()
            return
        module_name, _, class_name = SCREENS_BY_NAME[name].partition(":")
        screen_class = getattr(importlib.import_module(module_name), class_name)
        if not isinstance(self.screen, screen_class):
            self.push_screen(screen_class())

    def fold_wal(self) -> None:
        """Checkpoint the WAL in a thread worker (the UI connection never pauses to do it)."""
        path = database_file(self.db)
        if path is not None and not is_read_only(self.db):
            self.run_worker(partial(checkpoint, path), thread=True, group="checkpoint", exit_on_error=False)

    def on_unmount(self) -> None:
        path = database_file(self.db)
        if path is not None and not is_read_only(self.db):
            with suppress(sqlite3.Error):  # a locked or vanished file: the next start folds the WAL
                checkpoint(path)

    def on_home_screen_study_requested(self, message: HomeScreen.StudyRequested) -> None:
        topics = (message.topic,) if message.topic else ()
        self.start_study(StudyFilter(topics=topics, tags=(message.tag,) if message.tag else ()))

    def study_everything(self) -> None:
        """A session over every topic (from anywhere: the palette)."""
        self.action_open_screen("home")
        self.start_study(StudyFilter())

    def study_topic(self, topic_id: str) -> None:
        """A session over one topic."""
        self.action_open_screen("home")
        self.start_study(StudyFilter(topics=(topic_id,)))

    def study_tag(self, tag: str) -> None:
        """A session over the cards with `tag`."""
        self.action_open_screen("home")
        self.start_study(StudyFilter(tags=(tag,)))

    def open_card(self, card_id: str) -> None:
        """Show one card in Browse."""
        from quizapp.tui.screens.browse import BrowseScreen

        self.push_screen(BrowseScreen(card_id))

    def start_study(self, study: StudyFilter) -> None:
        """Open a study session over the cards `study` selects."""
        candidates = self.bank.select(topics=study.topics, tags=study.tags, kinds=STUDYABLE_KINDS)
        queue = StudyQueue(self.db, candidates, self.bank.topic_of, self.settings, self.clock)
        names = [self.bank.topics[t].title for t in study.topics if t in self.bank.topics]
        title = ", ".join(names + [f"#{tag}" for tag in study.tags]) or "All topics"
        from quizapp.tui.screens.study import StudyScreen  # not needed for the first frame

        # A session just ended when the screen closes: an idle moment to fold the WAL.
        screen = StudyScreen(self.bank, queue, self.reviewer, title, self.seeds)
        self.push_screen(screen, lambda _: self.fold_wal())


def make_app(
    content_dirs_: Sequence[Path] | None = None,
    db_path: Path | str = ":memory:",
    settings: Settings | None = None,
    now: datetime | None = None,
    study: StudyFilter | None = None,
    cache: FileCache | None = None,
    seed: int | None = None,
) -> QuizApp:
    """Build the app from folders and a database path.

    `now` freezes the clock and `seed` fixes the sequence of problem seeds (tests, snapshots)."""
    bank = load_bank(content_dirs() if content_dirs_ is None else content_dirs_, cache)
    clock: Clock = utcnow if now is None else (lambda: now)
    seeds = new_seed if seed is None else partial(random.Random(seed).randrange, 2**31)
    return QuizApp(bank, open_db(db_path, autocheckpoint=False), settings, clock, study, seeds)
