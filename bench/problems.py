"""Generate + check throughput of every numeric problem, libraries warm.

For each registered generator (default params) and each numeric card of the built-in bank, times
`make_problem` followed by `check` of the revealed answer, over many seeds, after one untimed warm-up
call (which imports scikit-learn and the family modules). Reports per generator the median and p95 in
milliseconds, and overall medians.

Budget (DESIGN.md §8): generate + check one numeric problem, libraries warm: <= 20 ms (median).

Usage: python bench/problems.py [--quick] [--seeds N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np

from quizapp.content.bank import builtin_content_dir, load_bank
from quizapp.content.schema import NumericCard
from quizapp.problems.check import check, expected_text
from quizapp.problems.registry import generators, make_problem, warm_problem_libraries

BUDGET_MS = 20.0


def _time_ms(card: NumericCard, seeds: range) -> list[float]:
    make_problem(card, 10_000)  # warm-up: imports and first-call caches, untimed
    times = []
    for seed in seeds:
        start = time.perf_counter()
        problem = make_problem(card, seed)
        check(problem, expected_text(problem.answer, problem.tolerance, problem.unit))
        times.append((time.perf_counter() - start) * 1000)
    return times


def _summary(times: list[float]) -> dict[str, float]:
    return {
        "median_ms": round(statistics.median(times), 3),
        "p95_ms": round(float(np.percentile(times, 95)), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 seeds instead of 200")
    parser.add_argument("--seeds", type=int, help="seeds per generator or card")
    args = parser.parse_args()
    seeds = range(args.seeds or (20 if args.quick else 200))

    start = time.perf_counter()
    warm_problem_libraries()
    warm_s = time.perf_counter() - start

    per_generator: dict[str, dict[str, float]] = {}
    all_times: list[float] = []
    for name in sorted(generators()):
        card = NumericCard(id="bench", kind="numeric", generator=name)
        times = _time_ms(card, seeds)
        per_generator[name] = _summary(times)
        all_times += times

    bank = load_bank([builtin_content_dir()])
    card_times: list[float] = []
    formula_times: list[float] = []
    for card in bank.cards.values():
        if isinstance(card, NumericCard):
            times = _time_ms(card, seeds)
            card_times += times
            if card.generator is None:
                formula_times += times

    medians = [entry["median_ms"] for entry in per_generator.values()]
    slowest = max(per_generator, key=lambda name: per_generator[name]["median_ms"])
    report = {
        "benchmark": "problems",
        "seeds_per_item": len(seeds),
        "warm_import_s": round(warm_s, 3),
        "generators": len(per_generator),
        "median_ms_all_generator_problems": round(statistics.median(all_times), 3),
        "median_of_generator_medians_ms": round(statistics.median(medians), 3),
        "slowest_generator": {"name": slowest, **per_generator[slowest]},
        "bank_numeric_cards": {"count": len(card_times) // len(seeds), **_summary(card_times or [0.0])},
        "bank_formula_cards": {"count": len(formula_times) // len(seeds), **_summary(formula_times or [0.0])},
        "budget_median_ms": BUDGET_MS,
        "within_budget": statistics.median(all_times) <= BUDGET_MS and max(medians) <= BUDGET_MS,
        "per_generator": per_generator,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
