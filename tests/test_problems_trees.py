"""trees generators: entropy, Gini impurity and information gain, checked independently."""

from __future__ import annotations

import math
from itertools import product

import numpy as np
import pytest

from quizapp.problems import fmt
from quizapp.problems.registry import get
from quizapp.problems.trees import entropy, entropy_bits, gini, gini_impurity, information_gain

SEEDS = range(40)


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def test_the_catalogue_names_and_params_are_registered() -> None:
    assert set(get("trees.entropy").params) == {"classes", "n"}
    assert set(get("trees.gini").params) == {"classes", "n"}
    assert set(get("trees.information_gain").params) == {"n"}


@pytest.mark.parametrize(
    ("counts", "bits"),
    [
        ([2, 2], 1.0),  # a fair coin: 1 bit
        ([1, 1, 2], 1.5),  # ¼·2 + ¼·2 + ½·1
        ([4, 4, 4, 4], 2.0),  # four equal classes: log2 4
        ([9, 3], 0.8112781),  # H(0.25) = 0.25·2 + 0.75·log2(4/3) = 0.5 + 0.311278
        ([5, 0], 0.0),  # a pure node
    ],
)
def test_entropy_bits_by_hand(counts: list[int], bits: float) -> None:
    assert entropy_bits(counts) == pytest.approx(bits, abs=1e-7)


@pytest.mark.parametrize(
    ("counts", "impurity"),
    [
        ([5, 5], 0.5),  # 1 − (¼ + ¼)
        ([1, 1, 2], 0.625),  # 1 − (1/16 + 1/16 + 4/16)
        ([9, 3], 0.375),  # 2·¾·¼
        ([7, 0], 0.0),
    ],
)
def test_gini_impurity_by_hand(counts: list[int], impurity: float) -> None:
    assert gini_impurity(counts) == pytest.approx(impurity)


@pytest.mark.parametrize("seed", SEEDS)
def test_entropy_matches_sklearn_self_information(seed: int) -> None:
    from sklearn.metrics import mutual_info_score

    p = entropy(_rng(seed))
    counts = p.given["counts"]
    labels = [c for c, count in enumerate(counts) for _ in range(count)]
    # I(Y; Y) = H(Y); sklearn reports nats
    assert p.answer == pytest.approx(mutual_info_score(labels, labels) / math.log(2))
    assert p.tolerance.decimals == 3
    assert fmt.fixed(p.answer, 3) in p.solution
    assert fmt.vec(counts) in p.prompt
    assert "bits" in p.prompt
    assert all(c >= 1 for c in counts)


@pytest.mark.parametrize("seed", SEEDS)
def test_gini_is_the_chance_two_draws_disagree(seed: int) -> None:
    p = gini(_rng(seed))
    counts = p.given["counts"]
    labels = [c for c, count in enumerate(counts) for _ in range(count)]
    pairs = list(product(labels, repeat=2))  # two draws with replacement
    assert p.answer == pytest.approx(sum(a != b for a, b in pairs) / len(pairs))
    assert fmt.fixed(p.answer, 3) in p.solution
    assert fmt.vec(counts) in p.prompt


def test_entropy_and_gini_diagnose_each_other() -> None:
    p = entropy(_rng(1), classes=2, n=12)
    nats = [d for d in p.diagnoses if "natural log" in d.message]
    assert nats and nats[0].value == pytest.approx(p.answer * math.log(2))  # type: ignore[operator]
    assert any("Gini" in d.message for d in p.diagnoses)
    q = gini(_rng(1), classes=2, n=12)
    assert any(d.value == pytest.approx(p.answer) and "entropy" in d.message for d in q.diagnoses)


def test_information_gain_by_hand() -> None:
    from quizapp.problems.trees import information_gain_bits

    # parent [5, 5]: H = 1.  left [4, 0]: H = 0.  right [1, 5]: H(1/6) = 0.650022
    # gain = 1 − (4/10·0 + 6/10·0.650022) = 1 − 0.390013 = 0.609987
    assert information_gain_bits([5, 5], [4, 0], [1, 5]) == pytest.approx(0.609987, abs=1e-6)
    # a split that keeps the class mix gains nothing
    assert information_gain_bits([4, 4], [2, 2], [2, 2]) == pytest.approx(0.0)


@pytest.mark.parametrize("seed", SEEDS)
def test_information_gain_matches_a_sklearn_stump(seed: int) -> None:
    from sklearn.tree import DecisionTreeClassifier

    p = information_gain(_rng(seed))
    left, right = p.given["left"], p.given["right"]
    # one feature that is 0 for the left child and 1 for the right; labels 1 = positive
    x = [[0]] * sum(left) + [[1]] * sum(right)
    y = [1] * left[0] + [0] * left[1] + [1] * right[0] + [0] * right[1]
    tree = DecisionTreeClassifier(criterion="entropy", max_depth=1).fit(x, y).tree_
    assert tree.node_count == 3
    n, n_left, n_right = tree.n_node_samples
    expected = tree.impurity[0] - (n_left * tree.impurity[1] + n_right * tree.impurity[2]) / n
    assert p.answer == pytest.approx(expected)
    assert isinstance(p.answer, float) and p.answer >= 0.05
    assert fmt.fixed(p.answer, 3) in p.solution
    parent = p.given["parent"]
    assert f"{parent[0]} positives and {parent[1]} negatives" in p.prompt


def test_information_gain_diagnoses_the_unweighted_average() -> None:
    for seed in SEEDS:
        p = information_gain(_rng(seed))
        left, right = p.given["left"], p.given["right"]
        unweighted = entropy_bits(p.given["parent"]) - (entropy_bits(left) + entropy_bits(right)) / 2
        if abs(unweighted - p.answer) > 0.001:  # type: ignore[operator]
            assert any(d.value == pytest.approx(unweighted) for d in p.diagnoses)


def test_impossible_params_are_value_errors() -> None:
    with pytest.raises(ValueError):
        entropy(_rng(0), classes=3, n=2)
    with pytest.raises(ValueError):
        information_gain(_rng(0), n=3)
