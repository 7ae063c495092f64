"""The command palette: screens, study sessions and cards, found by typing."""

from __future__ import annotations

from pathlib import Path

from conftest import FIXTURE_BANK, NOW

from quizapp.settings import Settings
from quizapp.tui.app import QuizApp, make_app
from quizapp.tui.commands import QuizCommands
from quizapp.tui.screens.study import StudyScreen

SIZE = (100, 30)


def _app(tmp_path: Path) -> QuizApp:
    return make_app([FIXTURE_BANK], tmp_path / "q.db", Settings(), now=NOW)


async def _hits(app: QuizApp, query: str) -> list[str]:
    provider = QuizCommands(app.screen)
    return [str(hit.text) async for hit in provider.search(query)]


async def test_search_finds_topics_tags_screens_and_cards(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE):
        assert "Study topic: Beta topic" in await _hits(app, "study beta")
        assert "Study tag: #order" in await _hits(app, "tag order")
        assert "Go to Settings" in await _hits(app, "settings")
        assert any(text.startswith("Card: beta-two") for text in await _hits(app, "after beta"))


async def test_choosing_a_topic_in_the_palette_starts_its_session(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"study topic beta")
        await pilot.pause(0.5)  # the palette searches in a worker
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, StudyScreen)
        assert app.screen.current is not None and app.screen.current[0] == "beta-one"
