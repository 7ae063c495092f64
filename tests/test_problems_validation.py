"""Validation generators: truths checked against hand-derived counts, prompts show the inputs."""

from __future__ import annotations

import numpy as np
import pytest

from quizapp.problems import fmt, validation
from quizapp.problems.model import Problem
from quizapp.problems.registry import generators

NAMES = [name for name in generators() if name.startswith("validation.")]


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def test_every_catalogue_generator_is_registered() -> None:
    expected = {"kfold_sizes", "stratified_counts", "loocv_fits", "grid_search_fits", "class_weights"}
    expected |= {"nested_cv_fits"}
    assert {name.split(".")[1] for name in NAMES} >= expected


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("seed", range(20))
def test_solution_states_the_answer_and_diagnoses_differ(name: str, seed: int) -> None:
    problem: Problem = generators()[name].fn(rng(seed))
    assert fmt.value(problem.answer) in problem.solution
    assert problem.unit in ("count", "real")
    for diagnosis in problem.diagnoses:
        if problem.unit == "count":
            assert diagnosis.value != problem.answer
        else:
            assert not np.allclose(diagnosis.value, problem.answer, rtol=0.02)


def test_kfold_sizes_by_hand() -> None:
    # 52 examples in 7 folds: 52 = 7·7 + 3, so folds 1–3 hold 8 and folds 4–7 hold 7.
    problem = validation.kfold_sizes(rng(), n=52, k=7)
    assert problem.answer == [8, 8, 8, 7, 7, 7, 7]
    assert problem.unit == "count"
    assert "52" in problem.prompt and "n_splits=7" in problem.prompt
    assert "[8, 8, 8, 7, 7, 7, 7]" in problem.solution
    assert [7] * 7 in [d.value for d in problem.diagnoses]  # n // k everywhere


def test_kfold_sizes_exact_division_still_has_a_diagnosis() -> None:
    # 30 = 3·10: every fold holds 10; training folds would hold 20.
    problem = validation.kfold_sizes(rng(), n=30, k=3)
    assert problem.answer == [10, 10, 10]
    assert [d.value for d in problem.diagnoses] == [[20, 20, 20]]


def test_kfold_sizes_draws_sum_to_n() -> None:
    for seed in range(30):
        problem = validation.kfold_sizes(rng(seed))
        n, k = problem.given["n"], problem.given["k"]
        sizes = np.asarray(problem.answer)
        assert sizes.sum() == n and len(sizes) == k and sizes.max() - sizes.min() <= 1
        assert f"{n} examples" in problem.prompt


def test_stratified_counts_by_hand() -> None:
    # 23 positives over 5 folds: 23 = 5·4 + 3, the first 3 folds get 5, the last 2 get 4.
    problem = validation.stratified_counts(rng(), n_pos=23, n_neg=140, k=5)
    assert problem.answer == [5, 5, 5, 4, 4]
    assert "23 positives" in problem.prompt and "140 negatives" in problem.prompt
    # Plain KFold on 163 ordered examples: test folds of 33, so fold 1 holds 23 positives, the rest none.
    assert [23, 0, 0, 0, 0] in [d.value for d in problem.diagnoses]


def test_stratified_counts_match_round_robin() -> None:
    # StratifiedKFold deals the first-listed class round-robin: positive j goes to fold j mod k.
    for seed in range(20):
        problem = validation.stratified_counts(rng(seed))
        n_pos, k = problem.given["n_pos"], problem.given["k"]
        by_hand = np.bincount(np.arange(n_pos) % k, minlength=k)
        assert problem.answer == by_hand.tolist()
        assert fmt.vec(by_hand) in problem.solution


def test_stratified_counts_refuses_more_folds_than_positives() -> None:
    with pytest.raises(ValueError, match="n_pos"):
        validation.stratified_counts(rng(), n_pos=3, n_neg=50, k=5)


def test_loocv_fits() -> None:
    # Leave-one-out fits once per example.
    problem = validation.loocv_fits(rng(), n=137)
    assert problem.answer == 137
    assert "137 examples" in problem.prompt
    assert {d.value for d in problem.diagnoses} == {136, 1, 138}


def test_grid_search_fits_by_hand() -> None:
    # 2 hyperparameters × 3 values = 9 candidates; 9 × 5 folds = 45; + 1 refit = 46.
    problem = validation.grid_search_fits(rng(), grid=3, params=2, k=5, refit=True)
    assert problem.answer == 46
    assert "cv=5" in problem.prompt and "refit=True" in problem.prompt
    for name, values in problem.given["param_grid"].items():
        assert f"{name}: {fmt.vec(values)}" in problem.prompt
    assert {d.value for d in problem.diagnoses} == {45, 10, 31}  # no refit, no ×k, 3 + 3 added
    without = validation.grid_search_fits(rng(), grid=3, params=2, k=5, refit=False)
    assert without.answer == 45


def test_grid_search_fits_counts_the_drawn_grid() -> None:
    for seed in range(20):
        problem = validation.grid_search_fits(rng(seed))
        grid = problem.given["param_grid"]
        combos = int(np.prod([len(v) for v in grid.values()]))
        assert problem.answer == combos * problem.given["k"] + int(problem.given["refit"])


def test_class_weight_helper_by_hand() -> None:
    # 50 examples, counts 10 and 40: 50 / (2·10) = 2.5 and 50 / (2·40) = 0.625.
    assert validation._balanced_weights(np.array([10, 40])) == pytest.approx([2.5, 0.625])


def test_class_weights_prompt_and_formula() -> None:
    for seed in range(20):
        problem = validation.class_weights(rng(seed))
        counts = np.asarray(problem.given["counts"])
        asked = problem.given["class"]
        assert problem.answer == pytest.approx(counts.sum() / (len(counts) * counts[asked]))
        for c, count in enumerate(counts):
            assert f"class {c}: {count}" in problem.prompt
        assert counts.min() >= 2


def test_nested_cv_fits_by_hand() -> None:
    # Per outer fold: 12 candidates × 4 inner folds = 48, + 1 refit = 49; × 5 outer folds = 245.
    problem = validation.nested_cv_fits(rng(), outer=5, inner=4, candidates=12)
    assert problem.answer == 245
    assert "cv=5" in problem.prompt and "cv=4" in problem.prompt and "12 candidate" in problem.prompt
    assert {d.value for d in problem.diagnoses} == {240, 49, 241}
