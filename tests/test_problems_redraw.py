"""The shared redraw helpers: bounded give-up, redraw until a draw succeeds, half-way truths."""

from __future__ import annotations

import numpy as np
import pytest

from quizapp.content.schema import Tolerance
from quizapp.problems.model import Problem
from quizapp.problems.redraw import MAX_TRIES, clear_of_halfway, give_up, halfway, until


def test_halfway_spots_a_truth_on_a_rounding_boundary() -> None:
    assert halfway(0.8875, Tolerance(decimals=3))
    assert halfway([0.1, 2.4625], Tolerance(decimals=3))
    assert halfway(0.5985, Tolerance(sigfigs=3)) and halfway(1175.0, Tolerance(sigfigs=3))
    assert not halfway(0.8876, Tolerance(decimals=3)) and not halfway(0.8875, Tolerance(decimals=4))
    assert not halfway(0.8875, Tolerance())  # 1% relative has no rounding boundary


def test_give_up_raises_only_at_the_limit_and_names_what_was_wanted() -> None:
    give_up(MAX_TRIES - 1, "a thing")
    give_up(9, "a thing", limit=10)
    with pytest.raises(ValueError, match="could not draw a thing from these params after 10 tries"):
        give_up(10, "a thing", limit=10)


def test_until_returns_the_first_non_none_and_gives_up_after_limit_calls() -> None:
    calls: list[int] = []

    def third() -> int | None:
        calls.append(1)
        return len(calls) if len(calls) == 3 else None

    assert until(third, "a third call") == 3 and len(calls) == 3
    calls.clear()
    with pytest.raises(ValueError, match="after 5 tries"):
        until(lambda: calls.append(1), "anything", limit=5)  # type: ignore[func-returns-value]
    assert len(calls) == 5


def test_clear_of_halfway_draws_again_from_the_same_stream() -> None:
    answers = iter([0.8875, 2.4625, 0.8876])

    @clear_of_halfway
    def gen(rng: np.random.Generator) -> Problem:
        three = Tolerance(decimals=3)
        return Problem(prompt="p", given={}, answer=next(answers), solution="s", tolerance=three)

    assert gen(np.random.default_rng(0)).answer == 0.8876
