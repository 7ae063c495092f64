"""Check numeric cards by running them: what `quizapp validate` adds to the static schema checks."""

from __future__ import annotations

from collections.abc import Iterable

from quizapp.content.schema import NumericCard
from quizapp.problems.check import check, expected_text
from quizapp.problems.registry import ProblemError, make_problem, param_problems

AUDIT_SEEDS = range(3)


def card_problems(card: NumericCard, seeds: Iterable[int] = AUDIT_SEEDS) -> list[str]:
    """Why this card cannot pose a sound problem: bad params, a failing draw, a truth its checker refuses."""
    found = param_problems(card)
    if found:
        return found
    for seed in seeds:
        try:
            problem = make_problem(card, seed)
        except ProblemError as error:
            return [f"seed {seed}: {error}"]
        revealed = expected_text(problem.answer, problem.tolerance, problem.unit)
        verdict = check(problem, revealed)
        if not verdict.correct:
            return [f"seed {seed}: the revealed answer {revealed} is not accepted ({verdict.message})"]
    return []
