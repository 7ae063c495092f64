"""Pilot tests of Browse: search, filters, preview, suspend, reset (confirmed), variants, study now."""

from __future__ import annotations

import random
from contextlib import suppress
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import FIXTURE_BANK, NOW
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select
from textual.worker import WorkerCancelled

from quizapp.content.schema import NumericCard
from quizapp.problems.check import expected_text
from quizapp.problems.registry import make_problem
from quizapp.settings import Settings
from quizapp.store import repo
from quizapp.store.db import open_db
from quizapp.tui.app import QuizApp, make_app
from quizapp.tui.screens import browse
from quizapp.tui.screens.browse import BrowseScreen, CardStatus, Catalog, Criteria, match_cards
from quizapp.tui.screens.confirm import ConfirmScreen
from quizapp.tui.screens.home import HomeScreen
from quizapp.tui.screens.study import StudyScreen
from quizapp.tui.widgets.choice import ChoiceView
from quizapp.tui.widgets.flashcard import FlashcardView
from quizapp.tui.widgets.preview import CardPreview

SIZE = (100, 30)
SEED = 7
EXTRA = """\
topic: gamma
title: Gamma [topic]
summary: Extra cards for the Browse tests.
cards:
  - id: gamma-zebra
    kind: flashcard
    front: Which animal has stripes?
    back: The zebra, of course.
  - id: gamma-markup
    kind: flashcard
    front: "Is [b]this[/b] bold? [link=x]no[/link]"
    back: "No: [red]it is plain text[/red]."
"""


def _app(tmp_path: Path, extra: bool = False) -> QuizApp:
    dirs = [FIXTURE_BANK]
    if extra:
        content = tmp_path / "content"
        content.mkdir(exist_ok=True)
        (content / "gamma.yaml").write_text(EXTRA, encoding="utf-8")
        dirs.append(content)
    return make_app(dirs, tmp_path / "q.db", Settings(), now=NOW, seed=SEED)


def _db(tmp_path: Path):  # type: ignore[no-untyped-def]
    return open_db(tmp_path / "q.db")  # a second connection: sees only what was committed


def _schedule(tmp_path: Path, card_id: str, topic: str, kind: str, state: int, due_in: timedelta) -> None:
    """Store a reviewed card (state 1 learning, 2 review) with two reviews, as if studied before."""
    db = _db(tmp_path)
    before = None
    for days_ago in (3, 1):
        after = repo.CardState(
            card_id, topic, kind, state, None, 5.0, 5.0, NOW + due_in, NOW - timedelta(days=days_ago)
        )
        review = repo.Review(card_id, NOW - timedelta(days=days_ago), 3)
        repo.record_review(db, before, after, review)
        before = after


async def _open(pilot: Pilot[None], card_id: str | None = None) -> BrowseScreen:
    """Open Browse (on `card_id`, as the command palette does) and let it settle."""
    app = pilot.app
    if card_id is None:
        app.action_open_screen("browse")  # type: ignore[attr-defined]
    else:
        app.push_screen(BrowseScreen(card_id))
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, BrowseScreen)
    return screen


async def _settle(pilot: Pilot[None]) -> None:
    """Let workers (search, problem generation) finish and their messages be handled; a search cancelled
    by the next keystroke counts as finished."""
    while busy := [worker for worker in pilot.app.workers if not worker.is_finished]:
        with suppress(WorkerCancelled):
            await busy[0].wait()
    await pilot.pause()


def _rows(screen: BrowseScreen) -> list[str]:
    table = screen.query_one("#browse-cards", DataTable)
    return [str(row.key.value) for row in table.ordered_rows]


def _preview(screen: BrowseScreen) -> str:
    preview = screen.query_one(CardPreview)
    return "\n".join(str(preview.query_one(f"#preview-{part}").render()) for part in ("meta", "body"))


async def test_search_narrows_the_table_as_you_type(tmp_path: Path) -> None:
    app = _app(tmp_path, extra=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot)
        assert len(_rows(screen)) == 9
        assert screen.query_one("#browse-cards").border_title == "9 cards"
        await pilot.press("slash", *"zebra")  # "zebra" is only in gamma-zebra's back
        assert screen.query_one("#search", Input).value == "zebra"
        await _settle(pilot)
        assert _rows(screen) == ["gamma-zebra"]
        assert screen.query_one("#browse-cards").border_title == "1 of 9 cards"
        assert "The zebra, of course." in _preview(screen)
        await pilot.press("x")  # nothing matches "zebrax"
        await _settle(pilot)
        assert _rows(screen) == [] and screen.selected is None
        assert "No card matches" in _preview(screen)
        screen.query_one("#search", Input).value = "beta  #SECOND"  # words in any order, any case
        await _settle(pilot)
        assert _rows(screen) == []  # "#second" is not in the haystack, "second" is
        screen.query_one("#search", Input).value = "SECOND beta"
        await _settle(pilot)
        assert _rows(screen) == ["alpha-two", "beta-one", "beta-two", "beta-code"]  # texts, tags


def test_search_words_cover_ids_texts_options_tags_and_topic_titles(tmp_path: Path) -> None:
    app = _app(tmp_path, extra=True)
    catalog = Catalog.of(app.bank)
    statuses = {card_id: CardStatus("new") for card_id in app.bank.cards}

    def found(text: str) -> list[str]:
        return match_cards(catalog, statuses, Criteria(tuple(text.lower().split())))

    assert found("omicron") == ["alpha-three"]  # an option's text
    assert found("short o") == ["alpha-three"]  # an option's why
    assert found("before beta") == ["alpha-one"]  # the explanation
    assert found("order") == ["beta-two"]  # the card's own tag
    assert found("double") == ["beta-code"]  # a code card's prompt and signature
    assert found("gamma [topic]") == ["gamma-zebra", "gamma-markup"]  # the topic title
    assert found("alpha-four") == ["alpha-four"]  # the id


async def test_filters_by_kind_and_by_state(tmp_path: Path) -> None:
    _schedule(tmp_path, "alpha-one", "alpha", "flashcard", 2, timedelta(days=3))  # review, not due
    _schedule(tmp_path, "beta-one", "beta", "flashcard", 3, timedelta(minutes=5))  # relearning
    repo.set_card_suspended(_db(tmp_path), "beta-two", "beta", "flashcard", True, NOW)  # new, suspended
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot)
        kind = screen.query_one("#filter-kind", Select)
        kind.value = "choice"
        await pilot.pause()
        assert _rows(screen) == ["alpha-two", "alpha-three"]
        kind.value = "*"
        state = screen.query_one("#filter-state", Select)
        expected = {
            "new": ["alpha-two", "alpha-three", "alpha-four", "beta-code"],
            "learning": ["beta-one"],
            "review": ["alpha-one"],
            "suspended": ["beta-two"],
            "leech": [],
        }
        for wanted, ids in expected.items():
            state.value = wanted
            await pilot.pause()
            assert _rows(screen) == ids, wanted
        state.value = "review"
        screen.query_one("#filter-topic", Select).value = "beta"
        await pilot.pause()
        assert _rows(screen) == []
        screen.query_one("#filter-state", Select).value = "*"
        screen.query_one("#filter-tag", Select).value = "order"
        await pilot.pause()
        assert _rows(screen) == ["beta-two"]
        table = screen.query_one("#browse-cards", DataTable)
        assert [str(cell) for cell in table.get_row("beta-two")] == [
            "beta-two",
            "suspended",
            "·",
            "flashcard",
            "beta",
        ]


async def test_the_table_shows_state_and_when_due(tmp_path: Path) -> None:
    _schedule(tmp_path, "alpha-one", "alpha", "flashcard", 2, timedelta(days=3))
    _schedule(tmp_path, "beta-one", "beta", "flashcard", 3, timedelta(minutes=5))
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot, "alpha-one")
        table = screen.query_one("#browse-cards", DataTable)
        assert [str(c) for c in table.get_row("alpha-one")][1:3] == ["review", "in 3d"]
        assert [str(c) for c in table.get_row("beta-one")][1:3] == ["learning", "in 5m"]
        assert "review · due in 3d (2026-03-05 12:00)" in _preview(screen)
        screen = await _open(pilot, "beta-one")
        assert "learning · due in 5m\n" in _preview(screen)  # no date when it is this close


async def test_preview_shows_a_choice_card_with_every_option_and_why(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot)
        await pilot.press("down")  # alpha-one → alpha-two
        await pilot.pause()
        assert screen.selected == "alpha-two"
        text = _preview(screen)
        assert "Which letter follows alpha?" in text
        assert "✓ Beta\n  Beta is the second letter." in text
        assert "✗ Gamma\n  Gamma is the third letter." in text
        assert "✗ Omega\n  Omega is the last letter." in text
        assert "#greek" in text and "Alpha topic" in text and "new" in text
        await pilot.press("down")  # several correct options
        await pilot.pause()
        assert "Question (select all that apply)" in _preview(screen)


async def test_preview_shows_flashcards_code_and_author_text_as_text(tmp_path: Path) -> None:
    app = _app(tmp_path, extra=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot, "alpha-one")
        text = _preview(screen)
        assert "What is the first letter?" in text and "Alpha." in text and "It comes before beta." in text
        screen = await _open(pilot, "beta-code")
        text = _preview(screen)
        assert "Return the input doubled." in text and "def double(x):" in text and "return 2 * x" in text
        screen = await _open(pilot, "gamma-markup")
        text = _preview(screen)  # brackets are shown, not interpreted
        assert "Is [b]this[/b] bold? [link=x]no[/link]" in text
        assert "No: [red]it is plain text[/red]." in text
        assert "Gamma [topic]" in text


async def test_suspend_then_unsuspend_is_stored(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot, "alpha-two")
        await pilot.press("s")
        state = repo.get_card(_db(tmp_path), "alpha-two")
        assert state is not None and state.suspended and state.state == repo.NEW
        table = screen.query_one("#browse-cards", DataTable)
        assert str(table.get_row("alpha-two")[1]) == "suspended"
        assert "suspended" in _preview(screen)
        assert screen.selected == "alpha-two"
        await pilot.press("s")
        state = repo.get_card(_db(tmp_path), "alpha-two")
        assert state is not None and not state.suspended
        assert str(table.get_row("alpha-two")[1]) == "new"


async def test_suspending_a_card_hidden_by_the_state_filter_moves_on(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot, "alpha-two")
        screen.query_one("#filter-state", Select).value = "new"
        await pilot.pause()
        assert screen.selected == "alpha-two"
        await pilot.press("s")
        await pilot.pause()
        assert "alpha-two" not in _rows(screen)
        assert screen.selected == "alpha-three"  # the next card took its place


async def test_reset_asks_first_and_keeps_the_reviews(tmp_path: Path) -> None:
    _schedule(tmp_path, "alpha-one", "alpha", "flashcard", 2, timedelta(days=3))
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot, "alpha-one")
        await pilot.press("r")
        assert isinstance(app.screen, ConfirmScreen)
        assert "2 reviews stay in the log" in str(app.screen.query_one("#confirm-message").render())
        await pilot.press("n")
        assert app.screen is screen
        state = repo.get_card(_db(tmp_path), "alpha-one")
        assert state is not None and state.state == 2
        await pilot.press("r")
        await pilot.press("escape")  # escape is no, too
        assert app.screen is screen and repo.get_card(_db(tmp_path), "alpha-one").state == 2  # type: ignore[union-attr]
        await pilot.press("r")
        await pilot.press("y")
        await pilot.pause()
        assert app.screen is screen
        state = repo.get_card(_db(tmp_path), "alpha-one")
        assert state is not None and state.state == repo.NEW and state.stability is None
        assert repo.review_count(_db(tmp_path), "alpha-one") == 2
        assert str(screen.query_one("#browse-cards", DataTable).get_row("alpha-one")[1]) == "new"


async def test_reset_of_a_new_card_says_there_is_nothing_to_reset(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot, "alpha-two")
        await pilot.press("r")
        assert app.screen is screen
        assert any("no schedule to reset" in n.message for n in app._notifications)
        assert repo.get_card(_db(tmp_path), "alpha-two") is None


async def test_n_shows_a_fresh_variant_with_its_solution(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot, "alpha-two")
        assert not screen.check_action("variant", ())  # only numeric cards have variants
        screen = await _open(pilot, "alpha-four")
        assert "What is {a} + 1?" in _preview(screen)  # the template, before any variant
        assert screen.check_action("variant", ())
        await pilot.press("n")
        await _settle(pilot)
        card = app.bank.cards["alpha-four"]
        assert isinstance(card, NumericCard)
        seed = random.Random(SEED).randrange(2**31)  # the app's first problem seed
        problem = make_problem(card, seed)
        shown = screen.query_one(CardPreview).variant_text
        assert problem.prompt in shown and f"seed {seed}" in shown
        assert f"Answer: {expected_text(problem.answer, problem.tolerance, problem.unit)}" in shown
        assert "Solution" in shown
        await pilot.press("n")  # another press, another seed
        await _settle(pilot)
        assert f"seed {seed}" not in screen.query_one(CardPreview).variant_text
        await pilot.press("up")  # moving to another card clears the variant
        await pilot.pause()
        assert screen.query_one(CardPreview).variant_text == ""


async def test_study_now_opens_study_on_that_card(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot, "alpha-two")
        await pilot.press("t")
        study = app.screen
        assert isinstance(study, StudyScreen)
        assert study.query_one(ChoiceView).card.id == "alpha-two"
        assert study.queue.candidates == ["alpha-two"]
        await pilot.press("a")  # "Beta": correct, graded Good
        assert repo.review_count(_db(tmp_path), "alpha-two") == 1
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        assert str(screen.query_one("#browse-cards", DataTable).get_row("alpha-two")[1]) == "learning"
        await pilot.press("down", "enter")  # enter studies too
        assert isinstance(app.screen, StudyScreen)
        assert app.screen.query_one(ChoiceView).card.id == "alpha-three"


async def test_study_now_explains_when_it_cannot(tmp_path: Path) -> None:
    _schedule(tmp_path, "alpha-one", "alpha", "flashcard", 2, timedelta(days=3))
    repo.set_card_suspended(_db(tmp_path), "beta-two", "beta", "flashcard", True, NOW)
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot, "alpha-one")
        await pilot.press("t")
        assert app.screen is screen
        assert any("not due until 2026-03-05 12:00 (in 3d)" in n.message for n in app._notifications)
        screen = await _open(pilot, "beta-two")
        await pilot.press("t")
        assert app.screen is screen
        assert any("unsuspend it first" in n.message for n in app._notifications)
        screen = await _open(pilot, "beta-code")  # code cards are studied too (in the code editor)
        assert screen.check_action("study", ())
        screen = await _open(pilot, "beta-one")  # a new flashcard
        await pilot.press("t")
        assert isinstance(app.screen, StudyScreen)
        assert app.screen.query_one(FlashcardView).card.id == "beta-one"


async def test_open_on_a_card_and_move_focus_with_slash_and_escape(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot, "beta-two")
        table = screen.query_one("#browse-cards", DataTable)
        assert screen.selected == "beta-two" and table.cursor_row == _rows(screen).index("beta-two")
        assert screen.focused is table
        await pilot.press("slash")
        assert isinstance(screen.focused, Input)
        await pilot.press("s")  # typed, not a suspend
        assert screen.query_one("#search", Input).value == "s"
        assert repo.get_card(_db(tmp_path), "beta-two") is None
        await pilot.press("escape")
        assert screen.focused is table
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_opening_on_an_unknown_card_says_so(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot, "no-such-card")
        assert screen.selected == "alpha-one"
        assert any("no-such-card" in n.message for n in app._notifications)


async def test_a_large_bank_loads_in_a_worker_and_fills_the_table_in_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the thresholds made tiny, the fixture bank takes the large-bank path: states read by the
    worker on its own connection, rows added 2 then 3 at a time, the cursor on the card asked for."""
    monkeypatch.setattr(browse, "INLINE_CARDS", 0)
    monkeypatch.setattr(browse, "FIRST_ROWS", 2)
    monkeypatch.setattr(browse, "BATCH_ROWS", 3)
    monkeypatch.setattr(browse, "FILL_PAUSE", 0.001)
    monkeypatch.setattr(browse, "FILL_BUDGET", 0)  # one batch a tick
    fills: list[tuple[int, str]] = []  # (rows in the table, border title) after each batch
    fill = BrowseScreen._fill

    def counted(screen: BrowseScreen, filling: int, start: int) -> None:
        fill(screen, filling, start)
        table = screen.query_one("#browse-cards", DataTable)
        fills.append((table.row_count, str(table.border_title)))

    monkeypatch.setattr(BrowseScreen, "_fill", counted)
    app = _app(tmp_path, extra=True)
    repo.set_card_suspended(_db(tmp_path), "alpha-one", "alpha", "flashcard", True, NOW)
    last = list(app.bank.cards)[-1]
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot, last)
        await _settle(pilot)
        table = screen.query_one("#browse-cards", DataTable)
        for _ in range(100):  # each batch waits for a timer
            if table.border_title == "9 cards":
                break
            await pilot.pause()
        assert _rows(screen) == list(app.bank.cards)
        assert [count for count, _ in fills] == [2, 5, 8, 9]
        assert [title for _, title in fills[:3]] == ["loading… 2 of 9", "loading… 5 of 9", "loading… 8 of 9"]
        assert table.cursor_row == 8 and screen.selected == last and last in _preview(screen)
        assert str(table.get_cell("alpha-one", "state")) == "suspended"  # read by the worker
        screen.query_one("#filter-state", Select).value = "suspended"
        await _settle(pilot)
        assert _rows(screen) == ["alpha-one"] and screen.selected == "alpha-one"


async def test_a_long_list_holds_only_the_rows_near_the_cursor_and_ctrl_end_reaches_the_last(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the thresholds made tiny, the table holds the first rows only: more come as the cursor moves
    down, ctrl+end goes to the last card of the whole list; the title counts the list, not the rows held.
    The tag and kind filters get the cards' tags and kinds once the worker has read them."""
    monkeypatch.setattr(browse, "INLINE_CARDS", 0)
    monkeypatch.setattr(browse, "FIRST_ROWS", 2)
    monkeypatch.setattr(browse, "BATCH_ROWS", 2)
    monkeypatch.setattr(browse, "AHEAD", 2)
    monkeypatch.setattr(browse, "FILL_PAUSE", 0.001)
    app = _app(tmp_path, extra=True)
    ids = list(app.bank.cards)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot)
        await _settle(pilot)
        table = screen.query_one("#browse-cards", DataTable)
        assert table.border_title == "9 cards"
        assert _rows(screen) == ids[:2]  # a screenful would be more: AHEAD is 2 here
        await pilot.press("down")
        await _settle(pilot)
        assert screen.selected == ids[1] and _rows(screen) == ids[:3]  # the cursor's row + 2
        await pilot.press("ctrl+end")
        for _ in range(100):  # each batch waits for a timer
            if table.cursor_row == len(ids) - 1:
                break
            await pilot.pause(0.01)
        assert _rows(screen) == ids and screen.selected == ids[-1] and ids[-1] in _preview(screen)
        tags = [value for _, value in screen.query_one("#filter-tag", Select)._options]
        kinds = [value for _, value in screen.query_one("#filter-kind", Select)._options]
        assert tags[0] == "*" and "order" in tags  # beta-two's own tag
        assert kinds == ["*", "flashcard", "choice", "numeric", "code"]


async def test_a_stale_search_result_is_dropped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A match that ends after the search changed again (its generation is old) never reaches the table."""
    monkeypatch.setattr(browse, "INLINE_CARDS", 0)  # every search matches in a thread worker
    app = _app(tmp_path, extra=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot)
        await _settle(pilot)
        await pilot.press("slash", *"zebra")
        await _settle(pilot)
        assert _rows(screen) == ["gamma-zebra"]
        stale = BrowseScreen.SearchDone(screen.generation - 1, Criteria(), list(app.bank.cards), None, False)
        screen.post_message(stale)
        await pilot.pause()
        assert _rows(screen) == ["gamma-zebra"] and screen.applied.words == ("zebra",)
