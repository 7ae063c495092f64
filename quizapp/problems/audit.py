"""Check numeric cards by running them: what `quizapp validate` adds to the static schema checks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from quizapp.content.schema import NumericCard
from quizapp.problems.check import check, expected_text
from quizapp.problems.registry import ProblemError, make_problem, param_problems
from quizapp.problems.trivial import trivial_reason

AUDIT_SEEDS = range(50)
MIN_DISTINCT = 15  # distinct problems a card must pose in AUDIT_SEEDS, unless it says why not
MAX_ENUMERATED = (
    16  # a formula card's `choice` (or `int` range) of at most this many values is tried value by value
)
VALUE_SEEDS = range(5)  # draws per pinned value: a value fails when every one of them fails


def card_problems(card: NumericCard, seeds: Iterable[int] = AUDIT_SEEDS) -> list[str]:
    """Why this card cannot pose a sound problem: bad params, a failing draw, a truth its checker refuses,
    an instance that gives its answer away, or too few distinct instances."""
    found = param_problems(card) or value_problems(card)
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


def _few_values(spec: Any) -> list[Any]:
    """The values of a scalar `choice` or `int` param small enough to try one by one, else none."""
    if not isinstance(spec, dict) or spec.get("size") is not None:
        return []
    if isinstance(spec.get("choice"), list) and len(spec["choice"]) <= MAX_ENUMERATED:
        return list(spec["choice"])
    bounds = spec.get("int")
    if isinstance(bounds, list) and len(bounds) == 2 and 0 <= bounds[1] - bounds[0] < MAX_ENUMERATED:
        return list(range(bounds[0], bounds[1] + 1))
    return []


def value_problems(card: NumericCard) -> list[str]:
    """A formula card's param values that never give a usable problem (the answer divides by zero, or
    `require` is never true): sampling seeds misses them, since a failing draw is silently drawn again."""
    if card.generator is not None:
        return []
    found = []
    for name, spec in card.params.items():
        for value in _few_values(spec):
            pinned = card.model_copy(update={"params": {**card.params, name: {"choice": [value]}}})
            errors = []
            for seed in VALUE_SEEDS:
                try:
                    make_problem(pinned, seed)
                except ProblemError as error:
                    errors.append(str(error))
            if len(errors) == len(VALUE_SEEDS):
                found.append(
                    f"`{name}` = {value} never gives a usable problem ({errors[0]}): "
                    f"drop it from `{name}` or fix the formula"
                )
    return found
