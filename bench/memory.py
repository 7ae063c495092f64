"""Resident memory of the TUI with 10,000 cards, headless, at the Home screen and after a study session.

A fresh interpreter loads a generated bank of 10,000 cards (the generator of bench/load.py), opens a
temporary database, runs the app headless, waits for Home, studies 50 cards, goes back Home, and reports
its peak resident set size (ru_maxrss) at each point.

Budget (DESIGN.md §8): <= 150 MB.

Usage: python bench/memory.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import write_bank  # a sibling script, not a package

BUDGET_MB = 120.0  # issue 12 (DESIGN.md §8 said 150)

CHILD = """
import asyncio, json, resource, sys
from pathlib import Path
from quizapp.content.cache import FileCache, default_cache_file
from quizapp.settings import Settings
from quizapp.tui.app import make_app
from quizapp.tui.screens.home import HomeScreen

def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

report = {"after_imports_mb": rss_mb()}
cache_file = default_cache_file()  # QUIZAPP_CACHE, as quizapp does it
cache = FileCache(cache_file) if cache_file else None
app = make_app([Path(sys.argv[1])], sys.argv[2], Settings(new_per_day=9999), cache=cache)
report["after_load_mb"] = rss_mb()
report["cards"] = len(app.bank.cards)

async def main():
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        report["home_mb"] = rss_mb()
        await pilot.press("a")
        for _ in range(int(sys.argv[3])):
            await pilot.press("space", "3", "a", "enter")
        await pilot.press("escape")
        await pilot.pause()
        report["after_session_mb"] = rss_mb()

asyncio.run(main())
print(json.dumps(report))
"""


def run_child(bank_dir: Path, db: Path, steps: int, env: dict[str, str]) -> dict[str, float]:
    """One child's figures (MB, rounded)."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(bank_dir), str(db), str(steps)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        sys.exit(f"benchmark child failed:\n{out.stderr}")
    return {
        key: round(value, 1) if isinstance(value, float) else value
        for key, value in json.loads(out.stdout).items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 cards, 10 study steps")
    args = parser.parse_args()
    files, steps = (40, 10) if args.quick else (200, 50)
    with tempfile.TemporaryDirectory(prefix="quizapp-bench-memory-") as tmp:
        bank_dir = Path(tmp) / "bank"
        bank_dir.mkdir()
        write_bank(bank_dir, files)
        env = {**os.environ, "HOME": tmp, "TEXTUAL_ANIMATIONS": "none"}
        warm_env = {**env, "QUIZAPP_CACHE": str(Path(tmp) / "cache")}
        run_child(bank_dir, Path(tmp) / "fill.db", 1, warm_env)  # fills the cache, untimed
        figures = run_child(bank_dir, Path(tmp) / "q.db", steps, warm_env)
        first = run_child(bank_dir, Path(tmp) / "first.db", steps, {**env, "QUIZAPP_CACHE": "off"})
    peak = max(value for key, value in figures.items() if key.endswith("_mb"))
    report = {
        "benchmark": "memory",
        "quick": args.quick,
        "study_steps": steps,
        **figures,
        "peak_mb": peak,
        "budget_mb": BUDGET_MB,
        "within_budget": peak <= BUDGET_MB,
        "first_start": first,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
