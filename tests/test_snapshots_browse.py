"""Snapshot tests (pytest-textual-snapshot) of Browse: a choice card, a numeric variant, the reset dialog."""

from __future__ import annotations

from contextlib import suppress
from datetime import timedelta
from pathlib import Path

from conftest import FIXTURE_BANK, NOW
from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from quizapp.settings import Settings
from quizapp.store import repo
from quizapp.store.db import open_db
from quizapp.tui.app import QuizApp, make_app
from quizapp.tui.screens.browse import BrowseScreen

SIZE = (100, 30)


def _app(tmp_path: Path) -> QuizApp:
    return make_app([FIXTURE_BANK], tmp_path / "q.db", Settings(theme="textual-dark"), now=NOW, seed=7)


async def _settle(pilot: Pilot[None]) -> None:
    while busy := [worker for worker in pilot.app.workers if not worker.is_finished]:
        with suppress(WorkerCancelled):
            await busy[0].wait()
    await pilot.pause()


def test_browse_choice_card(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    async def open_choice(pilot: Pilot[None]) -> None:
        pilot.app.push_screen(BrowseScreen("alpha-two"))
        await _settle(pilot)

    assert snap_compare(_app(tmp_path), terminal_size=SIZE, run_before=open_choice)


def test_browse_numeric_variant(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    async def variant(pilot: Pilot[None]) -> None:
        pilot.app.push_screen(BrowseScreen("alpha-four"))
        await pilot.pause()
        await pilot.press("n")
        await _settle(pilot)

    assert snap_compare(_app(tmp_path), terminal_size=SIZE, run_before=variant)


def test_browse_reset_dialog_at_80_by_24(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = open_db(tmp_path / "q.db")
    state = repo.CardState("alpha-one", "alpha", "flashcard", 2, None, 5.0, 5.0, NOW + timedelta(days=3), NOW)
    repo.record_review(db, None, state, repo.Review("alpha-one", NOW - timedelta(days=1), 3))

    async def ask(pilot: Pilot[None]) -> None:
        pilot.app.push_screen(BrowseScreen("alpha-one"))
        await pilot.pause()
        await pilot.press("r")
        await _settle(pilot)

    assert snap_compare(_app(tmp_path), terminal_size=(80, 24), run_before=ask)
