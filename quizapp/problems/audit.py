"""Check numeric cards by running them: what `quizapp validate` adds to the static schema checks."""

from __future__ import annotations

from collections.abc import Iterable

from quizapp.content.schema import NumericCard
from quizapp.problems.check import check, expected_text
from quizapp.problems.registry import ProblemError, make_problem, param_problems
from quizapp.problems.trivial import trivial_reason

AUDIT_SEEDS = range(50)
MIN_DISTINCT = 15  # distinct problems a card must pose in AUDIT_SEEDS, unless it says why not


def card_problems(card: NumericCard, seeds: Iterable[int] = AUDIT_SEEDS) -> list[str]:
    """Why this card cannot pose a sound problem: bad params, a failing draw, a truth its checker refuses,
    an instance that gives its answer away, or too few distinct instances."""
    found = param_problems(card)
    if found:
        return found
    prompts: set[str] = set()
    seeds = list(seeds)
    for seed in seeds:
        try:
            problem = make_problem(card, seed)
        except ProblemError as error:
            return [f"seed {seed}: {error}"]
        revealed = expected_text(problem.answer, problem.tolerance, problem.unit)
        verdict = check(problem, revealed)
        if not verdict.correct:
            return [f"seed {seed}: the revealed answer {revealed} is not accepted ({verdict.message})"]
        trivial = trivial_reason(problem, picks_from_prompt=card.picks_from_prompt)
        if trivial:
            return [f"seed {seed}: a trivial instance ({trivial}); add a `require` condition or widen params"]
        prompts.add(problem.prompt)
    if len(seeds) >= len(AUDIT_SEEDS) and len(prompts) < MIN_DISTINCT and card.few_variants is None:
        return [
            f"only {len(prompts)} distinct problems in {len(seeds)} seeds (at least {MIN_DISTINCT} wanted): "
            "widen the params, or say why in `few_variants`"
        ]
    return []
