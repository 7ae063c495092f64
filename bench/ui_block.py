"""How long the UI thread blocks, and when the counts are ready, on Home and Stats with a large history.

Builds the database of `study_queue.py` (100,000 cards, 1,000,000 reviews; `--quick`: 10,000 and 100,000)
and a bank of matching ids, then runs the app headless on it. A task on the UI's event loop sleeps 2 ms
at a time and records how late it wakes: the longest lateness is the longest block of the UI thread. The
pilot waits for Home's counts, opens Stats and waits for its counts, then recounts (`r`) and waits again.
It also times the counts alone, on a connection of their own (what the workers do), median of 3. A second
run opens Stats after a second and a half on Home (`settled`: what a user who looks at Home first gets;
the app counts Stats' past days a second after start).

Budget (DESIGN.md §8, issue 12): longest block <= 50 ms at 1M reviews; Stats ready <= 1.0 s at 1M
(<= 0.15 s at 100k).

`--browse`: instead, the real bank (`--copies N`: N copies of each card, under new ids) on a fresh
database; opens Browse and waits for its whole table, then sets the kind filter and waits again.

Usage: python bench/ui_block.py [--quick] | --browse [--copies N]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from study_queue import NOW, build_db

from quizapp.content.bank import Bank, Topic
from quizapp.content.index import FileIndex
from quizapp.settings import Settings
from quizapp.srs import stats
from quizapp.store.db import open_db
from quizapp.tui.app import AFTER_START_S

BLOCK_BUDGET_MS = 50.0


def fake_bank(ids: list[str], topics: list[str]) -> Bank:
    """A bank with the database's card ids: Home and Stats read only ids, topics, kinds and tags."""
    bank = Bank()
    by_topic: dict[str, list[str]] = {}
    for card_id, topic in zip(ids, topics, strict=True):
        by_topic.setdefault(topic, []).append(card_id)
    for topic, card_ids in by_topic.items():
        n = len(card_ids)
        index = FileIndex(None, tuple(card_ids), ("flashcard",) * n, ((),) * n, ((1, 1),) * n, ())
        bodies = [SimpleNamespace(id=card_id, kind="flashcard", tags=()) for card_id in card_ids]
        bank.add_cards(topic, Path(f"{topic}.yaml"), index, bodies)  # type: ignore[arg-type]
        bank.topics[topic] = Topic(topic, topic.title(), "", (), (), Path(f"{topic}.yaml"), tuple(card_ids))
    return bank


async def lag_monitor(marks: dict[str, Any]) -> None:
    """Record the longest time the loop took to wake a 2 ms sleep (less the 2 ms)."""
    while True:
        start, phase = time.perf_counter(), marks["phase"]  # the phase the block began in
        await asyncio.sleep(0.002)
        late = time.perf_counter() - start - 0.002
        marks["block"][phase] = max(marks["block"].get(phase, 0.0), late)


async def finish(app: Any, marks: dict[str, Any], monitor: asyncio.Task[None]) -> None:
    """Let the app's workers end, measure the machine's own lateness while idle, then quit."""
    await app.workers.wait_for_complete()
    marks["phase"] = "idle"  # nothing to do: how late the loop wakes on this machine anyway
    await asyncio.sleep(0.5)
    monitor.cancel()
    app.exit()


def run_app(path: Path, bank: Bank, settings: Settings, settle_s: float = 0.0) -> dict[str, Any]:
    """Drive the app; with `settle_s`, wait that long on Home (and for its workers) before opening Stats."""
    from quizapp.tui.app import QuizApp
    from quizapp.tui.screens.home import HomeScreen
    from quizapp.tui.screens.stats import StatsScreen

    gc.freeze()  # as load_bank leaves a bank it built: out of the cyclic GC's collections (100k cards)
    app = QuizApp(bank, open_db(path, autocheckpoint=False), settings, clock=lambda: NOW)
    marks: dict[str, Any] = {"phase": "start", "block": {}, "ready": {}}

    async def until(pilot: Any, done: Any) -> None:
        while not done():
            await asyncio.sleep(0.001)
        await pilot._wait_for_screen()

    async def drive(pilot: Any) -> None:
        monitor = asyncio.create_task(lag_monitor(marks))
        t = time.perf_counter()
        await until(pilot, lambda: isinstance(app.screen, HomeScreen) and app.screen.counted)
        marks["ready"]["home_counts_s"] = time.perf_counter() - t
        if settle_s:  # a user who looks at Home first: the app's after-start work is done
            marks["phase"] = "settle"
            await asyncio.sleep(settle_s)
            await app.workers.wait_for_complete()
        marks["phase"] = "stats_open"
        t = time.perf_counter()
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, StatsScreen) and app.screen.counted)
        marks["ready"]["stats_open_s"] = time.perf_counter() - t
        marks["phase"] = "stats_recount"
        app.screen.counted = False  # type: ignore[attr-defined]
        t = time.perf_counter()
        await pilot.press("r")
        await until(pilot, lambda: app.screen.counted)  # type: ignore[attr-defined]
        marks["ready"]["stats_recount_s"] = time.perf_counter() - t
        await finish(app, marks, monitor)

    app.run(headless=True, size=(100, 30), auto_pilot=drive)
    return marks


def copied_bank(copies: int) -> Bank:
    """The real bank, each card `copies` times (the copies' ids end in ~2, ~3, ...)."""
    from dataclasses import replace

    from quizapp.content.bank import content_dirs, load_bank

    bank = load_bank(content_dirs())
    if copies <= 1:
        return bank
    big = Bank(problems=bank.problems)
    for topic_id, topic in bank.topics.items():
        cards = [
            bank.cards[card_id].model_copy(update={"id": card_id if n == 1 else f"{card_id}~{n}"})
            for card_id in topic.card_ids
            for n in range(1, copies + 1)
        ]
        ids = tuple(card.id for card in cards)
        kinds, tags = tuple(card.kind for card in cards), tuple(tuple(card.tags) for card in cards)
        index = FileIndex(None, ids, kinds, tags, ((1, 1),) * len(cards), ())
        big.add_cards(topic_id, topic.path, index, cards)
        big.topics[topic_id] = replace(topic, card_ids=ids)
    return big


def run_browse(path: Path, bank: Bank) -> dict[str, Any]:
    """Open Browse, wait for every row; set the kind filter, wait for every matching row."""
    from textual.widgets import DataTable, Select

    from quizapp.tui.app import QuizApp
    from quizapp.tui.screens.browse import BrowseScreen

    app = QuizApp(bank, open_db(path, autocheckpoint=False), Settings(), clock=lambda: NOW)
    marks: dict[str, Any] = {"phase": "start", "block": {}, "ready": {}}
    flashcards = sum(card.kind == "flashcard" for card in bank.cards.values())

    def table_full(expected: int) -> bool:
        screen = app.screen
        tables = screen.query("#browse-cards") if isinstance(screen, BrowseScreen) else []
        if not tables:
            return False  # not composed yet
        table = tables.first(DataTable)
        return table.row_count == expected and "loading" not in str(table.border_title)

    async def drive(pilot: Any) -> None:
        await pilot.pause()
        await asyncio.sleep(0.5)  # the app starts its import warm-up thread after the first refresh:
        await app.workers.wait_for_complete()  # it would starve the UI thread of the GIL whatever it did
        monitor = asyncio.create_task(lag_monitor(marks))
        await asyncio.sleep(0.2)
        marks["phase"] = "browse_open"
        t = time.perf_counter()
        app.push_screen(BrowseScreen())
        while not table_full(len(bank.cards)):
            await asyncio.sleep(0.001)
        marks["ready"]["browse_open_s"] = time.perf_counter() - t
        await pilot.pause()
        marks["phase"] = "browse_filter"
        t = time.perf_counter()
        app.screen.query_one("#filter-kind", Select).value = "flashcard"
        while not table_full(flashcards):
            await asyncio.sleep(0.001)
        marks["ready"]["browse_filter_s"] = time.perf_counter() - t
        marks["phase"] = "idle"
        await asyncio.sleep(0.5)
        monitor.cancel()
        app.exit()

    app.run(headless=True, size=(100, 30), auto_pilot=drive)
    return marks


def browse_main(copies: int) -> None:
    bank = copied_bank(copies)
    with tempfile.TemporaryDirectory(prefix="quizapp-bench-ui-") as tmp:
        marks = run_browse(Path(tmp) / "q.db", bank)
    blocks_ms = {phase: round(v * 1000, 1) for phase, v in marks["block"].items()}
    report = {
        "benchmark": "ui_block --browse",
        "cards": len(bank.cards),
        "longest_ui_block_ms": blocks_ms,
        "ready_s": {k: round(v, 3) for k, v in marks["ready"].items()},
        "budget_block_ms": BLOCK_BUDGET_MS,
        "load_average": os.getloadavg(),
    }
    print(json.dumps(report, indent=2))


def median_s(fn: Any, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 cards, 100,000 reviews")
    parser.add_argument("--browse", action="store_true", help="time Browse on the real bank instead")
    parser.add_argument("--copies", type=int, default=1, help="with --browse: copies of each card")
    args = parser.parse_args()
    if args.browse:
        browse_main(args.copies)
        return
    n_cards, n_reviews = (10_000, 100_000) if args.quick else (100_000, 1_000_000)
    settings = Settings()
    with tempfile.TemporaryDirectory(prefix="quizapp-bench-ui-") as tmp:
        path = Path(tmp) / "q.db"
        ids, topics, _ = build_db(path, n_cards, n_reviews, 0.10, random.Random(1))
        bank = fake_bank(ids, topics)
        marks = run_app(path, bank, settings)
        settled = run_app(path, bank, settings, settle_s=AFTER_START_S + 0.5)

        from quizapp.tui.screens.home import count_home
        from quizapp.tui.screens.stats import count_stats

        db = open_db(path)
        home_s = median_s(
            lambda: count_home(
                db, bank, settings, NOW, ("flashcard",), stats.RecentHistory(stats.RECENT_DAYS)
            )
        )
        stats_s = median_s(lambda: count_stats(db, bank, settings, NOW))
        plan = " | ".join(
            row[3]
            for row in db.execute(
                "EXPLAIN QUERY PLAN SELECT +card_id, count(*), sum(state_before = 2), count(correct)"
                " FROM reviews WHERE reviewed_at >= ? GROUP BY +card_id",
                ["2026-01-01"],
            )
        )
        db.close()
        sqlite3.connect(path).close()

    blocks_ms = {phase: round(v * 1000, 1) for phase, v in marks["block"].items()}
    stats_budget = 0.15 if args.quick else 1.0
    report = {
        "benchmark": "ui_block",
        "quick": args.quick,
        "cards": n_cards,
        "reviews": n_reviews,
        "longest_ui_block_ms": blocks_ms,
        "ready_s": {k: round(v, 3) for k, v in marks["ready"].items()},
        # Stats opened after a user's first look at Home (the app counted Stats' past days meanwhile)
        "settled": {
            "stats_open_s": round(settled["ready"]["stats_open_s"], 3),
            "longest_ui_block_ms": {k: round(v * 1000, 1) for k, v in settled["block"].items()},
        },
        "counts_alone_median_s": {"home": round(home_s, 3), "stats": round(stats_s, 3)},
        "card_totals_plan": plan,
        "budget_block_ms": BLOCK_BUDGET_MS,
        "budget_stats_ready_s": stats_budget,
        "within_budget": max(v for k, v in blocks_ms.items() if k != "idle") <= BLOCK_BUDGET_MS
        and stats_s <= stats_budget,
        "load_average": os.getloadavg(),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
