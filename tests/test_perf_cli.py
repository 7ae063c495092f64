"""`quizapp check`/`problem` on a warm cache find one card (behaviour; bench/load.py times it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

TOPIC = """\
topic: perfcli
title: Perf CLI
summary: Cards for the one-card path.
cards:
  - id: perf-third
    kind: numeric
    prompt: "What is {a} / 3? Give 3 decimals."
    params: {a: {int: [1, 2]}}
    answer: a / 3
    tolerance: {decimals: 3}
    solution: "{a} / 3 = {answer}"
  - id: perf-flash
    kind: flashcard
    front: Q?
    back: A.
"""

# No file may be parsed (PyYAML never loads), and only the card's file unpickled. Prints the exit code,
# which of those modules were imported and how many files' cards were unpickled.
CHILD = """
import json, sys
import quizapp.content.bank as bank
unpickled = []
real = bank._PickledFile.cards
def counting(self):
    unpickled.append(self.path.name)
    return real(self)
bank._PickledFile.cards = counting
from quizapp.cli import main
code = main(sys.argv[1:])
heavy = ("sklearn", "sqlite_utils", "textual", "yaml")
loaded = sorted(name for name in sys.modules if name.split(".")[0] in heavy)
print(json.dumps({"code": code, "loaded": loaded, "unpickled": unpickled}))
"""


def _run(args: list[str], env: dict[str, str], *, child: str = CHILD) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", child, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_check_on_a_warm_cache_parses_nothing_and_unpickles_one_file(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    (content / "perfcli.yaml").write_text(TOPIC, encoding="utf-8")
    env = {**os.environ, "QUIZAPP_CONTENT": str(content), "QUIZAPP_CACHE": str(tmp_path / "cache")}
    fill = "import sys; from quizapp.cli import main; sys.exit(main(sys.argv[1:]))"
    assert _run(["topics"], env, child=fill).returncode == 0  # fills the cache
    assert (tmp_path / "cache" / "bank.pickle").exists()

    checked = _run(["check", "perf-third", "--seed", "3", "--answer", "99", "--json"], env)
    assert checked.returncode == 0, checked.stderr
    lines = checked.stdout.splitlines()
    assert json.loads(lines[0])["status"] == "wrong"
    outcome = json.loads(lines[-1])
    assert outcome == {"code": 1, "loaded": [], "unpickled": ["perfcli.yaml"]}

    shown = _run(["problem", "perf-third", "--seed", "3"], env)
    assert json.loads(shown.stdout.splitlines()[-1]) == {
        "code": 0,
        "loaded": [],
        "unpickled": ["perfcli.yaml"],
    }
    assert shown.stdout.startswith("perf-third (seed 3)")

    flash = _run(["check", "perf-flash", "--seed", "3", "--answer", "1"], env)
    assert json.loads(flash.stdout.splitlines()[-1])["code"] == 2
    assert "`perf-flash` is a flashcard, not a numeric card" in flash.stderr
