"""Preprocessing generators: truths checked against hand-worked values, prompts show the inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from quizapp.problems import fmt, preprocessing
from quizapp.problems.model import Problem
from quizapp.problems.registry import generators
from quizapp.problems.tolerance import within

NAMES = [name for name in generators() if name.startswith("preprocessing.")]


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def test_every_catalogue_generator_is_registered() -> None:
    expected = {"standardize", "min_max", "batch_norm", "one_hot_width"}
    assert {name.split(".")[1] for name in NAMES} >= expected


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("seed", range(20))
def test_solution_states_the_answer_and_diagnoses_differ(name: str, seed: int) -> None:
    problem: Problem = generators()[name].fn(rng(seed))
    assert fmt.value(problem.answer) in problem.solution
    assert 1 <= len(problem.diagnoses) <= 3
    for diagnosis in problem.diagnoses:
        if problem.unit == "count":
            assert diagnosis.value != problem.answer
        else:
            assert not within(diagnosis.value, problem.answer, problem.tolerance, problem.unit, factor=2.0)


@pytest.mark.parametrize("name", NAMES)
def test_prompt_states_the_form_it_grades(name: str) -> None:
    problem: Problem = generators()[name].fn(rng(1))
    if problem.unit == "count":
        assert "Give the exact count." in problem.prompt
    else:
        assert problem.tolerance.decimals == 3 and "Give 3 decimals." in problem.prompt
        assert "(index " in problem.prompt  # the position is never left to a 0- or 1-based reading


def test_min_max_never_asks_a_value_half_way_between_two_3_decimal_answers() -> None:
    for seed in range(300):
        answer = preprocessing.min_max(rng(seed)).answer
        assert not math.isclose((answer * 1000) % 1, 0.5, abs_tol=1e-9), answer


def test_standardize_helper_by_hand() -> None:
    # [2, 4, 4, 4, 5, 5, 7, 9]: mean 5, squared deviations sum to 32, population std √(32/8) = 2.
    values = np.array([2, 4, 4, 4, 5, 5, 7, 9])
    assert preprocessing._standardized(values, 7) == pytest.approx(2.0)  # (9 − 5) / 2
    assert preprocessing._standardized(values, 0) == pytest.approx(-1.5)  # (2 − 5) / 2


def test_standardize_draws() -> None:
    for seed in range(20):
        problem = preprocessing.standardize(rng(seed))
        values = np.asarray(problem.given["values"], dtype=float)
        x = values[problem.given["index"]]
        assert fmt.vec(values) in problem.prompt and f"x = {fmt.num(x)}" in problem.prompt
        # population std by its definition, √(mean of squared deviations)
        std = math.sqrt(sum((v - values.mean()) ** 2 for v in values) / len(values))
        assert problem.answer == pytest.approx((x - values.mean()) / std)
        assert isinstance(problem.answer, float) and abs(problem.answer) >= 0.4


def test_min_max_helper_by_hand() -> None:
    # [10, 20, 30, 50]: range 40, so 20 maps to (20 − 10) / 40 = 0.25 and 30 to 0.5.
    values = np.array([10, 20, 30, 50])
    assert preprocessing._min_max(values, 1) == pytest.approx(0.25)
    assert preprocessing._min_max(values, 2) == pytest.approx(0.5)


def test_min_max_draws() -> None:
    for seed in range(20):
        problem = preprocessing.min_max(rng(seed))
        values = problem.given["values"]
        x = values[problem.given["index"]]
        assert fmt.vec(values) in problem.prompt and f"x = {x}" in problem.prompt
        assert problem.answer == pytest.approx((x - min(values)) / (max(values) - min(values)))
        assert isinstance(problem.answer, float) and 0 < problem.answer < 1 and problem.answer != 0.5


def test_batch_norm_helper_by_hand() -> None:
    # x = [1, 2, 3]: mean 2, biased variance (1 + 0 + 1) / 3 = 2/3; x̂(3) = 1 / √(2/3) = 1.2247.
    # y = 2 · 1.2247 + 1 = 3.4495 (ε = 0).
    y = preprocessing._batch_norm(np.array([1.0, 2.0, 3.0]), gamma=2.0, beta=1.0, eps=0.0)
    assert y[2] == pytest.approx(2 * math.sqrt(1.5) + 1)
    assert y[1] == pytest.approx(1.0)
    # with the unbiased variance (÷ 2 = 1): x̂(3) = 1, y = 3
    assert preprocessing._batch_norm(np.array([1.0, 2.0, 3.0]), 2.0, 1.0, 0.0, ddof=1)[2] == pytest.approx(
        3.0
    )


def test_batch_norm_draws() -> None:
    for seed in range(20):
        problem = preprocessing.batch_norm(rng(seed))
        g = problem.given
        x = np.asarray(g["x"], dtype=float)
        assert fmt.vec(x) in problem.prompt
        assert (
            f"γ = {fmt.num(g['gamma'])}" in problem.prompt and f"β = {fmt.num(g['beta'])}" in problem.prompt
        )
        mean = sum(x) / len(x)
        var = sum((v - mean) ** 2 for v in x) / len(x)
        expected = g["gamma"] * (x[g["index"]] - mean) / math.sqrt(var + g["eps"]) + g["beta"]
        assert problem.answer == pytest.approx(expected)


def test_one_hot_width_helper_by_hand() -> None:
    # 3 + 7 columns; drop='first' loses one per feature; 'if_binary' only for the 2-category feature.
    assert preprocessing._one_hot_width([3, 7], None) == 10
    assert preprocessing._one_hot_width([3, 7], "first") == 8
    assert preprocessing._one_hot_width([2, 5], "if_binary") == 6


def test_one_hot_width_fixed_drop() -> None:
    for seed in range(20):
        problem = preprocessing.one_hot_width(rng(seed), drop="first")
        cards = problem.given["categories"]
        assert problem.answer == sum(cards) - len(cards)
        for name, c in zip(problem.given["features"], cards, strict=True):
            assert f"{name}: {c} categories" in problem.prompt
        assert "drop='first'" in problem.prompt
        assert sum(cards) in [d.value for d in problem.diagnoses]  # forgot the drop
    kept = preprocessing.one_hot_width(rng(), drop=None)
    assert kept.answer == sum(kept.given["categories"]) and "drop=None" in kept.prompt


def test_one_hot_width_refuses_unknown_drop() -> None:
    with pytest.raises(ValueError, match="drop"):
        preprocessing.one_hot_width(rng(), drop="last")
