"""Load + validate a 10,000-card bank from YAML in a fresh (cold) Python process.

Writes 200 topic files x 50 cards (60% flashcards, 40% choice cards with 4 options each carrying `why`,
multi-line text, tags, explanations) to a temporary folder, then runs `load_bank` in a new interpreter
three times and reports the median. `load_bank` imports YAML, pydantic and the schema itself (the start
path does not), so its time includes them. A separate child splits one load into those imports, reading,
YAML composing, building the positioned data (`yamlpos.parse`) and pydantic validation, with the cyclic
GC paused as `load_bank` pauses it.

Budget (DESIGN.md §8): load + validate 10,000 cards from YAML, cold, <= 0.4 s.

Usage: python bench/load.py [--quick] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

BUDGET_S = 0.4
WARM_BUDGET_S = 0.02  # DESIGN.md §8
CARDS_PER_FILE = 50

# Runs in the child: imports quizapp cold, then times load_bank alone.
LOAD_CHILD = """
import time
t0 = time.perf_counter()
import json, sys
from pathlib import Path
from quizapp.content.bank import load_bank
if sys.argv[2:] == ["imports-first"]:
    import quizapp.content.loader  # what load_bank imports on first use: PyYAML, pydantic, the schema
t1, c1 = time.perf_counter(), time.process_time()
bank = load_bank([Path(sys.argv[1])])
t2, c2 = time.perf_counter(), time.process_time()
print(json.dumps({"import_s": t1 - t0, "load_s": t2 - t1, "load_cpu_s": c2 - c1, "cards": len(bank.cards),
                  "topics": len(bank.topics), "problems": len(bank.problems)}))
"""

# Runs in the child: a warm start, as the app does it, with the parsed-bank cache (argv[2]) filled.
WARM_CHILD = """
import time
t0 = time.perf_counter()
import json, sys
from pathlib import Path
from quizapp.content.bank import load_bank
from quizapp.content.cache import FileCache
t1 = time.perf_counter()
bank = load_bank([Path(sys.argv[1])], FileCache(Path(sys.argv[2])))
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "load_s": t2 - t1, "cards": len(bank.cards)}))
"""

# Runs in the child: the same work as load_file, split into phases (each phase over every file).
BREAKDOWN_CHILD = """
import gc, json, sys, time
from pathlib import Path
from quizapp.content.bank import load_bank
from quizapp.content.files import topic_files
t = time.perf_counter()
from quizapp.content.loader import CARD_ADAPTER
from quizapp.content.schema import TopicHeader
from quizapp.content.yamlpos import _Loader, parse
import_s = time.perf_counter() - t

gc.disable()  # as load_bank does
files = list(topic_files([Path(sys.argv[1])]))
t = time.perf_counter()
texts = [f.read_bytes().decode("utf-8") for f in files]
read_s = time.perf_counter() - t

t = time.perf_counter()
for text in texts:
    loader = _Loader(text)
    loader.get_single_node()
    loader.dispose()
compose_s = time.perf_counter() - t

t = time.perf_counter()
located = [parse(text, max_depth=2) for text in texts]
parse_shallow_s = time.perf_counter() - t

t = time.perf_counter()
for text in texts:
    parse(text)
parse_s = time.perf_counter() - t

t = time.perf_counter()
for item in located:
    data = item.data
    TopicHeader.model_validate({k: v for k, v in data.items() if k != "cards"})
    for raw in data["cards"]:
        CARD_ADAPTER.validate_python(raw)
validate_s = time.perf_counter() - t
gc.enable()

t = time.perf_counter()
load_bank([Path(sys.argv[1])])
warm_in_process_s = time.perf_counter() - t

print(json.dumps({"import_s": import_s, "read_s": read_s, "yaml_compose_s": compose_s,
                  "yamlpos_parse_s": parse_s, "yamlpos_parse_shallow_s": parse_shallow_s,
                  "pydantic_validate_s": validate_s, "load_bank_second_call_s": warm_in_process_s}))
"""


def flashcard(topic: str, n: int) -> str:
    return textwrap.indent(
        f"""\
- id: {topic}-card-{n}
  kind: flashcard
  tags: [tag-{n % 7}, level-{n % 3}]
  front: >-
    Question {n} about {topic}: explain why the estimator described here is biased when the
    training folds overlap, and what changes when k grows from 5 to n (leave-one-out)?
  back: |
    Short answer for card {n}: the variance of the estimate grows because the training sets overlap.
    Each fold's model is fitted on almost the same data, so the fold errors are strongly correlated.
    σ² of the mean is not σ²/k when the terms are correlated: Σ covariances add back in.
  explain: >-
    A longer explanation that an author might write, with a reference to the literature and a worked
    example: for n = 100 and k = 5 each model sees 80 points; with LOO each sees 99 of them.
""",
        "  ",
    )


def choice_card(topic: str, n: int) -> str:
    return textwrap.indent(
        f"""\
- id: {topic}-card-{n}
  kind: choice
  question: |
    Card {n} of {topic}. A classifier reaches an AUC of 0.93 on a validation set with 1% positives.
    Which statement about its precision at the default threshold is correct?
  options:
    - text: It cannot be read from the AUC; precision depends on the class prior and the threshold.
      correct: true
      why: AUC is prior-invariant, precision is not; with 1% positives even a low FPR floods the alarms.
    - text: It is at least 0.93, since AUC bounds precision from below.
      why: No such bound exists; AUC is a ranking probability, not a rate at one threshold.
    - text: It equals the true-positive rate at the point of the ROC curve nearest (0, 1).
      why: That point gives a TPR, and precision also needs the number of false positives.
    - {{text: "It is 0.5, because the data are imbalanced.", why: "Imbalance alone fixes no value."}}
  explain: >-
    Precision = TP / (TP + FP) depends on how many negatives there are; the ROC curve normalises
    them away. Look at a precision-recall curve instead when positives are rare.
""",
        "  ",
    )


def topic_file(index: int) -> str:
    topic = f"topic-{index:03d}"
    head = f"""\
topic: {topic}
title: Topic number {index}
summary: >-
  A generated topic for benchmarks: {CARDS_PER_FILE} cards mixing flashcards and multiple choice,
  with multi-line text like the built-in bank.
tags: [bench, group-{index % 10}]
references:
  - "Author, A. (2020). A book about topic {index}. Publisher."
  - "Author, B. (2021). A paper about topic {index}. Journal 1(2)."
cards:
"""
    cards = [choice_card(topic, n) if n % 5 in (1, 3) else flashcard(topic, n) for n in range(CARDS_PER_FILE)]
    return head + "\n".join(cards)


def write_bank(folder: Path, files: int) -> int:
    for index in range(files):
        (folder / f"topic-{index:03d}.yaml").write_text(topic_file(index), encoding="utf-8")
    return sum(f.stat().st_size for f in folder.iterdir())


def child_env(home: Path) -> dict[str, str]:
    """The environment of a child: no user content, config or data folders reachable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUIZAPP_")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "data"))
    env.update(QUIZAPP_DB=str(home / "quizapp.db"), QUIZAPP_SETTINGS=str(home / "settings.toml"))
    # Bytecode goes to the temporary folder (written by an untimed warm-up run), never next to the sources.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(home / "pycache")
    return env


def run_child(code: str, bank_dir: Path, env: dict[str, str], *extra: str) -> tuple[dict[str, float], float]:
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code, str(bank_dir), *extra],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    if out.returncode != 0:
        sys.exit(f"benchmark child failed:\n{out.stderr}")
    return json.loads(out.stdout), wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="40 files (2,000 cards), one run")
    parser.add_argument("--runs", type=int, default=None, help="timed runs (default 3, quick 1)")
    args = parser.parse_args()
    files = 40 if args.quick else 200
    runs = args.runs or (1 if args.quick else 3)
    scale = files * CARDS_PER_FILE / 10_000  # budgets are for 10,000 cards: linear in cards when --quick
    budget, warm_budget = BUDGET_S * scale, WARM_BUDGET_S * scale

    with tempfile.TemporaryDirectory(prefix="quizapp-bench-load-") as tmp:
        home = Path(tmp)
        bank_dir = home / "bank"
        bank_dir.mkdir()
        size = write_bank(bank_dir, files)
        env = child_env(home)
        run_child(LOAD_CHILD, bank_dir, env)  # warm-up: compiles bytecode into the temp folder; not timed
        results, imported_first = [], []
        for _ in range(runs):  # alternated
            results.append(run_child(LOAD_CHILD, bank_dir, env))
            imported_first.append(run_child(LOAD_CHILD, bank_dir, env, "imports-first")[0]["load_s"])
        breakdown, _ = run_child(BREAKDOWN_CHILD, bank_dir, env)
        cache_file = Path(tmp) / "cache" / "bank.pickle"
        run_child(WARM_CHILD, bank_dir, env, str(cache_file))  # fills the cache; not timed
        warm_loads = [run_child(WARM_CHILD, bank_dir, env, str(cache_file))[0]["load_s"] for _ in range(runs)]
        warm_s = statistics.median(warm_loads)

    loads = [r["load_s"] for r, _ in results]
    first = results[0][0]
    load_s = statistics.median(loads)
    ms = {k: round(v * 1000, 1) for k, v in breakdown.items()}
    report = {
        "benchmark": "load",
        "quick": args.quick,
        "files": files,
        "cards": int(first["cards"]),
        "problems": int(first["problems"]),
        "yaml_mb": round(size / 1e6, 2),
        "runs": runs,
        "load_validate_s": round(load_s, 3),
        "load_validate_runs_s": [round(x, 3) for x in loads],
        # the same with the loader's imports made first: load_bank alone, as the issue measured it when
        # importing the bank module imported them
        "load_validate_imports_done_s": round(statistics.median(imported_first), 3),
        # CPU time of the same calls: what a busy machine's wall time hides (load = uptime's load average)
        "load_validate_cpu_s": round(statistics.median(r["load_cpu_s"] for r, _ in results), 3),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "import_bank_module_s": round(statistics.median(r["import_s"] for r, _ in results), 3),
        "process_wall_s": round(statistics.median(wall for _, wall in results), 3),
        "breakdown_ms": {
            "import_yaml_pydantic_schema": ms["import_s"],
            "read_files": ms["read_s"],
            "yaml_compose_only": ms["yaml_compose_s"],
            "yamlpos_parse_cards_only_positions": ms["yamlpos_parse_shallow_s"],
            "yamlpos_build_and_construct": round(ms["yamlpos_parse_shallow_s"] - ms["yaml_compose_s"], 1),
            "pydantic_validate": ms["pydantic_validate_s"],
            "yamlpos_parse_all_positions": ms["yamlpos_parse_s"],
        },
        "warm_start": {
            "note": "fresh process, parsed-bank cache filled by an earlier run (what the app does)",
            "load_s": round(warm_s, 3),
            "load_runs_s": [round(x, 3) for x in warm_loads],
            "load_bank_second_call_in_process_no_cache_s": round(breakdown["load_bank_second_call_s"], 3),
            "budget_s": round(warm_budget, 3),
            "within_budget": warm_s <= warm_budget,
        },
        "budget_s": round(budget, 3),
        "budget_note": "0.4 s for 10,000 cards" + ("; scaled linearly for --quick" if args.quick else ""),
        "within_budget": load_s <= budget,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
