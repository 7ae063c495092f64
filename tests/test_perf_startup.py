"""What the start path leaves out (behaviour, not timings: those are measured by bench/startup.py)."""

from __future__ import annotations

import json
import subprocess
import sys

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
