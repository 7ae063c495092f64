"""Regularization generators: dropout by hand and by simulation, L2 and L1 steps on hand-worked values."""

from __future__ import annotations

import numpy as np
import pytest

from quizapp.problems import fmt, regularization
from quizapp.problems.losses import fixed_vec
from quizapp.problems.model import Problem
from quizapp.problems.regularization import decimals_to_separate, dropout_output, l1_step, l2_step

SEEDS = range(40)


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def check_texts(problem: Problem) -> None:
    """The solution ends with the answer; no diagnosis repeats the truth."""
    decimals = problem.tolerance.decimals
    if decimals is None:
        shown = fmt.value(problem.answer)
    elif isinstance(problem.answer, list):
        shown = fixed_vec(problem.answer, decimals)
    else:
        shown = fmt.fixed(problem.answer, decimals)
    assert shown in problem.solution
    assert 2 <= len(problem.solution.splitlines()) <= 5
    assert problem.diagnoses
    for diagnosis in problem.diagnoses:
        assert diagnosis.value != problem.answer


def test_dropout_output_hand_worked() -> None:
    # p = 0.5: kept units doubled, dropped ones 0
    assert dropout_output([1.0, 2.0, 3.0, 4.0], [1, 0, 1, 0], 0.5) == pytest.approx([2.0, 0.0, 6.0, 0.0])
    # p = 0.2: 1.2 / 0.8 = 1.5
    assert dropout_output([1.2, 0.7], [1, 0], 0.2) == pytest.approx([1.5, 0.0])


@pytest.mark.parametrize("seed", SEEDS)
def test_inverted_dropout(seed: int) -> None:
    p = regularization.inverted_dropout(rng(seed))
    a, keep, drop = p.given["activations"], p.given["keep"], p.given["p"]
    expected = [x / (1 - drop) if k == 1 else 0.0 for x, k in zip(a, keep, strict=True)]
    assert p.answer == pytest.approx(expected, rel=1e-12)
    assert 0 < sum(keep) < len(keep)
    assert fmt.vec(a) in p.prompt and fmt.vec(keep) in p.prompt and f"p = {fmt.num(drop)}" in p.prompt
    check_texts(p)


def test_dropout_expectation_hand_worked() -> None:
    # a = 2, p = 0.5: inverted keeps E = 2; classic gives ½·2 = 1; classic inference scale 1 − p = 0.5
    expected = {"inverted": 2.0, "classic": 1.0, "inference_scale": 0.5}
    for ask, value in expected.items():
        p = regularization.dropout_expectation(rng(0), p=0.5, a=2.0, ask=ask)
        assert p.answer == value
        check_texts(p)


@pytest.mark.parametrize("ask", ["inverted", "classic", "inference_scale"])
def test_dropout_expectation_by_simulation(ask: str) -> None:
    for seed in range(10):
        p = regularization.dropout_expectation(rng(seed), ask=ask)
        drop, a = p.given["p"], p.given["a"]
        kept = rng(1000 + seed).random(400_000) >= drop
        if ask == "inverted":
            simulated = float(np.mean(np.where(kept, a / (1 - drop), 0.0)))
        elif ask == "classic":
            simulated = float(np.mean(np.where(kept, a, 0.0)))
        else:
            simulated = float(np.mean(kept))  # the training-time mean of the mask
        assert p.answer == pytest.approx(simulated, rel=0.01)
        assert f"p = {fmt.num(drop)}" in p.prompt
        if ask != "inference_scale":
            assert f"a = {fmt.num(a)}" in p.prompt


def test_l2_and_l1_steps_hand_worked() -> None:
    # w = 1, g = 0.5, η = 0.1, λ = 0.1: 1 − 0.1 × (0.5 + 0.1 × 1) = 0.94
    assert l2_step(1.0, 0.5, 0.1, 0.1) == pytest.approx(0.94)
    # w = −0.5, g = 0.2, η = 0.1, λ = 0.3: sign(w) = −1, −0.5 − 0.1 × (0.2 − 0.3) = −0.49
    assert l1_step(-0.5, 0.2, 0.1, 0.3) == pytest.approx(-0.49)
    # L2 on the same numbers: −0.5 − 0.1 × (0.2 − 0.15) = −0.505
    assert l2_step(-0.5, 0.2, 0.1, 0.3) == pytest.approx(-0.505)


def test_decimals_to_separate() -> None:
    assert decimals_to_separate(1.0, [1.1]) == 3  # far apart: the minimum
    # gap 4e-4: 3 decimals (band ±5.1e-4) cannot separate, 4 decimals (±5.1e-5) can
    assert decimals_to_separate(1.0, [1.0004]) == 4
    assert decimals_to_separate(1.0, [1.0]) == 3  # equal values are dropped as diagnoses, not separated


def test_l2_update_fixed_params() -> None:
    p = regularization.l2_update(rng(0), w=1.0, grad=0.5, lr=0.1, lam=0.1)
    assert p.answer == pytest.approx(0.94)
    assert "w = 1,  ∂L/∂w = 0.5,  learning rate η = 0.1,  λ = 0.1" in p.prompt
    assert 0.95 in [d.value for d in p.diagnoses]  # forgot the decay: 1 − 0.1 × 0.5
    check_texts(p)


@pytest.mark.parametrize("seed", SEEDS)
def test_l2_update(seed: int) -> None:
    p = regularization.l2_update(rng(seed))
    w, g, lr, lam = (p.given[k] for k in ("w", "grad", "lr", "lam"))
    assert p.answer == pytest.approx((1 - lr * lam) * w - lr * g, rel=1e-12)  # decay form
    k = p.tolerance.decimals
    assert k is not None and f"Give {k} decimals" in p.prompt
    # the asked precision tells the decayed step from the undecayed one
    assert abs((w - lr * g) - p.answer) > 2 * 0.51 * 10.0**-k
    assert f"w = {fmt.num(w)}" in p.prompt and f"λ = {fmt.num(lam)}" in p.prompt
    check_texts(p)


@pytest.mark.parametrize("seed", SEEDS)
def test_l1_update(seed: int) -> None:
    p = regularization.l1_update(rng(seed))
    w, g, lr, lam = (p.given[k] for k in ("w", "grad", "lr", "lam"))
    shrink = lam if w > 0 else -lam
    assert p.answer == pytest.approx(w - lr * g - lr * shrink, rel=1e-12)
    k = p.tolerance.decimals
    assert k is not None and abs(l2_step(w, g, lr, lam) - float(p.answer)) > 2 * 0.51 * 10.0**-k
    assert f"w = {fmt.num(w)}" in p.prompt and f"η = {fmt.num(lr)}" in p.prompt
    check_texts(p)


def test_bad_params_are_value_errors() -> None:
    with pytest.raises(ValueError):
        regularization.l2_update(rng(0), w=0.0)
    with pytest.raises(ValueError):
        regularization.inverted_dropout(rng(0), p=1.0)
    with pytest.raises(ValueError):
        regularization.dropout_expectation(rng(0), ask="gaussian")
