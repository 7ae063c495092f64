"""How long the UI thread blocks while Browse opens and filters, with a large bank and history.

Builds the database of `ui_block.py` (100,000 cards, 1,000,000 reviews; `--quick`: 10,000 and 100,000)
and its bank of matching ids (`fake_bank`), with a flashcard body per card (Browse searches and previews
them), then runs the app headless with `ui_block.py`'s lateness probe (a task sleeping 2 ms and recording
how late it wakes). The pilot opens Browse and waits until its list is shown, types a search word key by
key and waits for its result, then sets the topic filter and the state filter, waiting after each. The
list is shown when the table's title no longer says "loading" and it is for what the search box and the
filters ask now; `ready_s` is how long that took in each phase.

Budget (DESIGN.md §8, issue 12): longest block <= 50 ms in every phase at 1M reviews.

Usage: python bench/ui_block_browse.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ui_block import BLOCK_BUDGET_MS, NOW, build_db, fake_bank, finish, lag_monitor

from quizapp.content.bank import Bank
from quizapp.content.schema import Flashcard
from quizapp.settings import Settings
from quizapp.store.db import open_db

WORDS = ("gradient", "softmax", "entropy", "variance", "kernel", "dropout", "margin", "prior")
SEARCH = "0001"  # typed key by key: ids ...-card-0001xx (100 cards at 100k, 10 at 10k)
TOPIC = "topic-007"
STATE = "review"
TIMEOUT_S = 300.0  # a phase that takes longer than this is reported as such


def with_bodies(bank: Bank) -> Bank:
    """`bank` with a flashcard body for each card (Browse searches and previews them: the fake bank's cards
    have only ids, kinds and tags)."""
    bodies = []
    for n, card_id in enumerate(bank.cards):
        a, b = WORDS[n % len(WORDS)], WORDS[(n * 7 + 3) % len(WORDS)]
        front, back = f"What links {a} and {b} in card {n}?", f"Both appear in {card_id}; {a} first."
        card = Flashcard.model_construct(id=card_id, kind="flashcard", front=front, back=back)
        bodies.append((card_id, card))
    bank.cards.extend(bodies)  # the same ids: each body replaced in place
    return bank


def run_browse(path: Path, bank: Bank) -> dict[str, Any]:
    from textual.widgets import DataTable, Select

    from quizapp.tui.app import QuizApp
    from quizapp.tui.screens.browse import BrowseScreen

    app = QuizApp(bank, open_db(path, autocheckpoint=False), Settings(), clock=lambda: NOW)
    marks: dict[str, Any] = {"phase": "start", "block": {}, "ready": {}, "rows": {}}

    def screen() -> BrowseScreen | None:
        return app.screen if isinstance(app.screen, BrowseScreen) else None

    def shown() -> bool:
        """The list is there for what the search box and filters ask now, in full."""
        browse = screen()
        if browse is None or not browse.query("#browse-cards"):
            return False
        title = str(browse.query_one("#browse-cards", DataTable).border_title or "")
        return bool(title) and "loading" not in title and browse.applied == browse.criteria()

    async def phase(name: str, act: Any) -> None:
        marks["phase"] = name
        t = time.perf_counter()
        await act()
        while not shown() and time.perf_counter() - t < TIMEOUT_S:
            await asyncio.sleep(0.001)
        marks["ready"][f"{name}_s"] = round(time.perf_counter() - t, 3) if shown() else f">{TIMEOUT_S}"
        browse = screen()
        marks["rows"][name] = len(browse.shown) if browse else None
        await asyncio.sleep(0.1)  # what happens right after showing counts for this phase too

    async def drive(pilot: Any) -> None:
        await pilot.pause()
        await asyncio.sleep(0.5)  # the app's import warm-up thread holds the GIL: let it finish first
        await app.workers.wait_for_complete()
        monitor = asyncio.create_task(lag_monitor(marks))
        await asyncio.sleep(0.2)

        async def open_browse() -> None:
            app.push_screen(BrowseScreen())

        async def type_search() -> None:
            await pilot.press("slash", *SEARCH)

        async def clear_and_filter_topic() -> None:
            browse = screen()
            assert browse is not None
            await pilot.press(*["backspace"] * len(SEARCH))
            browse.query_one("#filter-topic", Select).value = TOPIC

        async def filter_state() -> None:
            browse = screen()
            assert browse is not None
            browse.query_one("#filter-state", Select).value = STATE

        await phase("open", open_browse)
        await phase("type", type_search)
        await phase("topic_filter", clear_and_filter_topic)
        await phase("state_filter", filter_state)
        await finish(app, marks, monitor)

    app.run(headless=True, size=(100, 30), auto_pilot=drive)
    return marks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 cards, 100,000 reviews")
    args = parser.parse_args()
    n_cards, n_reviews = (10_000, 100_000) if args.quick else (100_000, 1_000_000)
    with tempfile.TemporaryDirectory(prefix="quizapp-bench-browse-") as tmp:
        path = Path(tmp) / "q.db"
        ids, topics = build_db(path, n_cards, n_reviews, 0.10, random.Random(1))[:2]  # not its card rows
        bank = with_bodies(fake_bank(ids, topics))
        marks = run_browse(path, bank)
    blocks_ms = {phase: round(v * 1000, 1) for phase, v in marks["block"].items()}
    report = {
        "benchmark": "ui_block_browse",
        "quick": args.quick,
        "cards": n_cards,
        "reviews": n_reviews,
        "longest_ui_block_ms": blocks_ms,
        "ready_s": marks["ready"],
        "rows": marks["rows"],
        "budget_block_ms": BLOCK_BUDGET_MS,
        "within_budget": max(v for k, v in blocks_ms.items() if k != "idle") <= BLOCK_BUDGET_MS,
        "load_average": os.getloadavg(),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
