"""Gradient generators: derivatives on hand-worked values and by finite differences, chains, clipping."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.special

from quizapp.problems import fmt, gradients
from quizapp.problems.gradients import clip_to_norm, derivative
from quizapp.problems.losses import fixed_vec
from quizapp.problems.model import Problem

SEEDS = range(40)


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def check_texts(problem: Problem) -> None:
    """The solution ends with the answer; no diagnosis repeats the truth."""
    decimals = problem.tolerance.decimals
    if decimals is None or np.ndim(problem.answer) == 0:
        shown = fmt.value(problem.answer)
    else:
        shown = fixed_vec(problem.answer, decimals)
    assert shown in problem.solution
    assert 2 <= len(problem.solution.splitlines()) <= 5
    assert problem.diagnoses
    for diagnosis in problem.diagnoses:
        assert diagnosis.value != problem.answer


def plain_activation(name: str, z: float) -> float:
    """The activations written out again, for finite differences."""
    return {
        "sigmoid": lambda: 1 / (1 + math.exp(-z)),
        "tanh": lambda: math.tanh(z),
        "relu": lambda: max(0.0, z),
        "leaky_relu": lambda: z if z > 0 else 0.01 * z,
    }[name]()


def test_derivatives_hand_worked() -> None:
    assert derivative("sigmoid", 0.0) == 0.25  # σ(0) = ½, ½·½
    # σ(2) = 0.880797, σ'(2) = 0.880797 × 0.119203 = 0.104994
    assert derivative("sigmoid", 2.0) == pytest.approx(0.104994, abs=1e-6)
    assert derivative("tanh", 0.0) == 1.0
    # tanh(1) = 0.761594, 1 − 0.580026 = 0.419974
    assert derivative("tanh", 1.0) == pytest.approx(0.419974, abs=1e-6)
    assert derivative("relu", 3.0) == 1.0 and derivative("relu", -1.0) == 0.0
    assert derivative("leaky_relu", -1.0) == 0.01 and derivative("leaky_relu", 0.5) == 1.0


@pytest.mark.parametrize("fn", ["sigmoid", "tanh", "relu", "leaky_relu"])
def test_activation_derivative_by_finite_differences(fn: str) -> None:
    h = 1e-6
    for seed in SEEDS:
        p = gradients.activation_derivative(rng(seed), fn=fn)
        z = p.given["z"]
        slope = (plain_activation(fn, z + h) - plain_activation(fn, z - h)) / (2 * h)
        assert p.answer == pytest.approx(slope, rel=1e-6, abs=1e-9)
        assert f"at z = {fmt.num(z)}" in p.prompt
        check_texts(p)


def test_activation_derivative_needs_a_differentiable_point() -> None:
    with pytest.raises(ValueError):
        gradients.activation_derivative(rng(0), fn="relu", z=0.0)
    with pytest.raises(ValueError):
        gradients.activation_derivative(rng(0), fn="gelu")


def test_sigmoid_chain_bound() -> None:
    p = gradients.sigmoid_chain(rng(0), layers=3, ask="bound")
    assert p.answer == 0.015625  # 0.25³ = 1/64
    assert "3 sigmoid layers" in p.prompt
    assert 0.125 in [d.value for d in p.diagnoses]  # 0.5³: σ(0) in place of σ'(0)
    check_texts(p)


@pytest.mark.parametrize("seed", SEEDS)
def test_sigmoid_chain_product(seed: int) -> None:
    p = gradients.sigmoid_chain(rng(seed), ask="product")
    z = np.array(p.given["z"])
    # σ'(z) = σ(z)·(1 − σ(z)) = σ(z)·σ(−z)
    expected = math.prod(scipy.special.expit(z) * scipy.special.expit(-z))
    assert p.answer == pytest.approx(expected, rel=1e-9)
    assert float(p.answer) <= 0.25 ** len(z)
    assert fmt.vec(z) in p.prompt
    check_texts(p)


def test_weight_scale_chain_hand_worked() -> None:
    p = gradients.weight_scale_chain(rng(0), layers=10, w=0.5)
    assert p.answer == 0.0009765625  # 0.5^10 = 1/1024
    assert "vanishes" in p.solution and "10 layers" in p.prompt and "w = 0.5" in p.prompt
    p = gradients.weight_scale_chain(rng(0), layers=20, w=1.5)
    assert p.answer == pytest.approx(3325.2567, rel=1e-7)  # 1.5^20
    assert "explodes" in p.solution


@pytest.mark.parametrize("seed", SEEDS)
def test_weight_scale_chain(seed: int) -> None:
    p = gradients.weight_scale_chain(rng(seed))
    n, w = p.given["layers"], p.given["w"]
    assert p.answer == pytest.approx(math.exp(n * math.log(w)), rel=1e-9)
    assert ("vanishes" in p.solution) == (w < 1) and ("explodes" in p.solution) == (w > 1)
    assert f"w = {fmt.num(w)}" in p.prompt
    check_texts(p)


def test_clip_to_norm_hand_worked() -> None:
    # ‖[3, 4]‖ = 5 > 1 → [3, 4] / 5 = [0.6, 0.8]
    assert clip_to_norm([3.0, 4.0], 1.0) == pytest.approx([0.6, 0.8])
    assert clip_to_norm([0.3, 0.4], 1.0) == pytest.approx([0.3, 0.4])  # already short enough


@pytest.mark.parametrize("seed", SEEDS)
def test_clip_by_norm_keeps_direction_at_max_norm(seed: int) -> None:
    p = gradients.clip_by_norm(rng(seed))
    g, m = np.array(p.given["g"]), p.given["max_norm"]
    clipped = np.array(p.answer)
    assert math.hypot(*clipped) == pytest.approx(m, rel=1e-9)  # length max_norm
    assert clipped / m == pytest.approx(g / math.hypot(*g), rel=1e-9)  # same direction
    assert p.tolerance.decimals == 3
    assert fmt.vec(g) in p.prompt and fmt.num(m) in p.prompt
    check_texts(p)


def test_tanh_solution_brackets_a_negative_before_squaring() -> None:
    for seed in range(40):
        p = gradients.activation_derivative(rng(seed), fn="tanh")
        if p.given["z"] < 0:
            value = fmt.num(-np.tanh(p.given["z"]))
            assert f"1 − (−{value})² = " in p.solution
            assert "− -" not in p.solution
            return
    raise AssertionError("no negative z drawn")
