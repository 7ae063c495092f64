"""Probability generators: truths checked against hand-worked values, prompts show the inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from quizapp.problems import fmt, probability
from quizapp.problems.model import Problem
from quizapp.problems.registry import generators
from quizapp.problems.tolerance import within

NAMES = [name for name in generators() if name.startswith("probability.")]


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def test_every_catalogue_generator_is_registered() -> None:
    expected = {"bayes_rule", "naive_bayes_posterior", "logit_probability", "odds_ratio"}
    expected |= {"logistic_prediction", "bootstrap_oob"}
    assert {name.split(".")[1] for name in NAMES} >= expected


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("seed", range(20))
def test_solution_states_the_answer_and_diagnoses_differ(name: str, seed: int) -> None:
    problem: Problem = generators()[name].fn(rng(seed))
    assert fmt.value(problem.answer) in problem.solution
    assert 1 <= len(problem.diagnoses) <= 3
    for diagnosis in problem.diagnoses:
        assert not within(diagnosis.value, problem.answer, problem.tolerance, problem.unit, factor=2.0)


@pytest.mark.parametrize("name", NAMES)
def test_prompt_states_the_precision_it_grades(name: str) -> None:
    problem: Problem = generators()[name].fn(rng(1))
    tolerance = problem.tolerance
    if tolerance.decimals is not None:
        assert f"Give {tolerance.decimals} decimals." in problem.prompt
    else:
        assert tolerance.sigfigs is not None
        assert f"Give {tolerance.sigfigs} significant figures." in problem.prompt


def test_bayes_rule_mammography_example() -> None:
    # The classic screening example: 1% prevalence, 90% sensitivity, 9% false positives.
    # Per 1000 people: 9 true positives, 0.09 · 990 = 89.1 false positives → 9 / 98.1 = 0.0917.
    problem = probability.bayes_rule(rng(), prevalence=0.01, sensitivity=0.9, specificity=0.91)
    assert problem.answer == pytest.approx(9 / 98.1)
    assert problem.unit == "probability"
    assert "1%" in problem.prompt and "90%" in problem.prompt and "91%" in problem.prompt
    assert 0.9 in [d.value for d in problem.diagnoses]  # base-rate neglect


def test_bayes_rule_draws_show_their_inputs() -> None:
    for seed in range(20):
        problem = probability.bayes_rule(rng(seed))
        given = problem.given
        for key in ("prevalence", "sensitivity", "specificity"):
            assert f"{fmt.num(100 * given[key])}%" in problem.prompt
        # By counting in a population of 1,000,000: sick & positive versus all positives.
        sick = 1e6 * given["prevalence"]
        true_pos = sick * given["sensitivity"]
        false_pos = (1e6 - sick) * (1 - given["specificity"])
        assert problem.answer == pytest.approx(true_pos / (true_pos + false_pos))


def test_naive_bayes_helper_by_hand() -> None:
    # P(spam) = 0.4; 'free' present (0.8 vs 0.1), 'meeting' absent (0.2 vs 0.5).
    # spam: 0.4 · 0.8 · 0.8 = 0.256; ham: 0.6 · 0.1 · 0.5 = 0.03; posterior = 0.256 / 0.286.
    posterior = probability._nb_posterior(0.4, np.array([0.8, 0.2]), np.array([0.1, 0.5]), np.array([1, 0]))
    assert posterior == pytest.approx(0.256 / 0.286)


def test_naive_bayes_posterior_prompt_shows_its_inputs() -> None:
    for seed in range(20):
        problem = probability.naive_bayes_posterior(rng(seed))
        given = problem.given
        assert f"P(spam) = {fmt.num(given['prior_spam'])}" in problem.prompt
        for word, a, b in zip(given["words"], given["p_spam"], given["p_ham"], strict=True):
            assert f"'{word}'" in problem.prompt
            assert f"= {fmt.num(a)}" in problem.prompt and f"= {fmt.num(b)}" in problem.prompt
        assert isinstance(problem.answer, float) and 0.03 <= problem.answer <= 0.97


@pytest.mark.parametrize(("logit", "expected"), [(0.0, 0.5), (1.0986, 0.75), (-1.0986, 0.25), (2.0, 0.8808)])
def test_logit_probability_known_values(logit: float, expected: float) -> None:
    # σ(ln 3) = 3 / (3 + 1) = 0.75; σ(2) = 1 / (1 + e^−2) = 0.8808.
    problem = probability.logit_probability(rng(), logit=logit)
    assert problem.answer == pytest.approx(expected, abs=1e-4)
    assert f"z = {fmt.num(logit)}" in problem.prompt


def test_odds_ratio_doubling_odds() -> None:
    # β = ln 2 doubles the odds per unit, so 2 units multiply them by 4.
    problem = probability.odds_ratio(rng(), coef=0.6931, delta=2)
    assert problem.answer == pytest.approx(4.0, rel=1e-4)
    assert "β = 0.6931" in problem.prompt and "rises by 2 units" in problem.prompt
    values = [d.value for d in problem.diagnoses]
    assert pytest.approx(1.3862) in values  # β·Δ, the log-odds change
    assert pytest.approx(2.0, rel=1e-4) in values  # e^β, per unit only


def test_odds_ratio_risk_ratio_diagnosis_by_hand() -> None:
    # p = 0.5 → odds 1; e^(ln 3) = 3 → odds 3 → p = 0.75; risk ratio 0.75 / 0.5 = 1.5.
    for seed in range(50):
        problem = probability.odds_ratio(rng(seed), coef=1.0986, delta=1)
        if problem.given["p"] == 0.5:
            assert pytest.approx(1.5, rel=1e-3) in [d.value for d in problem.diagnoses]
            return
    pytest.fail("no draw with p = 0.5")


def test_logistic_helper_by_hand() -> None:
    # w·x + b = 1·2 + (−2)·1 + 0.5 = 0.5; σ(0.5) = 0.6225.
    z, p = probability._logistic(np.array([1.0, -2.0]), 0.5, np.array([2.0, 1.0]))
    assert z == pytest.approx(0.5)
    assert p == pytest.approx(0.62246, abs=1e-5)


def test_logistic_prediction_prompt_shows_its_inputs() -> None:
    for seed in range(20):
        problem = probability.logistic_prediction(rng(seed))
        w, b, x = (np.asarray(problem.given[k]) for k in ("w", "b", "x"))
        assert fmt.vec(w) in problem.prompt and fmt.vec(x) in problem.prompt
        assert f"b = {fmt.num(b)}" in problem.prompt
        assert problem.answer == pytest.approx(1 / (1 + math.exp(-(sum(w * x) + b))))


def test_bootstrap_oob_small_n_by_hand() -> None:
    # n = 2: the example must be missed by both draws, (1/2)² = 0.25. n = 5: (4/5)^5 = 0.32768.
    assert probability.bootstrap_oob(rng(), n=2).answer == pytest.approx(0.25)
    problem = probability.bootstrap_oob(rng(), n=5)
    assert problem.answer == pytest.approx(0.32768)
    assert "5 examples" in problem.prompt
    assert pytest.approx(math.exp(-1)) in [d.value for d in problem.diagnoses]


def test_bootstrap_oob_asks_enough_decimals_to_tell_n_from_the_limit() -> None:
    # For n = 1000, (1 − 1/n)^n = 0.36770 while 1/e = 0.36788: 4 decimals tell them apart.
    problem = probability.bootstrap_oob(rng(), n=1000)
    assert problem.answer == pytest.approx(0.3676954, abs=1e-6)
    assert problem.tolerance.decimals == 4 and "Give 4 decimals." in problem.prompt
    assert pytest.approx(math.exp(-1)) in [d.value for d in problem.diagnoses]
