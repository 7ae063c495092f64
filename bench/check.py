"""`quizapp check` in one process against a warm cache, as a ratio to `python -c "import numpy"`.

Writes the 10,000-card bank of bench/load.py plus one topic file of formula numeric cards (no
scikit-learn), fills the parsed-bank cache with one untimed run, then times, alternated, the wall time of:
`python -c "import numpy"` and `quizapp check CARD --seed S --answer X`. The warm bank is lean (indexes
from the cache; only the card's file is unpickled), so check loads it as the app does. Medians.

Budget (issue 12): check <= 3x `import numpy`.

Usage: python bench/check.py [--quick] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import child_env, write_bank

RATIO_BUDGET = 3.0
NUMERIC_TOPIC = """\
topic: bench-numeric
title: Bench numeric
summary: Formula cards for the check benchmark.
cards:
  - id: bench-third
    kind: numeric
    prompt: "What is {a} / 3? Give 3 decimals."
    params: {a: {int: [1, 9]}}
    answer: a / 3
    tolerance: {decimals: 3}
    solution: "{a} / 3 = {answer}"
"""
CHECK = "import sys; from quizapp.cli import main; sys.exit(main(sys.argv[1:]))"
ARGS = ["check", "bench-third", "--seed", "7", "--answer", "1.000"]


def wall(code: str, env: dict[str, str], *args: str) -> float:
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True)
    took = time.perf_counter() - start
    if out.returncode not in (0, 1):  # 1: a wrong answer, which is fine here
        sys.exit(f"benchmark child failed:\n{out.stderr}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="40 files (2,000 cards), 3 runs")
    parser.add_argument("--runs", type=int, default=None, help="timed runs of each (default 7, quick 3)")
    args = parser.parse_args()
    files = 40 if args.quick else 200
    runs = args.runs or (3 if args.quick else 7)
    with tempfile.TemporaryDirectory(prefix="quizapp-bench-check-") as tmp:
        home = Path(tmp)
        bank_dir = home / "bank"
        bank_dir.mkdir()
        write_bank(bank_dir, files)
        (bank_dir / "zz-numeric.yaml").write_text(NUMERIC_TOPIC, encoding="utf-8")
        env = child_env(home) | {"QUIZAPP_CONTENT": str(bank_dir), "QUIZAPP_CACHE": str(home / "cache")}
        wall(CHECK, env, *ARGS)  # fills the cache and the bytecode; not timed
        wall("import numpy", env)
        timed: dict[str, list[float]] = {"numpy": [], "check": []}
        for _ in range(runs):
            timed["numpy"].append(wall("import numpy", env))
            timed["check"].append(wall(CHECK, env, *ARGS))
    med = {k: statistics.median(v) for k, v in timed.items()}
    ratio = med["check"] / med["numpy"]
    print(
        json.dumps(
            {
                "benchmark": "check",
                "quick": args.quick,
                "cards": files * 50 + 1,
                "runs": runs,
                "load_average": [round(x, 2) for x in os.getloadavg()],
                "median_s": {k: round(v, 3) for k, v in med.items()},
                "ratio_to_numpy": round(ratio, 2),
                "budget_ratio": RATIO_BUDGET,
                "within_budget": ratio <= RATIO_BUDGET,
            }
        )
    )


if __name__ == "__main__":
    main()
