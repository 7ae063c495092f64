"""What the start path leaves out (behaviour, not timings: those are measured by bench/startup.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

CHILD = """
import json, sys
import quizapp.tui.app
import quizapp.tui.screens.home
print(json.dumps(sorted(name for name in sys.modules if name.startswith(("quizapp.problems", "sklearn")))))
"""


def test_the_app_and_home_import_neither_the_generator_registry_nor_scikit_learn() -> None:
    """The registry pulls numpy and the generators: a session imports it, Home never needs it."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, check=True, timeout=120
    )
    loaded = json.loads(out.stdout.splitlines()[-1])
    assert "quizapp.problems.registry" not in loaded and not any(n.startswith("sklearn") for n in loaded)


def test_a_seed_from_the_app_comes_from_the_registry_when_asked() -> None:
    from quizapp.problems.registry import MAX_SEED
    from quizapp.tui.app import new_seed

    seeds = {new_seed() for _ in range(20)}
    assert len(seeds) > 1 and all(0 <= seed < 2**31 <= MAX_SEED for seed in seeds)


WARM_START = """
import asyncio, json, sys
from pathlib import Path
from quizapp.content.bank import content_dirs
from quizapp.content.cache import FileCache, default_cache_file
from quizapp.settings import load_settings
from quizapp.tui.app import make_app
from quizapp.tui.screens.home import HomeScreen

settings, problems = load_settings()
app = make_app(content_dirs(()), sys.argv[1], settings, cache=FileCache(default_cache_file()))

async def main():
    async with app.run_test() as pilot:
        while not (isinstance(app.screen, HomeScreen) and app.screen.counted):
            await pilot.pause()
        heavy = ("pydantic", "yaml", "sqlite_utils", "numpy", "fsrs", "quizapp.content.schema")
        print(json.dumps({"loaded": [name for name in heavy if name in sys.modules],
                          "cards": len(app.bank.cards), "problems": problems}))

asyncio.run(main())
"""


def test_a_usual_start_imports_neither_pydantic_nor_yaml_nor_sqlite_utils_nor_numpy(tmp_path: Path) -> None:
    """With the database made and the bank in the cache, Home comes up on plain data: no card model, no
    settings model (no settings file), no migration, no scheduler."""
    env = {
        **os.environ,
        "QUIZAPP_CACHE": str(tmp_path / "cache"),
        "QUIZAPP_SETTINGS": str(tmp_path / "none.toml"),
        "QUIZAPP_CONTENT": "",
    }
    db = str(tmp_path / "q.db")

    def start() -> dict[str, object]:
        out = subprocess.run(
            [sys.executable, "-c", WARM_START, db], capture_output=True, text=True, env=env, timeout=120
        )
        assert out.returncode == 0, out.stderr
        found: dict[str, object] = json.loads(out.stdout.splitlines()[-1])
        return found

    first = start()  # a first start: the schema is made and every file parsed (the cache is filled)
    assert {"pydantic", "yaml", "sqlite_utils"} <= set(first["loaded"])  # type: ignore[arg-type]
    usual = start()
    assert usual["loaded"] == [] and usual["cards"] == first["cards"] and usual["problems"] == []
