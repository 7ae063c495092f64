"""Loss generators: the formulas on hand-worked values, and every generator's truth recomputed another way."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.special
from sklearn.metrics import hinge_loss, log_loss

from quizapp.problems import fmt, losses
from quizapp.problems.losses import (
    CLASS_NAMES,
    bce_terms,
    fixed_vec,
    focal,
    hinge_terms,
    huber_terms,
    softmax,
)
from quizapp.problems.model import Problem

SEEDS = range(40)


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def shown_answer(problem: Problem) -> str:
    """The answer as the solution writes it."""
    decimals = problem.tolerance.decimals
    if decimals is None:
        return fmt.value(problem.answer)
    if isinstance(problem.answer, list):
        return fixed_vec(problem.answer, decimals)
    return fmt.fixed(problem.answer, decimals)


def check_texts(problem: Problem) -> None:
    """The solution ends with the answer; no diagnosis repeats the truth."""
    assert shown_answer(problem) in problem.solution.splitlines()[-1]
    assert 2 <= len(problem.solution.splitlines()) <= 5
    assert problem.diagnoses
    for diagnosis in problem.diagnoses:
        assert diagnosis.value != problem.answer


# --- helpers on hand-worked values ---


def test_bce_terms_on_sklearn_doc_example() -> None:
    # sklearn's log_loss example: y = [spam, ham, ham, spam], P(spam) = [0.9, 0.1, 0.2, 0.65]
    # −(ln 0.9 + ln 0.9 + ln 0.8 + ln 0.65) / 4 = (0.10536 + 0.10536 + 0.22314 + 0.43078) / 4 = 0.21616
    assert bce_terms([1, 0, 0, 1], [0.9, 0.1, 0.2, 0.65]).mean() == pytest.approx(0.21616, abs=1e-5)


def test_focal_hand_worked() -> None:
    # y = 1, p = 0.9: p_t = 0.9, α_t = 0.25, (1 − 0.9)² = 0.01, −ln 0.9 = 0.1053605 → 2.634013e-4
    assert focal(0.9, 1, 2, 0.25) == pytest.approx(2.634013e-4, rel=1e-6)
    # y = 0, p = 0.3: p_t = 0.7, α_t = 0.75, 0.3² = 0.09, −ln 0.7 = 0.3566749 → 0.0240756
    assert focal(0.3, 0, 2, 0.25) == pytest.approx(0.0240756, rel=1e-5)
    # γ = 0 and no α: plain cross-entropy −ln 0.7
    assert focal(0.3, 0, 0, None) == pytest.approx(0.3566749, rel=1e-6)


def test_softmax_hand_worked() -> None:
    # e^[2, 1, 0.1] = [7.389, 2.718, 1.105], Σ = 11.212 → [0.6590, 0.2424, 0.0986]
    assert softmax([2.0, 1.0, 0.1]) == pytest.approx([0.659001, 0.242433, 0.098566], abs=1e-6)


def test_huber_and_hinge_hand_worked() -> None:
    # r = [0.5, 0, 2], δ = 1: ½·0.25 = 0.125, 0, 1·(2 − 0.5) = 1.5
    assert huber_terms([0.5, 0.0, -2.0], 1.0) == pytest.approx([0.125, 0.0, 1.5])
    # margins y·f = [2, −0.5, 0.3] → max(0, 1 − m) = [0, 1.5, 0.7]
    assert hinge_terms([1, -1, 1], [2.0, 0.5, 0.3]) == pytest.approx([0.0, 1.5, 0.7])


# --- generators: truth recomputed independently ---


@pytest.mark.parametrize("seed", SEEDS)
def test_log_loss_matches_sklearn(seed: int) -> None:
    p = losses.log_loss(rng(seed))
    y, probs = p.given["labels"], p.given["p"]
    assert p.answer == pytest.approx(log_loss(y, probs, labels=[0, 1]), rel=1e-9)
    assert (fmt.vec(probs) if len(probs) > 1 else fmt.num(probs[0])) in p.prompt
    check_texts(p)


def test_log_loss_single_example() -> None:
    for seed in SEEDS:
        p = losses.log_loss(rng(seed), n=1)
        (y,), (q,) = p.given["labels"], p.given["p"]
        assert p.answer == pytest.approx(-math.log(q if y == 1 else 1 - q))
        assert f"P(y = 1) = {fmt.num(q)}" in p.prompt
        assert "sum over the examples" not in " ".join(d.message for d in p.diagnoses)


@pytest.mark.parametrize("seed", SEEDS)
def test_focal_loss(seed: int) -> None:
    p = losses.focal_loss(rng(seed))
    g = p.given
    p_t = g["p"] if g["label"] == 1 else 1 - g["p"]
    weight = 1.0 if g["alpha"] is None else (g["alpha"] if g["label"] == 1 else 1 - g["alpha"])
    ce = log_loss([g["label"]], [g["p"]], labels=[0, 1])  # −ln p_t, by sklearn
    assert p.answer == pytest.approx(weight * (1 - p_t) ** g["gamma"] * ce, rel=1e-9)
    assert f"= {fmt.num(g['p'])} for an example of label y = {g['label']}" in p.prompt
    check_texts(p)


def test_focal_loss_without_focus_is_cross_entropy() -> None:
    p = losses.focal_loss(rng(0), p=0.2, gamma=0, alpha=None)
    y = p.given["label"]
    assert p.answer == pytest.approx(-math.log(0.2 if y == 1 else 0.8))


@pytest.mark.parametrize("seed", SEEDS)
def test_softmax_prob_matches_scipy(seed: int) -> None:
    p = losses.softmax_prob(rng(seed))
    z, j = np.array(p.given["logits"]), CLASS_NAMES.index(p.given["class"])
    assert p.answer == pytest.approx(scipy.special.softmax(z)[j], rel=1e-9)
    assert p.unit == "probability" and p.tolerance.decimals == 3
    assert fmt.vec(z) in p.prompt and f"class {p.given['class']}?" in p.prompt
    check_texts(p)


@pytest.mark.parametrize("seed", SEEDS)
def test_softmax_cross_entropy_matches_sklearn(seed: int) -> None:
    p = losses.softmax_cross_entropy(rng(seed))
    z, j = np.array(p.given["logits"]), CLASS_NAMES.index(p.given["class"])
    probs = scipy.special.softmax(z)
    assert p.answer == pytest.approx(log_loss([j], [probs], labels=list(range(len(z)))), rel=1e-9)
    assert fmt.vec(z) in p.prompt
    check_texts(p)


@pytest.mark.parametrize("which", ["mse", "mae", "huber"])
def test_regression_losses(which: str) -> None:
    for seed in SEEDS:
        p = losses.regression_losses(rng(seed), which=which)
        y, y_hat = np.array(p.given["y"]), np.array(p.given["y_hat"])
        r = y_hat - y
        expected = {
            "mse": float(np.sum(r * r) / len(r)),
            "mae": float(np.sum(np.abs(r)) / len(r)),
            "huber": float(np.mean(scipy.special.huber(p.given["delta"], r))),
        }[which]
        assert p.answer == pytest.approx(expected, rel=1e-9)
        assert fmt.vec(y) in p.prompt and fmt.vec(y_hat) in p.prompt
        check_texts(p)


def test_regression_mse_diagnoses_rmse() -> None:
    p = losses.regression_losses(rng(3), which="mse")
    values = [d.value for d in p.diagnoses]
    assert math.sqrt(float(p.answer)) in values  # RMSE for MSE


@pytest.mark.parametrize("seed", SEEDS)
def test_hinge_matches_sklearn(seed: int) -> None:
    p = losses.hinge(rng(seed))
    y, f = p.given["labels"], p.given["decision"]
    assert p.answer == pytest.approx(hinge_loss(y, f), rel=1e-9)
    assert fmt.vec(f) in p.prompt and fmt.vec(y) in p.prompt
    check_texts(p)


def test_bad_params_are_value_errors() -> None:
    with pytest.raises(ValueError):
        losses.regression_losses(rng(0), which="rmse")
    with pytest.raises(ValueError):
        losses.focal_loss(rng(0), alpha=1.5)
    with pytest.raises(ValueError):
        losses.softmax_prob(rng(0), k=1)


@pytest.mark.parametrize(
    "name",
    [
        "losses.regression_losses",
        "losses.hinge",
        "regularization.inverted_dropout",
        "regularization.l1_update",
        "validation.class_weights",
        "unsupervised.pca_explained_variance",
        "metrics.roc_auc",
        "metrics.average_precision",
        "metrics.balanced_accuracy",
        "optim.momentum_step",
    ],
)
def test_generators_never_reveal_a_half_way_truth(name: str) -> None:
    from quizapp.problems.redraw import halfway
    from quizapp.problems.registry import generators

    for seed in range(80):
        problem = generators()[name].fn(np.random.default_rng(seed))
        assert not halfway(problem.answer, problem.tolerance), (seed, problem.answer)
